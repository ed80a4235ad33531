"""Test harness: the real bot (PTB Application) against the fake Telegram server, on SQLite or PostgreSQL.

The suite runs on SQLite by default and on PostgreSQL when ACTIONBOT_TEST_DATABASE_URL is set.
Migrations run once per session (they are the only way the schema is made); each test starts from
an empty copy (SQLite: a copied file; PostgreSQL: truncated tables).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy import text
from telegram.ext import Application

from bot.application import build_application, prepare
from bot.delivery import make_dispatcher
from bot.logs import install_redaction
from core.config import Config, parse_config
from models.clock import FrozenClock
from models.db import Database
from models.migrate import upgrade_sync
from models.tables import Base
from scheduler.dispatcher import Dispatcher
from scheduler.limiter import Limits
from tests.fakegram import FakeTelegram, SimUser

PG_URL = os.environ.get("ACTIONBOT_TEST_DATABASE_URL", "")
CONFIG_EXAMPLE = Path(__file__).resolve().parent.parent / "config.example.toml"
MANAGER_ID = 900001
START = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
TEST_LIMITS = Limits(overall_per_second=1000, per_chat_interval=0.0, per_group_per_minute=0)


def pytest_configure(config: pytest.Config) -> None:
    """With ACTIONBOT_TEST_CLOCK the SQLite pass must really run at that instant (libfaketime): a pass that
    silently ran at the real time would prove nothing about the hour."""
    instant = os.environ.get("ACTIONBOT_TEST_CLOCK", "")
    if instant and not PG_URL:
        wanted = datetime.fromisoformat(instant)
        if not wanted <= datetime.now(UTC) < wanted + timedelta(hours=6):
            raise pytest.UsageError(f"ACTIONBOT_TEST_CLOCK={instant} but the clock reads {datetime.now(UTC)}: "
                                    "run the suite under faketime (make test does)")


def pytest_report_header(config: pytest.Config) -> str:
    clock = os.environ.get("ACTIONBOT_TEST_CLOCK", "") if not PG_URL else ""
    return f"actionbot database: {'postgresql' if PG_URL else 'sqlite'}" + (f", clock at {clock}" if clock else "")


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """Printed even with -q and xdist, so CI can check which database the suite ran on."""
    passed = len(terminalreporter.stats.get("passed", []))
    terminalreporter.write_line(f"actionbot database: {'postgresql' if PG_URL else 'sqlite'} ({passed} passed)")


@pytest.fixture(scope="session")
def migrated_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database at the newest migration: a template SQLite file, or a fresh PostgreSQL database."""
    if not PG_URL:
        path = tmp_path_factory.mktemp("db") / "template.db"
        upgrade_sync(f"sqlite+aiosqlite:///{path}")
        yield str(path)
        return
    name = f"actionbot_test_{uuid.uuid4().hex[:10]}"
    _pg_admin(f'CREATE DATABASE "{name}"')
    url = PG_URL.rsplit("/", 1)[0] + f"/{name}"
    upgrade_sync(url)
    yield url
    _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _pg_admin(sql: str) -> None:
    """Create or drop the per-session test database (asyncpg in a short-lived loop of its own)."""

    async def go() -> None:
        conn = await asyncpg.connect(PG_URL.replace("postgresql+asyncpg", "postgresql"))
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(go())


