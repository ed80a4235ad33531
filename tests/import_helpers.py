"""A project for the import tests: a config file pointing at the test database, the configured teams and one
workshop; `actionbot` runs the command line in a thread (it calls asyncio.run) and returns its exit code and
output; files are written in the encodings and formats a workshop's spreadsheet arrives in."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import func, select

from bot import cli
from core.config import load_config
from models import teams, workshops
from models.db import Database
from models.tables import AuditEntry, Idea, IdeaEvent, IdeaTown
from tests.conftest import START
from tests.report_helpers import ROOT

KEY = "saalfeld-2026"
WORKSHOP = "Demografie-Werkstatt Saalfeld"
HEADER = ["Text", "Handlungsfeld", "Orte", "Team"]


@dataclass
class Project:
    config: Path
    db: Database
    folder: Path

    def csv(
        self,
        rows: list[list[str]],
        name: str = "ergebnisse.csv",
        encoding: str = "utf-8-sig",
        sep: str = ";",
        header: list[str] | None = None,
    ) -> Path:
        """A CSV as Excel writes it: every cell quoted only where needed, CRLF line ends."""
        lines = [header or HEADER, *rows]
        text = "\r\n".join(sep.join(_quoted(c, sep) for c in row) for row in lines) + "\r\n"
        path = self.folder / name
        path.write_bytes(text.encode(encoding))
        return path

    def xlsx(
        self,
        rows: list[list[Any]],
        name: str = "ergebnisse.xlsx",
        header: list[str] | None = None,
        merge: str | None = None,
    ) -> Path:
        book = openpyxl.Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = "Ergebnisse"
        for row in [header or HEADER, *rows]:
            sheet.append(row)
        if merge:
            sheet.merge_cells(merge)
        path = self.folder / name
        book.save(path)
        return path


def _quoted(cell: str, sep: str) -> str:
    return f'"{cell.replace(chr(34), chr(34) * 2)}"' if any(c in cell for c in (sep, '"', "\n")) else cell


async def make_project(db: Database, tmp_path: Path) -> Project:
    text = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    path = tmp_path / "config.toml"
    path.write_text(text.replace('url = "sqlite+aiosqlite:///actionbot.db"', f'url = "{db.url}"'), encoding="utf-8")
    config = load_config(path, require_token=False)
    async with db.transaction() as s:
        await teams.seed_teams(s, config.teams, START)
        await workshops.create(
            s,
            None,
            key=KEY,
            name=WORKSHOP,
            day=date(2026, 3, 14),
            town="saalfeld",
            allowed_towns=["saalfeld"],
            now=START,
        )
    return Project(path, db, tmp_path)


async def actionbot(project: Project, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run `actionbot --config … ARGS` in-process; (exit code, stdout, stderr)."""
    capsys.readouterr()
    code = await asyncio.to_thread(cli.main, ["--config", str(project.config), *args])
    out, err = capsys.readouterr()
    return code, out, err


async def import_file(project: Project, capsys: pytest.CaptureFixture[str], path: Path, *extra: str):
    return await actionbot(project, capsys, "import", "ideas", str(path), "--workshop", KEY, *extra)


async def stored(db: Database) -> dict[str, int]:
    """How many ideas, idea towns, 'imported' steps and import audit entries the database holds."""
    async with db.transaction() as s:

        async def count(model: Any, *where: Any) -> int:
            return int((await s.execute(select(func.count()).select_from(model).where(*where))).scalar_one())

        return {
            "ideas": await count(Idea),
            "towns": await count(IdeaTown),
            "imported": await count(IdeaEvent, IdeaEvent.kind == "imported"),
            "audit": await count(AuditEntry, AuditEntry.action == "import_ideas"),
        }


NOTHING = {"ideas": 0, "towns": 0, "imported": 0, "audit": 0}
