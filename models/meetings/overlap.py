"""Meetings that overlap a planned one: of the same team, of a team the planner leads, or one she is invited to.

Only a warning: two meetings at once can be intended (a lead sending a deputy), so nothing is refused here.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.meetings.core import SCHEDULED
from models.tables import Meeting, Person, Rsvp
from models.teams import led_team_ids

LONGEST = timedelta(minutes=720)  # the longest meeting `validate` allows: how far back an overlap can start
SHOWN = 5


async def overlapping(
    s: AsyncSession,
    person: Person,
    team_id: int,
    starts_at: datetime,
    duration_min: int,
    exclude: int | None = None,
) -> list[Meeting]:
    """Scheduled meetings sharing some minute with [starts_at, starts_at + duration), soonest first."""
    ends_at = starts_at + timedelta(minutes=duration_min)
    teams = {team_id, *await led_team_ids(s, person)}
    invited = select(Rsvp.meeting_id).where(
        Rsvp.person_id == person.id, or_(Rsvp.answer.is_(None), Rsvp.answer != "no")
    )
    q = (
        select(Meeting)
        .where(
            Meeting.status == SCHEDULED,
            Meeting.starts_at < ends_at,
            Meeting.starts_at > starts_at - LONGEST,
            or_(Meeting.team_id.in_(teams), Meeting.id.in_(invited)),
        )
        .order_by(Meeting.starts_at, Meeting.id)
    )
    if exclude is not None:
        q = q.where(Meeting.id != exclude)
    found = [m for m in (await s.execute(q)).scalars() if m.starts_at + timedelta(minutes=m.duration_min) > starts_at]
    return found[:SHOWN]
