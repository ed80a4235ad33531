"""Secondary suppression applied to the evaluation figures: which totals tie which cells together.

`secure(fig)` runs once over all figures of a report (models/evaluation/figures.py all_figures), after primary
suppression. The sums registered here are every place where the report shows a total next to its parts:

- a figure's total row (ideas per field of action + all, meetings per team, drop-off reasons, towns' answers);
- the headline hours and the hours per month; each month's hours and its groups (home towns), each group's
  period total and its months, and the headline hours and the groups' period totals;
- per factor/obstacle, survey + ideas = both together (the summary's most named code is that cell), and each
  source's total and its months, teams and fields of action;
- a headline number and the same number in its section (new ideas) are kept the same cell: hidden together;
- across tables (`_across`): each month's active members = first time + returning, and the same month's members
  present in the hours table are the same cell; the rated answers per month, per team and per field of action
  are three splits of one total (not printed, but any complete split gives it), which is the headline's survey
  answers where every answer rated; the headline's meetings are the meetings table's total; the funnel's ideas
  of all towns that were submitted are the ideas table's total. Where two of these are different quantities
  on some data (a meeting with guests only, an answer without a rating), the extra equation only hides more.
- the survey's response: each team's total and its months (quarters), all teams and the teams' totals; the
  reasons for staying away and everyone who answered (as the drop-off reasons: conservatively, a sum).

After the sums, a value derived from a hidden cell is hidden with it (a share from its count, a median of days
from the stays or answers it is the median of, the people column of `travel` from its attendances).
"""

from __future__ import annotations

import copy
import dataclasses
from collections import defaultdict
from collections.abc import Callable, Iterable

from models.evaluation.disclosure import Sum, protect
from models.evaluation.response import is_month
from models.evaluation.shapes import ALL, IDEA, STAGES, SURVEY, Cell, Figures, Row, Summary, Table, Top

DERIVED = {
    "share_pct": ("multi_town",),
    "median_days": ("ended", "answered"),
    "people": ("attendances",),
    "rate_pct": ("answered", "surveyed"),
}
HIDDEN = Cell(None, None, True)


class Tally:
    """The cells of a report as one list of indices, with the sums between them."""

    def __init__(self) -> None:
        self.values: list[float | None] = []
        self.hidden: list[bool] = []
        self.setters: list[Callable[[], None]] = []
        self.sums: list[Sum] = []
        self._index: dict[tuple[int, int, int], int] = {}

    def _add(self, cell: Cell, hide: Callable[[], None]) -> int:
        self.values.append(cell.value)
        self.hidden.append(cell.suppressed)
        self.setters.append(hide)
        return len(self.values) - 1

    def cell(self, t: Table, row: int, column: str) -> int:
        col = t.columns.index(column)
        key = (id(t), row, col)
        if key not in self._index:
            self._index[key] = self._add(t.rows[row].cells[col], lambda: _hide(t, row, col))
        return self._index[key]

    def free(self, cell: Cell, hide: Callable[[], None]) -> int:
        return self._add(cell, hide)

    def sum(self, total: int, parts: Iterable[int]) -> None:
        parts = tuple(parts)
        if parts:
            self.sums.append(Sum(total, parts))

    def apply(self) -> int:
        """Hide what the rules need; the number of cells hidden on top of the primary ones."""
        out = protect(self.values, self.hidden, self.sums)
        more = 0
        for i, (before, after) in enumerate(zip(self.hidden, out, strict=True)):
            if after and not before:
                self.setters[i]()
                more += 1
        return more


def _hide(t: Table, row: int, col: int) -> None:
    r = t.rows[row]
    t.rows[row] = Row(r.keys, r.labels, tuple(HIDDEN if i == col else c for i, c in enumerate(r.cells)))


def _index(t: Table) -> dict[tuple[str, ...], int]:
    return {r.keys: i for i, r in enumerate(t.rows)}


