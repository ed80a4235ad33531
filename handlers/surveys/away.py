"""The one question to a member who stopped coming (models/surveys/away.py): its message, its buttons
(`aw:1:<answer>:o:<code>:<1|0>`, `txt`, `done`, `edit`) and the typed sentence.

Every tap re-checks in the domain that the presser is the person asked, still consents, is still in the team and
that the question is open (`open_question`); a forged, foreign or late button gets a polite answer and changes
nothing. Each chip carries the state it sets, so a double tap changes nothing. The outbox row renders at send
time and to nothing when the question is no longer wanted (consent withdrawn, switched off, left the team,
answered).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from core.config import Config
from core.texts import format_when, t
from handlers.codec import encode
from handlers.common import Btn, Req, View, esc
from handlers.surveys.views import code_names
from models import drafts
from models.errors import Refusal
from models.surveys import away
from models.surveys.answers import COMMENT_MAX
from models.tables import AwayAnswer, Draft, Membership, Outbox, Person, Team
from scheduler.dispatcher import Outgoing, Renderer

PREFIX = "aw"
FLOW = "away"
STATES = {"1": True, "0": False}
PER_ROW = 2


def _lines(config: Config, row: AwayAnswer, lang: str) -> list[str]:
    out = []
    if row.obstacles:
        out.append(t(lang, "away.your_obstacles", codes=code_names(config, "obstacle", row.obstacles, lang)))
    if row.comment:
        out.append(t(lang, "survey.your_comment", text=esc(row.comment)))
    return out


def _until(config: Config, row: AwayAnswer, lang: str) -> str:
    return format_when(row.asked_at + away.OPEN_FOR, lang, config.time_zone)


def question_view(config: Config, row: AwayAnswer, team: Team, lang: str) -> View:
    """The question: the obstacle chips, a sentence, "Fertig"."""
    lines = [t(lang, "away.intro", team=esc(team.name(lang))), "", t(lang, "away.ask")]
    mine = _lines(config, row, lang)
    lines += (["", *mine] if mine else []) + ["", t(lang, "away.privacy_line", until=_until(config, row, lang))]
    chips = []
    for code in config.codes("obstacle"):
        on = code.key in (row.obstacles or [])
        label = f"{'✅' if on else '👎'} {code.name(lang)}"
        chips.append(Btn(label, encode(PREFIX, row.id, "o", code.key, int(not on))))
    rows = [chips[i : i + PER_ROW] for i in range(0, len(chips), PER_ROW)]
    rows.append(
        [
            Btn(t(lang, "survey.comment_button"), encode(PREFIX, row.id, "txt")),
            Btn(t(lang, "survey.done_button"), encode(PREFIX, row.id, "done")),
        ]
    )
    return View("\n".join(lines), rows)


def thanks_view(config: Config, row: AwayAnswer, lang: str) -> View:
    lines = [t(lang, "away.thanks"), "", *_lines(config, row, lang)]
    lines += ["", t(lang, "survey.thanks_until", until=_until(config, row, lang))]
    return View("\n".join(lines), [[Btn(t(lang, "survey.edit_button"), encode(PREFIX, row.id, "edit"))]])


async def _team(req: Req, row: AwayAnswer) -> Team:
    team = await req.session.get(Team, row.team_id)
    assert team is not None
    return team


async def on_button(req: Req) -> None:
    """o:<code>:<1|0> tick or untick an obstacle · txt a sentence · done · edit."""
    assert req.cb is not None
    answer_id, action = req.cb.int(0), req.cb.arg(1)
    s, me = req.session, req.me
    if action == "o":
        on = STATES.get(req.cb.arg(3))
        if on is None:
            raise Refusal("errors.stale_button")
        known = [c.key for c in req.config.codes("obstacle")]
        changed = await away.set_obstacle(s, me, answer_id, req.cb.arg(2), on, known, req.now)
        req.toast(req.t("survey.saved" if changed else "survey.unchanged"))
    elif action == "txt":
        await away.open_question(s, me, answer_id, req.now)
        await drafts.save_draft(s, me.id, FLOW, "comment", {"answer": answer_id}, req.now)
        req.reply(req.t("survey.ask_comment", max=COMMENT_MAX))
        return
    elif action == "done":
        req.show(thanks_view(req.config, await away.finish(s, me, answer_id, req.now), req.lang))
        return
    elif action != "edit":
        raise Refusal("errors.stale_button")
    row = await away.open_question(s, me, answer_id, req.now)
    req.show(question_view(req.config, row, await _team(req, row), req.lang))


async def on_input(req: Req, draft: Draft) -> None:
    """The typed sentence; then the saved answer with "Ändern"."""
    if req.text is None:
        raise Refusal("survey.text_only")
    row = await away.set_comment(req.session, req.me, int(draft.data.get("answer", 0)), req.text, req.now)
    await drafts.clear_draft(req.session, req.me.id)
    req.reply(req.t("survey.comment_saved"))
    req.reply(thanks_view(req.config, row, req.lang))


def renderers(config: Config) -> dict[str, Renderer]:
    """The question, unless it is no longer wanted when its turn comes."""

    async def question(s: AsyncSession, row: Outbox) -> Outgoing | None:
        answer_id = int((row.payload or {}).get("answer", 0))
        found = await s.get(AwayAnswer, answer_id) if answer_id else None
        person = await s.get(Person, row.person_id) if row.person_id is not None else None
        if found is None or person is None or found.person_id != person.id or found.answered_at is not None:
            return None
        if not away.wants_question(person) or await s.get(Membership, (person.id, found.team_id)) is None:
            return None
        team = await s.get(Team, found.team_id)
        assert team is not None
        view = question_view(config, found, team, person.language)
        markup = InlineKeyboardMarkup(
            [[InlineKeyboardButton(b.label, callback_data=b.data) for b in r] for r in view.buttons]
        )
        return Outgoing(view.text, markup)

    return {away.AWAY: question}
