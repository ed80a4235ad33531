"""Figures from the ideas' paths: the funnel per town and how long the towns' administrations take to answer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from models.evaluation.shapes import Funnel, table
from models.reports.codebook import Vocabulary


async def funnel(
    s: AsyncSession, since: datetime | None, until: datetime | None, vocab: Vocabulary, suppress: bool
) -> Funnel:
    return Funnel(
        stages=table("idea_funnel", ("town", "stage"), ("ideas", "ended", "median_days"), vocab),
        town_answers=table("town_answers", ("town",), ("forwarded", "answered", "median_days"), vocab),
    )
