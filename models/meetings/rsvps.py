"""Who answered what for one meeting, by name: the lead's list on demand (from /meetings), and her nudge.

Permissions live here. The organiser (the team's lead or a project manager) sees every answer with the decline
reasons and may remind those who have not answered, at most once per meeting in NUDGE_EVERY. Invited members
see the names and answers only where the config allows it (`[meetings] show_rsvps_to_members`), never the
reasons (they can be about health or care duties).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import outbox
from models.errors import Refusal
from models.meetings.core import (
    ANSWERS,
    CANCELLED,
    RSVP_NUDGE,
    get_meeting,
    organised_meeting,
    schedulable_teams,
)
from models.outbox import NewMessage
from models.tables import Meeting, Outbox, Person, Rsvp

NUDGE_EVERY = timedelta(hours=24)
OPEN = "open"


@dataclass(frozen=True)
class Answer:
    person_id: int
    name: str
    town: str | None
    group: str | None
    reason: str | None  # only in the organiser's list


@dataclass
class RsvpList:
    meeting: Meeting
    organiser: bool  # the viewer may see reasons and nudge
    by_answer: dict[str, list[Answer]] = field(default_factory=dict)  # yes / maybe / no / open, by name
    yes_by_town: Counter[str] = field(default_factory=Counter)
    yes_by_group: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)
    last_nudge: datetime | None = None  # when the open ones were last reminded (organiser only)

    def nudge_again_at(self) -> datetime | None:
        return self.last_nudge + NUDGE_EVERY if self.last_nudge is not None else None


async def _may_organise(s: AsyncSession, viewer: Person, meeting: Meeting) -> bool:
    return meeting.team_id in {t.id for t in await schedulable_teams(s, viewer)}


async def rsvp_list(s: AsyncSession, viewer: Person, meeting_id: int, show_to_members: bool) -> RsvpList:
    """The answers of one meeting for `viewer`; refused to anyone neither organising nor (if allowed) invited."""
    meeting = await get_meeting(s, meeting_id)
    if meeting.status == CANCELLED:
        raise Refusal("meetings.cancelled")
    organiser = await _may_organise(s, viewer, meeting)
    if not organiser:
        invited = await s.get(Rsvp, (meeting.id, viewer.id)) is not None
        if not (show_to_members and invited):
            raise Refusal("rsvps.not_allowed")
    out = RsvpList(meeting, organiser, {key: [] for key in (*ANSWERS, OPEN)})
    rows = await s.execute(
        select(Rsvp, Person)
        .join(Person, Person.id == Rsvp.person_id)
        .where(Rsvp.meeting_id == meeting.id)
        .order_by(func.lower(Person.display_name), Person.id)
    )
    for rsvp, person in rows.all():
        reason = rsvp.reason if organiser and rsvp.answer == "no" else None
        out.by_answer[rsvp.answer or OPEN].append(
            Answer(person.id, person.display_name, person.town, person.stakeholder_group, reason)
        )
        if rsvp.answer == "yes":
            out.yes_by_town[person.town or "other"] += 1
            out.yes_by_group[person.stakeholder_group or "?"] += 1
        if reason:
            out.reasons[reason] += 1
    if organiser:
        out.last_nudge = await last_nudge(s, meeting.id)
    return out


async def last_nudge(s: AsyncSession, meeting_id: int) -> datetime | None:
    """When the open ones of this meeting were last reminded (a row counts even if its person answered since)."""
    found: datetime | None = await s.scalar(
        select(func.max(Outbox.created_at)).where(Outbox.meeting_id == meeting_id, Outbox.kind == RSVP_NUDGE)
    )
    return found


async def nudge_open(s: AsyncSession, actor: Person, meeting_id: int, now: datetime) -> int:
    """The organiser reminds everyone who has not answered yet: at most once per meeting in NUDGE_EVERY.

    Refused with `meetings.nudge_recent` (param `until`: the moment it is possible again) inside that time;
    returns how many are reminded (0: nobody open)."""
    meeting = await organised_meeting(s, actor, meeting_id)
    if meeting.starts_at <= now:
        raise Refusal("meetings.already_started")
    await s.execute(select(Meeting.id).where(Meeting.id == meeting_id).with_for_update())  # one nudge at a time
    last = await last_nudge(s, meeting_id)
    if last is not None and now < last + NUDGE_EVERY:
        raise Refusal("meetings.nudge_recent", until=last + NUDGE_EVERY)
    rows = await s.execute(
        select(Person)
        .join(Rsvp, Rsvp.person_id == Person.id)
        .where(Rsvp.meeting_id == meeting_id, Rsvp.answer.is_(None), Person.id != actor.id)
    )
    stamp = f"{now:%Y%m%dT%H%M%S}"
    new = [
        NewMessage(
            RSVP_NUDGE,
            p.telegram_id,
            now,
            person_id=p.id,
            meeting_id=meeting_id,
            dedupe_key=f"nudge:{meeting_id}:{p.id}:{stamp}",
            expires_at=meeting.starts_at,
            priority=3,
        )
        for p in rows.scalars()
    ]
    return await outbox.enqueue(s, new, now)
