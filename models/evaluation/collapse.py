"""Keep the numbers: before hiding, fold a breakdown that would be mostly hidden into its coarser group.

Applied to released figures only (after primary suppression, before secondary suppression in protect.py), so a
small cell does not drag its neighbours down with it. Each fold says which grouping was used (`Table.note`):

- factors and obstacles per month, team or field of action: a code with any small cell is left out of the
  breakdown and counted only in its total over all months, teams or fields (`codes_total`);
- factors and obstacles by source: a code named by few in the survey or on ideas keeps only its total of both
  sources (survey and ideas together);
- drop-off reasons and the reasons for staying away: reasons given by few people are folded into "other
  reasons"; if that is still small, only the total of all reasons stays;
- the survey's response per team: months where no month is small, else quarters where no quarter is small, else
  only the team's total over the period; where a team's total is small, only all teams together;
- the towns' answer times: with a small town, only the towns together;
- the team mix: a team with a small town × group cell shows only its number of members.
"""

from __future__ import annotations

from collections import defaultdict

from models.evaluation.response import is_month
from models.evaluation.shapes import ALL, IDEA, SURVEY, Cell, Figures, Row, Table

OTHER = "other"  # drop-off reasons folded together (words in evaluation.toml, category "figure")


def _small(row: Row) -> bool:
    return any(c.suppressed for c in row.cells)


def _note(t: Table, note: str) -> None:
    t.note = " ".join(x for x in (t.note, note) if x)


def _codes_breakdown(t: Table, note: str) -> None:
    groups: dict[tuple[str, ...], list[Row]] = defaultdict(list)
    for r in t.rows:
        groups[r.keys[:3]].append(r)
    kept = [r for rows in groups.values() if not any(_small(r) for r in rows) for r in rows]
    if len(kept) < len(t.rows):
        t.rows = kept
        _note(t, note)


def _codes_sources(t: Table, note: str) -> None:
    by_code: dict[tuple[str, str], dict[str, Row]] = defaultdict(dict)
    for r in t.rows:
        by_code[(r.keys[1], r.keys[2])][r.keys[0]] = r
    folded = False
    rows: list[Row] = []
    for sources in by_code.values():
        parts = [sources[s] for s in (SURVEY, IDEA) if s in sources]
        if ALL in sources and any(_small(r) for r in parts):
            rows.append(sources[ALL])
            folded = True
        else:
            rows += [*parts, *([sources[ALL]] if ALL in sources else [])]
    if folded:
        t.rows = rows
        _note(t, note)


def _other_reasons(t: Table, raw: Table, words: dict[str, str], note: str) -> None:
    """Small reasons into one "other reasons" row; the first column counts people (the row's n)."""
    small = [r for r in t.rows if r.keys[0] != ALL and _small(r)]
    if not small:
        return
    raw_rows = {r.keys: r for r in raw.rows}
    sums = [sum(raw_rows[r.keys].cells[i].value or 0 for r in small) for i in range(len(t.columns))]
    n = int(sums[0])  # people: an upper bound, one person may give two reasons
    kept = [r for r in t.rows if r.keys[0] != ALL and not _small(r)]
    other = Row((OTHER,), (words.get("other", OTHER),), tuple(Cell.of(v, n) for v in sums))
    total = [r for r in t.rows if r.keys[0] == ALL]
    t.rows = [*kept, other, *total] if not _small(other) else total
    _note(t, note)


def _only_total(t: Table, note: str) -> None:
    if any(_small(r) for r in t.rows if r.keys[0] != ALL):
        t.rows = [r for r in t.rows if r.keys[0] == ALL]
        _note(t, note)


def fold(fig: Figures, raw: Figures, words: dict[str, str]) -> None:
    """Fold the released figures (`fig`, primary suppression applied) into coarser groups where that keeps
    numbers; `raw` holds the same figures unsuppressed (for the folded cells' values); `words` the notes."""
    s = fig.survey
    for t in (s.codes_by_month, s.codes_by_team, s.codes_by_field):
        _codes_breakdown(t, words.get("fold_codes", ""))
    _codes_sources(s.codes_total, words.get("fold_sources", ""))
    _other_reasons(fig.staying.dropoff, raw.staying.dropoff, words, words.get("fold_reasons", ""))
    _other_reasons(s.away_reasons, raw.survey.away_reasons, words, words.get("fold_reasons", ""))
    _response_levels(s.response, words.get("fold_response", ""))
    _only_total(fig.funnel.town_answers, words.get("fold_towns", ""))
    _team_mix_totals(fig.cross_town.team_mix, raw.cross_town.team_mix, words.get("fold_team_mix", ""),
                     words.get("all", ALL))


def _team_mix_totals(t: Table, raw: Table, note: str, everyone: str) -> None:
    """A team (in a month) with any small town × group cell: only its number of members (town and group ALL)."""
    raw_cells = {r.keys: r.cells[0].value or 0 for r in raw.rows}
    teams: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for r in t.rows:
        teams[(r.keys[0], r.keys[1])].append(r)
    rows: list[Row] = []
    folded = False
    for (team, month), found in teams.items():
        if any(_small(r) for r in found):
            members = int(sum(raw_cells[r.keys] for r in found))
            labels = (found[0].labels[0], month, everyone, everyone)
            rows.append(Row((team, month, ALL, ALL), labels, (Cell.of(members, members),)))
            folded = True
        else:
            rows += found
    if folded:
        t.rows = rows
        _note(t, note)


def _response_levels(t: Table, note: str) -> None:
    """Per team the finest level without a small cell: months, else quarters, else only the team's total; with
    a small team total, only all teams together."""
    rows: list[Row] = []
    folded = False
    if any(_small(r) for r in t.rows if r.keys[0] != ALL and r.keys[1] == ALL):
        t.rows = [r for r in t.rows if r.keys == (ALL, ALL)]
        _note(t, note)
        return
    for team in dict.fromkeys(r.keys[0] for r in t.rows):
        own = [r for r in t.rows if r.keys[0] == team]
        months = [r for r in own if r.keys[1] != ALL and is_month(r.keys[1])]
        quarters = [r for r in own if r.keys[1] != ALL and not is_month(r.keys[1])]
        total = [r for r in own if r.keys[1] == ALL]
        if not any(_small(r) for r in months):
            rows += [*months, *total]
        else:
            folded = True
            rows += [*quarters, *total] if not any(_small(r) for r in quarters) else total
    t.rows = rows
    if folded:
        _note(t, note)
