"""The shapes of the evaluation figures: cells with the people behind them, rows, tables and the report's sections.

Plain data, nothing computed: models/evaluation/figures.py is the public entry; see its docstring for the rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime

from models.reports.codebook import Vocabulary
from models.reports.suppression import MIN_PEOPLE, SUPPRESSED, too_few

# codes of figure rows that are not in the config (words in core/locales/*/evaluation.toml, category "figure")
ALL = "all"  # the total row
ONLINE = "online"  # meeting town of online meetings
GUESTS = "guest"  # group and town of guests without Telegram
UNKNOWN = "unknown"  # town or group not given
NO_REASON = "none"  # declined without a reason
NO_SHOW = "no_show"  # did not decline, and was not there
STAGES = ("submitted", "in_review", "accepted", "implemented")  # the idea funnel, in order
SIDE_EXITS = ("rejected", "forwarded")  # statuses off the funnel, shown after it
SURVEY, IDEA = "survey", "idea"  # where a factor or obstacle was named


@dataclass(frozen=True)
class Cell:
    """One number and the number of people behind it; both None when suppressed (fewer than 5 people)."""

    value: float | None
    n: int | None
    suppressed: bool = False

    @staticmethod
    def of(value: float | None, n: int, suppress: bool = True) -> Cell:
        if suppress and too_few(n):
            return Cell(None, None, True)
        return Cell(value, n)

    def text(self, digits: int = 0, decimal: str = ",") -> str:
        """The value as shown in tables: "< 5" when suppressed, "–" when there is none (e.g. a mean of nothing)."""
        if self.suppressed:
            return SUPPRESSED
        if self.value is None:
            return "–"
        return f"{self.value:.{digits}f}".replace(".", decimal)


@dataclass(frozen=True)
class Row:
    """A row of a figure: its codes (`keys`, e.g. ("2026-11", "saalfeld")), their words, and its cells."""

    keys: tuple[str, ...]
    labels: tuple[str, ...]
    cells: tuple[Cell, ...]


@dataclass
class Table:
    """One figure. `key` names it in docs/evaluation.md and in the texts (title `evaluation.figure_<key>`);
    `columns` are the codes of the cells, `headings` the words for key columns then cell columns."""

    key: str
    title: str
    key_columns: tuple[str, ...]
    columns: tuple[str, ...]
    headings: tuple[str, ...]
    rows: list[Row] = field(default_factory=list)
    people: Cell = field(default_factory=lambda: Cell(0, 0))  # distinct people behind the whole figure
    note: str = ""  # e.g. that members who left a team are not recorded

    def column(self, name: str) -> list[Cell]:
        """The cells of one column, row by row (for charts)."""
        i = self.columns.index(name)
        return [r.cells[i] for r in self.rows]


@dataclass
class CrossTown:
    ideas: Table  # per field of action + all: ideas, ideas concerning 2+ towns, share %
    meetings: Table  # per team + all: meetings with members present, with present members from 2+ towns, share %
    team_mix: Table  # team × month × home town × group: members (as of that month's end, months with joins)
    travel: Table  # home town × meeting town: attendances, people


@dataclass
class Engagement:
    by_month: Table  # month: hours, members present, guests
    by_group: Table  # month × group (guests as group "guest"): hours
    by_town: Table  # month × home town (guests as town "guest"): hours


@dataclass
class StayingPower:
    months: Table  # month: active, first_time, returners (came before), not_again (not present later, so far)
    dropoff: Table  # reason: people absent after their last attendance, absences


@dataclass
class Funnel:
    stages: Table  # town (+ all) × stage: ideas that reached it, stays ended, median days in it
    town_answers: Table  # town: forwarded, answered, median days until a town's administration answered


@dataclass
class SurveyFigures:
    usefulness_by_month: Table  # month: mean usefulness (1–5), answers
    usefulness_by_team: Table  # team: mean, answers
    usefulness_by_field: Table  # field of action: mean, answers
    codes_by_month: Table  # source (survey/idea) × kind (factor/obstacle) × code × month: people (ideas)
    codes_by_team: Table  # source × kind × code × team
    codes_by_field: Table  # source × kind × code × field of action
    codes_total: Table  # source × kind × code over the whole period (counted from the mentions)
    response: Table  # team × period (month, quarter, all; all teams): surveys sent, answered, response rate %
    away_reasons: Table  # obstacle (+ all): people naming it as what kept them away (models/surveys/away.py)


@dataclass
class Figures:
    since: datetime | None
    until: datetime | None
    summary: Summary
    cross_town: CrossTown
    engagement: Engagement
    staying: StayingPower
    funnel: Funnel
    survey: SurveyFigures
    min_people: int = MIN_PEOPLE
    hidden_more: int = 0  # cells hidden by secondary suppression (models/evaluation/protect.py)
    kept: int = 0  # cells showing an earlier report's value, or held back (models/evaluation/releases.py)

    def tables(self) -> list[Table]:
        """Every figure, in the order of the report and of docs/evaluation.md."""
        sections = (self.cross_town, self.engagement, self.staying, self.funnel, self.survey)
        return [getattr(x, f.name) for x in sections for f in fields(x)]


def table(key: str, key_columns: tuple[str, ...], columns: tuple[str, ...], vocab: Vocabulary, note: str = "") -> Table:
    """An empty figure with its title and headings in the vocabulary's language (the codes where none is given)."""
    headings = tuple(vocab.titles.get(f"column_{c}", c) for c in (*key_columns, *columns))
    notes = vocab.titles.get(f"note_{note}", note) if note else ""
    return Table(key, vocab.titles.get(f"figure_{key}", key), key_columns, columns, headings, note=notes)


def word(vocab: Vocabulary, category: str, key: str) -> str:
    """The word for a row code: from its category (town, group, factor …), else from the figures' own codes."""
    if any(k == key for k, _ in vocab.codes.get(category, [])):
        return vocab.label(category, key)
    return vocab.label("figure", key)


@dataclass(frozen=True)
class Top:
    """The most named factor or obstacle (survey answers and ideas together): its code, word and mentions."""

    kind: str
    code: str
    label: str
    mentions: Cell


@dataclass
class Summary:
    since: datetime | None
    until: datetime | None
    team: str | None  # a team's slug, or None for the whole project
    meetings: Cell  # meetings held with attendance recorded (people: those present)
    attendances: Cell  # presences of members (people: those present)
    active: Cell  # members present at least once
    guests: Cell  # guests without Telegram
    hours: Cell  # hours of civic engagement, guests included (people: present members + guests)
    ideas_new: Cell  # ideas submitted (people: authors)
    ideas_implemented: Cell  # ideas that became 'implemented' in the period (people: authors)
    answers: Cell  # survey answers (people: who answered)
    usefulness: Cell  # mean usefulness 1–5, two decimals
    top_factor: Top | None
    top_obstacle: Top | None
