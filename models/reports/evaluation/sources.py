"""What the evaluation report reads besides `models.evaluation.figures`: the free-text sentences and a few counts.

The figures interface has no free text, so the "limits" section reads it here: the comments of survey answers
whose writer still agrees to the evaluation (an erased person's answer has no comment any more), in the report's
period (by the meeting's start, like every survey figure), with the writer's pseudonym instead of a name. Only
sentences the project manager released (/saetze, models/surveys/sentences.py) are read; the ones left out and the
ones still waiting for review are counted, so the report can say so. Names of registered people, phone numbers
and e-mail addresses inside a sentence become neutral tokens (redact.py); each sentence's team, field of action
and quarter are named as far as `min_people` allows (origins.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.reports.evaluation.origins import Origin, Where, origins
from models.reports.suppression import min_people
from models.surveys.sentences import LEFT_OUT, RELEASED, redactor, written
from models.tables import AuditEntry, Meeting, Person, SurveyAnswer, Team


@dataclass(frozen=True)
class Sentence:
    pseudonym: str
    text: str
    factors: tuple[str, ...]
    obstacles: tuple[str, ...]
    at: datetime
    origin: Origin = Origin()  # team, field of action, quarter: as far as min_people allows


@dataclass
class Sources:
    members: int = 0  # registered (group and town chosen)
    consenting: int = 0  # of them, agreeing to the evaluation
    first_day: datetime | None = None  # the first registration: where an open period starts
    sentences: list[Sentence] = field(default_factory=list)
    left_out: int = 0  # sentences of the period the project manager left out
    unreviewed: int = 0  # sentences of the period still waiting for review (not in the report either)


def _window(column: Any, since: datetime | None, until: datetime | None) -> list[ColumnElement[bool]]:
    out: list[ColumnElement[bool]] = []
    if since is not None:
        out.append(column >= since)
    if until is not None:
        out.append(column < until)
    return out


async def read(s: AsyncSession, since: datetime | None, until: datetime | None, tz: ZoneInfo | None = None) -> Sources:
    """The period's counts and released sentences; quarters and years are local to `tz` (UTC if not given)."""
    complete = [Person.stakeholder_group.is_not(None), Person.town.is_not(None)]
    members = (await s.execute(select(func.count()).select_from(Person).where(*complete))).scalar_one()
    consenting = (
        await s.execute(select(func.count()).select_from(Person).where(*complete, Person.evaluation_consent.is_(True)))
    ).scalar_one()
    first = (await s.execute(select(func.min(Person.created_at)))).scalar_one()
    found, left_out, unreviewed = await _sentences(s, since, until, tz or UTC)
    return Sources(members, consenting, first, found, left_out, unreviewed)


async def _sentences(
    s: AsyncSession, since: datetime | None, until: datetime | None, tz: tzinfo
) -> tuple[list[Sentence], int, int]:
    """The released sentences (redacted, with their origin), and how many were left out or wait for review."""
    rows = await s.execute(
        select(Person.pseudonym, SurveyAnswer.comment, SurveyAnswer.factors, SurveyAnswer.obstacles, Meeting.starts_at,
               SurveyAnswer.comment_review, SurveyAnswer.person_id, Team.slug, Team.field)
        .join(Person, Person.id == SurveyAnswer.person_id)
        .join(Meeting, Meeting.id == SurveyAnswer.meeting_id)
        .join(Team, Team.id == Meeting.team_id)
        .where(*written(), *_window(Meeting.starts_at, since, until))
        .order_by(Meeting.starts_at, SurveyAnswer.id)
    )
    released: list[tuple[Sentence, Where]] = []
    left_out = unreviewed = 0
    for pseudonym, comment, factors, obstacles, at, review, person, team, field_key in rows:
        if not (comment and comment.strip()):
            continue
        if review == RELEASED:
            x = Sentence(pseudonym, comment.strip(), tuple(factors or ()), tuple(obstacles or ()), at)
            released.append((x, Where(person, team, field_key, at.astimezone(tz))))
        elif review == LEFT_OUT:
            left_out += 1
        else:
            unreviewed += 1
    if not released:
        return [], left_out, unreviewed
    answers = await s.execute(
        select(SurveyAnswer.person_id, Team.slug, Team.field, Meeting.starts_at)
        .join(Person, Person.id == SurveyAnswer.person_id)
        .join(Meeting, Meeting.id == SurveyAnswer.meeting_id)
        .join(Team, Team.id == Meeting.team_id)
        .where(Person.evaluation_consent.is_(True), *_window(Meeting.starts_at, since, until))
    )
    everyone = [Where(person, team, field_key, at.astimezone(tz)) for person, team, field_key, at in answers]
    places = origins([w for _, w in released], everyone, min_people())
    redact = await redactor(s)
    found = [Sentence(x.pseudonym, redact(x.text), x.factors, x.obstacles, x.at, place)
             for (x, _), place in zip(released, places, strict=True)]
    return found, left_out, unreviewed


async def made_since(s: AsyncSession, actor_id: int, since: datetime) -> bool:
    """Whether this person was handed an evaluation report since `since` (a double press must not make two)."""
    rows = await s.execute(
        select(AuditEntry.details)
        .where(AuditEntry.action == "export", AuditEntry.actor_id == actor_id, AuditEntry.created_at >= since)
        .order_by(AuditEntry.id.desc())
        .limit(20)
    )
    return any(isinstance(d, dict) and d.get("what") == "evaluation" for d in rows.scalars())
