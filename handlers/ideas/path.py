"""The timeline ("Verlauf") of one idea, opened from /ideas (also its ideas without a team) and /myideas.

Buttons: `iv:1:<list>:<page>:<idea>` shows the idea's path, `iv:1:<list>:<page>` goes back to the list it came
from (`t` the ideas of my teams, `n` those without a team, `m` my ideas). Who may see it is decided in
models/ideas/path.py on every press, so a forged idea id gets the same answer as a missing one.
Every kind of step is drawn from its columns and the details this screen knows; details it does not know are
left out, so steps written by newer features never break the screen. Long paths are cut to fit one message.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from core.texts import catalogue, format_day
from handlers.codec import encode
from handlers.common import Btn, Req, View, esc, short, visible_len
from handlers.names import town_name
from models.ideas import events
from models.ideas.path import Path, as_id, idea_path
from models.tables import IdeaEvent

PREFIX = "iv"
LISTS = ("t", "n", "m")
LIMIT = 3800  # visible characters: below Telegram's 4096 with room for the buttons' screen
DECISIONS_MAX = 300
ANSWER_MAX = 200
TEXT_MAX = 200


def button(req: Req, idea_id: int, which: str, page: int) -> Btn:
    """The '📜 Verlauf #id' button for an idea in a list."""
    return Btn(req.t("idea_path.button", id=idea_id), encode(PREFIX, which, page, idea_id))


def _known(req: Req, key: str) -> bool:
    return key in catalogue(req.lang) or key in catalogue("de")


def _status(req: Req, status: str | None) -> str:
    key = f"ideas.status_{status}"
    return req.t(key) if _known(req, key) else esc(status or "–")


def _town(req: Req, key: str | None) -> str:
    name = town_name(req, key)
    return esc(key if name == "–" and key else name)


def _code_names(req: Req, kind: str, codes: Any) -> str:
    if not isinstance(codes, list | tuple):
        codes = [codes] if isinstance(codes, str) else []
    names = []
    for c in codes:
        named = req.config.code(kind, str(c))
        names.append(named.name(req.lang) if named else str(c))
    return esc(", ".join(names))


def _meeting_line(req: Req, path: Path, meeting_id: int | None) -> str | None:
    meeting = path.meetings.get(meeting_id) if meeting_id is not None else None
    if meeting is None:
        return None
    day = format_day(meeting.starts_at, req.lang, req.config.time_zone)
    return req.t("idea_path.meeting", title=esc(short(meeting.title, 80)), day=day)


def _headline(req: Req, path: Path, e: IdeaEvent, d: dict[str, Any]) -> str:
    """The step's label with what it names (team, town, meeting, other idea)."""
    kind = e.kind
    if kind == events.TEAM:
        slug = str(d.get("team") or "")
        team = path.teams.get(slug)
        name = team.name(req.lang) if team else slug
        return req.t("idea_events.team", team=esc(name or "–"))
    if kind in (events.FORWARDED, events.TOWN_ANSWER, events.QUESTION_ANSWERED):
        return req.t(f"idea_events.{kind}", town=_town(req, e.town))
    if kind == events.STATUS:
        return req.t("idea_events.status", status=_status(req, e.status))
    if kind == events.DISCUSSED:
        line = _meeting_line(req, path, e.meeting_id)
        return req.t("idea_events.discussed") + (f": {line}" if line else "")
    if kind == events.MERGED:
        into, source = as_id(d.get("into")), as_id(d.get("from"))
        if into is not None:
            return req.t("idea_path.merged_into", id=into)
        if source is not None:
            return req.t("idea_path.merged_from", id=source)
        return req.t("idea_events.merged")
    if kind in events.KINDS:
        return req.t(f"idea_events.{kind}")
    return req.t("idea_path.unknown_step", kind=esc(short(kind, 40)))


