"""Drafts: the state of a half-finished conversation, kept in the database so a restart loses nothing."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.errors import Refusal
from models.tables import Draft

_CACHE = "drafts"  # session.info key: person id -> the draft (or None) as this transaction last saw it


def _cache(s: AsyncSession) -> dict[int, Draft | None]:
    cache: dict[int, Draft | None] = s.info.setdefault(_CACHE, {})
    return cache


async def get_draft(s: AsyncSession, person_id: int) -> Draft | None:
    """The person's draft. Looked up once per transaction (the flow router and the step's handler both ask):
    the functions here keep the answer in step with what they write."""
    cache = _cache(s)
    if person_id not in cache:
        stmt = select(Draft).where(Draft.person_id == person_id)
        cache[person_id] = (await s.execute(stmt)).scalar_one_or_none()
    return cache[person_id]


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
    _cache(s)[person_id] = draft
    return draft


async def clear_draft(s: AsyncSession, person_id: int) -> bool:
    _cache(s).pop(person_id, None)
    result = await s.execute(delete(Draft).where(Draft.person_id == person_id))
    return bool(getattr(result, "rowcount", 0))


NONCE = "nonce"  # names one run of a flow; its buttons carry it, so buttons of an earlier run go stale


def new_run(**data: Any) -> dict[str, Any]:
    """Draft data for a fresh run of a flow, with its own nonce."""
    return {NONCE: secrets.token_hex(4), **data}


async def draft_of_button(s: AsyncSession, person_id: int, flow: str, nonce: str, no_draft_key: str) -> Draft:
    """The open draft of `flow` a button belongs to: `no_draft_key` if the flow is finished, stale if the
    button carries another run's nonce. One check for every draft-backed dialogue."""
    draft = await get_draft(s, person_id)
    if draft is None or draft.flow != flow:
        raise Refusal(no_draft_key)
    if nonce != draft.data.get(NONCE):
        raise Refusal("errors.stale_button")
    return draft
