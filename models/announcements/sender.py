"""Who an announcement is from and in what role, for the header recipients see above it.

The role is read when the announcement goes out (a lead removed meanwhile is named without a role); a lead is
named as the lead of the addressed teams she leads, or of all her teams when the audience names none of them.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from models.announcements.core import Audience
from models.tables import Person
from models.teams import led_team_ids


@dataclass(frozen=True)
class Sender:
    name: str | None  # None: the sender's account is gone
    manager: bool = False
    lead_of: tuple[int, ...] = ()  # team ids, when writing as a team lead


async def sender_of(s: AsyncSession, person: Person | None, audience: Audience | None = None) -> Sender:
    """The sender as the header names her; without an audience (while composing) all her teams count."""
    if person is None:
        return Sender(None)
    if person.is_manager:
        return Sender(person.display_name, manager=True)
    led = await led_team_ids(s, person)
    addressed = [t for t in led if audience is not None and t in audience.teams]
    return Sender(person.display_name, lead_of=tuple(sorted(addressed or led)))
