"""Released cells over time: a figure that can be compared with its earlier value changes only when at least
min_people people stand behind the change, so that differencing two releases never isolates fewer.

/feedback keeps its figures whole (models/surveys/releases.py); the monthly digest and successive evaluation
reports keep each released cell, in the same table (`feedback_releases`, one row per scope: "digest:2026-11",
"report"), keyed by what the cell is ("t3:attendees", "hours_by_month/2026-03/hours"), with the period it was
released for. For each cell built now (`Memory.decide`):

- hidden now: hidden; the record stays the reference for later releases;
- never released, or the same value and people as released: shown and recorded;
- changed: `movers` are the people behind the change (the digest: how much the people behind the cell changed;
  a report: the people behind the same cell in the time one of the two reports covers and the other not, e.g.
  between their ends). At least min_people:
  the new value is shown and recorded. Fewer, and fewer people than released: hidden (the old and the new value
  together would tell about the few who left). Fewer otherwise: the released value is shown again.

Nothing here touches Telegram.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models.evaluation.shapes import Cell, Figures, Row, Summary, Table, Top
from models.reports.suppression import min_people
from models.tables import FeedbackRelease

HELD = Cell(None, None, True)


@dataclass
class Memory:
    """The cells last released under one scope, and what this release changes of them."""

    scope: str
    cells: dict[str, list[Any]] = field(default_factory=dict)  # key -> [value, people, stamp (the period) or None]
    changed: bool = False

    def released(self, key: str) -> tuple[float | None, int, str | None] | None:
        kept = self.cells.get(key)
        return None if kept is None else (kept[0], int(kept[1]), kept[2] if len(kept) > 2 else None)

    def decide(self, key: str, fresh: Cell, movers: int | None = None, stamp: str | None = None) -> Cell:
        """The cell to show for `key`: `fresh`, the released value again, or hidden (the rules above).
        `movers` None: the change in the people behind the cell."""
        if fresh.suppressed or fresh.n is None:
            return fresh
        kept = self.released(key)
        if kept is None or (kept[0] == fresh.value and kept[1] == fresh.n):
            if kept is None or kept[2] != stamp:
                self.cells[key] = [fresh.value, fresh.n, stamp]
                self.changed = True
            return fresh
        value, people, _ = kept
        behind = abs(fresh.n - people) if movers is None else movers
        if behind >= min_people():
            self.cells[key] = [fresh.value, fresh.n, stamp]
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


# --- successive evaluation reports ---------------------------------------------------------------------------

Added = Callable[[datetime | None, datetime], Awaitable[Figures]]  # the raw figures of a stretch of time


@dataclass(frozen=True)
class Place:
    """Where a cell of a report sits, to read it and to put another in its place."""

    key: str
    get: Callable[[], Cell]
    put: Callable[[Cell], None]


def _table_places(t: Table) -> list[Place]:
    out: list[Place] = []
    for i, r in enumerate(t.rows):
        for j, column in enumerate(t.columns):

            def get(i: int = i, j: int = j) -> Cell:
                return t.rows[i].cells[j]

            def put(cell: Cell, i: int = i, j: int = j) -> None:
                row = t.rows[i]
                t.rows[i] = Row(row.keys, row.labels, tuple(cell if k == j else c for k, c in enumerate(row.cells)))

            out.append(Place(f"{t.key}/{'/'.join(r.keys)}/{column}", get, put))
    return out


def _head_place(head: Summary, name: str) -> Place:
    value = getattr(head, name)
    if isinstance(value, Top):

        def top_get() -> Cell:
            top: Top = getattr(head, name)
            return top.mentions

        def top_put(cell: Cell) -> None:
            top: Top = getattr(head, name)
            setattr(head, name, Top(top.kind, top.code, top.label, cell))

        return Place(f"summary/{name}/{value.code}", top_get, top_put)

    def get() -> Cell:
        cell: Cell = getattr(head, name)
        return cell

    def put(cell: Cell) -> None:
        setattr(head, name, cell)

    return Place(f"summary/{name}", get, put)


def places(fig: Figures) -> list[Place]:
    """Every cell of a report with a key that names what it is (the same in every report of the same start)."""
    head = fig.summary
    named = [f.name for f in fields(head) if isinstance(getattr(head, f.name), Cell | Top)]
    return [*(p for t in fig.tables() for p in _table_places(t)), *(_head_place(head, name) for name in named)]


REPORT = "report"  # the scope of every evaluation report's cells: any two reports can be set side by side


def _stamp(since: datetime | None, until: datetime) -> str:
    return f"{since.astimezone(UTC).isoformat() if since else ''}|{until.astimezone(UTC).isoformat()}"


def _stretches(stamp: str, since: datetime | None, until: datetime) -> list[tuple[datetime | None, datetime]]:
    """The time one report covers and the other not: between the two starts and between the two ends."""
    was_since, was_until = (datetime.fromisoformat(x) if x else None for x in stamp.split("|"))
    assert was_until is not None
    out: list[tuple[datetime | None, datetime]] = []
    if was_since != since:
        starts = sorted(x for x in (was_since, since) if x is not None)
        out.append((None, starts[0]) if len(starts) == 1 else (starts[0], starts[1]))
    if was_until != until:
        out.append((min(was_until, until), max(was_until, until)))
    return out


async def remember_report(
    s: AsyncSession, fig: Figures, until: datetime | None, now: datetime, added: Added
) -> int:
    """Compare a report's cells (primary suppression and folding done, secondary suppression not yet) with the
    same cells of the reports handed out before: a changed cell shows its new value only when at least min_people
    people stand behind the same cell in the time one of the two reports covers and the other not (`added` gives
    the raw figures of such a stretch; with two stretches, the larger number of people counts), or the people
    behind the cell changed by that many (late changes to the same time); else the released value again, or
    (fewer people than released) hidden. Returns the cells not shown with their new value."""
    memory = await recall(s, REPORT)
    end = until or now
    stamp = _stamp(fig.since, end)
    cells = places(fig)
    between: dict[str, dict[str, int]] = {}
    for p in cells:
        kept, fresh = memory.released(p.key), p.get()
        if kept is None or fresh.suppressed or (kept[0] == fresh.value and kept[1] == fresh.n) or not kept[2]:
            continue
        if kept[2] not in between:
            seen: dict[str, int] = {}
            for lo, hi in _stretches(kept[2], fig.since, end):
                for q in places(await added(lo, hi)):
                    seen[q.key] = max(seen.get(q.key, 0), q.get().n or 0)
            between[kept[2]] = seen
    held = 0
    for p in cells:
        kept, fresh = memory.released(p.key), p.get()
        movers = None
        if kept is not None and fresh.n is not None:  # new people in the stretches, or people come and gone
            movers = max(between.get(kept[2] or "", {}).get(p.key, 0), abs(fresh.n - kept[1]))
        shown = memory.decide(p.key, fresh, movers, stamp)
        if shown is not fresh:
            p.put(shown)
            held += 1
    held += _period_summary(memory, fig.summary, fig.since, end)
    await keep(s, memory, now)
    return held


def _period_summary(memory: Memory, head: Summary, since: datetime | None, until: datetime) -> int:
    """The headline numbers are also kept for their exact period, for a later report that shows them as its
    period before (↑/↓): a late change to that period (an erasure, attendance recorded late) shows only with
    min_people people behind it, as in the digest."""
    stamp, held = _stamp(since, until), 0
    for p in (_head_place(head, f.name) for f in fields(head) if isinstance(getattr(head, f.name), Cell | Top)):
        fresh = p.get()
        shown = memory.decide(f"{p.key}@{stamp}", fresh, None, stamp)
        if shown is not fresh:
            p.put(shown)
            held += 1
    return held


async def remember_summary(
    s: AsyncSession, head: Summary, since: datetime | None, until: datetime, now: datetime
) -> int:
    """A report's period before, released beside it: the same numbers as released before for that period."""
    memory = await recall(s, REPORT)
    held = _period_summary(memory, head, since, until)
    await keep(s, memory, now)
    return held
