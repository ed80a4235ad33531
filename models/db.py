"""Engine and sessions for SQLite (embedded default) and PostgreSQL (production).

SQLite needs care to behave like a server database: WAL, a busy timeout, foreign keys on every
connection and `BEGIN IMMEDIATE` so two writers queue instead of failing half-way.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, event
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.types import TypeDecorator

from models import sqlite_driver
from models.outage import Outage, is_database_outage

log = logging.getLogger(__name__)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and always returns them aware (SQLite would return naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use aware UTC datetimes")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _sqlite_setup(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # let SQLAlchemy's "begin" event emit BEGIN itself
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=10000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """Create the async engine with the per-dialect settings the rest of the code relies on."""
    if url.startswith("sqlite"):
        # One pooled connection: every transaction is BEGIN IMMEDIATE anyway, so concurrent ones queue here,
        # first come first served, instead of sleeping unfairly in SQLite's busy handler.
        kwargs.setdefault("pool_size", 1)
        kwargs.setdefault("max_overflow", 0)
        kwargs.setdefault("pool_timeout", 60)
        if url.startswith("sqlite+aiosqlite"):
            kwargs.setdefault("module", sqlite_driver.dbapi())  # one trip to aiosqlite's thread per statement
        engine = create_async_engine(url, **kwargs)
        _sqlite_setup(engine)
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(url, **kwargs)


class Database:
    """Owns the engine; `transaction()` is the one way code gets a session."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self.outage: Outage | None = None  # set by the bot: every transaction reports reachability there

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction: committed on success, rolled back on any exception.

        With `outage` set, a connection failure starts a database outage and a commit ends it (models/outage.py)."""
        try:
            async with self._sessions.begin() as session:
                yield session
        except Exception as exc:
            if self.outage is not None and is_database_outage(exc):
                self.outage.failed(exc)
            raise
        if self.outage is not None:
            self.outage.ok()

    async def dispose(self) -> None:
        await self.engine.dispose()
        await settle_graceful_closes()


async def settle_graceful_closes(grace: float = 1.0) -> int:
    """End the connection closes SQLAlchemy started in the background for connections it gave up (a task
    cancelled while it held one). aiosqlite 0.22's close() waits in its `finally` for the worker thread's last
    answer; once that thread has stopped (the pool's dispose), the answer never comes and the event loop's own
    shutdown, which cancels each task once, waits for ever. Such a close gets `grace` seconds, then is cancelled
    until it ends (the first cancel lands in that `finally`). Returns how many had to be cancelled."""
    current = asyncio.current_task()
    closing = [
        t for t in asyncio.all_tasks()
        if t is not current and not t.done()
        and getattr(t.get_coro(), "__qualname__", "").endswith("_terminate_graceful_close")
    ]  # fmt: skip
    if not closing:
        return 0
    await asyncio.wait(closing, timeout=grace)
    stuck = [t for t in closing if not t.done()]
    for _ in range(5):
        waiting = [t for t in stuck if not t.done()]
        if not waiting:
            break
        for task in waiting:
            task.cancel()
        await asyncio.wait(waiting, timeout=0.1)
    if stuck:
        log.info("%d database connection(s) closed without waiting for their worker thread", len(stuck))
    return len(stuck)
