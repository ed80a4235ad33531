"""`actionbot stats`, `export` and `report` against a temporary SQLite database, run as a real subprocess."""

import asyncio
import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from models.db import Database
from models.migrate import upgrade
from models.tables import AuditEntry
from tests.report_helpers import ROOT, Seeded, config, secrets, seed


@pytest.fixture
def project(tmp_path: Path) -> tuple[Path, Seeded]:
    """A config file and a migrated SQLite database holding the seeded project."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    text = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    text = text.replace('url = "sqlite+aiosqlite:///actionbot.db"', f'url = "{url}"')
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")

    async def prepare() -> Seeded:
        await upgrade(url)
        db = Database(url)
        try:
            return await seed(db, config(url))
        finally:
            await db.dispose()

    return path, asyncio.run(prepare())


def actionbot(config_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TELEGRAM_BOT_TOKEN", "ACTIONBOT_CONFIG")}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(config_path), *args],
        cwd=config_path.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_export_writes_the_ideas_as_csv_under_a_dated_default_name(project):
    path, seeded = project
    done = actionbot(path, "export", "--what", "ideas", "--format", "csv")
    assert done.returncode == 0, done.stderr
    [written] = path.parent.glob("actionbot-ideas-*.csv")
    rows = list(csv.DictReader(io.StringIO(written.read_text(encoding="utf-8-sig"))))
    assert sorted(int(r["idea_id"]) for r in rows) == sorted(seeded.idea.values())
    assert done.stdout.startswith(f"wrote 4 rows to {written.name}")


def test_export_everything_as_xlsx_to_a_chosen_file(project):
    path, _ = project
    done = actionbot(path, "export", "--what", "all", "--format", "xlsx", "--out", "all.xlsx")
    assert done.returncode == 0, done.stderr
    book = openpyxl.load_workbook(path.parent / "all.xlsx")
    assert book["members"].max_row == 8
    assert book["meetings"].max_row == 4


def test_export_json_with_team_and_since_filters(project):
    path, seeded = project
    args = ("--what", "ideas", "--format", "json", "--team", "fachkraefte", "--since", "2026-11-01", "--out", "i.json")
    done = actionbot(path, "export", *args)
    assert done.returncode == 0, done.stderr
    ideas = json.loads((path.parent / "i.json").read_text(encoding="utf-8"))
    assert [i["idea_id"] for i in ideas] == [seeded.idea["fair"]]


def test_pseudonymised_export_writes_a_codebook_beside_it_and_names_no_one(project):
    path, _ = project
    done = actionbot(path, "export", "--what", "rsvps_attendance", "--pseudonymised", "--out", "rsvps.csv")
    assert done.returncode == 0, done.stderr
    data = (path.parent / "rsvps.csv").read_text(encoding="utf-8-sig")
    book = (path.parent / "rsvps-codebook.md").read_text(encoding="utf-8")
    assert [s for s in secrets() if s in data] == []
    assert "| `reason` |" in book and "| `travel` | Anfahrt |" in book


def test_an_unknown_team_ends_with_one_line_and_leaves_no_file(project):
    path, _ = project
    done = actionbot(path, "export", "--what", "ideas", "--team", "nope", "--out", "x.csv")
    assert (done.returncode, done.stderr) == (2, "actionbot: Ein Team „nope“ gibt es nicht.\n")
    assert sorted(p.name for p in path.parent.glob("x.csv*")) == []


def test_progress_bar_goes_to_stderr_when_asked(project):
    path, _ = project
    done = actionbot(path, "export", "--what", "members", "--progress", "--out", "m.csv")
    assert done.returncode == 0, done.stderr
    assert done.stderr.endswith("100%  7/7 rows\n")


def test_stats_prints_the_same_numbers_as_the_chat(project):
    path, _ = project
    done = actionbot(path, "stats")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[1:3] == ["Mitglieder: 6", "  nach Ort: Saalfeld 3, Rudolstadt 2, Bad Blankenburg 1"]  # operational
    assert "Absagen: 2; Gründe: Ohne Angabe 1, Anfahrt 1" in lines  # ties by code


def test_report_writes_one_self_contained_html_file(project):
    path, _ = project
    done = actionbot(path, "report", "--out", "bericht.html", "--lang", "en")
    assert done.returncode == 0, done.stderr
    page = (path.parent / "bericht.html").read_text(encoding="utf-8")
    assert page.count("src='data:image/png;base64,") == 4
    assert "<h2>Members by town and group</h2>" in page


def test_command_line_exports_are_recorded_in_the_audit_log(project):
    path, _ = project
    assert actionbot(path, "export", "--what", "teams", "--out", "t.csv").returncode == 0

    async def entries() -> list[dict]:
        db = Database(f"sqlite+aiosqlite:///{path.parent / 'bot.db'}")
        try:
            async with db.transaction() as s:
                rows = await s.execute(select(AuditEntry.details).where(AuditEntry.action == "export"))
                return list(rows.scalars())
        finally:
            await db.dispose()

    [entry] = asyncio.run(entries())
    assert (entry["what"], entry["format"], entry["via"], entry["rows"]) == ("teams", "csv", "cli", 3)
