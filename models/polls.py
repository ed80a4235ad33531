"""Finding a date: a lead proposes 2-5 slots, team members vote yes / maybe / no, the lead picks one.

Nothing here touches Telegram. Who may vote is decided once, here: the poll's team members at the moment of
voting, except the person who proposed the slots. Voting is possible while the poll is open and before its
deadline; the lead may still pick after the deadline, as long as the slot lies ahead, or call the poll off.
Every message a poll causes (invitations now, one nudge before the deadline, the lead's tally at the deadline)
is planned as outbox rows in the same transaction that creates the poll; picking a slot or calling the poll off
drops the ones still open and plans one result message per member instead, so nobody is left wondering.
A deadline picked as "in 2 Tagen" / "in 1 Woche" (or typed as a day without a time) ends at DEADLINE_TIME
local on that day, not at whatever minute the lead happened to be typing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import audit, outbox
from models.dates import DateProblem, parse_when, shift_out_of_quiet
from models.errors import Refusal
from models.meetings.core import MeetingPolicy, clean_title, require_organiser
from models.outbox import NewMessage
from models.tables import Membership, Outbox, Person, Poll, PollSlot, PollVote

OPEN, CLOSED, CANCELLED = "open", "closed", "cancelled"  # closed: a slot was picked; cancelled: called off
ANSWERS = ("yes", "maybe", "no")
MIN_SLOTS, MAX_SLOTS = 2, 5
INVITE, NUDGE, DEADLINE, RESULT = "poll_invite", "poll_nudge", "poll_deadline", "poll_result"
NUDGE_BEFORE = timedelta(hours=24)
DEADLINE_TIME = time(18, 0)  # after work: people have looked at their phones by then
DEADLINE_DAYS = {"2d": 2, "1w": 7}  # the relative deadline choices; "1b" is a day before the first slot
DEADLINE_CHOICES = ("2d", "1w", "1b")


@dataclass
class SlotCount:
    slot: PollSlot
    yes: int = 0
    maybe: int = 0
    no: int = 0


@dataclass
class Tally:
    slots: list[SlotCount]
    not_voted: list[int] = field(default_factory=list)  # person ids of eligible voters without any vote


# --- checks --------------------------------------------------------------------------------------------


def check_new_slot(existing: Sequence[datetime], slot: datetime, now: datetime) -> None:
    """One more slot for a poll being drafted: in the future, not twice, at most MAX_SLOTS."""
    if len(existing) >= MAX_SLOTS:
        raise Refusal("polls.too_many", max=MAX_SLOTS)
    if slot <= now:
        raise Refusal("dates.past")
    if slot in existing:
        raise Refusal("polls.duplicate")


def check_slots(slots: Sequence[datetime], now: datetime) -> list[datetime]:
    """All slots of a poll, sorted; refuses fewer than MIN_SLOTS, more than MAX_SLOTS, past or doubled ones."""
    if len(slots) < MIN_SLOTS:
        raise Refusal("polls.too_few", min=MIN_SLOTS)
    checked: list[datetime] = []
    for slot in slots:
        check_new_slot(checked, slot, now)
        checked.append(slot)
    return sorted(checked)


def check_deadline(deadline: datetime, first_slot: datetime, now: datetime) -> None:
    if deadline <= now:
        raise Refusal("polls.deadline_past")
    if deadline >= first_slot:
        raise Refusal("polls.deadline_after_slot")


def deadline_on(day: date, tz: ZoneInfo) -> datetime:
    """The deadline for a day given without a time: DEADLINE_TIME local (never in a DST gap or doubled hour)."""
    return datetime.combine(day, DEADLINE_TIME, tz).astimezone(UTC)


def deadline_choice(key: str, now: datetime, first_slot: datetime, tz: ZoneInfo) -> datetime:
    """What a deadline button means: "2d" / "1w" end at DEADLINE_TIME on the day 2 / 7 days ahead (local);
    "1b" at the first slot's local time on the day before (the same wall time also across a DST change)."""
    if key == "1b":
        return (first_slot.astimezone(tz) - timedelta(days=1)).astimezone(UTC)
    if key not in DEADLINE_DAYS:
        raise Refusal("errors.stale_button")
    return deadline_on(now.astimezone(tz).date() + timedelta(days=DEADLINE_DAYS[key]), tz)


def read_deadline(text: str, now: datetime, tz: ZoneInfo) -> datetime:
    """A typed deadline: a date and time as typed, or a day alone ("Freitag", "3.12."), which ends at
    DEADLINE_TIME local that day. Other date problems are refused as for any typed date."""
    try:
        return parse_when(text, now, tz).start
    except DateProblem as problem:
        if problem.key != "dates.no_time":
            raise
        return deadline_on(problem.params["day"], tz)


