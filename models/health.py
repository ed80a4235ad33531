"""The database's side of /healthz and /metrics: open outbox rows, the oldest due one, the last backup."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from models import backups
from models.outbox import OPEN_STATES
from models.tables import Outbox


async def ping(s: AsyncSession) -> None:
    """One round trip: raises when the database cannot be reached."""
    await s.execute(text("SELECT 1"))


async def pending_by_kind(s: AsyncSession) -> dict[str, int]:
    """Open rows (pending, claimed, sending) per kind, due or not."""
    rows = await s.execute(
        select(Outbox.kind, func.count()).where(Outbox.status.in_(OPEN_STATES)).group_by(Outbox.kind)
    )
    return {kind: n for kind, n in rows.all()}


async def oldest_due_at(s: AsyncSession, now: datetime) -> datetime | None:
    """The due time of the open row that has waited longest (None: nothing is due). A row Telegram refused for
    a while is due again at its retry time, so this measures a stuck dispatcher, not one waiting out a 429."""
    value: datetime | None = (
        await s.execute(select(func.min(Outbox.due_at)).where(Outbox.status.in_(OPEN_STATES), Outbox.due_at <= now))
    ).scalar_one_or_none()
    return value


async def last_backup_at(s: AsyncSession) -> datetime | None:
    """When the last successful backup finished; None when none is recorded (backups may be made outside)."""
    run = await backups.last_backup(s, ok_only=True)
    return run.finished_at if run is not None else None