def _notes(req: Req, path: Path, e: IdeaEvent, d: dict[str, Any], first: bool) -> list[str]:
    """The lines under a step: what its columns and the details this screen knows add."""
    kind, notes = e.kind, []
    if (
        kind in (events.SUBMITTED, events.IMPORTED)
        and first
        and path.team is not None
        and not any(s.kind == events.TEAM for s in path.steps)
    ):
        notes.append(req.t("idea_path.with_team", team=esc(path.team.name(req.lang))))  # sent to a team right away
    if kind == events.IMPORTED and path.workshop is not None:  # its name and day, not the command line's key
        tz = req.config.time_zone
        day = format_day(datetime.combine(path.workshop.held_on, time(12), tz), req.lang, tz)
        notes.append(req.t("idea_path.workshop", workshop=esc(short(f"{path.workshop.name}, {day}", 120))))
    elif kind == events.IMPORTED and d.get("workshop"):
        notes.append(req.t("idea_path.workshop", workshop=esc(short(str(d["workshop"]), 80))))
    if kind == events.STATUS:
        answer = path.answers.get(as_id(d.get("answer")) or 0)
        if answer is not None:
            notes.append(req.t("idea_path.answer", text=esc(short(answer.text, ANSWER_MAX))))
    if kind == events.DISCUSSED:
        meeting = path.meetings.get(e.meeting_id) if e.meeting_id is not None else None
        if meeting is not None and meeting.decisions:
            notes.append(req.t("idea_path.decisions", text=esc(short(meeting.decisions, DECISIONS_MAX))))
    elif e.meeting_id is not None:
        line = _meeting_line(req, path, e.meeting_id)
        if line:
            notes.append(line)
    if kind == events.TOWN_ANSWER:
        answer_kind = d.get("answer") if isinstance(d.get("answer"), str) else d.get("kind")
        if isinstance(answer_kind, str) and answer_kind:
            key = f"idea_path.town_answer_{answer_kind}"
            notes.append(req.t(key) if _known(req, key) else esc(short(answer_kind, 40)))
    note = path.notes.get(as_id(d.get("note")) or 0)
    if note is not None and kind in (events.TOWN_ANSWER, events.QUESTION_ANSWERED):  # the question, the reply
        notes.append(req.t("idea_path.quoted", text=esc(short(note.text, ANSWER_MAX))))
    if kind in (events.CODED, events.TOWN_ANSWER):
        notes += _codes(req, d)
    if e.status and kind not in events.SETS_STATUS:
        notes.append(req.t("idea_path.status_now", status=_status(req, e.status)))
    if e.town and kind not in (events.FORWARDED, events.TOWN_ANSWER, events.QUESTION_ANSWERED):
        notes.append(req.t("idea_path.town", town=_town(req, e.town)))
    return notes


CODE_KINDS = ("factor", "obstacle")


def _codes(req: Req, d: dict[str, Any]) -> list[str]:
    """Ticked codes, given as `codes` with their `kind` (or `code_kind`), or as lists `factors` / `obstacles`."""
    given = [(kind, d.get(f"{kind}s")) for kind in CODE_KINDS if d.get(f"{kind}s")]
    if d.get("codes"):
        kind = next((d[k] for k in ("kind", "code_kind") if d.get(k) in CODE_KINDS), "obstacle")
        given.insert(0, (str(kind), d["codes"]))
    return [f"{req.t(f'idea_path.codes_{kind}')}: {_code_names(req, kind, codes)}" for kind, codes in given]


def step_block(req: Req, path: Path, e: IdeaEvent, first: bool = False) -> str:
    d = e.details if isinstance(e.details, dict) else {}
    day = format_day(e.at, req.lang, req.config.time_zone)
    lines = [f"<b>{day}</b> · {_headline(req, path, e, d)}"]
    lines += [f"    {n}" for n in _notes(req, path, e, d, first)]
    return "\n".join(lines)


def _fit(head: str, blocks: list[str], req: Req) -> str:
    """Head and steps within LIMIT: the first step and as many of the latest as fit, with a note between."""
    text = "\n\n".join([head, *blocks])
    if visible_len(text) <= LIMIT or len(blocks) < 2:
        return text
    kept: list[str] = []
    for block in reversed(blocks[1:]):
        left_out = len(blocks) - 1 - len(kept) - 1
        note = req.t("idea_path.cut", count=left_out)
        if visible_len("\n\n".join([head, blocks[0], note, block, *kept])) > LIMIT:
            break
        kept.insert(0, block)
    left_out = len(blocks) - 1 - len(kept)
    return "\n\n".join([head, blocks[0], req.t("idea_path.cut", count=left_out), *kept])


async def path_view(req: Req, idea_id: int, which: str, page: int) -> View:
    path = await idea_path(req.session, req.me, idea_id)
    idea = path.idea
    facts = [req.t("idea_path.status_now", status=_status(req, idea.status))]
    if path.team is not None:
        facts.append(req.t("idea_path.team_now", team=esc(path.team.name(req.lang))))
    if path.towns:
        facts.append(req.t("idea_path.towns", towns=", ".join(_town(req, t) for t in path.towns)))
    head = "\n".join(
        [req.t("idea_path.title", id=idea.id), f"<i>{esc(short(idea.text, TEXT_MAX))}</i>", " · ".join(facts)]
    )
    blocks = [step_block(req, path, e, i == 0) for i, e in enumerate(path.steps)]
    if not blocks:
        blocks = [req.t("idea_path.no_steps")]
    back = Btn(req.t("idea_path.back"), encode(PREFIX, which, page))
    return View(_fit(head, blocks, req), [[back]])
