"""Figures from the ideas: how many concern several towns, the funnel per town, the towns' answer times.

The ideas of a period are those submitted in it (a cohort); their stays are read from the idea path
(models/ideas/events.py status_stays) whenever they happened. Medians are computed here (SQLite has no
percentile); docs/evaluation.md lists the days they are the median of. The people behind ideas are their
authors, an idea without a known author (erased, or imported from a workshop) counting as one.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import cast

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.evaluation.common import add_row, idea_people, median_days, set_people, share, within
from models.evaluation.shapes import ALL, SIDE_EXITS, STAGES, UNKNOWN, Funnel, Table, table
from models.ideas import events
from models.ideas.core import MERGED
from models.reports.codebook import Vocabulary
from models.tables import Idea, IdeaEvent, IdeaTown

Authored = tuple[int, int | None]  # (idea id, author id)


async def _ideas(s: AsyncSession, since: datetime | None, until: datetime | None) -> dict[int, tuple[str, int | None]]:
    """The period's ideas: id -> (field, author id)."""
    live = select(Idea.id, Idea.field, Idea.author_id, Idea.created_at).where(Idea.status != MERGED)  # counted once
    rows = await (await s.connection()).execute(live)
    return {i: (fld, author) for i, fld, author, created in rows if within(created, since, until)}


async def _towns(s: AsyncSession) -> dict[int, list[str]]:
    towns: dict[int, list[str]] = defaultdict(list)
    rows = await (await s.connection()).execute(select(IdeaTown.idea_id, IdeaTown.town).order_by(IdeaTown.town))
    for idea_id, town in rows:
        towns[idea_id].append(town)
    return towns


async def ideas_towns(
    s: AsyncSession, since: datetime | None, until: datetime | None, vocab: Vocabulary, suppress: bool
) -> Table:
    """Per field of action and in all: ideas, those concerning two or more towns, their share in percent."""
    t = table("ideas_towns", ("field",), ("ideas", "multi_town", "share_pct"), vocab)
    ideas, towns = await _ideas(s, since, until), await _towns(s)
    fields: dict[str, list[tuple[int, int | None, bool]]] = defaultdict(list)
    for idea_id, (fld, author) in ideas.items():
        entry = (idea_id, author, len(towns.get(idea_id, [])) >= 2)
        fields[fld].append(entry)
        fields[ALL].append(entry)
    for fld in [*sorted(k for k in fields if k != ALL), *([ALL] if fields else [])]:
        rows = fields[fld]
        multi = [(i, a) for i, a, m in rows if m]
        n_all, n_multi = idea_people((i, a) for i, a, _ in rows), idea_people(multi)
        cells = [(len(rows), n_all), (len(multi), n_multi), (share(len(multi), len(rows)), n_multi)]
        add_row(t, (fld,), cells, vocab, suppress)
    set_people(t, idea_people((i, a) for i, (_, a) in ideas.items()), suppress)
    return t


async def _stays(s: AsyncSession, ideas: dict[int, tuple[str, int | None]]) -> list[events.Stay]:
    """The stays of the period's ideas, cut by models/ideas/events.py from plain rows (every status step is read
    and filtered here: an IN list of thousands of ideas and ORM objects would cost more than the rows)."""
    columns = (IdeaEvent.id, IdeaEvent.idea_id, IdeaEvent.kind, IdeaEvent.status, IdeaEvent.at)
    rows = await (await s.connection()).execute(select(*columns).where(IdeaEvent.kind.in_(events.SETS_STATUS)))
    return events.stays(cast("list[IdeaEvent]", [r for r in rows if r.idea_id in ideas]))


def _by_town(ideas: dict[int, tuple[str, int | None]], towns: dict[int, list[str]]) -> dict[str, set[int]]:
    """Town -> the ideas concerning it (an idea concerning two towns counts in both), and ALL -> every idea."""
    out: dict[str, set[int]] = defaultdict(set)
    for idea_id in ideas:
        for town in towns.get(idea_id) or [UNKNOWN]:
            out[town].add(idea_id)
        out[ALL].add(idea_id)
    return out


