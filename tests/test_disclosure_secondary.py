"""Secondary suppression (models/evaluation/disclosure.py): over random tables with their row, column and grand
totals, no hidden cell can be worked out from the shown cells and the totals, and every cell behind fewer than
5 people stays hidden. The check here is independent of the code under test: exact fractions, rank by rank."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from models.evaluation.disclosure import Sum, derivable, protect

MIN = 5


def _rank(rows: list[list[Fraction]]) -> int:
    m = [r[:] for r in rows]
    rank, cols = 0, len(m[0]) if m else 0
    for c in range(cols):
        pivot = next((i for i in range(rank, len(m)) if m[i][c] != 0), None)
        if pivot is None:
            continue
        m[rank], m[pivot] = m[pivot], m[rank]
        for i in range(len(m)):
            if i != rank and m[i][c] != 0:
                f = m[i][c] / m[rank][c]
                m[i] = [a - f * b for a, b in zip(m[i], m[rank], strict=True)]
        rank += 1
    return rank


def determined(hidden: list[bool], sums: list[Sum]) -> set[int]:
    """Hidden cells whose value follows from the sums: e_i lies in the row space of the hidden cells' equations."""
    variables = [i for i, h in enumerate(hidden) if h]
    col = {v: j for j, v in enumerate(variables)}
    rows = []
    for s in sums:
        row = [Fraction(0)] * len(variables)
        for i, sign in ((s.total, -1), *((p, 1) for p in s.parts)):
            if hidden[i]:
                row[col[i]] += sign
        if any(row):
            rows.append(row)
    if not rows:
        return set()
    base = _rank(rows)
    out = set()
    for v, j in col.items():
        unit = [Fraction(int(k == j)) for k in range(len(variables))]
        if _rank([*rows, unit]) == base:
            out.add(v)
    return out


def grid(cells: list[list[int]]) -> tuple[list[int], list[Sum]]:
    """A table with a total per row, per column and overall, as one list of values and the sums between them."""
    r, c = len(cells), len(cells[0])
    values = [v for row in cells for v in row]
    row_totals = [len(values) + i for i in range(r)]
    values += [sum(row) for row in cells]
    col_totals = [len(values) + j for j in range(c)]
    values += [sum(cells[i][j] for i in range(r)) for j in range(c)]
    grand = len(values)
    values.append(sum(values[t] for t in row_totals))
    sums = [Sum(row_totals[i], tuple(i * c + j for j in range(c))) for i in range(r)]
    sums += [Sum(col_totals[j], tuple(i * c + j for i in range(r))) for j in range(c)]
    sums += [Sum(grand, tuple(row_totals)), Sum(grand, tuple(col_totals))]
    return values, sums


def primary(values: list[int]) -> list[bool]:
    return [0 < v < MIN for v in values]


counts = st.integers(min_value=0, max_value=30)


@settings(max_examples=150, deadline=None)
@given(st.lists(counts, min_size=1, max_size=12))
def test_a_total_beside_its_parts_never_gives_a_hidden_part_away(parts):
    values = [*parts, sum(parts)]
    sums = [Sum(len(parts), tuple(range(len(parts))))]
    first = primary(values)
    hidden = protect(values, first, sums)
    assert all(h for h, p in zip(hidden, first, strict=True) if p)
    assert determined(hidden, sums) == set()


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 6).flatmap(lambda r: st.lists(st.lists(counts, min_size=r, max_size=r), min_size=1, max_size=6)))
def test_no_hidden_cell_of_a_table_with_its_margins_can_be_worked_out(cells):
    values, sums = grid(cells)
    first = primary(values)
    hidden = protect(values, first, sums)
    assert all(h for h, p in zip(hidden, first, strict=True) if p)
    assert determined(hidden, sums) == set()
    assert derivable(hidden, sums) == set()  # the code's own check agrees


def test_the_drop_off_total_is_never_shown_beside_exactly_one_hidden_reason():
    """8 absences in all: 7 with no reason, 1 'too far'. Printing 8 and 7 gives the 1 away."""
    values = [7, 1, 8]
    sums = [Sum(2, (0, 1))]
    assert determined(primary(values), sums) == {1}  # the leak, as it was
    hidden = protect(values, primary(values), sums)
    assert determined(hidden, sums) == set()
    assert hidden[1] and (hidden[0] or hidden[2])


def test_a_table_without_small_cells_stays_whole():
    values, sums = grid([[5, 7], [9, 12]])
    assert protect(values, primary(values), sums) == [False] * len(values)