def voting_open(poll: Poll, now: datetime) -> bool:
    """Votes are taken while the poll is open and its deadline lies ahead."""
    return poll.status == OPEN and now < poll.deadline_at


def nudge_due(deadline: datetime, now: datetime, policy: MeetingPolicy | None = None) -> datetime:
    """A day before the deadline, or halfway there if that is sooner; out of quiet hours if that still fits."""
    due = max(deadline - NUDGE_BEFORE, now + (deadline - now) / 2)
    if policy is None or policy.quiet_start is None or policy.quiet_end is None:
        return due
    shifted = shift_out_of_quiet(due, policy.tz, policy.quiet_start, policy.quiet_end)
    return shifted if shifted < deadline else due


# --- queries -------------------------------------------------------------------------------------------


async def get_poll(s: AsyncSession, poll_id: int) -> Poll:
    poll = await s.get(Poll, poll_id)
    if poll is None:
        raise Refusal("polls.not_found")
    return poll


async def slots_of(s: AsyncSession, poll_id: int) -> list[PollSlot]:
    rows = await s.execute(select(PollSlot).where(PollSlot.poll_id == poll_id).order_by(PollSlot.starts_at))
    return list(rows.scalars())


async def eligible(s: AsyncSession, poll: Poll) -> list[int]:
    """Who may vote now: the team's members except whoever proposed the slots."""
    rows = await s.execute(select(Membership.person_id).where(Membership.team_id == poll.team_id))
    return sorted(pid for pid in rows.scalars() if pid != poll.created_by)


async def ballot_poll(s: AsyncSession, person: Person, slot_id: int) -> Poll:
    """The poll behind a ballot button, if the person may vote in it (or could, before it ended)."""
    slot = await s.get(PollSlot, slot_id)
    if slot is None:
        raise Refusal("polls.not_found")
    poll = await get_poll(s, slot.poll_id)
    if person.id not in await eligible(s, poll):
        raise Refusal("polls.not_invited")
    return poll


async def votes_of(s: AsyncSession, poll_id: int, person_id: int) -> dict[int, str]:
    """slot id -> answer of one person."""
    rows = await s.execute(
        select(PollVote.slot_id, PollVote.answer)
        .join(PollSlot, PollSlot.id == PollVote.slot_id)
        .where(PollSlot.poll_id == poll_id, PollVote.person_id == person_id)
    )
    return {slot_id: answer for slot_id, answer in rows.all()}


async def tally(s: AsyncSession, poll_id: int) -> Tally:
    """Per slot, the yes / maybe / no of the current voters, and which of them have not voted at all."""
    poll = await get_poll(s, poll_id)
    voters = set(await eligible(s, poll))
    slots = await slots_of(s, poll_id)
    counts = {slot.id: SlotCount(slot) for slot in slots}
    voted: set[int] = set()
    rows = await s.execute(
        select(PollVote.slot_id, PollVote.person_id, PollVote.answer).where(PollVote.slot_id.in_(list(counts)))
    )
    for slot_id, person_id, answer in rows.all():
        if person_id not in voters or answer not in ANSWERS:
            continue
        voted.add(person_id)
        count = counts[slot_id]
        setattr(count, answer, getattr(count, answer) + 1)
    return Tally([counts[slot.id] for slot in slots], sorted(voters - voted))


# --- state changes -------------------------------------------------------------------------------------


async def create_poll(
    s: AsyncSession,
    actor: Person,
    team_id: int,
    title: str,
    slots: Sequence[datetime],
    deadline: datetime,
    now: datetime,
    policy: MeetingPolicy | None = None,
) -> Poll:
    """Store the poll and plan its messages: invitations, one nudge per voter, the lead's deadline tally."""
    await require_organiser(s, actor, team_id)
    clean = clean_title(title)
    ordered = check_slots(slots, now)
    check_deadline(deadline, ordered[0], now)
    poll = Poll(team_id=team_id, title=clean, deadline_at=deadline, status=OPEN, created_by=actor.id, created_at=now)
    s.add(poll)
    await s.flush()
    s.add_all(PollSlot(poll_id=poll.id, starts_at=slot) for slot in ordered)
    voters = await eligible(s, poll)
    rows = await s.execute(select(Person.id, Person.telegram_id).where(Person.id.in_(voters)))
    chats = {pid: chat for pid, chat in rows.all()}
    nudge_at = nudge_due(deadline, now, policy)
    new: list[NewMessage] = []
    for pid in voters:
        for kind, due, priority in ((INVITE, now, 1), (NUDGE, nudge_at, 3)):
            new.append(
                NewMessage(
                    kind,
                    chats[pid],
                    due,
                    person_id=pid,
                    poll_id=poll.id,
                    dedupe_key=f"{kind}:{poll.id}:{pid}",
                    expires_at=deadline,
                    priority=priority,
                )
            )
    new.append(
        NewMessage(
            DEADLINE,
            actor.telegram_id,
            deadline,
            person_id=actor.id,
            poll_id=poll.id,
            dedupe_key=f"{DEADLINE}:{poll.id}:{actor.id}",
            priority=2,
        )
    )
    await outbox.enqueue(s, new, now)
    await audit.record(s, actor, audit.POLL_CREATE, now, poll=poll.id, team_id=team_id, invited=len(voters))
    return poll


