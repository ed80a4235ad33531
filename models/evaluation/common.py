"""What every figure needs: UTC months, the period filter, rounding as SQL rounds, counting the people behind."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from statistics import median

from models.evaluation.shapes import Cell, Row, Table, word
from models.reports.codebook import Vocabulary


def month(when: datetime) -> str:
    """The UTC calendar month, as the views compute it ('2026-11')."""
    return when.astimezone(UTC).strftime("%Y-%m")


def within(when: datetime, since: datetime | None, until: datetime | None) -> bool:
    """`since` inclusive, `until` exclusive; None leaves that side open."""
    return (since is None or when >= since) and (until is None or when < until)


def half_up(value: float, digits: int) -> float:
    """Round like SQL's ROUND (half away from zero), not like Python's round (half to even)."""
    return float(Decimal(repr(value)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))


def share(part: int, whole: int) -> float | None:
    """Percent with one decimal; None for nothing out of nothing."""
    return half_up(100.0 * part / whole, 1) if whole else None


def median_days(days: list[float]) -> float | None:
    return half_up(median(days), 1) if days else None


def idea_people(ideas: Iterable[tuple[int, int | None]]) -> int:
    """People behind ideas given as (idea id, author id): distinct authors, plus each idea whose author is not
    known (erased, or imported from a workshop) as one."""
    authors: set[int] = set()
    authorless: set[int] = set()
    for idea_id, author in ideas:
        if author is None:
            authorless.add(idea_id)
        else:
            authors.add(author)
    return len(authors) + len(authorless)


def add_row(
    t: Table,
    keys: tuple[str, ...],
    cells: Iterable[tuple[float | None, int]],
    vocab: Vocabulary,
    suppress: bool,
    categories: tuple[str, ...] | None = None,
) -> None:
    """Append a row, its codes worded by category (the key column's name unless `categories` says otherwise)."""
    cats = categories or tuple(CATEGORY.get(c, c) for c in t.key_columns)
    labels = tuple(k if c == "month" else word(vocab, c, k) for c, k in zip(cats, keys, strict=True))
    t.rows.append(Row(keys, labels, tuple(Cell.of(v, n, suppress) for v, n in cells)))


def set_people(t: Table, people: int, suppress: bool) -> None:
    t.people = Cell.of(people, people, suppress)


# the vocabulary category of each key column
CATEGORY = {"home_town": "town", "meeting_town": "town", "stage": "idea_status"}
