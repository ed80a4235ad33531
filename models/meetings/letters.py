"""Printed invitations: who gets a letter for a meeting, who signs it, and who may print them.

A lead prints, for a meeting of her team, one letter for every invited member with a postal address
(`member_contacts.postal_address`) and a notice for the notice board; the project manager may too. The letters name
the host (the team's lead) and how to reach her, which the e-mails by models/meetings/mail.py name as well. The
command line is trusted like the database it reads (no actor). Printing puts several people's addresses on paper,
so it is written to the audit log. Nothing here touches Telegram or the page layout (handlers/meetings/letters_pdf.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import audit
from models.errors import Refusal
from models.meetings.core import CANCELLED, get_meeting, require_organiser
from models.tables import Meeting, MemberContact, Membership, Person, Rsvp, Team
from models.teams import LEAD

ADDRESS_LINES_MAX = 4  # under the name: five lines of 14 pt fill the window's address zone (DIN 5008 form B)


@dataclass(frozen=True)
class Host:
    """Who invites: the person's name and how to reach her outside Telegram (either may be missing)."""

    name: str
    phone: str | None = None
    email: str | None = None
    person_id: int | None = None


@dataclass(frozen=True)
class Recipient:
    person: Person
    address: tuple[str, ...]  # the lines under the name, as printed in the window
    answer: str | None  # their RSVP so far


@dataclass
class Letters:
    meeting: Meeting
    team: Team
    host: Host
    recipients: list[Recipient] = field(default_factory=list)


def address_lines(text: str | None) -> tuple[str, ...]:
    """The stored address as window lines: blank lines dropped; more than ADDRESS_LINES_MAX are joined at the top
    (", "), so the street and the town, which come last, always show."""
    lines = [line for line in (" ".join(raw.split()) for raw in (text or "").splitlines()) if line]
    if len(lines) > ADDRESS_LINES_MAX:
        keep = ADDRESS_LINES_MAX - 1
        lines = [", ".join(lines[:-keep]), *lines[-keep:]]
    return tuple(lines)


async def _contact(s: AsyncSession, person_id: int) -> MemberContact | None:
    return await s.get(MemberContact, person_id)


async def host_of(s: AsyncSession, meeting: Meeting) -> Host:
    """The team's lead who planned the meeting, else its first lead, else whoever planned it (a manager)."""
    rows = await s.execute(
        select(Person)
        .join(Membership, Membership.person_id == Person.id)
        .where(Membership.team_id == meeting.team_id, Membership.role == LEAD)
        .order_by(Person.id)
    )
    leads = list(rows.scalars())
    person = next((p for p in leads if p.id == meeting.created_by), leads[0] if leads else None)
    if person is None and meeting.created_by is not None:
        person = await s.get(Person, meeting.created_by)
    if person is None:
        return Host("")
    contact = await _contact(s, person.id)
    phone = (contact.phone or "").strip() or None if contact else None
    email = (contact.email or "").strip() or None if contact else None
    return Host(person.display_name, phone, email, person.id)


async def letters(s: AsyncSession, actor: Person | None, meeting_id: int, now: datetime) -> Letters:
    """The letters of a meeting not cancelled: for its team's lead or a project manager while it is still ahead, for
    the command line (actor None) at any time."""
    meeting = await get_meeting(s, meeting_id)
    if actor is not None:
        await require_organiser(s, actor, meeting.team_id)
    if meeting.status == CANCELLED:
        raise Refusal("meetings.cancelled")
    if actor is not None and meeting.starts_at <= now:  # the command line may reprint one that is over
        raise Refusal("meetings.already_started")
    team = await s.get(Team, meeting.team_id)
    assert team is not None
    host = await host_of(s, meeting)
    rows = await s.execute(
        select(Person, MemberContact.postal_address, Rsvp.answer)
        .join(Rsvp, Rsvp.person_id == Person.id)
        .join(MemberContact, MemberContact.person_id == Person.id)
        .where(Rsvp.meeting_id == meeting.id, MemberContact.postal_address.is_not(None))
        .order_by(Person.display_name, Person.id)
    )
    found = Letters(meeting, team, host)
    for person, postal, answer in rows.all():
        lines = address_lines(postal)
        if lines and person.id not in (host.person_id, actor.id if actor else None):  # not to oneself
            found.recipients.append(Recipient(person, lines, answer))
    await audit.record(s, actor, audit.MEETING_LETTERS, now, meeting=meeting.id, letters=len(found.recipients))
    return found
