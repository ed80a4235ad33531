"""Drafts: the state of a half-finished conversation, kept in the database so a restart loses nothing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.tables import Draft


async def get_draft(s: AsyncSession, person_id: int) -> Draft | None:
    return (await s.execute(select(Draft).where(Draft.person_id == person_id))).scalar_one_or_none()


async def save_draft(
    s: AsyncSession, person_id: int, flow: str, step: str, data: dict[str, Any], now: datetime
) -> Draft:
    """Start or move a draft; one draft per person (a new flow replaces the old one)."""
    draft = await get_draft(s, person_id)
    if draft is None:
        draft = Draft(person_id=person_id, flow=flow, step=step, data=dict(data), updated_at=now)
        s.add(draft)
    else:
        draft.flow, draft.step, draft.data, draft.updated_at = flow, step, dict(data), now
    await s.flush()
    return draft


async def clear_draft(s: AsyncSession, person_id: int) -> bool:
    result = await s.execute(delete(Draft).where(Draft.person_id == person_id))
    return bool(getattr(result, "rowcount", 0))
