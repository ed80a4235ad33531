"""How a date poll looks in a chat, and what poll outbox rows (invitation, nudge, deadline tally, result) become.

Rows are rendered at send time, so a member sees their current votes, and a row that is no longer needed
(poll closed, deadline passed, member left the team, nudge after a vote) renders to None and is skipped.
The bot keeps no ids of sent ballots, so an old ballot is closed when it is next pressed: the press is
answered with the outcome and the ballot is redrawn without buttons (the result message came already).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from sqlalchemy.ext.asyncio import AsyncSession

from core.config import Config
from core.texts import LANGUAGES, format_when, t
from handlers.codec import encode
from handlers.common import Btn, View, esc
from handlers.meetings.views import ANSWER_ICONS
from models import polls as polls_domain
from models.tables import Outbox, Person, Poll, PollSlot, Team
from scheduler.dispatcher import Outgoing, Renderer

SHORT_FORMATS = {"de": "EEE d.M. HH:mm", "en": "EEE d MMM h:mm a"}
DAY_FORMATS = {"de": "EEE d.M.", "en": "EEE d MMM"}
ENDED_KEYS = ("polls.ended_picked", "polls.ended_called_off", "polls.ended_deadline")  # ballots without buttons


def short_when(when: datetime, lang: str, tz: ZoneInfo) -> str:
    """'Do. 3.12. 18:00': short enough for a button."""
    locale = lang if lang in LANGUAGES else "de"
    return format_datetime(when.astimezone(tz), SHORT_FORMATS[locale], locale=locale)


def short_day(day: date, lang: str) -> str:
    """'Do. 3.12.': a day button."""
    locale = lang if lang in LANGUAGES else "de"
    return format_date(day, DAY_FORMATS[locale], locale=locale)


def slot_lines(slots: list[datetime], lang: str, tz: ZoneInfo) -> str:
    return "\n".join(
        t(lang, "polls.slot_line", number=n, when=format_when(slot, lang, tz)) for n, slot in enumerate(slots, 1)
    )


def draft_head(title: str, slots: list[datetime], lang: str, tz: ZoneInfo) -> str:
    """The poll being drafted: its title and the slots proposed so far."""
    if not slots:
        return t(lang, "polls.draft_none", title=esc(title))
    return t(lang, "polls.draft_head", title=esc(title), slots=slot_lines(slots, lang, tz))


def answer_label(answer: str | None, lang: str) -> str:
    if answer is None:
        return t(lang, "polls.no_answer")
    return f"{ANSWER_ICONS[answer]} {t(lang, 'polls.answer_' + answer)}"


def vote_view(
    config: Config,
    poll: Poll,
    team: Team,
    slots: list[PollSlot],
    mine: dict[int, str],
    lang: str,
    intro_key: str = "polls.invite_intro",
) -> View:
    """A member's ballot: every slot with their current answer and three buttons (✅ / 🤔 / ❌) per slot;
    once voting has ended, the outcome on top and no buttons."""
    tz = config.time_zone
    deadline = format_when(poll.deadline_at, lang, tz)
    chosen = next((slot for slot in slots if slot.id == poll.chosen_slot_id), None)
    when_chosen = format_when(chosen.starts_at, lang, tz) if chosen else "–"
    params = {"title": esc(poll.title), "team": esc(team.name(lang)), "deadline": deadline, "when": when_chosen}
    lines = [t(lang, intro_key, **params), ""]
    rows: list[list[Btn]] = []
    for number, slot in enumerate(slots, 1):
        current = mine.get(slot.id)
        when = format_when(slot.starts_at, lang, tz)
        pin = "📌 " if slot is chosen else ""
        lines.append(pin + t(lang, "polls.vote_line", number=number, when=when, answer=answer_label(current, lang)))
        if intro_key in ENDED_KEYS:
            continue
        rows.append(
            [
                Btn(("• " if current == a else "") + f"{number}: {ANSWER_ICONS[a]}", encode("pv", slot.id, a))
                for a in polls_domain.ANSWERS
            ]
        )
    return View("\n".join(lines), rows)


def ended_key(poll: Poll) -> str:
    """Which outcome an ended ballot shows: a picked date, called off, or the deadline passed (pick pending)."""
    if poll.status == polls_domain.CLOSED:
        return "polls.ended_picked"
    return "polls.ended_called_off" if poll.status == polls_domain.CANCELLED else "polls.ended_deadline"


def closed_view(config: Config, poll: Poll, chosen: PollSlot | None, lang: str) -> View:
    if poll.status == polls_domain.CANCELLED:
        return View(t(lang, "polls.called_off_notice", title=esc(poll.title)))
    when = format_when(chosen.starts_at, lang, config.time_zone) if chosen else "–"
    return View(t(lang, "polls.closed_notice", title=esc(poll.title), when=when))


def call_off_view(poll: Poll, lang: str) -> View:
    """The lead's "really end without a date?" question."""
    return View(
        t(lang, "polls.call_off_ask", title=esc(poll.title)),
        [
            [Btn(t(lang, "polls.call_off_yes"), encode("pl", "x", poll.id))],
            [Btn(t(lang, "polls.call_off_no"), encode("pl", "r", poll.id))],
        ],
    )


