"""Released cells over time: a figure that can be compared with its earlier value changes only when at least
min_people people stand behind the change, so that differencing two releases never isolates fewer.

/feedback keeps its figures whole (models/surveys/releases.py); the monthly digest and successive evaluation
reports keep each released cell, in the same table (`feedback_releases`, one row per scope: "digest:2026-11",
"report:start", "report:2026-01-01T00:00"), keyed by what the cell is ("t3:attendees",
"hours_by_month/2026-03/hours"). For each cell built now (`Memory.decide`):

- hidden now: hidden; the record stays the reference for later releases;
- never released, or the same value and people as released: shown and recorded;
- changed: `movers` are the people behind the change (the digest: how much the people behind the cell changed;
  a report: the people behind the same cell over the time between the two reports' ends). At least min_people:
  the new value is shown and recorded. Fewer, and fewer people than released: hidden (the old and the new value
  together would tell about the few who left). Fewer otherwise: the released value is shown again.

Nothing here touches Telegram.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models.evaluation.shapes import Cell
from models.reports.suppression import min_people
from models.tables import FeedbackRelease

HELD = Cell(None, None, True)


@dataclass
class Memory:
    """The cells last released under one scope, and what this release changes of them."""

    scope: str
    cells: dict[str, list[Any]] = field(default_factory=dict)  # key -> [value, people, until (ISO) or None]
    changed: bool = False

    def released(self, key: str) -> tuple[float | None, int, str | None] | None:
        kept = self.cells.get(key)
        return None if kept is None else (kept[0], int(kept[1]), kept[2] if len(kept) > 2 else None)

    def decide(self, key: str, fresh: Cell, movers: int | None = None, until: str | None = None) -> Cell:
        """The cell to show for `key`: `fresh`, the released value again, or hidden (the rules above).
        `movers` None: the change in the people behind the cell."""
        if fresh.suppressed or fresh.n is None:
            return fresh
        kept = self.released(key)
        if kept is None or (kept[0] == fresh.value and kept[1] == fresh.n):
            if kept is None or kept[2] != until:
                self.cells[key] = [fresh.value, fresh.n, until]
                self.changed = True
            return fresh
        value, people, _ = kept
        behind = abs(fresh.n - people) if movers is None else movers
        if behind >= min_people():
            self.cells[key] = [fresh.value, fresh.n, until]
            self.changed = True
            return fresh
        if fresh.n < people:
            return HELD
        return Cell(value, people)


async def recall(s: AsyncSession, scope: str) -> Memory:
    """What was released under `scope` so far (nothing: an empty memory)."""
    row = await s.get(FeedbackRelease, scope)
    return Memory(scope, {str(k): list(v) for k, v in (row.figures if row else {}).items()})


async def keep(s: AsyncSession, memory: Memory, now: datetime) -> None:
    """Store what this release showed (only when it changed something)."""
    if not memory.changed:
        return
    row = await s.get(FeedbackRelease, memory.scope)
    if row is None:
        s.add(FeedbackRelease(scope=memory.scope, answers=len(memory.cells), figures=dict(memory.cells),
                              released_at=now))
    else:
        row.answers, row.figures, row.released_at = len(memory.cells), dict(memory.cells), now
    await s.flush()
    memory.changed = False
