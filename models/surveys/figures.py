"""The survey figures of one meeting or a whole team, and when they may be shown: plain data that the results
(models/surveys/results.py) compute and the releases (models/surveys/releases.py) keep."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from models.reports.suppression import min_people

TOP = 3  # most named factors and obstacles shown


@dataclass
class Figures:
    """Answers to one meeting or a whole team: how many, the mean usefulness and the most named codes."""

    answers: int = 0
    people: set[tuple[str, int]] = field(default_factory=set)  # who answered (an erased person: their answer)
    rated: int = 0
    usefulness_sum: int = 0
    factors: Counter[str] = field(default_factory=Counter)
    obstacles: Counter[str] = field(default_factory=Counter)
    surveyed: int = 0  # people the survey went to (per meeting, added up): "6 von 11 Befragten"

    def add(
        self, who: tuple[str, int], usefulness: int | None, factors: Iterable[str], obstacles: Iterable[str]
    ) -> None:
        self.answers += 1
        self.people.add(who)
        if usefulness is not None:
            self.rated += 1
            self.usefulness_sum += usefulness
        self.factors.update(set(factors))
        self.obstacles.update(set(obstacles))

    @property
    def shown(self) -> bool:
        """Whether the figures may be shown: at least min_people answers from as many people (two people answering
        three meetings each are still two people)."""
        return self.answers >= min_people() and len(self.people) >= min_people()

    @property
    def mean(self) -> float | None:
        return self.usefulness_sum / self.rated if self.rated else None

    def top(self, kind: str) -> list[tuple[str, int]]:
        counter = self.factors if kind == "factor" else self.obstacles
        return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP]