def tally_view(
    config: Config, poll: Poll, team: Team, tally: polls_domain.Tally, lang: str, intro_key: str = "polls.tally_title"
) -> View:
    """The lead's overview: per slot ✅ n · 🤔 n · ❌ n, who is still missing, and a pick button per slot."""
    tz = config.time_zone
    deadline = format_when(poll.deadline_at, lang, tz)
    lines = [t(lang, intro_key, title=esc(poll.title), team=esc(team.name(lang)), deadline=deadline), ""]
    rows: list[list[Btn]] = []
    for number, c in enumerate(tally.slots, 1):
        when = format_when(c.slot.starts_at, lang, tz)
        lines.append(t(lang, "polls.tally_line", number=number, when=when, yes=c.yes, maybe=c.maybe, no=c.no))
        label = t(lang, "polls.pick_button", when=short_when(c.slot.starts_at, lang, tz))
        rows.append([Btn(label, encode("pl", "k", poll.id, c.slot.id))])
    lines.append("")
    lines.append(t(lang, "polls.not_voted", count=len(tally.not_voted)))
    rows.append([Btn(t(lang, "polls.refresh"), encode("pl", "r", poll.id))])
    rows.append([Btn(t(lang, "polls.call_off"), encode("pl", "c", poll.id))])
    return View("\n".join(lines), rows)


async def lead_view(
    s: AsyncSession, config: Config, poll: Poll, lang: str, intro_key: str = "polls.tally_title"
) -> View:
    """The tally while the poll is open; the chosen slot once it is closed."""
    if poll.status != polls_domain.OPEN:
        chosen = await s.get(PollSlot, poll.chosen_slot_id) if poll.chosen_slot_id else None
        return closed_view(config, poll, chosen, lang)
    team = await s.get(Team, poll.team_id)
    assert team is not None
    return tally_view(config, poll, team, await polls_domain.tally(s, poll.id), lang, intro_key)


async def ballot(s: AsyncSession, config: Config, poll: Poll, person: Person, intro_key: str) -> View:
    team = await s.get(Team, poll.team_id)
    assert team is not None
    slots = await polls_domain.slots_of(s, poll.id)
    mine = await polls_domain.votes_of(s, poll.id, person.id)
    return vote_view(config, poll, team, slots, mine, person.language, intro_key)


async def _context(s: AsyncSession, row: Outbox) -> tuple[Poll, Person] | None:
    """Poll and recipient of a row, or None if the row is no longer wanted (poll gone, person erased)."""
    if row.poll_id is None or row.person_id is None:
        return None
    poll = await s.get(Poll, row.poll_id)
    person = await s.get(Person, row.person_id)
    if poll is None or person is None:
        return None
    return poll, person


def _out(view: View) -> Outgoing:
    return Outgoing(view.text, view.markup())


def renderers(config: Config) -> dict[str, Renderer]:
    """The outbox kinds about polls and how each becomes a message at send time."""

    async def voter_context(s: AsyncSession, row: Outbox) -> tuple[Poll, Person] | None:
        """Rows are due before the deadline and expire at it (the dispatcher skips late ones)."""
        ctx = await _context(s, row)
        if ctx is None or not polls_domain.voting_open(ctx[0], row.due_at):
            return None
        poll, person = ctx
        if person.id not in await polls_domain.eligible(s, poll):
            return None  # left the team meanwhile
        return poll, person

    async def invite(s: AsyncSession, row: Outbox) -> Outgoing | None:
        ctx = await voter_context(s, row)
        if ctx is None:
            return None
        return _out(await ballot(s, config, ctx[0], ctx[1], "polls.invite_intro"))

    async def nudge(s: AsyncSession, row: Outbox) -> Outgoing | None:
        ctx = await voter_context(s, row)
        if ctx is None or await polls_domain.votes_of(s, ctx[0].id, ctx[1].id):
            return None  # voted meanwhile
        return _out(await ballot(s, config, ctx[0], ctx[1], "polls.nudge_intro"))

    async def deadline(s: AsyncSession, row: Outbox) -> Outgoing | None:
        ctx = await _context(s, row)
        if ctx is None or ctx[0].status != polls_domain.OPEN:
            return None  # the lead picked a slot already
        poll, person = ctx
        return _out(await lead_view(s, config, poll, person.language, "polls.deadline_intro"))

    async def result(s: AsyncSession, row: Outbox) -> Outgoing | None:
        """The date the lead picked (with the member's own answer to it), or that the poll was called off."""
        ctx = await _context(s, row)
        if ctx is None or ctx[0].status == polls_domain.OPEN:
            return None
        poll, person = ctx
        team = await s.get(Team, poll.team_id)
        assert team is not None
        lang, title, team_name = person.language, esc(poll.title), esc(team.name(person.language))
        if poll.status == polls_domain.CANCELLED:
            return Outgoing(t(lang, "polls.result_called_off", title=title, team=team_name))
        chosen = await s.get(PollSlot, poll.chosen_slot_id) if poll.chosen_slot_id else None
        if chosen is None:
            return None
        when = format_when(chosen.starts_at, lang, config.time_zone)
        text = t(lang, "polls.result_picked", title=title, team=team_name, when=when)
        answer = (await polls_domain.votes_of(s, poll.id, person.id)).get(chosen.id)
        if answer is not None:
            text += "\n" + t(lang, "polls.result_your_answer", answer=answer_label(answer, lang))
        return Outgoing(text)

    table: dict[str, Callable[[AsyncSession, Outbox], Awaitable[Outgoing | None]]] = {
        polls_domain.INVITE: invite,
        polls_domain.NUDGE: nudge,
        polls_domain.DEADLINE: deadline,
        polls_domain.RESULT: result,
    }
    return table
