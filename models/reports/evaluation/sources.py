"""What the evaluation report reads besides `models.evaluation.figures`: the free-text sentences and a few counts.

The figures interface has no free text, so the "limits" section reads it here: the comments of survey answers
whose writer still agrees to the evaluation (an erased person's answer has no comment any more), in the report's
period (by the meeting's start, like every survey figure), with the writer's pseudonym instead of a name. Names of
registered people, phone numbers and e-mail addresses inside a sentence become neutral tokens (redact.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.reports.redact import Redactor
from models.tables import AuditEntry, Meeting, Person, SurveyAnswer


@dataclass(frozen=True)
class Sentence:
    pseudonym: str
    text: str
    factors: tuple[str, ...]
    obstacles: tuple[str, ...]
    at: datetime


@dataclass
class Sources:
    members: int = 0  # registered (group and town chosen)
    consenting: int = 0  # of them, agreeing to the evaluation
    first_day: datetime | None = None  # the first registration: where an open period starts
    sentences: list[Sentence] = field(default_factory=list)


def _window(column: Any, since: datetime | None, until: datetime | None) -> list[ColumnElement[bool]]:
    out: list[ColumnElement[bool]] = []
    if since is not None:
        out.append(column >= since)
    if until is not None:
        out.append(column < until)
    return out


async def read(s: AsyncSession, since: datetime | None, until: datetime | None) -> Sources:
    complete = [Person.stakeholder_group.is_not(None), Person.town.is_not(None)]
    members = (await s.execute(select(func.count()).select_from(Person).where(*complete))).scalar_one()
    consenting = (
        await s.execute(select(func.count()).select_from(Person).where(*complete, Person.evaluation_consent.is_(True)))
    ).scalar_one()
    first = (await s.execute(select(func.min(Person.created_at)))).scalar_one()
    rows = await s.execute(
        select(Person.pseudonym, SurveyAnswer.comment, SurveyAnswer.factors, SurveyAnswer.obstacles, Meeting.starts_at)
        .join(Person, Person.id == SurveyAnswer.person_id)
        .join(Meeting, Meeting.id == SurveyAnswer.meeting_id)
        .where(
            Person.evaluation_consent.is_(True),
            SurveyAnswer.comment.is_not(None),
            SurveyAnswer.comment != "",
            *_window(Meeting.starts_at, since, until),
        )
        .order_by(Meeting.starts_at, SurveyAnswer.id)
    )
    found = [
        Sentence(pseudonym, comment.strip(), tuple(factors or ()), tuple(obstacles or ()), at)
        for pseudonym, comment, factors, obstacles, at in rows
        if comment and comment.strip()
    ]
    if found:
        found = await _without_names(s, found)
    return Sources(members, consenting, first, found)


async def _without_names(s: AsyncSession, sentences: list[Sentence]) -> list[Sentence]:
    """Names of every registered person, phone numbers and e-mail addresses become neutral tokens
    (models/reports/redact.py)."""
    redact = Redactor(name for (name,) in await s.execute(select(Person.display_name)))
    return [Sentence(x.pseudonym, redact(x.text), x.factors, x.obstacles, x.at) for x in sentences]


async def made_since(s: AsyncSession, actor_id: int, since: datetime) -> bool:
    """Whether this person was handed an evaluation report since `since` (a double press must not make two)."""
    rows = await s.execute(
        select(AuditEntry.details)
        .where(AuditEntry.action == "export", AuditEntry.actor_id == actor_id, AuditEntry.created_at >= since)
        .order_by(AuditEntry.id.desc())
        .limit(20)
    )
    return any(isinstance(d, dict) and d.get("what") == "evaluation" for d in rows.scalars())
