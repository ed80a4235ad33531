"""Consent over time: the history of every notice version agreed to, and who must agree again.

Nothing here touches Telegram. `people.consent_version` is the version a person agreed to last; when the
configured `privacy_version` differs, the person must agree again before the bot does anything for them
that needs consent (handlers/common.py asks at their next interaction, bot/delivery.py holds background
messages back). Every agreement adds a row to `consents`; withdrawing closes the open row.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.tables import Consent, Person

PRIVACY = "privacy"  # the privacy notice: taking part at all
EVALUATION = "evaluation"  # the pseudonymised scientific evaluation (optional)


async def agree(s: AsyncSession, person: Person, purpose: str, version: str, now: datetime) -> None:
    """Add an agreement to the history (the person row must exist: flushed)."""
    s.add(Consent(person_id=person.id, version=version, purpose=purpose, agreed_at=now))
    await s.flush()


async def withdraw(s: AsyncSession, person: Person, purpose: str, now: datetime) -> None:
    """Close the open agreements of a purpose (the rows stay: they show what held until when)."""
    await s.execute(
        update(Consent)
        .where(Consent.person_id == person.id, Consent.purpose == purpose, Consent.withdrawn_at.is_(None))
        .values(withdrawn_at=now)
    )


def must_agree_again(person: Person, version: str) -> bool:
    """True when the configured notice is newer than the one the person agreed to."""
    return person.consent_version != version


async def agree_again(s: AsyncSession, person: Person, version: str, now: datetime) -> bool:
    """The person agrees to notice `version`; False if they already had (a second tap changes nothing)."""
    if not must_agree_again(person, version):
        return False
    person.consent_version = version
    person.consent_at = now
    await agree(s, person, PRIVACY, version, now)
    return True


async def must_agree_among(s: AsyncSession, person_ids: Iterable[int], version: str) -> set[int]:
    """Which of these people have not agreed to notice `version` yet (one query)."""
    ids = set(person_ids)
    if not ids:
        return set()
    rows = await s.execute(select(Person.id).where(Person.id.in_(ids), Person.consent_version != version))
    return set(rows.scalars())


async def history(s: AsyncSession, person: Person) -> list[Consent]:
    rows = await s.execute(select(Consent).where(Consent.person_id == person.id).order_by(Consent.id))
    return list(rows.scalars())
