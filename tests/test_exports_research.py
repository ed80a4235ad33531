"""The evaluation's tables in the exports (models/reports/research.py): survey answers, codes on ideas and each
idea's path; the pseudonymised export holds them only for people who agreed, and never a survey comment."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest

from models.db import Database
from models.ideas import codes, events
from models.migrate import upgrade
from models.tables import Person, SurveyAnswer
from tests.report_helpers import AFTER, ROOT, T0, Seeded, config, secrets, seed
from tests.test_exports import export, read_csv

COMMENT = "Dank an Anneliese Quast fürs Moderieren"
OBSTACLES = [c.key for c in config().obstacles]
FACTORS = [c.key for c in config().success_factors]


async def add_evaluation_data(db: Database, seeded: Seeded) -> None:
    """Survey answers of people who agreed (Lutz, Anneliese), did not (Bertram), never answered (Carla) and of an
    erased person; obstacles on Anneliese's and Bertram's ideas; a forwarding step taken by Bertram."""
    held = seeded.meeting["held"]
    async with db.transaction() as s:
        who = {k: await s.get(Person, pid) for k, pid in seeded.person.items()}
        for key, usefulness, factors, obstacles in (
            ("lead", 4, ["shared_goal", "short_distances"], ["travel_time"]),
            ("anneliese", 5, ["committed_people"], []),
            ("bertram", 2, [], ["town_rivalry"]),
            ("carla", 1, [], ["volunteer_time"]),
            (None, 3, [], ["no_funding"]),
        ):
            p = who[key] if key else None
            s.add(
                SurveyAnswer(
                    meeting_id=held,
                    person_id=p.id if p else None,
                    person_group=p.stakeholder_group if p else "citizen",
                    person_town=p.town if p else "saalfeld",
                    usefulness=usefulness,
                    factors=factors,
                    obstacles=obstacles,
                    comment=f"{COMMENT} ({key})",
                    created_at=AFTER,
                    updated_at=AFTER + timedelta(hours=1),
                )
            )
        buses, vacancy = seeded.idea["buses"], seeded.idea["vacancy"]
        await codes.set_code(s, who["lead"], buses, "obstacle", "no_funding", OBSTACLES, True, AFTER)
        await codes.set_code(s, who["manager"], buses, "factor", "shared_goal", FACTORS, True, AFTER)
        await codes.set_code(s, who["lead"], vacancy, "obstacle", "legal_hurdles", OBSTACLES, True, AFTER)
        assert who["bertram"] is not None
        events.record(s, buses, events.FORWARDED, AFTER, actor_id=who["bertram"].id, town="saalfeld")


@pytest.fixture
async def seeded(db):
    out = await seed(db, config(db.url))
    await add_evaluation_data(db, out)
    return out


async def pseudonymised(db) -> dict[str, bytes]:
    data, _ = await export(db, "all", "zip", pseudonymised=True)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


async def test_survey_answers_hold_only_people_who_agreed_and_no_comment_when_pseudonymised(db, seeded):
    files = await pseudonymised(db)
    rows = read_csv(files["survey_answers.csv"])
    p = seeded.pseudonym
    assert sorted((r["person"], r["usefulness"], r["factors"], r["obstacles"]) for r in rows) == sorted(
        [
            (p["lead"], "4", "shared_goal;short_distances", "travel_time"),
            (p["anneliese"], "5", "committed_people", ""),
        ]
    )
    assert "comment" not in rows[0] and "changed" not in rows[0]
    assert rows[0]["answered"] == AFTER.date().isoformat()
    assert all(COMMENT not in data.decode("utf-8-sig") for data in files.values())


async def test_the_managers_export_has_the_comments_but_still_only_of_people_who_agreed(db, seeded):
    data, result = await export(db, "survey_answers", "csv")
    rows = read_csv(data)
    assert result.rows == 2 and "display_name" not in rows[0]
    assert sorted(r["comment"] for r in rows) == [f"{COMMENT} (anneliese)", f"{COMMENT} (lead)"]
    assert {r["person_group"] for r in rows} == {"citizen"}


async def test_idea_codes_follow_the_ideas_and_name_only_agreeing_actors(db, seeded):
    files = await pseudonymised(db)
    rows = read_csv(files["idea_codes.csv"])
    buses = str(seeded.idea["buses"])
    assert sorted((r["idea_id"], r["kind"], r["code"], r["actor"]) for r in rows) == [
        (buses, "factor", "shared_goal", seeded.pseudonym["manager"]),
        (buses, "obstacle", "no_funding", seeded.pseudonym["lead"]),
    ]  # Bertram's idea is left out: he did not agree
    data, _ = await export(db, "idea_codes", "csv")
    full = read_csv(data)
    assert len(full) == 3 and "Lutz Leitmann" in {r["actor_name"] for r in full}


async def test_the_idea_path_is_exported_with_actors_only_when_they_agreed(db, seeded):
    files = await pseudonymised(db)
    rows = read_csv(files["idea_events.csv"])
    ideas = {int(r["idea_id"]) for r in rows}
    assert ideas == {seeded.idea["buses"], seeded.idea["fair"]}
    buses = [r for r in rows if int(r["idea_id"]) == seeded.idea["buses"]]
    assert [(r["kind"], r["status"], r["town"]) for r in buses] == [
        ("submitted", "submitted", ""),
        ("status", "accepted", ""),
        ("coded", "", ""),
        ("coded", "", ""),
        ("forwarded", "", "saalfeld"),
    ]
    assert buses[0]["actor"] == seeded.pseudonym["anneliese"]
    assert buses[-1]["actor"] == ""  # Bertram did not agree
    assert json.loads(buses[2]["details"]) == {"kind": "obstacle", "codes": ["no_funding"]}
    assert "actor_name" not in rows[0]
    data, _ = await export(db, "idea_events", "csv")
    full = read_csv(data)
    assert {int(r["idea_id"]) for r in full} == set(seeded.idea.values())
    assert "Bertram Zoller" in {r["actor_name"] for r in full}


async def test_the_new_tables_name_no_one_in_the_pseudonymised_export(db, seeded):
    files = await pseudonymised(db)
    cells = [
        cell
        for name in ("survey_answers.csv", "idea_codes.csv", "idea_events.csv")
        for row in csv.reader(io.StringIO(files[name].decode("utf-8-sig")))
        for cell in row
    ]
    assert len(cells) > 50
    assert {secret for secret in secrets() for cell in cells if secret in cell} == set()


async def test_the_codebook_explains_the_new_tables_and_lists_the_codes_with_their_names(db, seeded):
    book = (await pseudonymised(db))["codebook.md"].decode()
    for table in ("survey_answers", "idea_codes", "idea_events"):
        assert f"## {table}" in book
    assert "| `no_funding` | Keine Finanzierung |" in book
    assert "| `shared_goal` | Gemeinsames Ziel |" in book
    assert "| `obstacle` | Hemmnis (stand im Weg) |" in book
    assert "| `forwarded` | an eine Stadtverwaltung weitergeleitet |" in book
    assert "| `code` | The code's key (success factor or obstacle, by kind). | factor, obstacle |" in book
    assert "survey comments" in book


async def test_the_since_and_team_filters_apply(db, seeded):
    from models.reports import stats

    async with db.transaction() as s:
        scope = await stats.resolve_scope(s, AFTER, "fachkraefte")
    data, _ = await export(db, "idea_events", "csv", scope=scope)
    assert read_csv(data) == []
    async with db.transaction() as s:
        scope = await stats.resolve_scope(s, AFTER, "daseinsvorsorge")
    data, _ = await export(db, "idea_codes", "csv", scope=scope)
    assert len(read_csv(data)) == 3
    data, _ = await export(db, "survey_answers", "csv", scope=stats.Scope(since=T0 + timedelta(days=2)))
    assert read_csv(data) == []


def test_the_command_line_exports_the_survey_with_its_codebook(tmp_path: Path):
    from tests.test_cli_queries import actionbot

    url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    text = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    path = tmp_path / "config.toml"
    path.write_text(text.replace('url = "sqlite+aiosqlite:///actionbot.db"', f'url = "{url}"'), encoding="utf-8")

    async def prepare() -> None:
        await upgrade(url)
        db = Database(url)
        try:
            await add_evaluation_data(db, await seed(db, config(url)))
        finally:
            await db.dispose()

    asyncio.run(prepare())
    done = actionbot(path, "export", "--what", "survey_answers", "--pseudonymised", "--out", "survey.csv")
    assert done.returncode == 0, done.stderr
    rows = read_csv((path.parent / "survey.csv").read_bytes())
    assert len(rows) == 2 and "comment" not in rows[0]
    book = (path.parent / "survey-codebook.md").read_text(encoding="utf-8")
    assert "| `travel_time` | Lange Fahrzeit |" in book and "| `committed_people` | Engagierte Einzelne |" in book
