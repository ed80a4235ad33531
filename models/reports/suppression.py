"""The one rule for figures shown to others: a breakdown cell behind fewer than 5 people is not shown.

Used by /stats, the evaluation figures (models/evaluation) and everything else meant for others, so the
threshold and the placeholder exist once. Nothing here touches Telegram.
"""

from __future__ import annotations

MIN_PEOPLE = 5  # cells behind fewer people are suppressed
SUPPRESSED = "< 5"  # what is shown instead


def too_few(people: int | None) -> bool:
    """A cell behind 1 to 4 people would point at individuals; 0 reveals no one and is shown as 0."""
    return people is not None and 0 < people < MIN_PEOPLE


def shown(people: int | None, text: str) -> str:
    """`text` for the cell, or "< 5" when the people behind it are too few."""
    return SUPPRESSED if too_few(people) else text
