"""The short survey after a meeting: who gets it and when.

Nothing here touches Telegram: handlers, the periodic sweep and tests get a verdict without an update in hand.
- Who: the people present, who gave the evaluation consent, did not switch the survey off in /settings and can
  be reached. Present means ticked present once the lead recorded attendance; when nobody recorded it
  `survey_after` after the meeting's end, those who said yes and were not ticked absent. Guests without Telegram
  are only a count and get nothing.
- When: as soon as the lead records attendance (or the sweep finds the meeting due), moved out of the meeting
  policy's quiet hours exactly like reminders; one reminder REMIND_AFTER later, only while still unanswered. A row
  expires when quiet hours begin, so a late one never arrives at night; the sweep plans it again (MAX_TRIES).
- Until: OPEN_FOR after the meeting's end; answers can be changed until then, after that buttons say "closed".
Answering and the person's switches are in answers.py.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import outbox
from models.dates import shift_out_of_quiet
from models.meetings.core import SCHEDULED, MeetingPolicy
from models.outbox import NewMessage
from models.tables import Meeting, Outbox, Person, Rsvp, SurveyAnswer

SURVEY, REMINDER = "survey", "survey_reminder"  # outbox kinds
KINDS = (SURVEY, REMINDER)
PRIORITY = 7  # after the attendance nudge, before announcements
OPEN_FOR = timedelta(days=7)
REMIND_AFTER = timedelta(days=2)
MAX_TRIES = 3  # survey rows per meeting and person that may be planned (one is sent at most)
USEFULNESS = (1, 2, 3, 4, 5)
LIVE = (outbox.PENDING, outbox.CLAIMED, outbox.SENDING, outbox.SENT)
DELIVERED = (outbox.SENDING, outbox.SENT)


def ends_at(meeting: Meeting) -> datetime:
    return meeting.starts_at + timedelta(minutes=meeting.duration_min)


def closes_at(meeting: Meeting) -> datetime:
    """Until when the survey can be answered and answers changed."""
    return ends_at(meeting) + OPEN_FOR


def is_present(meeting: Meeting, rsvp: Rsvp) -> bool:
    """Ticked present; without a recorded list, said yes and not ticked absent."""
    if meeting.attendance_recorded_at is not None:
        return rsvp.attended is True
    return rsvp.attended is True or (rsvp.attended is None and rsvp.answer == "yes")


def wants_survey(person: Person) -> bool:
    return person.evaluation_consent is True and not person.survey_opt_out and person.unreachable_at is None


def is_due(meeting: Meeting, survey_after: timedelta, now: datetime) -> bool:
    """Whether the meeting's survey may go out now: attendance recorded (or `survey_after` past the end without),
    the meeting over and held, and its survey still open."""
    if meeting.status != SCHEDULED or not ends_at(meeting) <= now < closes_at(meeting):
        return False
    return meeting.attendance_recorded_at is not None or ends_at(meeting) + survey_after <= now


def _quiet_begins(after: datetime, policy: MeetingPolicy) -> datetime | None:
    """The next start of quiet hours after `after` (None without quiet hours)."""
    if policy.quiet_start is None or policy.quiet_end is None or policy.quiet_start == policy.quiet_end:
        return None
    local = after.astimezone(policy.tz)
    for days in range(3):
        day = local.date() + timedelta(days=days)
        begins = datetime.combine(day, policy.quiet_start, tzinfo=policy.tz).astimezone(UTC)
        if begins > after:
            return begins
    return None  # pragma: no cover - quiet hours begin every day


def _when(at: datetime, meeting: Meeting, policy: MeetingPolicy) -> tuple[datetime, datetime]:
    """Due time out of quiet hours and the expiry: when quiet hours begin again, at the latest the survey's close."""
    due = at
    if policy.quiet_start is not None and policy.quiet_end is not None:
        due = shift_out_of_quiet(at, policy.tz, policy.quiet_start, policy.quiet_end)
    quiet = _quiet_begins(due, policy)
    return due, min(closes_at(meeting), quiet) if quiet is not None else closes_at(meeting)


def _message(kind: str, p: Person, meeting: Meeting, due: datetime, expires: datetime, key: str) -> NewMessage:
    return NewMessage(
        kind, p.telegram_id, due, person_id=p.id, meeting_id=meeting.id, dedupe_key=key, expires_at=expires,
        priority=PRIORITY,
    )  # fmt: skip


async def plan_meeting(
    s: AsyncSession, meeting: Meeting, policy: MeetingPolicy, survey_after: timedelta, now: datetime
) -> int:
    """Plan the survey (and its one reminder) for each present person of the meeting who has none yet.

    Idempotent: a person with a survey waiting or sent, or with an answer, gets nothing new; the dedupe key
    `survey:<meeting>:<person>:<try>` keeps two processes (or restarts) from planning one twice."""
    if not is_due(meeting, survey_after, now):
        return 0
    rows = await s.execute(
        select(Rsvp, Person).join(Person, Person.id == Rsvp.person_id).where(Rsvp.meeting_id == meeting.id)
    )
    people = [p for r, p in rows.all() if is_present(meeting, r) and wants_survey(p)]
    if not people:
        return 0
    ids = [p.id for p in people]
    planned = await s.execute(
        select(Outbox.person_id, Outbox.status).where(
            Outbox.meeting_id == meeting.id, Outbox.kind == SURVEY, Outbox.person_id.in_(ids)
        )
    )
    tries: Counter[int | None] = Counter()
    live: set[int | None] = set()
    for person_id, status in planned.all():
        tries[person_id] += 1
        if status in LIVE:
            live.add(person_id)
    answered = set(
        (
            await s.execute(
                select(SurveyAnswer.person_id).where(
                    SurveyAnswer.meeting_id == meeting.id, SurveyAnswer.person_id.in_(ids)
                )
            )
        ).scalars()
    )
    due, expires = _when(now, meeting, policy)
    if due >= expires:
        return 0
    new: list[NewMessage] = []
    for p in people:
        n = tries[p.id]
        if p.id in live or p.id in answered or n >= MAX_TRIES:
            continue
        key = f"{meeting.id}:{p.id}"
        new.append(_message(SURVEY, p, meeting, due, expires, f"survey:{key}:{n}"))
        rem_due, rem_expires = _when(due + REMIND_AFTER, meeting, policy)
        if n == 0 and rem_due < rem_expires:
            new.append(_message(REMINDER, p, meeting, rem_due, rem_expires, f"survey_rem:{key}"))
    return await outbox.enqueue(s, new, now)


async def plan_due(
    s: AsyncSession, policy: MeetingPolicy, survey_after: timedelta, now: datetime
) -> tuple[int, int]:
    """The sweep: plan surveys for every meeting whose survey is due; returns (meetings looked at, rows planned)."""
    meetings = (
        await s.execute(
            select(Meeting).where(
                Meeting.status == SCHEDULED,
                Meeting.starts_at <= now,
                Meeting.starts_at > now - OPEN_FOR - timedelta(days=1),  # durations are at most 12 hours
            )
        )
    ).scalars()
    looked = planned = 0
    for meeting in meetings:
        if is_due(meeting, survey_after, now):
            looked += 1
            planned += await plan_meeting(s, meeting, policy, survey_after, now)
    return looked, planned
