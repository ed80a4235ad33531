"""Retention: personal data is kept only as long as the config says, then erased exactly as /deleteme does.

Nothing here touches Telegram. Three rules ([privacy] in the config):
* a person who has sent the bot nothing (no command, button or message) for `inactive_days` is erased;
  `people.last_seen_at` is the last such day (written at most once a day, see `people.note_activity`);
* `after_end_days` after the project's last day (`project.end_date`) everyone is erased;
* audit log entries older than `audit_days` are deleted;
* a voice message is deleted `voice_days` after its step is done: the idea's first answer, or the typed summary of a
  survey sentence, an answer to a town or the minutes (models/voice.py).
`enforce` applies them (in small transactions, so the bot keeps answering meanwhile) and records the counts
in the audit log, never who was erased. Running it again the same day finds nothing more to do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import audit, voice
from models.db import Database
from models.privacy.core import erase_person
from models.tables import AuditEntry, Person

CHUNK = 50  # people erased per transaction


@dataclass(frozen=True)
class RetentionPolicy:
    """How long data is kept ([privacy]); `end_date` is the project's last local day, None while not known."""

    tz: ZoneInfo
    inactive_days: int = 365
    after_end_days: int = 90
    audit_days: int = 730
    voice_days: int = 30
    end_date: date | None = None
    changes: dict[str, str] = field(default_factory=dict)  # what changed in the current privacy_version

    def erase_all_from(self) -> datetime | None:
        """The instant from which nobody's data is kept: the end of the project's last day + after_end_days."""
        if self.end_date is None:
            return None
        day = self.end_date + timedelta(days=1 + self.after_end_days)
        return datetime.combine(day, time(0), self.tz)

    def inactive_before(self, now: datetime) -> datetime:
        return now - timedelta(days=self.inactive_days)

    def audit_before(self, now: datetime) -> datetime:
        return now - timedelta(days=self.audit_days)


@dataclass(frozen=True)
class Outcome:
    """What one run did (or, in a dry run, would do): counts only."""

    day: str
    project_ended: bool
    people_erased: int
    audit_deleted: int
    erased_chats: tuple[int, ...] = ()
    voices_deleted: int = 0  # their Telegram ids, to clear their command menus (never recorded)


def _last_active() -> ColumnElement[datetime]:
    return func.coalesce(Person.last_seen_at, Person.created_at)


def _due(policy: RetentionPolicy, now: datetime) -> tuple[bool, ColumnElement[bool]]:
    """Whether the project's time is over, and the condition selecting the people to erase."""
    end = policy.erase_all_from()
    if end is not None and now >= end:
        return True, Person.id.is_not(None)
    return False, _last_active() < policy.inactive_before(now)


def local_day(policy: RetentionPolicy, now: datetime) -> str:
    return now.astimezone(policy.tz).date().isoformat()


async def ran_on(s: AsyncSession, day: str) -> bool:
    """Whether the daily run for this local day is already recorded (the job runs once a day)."""
    rows = await s.execute(select(AuditEntry.details).where(AuditEntry.action == audit.RETENTION))
    return any((details or {}).get("day") == day for details in rows.scalars())


async def preview(s: AsyncSession, policy: RetentionPolicy, now: datetime) -> Outcome:
    """What `enforce` would do now, changing nothing (`actionbot privacy enforce --dry-run`)."""
    ended, condition = _due(policy, now)
    people = await s.scalar(select(func.count()).select_from(Person).where(condition))
    entries = await s.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.created_at < policy.audit_before(now))
    )
    voices = await voice.count_due(s, policy.voice_days, now)
    return Outcome(local_day(policy, now), ended, people or 0, entries or 0, voices_deleted=voices)


async def enforce(db: Database, policy: RetentionPolicy, now: datetime) -> Outcome:
    """Erase the people whose time is over (as /deleteme does), delete old audit entries, record the counts."""
    ended, condition = _due(policy, now)
    chats: list[int] = []
    while True:
        async with db.transaction() as s:
            batch = list((await s.execute(select(Person).where(condition).order_by(Person.id).limit(CHUNK))).scalars())
            for person in batch:
                if person.telegram_id is not None:  # a proxy member has no chat to clear
                    chats.append(person.telegram_id)
                await erase_person(s, person)
        if len(batch) < CHUNK:
            break
    async with db.transaction() as s:
        result = await s.execute(delete(AuditEntry).where(AuditEntry.created_at < policy.audit_before(now)))
        removed = int(getattr(result, "rowcount", 0) or 0)
        voices = await voice.purge(s, policy.voice_days, now)
        erased = len(chats)
        outcome = Outcome(local_day(policy, now), ended, erased, removed, tuple(chats), voices)
        await audit.record(
            s,
            None,
            audit.RETENTION,
            now,
            day=outcome.day,
            project_ended=ended,
            people_erased=erased,
            audit_deleted=removed,
            voices_deleted=voices,
        )
    return outcome
