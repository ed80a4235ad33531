"""Reading the figures' tables for the report: totals, pivots and cells as text, suppression kept intact.

A hidden cell (`Cell.suppressed`: behind fewer than min_people people, or hidden so that subtraction cannot
reveal another) has no value: it is shown as the marker "•" (never followed by a unit), left out of charts, and
a total over it is hidden too. Numbers are rounded half up, in decimal (docs/evaluation.md, "Rounding").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal

from models.evaluation.figures import ALL, Cell, Row
from models.evaluation.figures import Table as Figure
from models.reports.evaluation.document import Table
from models.reports.suppression import SUPPRESSED

DIGITS = {"mean": 1, "share_pct": 0, "median_days": 0, "hours": 1}  # digits shown after the decimal sign


def rounded(value: float, digits: int) -> Decimal:
    """The one rounding rule of every released number: half up, in decimal (18.45 -> 18.5, 2.5 -> 3), applied
    to the figure's value as its documented query gives it."""
    return Decimal(repr(value)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def number(value: float, lang: str, digits: int = 0) -> str:
    """12345.6 -> "12.346" (de) or "12,346" (en); digits after the decimal sign as asked, rounded half up."""
    text = f"{rounded(value, digits):,.{digits}f}"
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
    """One line per value of a key (e.g. group) over the whole period: the figure's own period rows (first key
    ALL), protected like every cell; a "•" where hidden."""
    rows = [[r.labels[key], cell_text(cell(figure, r, column), lang, column)] for r in figure.rows if r.keys[0] == ALL]
    head = [corner, figure.headings[len(figure.key_columns) + figure.columns.index(column)]]
    return Table(head, rows, figure.note, title)


def has_hidden(figure: Figure, rows: Iterable[Row] | None = None) -> bool:
    return any(c.suppressed for r in (figure.rows if rows is None else rows) for c in r.cells)
