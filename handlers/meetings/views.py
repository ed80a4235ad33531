"""How a meeting looks in a chat, and what each outbox row about a meeting becomes when it is sent.

Rows are rendered at send time, so a reminder shows the meeting as it is now, and a row that is no longer
needed (meeting cancelled, member declined, left the team or muted reminders) renders to None and is skipped.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from core.config import Config
from core.texts import format_when, t
from handlers.codec import encode
from handlers.common import Btn, View, esc
from models import proxy as proxy_domain
from models.meetings import core as meetings_domain
from models.people import OTHER_TOWN
from models.tables import Meeting, Membership, Outbox, Person, Rsvp, Team
from scheduler.dispatcher import Outgoing, Renderer

ANSWER_ICONS = {"yes": "✅", "maybe": "🤔", "no": "❌"}


def town_label(config: Config, key: str | None, lang: str) -> str:
    if key == OTHER_TOWN:
        return t(lang, "common.other_town")
    town = config.town(key or "")
    return town.name(lang) if town else "–"


def place_line(config: Config, meeting: Meeting, lang: str) -> str:
    if meeting.online_url:
        return t(lang, "meetings.place_online", url=esc(meeting.online_url))
    return t(
        lang,
        "meetings.place_address",
        address=esc(meeting.address or ""),
        town=esc(town_label(config, meeting.town, lang)),
    )


def meeting_text(config: Config, meeting: Meeting, team: Team | None, lang: str) -> str:
    """The meeting in full: title, team, time, duration, place or link, agenda."""
    lines = [f"📅 <b>{esc(meeting.title)}</b>"]
    if team is not None:
        lines.append(f"👥 {esc(team.name(lang))}")
    lines.append(
        t(
            lang,
            "meetings.when_line",
            when=format_when(meeting.starts_at, lang, config.time_zone),
            minutes=meeting.duration_min,
        )
    )
    lines.append(place_line(config, meeting, lang))
    if meeting.agenda:
        lines.append(t(lang, "meetings.agenda_line", agenda=esc(meeting.agenda)))
    return "\n".join(lines)


def rsvp_buttons(meeting_id: int, lang: str, current: str | None = None) -> list[list[Btn]]:
    def label(answer: str) -> str:
        mark = "• " if current == answer else ""
        return f"{mark}{ANSWER_ICONS[answer]} {t(lang, 'meetings.answer_' + answer)}"

    return [
        [Btn(label(a), encode("rsvp", meeting_id, a)) for a in meetings_domain.ANSWERS],
        [Btn(t(lang, "meetings.calendar_button"), encode("ics", meeting_id))],
    ]


def invitation_view(
    config: Config,
    meeting: Meeting,
    team: Team | None,
    lang: str,
    rsvp: Rsvp | None,
    intro_key: str = "meetings.invitation_intro",
    intro: dict[str, Any] | None = None,
) -> View:
    """The invitation as members see it; reminders, changes and nudges use it with another intro line."""
    if intro is None:
        intro = {"team": esc(team.name(lang)) if team else ""}
    text = t(lang, intro_key, **intro) + "\n\n" + meeting_text(config, meeting, team, lang)
    answer = rsvp.answer if rsvp else None
    if answer:
        text += "\n\n" + t(
            lang, "meetings.your_answer", answer=f"{ANSWER_ICONS[answer]} {t(lang, 'meetings.answer_' + answer)}"
        )
        if answer == "no" and rsvp is not None and rsvp.reason:
            text += "\n" + t(lang, "meetings.your_reason", reason=t(lang, f"meetings.reason_{rsvp.reason}"))
    return View(text, rsvp_buttons(meeting.id, lang, answer))


def reason_buttons(meeting_id: int, lang: str) -> list[list[Btn]]:
    rows = [[Btn(t(lang, f"meetings.reason_{r}"), encode("rsn", meeting_id, r))] for r in meetings_domain.REASONS]
    rows.append([Btn(t(lang, "meetings.reason_skip"), encode("rsn", meeting_id, "none"))])
    return rows


def _markup(view: View) -> InlineKeyboardMarkup | None:
    if not view.buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.data, url=b.url) for b in row] for row in view.buttons]
    )


def _out(view: View) -> Outgoing:
    return Outgoing(view.text, _markup(view))


async def row_context(s: AsyncSession, row: Outbox) -> tuple[Meeting, Team, Person | None, Rsvp | None] | None:
    """Meeting, team, recipient and invitation of a row, or None if the row is no longer wanted."""
    if row.meeting_id is None:
        return None
    meeting = await s.get(Meeting, row.meeting_id)
    if meeting is None:
        return None
    team = await s.get(Team, meeting.team_id)
    assert team is not None
    if row.person_id is None:
        return meeting, team, None, None
    person = await s.get(Person, row.person_id)
    if person is None:
        return None
    rsvp = await s.get(Rsvp, (meeting.id, person.id))
    return meeting, team, person, rsvp


def renderers(config: Config) -> dict[str, Renderer]:
    """The outbox kinds about meetings and how each becomes a message at send time."""

    async def invitation(s: AsyncSession, row: Outbox) -> Outgoing | None:
        ctx = await row_context(s, row)
        if ctx is None or ctx[0].status != meetings_domain.SCHEDULED:
            return None
        meeting, team, person, rsvp = ctx
        lang = person.language if person else "de"
        if person is not None and rsvp is None:
            return None  # left the team meanwhile
        return _out(invitation_view(config, meeting, team, lang, rsvp))

    async def reminder(s: AsyncSession, row: Outbox) -> Outgoing | None:
        ctx = await row_context(s, row)
        if ctx is None or ctx[0].status != meetings_domain.SCHEDULED:
            return None
        meeting, team, person, rsvp = ctx
        if person is not None and (rsvp is None or rsvp.answer == "no" or person.mute_reminders):
            return None
        if person is not None and await s.get(Membership, (person.id, team.id)) is None:
            return None
        lang = person.language if person else "de"
        when = format_when(meeting.starts_at, lang, config.time_zone)
        return _out(invitation_view(config, meeting, team, lang, rsvp, "meetings.reminder_intro", {"when": when}))

    async def change(s: AsyncSession, row: Outbox) -> Outgoing | None:
        ctx = await row_context(s, row)
        if ctx is None or ctx[0].status != meetings_domain.SCHEDULED:
            return None
        meeting, team, person, rsvp = ctx
        if person is not None and rsvp is None:
            return None
        lang = person.language if person else "de"
        lines = describe_changes(config, row.payload.get("changes", []), lang)
        view = invitation_view(
            config, meeting, team, lang, rsvp, "meetings.change_intro", {"changes": "\n".join(lines)}
        )
        return _out(view)

    async def cancel(s: AsyncSession, row: Outbox) -> Outgoing | None:
        ctx = await row_context(s, row)
        if ctx is None:
            return None
        meeting, team, person, _ = ctx
        lang = person.language if person else "de"
        return Outgoing(
            t(
                lang,
                "meetings.cancel_notice",
                title=esc(meeting.title),
                team=esc(team.name(lang)),
                when=format_when(meeting.starts_at, lang, config.time_zone),
            )
        )

    async def rsvp_nudge(s: AsyncSession, row: Outbox) -> Outgoing | None:
        ctx = await row_context(s, row)
        if ctx is None or ctx[0].status != meetings_domain.SCHEDULED:
            return None
        meeting, team, person, rsvp = ctx
        if person is None or rsvp is None or rsvp.answer is not None:
            return None
        return _out(invitation_view(config, meeting, team, person.language, rsvp, "meetings.nudge_intro"))

    async def headcount(s: AsyncSession, row: Outbox) -> Outgoing | None:
        ctx = await row_context(s, row)
        if ctx is None or ctx[0].status != meetings_domain.SCHEDULED or ctx[2] is None:
            return None
        meeting, team, person, _ = ctx
        assert person is not None
        view = await headcount_view(s, config, meeting, team, person.language)
        return _out(view)

    async def attendance_nudge(s: AsyncSession, row: Outbox) -> Outgoing | None:
        ctx = await row_context(s, row)
        if ctx is None or ctx[0].status != meetings_domain.SCHEDULED or ctx[2] is None:
            return None
        meeting, team, person, _ = ctx
        assert person is not None
        if meeting.attendance_recorded_at is not None:
            return None
        lang = person.language
        return _out(
            View(
                t(
                    lang,
                    "meetings.attendance_nudge",
                    title=esc(meeting.title),
                    when=format_when(meeting.starts_at, lang, config.time_zone),
                ),
                [[Btn(t(lang, "meetings.attendance_button"), encode("att", meeting.id, "show", 0))]],
            )
        )

    table: dict[str, Callable[[AsyncSession, Outbox], Awaitable[Outgoing | None]]] = {
        meetings_domain.INVITATION: invitation,
        meetings_domain.REMINDER: reminder,
        meetings_domain.CHANGE: change,
        meetings_domain.CANCEL: cancel,
        meetings_domain.RSVP_NUDGE: rsvp_nudge,
        meetings_domain.HEADCOUNT: headcount,
        meetings_domain.ATTENDANCE_NUDGE: attendance_nudge,
    }
    return table


PLACE_FIELDS = ("address", "town", "online_url")


def describe_changes(config: Config, changes: Sequence[Sequence[Any]], lang: str) -> list[str]:
    """One line per change ('Zeit: … → …'); address, town and link changing together are one place line
    ('Ort: Markt 1, Saalfeld → Schlossstraße 5, Rudolstadt'), where the first of them stood."""
    place = {name: (old, new) for name, old, new in changes if name in PLACE_FIELDS}
    lines = [describe_change(config, n, o, v, lang) for n, o, v in changes if len(place) < 2 or n not in PLACE_FIELDS]
    if len(place) > 1:
        old, new = (_place(config, {k: v[i] for k, v in place.items()}, lang) for i in (0, 1))
        first = next(i for i, c in enumerate(changes) if c[0] in PLACE_FIELDS)
        lines.insert(first, t(lang, "meetings.change_line", field=t(lang, "meetings.field_address"), old=old, new=new))
    return lines


def _place(config: Config, values: dict[str, Any], lang: str) -> str:
    """One side of a place change: the link, or 'address, town' from the fields that changed."""
    if values.get("online_url"):
        return t(lang, "meetings.change_place_online", url=_short(values["online_url"]))
    town = values.get("town") and esc(town_label(config, values["town"], lang))
    return ", ".join(p for p in (values.get("address") and _short(values["address"]), town) if p) or "–"


def _short(value: Any) -> str:
    text = str(value)
    return esc(text if len(text) <= 80 else text[:79] + "…")


def describe_change(config: Config, name: str, old: Any, new: Any, lang: str) -> str:
    """'Zeit: Do., 3. Dez. 2026, 18:00 Uhr → Fr., 4. Dez. 2026, 19:00 Uhr' for one changed field."""

    def show(value: Any) -> str:
        if value is None or value == "":
            return "–"
        if name == "starts_at":
            return format_when(
                datetime.fromisoformat(value) if isinstance(value, str) else value, lang, config.time_zone
            )
        if name == "town":
            return esc(town_label(config, value, lang))
        return _short(value)

    return t(lang, "meetings.change_line", field=t(lang, f"meetings.field_{name}"), old=show(old), new=show(new))


async def headcount_view(s: AsyncSession, config: Config, meeting: Meeting, team: Team, lang: str) -> View:
    hc = await meetings_domain.headcount(s, meeting.id)

    def mix(counter: Any, names: Callable[[str], str]) -> str:
        return " · ".join(f"{esc(names(k))} {n}" for k, n in counter.most_common()) or "–"

    def group_label(key: str) -> str:
        g = config.group(key)
        return g.name(lang) if g else key

    text = t(
        lang,
        "meetings.headcount",
        title=esc(meeting.title),
        team=esc(team.name(lang)),
        when=format_when(meeting.starts_at, lang, config.time_zone),
        yes=hc.yes,
        maybe=hc.maybe,
        no=hc.no,
        open=hc.open,
        towns=mix(hc.yes_by_town, lambda k: town_label(config, k, lang)),
        groups=mix(hc.yes_by_group, group_label),
    )
    if hc.reasons:
        text += "\n" + t(
            lang, "meetings.headcount_reasons", reasons=mix(hc.reasons, lambda k: t(lang, f"meetings.reason_{k}"))
        )
    calls, offline_open = await call_list(s, meeting.id, lang)
    text += "\n\n" + "\n".join(calls) if calls else ""
    in_app = hc.open - offline_open  # the nudge reaches members in Telegram only
    buttons = [[Btn(t(lang, "meetings.nudge_button", count=in_app), encode("nudge", meeting.id))]] if in_app else []
    if calls:
        buttons.append([offline_button(lang, meeting.id, len(calls) - 1)])
    return View(text, buttons)


# --- members without Telegram (docs/proxy-members.md; their screens: handlers/meetings/offline.py) ----------------

OFFLINE_PREFIX = "pr"


def offline_button(lang: str, meeting_id: int, count: int) -> Btn:
    return Btn(t(lang, "proxy.meeting_button", count=count), encode(OFFLINE_PREFIX, meeting_id))


def answer_label(lang: str, answer: str | None) -> str:
    if answer is None:
        return t(lang, "proxy.answer_open")
    return f"{ANSWER_ICONS[answer]} {t(lang, 'meetings.answer_' + answer)}"


async def call_list(s: AsyncSession, meeting_id: int, lang: str) -> tuple[list[str], int]:
    """The headcount's call list ("Telefonkette"): each invited member without Telegram with phone and answer; and
    how many of them have not answered."""
    found = await proxy_domain.offline_invitees(s, meeting_id)
    if not found:
        return [], 0
    lines = [t(lang, "proxy.call_list_title")]
    for person, rsvp, phone in found:
        number = esc(phone) if phone else t(lang, "proxy.no_phone")
        lines.append(
            t(
                lang,
                "proxy.call_list_line",
                name=esc(person.display_name),
                phone=number,
                answer=answer_label(lang, rsvp.answer),
            )
        )
    return lines, sum(1 for _, r, _ in found if r.answer is None)