async def vote(s: AsyncSession, person: Person, slot_id: int, answer: str, now: datetime) -> tuple[Poll, bool]:
    """Record or change one answer; the same answer again changes nothing (returns whether it changed)."""
    if answer not in ANSWERS:
        raise Refusal("errors.unknown_choice")
    slot = await s.get(PollSlot, slot_id)
    if slot is None:
        raise Refusal("polls.not_found")
    poll = await get_poll(s, slot.poll_id)
    _require_open(poll)
    if now >= poll.deadline_at:
        raise Refusal("polls.deadline_passed")
    if person.id not in await eligible(s, poll):
        raise Refusal("polls.not_invited")
    existing = await s.get(PollVote, (slot_id, person.id))
    if existing is not None and existing.answer == answer:
        return poll, False
    if existing is None:
        s.add(PollVote(slot_id=slot_id, person_id=person.id, answer=answer, voted_at=now))
    else:
        existing.answer, existing.voted_at = answer, now
    await s.flush()
    return poll, True


def _require_open(poll: Poll) -> None:
    if poll.status == CANCELLED:
        raise Refusal("polls.called_off")
    if poll.status != OPEN:
        raise Refusal("polls.closed")


async def _end(s: AsyncSession, actor: Person, poll: Poll, status: str, slot: PollSlot | None, now: datetime) -> int:
    """Close the poll once (a parallel press finds it ended), drop its open messages and plan the result for
    every member who could vote, and the proposer if someone else ended it; returns how many are told."""
    ended = await s.execute(
        update(Poll)
        .where(Poll.id == poll.id, Poll.status == OPEN)
        .values(status=status, chosen_slot_id=slot.id if slot else None)
    )
    await s.refresh(poll)
    if not getattr(ended, "rowcount", 0):
        _require_open(poll)  # another press ended it first: say how
        raise Refusal("polls.closed")
    await outbox.cancel_open(s, Outbox.poll_id == poll.id, reason="poll closed")
    told = set(await eligible(s, poll)) | ({poll.created_by} if poll.created_by is not None else set())
    told.discard(actor.id)
    rows = await s.execute(select(Person.id, Person.telegram_id).where(Person.id.in_(told)).order_by(Person.id))
    await outbox.enqueue(
        s,
        [
            NewMessage(
                RESULT,
                chat,
                now,
                person_id=pid,
                poll_id=poll.id,
                dedupe_key=f"{RESULT}:{poll.id}:{pid}",
                expires_at=slot.starts_at if slot else None,
                priority=2,
            )
            for pid, chat in rows.all()
        ],
        now,
    )
    return len(told)


async def pick(s: AsyncSession, actor: Person, poll_id: int, slot_id: int, now: datetime) -> PollSlot:
    """The lead takes one slot: the poll closes, its open nudges and deadline notice are dropped and every
    member learns the date (their old ballots then say the poll is over)."""
    poll = await get_poll(s, poll_id)
    await require_organiser(s, actor, poll.team_id)
    _require_open(poll)
    slot = await s.get(PollSlot, slot_id)
    if slot is None or slot.poll_id != poll.id:
        raise Refusal("errors.unknown_choice")
    if slot.starts_at <= now:
        raise Refusal("dates.past")
    told = await _end(s, actor, poll, CLOSED, slot, now)
    await audit.record(s, actor, audit.POLL_PICK, now, poll=poll.id, slot=slot.id, told=told)
    return slot


async def call_off(s: AsyncSession, actor: Person, poll_id: int, now: datetime) -> int:
    """The lead ends the poll without a date (no slot suits): members are told; returns how many."""
    poll = await get_poll(s, poll_id)
    await require_organiser(s, actor, poll.team_id)
    _require_open(poll)
    told = await _end(s, actor, poll, CANCELLED, None, now)
    await audit.record(s, actor, audit.POLL_CANCEL, now, poll=poll.id, told=told)
    return told
