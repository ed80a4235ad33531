"""The headline numbers of a period (optionally of one team): for the report's summary and the monthly digest.

Same rules as every figure (models/evaluation/figures.py): each number with the people behind it, suppressed
under 5. Reproduced by the queries `summary` and `top_codes` of docs/evaluation.md.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.evaluation import attendance as attendance_data
from models.evaluation.common import half_up, idea_people, within
from models.evaluation.shapes import Cell, Summary, Top, word
from models.evaluation.survey import FACTOR, OBSTACLE, Answer, answers, idea_codes
from models.ideas import events
from models.ideas.core import MERGED
from models.reports.codebook import Vocabulary
from models.tables import Idea, IdeaEvent, Team


async def summary(
    s: AsyncSession,
    since: datetime | None,
    until: datetime | None,
    vocab: Vocabulary,
    *,
    team: str | None = None,
    suppress: bool = True,
    loaded: attendance_data.Attendance | None = None,
) -> Summary:
    """The period's headline numbers, of one team (slug) or of the whole project (None)."""

    def cell(value: float | None, n: int) -> Cell:
        return Cell.of(value, n, suppress)

    held, present = (loaded or await attendance_data.load(s)).period(since, until)
    held = [m for m in held if team is None or m.team == team]
    ids = {m.id for m in held}
    present = [p for p in present if p.meeting.id in ids]
    people, guests = len({p.person for p in present}), sum(m.guests for m in held)
    hours = sum(p.meeting.duration_min / 60 for p in present) + sum(m.guest_hours for m in held)
    new, implemented = await _ideas(s, since, until, team)
    said = [a for a in await answers(s, since, until) if team is None or a.team == team]
    rated = [a for a in said if a.usefulness is not None]
    raters = len({a.who for a in rated})
    mean = half_up(sum(a.usefulness or 0 for a in rated) / len(rated), 2) if rated else None
    tops = await _tops(s, since, until, team, said, vocab, suppress)
    return Summary(
        since=since,
        until=until,
        team=team,
        meetings=cell(len(held), people),
        attendances=cell(len(present), people),
        active=cell(people, people),
        guests=cell(guests, guests),
        hours=cell(half_up(hours, 2), people + guests),
        ideas_new=cell(len(new), idea_people(new)),
        ideas_implemented=cell(len(implemented), idea_people(implemented)),
        answers=cell(len(said), len({a.who for a in said})),
        usefulness=cell(mean, raters),
        top_factor=tops.get(FACTOR),
        top_obstacle=tops.get(OBSTACLE),
    )


async def _ideas(
    s: AsyncSession, since: datetime | None, until: datetime | None, team: str | None
) -> tuple[list[tuple[int, int | None]], list[tuple[int, int | None]]]:
    """(idea, author) of the ideas submitted in the period, and of those that became 'implemented' in it."""
    conn = await s.connection()
    q = select(Idea.id, Idea.author_id, Idea.created_at).outerjoin(Team, Team.id == Idea.team_id)
    q = q.where(Idea.status != MERGED)  # a merged idea counts once, as the idea it went into
    if team is not None:
        q = q.where(Team.slug == team)
    ideas = {i: (author, created) for i, author, created in await conn.execute(q)}
    new = [(i, author) for i, (author, created) in ideas.items() if within(created, since, until)]
    implemented = (IdeaEvent.kind == events.STATUS, IdeaEvent.status == "implemented")
    steps = await conn.execute(select(IdeaEvent.idea_id, IdeaEvent.at).where(*implemented))
    done = {i for i, at in steps if i in ideas and within(at, since, until)}
    return new, [(i, ideas[i][0]) for i in sorted(done)]


async def _tops(
    s: AsyncSession,
    since: datetime | None,
    until: datetime | None,
    team: str | None,
    said: list[Answer],
    vocab: Vocabulary,
    suppress: bool,
) -> dict[str, Top]:
    """Per kind the code named most often (ties: the first key), with the people who named it: the survey's
    respondents and the ideas' authors (an erased one's answer or idea counting as one)."""
    mentions: dict[tuple[str, str], list[tuple[str, int]]] = defaultdict(list)
    for a in said:
        for kind, codes in ((FACTOR, a.factors), (OBSTACLE, a.obstacles)):
            for code in codes:
                mentions[(kind, code)].append(a.who)
    for m in await idea_codes(s, since, until):
        if team is None or m.team == team:
            mentions[(m.kind, m.code)].append(m.who)
    out: dict[str, Top] = {}
    for (kind, code), whos in sorted(mentions.items(), key=lambda kv: (kv[0][0], -len(kv[1]), kv[0][1])):
        if kind not in out:
            n = len(set(whos))
            out[kind] = Top(kind, code, word(vocab, kind, code), Cell.of(len(whos), n, suppress))
    return out