def _town_order(keys: set[str] | dict[str, set[int]]) -> list[str]:
    return [*sorted(k for k in keys if k != ALL), *([ALL] if ALL in keys else [])]


async def funnel(
    s: AsyncSession, since: datetime | None, until: datetime | None, vocab: Vocabulary, suppress: bool
) -> Funnel:
    ideas, towns = await _ideas(s, since, until), await _towns(s)
    stays = await _stays(s, ideas)
    best: dict[int, int] = defaultdict(int)  # idea -> furthest funnel stage reached (1..4; 0: none)
    had: dict[int, set[str]] = defaultdict(set)
    ended: dict[str, list[tuple[int, float]]] = defaultdict(list)  # status -> (idea, days) of stays that ended
    for stay in stays:
        had[stay.idea_id].add(stay.status)
        if stay.status in STAGES:
            best[stay.idea_id] = max(best[stay.idea_id], STAGES.index(stay.status) + 1)
        if stay.until is not None:
            ended[stay.status].append((stay.idea_id, (stay.until - stay.since).total_seconds() / 86400))
    t = table("idea_funnel", ("town", "stage"), ("ideas", "ended", "median_days"), vocab)
    by_town = _by_town(ideas, towns)
    for town in _town_order(by_town):
        here = by_town[town]
        for rank, stage in enumerate((*STAGES, *SIDE_EXITS), start=1):
            if stage in STAGES:
                reached = [i for i in here if best[i] >= rank]
            else:
                reached = [i for i in here if stage in had[i]]
            if not reached:
                continue
            done = [(i, d) for i, d in ended[stage] if i in here]
            n_reached = idea_people((i, ideas[i][1]) for i in reached)
            n_done = idea_people((i, ideas[i][1]) for i, _ in done)
            cells = [(len(reached), n_reached), (len(done), n_done), (median_days([d for _, d in done]), n_done)]
            add_row(t, (town, stage), cells, vocab, suppress)
    set_people(t, idea_people((i, a) for i, (_, a) in ideas.items() if i in best or i in had), suppress)
    return Funnel(stages=t, town_answers=await _town_answers(s, since, until, vocab, suppress))


async def _town_answers(
    s: AsyncSession, since: datetime | None, until: datetime | None, vocab: Vocabulary, suppress: bool
) -> Table:
    """Per town: ideas forwarded to its administration in the period, answered, median days until the answer."""
    t = table("town_answers", ("town",), ("forwarded", "answered", "median_days"), vocab)
    rows = await (await s.connection()).execute(
        select(IdeaEvent.idea_id, IdeaEvent.kind, IdeaEvent.town, IdeaEvent.at, Idea.author_id)
        .join(Idea, Idea.id == IdeaEvent.idea_id)
        .where(IdeaEvent.kind.in_((events.FORWARDED, events.TOWN_ANSWER)), IdeaEvent.town.is_not(None))
    )
    forwards: list[tuple[int, str, datetime, int | None]] = []
    answers: dict[tuple[int, str], list[datetime]] = defaultdict(list)
    for idea_id, kind, town, at, author in rows:
        if kind == events.FORWARDED:
            forwards.append((idea_id, str(town), at, author))
        else:
            answers[(idea_id, str(town))].append(at)
    cells: dict[str, list[tuple[Authored, float | None]]] = defaultdict(list)
    for idea_id, town, at, author in forwards:
        if not within(at, since, until):
            continue
        later = [a for a in answers[(idea_id, town)] if a >= at]
        took = (min(later) - at).total_seconds() / 86400 if later else None
        cells[town].append(((idea_id, author), took))
        cells[ALL].append(((idea_id, author), took))
    for town in _town_order(set(cells)):
        everything = cells[town]
        answered = [(who, d) for who, d in everything if d is not None]
        n_all, n_answered = idea_people(w for w, _ in everything), idea_people(w for w, _ in answered)
        days = [d for _, d in answered if d is not None]
        values = [(len(everything), n_all), (len(answered), n_answered), (median_days(days), n_answered)]
        add_row(t, (town,), values, vocab, suppress)
    set_people(t, idea_people(w for w, _ in cells.get(ALL, [])), suppress)
    return t
