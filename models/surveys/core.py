"""The short survey after a meeting: who gets it, when, and who may answer what.

Nothing here touches Telegram: handlers, the periodic sweep and tests get a verdict without an update in hand.
- Who: the people present, who gave the evaluation consent, did not switch the survey off in /settings and can
  be reached. Present means ticked present once the lead recorded attendance; when nobody recorded it
  `survey_after` after the meeting's end, those who said yes and were not ticked absent. Guests without Telegram
  are only a count and get nothing.
- When: as soon as the lead records attendance (or the sweep finds the meeting due), moved out of the meeting
  policy's quiet hours exactly like reminders; one reminder REMIND_AFTER later, only while still unanswered. A row
  expires when quiet hours begin, so a late one never arrives at night; the sweep plans it again (MAX_TRIES).
- Until: OPEN_FOR after the meeting's end; answers can be changed until then, after that buttons say "closed".
- Answering: only the invited person (a survey was sent to her) who is still present and consenting, once per
  meeting; each button carries the value it sets, so a double tap changes nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from models import outbox
from models.dates import shift_out_of_quiet
from models.errors import Refusal
from models.meetings.core import SCHEDULED, MeetingPolicy
from models.outbox import NewMessage
from models.tables import Meeting, Outbox, Person, Rsvp, SurveyAnswer
from models.text import require_visible

SURVEY, REMINDER = "survey", "survey_reminder"  # outbox kinds
KINDS = (SURVEY, REMINDER)
PRIORITY = 7  # after the attendance nudge, before announcements
OPEN_FOR = timedelta(days=7)
REMIND_AFTER = timedelta(days=2)
MAX_TRIES = 3  # survey rows per meeting and person that may be planned (one is sent at most)
USEFULNESS = (1, 2, 3, 4, 5)
CODE_KINDS = ("factor", "obstacle")
COMMENT_MAX = 300
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


# --- answering ------------------------------------------------------------------------------------------------


async def open_survey(s: AsyncSession, person: Person, meeting_id: int, now: datetime) -> Meeting:
    """The meeting whose survey this person may answer now, or a refusal saying why not."""
    meeting = await s.get(Meeting, meeting_id)
    if meeting is None or meeting.status != SCHEDULED:
        raise Refusal("survey.gone")
    invited = await s.scalar(
        select(func.count())
        .select_from(Outbox)
        .where(
            Outbox.meeting_id == meeting_id,
            Outbox.person_id == person.id,
            Outbox.kind.in_(KINDS),
            Outbox.status.in_(DELIVERED),
        )
    )
    rsvp = await s.get(Rsvp, (meeting_id, person.id))
    if not invited or rsvp is None:
        raise Refusal("survey.not_yours")
    if not is_present(meeting, rsvp):
        raise Refusal("survey.not_present")
    if person.evaluation_consent is not True:
        raise Refusal("survey.no_consent")
    if now >= closes_at(meeting):
        raise Refusal("survey.closed")
    return meeting


async def answer_of(s: AsyncSession, meeting_id: int, person_id: int) -> SurveyAnswer | None:
    return (
        await s.execute(
            select(SurveyAnswer).where(SurveyAnswer.meeting_id == meeting_id, SurveyAnswer.person_id == person_id)
        )
    ).scalar_one_or_none()


async def _answer(s: AsyncSession, person: Person, meeting: Meeting, now: datetime) -> SurveyAnswer:
    """The person's answer row (created on the first tap, with her group and town); the reminder is dropped."""
    row = await answer_of(s, meeting.id, person.id)
    if row is None:
        row = SurveyAnswer(
            meeting_id=meeting.id,
            person_id=person.id,
            person_group=person.stakeholder_group,
            person_town=person.town,
            factors=[],
            obstacles=[],
            created_at=now,
            updated_at=now,
        )
        try:
            async with s.begin_nested():  # a second process created it meanwhile: take that one
                s.add(row)
        except IntegrityError:
            found = await answer_of(s, meeting.id, person.id)
            assert found is not None
            row = found
        await outbox.cancel_open(
            s, Outbox.meeting_id == meeting.id, Outbox.person_id == person.id, Outbox.kind == REMINDER,
            reason="survey answered",
        )  # fmt: skip
    return row


async def set_usefulness(s: AsyncSession, person: Person, meeting_id: int, value: int, now: datetime) -> bool:
    """How useful the meeting was (1–5); returns whether it changed."""
    if value not in USEFULNESS:
        raise Refusal("errors.stale_button")
    meeting = await open_survey(s, person, meeting_id, now)
    row = await _answer(s, person, meeting, now)
    changed = row.usefulness != value
    if changed:
        row.usefulness, row.updated_at = value, now
    await s.flush()
    return changed


async def set_code(
    s: AsyncSession,
    person: Person,
    meeting_id: int,
    kind: str,
    key: str,
    on: bool,
    known: Sequence[str],
    now: datetime,
) -> bool:
    """Tick (on) or untick a success factor or obstacle; `known` are the config's keys of that kind."""
    if kind not in CODE_KINDS or key not in known:
        raise Refusal("errors.stale_button")
    meeting = await open_survey(s, person, meeting_id, now)
    row = await _answer(s, person, meeting, now)
    column = "factors" if kind == "factor" else "obstacles"
    current: list[str] = list(getattr(row, column) or [])
    if (key in current) == on:
        return False
    wanted = set(current) | {key} if on else set(current) - {key}
    setattr(row, column, [k for k in known if k in wanted])  # the config's order, a new list (JSON change)
    row.updated_at = now
    await s.flush()
    return True


def clean_comment(raw: str | None) -> str | None:
    """A typed sentence: stripped, visible, at most COMMENT_MAX characters; a lone "-" clears it."""
    text = " ".join((raw or "").split())
    if text in ("-", "–"):
        return None
    if not text:
        raise Refusal("survey.comment_empty")
    require_visible(text)
    if len(text) > COMMENT_MAX:
        raise Refusal("survey.comment_long", max=COMMENT_MAX)
    return text


async def set_comment(s: AsyncSession, person: Person, meeting_id: int, raw: str | None, now: datetime) -> SurveyAnswer:
    meeting = await open_survey(s, person, meeting_id, now)
    text = clean_comment(raw)
    row = await _answer(s, person, meeting, now)
    row.comment, row.updated_at = text, now
    await s.flush()
    return row


# --- the person's switches ------------------------------------------------------------------------------------


async def set_opt_out(s: AsyncSession, person: Person, on: bool) -> bool:
    """Switch the survey off (open survey messages are dropped) or on again; returns whether it changed."""
    changed = person.survey_opt_out != on
    person.survey_opt_out = on
    if on:
        await outbox.cancel_open(s, Outbox.person_id == person.id, Outbox.kind.in_(KINDS), reason="survey opt-out")
    await s.flush()
    return changed


async def forget(s: AsyncSession, person: Person) -> int:
    """The evaluation consent was withdrawn: like erasure, the person's answers lose their link and the free-text
    sentence (the coded answer stays, unlinked, with the group and town copied when answering); open survey
    messages are dropped. Returns the number of answers unlinked."""
    await outbox.cancel_open(s, Outbox.person_id == person.id, Outbox.kind.in_(KINDS), reason="consent withdrawn")
    result = await s.execute(
        update(SurveyAnswer).where(SurveyAnswer.person_id == person.id).values(person_id=None, comment=None)
    )
    return int(getattr(result, "rowcount", 0) or 0)
