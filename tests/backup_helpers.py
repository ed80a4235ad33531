"""Databases of their own for backup, restore and copy tests: made, destroyed and compared whole."""

from __future__ import annotations

import asyncio
import shutil
import uuid
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import select, text

from bot.cli import main
from models.clock import FrozenClock
from models.db import Database
from models.migrate import upgrade
from models.tables import Base
from tests.conftest import CONFIG_EXAMPLE, START, start_bot, stop_bot
from tests.meeting_helpers import in_days, schedule, team_with_members

DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


def _admin_dsn(pg_url: str) -> str:
    return pg_url.replace("postgresql+asyncpg", "postgresql")


async def pg_available(pg_url: str) -> bool:
    try:
        conn = await asyncpg.connect(_admin_dsn(pg_url), timeout=3)
    except (OSError, asyncpg.PostgresError):
        return False
    await conn.close()
    return True


async def pg_admin(pg_url: str, sql: str) -> None:
    conn = await asyncpg.connect(_admin_dsn(pg_url))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


class OwnDatabase:
    """A database of one test's own, on SQLite (a file) or PostgreSQL (a new database)."""

    def __init__(self, pg_url: str, tmp: Path, template: str | None = None) -> None:
        self.pg_url, self.tmp, self.template = pg_url, tmp, template
        if pg_url:
            self.name = f"actionbot_bk_{uuid.uuid4().hex[:10]}"
            self.url = pg_url.rsplit("/", 1)[0] + f"/{self.name}"
        else:
            self.path = tmp / f"own-{uuid.uuid4().hex[:6]}.db"
            self.url = f"sqlite+aiosqlite:///{self.path}"

    async def create(self, migrated: bool = True) -> str:
        if self.pg_url:
            await pg_admin(self.pg_url, f'CREATE DATABASE "{self.name}"')
            if migrated:
                await upgrade(self.url)
        elif migrated:
            if self.template:
                shutil.copy(self.template, self.path)
            else:
                await upgrade(self.url)
        return self.url

    async def destroy(self) -> None:
        """Gone for good: the file (with its WAL) or the database."""
        if self.pg_url:
            await pg_admin(self.pg_url, f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        else:
            remove_sqlite(self.path)


def remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


async def snapshot(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (and the migration version), in primary-key order."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    async with db.transaction() as s:
        for table in Base.metadata.sorted_tables:
            rows = await s.execute(select(table).order_by(*table.primary_key.columns))
            out[table.name] = [tuple(r) for r in rows]
        out["alembic_version"] = [tuple(r) for r in await s.execute(text("SELECT version_num FROM alembic_version"))]
    return out


def write_config(tmp: Path, db_url: str, extra: str = "") -> Path:
    """A config file for the command line, pointing at `db_url`."""
    body = CONFIG_EXAMPLE.read_text(encoding="utf-8").replace(
        'url = "sqlite+aiosqlite:///actionbot.db"', f'url = "{db_url}"'
    )
    path = tmp / f"config-{uuid.uuid4().hex[:6]}.toml"
    path.write_text(body + extra, encoding="utf-8")
    return path


async def cli(capsys: Any, *argv: str) -> tuple[int, str, str]:
    """Run `actionbot ...` as the operator would (in a thread: the CLI runs its own event loop)."""
    capsys.readouterr()
    code = await asyncio.to_thread(main, list(argv))
    out, err = capsys.readouterr()
    return code, out.strip(), err.strip()


def invitations(user: Any, title: str) -> list[Any]:
    return [m for m in user.messages if "Einladung" in m.text and title in m.text]


async def populated(fake: Any, own: OwnDatabase) -> tuple[Database, Any, Any]:
    """A bot with a team, a meeting answered, and a second meeting whose invitations are still pending."""
    db = Database(own.url)
    bot = await start_bot(fake, db, FrozenClock(START))
    team, lead, (anna, ben) = await team_with_members(bot)
    await schedule(bot, lead, team, in_days(bot, 3), title="Erstes Treffen")
    await bot.deliver()
    await anna.press("Zusage", message=invitations(anna, "Erstes Treffen")[-1])
    await schedule(bot, lead, team, in_days(bot, 5), title="Zweites Treffen")  # invitations stay pending
    await stop_bot(bot)
    return db, anna, ben
