"""The one question to a member who stopped coming: what kept them away.

Nothing here touches Telegram: the daily job, the handlers and tests get a verdict without an update in hand.
- Who: a member of a team who was present at at least PRESENT_BEFORE of its meetings and then not at the team's
  next MISSED meetings (meetings that took place with attendance recorded), the last of them at most RECENT ago;
  only with the evaluation consent, without the question switched off in /settings, reachable, still in the team.
- How often: once per person and team, ever (the `away_answers` row is made when the question is planned; its
  unique pair stops a second one, also from a second process).
- When: through the outbox, never in the meeting policy's quiet hours: due at their end, expiring when they begin
  again, so a late row never arrives at night; the job plans it again (MAX_TRIES) while the question is open.
- Until: OPEN_FOR after it was asked; answers (obstacle chips, an optional sentence) can be changed until then.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from models import outbox
from models.dates import shift_out_of_quiet
from models.errors import Refusal
from models.meetings.core import SCHEDULED, MeetingPolicy
from models.outbox import NewMessage
from models.surveys.answers import clean_comment
from models.surveys.core import LIVE, _quiet_begins
from models.tables import AwayAnswer, Meeting, Membership, Outbox, Person, Rsvp

AWAY = "away_question"  # outbox kind
PRIORITY = 8  # after the survey
PRESENT_BEFORE = 2  # presences before staying away
MISSED = 3  # the team's meetings missed in a row after the last presence
RECENT = timedelta(days=28)  # the third missed meeting at most this long ago: no question about a stay long past
LOOK_BACK = timedelta(days=366)  # meetings read to find the presences
OPEN_FOR = timedelta(days=14)
MAX_TRIES = 3


def wants_question(person: Person) -> bool:
    return person.evaluation_consent is True and not person.away_opt_out and person.unreachable_at is None


async def stayed_away(s: AsyncSession, now: datetime) -> list[tuple[int, int]]:
    """(person id, team id) of current members who stayed away as above, not asked yet by this team."""
    meetings = (
        await s.execute(
            select(Meeting.id, Meeting.team_id, Meeting.starts_at)
            .where(
                Meeting.status == SCHEDULED,
                Meeting.attendance_recorded_at.is_not(None),
                Meeting.starts_at <= now,
                Meeting.starts_at > now - LOOK_BACK,
            )
            .order_by(Meeting.starts_at, Meeting.id)
        )
    ).all()
    by_team: dict[int, list[tuple[int, datetime]]] = defaultdict(list)
    for meeting_id, team_id, starts_at in meetings:
        by_team[team_id].append((meeting_id, starts_at))
    present: dict[int, set[int]] = defaultdict(set)  # person -> meetings present
    ids = [m[0] for m in meetings]
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        rows = await s.execute(
            select(Rsvp.person_id, Rsvp.meeting_id).where(Rsvp.meeting_id.in_(chunk), Rsvp.attended.is_(True))
        )
        for person_id, meeting_id in rows:
            present[person_id].add(meeting_id)
    asked = {(p, t) for p, t in await s.execute(select(AwayAnswer.person_id, AwayAnswer.team_id))}
    members = [(p, t) for p, t in await s.execute(select(Membership.person_id, Membership.team_id))]
    out = []
    for person_id, team_id in members:
        held = by_team.get(team_id, [])
        mine = [i for i, (mid, _) in enumerate(held) if mid in present[person_id]]
        if len(mine) < PRESENT_BEFORE or (person_id, team_id) in asked:
            continue
        after = held[mine[-1] + 1 :]
        if len(after) >= MISSED and after[MISSED - 1][1] >= now - RECENT:
            out.append((person_id, team_id))
    return out


def _when(now: datetime, policy: MeetingPolicy) -> tuple[datetime, datetime | None]:
    """Due out of quiet hours, expiring when they begin again (None: no quiet hours)."""
    due = now
    if policy.quiet_start is not None and policy.quiet_end is not None:
        due = shift_out_of_quiet(now, policy.tz, policy.quiet_start, policy.quiet_end)
    return due, _quiet_begins(due, policy)


def _message(row: AwayAnswer, person: Person, due: datetime, expires: datetime | None, n: int) -> NewMessage:
    until = row.asked_at + OPEN_FOR
    return NewMessage(
        AWAY, person.telegram_id, due, person_id=person.id, payload={"answer": row.id},
        dedupe_key=f"away:{row.id}:{n}", expires_at=min(until, expires) if expires else until, priority=PRIORITY,
    )  # fmt: skip


async def plan(s: AsyncSession, policy: MeetingPolicy, now: datetime) -> int:
    """Ask everyone who stayed away (a new row each), and plan again the open questions whose row expired
    unsent; returns the outbox rows added."""
    for person_id, team_id in await stayed_away(s, now):
        person = await s.get(Person, person_id)
        if person is None or not wants_question(person):
            continue
        row = AwayAnswer(
            person_id=person.id, team_id=team_id, person_group=person.stakeholder_group, person_town=person.town,
            obstacles=[], asked_at=now, updated_at=now,
        )  # fmt: skip
        try:
            async with s.begin_nested():  # a second process asked meanwhile: once is enough
                s.add(row)
        except IntegrityError:
            continue
    due, expires = _when(now, policy)
    if expires is not None and due >= expires:
        return 0  # pragma: no cover - quiet hours end before they begin again
    open_rows = (
        await s.execute(
            select(AwayAnswer, Person)
            .join(Person, Person.id == AwayAnswer.person_id)
            .where(AwayAnswer.answered_at.is_(None), AwayAnswer.asked_at > now - OPEN_FOR)
        )
    ).all()
    new = []
    for row, person in open_rows:
        if not wants_question(person) or due >= row.asked_at + OPEN_FOR:
            continue
        planned = (
            await s.execute(select(Outbox.status).where(Outbox.dedupe_key.like(f"away:{row.id}:%")))
        ).scalars().all()
        if any(st in LIVE for st in planned) or len(planned) >= MAX_TRIES:
            continue
        new.append(_message(row, person, due, expires, len(planned)))
    return await outbox.enqueue(s, new, now)


# --- answering ----------------------------------------------------------------------------------------------


async def open_question(s: AsyncSession, person: Person, answer_id: int, now: datetime) -> AwayAnswer:
    """The question this person may answer now, or a refusal saying why not (nothing changes)."""
    row = await s.get(AwayAnswer, answer_id)
    if row is None:
        raise Refusal("away.gone")
    if row.person_id != person.id:
        raise Refusal("away.not_yours")
    if person.evaluation_consent is not True:
        raise Refusal("away.no_consent")
    if await s.get(Membership, (person.id, row.team_id)) is None:
        raise Refusal("away.left_team")
    if now >= row.asked_at + OPEN_FOR:
        raise Refusal("away.closed")
    return row


def _touch(row: AwayAnswer, now: datetime) -> None:
    row.updated_at = now
    if row.answered_at is None:
        row.answered_at = now


async def set_obstacle(
    s: AsyncSession, person: Person, answer_id: int, key: str, on: bool, known: Sequence[str], now: datetime
) -> bool:
    """Tick (on) or untick an obstacle; returns whether it changed (a double tap changes nothing)."""
    if key not in known:
        raise Refusal("errors.stale_button")
    row = await open_question(s, person, answer_id, now)
    current = list(row.obstacles or [])
    if (key in current) == on and row.answered_at is not None:
        return False
    wanted = set(current) | {key} if on else set(current) - {key}
    row.obstacles = [k for k in known if k in wanted]  # the config's order, a new list (JSON change)
    _touch(row, now)
    await s.flush()
    return True


async def set_comment(s: AsyncSession, person: Person, answer_id: int, raw: str | None, now: datetime) -> AwayAnswer:
    row = await open_question(s, person, answer_id, now)
    row.comment = clean_comment(raw)
    _touch(row, now)
    await s.flush()
    return row


async def finish(s: AsyncSession, person: Person, answer_id: int, now: datetime) -> AwayAnswer:
    """"Fertig": the answer as it is (nothing ticked is an answer too: no obstacle among the chips)."""
    row = await open_question(s, person, answer_id, now)
    if row.answered_at is None:
        _touch(row, now)
        await s.flush()
    return row


# --- the person's switches ------------------------------------------------------------------------------------


async def set_opt_out(s: AsyncSession, person: Person, on: bool) -> bool:
    """Switch the question off (a waiting one is dropped) or on again; returns whether it changed."""
    changed = person.away_opt_out != on
    person.away_opt_out = on
    if on:
        await outbox.cancel_open(s, Outbox.person_id == person.id, Outbox.kind == AWAY, reason="away opt-out")
    await s.flush()
    return changed


async def forget(s: AsyncSession, person: Person) -> int:
    """The evaluation consent was withdrawn: the person's rows go (like their survey answers), a waiting
    question is dropped. Returns the rows deleted."""
    await outbox.cancel_open(s, Outbox.person_id == person.id, Outbox.kind == AWAY, reason="consent withdrawn")
    result = await s.execute(delete(AwayAnswer).where(AwayAnswer.person_id == person.id))
    return int(getattr(result, "rowcount", 0) or 0)

