"""Calendar files (.ics, RFC 5545) for meetings, and who may have them.

Building a file touches neither Telegram nor the database: handlers pass the meetings with the names
they show. Every event keeps one UID for the meeting's whole life and carries `meeting.sequence` as
SEQUENCE, so a calendar app that imports a newer file updates (or, for a cancelled meeting, removes)
the event it already has instead of adding a second one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.errors import Refusal
from models.meetings.core import CANCELLED
from models.tables import Meeting, Person, Rsvp, Team

PRODID = "-//actionbot//Aktions-Teams//DE"
UID_DOMAIN = "actionbot"


@dataclass(frozen=True)
class CalendarEntry:
    """One meeting as the file shows it; `location` and `description` are already in the reader's language."""

    meeting: Meeting
    summary: str
    location: str
    description: str


def event_uid(meeting_id: int) -> str:
    """Stable across every change of the meeting: calendar apps match updates by it."""
    return f"meeting-{meeting_id}@{UID_DOMAIN}"


def meeting_event(entry: CalendarEntry, tz: ZoneInfo, stamp: datetime) -> Event:
    m = entry.meeting
    start = m.starts_at.astimezone(tz)
    event = Event()
    event.add("uid", event_uid(m.id))
    event.add("sequence", m.sequence)
    event.add("dtstamp", stamp)
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(minutes=m.duration_min))
    event.add("summary", entry.summary)
    event.add("location", entry.location)
    if m.online_url:
        event.add("url", m.online_url)
    if entry.description:
        event.add("description", entry.description)
    event.add("status", "CANCELLED" if m.status == CANCELLED else "CONFIRMED")
    event.add("created", m.created_at)
    event.add("last-modified", m.updated_at)
    return event


def calendar_file(entries: Sequence[CalendarEntry], tz: ZoneInfo, stamp: datetime) -> bytes:
    """A VCALENDAR with one VEVENT per entry and the VTIMEZONE its local times refer to."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    for entry in entries:
        cal.add_component(meeting_event(entry, tz, stamp))
    if entries:  # the zone's rules only for the years the events need keep the file small
        years = [e.meeting.starts_at.year for e in entries]
        cal.add_missing_timezones(first_date=date(min(years) - 1, 1, 1), last_date=date(max(years) + 2, 1, 1))
    data: bytes = cal.to_ical()
    return data


# --- who may have which file ---------------------------------------------------------------------------


async def invited_meeting(s: AsyncSession, person: Person, meeting_id: int) -> tuple[Meeting, Team]:
    """A meeting the person was invited to (cancelled ones too: their file tells calendars to drop it)."""
    meeting = await s.get(Meeting, meeting_id)
    if meeting is None:
        raise Refusal("calendar.not_found")
    if await s.get(Rsvp, (meeting.id, person.id)) is None:
        raise Refusal("calendar.not_invited")
    team = await s.get(Team, meeting.team_id)
    assert team is not None
    return meeting, team


async def upcoming_meetings(s: AsyncSession, person: Person, now: datetime) -> list[tuple[Meeting, Team]]:
    """Meetings the person is invited to that have not ended yet, cancelled ones included (see above)."""
    rows = await s.execute(
        select(Meeting, Team)
        .join(Rsvp, Rsvp.meeting_id == Meeting.id)
        .join(Team, Team.id == Meeting.team_id)
        .where(Rsvp.person_id == person.id, Meeting.starts_at > now - timedelta(hours=13))
        .order_by(Meeting.starts_at, Meeting.id)
    )
    return [(m, t) for m, t in rows.all() if m.starts_at + timedelta(minutes=m.duration_min) > now]
