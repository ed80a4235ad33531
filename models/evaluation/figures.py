"""The cooperation figures of the evaluation: plain tables, each cell with the number of people behind it.

Nothing here touches Telegram or draws anything: the evaluation report (PDF/HTML), the monthly digest and the
tests get the same dataclasses. Every figure can be reproduced with a query on the analyst views documented in
docs/evaluation.md (tests/test_evaluation_queries.py checks that both give the same numbers).

Rules shared by every figure:
- Period: `since` inclusive, `until` exclusive (aware datetimes, None = open). Meetings, attendance and survey
  answers count by the meeting's start, ideas by their submission, idea codes by when they were ticked,
  memberships by when they began.
- Months are calendar months in UTC ("2026-11"), so SQLite and PostgreSQL give the same months: an event in
  the first hour or two of a month, local time, counts to the month before.
- Cells behind fewer than 5 people are suppressed (`Cell.suppressed`, value and n None, shown as "< 5";
  models/reports/suppression.py). `suppress=False` gives the raw numbers, for the tests and the operator only.
- Counts are over everyone registered (anonymous aggregates); survey answers only of people who still agree to
  the evaluation (or were erased since, their answer then has no person).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from models.evaluation import attendance as attendance_data
from models.evaluation import ideas, participation, releases
from models.evaluation import summary as headline
from models.evaluation import survey as survey_figures
from models.evaluation.collapse import fold
from models.evaluation.protect import primary, secure
from models.evaluation.shapes import (
    ALL,
    GUESTS,
    IDEA,
    NO_REASON,
    NO_SHOW,
    ONLINE,
    SIDE_EXITS,
    STAGES,
    SURVEY,
    UNKNOWN,
    Cell,
    CrossTown,
    Engagement,
    Figures,
    Funnel,
    Row,
    StayingPower,
    Summary,
    SurveyFigures,
    Table,
    Top,
)
from models.reports.codebook import Vocabulary
from models.reports.suppression import MIN_PEOPLE, SUPPRESSED, min_people

__all__ = [
    "ALL",
    "GUESTS",
    "IDEA",
    "MIN_PEOPLE",
    "NO_REASON",
    "NO_SHOW",
    "ONLINE",
    "SIDE_EXITS",
    "STAGES",
    "SUPPRESSED",
    "SURVEY",
    "UNKNOWN",
    "Cell",
    "CrossTown",
    "Engagement",
    "Figures",
    "Funnel",
    "Row",
    "StayingPower",
    "Summary",
    "SurveyFigures",
    "Table",
    "Top",
    "Vocabulary",
    "all_figures",
    "cross_town",
    "engagement",
    "funnel",
    "staying_power",
    "summary",
    "survey",
]


async def cross_town(
    s: AsyncSession, since: datetime | None, until: datetime | None, vocab: Vocabulary, *, suppress: bool = True
) -> CrossTown:
    """Cooperation across town borders: ideas and meetings spanning towns, team mix, who travels where."""
    return await participation.cross_town(s, since, until, vocab, suppress)


async def engagement(
    s: AsyncSession, since: datetime | None, until: datetime | None, vocab: Vocabulary, *, suppress: bool = True
) -> Engagement:
    """Hours of civic engagement: each presence × the meeting's duration, guests without Telegram included."""
    return await participation.engagement(s, since, until, vocab, suppress)


async def staying_power(
    s: AsyncSession, since: datetime | None, until: datetime | None, vocab: Vocabulary, *, suppress: bool = True
) -> StayingPower:
    """Who keeps coming: active per month, first-time vs returning, and why people stay away after a while."""
    return await participation.staying_power(s, since, until, vocab, suppress)


async def funnel(
    s: AsyncSession, since: datetime | None, until: datetime | None, vocab: Vocabulary, *, suppress: bool = True
) -> Funnel:
    """The idea funnel per town (submitted → in review → accepted → implemented) with median days per stage."""
    return await ideas.funnel(s, since, until, vocab, suppress)


async def survey(
    s: AsyncSession, since: datetime | None, until: datetime | None, vocab: Vocabulary, *, suppress: bool = True
) -> SurveyFigures:
    """The micro-survey: usefulness (mean, n), and the factors and obstacles named, over time, team and field."""
    return await survey_figures.survey(s, since, until, vocab, suppress)


async def summary(
    s: AsyncSession,
    since: datetime | None,
    until: datetime | None,
    vocab: Vocabulary,
    *,
    team: str | None = None,
    suppress: bool = True,
    release_at: datetime | None = None,
) -> Summary:
    """The headline numbers of a period, of one team (slug) or the whole project: meetings, presences, hours,
    new and implemented ideas, survey answers and usefulness, the most named factor and obstacle. `release_at`
    (handed out beside a report, as its period before): the numbers released before for the same period stay
    unless min_people people stand behind a change (models/evaluation/releases.py)."""
    head = await headline.summary(s, since, until, vocab, team=team, suppress=suppress)
    if release_at is not None and suppress and team is None and until is not None:
        await releases.remember_summary(s, head, since, until, release_at)
    return head


async def all_figures(
    s: AsyncSession,
    since: datetime | None,
    until: datetime | None,
    vocab: Vocabulary,
    *,
    suppress: bool = True,
    release_at: datetime | None = None,
) -> Figures:
    """Every figure of the evaluation report, for one period. `release_at` (a report being handed out): the
    figures are a release, compared with and kept as the last report of the same start (models/evaluation/
    releases.py), so a figure changes from one report to the next only with min_people people behind it."""
    if (since is not None and since.tzinfo is None) or (until is not None and until.tzinfo is None):
        raise ValueError("since and until must be aware datetimes")
    attendance = await attendance_data.load(s)  # read once for the three sections built on it
    raw = Figures(
        since=since,
        until=until,
        summary=await headline.summary(s, since, until, vocab, suppress=False, loaded=attendance),
        cross_town=await participation.cross_town(s, since, until, vocab, False, attendance),
        engagement=await participation.engagement(s, since, until, vocab, False, attendance),
        staying=await participation.staying_power(s, since, until, vocab, False, attendance),
        funnel=await funnel(s, since, until, vocab, suppress=False),
        survey=await survey(s, since, until, vocab, suppress=False),
        min_people=min_people(),
    )
    if not suppress:
        return raw
    fig = primary(raw)  # hide what stands for too few people,
    words = {k.removeprefix("note_"): v for k, v in vocab.titles.items() if k.startswith("note_fold")}
    words.update(other=vocab.label("figure", "other"), all=vocab.label("figure", ALL))
    fold(fig, raw, words)  # fold into coarser groups where that keeps the numbers,
    if release_at is not None:  # keep what an earlier report of the same start released,

        async def between(start: datetime | None, end: datetime) -> Figures:
            return await all_figures(s, start, end, vocab, suppress=False)

        fig.kept = await releases.remember_report(s, fig, until, release_at, between)
    fig.hidden_more = secure(fig)  # and hide what a total would give away (protect.py)
    return fig