def _total_rows(tally: Tally, t: Table, columns: tuple[str, ...]) -> None:
    total = next((i for i, r in enumerate(t.rows) if r.keys[0] == ALL), None)
    if total is None:
        return
    parts = [i for i, r in enumerate(t.rows) if r.keys[0] != ALL]
    for c in columns:
        tally.sum(tally.cell(t, total, c), (tally.cell(t, i, c) for i in parts))


def _hours(tally: Tally, fig: Figures) -> None:
    by_month, head = fig.engagement.by_month, fig.summary
    months = {r.keys[0]: tally.cell(by_month, i, "hours") for i, r in enumerate(by_month.rows)}
    headline = tally.free(head.hours, lambda: setattr(head, "hours", HIDDEN))
    tally.sum(headline, months.values())
    for t in (fig.engagement.by_group, fig.engagement.by_town):
        per_month: dict[str, list[int]] = defaultdict(list)
        per_group: dict[str, list[int]] = defaultdict(list)
        totals: dict[str, int] = {}
        for i, r in enumerate(t.rows):
            at, group = r.keys
            if at == ALL:
                totals[group] = tally.cell(t, i, "hours")
            else:
                per_month[at].append(tally.cell(t, i, "hours"))
                per_group[group].append(tally.cell(t, i, "hours"))
        for at, cells in per_month.items():
            if at in months:
                tally.sum(months[at], cells)
        for group, cells in per_group.items():
            if group in totals:
                tally.sum(totals[group], cells)
        tally.sum(headline, totals.values())
    guests = [tally.cell(by_month, i, "guests") for i in range(len(by_month.rows))]
    tally.sum(tally.free(head.guests, lambda: setattr(head, "guests", HIDDEN)), guests)


def _codes(tally: Tally, fig: Figures) -> None:
    total = fig.survey.codes_total
    at = _index(total)
    for (source, kind, code), i in list(at.items()):
        if source == ALL:
            parts = [at[(s, kind, code)] for s in (SURVEY, IDEA) if (s, kind, code) in at]
            tally.sum(tally.cell(total, i, "mentions"), (tally.cell(total, p, "mentions") for p in parts))
    for t in (fig.survey.codes_by_month, fig.survey.codes_by_team, fig.survey.codes_by_field):
        groups: dict[tuple[str, str, str], list[int]] = defaultdict(list)
        for i, r in enumerate(t.rows):
            groups[(r.keys[0], r.keys[1], r.keys[2])].append(tally.cell(t, i, "mentions"))
        for key, cells in groups.items():
            if key in at:
                tally.sum(tally.cell(total, at[key], "mentions"), cells)
    head = fig.summary
    for name in ("top_factor", "top_obstacle"):
        top: Top | None = getattr(head, name)
        if top is not None and (ALL, top.kind, top.code) in at:
            i = tally.cell(total, at[(ALL, top.kind, top.code)], "mentions")
            hide = _top_hider(head, name, top)
            tally.sum(i, [tally.free(top.mentions, hide)])  # the same cell: hidden together


def _top_hider(head: Summary, name: str, top: Top) -> Callable[[], None]:
    return lambda: setattr(head, name, Top(top.kind, top.code, top.label, HIDDEN))


def _same(tally: Tally, fig: Figures) -> None:
    ideas, head = fig.cross_town.ideas, fig.summary
    total = next((i for i, r in enumerate(ideas.rows) if r.keys[0] == ALL), None)
    if total is not None:
        new = tally.free(head.ideas_new, lambda: setattr(head, "ideas_new", HIDDEN))
        tally.sum(tally.cell(ideas, total, "ideas"), [new])


def _unprinted_total(tally: Tally) -> int:
    """A total that no table prints but that any complete split gives away (the rated answers of the period):
    counted as known, so that no split with hidden cells may be completed by another."""
    return tally.free(Cell(None, None), lambda: None)


def _column_sum(tally: Tally, total: int, t: Table, column: str) -> None:
    tally.sum(total, (tally.cell(t, i, column) for i, r in enumerate(t.rows) if r.keys[0] != ALL))


