"""Secondary suppression across tables: a hidden cell may not be worked out from another table's total either
(docs/evaluation.md, "Secondary suppression"). The attacker here knows, independently of the code under test,
that each month's active members are the first-timers plus the returners, that the hours table's members of a
month are the same people, and that the rated answers per month, per team and per field of action add up to the
same number; the check is the exact one of tests/test_disclosure_secondary.py."""

from __future__ import annotations

from handlers.reports.evaluation_words import vocabulary
from models.evaluation.disclosure import Sum
from models.evaluation.protect import secure
from models.evaluation.shapes import Cell, Figures, Row, Table
from tests.evaluation_report_helpers import sample_figures
from tests.report_helpers import config
from tests.test_disclosure_secondary import determined


def _set(t: Table, keys: tuple[str, ...], column: str, cell: Cell) -> None:
    i = next(i for i, r in enumerate(t.rows) if r.keys == keys)
    col = t.columns.index(column)
    r = t.rows[i]
    t.rows[i] = Row(r.keys, r.labels, tuple(cell if j == col else c for j, c in enumerate(r.cells)))


def small_project() -> Figures:
    """A month with 9 active members, 2 of them for the first time (hidden), 7 returning; 3 answers of one team
    (hidden) beside complete months and fields of action."""
    fig = sample_figures(vocabulary(config(), "de"))
    month = fig.staying.months.rows[5].keys
    _set(fig.staying.months, month, "active", Cell.of(9, 9))
    _set(fig.staying.months, month, "first_time", Cell.of(2, 2))
    _set(fig.staying.months, month, "returners", Cell.of(7, 7))
    _set(fig.engagement.by_month, month, "members", Cell.of(9, 9))
    team = fig.survey.usefulness_by_team.rows[0].keys
    _set(fig.survey.usefulness_by_team, team, "answers", Cell.of(3, 3))
    _set(fig.survey.usefulness_by_team, team, "mean", Cell.of(4.0, 3))
    return fig


def attack(fig: Figures) -> tuple[list[str], set[int]]:
    """The cells as an attacker reads them (hidden or not) and the hidden ones the relations between tables give."""
    names: list[str] = []
    hidden: list[bool] = []
    sums: list[Sum] = []

    def cell(t: Table, row: int, column: str) -> int:
        names.append(f"{t.key}:{'/'.join(t.rows[row].keys)}:{column}")
        hidden.append(t.rows[row].cells[t.columns.index(column)].suppressed)
        return len(names) - 1

    months, hours = fig.staying.months, fig.engagement.by_month
    members = {r.keys: i for i, r in enumerate(hours.rows)}
    for i, r in enumerate(months.rows):
        active = cell(months, i, "active")
        sums.append(Sum(active, (cell(months, i, "first_time"), cell(months, i, "returners"))))
        sums.append(Sum(active, (cell(hours, members[r.keys], "members"),)))
    names.append("rated answers (not printed)")
    hidden.append(True)
    rated = len(names) - 1
    s = fig.survey
    for t in (s.usefulness_by_month, s.usefulness_by_team, s.usefulness_by_field):
        sums.append(Sum(rated, tuple(cell(t, i, "answers") for i in range(len(t.rows)))))
    return names, determined(hidden, sums) - {rated}


def test_the_first_timers_of_a_month_are_not_its_active_members_minus_the_returners():
    fig = small_project()
    names, loose = attack(fig)
    assert any("first_time" in names[i] for i in loose)  # 9 − 7: the case this rule is for
    secure(fig)
    names, loose = attack(fig)
    assert loose == set(), [names[i] for i in loose]
    row = next(r for r in fig.staying.months.rows if r.keys == fig.staying.months.rows[5].keys)
    assert row.cells[1].suppressed and sum(c.suppressed for c in row.cells[:3]) >= 2


def test_one_teams_hidden_answers_are_not_the_months_total_minus_the_other_teams():
    fig = small_project()
    names, loose = attack(fig)
    assert any(names[i].startswith("usefulness_by_team") for i in loose)
    secure(fig)
    names, loose = attack(fig)
    assert loose == set(), [names[i] for i in loose]
    team = fig.survey.usefulness_by_team
    assert sum(r.cells[1].suppressed for r in team.rows) >= 2  # another team's answers hidden with it


def test_the_headline_meetings_are_hidden_with_their_tables_total():
    fig = small_project()
    t = fig.cross_town.meetings
    last = t.rows[-1]
    t.rows[-1] = Row(last.keys, last.labels, (Cell(None, None, True), *last.cells[1:]))  # hidden, whatever the cause
    assert not fig.summary.meetings.suppressed
    secure(fig)
    assert fig.summary.meetings.suppressed  # the key figure is the same number as the table's total
