"""The analyst views answer on SQLite and PostgreSQL, and every query documented for them in docs/schema.md runs.

Data is made through the domain (tests/report_helpers.py), so the views are checked against what the bot
really writes, not against hand-made rows.
"""

import re
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import text

from tests.conftest import PG_URL
from tests.report_helpers import ROOT, config, seed

DOC = (ROOT / "docs" / "schema.md").read_text(encoding="utf-8")


def section(start: str, end: str) -> str:
    return DOC[DOC.index(start) : DOC.index(end)]


VIEW_QUERIES = re.findall(
    r"```sql\n(.*?)```", section("## Views for analysts", "## Queries from the command line"), re.S
)


@pytest.fixture
async def seeded(db):
    return await seed(db, config(db.url))


async def rows(db, sql: str) -> list[tuple]:
    async with db.transaction() as s:
        result = await s.execute(text(sql))
        return [tuple(float(v) if isinstance(v, Decimal) else v for v in row) for row in result]


async def test_v_members_counts_teams_and_leads_per_pseudonym(db, seeded):
    got = dict(
        (p, (teams, led)) for p, teams, led in await rows(db, "SELECT pseudonym, teams, teams_led FROM v_members")
    )
    assert len(got) == 7
    assert got[seeded.pseudonym["lead"]] == (1, 1)
    assert got[seeded.pseudonym["anneliese"]] == (2, 0)


async def test_v_ideas_has_team_status_and_supports(db, seeded):
    [row] = await rows(db, f"SELECT team, field, status, supports FROM v_ideas WHERE id = {seeded.idea['buses']}")
    assert row == ("daseinsvorsorge", "public_services", "accepted", 3)


async def test_v_meetings_has_answers_attendance_and_guests(db, seeded):
    sql = "SELECT town, status, invited, confirmed, declined, attended, guests FROM v_meetings WHERE id = {}"
    [held] = await rows(db, sql.format(seeded.meeting["held"]))
    [cancelled] = await rows(db, sql.format(seeded.meeting["cancelled"]))
    assert held == ("saalfeld", "scheduled", 5, 3, 2, 2, 3)
    assert cancelled[1] == "cancelled"


async def test_v_participation_by_town_counts_people_present(db, seeded):
    got = {
        (town, group): (members, any_, n)
        for town, group, members, any_, n in await rows(db, "SELECT * FROM v_participation_by_town")
    }
    assert got[("saalfeld", "citizen")] == (1, 1, 1)
    assert got[("bad_blankenburg", "citizen")] == (1, 1, 1)
    assert got[("rudolstadt", "entrepreneur")] == (1, 0, 0)
    assert got[("unknown", "unknown")] == (1, 0, 0)


DOC_RESULTS = [
    [
        ("bad_blankenburg", "citizen", 1),
        ("saalfeld", "administration", 1),
        ("saalfeld", "citizen", 1),
        ("saalfeld", "entrepreneur", 1),
    ],
    [(0, 2, 0), (1, 4, 1), (2, 1, 0)],
    [
        ("civic_engagement", "submitted", 1, 0),
        ("public_services", "accepted", 1, 3),
        ("public_services", "submitted", 1, 0),
        ("skilled_workers", "submitted", 1, 0),
    ],
    [("daseinsvorsorge", 1, 5, 2, 3, 40.0)],
    [("saalfeld", 2, 4, 2)],  # 3 yes to the held meeting, and the lead who planned the one ahead counts as coming
    [
        ("saalfeld", 3, 1, 1, 33.3),
        ("rudolstadt", 2, 0, 0, 0.0),
        ("bad_blankenburg", 1, 1, 1, 100.0),
        ("unknown", 1, 0, 0, 0.0),
    ],
    [("none", 1), ("travel", 1)],
]


def test_the_views_section_documents_as_many_queries_as_are_checked():
    assert len(VIEW_QUERIES) == len(DOC_RESULTS)


@pytest.mark.parametrize("number", range(len(DOC_RESULTS)))
async def test_each_documented_view_query_gives_the_expected_answer(db, seeded, number):
    assert await rows(db, VIEW_QUERIES[number]) == DOC_RESULTS[number]


@pytest.mark.skipif(not PG_URL, reason="roles exist on PostgreSQL only")
async def test_the_documented_views_only_role_reads_views_but_no_table(db, seeded):
    role = f"analyst_{uuid.uuid4().hex[:8]}"
    grants = re.search(r"```sql\n(CREATE ROLE analyst LOGIN.*?)```", DOC, re.S)
    assert grants is not None
    async with db.transaction() as s:
        name = (await s.execute(text("SELECT current_database()"))).scalar_one()
        for statement in grants.group(1).replace("actionbot", f'"{name}"').split(";"):
            if statement.strip():
                await s.execute(text(re.sub(r"\banalyst\b", role, statement)))
    try:
        async with db.transaction() as s:
            await s.execute(text(f"SET LOCAL ROLE {role}"))
            assert (await s.execute(text("SELECT COUNT(*) FROM v_members"))).scalar_one() == 7
        with pytest.raises(Exception, match="permission denied for table people"):
            async with db.transaction() as s:
                await s.execute(text(f"SET LOCAL ROLE {role}"))
                await s.execute(text("SELECT display_name FROM people"))
    finally:
        async with db.transaction() as s:
            await s.execute(text(f"DROP OWNED BY {role}"))
            await s.execute(text(f"DROP ROLE {role}"))