def _across(tally: Tally, fig: Figures) -> None:
    months, by_month, head = fig.staying.months, fig.engagement.by_month, fig.summary
    members = {r.keys[0]: i for i, r in enumerate(by_month.rows)}
    for i, r in enumerate(months.rows):
        active = tally.cell(months, i, "active")
        tally.sum(active, [tally.cell(months, i, "first_time"), tally.cell(months, i, "returners")])
        if r.keys[0] in members:
            tally.sum(active, [tally.cell(by_month, members[r.keys[0]], "members")])  # the same cell
    s = fig.survey
    rated = _unprinted_total(tally)
    for t in (s.usefulness_by_month, s.usefulness_by_team, s.usefulness_by_field):
        _column_sum(tally, rated, t, "answers")
    tally.sum(tally.free(head.answers, lambda: setattr(head, "answers", HIDDEN)), [rated])
    meetings = fig.cross_town.meetings
    total = next((i for i, r in enumerate(meetings.rows) if r.keys[0] == ALL), None)
    if total is not None:
        held = tally.free(head.meetings, lambda: setattr(head, "meetings", HIDDEN))
        tally.sum(tally.cell(meetings, total, "meetings"), [held])
    ideas, stages = fig.cross_town.ideas, fig.funnel.stages
    every = next((i for i, r in enumerate(ideas.rows) if r.keys[0] == ALL), None)
    submitted = next((i for i, r in enumerate(stages.rows) if r.keys == (ALL, STAGES[0])), None)
    if every is not None and submitted is not None:
        tally.sum(tally.cell(ideas, every, "ideas"), [tally.cell(stages, submitted, "ideas")])


def _response(tally: Tally, t: Table) -> None:
    at = _index(t)
    for column in ("surveyed", "answered"):
        totals = []
        for (team, period), i in at.items():
            if team == ALL or period != ALL:
                continue
            total = tally.cell(t, i, column)
            totals.append(total)
            for months in (True, False):
                parts = [j for (tm, p), j in at.items() if tm == team and p != ALL and is_month(p) == months]
                tally.sum(total, (tally.cell(t, j, column) for j in parts))
        if (ALL, ALL) in at:
            tally.sum(tally.cell(t, at[(ALL, ALL)], column), totals)


def _derived(t: Table) -> None:
    for i, r in enumerate(t.rows):
        for derived, sources in DERIVED.items():
            if derived not in t.columns:
                continue
            if any(c in t.columns and r.cells[t.columns.index(c)].suppressed for c in sources):
                _hide(t, i, t.columns.index(derived))


def _hide_small(c: Cell) -> Cell:
    return Cell.of(c.value, c.n) if c.n is not None and not c.suppressed else c


def primary(raw: Figures) -> Figures:
    """A copy of unsuppressed figures with every cell behind too few people hidden (the primary rule)."""
    fig = copy.deepcopy(raw)
    for t in fig.tables():
        t.rows = [Row(r.keys, r.labels, tuple(_hide_small(c) for c in r.cells)) for r in t.rows]
        t.people = _hide_small(t.people)
    head = fig.summary
    for f in dataclasses.fields(head):
        value = getattr(head, f.name)
        if isinstance(value, Cell):
            setattr(head, f.name, _hide_small(value))
        elif isinstance(value, Top):
            setattr(head, f.name, Top(value.kind, value.code, value.label, _hide_small(value.mentions)))
    return fig


def secure(fig: Figures) -> int:
    """Hide, on top of the primary suppression, what subtraction would reveal; the number of cells hidden."""
    tally = Tally()
    _total_rows(tally, fig.cross_town.ideas, ("ideas", "multi_town"))
    _total_rows(tally, fig.cross_town.meetings, ("meetings", "multi_town"))
    _total_rows(tally, fig.staying.dropoff, ("people", "absences"))
    _total_rows(tally, fig.funnel.town_answers, ("forwarded", "answered"))
    _total_rows(tally, fig.survey.away_reasons, ("people",))
    _response(tally, fig.survey.response)
    _hours(tally, fig)
    _codes(tally, fig)
    _same(tally, fig)
    _across(tally, fig)
    more = tally.apply()
    for t in fig.tables():
        _derived(t)
    return more
