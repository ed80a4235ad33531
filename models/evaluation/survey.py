"""Figures from the micro-survey after meetings and from the factors and obstacles ticked on ideas.

Survey answers count only while their person agrees to the evaluation (an erased person's answer stays, without
person): the view v_survey applies the same rule. The people behind survey figures are the people who answered
(an answer without person counting as one); behind idea codes, the ideas' authors (models/evaluation/ideas.py).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.evaluation import response
from models.evaluation.common import add_row, half_up, idea_people, month, set_people, within
from models.evaluation.shapes import ALL, IDEA, SURVEY, UNKNOWN, SurveyFigures, Table, table
from models.ideas.core import MERGED
from models.reports.codebook import Vocabulary
from models.tables import Idea, IdeaCode, Meeting, Person, SurveyAnswer, Team

CODE_KEYS = ("source", "kind", "code")
FACTOR, OBSTACLE = "factor", "obstacle"


@dataclass(frozen=True)
class Answer:
    id: int
    person: int | None
    month: str
    team: str
    field: str
    usefulness: int | None
    factors: tuple[str, ...]
    obstacles: tuple[str, ...]

    @property
    def who(self) -> tuple[str, int]:
        """Whom the answer stands for: the person, or the answer itself once its person was erased."""
        return ("person", self.person) if self.person is not None else ("answer", self.id)


async def answers(s: AsyncSession, since: datetime | None, until: datetime | None) -> list[Answer]:
    rows = await (await s.connection()).execute(
        select(
            SurveyAnswer.id,
            SurveyAnswer.person_id,
            Meeting.starts_at,
            Team.slug,
            Team.field,
            SurveyAnswer.usefulness,
            SurveyAnswer.factors,
            SurveyAnswer.obstacles,
        )
        .join(Meeting, Meeting.id == SurveyAnswer.meeting_id)
        .join(Team, Team.id == Meeting.team_id)
        .outerjoin(Person, Person.id == SurveyAnswer.person_id)
        .where(or_(SurveyAnswer.person_id.is_(None), Person.evaluation_consent.is_(True)))
    )
    return [
        Answer(aid, pid, month(at), slug, fld, use, tuple(factors or ()), tuple(obstacles or ()))
        for aid, pid, at, slug, fld, use, factors, obstacles in rows
        if within(at, since, until)
    ]


def _usefulness(answers: list[Answer], by: str, vocab: Vocabulary, suppress: bool) -> Table:
    t = table(f"usefulness_by_{by}", (by,), ("mean", "answers"), vocab)
    groups: dict[str, list[Answer]] = defaultdict(list)
    for a in answers:
        if a.usefulness is not None:
            groups[getattr(a, by)].append(a)
    for key in sorted(groups):
        rated = groups[key]
        n = len({a.who for a in rated})
        mean = half_up(sum(a.usefulness or 0 for a in rated) / len(rated), 2)
        add_row(t, (key,), [(mean, n), (len(rated), n)], vocab, suppress)
    set_people(t, len({a.who for rated in groups.values() for a in rated}), suppress)
    return t


@dataclass(frozen=True)
class Mention:
    """A factor or obstacle named: in a survey answer (who: the person) or ticked on an idea (who: its author)."""

    source: str
    kind: str
    code: str
    month: str
    team: str
    field: str
    who: tuple[str, int]


async def idea_codes(s: AsyncSession, since: datetime | None, until: datetime | None) -> list[Mention]:
    rows = await (await s.connection()).execute(
        select(IdeaCode.idea_id, IdeaCode.kind, IdeaCode.code, IdeaCode.created_at, Team.slug, Idea.field)
        .add_columns(Idea.author_id)
        .join(Idea, Idea.id == IdeaCode.idea_id)
        .outerjoin(Team, Team.id == Idea.team_id)
        .where(Idea.status != MERGED)  # a merged idea counts once, as the idea it went into
    )
    return [
        Mention(IDEA, kind, code, month(at), slug or UNKNOWN, fld, ("person", author) if author else ("idea", iid))
        for iid, kind, code, at, slug, fld, author in rows
        if within(at, since, until)
    ]


def _codes(mentions: list[Mention], by: str | None, vocab: Vocabulary, suppress: bool) -> Table:
    """Per source × kind × code (× month, team or field; `by` None: over the whole period): how often named, by
    how many people. The totals are counted from the mentions, not added up from cells: a code named by three
    people in each of four teams is twelve people, not four hidden cells."""
    by_columns = (by,) if by else ()
    t = table(f"codes_by_{by}" if by else "codes_total", (*CODE_KEYS, *by_columns), ("mentions",), vocab)
    cells: dict[tuple[str, ...], list[tuple[str, int]]] = defaultdict(list)
    for m in mentions:
        cells[(m.source, m.kind, m.code, *((getattr(m, by),) if by else ()))].append(m.who)
        if not by:  # survey and ideas together: the headline's most named code is this cell
            cells[(ALL, m.kind, m.code)].append(m.who)
    for key in sorted(cells, key=lambda k: (k[0] == ALL, k)):
        whos = cells[key]
        if key[0] == IDEA:
            n = idea_people((w[1], None) if w[0] == "idea" else (-1, w[1]) for w in whos)
        else:
            n = len(set(whos))
        add_row(t, key, [(len(whos), n)], vocab, suppress, ("figure", "figure", key[1], *by_columns))
    set_people(t, len({m.who for m in mentions}), suppress)
    return t


async def survey(
    s: AsyncSession, since: datetime | None, until: datetime | None, vocab: Vocabulary, suppress: bool
) -> SurveyFigures:
    said = await answers(s, since, until)
    mentions = [
        Mention(SURVEY, kind, code, a.month, a.team, a.field, a.who)
        for a in said
        for kind, codes in ((FACTOR, a.factors), (OBSTACLE, a.obstacles))
        for code in codes
    ]
    mentions += await idea_codes(s, since, until)
    return SurveyFigures(
        usefulness_by_month=_usefulness(said, "month", vocab, suppress),
        usefulness_by_team=_usefulness(said, "team", vocab, suppress),
        usefulness_by_field=_usefulness(said, "field", vocab, suppress),
        codes_by_month=_codes(mentions, "month", vocab, suppress),
        codes_by_team=_codes(mentions, "team", vocab, suppress),
        codes_by_field=_codes(mentions, "field", vocab, suppress),
        codes_total=_codes(mentions, None, vocab, suppress),
        response=response.response(
            await response.surveys_sent(s, since, until), [(a.team, a.month, a.who) for a in said], vocab, suppress
        ),
        away_reasons=await response.away_reasons(s, since, until, vocab, suppress),
    )
