"""Figures from the micro-survey after meetings and from the factors and obstacles ticked on ideas."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from models.evaluation.shapes import SurveyFigures, table
from models.reports.codebook import Vocabulary

CODE_KEYS = ("source", "kind", "code")


async def survey(
    s: AsyncSession, since: datetime | None, until: datetime | None, vocab: Vocabulary, suppress: bool
) -> SurveyFigures:
    return SurveyFigures(
        usefulness_by_month=table("usefulness_by_month", ("month",), ("mean", "answers"), vocab),
        usefulness_by_team=table("usefulness_by_team", ("team",), ("mean", "answers"), vocab),
        usefulness_by_field=table("usefulness_by_field", ("field",), ("mean", "answers"), vocab),
        codes_by_month=table("codes_by_month", (*CODE_KEYS, "month"), ("count",), vocab),
        codes_by_team=table("codes_by_team", (*CODE_KEYS, "team"), ("count",), vocab),
        codes_by_field=table("codes_by_field", (*CODE_KEYS, "field"), ("count",), vocab),
    )
