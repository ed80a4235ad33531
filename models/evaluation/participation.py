"""Figures from who came to which meeting: across towns, engagement hours, staying power."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from models.evaluation.shapes import CrossTown, Engagement, StayingPower, table
from models.reports.codebook import Vocabulary


async def cross_town(
    s: AsyncSession, since: datetime | None, until: datetime | None, vocab: Vocabulary, suppress: bool
) -> CrossTown:
    return CrossTown(
        ideas=table("ideas_towns", ("field",), ("ideas", "multi_town", "share_pct"), vocab),
        meetings=table("meetings_towns", ("team",), ("meetings", "multi_town", "share_pct"), vocab),
        team_mix=table("team_mix", ("team", "month", "town", "group"), ("members",), vocab, "left_not_recorded"),
        travel=table("travel", ("home_town", "meeting_town"), ("attendances", "people"), vocab),
    )


async def engagement(
    s: AsyncSession, since: datetime | None, until: datetime | None, vocab: Vocabulary, suppress: bool
) -> Engagement:
    return Engagement(
        by_month=table("hours_by_month", ("month",), ("hours", "members", "guests"), vocab),
        by_group=table("hours_by_group", ("month", "group"), ("hours",), vocab),
        by_town=table("hours_by_town", ("month", "town"), ("hours",), vocab),
        by_group_town=table("hours_by_group_town", ("month", "group", "town"), ("hours",), vocab),
    )


async def staying_power(
    s: AsyncSession, since: datetime | None, until: datetime | None, vocab: Vocabulary, suppress: bool
) -> StayingPower:
    return StayingPower(
        months=table("active_by_month", ("month",), ("active", "first_time", "returning", "not_again"), vocab),
        dropoff=table("dropoff_reasons", ("reason",), ("people", "absences"), vocab),
    )
