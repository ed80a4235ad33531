"""People: registration with consent, profile choices and the manager role.

A person row exists only after consent; before that the bot stores nothing about a user.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.errors import Refusal
from models.privacy import consents
from models.tables import Person
from models.text import clean, has_visible

LANGUAGES = ("de", "en")
OTHER_TOWN = "other"
PSEUDONYM_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def pick_language(telegram_language: str | None) -> str:
    """German unless the user's Telegram app speaks English."""
    return "en" if (telegram_language or "").lower().startswith("en") else "de"


def clean_display_name(first: str | None, last: str | None, username: str | None = None) -> str:
    """The name from the Telegram profile, cleaned; "@username" if that name shows nothing; else "".

    Screens show a fallback for a name without anything visible (handlers/names.py `person_name`).
    """
    name = " ".join(clean(" ".join(p for p in (first, last) if p)).split())
    if not has_visible(name):
        name = f"@{clean(username)}" if username else ""
    return name[:128]


async def get_person(s: AsyncSession, telegram_id: int) -> Person | None:
    return (await s.execute(select(Person).where(Person.telegram_id == telegram_id))).scalar_one_or_none()


async def get_person_by_id(s: AsyncSession, person_id: int) -> Person | None:
    return await s.get(Person, person_id)


def _pseudonym() -> str:
    return "P-" + "".join(secrets.choice(PSEUDONYM_ALPHABET) for _ in range(8))


async def register(
    s: AsyncSession,
    *,
    telegram_id: int,
    display_name: str,
    language: str,
    privacy_version: str,
    now: datetime,
    managers: Iterable[int] = (),
) -> tuple[Person, bool]:
    """Record consent and create the person; a second consent (double click) returns the same row."""
    existing = await get_person(s, telegram_id)
    if existing is not None:
        return existing, False
    person = Person(
        telegram_id=telegram_id,
        display_name=display_name,
        language=language if language in LANGUAGES else "de",
        is_manager=telegram_id in set(managers),
        pseudonym=_pseudonym(),
        consent_version=privacy_version,
        consent_at=now,
        created_at=now,
        last_seen_at=now,
    )
    s.add(person)
    await s.flush()
    await consents.agree(s, person, consents.PRIVACY, privacy_version, now)
    return person, True


def set_group(person: Person, group: str, allowed: Iterable[str]) -> None:
    if group not in set(allowed):
        raise Refusal("errors.unknown_choice")
    person.stakeholder_group = group


def set_town(person: Person, town: str, allowed: Iterable[str]) -> None:
    if town != OTHER_TOWN and town not in set(allowed):
        raise Refusal("errors.unknown_choice")
    person.town = town


def set_language(person: Person, language: str) -> None:
    if language not in LANGUAGES:
        raise Refusal("errors.unknown_choice")
    person.language = language


async def set_evaluation_consent(s: AsyncSession, person: Person, given: bool, now: datetime) -> None:
    """Give or withdraw the evaluation consent (registration, /profile, /privacy); the time says since when,
    and the consent history keeps each agreement and its withdrawal."""
    if person.evaluation_consent is not given:
        person.evaluation_consent = given
        person.evaluation_consent_at = now
        if given:
            await consents.agree(s, person, consents.EVALUATION, person.consent_version, now)
        else:
            await consents.withdraw(s, person, consents.EVALUATION, now)
            from models.surveys import away  # surveys build on people
            from models.surveys.answers import forget

            await forget(s, person)  # their survey answers deleted, open survey messages dropped
            await away.forget(s, person)  # their reasons for staying away too, a waiting question dropped


def note_activity(person: Person, now: datetime) -> None:
    """Remember that the person used the bot (any update from them); at most one write per person and day,
    since retention counts in days (see models/privacy/retention.py)."""
    if person.last_seen_at is None or person.last_seen_at.date() != now.date():
        person.last_seen_at = now


async def sync_managers(s: AsyncSession, managers: Iterable[int]) -> None:
    """Give the manager role to the people the config names (the config only adds, never removes)."""
    ids = list(managers)
    if ids:
        await s.execute(update(Person).where(Person.telegram_id.in_(ids)).values(is_manager=True))


async def mark_unreachable(s: AsyncSession, telegram_id: int, now: datetime) -> None:
    await s.execute(update(Person).where(Person.telegram_id == telegram_id).values(unreachable_at=now))


async def mark_reachable(s: AsyncSession, telegram_id: int) -> None:
    await s.execute(update(Person).where(Person.telegram_id == telegram_id).values(unreachable_at=None))


from typing import TYPE_CHECKING  # noqa: E402  (kept with the function below that needs it)

if TYPE_CHECKING:
    from models.meetings.core import MeetingPolicy


async def set_mute_reminders(
    s: AsyncSession, person: Person, muted: bool, now: datetime, policy: MeetingPolicy
) -> bool:
    """Mute or unmute meeting reminders; returns whether it changed.

    Invitations, change and cancel notices still come. Muting drops the person's planned reminders;
    unmuting plans them again for the meetings still ahead (reminders already due stay missed).
    """
    from models import outbox
    from models.meetings import core as meetings
    from models.tables import Meeting, Outbox, Rsvp

    if person.mute_reminders == muted:
        return False
    person.mute_reminders = muted
    await s.flush()
    if muted:
        await outbox.cancel_open(
            s, Outbox.person_id == person.id, Outbox.kind.in_(meetings.REMINDER_KINDS), reason="reminders muted"
        )
        return True
    rows = await s.execute(
        select(Meeting)
        .join(Rsvp, Rsvp.meeting_id == Meeting.id)
        .where(Rsvp.person_id == person.id, Meeting.status == meetings.SCHEDULED, Meeting.starts_at > now)
    )
    for meeting in rows.scalars():
        await meetings.plan_timed(s, meeting, policy, now)
    return True
