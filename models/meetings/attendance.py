"""After a meeting: who attended, guests without Telegram, and short minutes (decisions, next steps).

Nothing here touches Telegram: handlers and tests get a verdict without an update in hand. Only the lead of
the meeting's team (or a project manager) may record it, and only once the meeting has started; every
change is idempotent (a button carries the value it sets, not a toggle), so a re-sent tap changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import outbox
from models.errors import Refusal
from models.ideas import answers as idea_answers
from models.meetings.core import ATTENDANCE_NUDGE, SCHEDULED, clean_text, organised_meeting, schedulable_teams
from models.tables import Idea, Meeting, Outbox, Person, Rsvp

MAX_GUESTS = 500
MINUTES_FIELDS = ("decisions", "next_steps")
LOOK_BACK = timedelta(days=90)  # /attendance lists meetings of the last three months
OPEN_IDEAS = ("submitted", "in_review", "accepted", "forwarded")  # ideas a meeting may still have discussed
IDEAS_PAGE = 8


@dataclass
class Invitee:
    person_id: int
    name: str
    answer: str | None
    attended: bool


async def recordable_meeting(s: AsyncSession, actor: Person, meeting_id: int, now: datetime) -> Meeting:
    """A meeting the actor may record attendance for: their team's, not cancelled, already started."""
    try:
        meeting = await organised_meeting(s, actor, meeting_id)
    except Refusal as refusal:
        if refusal.key == "meetings.not_lead":
            raise Refusal("attendance.not_lead") from None
        raise
    if meeting.starts_at > now:
        raise Refusal("attendance.not_started")
    return meeting


async def invitees(s: AsyncSession, meeting_id: int) -> list[Invitee]:
    """Everyone invited, by name: the list the lead ticks off (a declined member may still have come)."""
    rows = await s.execute(
        select(Person, Rsvp)
        .join(Rsvp, Rsvp.person_id == Person.id)
        .where(Rsvp.meeting_id == meeting_id)
        .order_by(Person.display_name, Person.id)
    )
    return [Invitee(p.id, p.display_name, r.answer, bool(r.attended)) for p, r in rows]


async def set_attended(
    s: AsyncSession, actor: Person, meeting_id: int, person_id: int, attended: bool, now: datetime
) -> bool:
    """Mark one invited member as present or absent; returns whether anything changed."""
    await recordable_meeting(s, actor, meeting_id, now)
    rsvp = await s.get(Rsvp, (meeting_id, person_id))
    if rsvp is None:
        raise Refusal("attendance.not_invited")
    changed = bool(rsvp.attended) != attended
    rsvp.attended = attended
    await s.flush()
    return changed


async def set_guests(s: AsyncSession, actor: Person, meeting_id: int, guests: int, now: datetime) -> int:
    """How many came without Telegram (0 to MAX_GUESTS); returns the stored number."""
    meeting = await recordable_meeting(s, actor, meeting_id, now)
    if not 0 <= guests <= MAX_GUESTS:
        raise Refusal("attendance.bad_guests", max=MAX_GUESTS)
    meeting.guests = guests
    await s.flush()
    return guests


async def set_minutes(
    s: AsyncSession, actor: Person, meeting_id: int, which: str, text: str | None, now: datetime
) -> Meeting:
    """Store decisions or next steps (a lone "-" clears them); at most TEXT_MAX characters."""
    if which not in MINUTES_FIELDS:
        raise Refusal("errors.unknown_choice")
    meeting = await recordable_meeting(s, actor, meeting_id, now)
    value = None if (text or "").strip() in ("-", "–") else clean_text(text, empty_ok=False)
    setattr(meeting, which, value)
    await s.flush()
    return meeting


async def finish(s: AsyncSession, actor: Person, meeting_id: int, now: datetime) -> tuple[Meeting, bool]:
    """The lead is done: the meeting counts as recorded and no more nudges go out. True the first time."""
    meeting = await recordable_meeting(s, actor, meeting_id, now)
    first = meeting.attendance_recorded_at is None
    if first:
        meeting.attendance_recorded_at = now
    await outbox.cancel_open(
        s, Outbox.meeting_id == meeting_id, Outbox.kind == ATTENDANCE_NUDGE, reason="attendance recorded"
    )
    await s.flush()
    return meeting, first


async def open_meetings(s: AsyncSession, actor: Person, now: datetime) -> list[Meeting]:
    """Past meetings of the actor's teams whose attendance nobody has recorded yet, newest first."""
    team_ids = [t.id for t in await schedulable_teams(s, actor)]
    if not team_ids:
        raise Refusal("attendance.not_lead")
    rows = await s.execute(
        select(Meeting)
        .where(
            Meeting.team_id.in_(team_ids),
            Meeting.status == SCHEDULED,
            Meeting.starts_at <= now,
            Meeting.starts_at > now - LOOK_BACK,
            Meeting.attendance_recorded_at.is_(None),
        )
        .order_by(Meeting.starts_at.desc())
        .limit(20)
    )
    return list(rows.scalars())


@dataclass
class Discussable:
    """One page of the team's ideas the lead may link to the meeting, and which of them are linked already."""

    ideas: list[Idea]
    linked: set[int]
    page: int
    pages: int


async def discussable_ideas(s: AsyncSession, actor: Person, meeting_id: int, now: datetime, page: int) -> Discussable:
    """The team's open ideas and those already linked to this meeting, newest first, one page (0-based, clamped)."""
    meeting = await recordable_meeting(s, actor, meeting_id, now)
    linked = await idea_answers.discussed_at(s, meeting.id)
    cond = (Idea.team_id == meeting.team_id, or_(Idea.status.in_(OPEN_IDEAS), Idea.id.in_(linked)))
    total = (await s.execute(select(func.count()).select_from(Idea).where(*cond))).scalar_one()
    pages = max(1, -(-total // IDEAS_PAGE))
    page = min(max(page, 0), pages - 1)
    q = select(Idea).where(*cond).order_by(Idea.created_at.desc(), Idea.id.desc())
    ideas = list((await s.execute(q.offset(page * IDEAS_PAGE).limit(IDEAS_PAGE))).scalars())
    return Discussable(ideas, linked, page, pages)


async def link_idea(s: AsyncSession, actor: Person, meeting_id: int, idea_id: int, linked: bool, now: datetime) -> bool:
    """One tap in the attendance list: the idea was discussed here (or not, after all). The rule is the one of
    /answer (models/ideas/answers.py link_meeting); returns whether anything changed."""
    meeting = await recordable_meeting(s, actor, meeting_id, now)
    return await idea_answers.link_meeting(s, actor, idea_id, meeting.id, linked, now)
