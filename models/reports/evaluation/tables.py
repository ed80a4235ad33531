"""Reading the figures' tables for the report: totals, pivots and cells as text, suppression kept intact.

A cell behind fewer than 5 people has no value (`Cell.suppressed`); it is shown as "< 5", left out of charts,
and a total over it is marked as a lower bound ("≥ 12") rather than pretending to be exact.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from models.evaluation.figures import ALL, Cell, Row
from models.evaluation.figures import Table as Figure
from models.reports.evaluation.document import Table
from models.reports.suppression import SUPPRESSED

DIGITS = {"mean": 1, "share_pct": 0, "median_days": 0, "hours": 0}  # digits shown after the decimal sign


def number(value: float, lang: str, digits: int = 0) -> str:
    """12345.6 -> "12.346" (de) or "12,346" (en); digits after the decimal sign as asked."""
    text = f"{value:,.{digits}f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".") if lang == "de" else text


def cell_text(cell: Cell, lang: str, column: str = "") -> str:
    if cell.suppressed:
        return SUPPRESSED
    if cell.value is None:
        return "–"
    return number(cell.value, lang, DIGITS.get(column, 0))


def value(cell: Cell) -> float | None:
    return None if cell.suppressed else cell.value


def total_row(figure: Figure) -> Row | None:
    """The figure's own total row (its first key is ALL), where it has one."""
    return next((r for r in figure.rows if r.keys and r.keys[0] == ALL), None)


def cell(figure: Figure, row: Row, column: str) -> Cell:
    return row.cells[figure.columns.index(column)]


def detail_rows(figure: Figure) -> list[Row]:
    """Rows without any ALL key: the breakdown itself."""
    return [r for r in figure.rows if ALL not in r.keys]


class Total:
    """A sum over cells; `partial` when a suppressed cell was skipped (then the sum is a lower bound)."""

    def __init__(self, cells: Iterable[Cell]) -> None:
        self.value, self.partial, self.any = 0.0, False, False
        for c in cells:
            self.any = True
            v = value(c)
            if v is None:
                self.partial = self.partial or c.suppressed
            else:
                self.value += v

    def text(self, lang: str, digits: int = 0) -> str:
        if self.partial and not self.value:
            return SUPPRESSED
        shown = number(self.value, lang, digits)
        return f"≥ {shown}" if self.partial else shown


def column_total(figure: Figure, column: str) -> Total:
    """The figure's total of a column: its total row where it has one, else the sum of the breakdown."""
    row = total_row(figure)
    if row is not None:
        return Total([cell(figure, row, column)])
    return Total(cell(figure, r, column) for r in detail_rows(figure))


def weighted_mean(figure: Figure, mean: str = "mean", weight: str = "answers") -> tuple[float | None, int]:
    """The mean over all rows, each weighted by its answers (suppressed rows left out); and the answers counted."""
    row = total_row(figure)
    rows = [row] if row is not None else detail_rows(figure)
    total = count = 0.0
    for r in rows:
        m, n = value(cell(figure, r, mean)), value(cell(figure, r, weight))
        if m is not None and n:
            total += m * n
            count += n
    return (total / count if count else None), int(count)


def as_table(figure: Figure, lang: str, caption: str = "") -> Table:
    """A figure as it is: its headings, one line per row (total rows included), "< 5" where suppressed."""
    rows = [[*r.labels, *(cell_text(c, lang, col) for c, col in zip(r.cells, figure.columns, strict=True))]
            for r in figure.rows]
    strong = tuple(i for i, r in enumerate(figure.rows) if ALL in r.keys)
    return Table(list(figure.headings), rows, caption or figure.note, figure.title, strong, len(figure.key_columns))


def pivot(
    figure: Figure,
    row_key: int,
    col_key: int,
    column: str,
    lang: str,
    corner: str,
    rows_filter: Callable[[Row], bool] = lambda r: True,
    col_order: Sequence[str] = (),
) -> Table:
    """Rows by one key, columns by another (e.g. month × group), the cells of `column` in between."""
    chosen = [r for r in figure.rows if rows_filter(r)]
    row_keys: dict[str, str] = {}
    col_keys: dict[str, str] = {}
    cells: dict[tuple[str, str], Cell] = {}
    for r in chosen:
        row_keys.setdefault(r.keys[row_key], r.labels[row_key])
        col_keys.setdefault(r.keys[col_key], r.labels[col_key])
        cells[(r.keys[row_key], r.keys[col_key])] = cell(figure, r, column)
    cols = [k for k in col_order if k in col_keys] + [k for k in col_keys if k not in col_order]
    head = [corner, *(col_keys[c] for c in cols)]
    body = [
        [label, *(cell_text(cells[(k, c)], lang, column) if (k, c) in cells else "0" for c in cols)]
        for k, label in row_keys.items()
    ]
    return Table(head, body, figure.note, figure.title)


def sums(figure: Figure, key: int, column: str, lang: str, corner: str, title: str) -> Table:
    """One line per value of a key (e.g. group), the column summed over the other keys (e.g. months)."""
    labels: dict[str, str] = {}
    cells: dict[str, list[Cell]] = {}
    for r in detail_rows(figure):
        labels.setdefault(r.keys[key], r.labels[key])
        cells.setdefault(r.keys[key], []).append(cell(figure, r, column))
    rows = [[labels[k], Total(cs).text(lang)] for k, cs in cells.items()]
    return Table([corner, figure.headings[len(figure.key_columns) + figure.columns.index(column)]], rows,
                 figure.note, title)
