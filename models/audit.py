"""The audit log: every action of a manager or lead that changes other people's data or sends to them.

Nothing here touches Telegram. Callers record in the same transaction as the action itself, so an action
without its audit entry (or the reverse) cannot be committed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.errors import Refusal
from models.tables import AuditEntry, Person

# action names used across the bot (one place, so the project manager can filter by them)
MAKE_LEAD, UNMAKE_LEAD = "make_lead", "unmake_lead"
ANNOUNCE, ANNOUNCE_SCHEDULED = "announce", "announce_scheduled"
ANSWER_IDEA, ASSIGN_IDEA = "answer_idea", "assign_idea"
EXPORT = "export"
MEETING_CREATE, MEETING_CHANGE, MEETING_CANCEL = "meeting_create", "meeting_change", "meeting_cancel"
POLL_CREATE, POLL_PICK, POLL_CANCEL = "poll_create", "poll_pick", "poll_cancel"
RETENTION = "retention"  # the daily retention run: counts only (models/retention.py)


async def record(s: AsyncSession, actor: Person | None, action: str, now: datetime, **details: Any) -> AuditEntry:
    """Write one entry; `details` must be JSON-ready (ids, keys, counts), never message texts of others."""
    entry = AuditEntry(
        actor_id=actor.id if actor else None,
        actor_pseudonym=actor.pseudonym if actor else None,
        action=action,
        details=details,
        created_at=now,
    )
    s.add(entry)
    await s.flush()
    return entry


async def recent(s: AsyncSession, viewer: Person, limit: int = 50, action: str | None = None) -> list[AuditEntry]:
    """The newest entries; only a project manager may read the audit log."""
    if not viewer.is_manager:
        raise Refusal("errors.managers_only")
    q = select(AuditEntry).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc()).limit(limit)
    if action:
        q = q.where(AuditEntry.action == action)
    return list((await s.execute(q)).scalars())
