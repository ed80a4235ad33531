"""How long ideas stay in each status, and how long each town's administration takes to answer.

Both are read from the idea's path (models/ideas/events.py), so they need no column of their own and hold for
ideas imported, answered or routed by any part of the bot. Nothing here touches Telegram. Days are fractional
(a stay of 36 hours is 1.5 days); a stay or wait still open counts until `now`.

- `status_days`: per idea, the days spent in each status (a status visited twice adds up).
- `town_waits`: one wait per forwarding of an idea to a town, from its 'forwarded' step to the first
  'town_answer' step of the same idea and town after it (whatever the answer: taking it on, asking back or
  declining is an answer); a second forwarding while one is open changes nothing; an answer without an open
  forwarding is ignored. `per_town` sums them up (median of the answered ones, count of open ones).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from statistics import median

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.ideas import events
from models.tables import IdeaEvent

DAY = 86400.0


def _days(since: datetime, until: datetime) -> float:
    return max((until - since).total_seconds(), 0.0) / DAY


def days_per_status(stays: Iterable[events.Stay], now: datetime) -> dict[int, dict[str, float]]:
    """Idea id → status → days (from stays of one or more ideas; an open stay counts until `now`)."""
    out: dict[int, dict[str, float]] = {}
    for stay in stays:
        per = out.setdefault(stay.idea_id, {})
        per[stay.status] = per.get(stay.status, 0.0) + _days(stay.since, stay.until or now)
    return out


async def status_days(
    s: AsyncSession, now: datetime, idea_ids: Sequence[int] | None = None
) -> dict[int, dict[str, float]]:
    """Per idea (all ideas for None), the days it spent in each status so far."""
    return days_per_status(await events.status_stays(s, idea_ids), now)


@dataclass(frozen=True)
class TownWait:
    """One forwarding of an idea to a town and its answer (`answered_at` None while the town has not answered)."""

    idea_id: int
    town: str
    forwarded_at: datetime
    answered_at: datetime | None

    def days(self, now: datetime) -> float:
        """Days from the forwarding to the answer (to `now` while still waiting)."""
        return _days(self.forwarded_at, self.answered_at or now)


def pair_waits(steps: Iterable[IdeaEvent]) -> list[TownWait]:
    """Cut 'forwarded' and 'town_answer' steps (any order, other kinds ignored) into waits, oldest first."""
    by_key: dict[tuple[int, str], list[IdeaEvent]] = {}
    for e in steps:
        if e.kind in (events.FORWARDED, events.TOWN_ANSWER) and e.town:
            by_key.setdefault((e.idea_id, e.town), []).append(e)
    out: list[TownWait] = []
    for (idea_id, town), found in by_key.items():
        opened: datetime | None = None
        for e in sorted(found, key=lambda e: (e.at, e.id or 0)):
            if e.kind == events.FORWARDED and opened is None:
                opened = e.at
            elif e.kind == events.TOWN_ANSWER and opened is not None:
                out.append(TownWait(idea_id, town, opened, e.at))
                opened = None
        if opened is not None:
            out.append(TownWait(idea_id, town, opened, None))
    out.sort(key=lambda w: (w.forwarded_at, w.idea_id, w.town))
    return out


async def town_waits(
    s: AsyncSession,
    idea_ids: Sequence[int] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[TownWait]:
    """The waits of the given ideas (all for None) whose forwarding lies in [since, until)."""
    q = select(IdeaEvent).where(IdeaEvent.kind.in_((events.FORWARDED, events.TOWN_ANSWER)))
    if idea_ids is not None:
        q = q.where(IdeaEvent.idea_id.in_(list(idea_ids)))
    waits = pair_waits((await s.execute(q)).scalars())
    return [
        w for w in waits if (since is None or w.forwarded_at >= since) and (until is None or w.forwarded_at < until)
    ]


@dataclass(frozen=True)
class TownFigures:
    """How one town's administration answers: `answered` waits with their median and mean days, `waiting` still
    open and the longest of those (days until `now`)."""

    town: str
    answered: int
    median_days: float | None
    mean_days: float | None
    waiting: int
    longest_waiting_days: float | None


def per_town(waits: Iterable[TownWait], now: datetime) -> dict[str, TownFigures]:
    """Town key → its figures, for the towns that appear in `waits`."""
    done: dict[str, list[float]] = {}
    open_: dict[str, list[float]] = {}
    for w in waits:
        (done if w.answered_at is not None else open_).setdefault(w.town, []).append(w.days(now))
        done.setdefault(w.town, [])
    return {
        town: TownFigures(
            town=town,
            answered=len(days),
            median_days=median(days) if days else None,
            mean_days=sum(days) / len(days) if days else None,
            waiting=len(open_.get(town, [])),
            longest_waiting_days=max(open_[town]) if open_.get(town) else None,
        )
        for town, days in sorted(done.items())
    }
