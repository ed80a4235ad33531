"""Secondary suppression: no shown row, column or total lets a hidden cell be worked out by subtraction.

Primary suppression (models/reports/suppression.py) hides each cell behind fewer than `min_people` people. That
is not enough where a total is shown next to its parts: with one part hidden, total − the others gives it
away. As a statistical office does for frequency tables (Destatis/Eurostat: "secondary suppression"), more
cells are hidden until no hidden cell is determined by the shown ones and the sums that tie them together:

1. In every sum (a total and its parts) with exactly one hidden cell, the smallest shown part (one that is not
   0, where there is one; else the total) is hidden too, so that no sum has a lone hidden cell.
2. Then the whole system is checked as linear algebra: a hidden cell is determined when it is the same in
   every solution of the sums (its coordinate vanishes in the null space of the hidden cells' equations). For
   each such cell, another cell of one of its sums is hidden, and the check runs again.

Only subtraction is considered (a linear attack); bounds from non-negativity are not, as in the offices'
usual practice for counts. Nothing here knows about tables: `Tally` (models/evaluation/protect.py) maps the
figures' cells onto indices.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

EPS = 1e-9


@dataclass(frozen=True)
class Sum:
    """value[total] = Σ value[parts] (a total row, a column of a pivot, a headline and its months …)."""

    total: int
    parts: tuple[int, ...]


def derivable(hidden: Sequence[bool], sums: Sequence[Sum]) -> set[int]:
    """The hidden cells whose value follows from the shown cells and the sums (by subtraction of any kind)."""
    variables = [i for i, h in enumerate(hidden) if h]
    if not variables:
        return set()
    column = {v: j for j, v in enumerate(variables)}
    rows: list[list[float]] = []
    for s in sums:
        row = [0.0] * len(variables)
        for i, sign in ((s.total, -1.0), *((p, 1.0) for p in s.parts)):
            if hidden[i]:
                row[column[i]] += sign
        if any(row):
            rows.append(row)
    if not rows:
        return set()
    import numpy as np

    a = np.array(rows)
    _u, sv, vt = np.linalg.svd(a)
    rank = int((sv > EPS * max(1.0, float(sv[0]))).sum()) if sv.size else 0
    null = vt[rank:]  # the directions a hidden cell may move without changing any shown value
    if null.shape[0] == 0:
        return set(variables)
    free = np.abs(null).max(axis=0) > 1e-7
    return {v for v, j in column.items() if not free[j]}


def protect(values: Sequence[float | None], hidden: Sequence[bool], sums: Sequence[Sum]) -> list[bool]:
    """Which cells to hide: the primary ones and as few more as the two rules above need (the smallest)."""
    out = list(hidden)
    of: dict[int, list[Sum]] = {}
    for s in sums:
        for i in (s.total, *s.parts):
            of.setdefault(i, []).append(s)

    def cost(i: int) -> tuple[int, float, int]:
        v = values[i] or 0.0
        return (0 if v else 1, v, i)  # a cell of 0 protects nothing: it is known to be the smallest possible

    def widen(s: Sum) -> bool:
        shown = [p for p in s.parts if not out[p]]
        if shown:
            out[min(shown, key=cost)] = True
            return True
        if not out[s.total]:
            out[s.total] = True
            return True
        return False

    while True:
        changed = True
        while changed:
            changed = False
            for s in sums:
                if sum(out[i] for i in (s.total, *s.parts)) == 1:
                    changed = widen(s) or changed
        loose = sorted(derivable(out, sums))
        if not loose:
            return out
        if not any(widen(s) for s in of.get(loose[0], [])):
            return out  # every cell of its sums is hidden already (cannot happen with a determined cell)
