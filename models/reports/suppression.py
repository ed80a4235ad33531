"""The one rule for *released* figures: a cell behind fewer than `min_people` people is not shown.

Released figures are those that leave the project manager's hands: the evaluation report, the monthly digest,
/feedback, the analyst views' results and the pseudonymised export. The manager's *operational* figures (/stats,
/report's charts about members, teams, leads, meetings, RSVPs and announcements) show exact counts: she appointed
the leads and sees the names anyway (docs/evaluation.md, "Who sees what").

The threshold is `[evaluation] min_people` (default 5, at least 3). It is set once per request with
`threshold(config.evaluation.min_people)` around the code that builds released figures (a context variable, so
concurrent requests of bots with different configs cannot mix). Nothing here touches Telegram.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

MIN_PEOPLE = 5  # the default threshold: cells behind fewer people are hidden
LOWEST = 3  # the config may not go below this
MARKER = "•"  # what a hidden cell shows instead of its value: a sign, never a number
SUPPRESSED = MARKER  # the name the figures use

_min_people: ContextVar[int] = ContextVar("min_people", default=MIN_PEOPLE)


def min_people() -> int:
    """The threshold in force for the figures being built now."""
    return _min_people.get()


@contextmanager
def threshold(people: int) -> Iterator[int]:
    """Build released figures under `[evaluation] min_people` (restored afterwards)."""
    if people < LOWEST:
        raise ValueError(f"min_people must be at least {LOWEST}")
    token = _min_people.set(people)
    try:
        yield people
    finally:
        _min_people.reset(token)


def too_few(people: int | None) -> bool:
    """A cell behind 1 to min_people − 1 people would point at individuals; 0 reveals no one and is shown as 0."""
    return people is not None and 0 < people < min_people()


def shown(people: int | None, text: str) -> str:
    """`text` for the cell, or the marker when the people behind it are too few."""
    return MARKER if too_few(people) else text
