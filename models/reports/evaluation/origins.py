"""Where a released sentence comes from (team, field of action, quarter), only as far as `min_people` allows.

A sentence's origin is named at the finest level at which at least `min_people` people answered the survey
(consenting, in the report's period): team and quarter, else field of action and quarter, else field of action
and year, else field of action alone (the whole period), else nothing. Respondents, not those present, are
counted: only they could have written the sentence, so it is the smaller, stricter group. The quotes carry the
writer's pseudonym, which links a writer's sentences; so the people who fit *all* labels of one writer's
sentences must also be at least `min_people`, else that writer's finest label is coarsened first, step by step
(docs/evaluation.md, "Sentences"). Nothing here touches the database or Telegram.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime

TEAM_QUARTER, FIELD_QUARTER, FIELD_YEAR, FIELD, NOTHING = range(5)
LEVELS = (TEAM_QUARTER, FIELD_QUARTER, FIELD_YEAR, FIELD, NOTHING)  # each coarser than (a superset of) the last


@dataclass(frozen=True)
class Where:
    """One survey answer's place: who, which team (and so field of action), when (local time)."""

    person: Hashable
    team: str
    field: str
    at: datetime


@dataclass(frozen=True)
class Origin:
    """What a quote may say about where it comes from; None = not named."""

    team: str | None = None
    field: str | None = None
    year: int | None = None
    quarter: int | None = None  # 1–4, only with a year


def _quarter(at: datetime) -> int:
    return (at.month - 1) // 3 + 1


def _key(level: int, w: Where) -> tuple[object, ...]:
    if level == TEAM_QUARTER:
        return (level, w.team, w.at.year, _quarter(w.at))
    if level == FIELD_QUARTER:
        return (level, w.field, w.at.year, _quarter(w.at))
    if level == FIELD_YEAR:
        return (level, w.field, w.at.year)
    if level == FIELD:
        return (level, w.field)
    return (level,)


def origin(level: int, w: Where) -> Origin:
    if level == TEAM_QUARTER:
        return Origin(w.team, w.field, w.at.year, _quarter(w.at))
    if level == FIELD_QUARTER:
        return Origin(None, w.field, w.at.year, _quarter(w.at))
    if level == FIELD_YEAR:
        return Origin(None, w.field, w.at.year)
    if level == FIELD:
        return Origin(None, w.field)
    return Origin()


def levels(sentences: Sequence[Where], answers: Sequence[Where], min_people: int) -> list[int]:
    """The level each sentence's origin is named at (same order as `sentences`); `answers` are every survey
    answer of the period that counts (the sentences' own among them)."""
    people: dict[tuple[object, ...], set[Hashable]] = {}
    for w in (*answers, *sentences):
        for level in LEVELS[:-1]:
            people.setdefault(_key(level, w), set()).add(w.person)

    def behind(level: int, w: Where) -> set[Hashable] | None:
        """The people a reader could take for the writer at this level (None: not narrowed at all)."""
        return None if level == NOTHING else people[_key(level, w)]

    chosen = []
    for w in sentences:
        level = next(lv for lv in LEVELS if lv == NOTHING or len(people[_key(lv, w)]) >= min_people)
        chosen.append(level)
    by_writer: dict[Hashable, list[int]] = {}
    for i, w in enumerate(sentences):
        by_writer.setdefault(w.person, []).append(i)
    for mine in by_writer.values():
        while True:
            sets = [s for i in mine if (s := behind(chosen[i], sentences[i])) is not None]
            if not sets or len(set.intersection(*sets)) >= min_people:
                break
            finest = min(mine, key=lambda i: (chosen[i], i))  # the most telling label goes up one step
            chosen[finest] = LEVELS[LEVELS.index(chosen[finest]) + 1]
    return chosen


def origins(sentences: Sequence[Where], answers: Sequence[Where], min_people: int) -> list[Origin]:
    return [origin(level, w) for level, w in zip(levels(sentences, answers, min_people), sentences, strict=True)]
