"""The stored outcome of backups: what the daily job and the health figures read.

The outcome lives in the database (table backup_runs), not in a status file, so "at most one daily backup a
day" and "last backup" survive restarts and a move to another host.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.tables import BackupRun

RETRY_AFTER = timedelta(hours=1)  # a failed daily backup is tried again this long after the failed attempt


@dataclass(frozen=True)
class Outcome:
    kind: str
    started_at: datetime
    finished_at: datetime
    ok: bool
    path: str
    size_bytes: int | None = None
    error: str | None = None


async def record(s: AsyncSession, outcome: Outcome) -> BackupRun:
    run = BackupRun(
        kind=outcome.kind,
        started_at=outcome.started_at,
        finished_at=outcome.finished_at,
        ok=outcome.ok,
        path=outcome.path,
        size_bytes=outcome.size_bytes,
        error=outcome.error[:2000] if outcome.error else None,
    )
    s.add(run)
    await s.flush()
    return run


async def last_backup(s: AsyncSession, *, ok_only: bool = False, kind: str | None = None) -> BackupRun | None:
    """The newest backup attempt (or the newest successful one); None when there was none.

    For /healthz: `last_backup(s, ok_only=True)` gives the age of the newest usable backup,
    `last_backup(s)` whether the newest attempt failed (`.ok`, `.error`)."""
    query = select(BackupRun).order_by(BackupRun.started_at.desc(), BackupRun.id.desc()).limit(1)
    if ok_only:
        query = query.where(BackupRun.ok.is_(True))
    if kind is not None:
        query = query.where(BackupRun.kind == kind)
    return (await s.execute(query)).scalar_one_or_none()


def daily_due(now: datetime, at: time, tz: ZoneInfo, last_ok: datetime | None, last_try: datetime | None) -> bool:
    """Whether the daily backup should run now: past today's time of day (local), no successful daily backup
    since then, and no failed attempt in the last hour."""
    local = now.astimezone(tz)
    slot = datetime.combine(local.date(), at, tzinfo=tz)
    if local < slot:
        return False
    if last_ok is not None and last_ok >= slot:
        return False
    return last_try is None or last_try < slot or now - last_try >= RETRY_AFTER
