"""Zusagen ansehen: one meeting's answers by name, town and group, with the lead's nudge (from /meetings).

Buttons are `rl:1:<meeting>:<new|re|nudge>`: `new` sends the list below the card, `re` redraws it, `nudge`
reminds the open ones and redraws it. Who may see what is decided in models/meetings/rsvps.py on every press.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from core.texts import format_when
from handlers.codec import encode
from handlers.common import Btn, Req, View, esc
from handlers.meetings.rsvp import nudge
from handlers.meetings.views import town_label
from handlers.names import person_name
from models.errors import Refusal
from models.meetings import rsvps as rsvps_domain
from models.meetings.core import ANSWERS
from models.meetings.rsvps import OPEN, Answer, RsvpList
from models.tables import Team

PREFIX = "rl"
TEXT_BUDGET = 3600  # characters of names at most, so the list stays under Telegram's 4,096 with its head
NAME_MAX = 28


def list_button(req: Req, meeting_id: int) -> Btn:
    return Btn(req.t("rsvps.button"), encode(PREFIX, meeting_id, "new"))


def may_see(organiser: bool, req: Req) -> bool:
    """Whether the card offers the list (the domain decides again on the press)."""
    return organiser or req.config.meetings.show_rsvps_to_members


def _group(req: Req, key: str | None) -> str:
    group = req.config.group(key or "")
    return group.name(req.lang) if group else "–"


def _person(req: Req, a: Answer) -> str:
    params = {
        "name": esc(person_name(req, a.name, NAME_MAX)),
        "town": esc(town_label(req.config, a.town, req.lang)),
        "group": esc(_group(req, a.group)),
    }
    if a.reason:
        return req.t("rsvps.person_reason", **params, reason=esc(req.t(f"meetings.reason_{a.reason}")))
    return req.t("rsvps.person", **params)


def _mix(counter: Counter[str], names: Callable[[str], str]) -> str:
    return " · ".join(f"{esc(names(k))} {n}" for k, n in counter.most_common()) or "–"


async def list_view(req: Req, found: RsvpList) -> View:
    m, by = found.meeting, found.by_answer
    team = await req.session.get(Team, m.team_id)
    head = req.t(
        "meetings.headcount",
        title=esc(m.title),
        team=esc(team.name(req.lang)) if team else "–",
        when=format_when(m.starts_at, req.lang, req.config.time_zone),
        yes=len(by["yes"]),
        maybe=len(by["maybe"]),
        no=len(by["no"]),
        open=len(by[OPEN]),
        towns=_mix(found.yes_by_town, lambda k: town_label(req.config, k, req.lang)),
        groups=_mix(found.yes_by_group, lambda k: _group(req, k)),
    )
    parts = [head]
    if found.reasons:
        reasons = _mix(found.reasons, lambda k: req.t(f"meetings.reason_{k}"))
        parts.append(req.t("meetings.headcount_reasons", reasons=reasons))
    budget = TEXT_BUDGET
    for answer in (*ANSWERS, OPEN):
        people = by[answer]
        if not people:
            continue
        lines = [req.t(f"rsvps.section_{answer}", count=len(people))]
        for i, a in enumerate(people):
            line = _person(req, a)
            if budget - len(line) < 0:
                lines.append(req.t("rsvps.more", count=len(people) - i))
                break
            budget -= len(line) + 1
            lines.append(line)
        parts.append("\n".join(lines))
    rows: list[list[Btn]] = []
    if found.organiser:
        again = found.nudge_again_at()
        if again is not None and again > req.now:
            assert found.last_nudge is not None
            tz = req.config.time_zone
            parts.append(
                req.t(
                    "rsvps.nudged",
                    when=format_when(found.last_nudge, req.lang, tz),
                    until=format_when(again, req.lang, tz),
                )
            )
        elif by[OPEN] and m.starts_at > req.now:
            rows.append([Btn(req.t("rsvps.nudge_button", count=len(by[OPEN])), encode(PREFIX, m.id, "nudge"))])
    rows.append([Btn(req.t("rsvps.refresh"), encode(PREFIX, m.id, "re"))])
    return View("\n\n".join(parts), rows)


async def on_button(req: Req) -> None:
    """rl:<meeting>:<new|re|nudge>"""
    assert req.cb is not None
    meeting_id, action = req.cb.int(0), req.cb.arg(1)
    if action not in ("new", "re", "nudge"):
        raise Refusal("errors.stale_button")
    if action == "nudge":
        await nudge(req, meeting_id)
    show = req.config.meetings.show_rsvps_to_members
    view = await list_view(req, await rsvps_domain.rsvp_list(req.session, req.me, meeting_id, show))
    if action == "new":
        req.reply(view)
    else:
        req.show(view)
