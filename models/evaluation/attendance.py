"""What the attendance figures read: meetings that took place, who was present, and every invitation.

A member counts as present when the lead recorded them at a meeting that took place (not cancelled, attendance
recorded), as in the view v_attendance. Loaded once, with two queries, for every figure and period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.evaluation.common import month, within
from models.evaluation.shapes import ONLINE, UNKNOWN
from models.meetings.core import CANCELLED
from models.tables import Meeting, Person, Rsvp, Team


@dataclass(frozen=True, eq=False)
class Held:
    """A meeting that took place with its attendance recorded (compared by identity: one object per meeting)."""

    id: int
    team: str
    starts_at: datetime
    month: str
    town: str
    duration_min: int
    guests: int

    @property
    def guest_hours(self) -> float:
        return self.guests * self.duration_min / 60


@dataclass(frozen=True)
class Presence:
    meeting: Held
    person: int
    town: str
    group: str


@dataclass(frozen=True)
class Invitation:
    """An invitation to a meeting that was not cancelled, for the absences."""

    person: int
    answer: str | None
    reason: str | None
    attended: bool
    starts_at: datetime
    recorded: bool


@dataclass
class Attendance:
    """Everything the attendance figures read, loaded once (two queries) for all figures and periods."""

    held: list[Held]
    present: list[Presence]
    invitations: list[Invitation]

    def period(self, since: datetime | None, until: datetime | None) -> tuple[list[Held], list[Presence]]:
        held = [m for m in self.held if within(m.starts_at, since, until)]
        ids = {m.id for m in held}
        return held, [p for p in self.present if p.meeting.id in ids]


async def load(s: AsyncSession) -> Attendance:
    conn = await s.connection()  # plain rows: the ORM's per-row work would dominate on two years of data
    meetings = await conn.execute(
        select(Meeting.id, Team.slug, Meeting.starts_at, Meeting.town, Meeting.duration_min, Meeting.guests)
        .add_columns(Meeting.attendance_recorded_at)
        .join(Team, Team.id == Meeting.team_id)
        .where(Meeting.status != CANCELLED)
        .order_by(Meeting.starts_at, Meeting.id)
    )
    held: dict[int, Held] = {}
    starts: dict[int, tuple[datetime, bool]] = {}
    for mid, slug, at, town, dur, guests, recorded_at in meetings:
        starts[mid] = (at, recorded_at is not None)
        if recorded_at is not None:
            held[mid] = Held(mid, slug, at, month(at), town or ONLINE, dur, guests or 0)
    rows = await conn.execute(
        select(Rsvp.meeting_id, Rsvp.person_id, Rsvp.answer, Rsvp.reason, Rsvp.attended)
        .add_columns(Person.town, Person.stakeholder_group)
        .join(Person, Person.id == Rsvp.person_id)
    )
    present: list[Presence] = []
    invitations: list[Invitation] = []
    for mid, pid, answer, reason, attended, town, group in rows:
        if mid not in starts:
            continue  # cancelled
        at, recorded = starts[mid]
        invitations.append(Invitation(pid, answer, reason, bool(attended), at, recorded))
        if attended and mid in held:
            present.append(Presence(held[mid], pid, town or UNKNOWN, group or UNKNOWN))
    return Attendance(list(held.values()), present, invitations)
