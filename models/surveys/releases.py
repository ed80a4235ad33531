"""/feedback over time: a released figure changes only when at least min_people new answers stand behind it.

A lead who saw "4,2 (n = 6)" and, after a meeting only one person answered, "3,9 (n = 7)" could work out that
person's rating (7 × 3,9 − 6 × 4,2). So what /feedback shows of a team or a meeting is kept (`FeedbackRelease`)
and shown again until the answers behind it changed by at least min_people: then the new figures are released
and kept. Fewer answers than released (consent withdrawn, a person erased) by fewer than min_people: the figure
is held back rather than shown, since either the old or the new one would tell about the few who left.
Nothing here touches Telegram.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models.reports.suppression import min_people
from models.surveys.figures import Figures
from models.tables import FeedbackRelease

HELD = "held"  # what `settle` returns instead of figures when a small drop holds the figure back


def _snapshot(f: Figures) -> dict[str, Any]:
    return {
        "answers": f.answers,
        "people": len(f.people),
        "rated": f.rated,
        "usefulness_sum": f.usefulness_sum,
        "factors": dict(f.factors),
        "obstacles": dict(f.obstacles),
        "surveyed": f.surveyed,
    }


def _restore(data: dict[str, Any]) -> Figures:
    return Figures(
        answers=int(data["answers"]),
        people={("released", i) for i in range(int(data["people"]))},
        rated=int(data["rated"]),
        usefulness_sum=int(data["usefulness_sum"]),
        factors=Counter({str(k): int(v) for k, v in data["factors"].items()}),
        obstacles=Counter({str(k): int(v) for k, v in data["obstacles"].items()}),
        surveyed=int(data.get("surveyed", 0)),
    )


async def settle(s: AsyncSession, scope: str, fresh: Figures, now: datetime) -> Figures | str:
    """The figures to show for `scope` ("team:3", "meeting:17"): the kept release, or `fresh` (then kept), or
    HELD. Only figures that may be shown at all (Figures.shown) are released."""
    kept = await s.get(FeedbackRelease, scope)
    if kept is None:
        if fresh.shown:
            s.add(FeedbackRelease(scope=scope, answers=fresh.answers, figures=_snapshot(fresh), released_at=now))
        return fresh
    change = fresh.answers - kept.answers
    if abs(change) >= min_people() or (change == 0 and _snapshot(fresh) == kept.figures):
        if fresh.shown and change:
            kept.answers, kept.figures, kept.released_at = fresh.answers, _snapshot(fresh), now
        return fresh
    if change < 0:
        return HELD
    return _restore(kept.figures)
