"""Every query of docs/evaluation.md runs (SQLite and PostgreSQL) and gives the numbers of the Python figures.

The data is three months of a project made through the domain (tests/evaluation_helpers.py); the figures are
compared unsuppressed, cell by cell: the value and the number of people behind it.
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from decimal import Decimal
from statistics import median

import pytest
from sqlalchemy import select, text

from handlers.reports.evaluation_words import vocabulary
from models.evaluation import figures
from models.evaluation.common import half_up
from models.tables import Meeting, SurveyAnswer
from tests.conftest import PG_URL
from tests.evaluation_helpers import at, seed
from tests.report_helpers import ROOT, config

DOC = (ROOT / "docs" / "evaluation.md").read_text(encoding="utf-8")
QUERIES = dict(re.findall(r"<!-- query: (\w+) -->\n```sql\n(.*?)```", DOC, re.S))
PEOPLE_COUNTS = {"members", "people", "guests", "active", "first_time", "returners", "not_again"}
WITH_DAYS = {"idea_funnel": "idea_funnel_stays", "town_answers": "town_answers_days"}
AT = at(11, 11)
NOT_TABLES = {*WITH_DAYS.values(), "summary", "top_codes"}


@pytest.fixture
async def seeded(db):
    return await seed(db, config(db.url))


async def query(db, name: str) -> tuple[list[str], list[tuple]]:
    async with db.transaction() as s:
        result = await s.execute(text(QUERIES[name]))
        rows = [tuple(float(v) if isinstance(v, Decimal) else v for v in row) for row in result]
        return list(result.keys()), rows


async def python_figures(db) -> dict[str, figures.Table]:
    async with db.transaction() as s:
        f = await figures.all_figures(s, None, None, vocabulary(config(), "de"), suppress=False)
    return {t.key: t for t in f.tables()}


def cells_from_sql(t: figures.Table, names: list[str], row: tuple) -> tuple[tuple, ...]:
    """(value, n) per column of the figure, read as docs/evaluation.md says: `<column>_n`, else a count of
    people is its own n, else the n of the column before."""
    got = dict(zip(names, row, strict=True))
    out: list[tuple] = []
    for column in t.columns:
        if column not in got:
            out.append((None, None))  # filled from the days query
            continue
        value = got[column]
        if f"{column}_n" in got:
            n = got[f"{column}_n"]
        elif column in PEOPLE_COUNTS:
            n = value
        else:
            n = out[-1][1]
        out.append((value, n))
    return tuple(out)


def add_days(t: figures.Table, rows: dict, days_rows: list[tuple]) -> None:
    """Fill ended / answered and the median from the rows with days (the median is not SQL)."""
    days: dict[tuple, list[float]] = defaultdict(list)
    people: dict[tuple, set] = defaultdict(set)
    for r in days_rows:
        key = r[: len(t.key_columns)]
        days[key].append(float(r[len(t.key_columns)]))
        if len(r) > len(t.key_columns) + 1:  # idea and author: the people behind the stays
            idea, author = r[len(t.key_columns) + 1 :]
            people[key].add(("author", author) if author is not None else ("idea", idea))
    for key, cells in rows.items():
        found = days.get(key, [])
        if t.key == "idea_funnel":
            n = len(people[key])
            rows[key] = (cells[0], (len(found), n), (half_up(median(found), 1) if found else None, n))
        else:
            rows[key] = (*cells[:2], (half_up(median(found), 1) if found else None, cells[1][1]))


def python_rows(t: figures.Table) -> dict[tuple, tuple]:
    return {r.keys: tuple((c.value, c.n) for c in r.cells) for r in t.rows}


def approx(rows: dict[tuple, tuple]) -> dict[tuple, tuple]:
    """Means, shares and days compare to the 0.01 (SQL rounds floats, Python exact decimals)."""
    return {
        k: tuple((pytest.approx(v, abs=0.011) if v is not None else None, n) for v, n in cells)
        for k, cells in rows.items()
    }


def test_every_figure_has_its_documented_query():
    documented = set(QUERIES) - NOT_TABLES
    assert documented == {
        "ideas_towns", "meetings_towns", "team_mix", "travel", "hours_by_month", "hours_by_group", "hours_by_town",
        "active_by_month", "dropoff_reasons", "idea_funnel", "town_answers", "usefulness_by_month",
        "usefulness_by_team", "usefulness_by_field", "codes_by_month", "codes_by_team", "codes_by_field", "codes_total",
        "survey_response", "away_reasons",
    }  # fmt: skip


async def test_every_documented_query_gives_the_figures_of_the_report(db, seeded):
    await assert_queries_give_the_figures(db)


async def test_an_answer_without_a_list_of_codes_counts_no_code_in_sql_and_python(db, seeded):
    async with db.transaction() as s:
        meeting = (await s.execute(select(Meeting.id).where(Meeting.title == "Treffen M4"))).scalar_one()
        empty = SurveyAnswer(meeting_id=meeting, usefulness=3, factors=None, obstacles=None)  # an erased person's
        s.add(empty)
        empty.created_at = empty.updated_at = AT
    await assert_queries_give_the_figures(db)



async def test_a_merged_idea_counts_once_in_sql_and_python(db, seeded):
    """Merging takes an idea out of the figures (it counts as the idea it went into), in the views and in Python."""
    from models.evaluation import figures
    from models.tables import Idea

    async with db.transaction() as s:
        before = (await figures.summary(s, None, None, vocabulary(config(), "de"), suppress=False)).ideas_new.value
        first = (await s.execute(select(Idea).order_by(Idea.id))).scalars().first()
        first.status = "merged"
    async with db.transaction() as s:
        after = (await figures.summary(s, None, None, vocabulary(config(), "de"), suppress=False)).ideas_new.value
    assert after == before - 1
    await assert_queries_give_the_figures(db)

async def assert_queries_give_the_figures(db) -> None:
    tables = await python_figures(db)
    assert set(tables) == set(QUERIES) - NOT_TABLES
    for key, t in tables.items():
        names, sql_rows = await query(db, key)
        keys = len(t.key_columns)
        got = {tuple(r[:keys]): cells_from_sql(t, names[keys:], r[keys:]) for r in sql_rows}
        if key in WITH_DAYS:
            add_days(t, got, (await query(db, WITH_DAYS[key]))[1])
        assert approx(got) == python_rows(t), key
        assert t.rows, f"{key}: the seeded project should fill every figure"


async def test_the_documented_summary_gives_the_headline_numbers(db, seeded):
    async with db.transaction() as s:
        got = await figures.summary(s, None, None, vocabulary(config(), "de"), suppress=False)
    names, [row] = await query(db, "summary")
    sql = dict(zip(names, row, strict=True))
    for name in ("meetings", "attendances", "active", "guests", "hours", "ideas_new", "ideas_implemented", "answers"):
        cell = getattr(got, name)
        n = sql.get(f"{name}_n", sql["active"] if name in ("attendances", "active") else sql[name])
        assert (cell.value, cell.n) == (pytest.approx(sql[name]), n), name
    assert (got.usefulness.value, got.usefulness.n) == (
        pytest.approx(sql["usefulness"], abs=0.011),
        sql["usefulness_n"],
    )
    _, tops = await query(db, "top_codes")
    first = {}
    for kind, code, mentions, n in tops:
        first.setdefault(kind, (code, mentions, n))
    assert got.top_factor is not None and got.top_obstacle is not None
    assert (got.top_factor.code, got.top_factor.mentions.value, got.top_factor.mentions.n) == first["factor"]
    assert (got.top_obstacle.code, got.top_obstacle.mentions.value, got.top_obstacle.mentions.n) == first["obstacle"]


@pytest.mark.skipif(not PG_URL, reason="roles exist on PostgreSQL only")
async def test_the_views_only_analyst_can_run_every_documented_query_but_read_no_table(db, seeded):
    role = f"analyst_{uuid.uuid4().hex[:8]}"
    grants = re.search(r"```sql\n(GRANT SELECT ON v_attendance.*?)```", DOC, re.S)
    assert grants is not None
    async with db.transaction() as s:
        await s.execute(text(f"CREATE ROLE {role}"))
        await s.execute(text(f"GRANT USAGE ON SCHEMA public TO {role}"))
        await s.execute(text(re.sub(r"\banalyst\b", role, grants.group(1))))
    try:
        for name, sql in QUERIES.items():
            async with db.transaction() as s:
                await s.execute(text(f"SET LOCAL ROLE {role}"))
                assert (await s.execute(text(sql))).all(), name
        with pytest.raises(Exception, match="permission denied for table survey_answers"):
            async with db.transaction() as s:
                await s.execute(text(f"SET LOCAL ROLE {role}"))
                await s.execute(text("SELECT comment FROM survey_answers"))
    finally:
        async with db.transaction() as s:
            await s.execute(text(f"DROP OWNED BY {role}"))
            await s.execute(text(f"DROP ROLE {role}"))