@pytest.fixture
async def empty_db_url(tmp_path: Path) -> AsyncIterator[str]:
    """An empty database of its own (no migration run), for tests that upgrade an older schema step by step."""
    if not PG_URL:
        yield f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
        return
    name = f"actionbot_test_{uuid.uuid4().hex[:10]}"
    await asyncio.to_thread(_pg_admin, f'CREATE DATABASE "{name}"')
    try:
        yield PG_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        await asyncio.to_thread(_pg_admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def db(migrated_db: str, tmp_path: Path) -> AsyncIterator[Database]:
    """An empty, migrated database for one test."""
    if not PG_URL:
        path = tmp_path / "actionbot.db"
        shutil.copy(migrated_db, path)
        database = Database(f"sqlite+aiosqlite:///{path}")
    else:
        database = Database(migrated_db, pool_size=5)
        tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        async with database.transaction() as s:
            await s.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    yield database
    await database.dispose()


def make_config(fake: FakeTelegram, db_url: str, mutate: Any = None, **overrides: Any) -> Config:
    """The example config pointed at the fake server; `section__key=value` overrides, `mutate(data)` for more."""
    import tomllib

    data = tomllib.loads(CONFIG_EXAMPLE.read_text(encoding="utf-8"))
    data["telegram"]["token"] = fake.token
    data["telegram"]["api_base_url"] = fake.url
    data["database"]["url"] = db_url
    data["project"]["managers"] = [MANAGER_ID]
    for key, value in overrides.items():
        section, _, name = key.partition("__")
        data[section][name] = value
    if mutate is not None:
        mutate(data)
    return parse_config(data, env={})


class Traced(Application):  # type: ignore[type-arg]
    """Tells the fake server when an update is fully processed, so tests never sleep."""

    fake: FakeTelegram

    async def process_update(self, update: object) -> None:
        try:
            await super().process_update(update)
        finally:
            update_id = getattr(update, "update_id", None)
            if update_id is not None:
                type(self).fake.mark_processed(update_id)


@dataclass
class Harness:
    fake: FakeTelegram
    app: Application  # type: ignore[type-arg]
    db: Database
    config: Config
    clock: FrozenClock

    @property
    def dispatcher(self) -> Dispatcher:
        d: Dispatcher = self.app.bot_data["services"].dispatcher
        return d

    async def deliver(self, advance: timedelta | None = None) -> int:
        """Move the clock (optionally) and send everything due now, as the scheduler would."""
        if advance is not None:
            self.clock.advance(advance)
        return await self.dispatcher.drain()

    def user(self, first_name: str = "Anna", language_code: str = "de", **kw: Any) -> SimUser:
        return self.fake.user(first_name=first_name, language_code=language_code, **kw)

    def manager(self, first_name: str = "Maria") -> SimUser:
        return self.fake.user(first_name=first_name, language_code="de", user_id=MANAGER_ID)

    async def register(
        self,
        user: SimUser | None = None,
        *,
        group: str = "Bürger*in",
        town: str = "Saalfeld",
        evaluation: str = "Ja",
    ) -> SimUser:
        """Take a simulated user through consent, evaluation consent, group and town."""
        user = user or self.user()
        await user.send("/start")
        await user.press("Einverstanden" if user.language_code != "en" else "I agree")
        await user.press(evaluation)
        await user.press(group)
        await user.press(town)
        return user


async def start_bot(fake: FakeTelegram, db: Database, clock: FrozenClock, **overrides: Any) -> Harness:
    config = make_config(fake, db.url, **overrides)
    await prepare(config, db, clock)
    traced = type("TracedApp", (Traced,), {"fake": fake})
    app = build_application(config, db, clock, application_class=traced)
    fake.track_processing = True
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1, drop_pending_updates=False)
    make_dispatcher(app, TEST_LIMITS)  # not started: tests call `deliver()` so nothing runs on its own
    return Harness(fake, app, db, config, clock)


async def stop_bot(h: Harness) -> None:
    if h.app.updater is not None and h.app.updater.running:
        await h.app.updater.stop()
    if h.app.running:
        await h.app.stop()
    await h.app.shutdown()


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        install_redaction(server.token)
        yield server


@pytest.fixture
async def bot(fake: FakeTelegram, db: Database) -> AsyncIterator[Harness]:
    """The running bot, talking HTTP to the fake Telegram server."""
    h = await start_bot(fake, db, FrozenClock(START))
    try:
        yield h
    finally:
        await stop_bot(h)
