"""One active process per database: a hot standby on PostgreSQL, a single process on SQLite.

PostgreSQL: the active process holds a session advisory lock on a dedicated asyncpg connection (outside the
SQLAlchemy pool, so no pooled transaction can release it). Another process started on the same database waits,
trying the lock every `try_every` seconds; when the active one dies its session ends, PostgreSQL releases the
lock and the waiting one takes over. The holder checks its lock connection every `check_every` seconds with a
cheap query (at most `check_timeout`); when that fails it may no longer be the only one, so it stops sending at
once (dispatcher, jobs, polling) and stays up as a waiting standby (bot/waiting.py): /healthz says why, and it
takes the lock again once the database answers. A fresh process starts nothing for `fence` seconds after getting
the lock, the longest a previous holder can still be sending before its own check notices; then it knows every
`claimed` or `sending` row of another worker is dead and takes them back at once instead of after the
dispatcher's lease.

SQLite: only one process may use a file (no SKIP LOCKED). `sqlite_lock` holds an exclusive `flock` on
`<file>.lock` for the process's lifetime; a second process is refused with one line (`ALREADY_RUNNING`).
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

from bot.startup import ALREADY_RUNNING, DATABASE_NOT_WRITABLE, LOCK_LOST, StartupError

log = logging.getLogger("actionbot.standby")

LOCK_KEY = 0x61637469_6F6E626F  # "actionbo": one active bot per PostgreSQL database


# The lock's session: named (pg_stat_activity), and dropped by the server about 8 s after the holder's machine
# or network went silent, so the lock does not outlive it for the kernel's default keepalive time (hours).
LOCK_SESSION = {
    "application_name": "actionbot-lock",
    "tcp_keepalives_idle": "5",
    "tcp_keepalives_interval": "1",
    "tcp_keepalives_count": "3",
    "tcp_user_timeout": "8000",
}


class LockLost(StartupError):
    """The active process lost its lock connection (`LOCK_LOST`; `actionbot run` now waits as the standby)."""


def _asyncpg_dsn(database_url: str) -> str:
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


class Leadership:
    """The PostgreSQL advisory lock that makes this process the active one (see the module docstring)."""

    def __init__(
        self,
        database_url: str,
        *,
        try_every: float = 1.0,
        check_every: float = 1.0,
        check_timeout: float = 1.5,
        key: int = LOCK_KEY,
        on_connected: Callable[[], None] | None = None,
    ) -> None:
        self.dsn, self.key = _asyncpg_dsn(database_url), key
        self.on_connected = on_connected  # the database answered (a waiting standby's only sign of it)
        self.try_every, self.check_every, self.check_timeout = try_every, check_every, check_timeout
        self.conn: asyncpg.Connection | None = None
        self.lost: str | None = None  # why the lock was lost, once it is
        self._watch: asyncio.Task[None] | None = None

    @property
    def fence(self) -> float:
        """How long a previous holder may still be sending after losing its lock (before its check notices)."""
        return self.check_every + self.check_timeout + 0.5

    async def acquire(self) -> None:
        """Wait until this process holds the lock. Connection failures propagate (the caller names them)."""
        self.conn = await asyncpg.connect(self.dsn, server_settings=LOCK_SESSION, timeout=10)
        if self.on_connected is not None:
            self.on_connected()
        waited = False
        # a bounded wait: a silently cut network raises (TimeoutError) and is retried like a refused connection
        while not await asyncio.wait_for(self.conn.fetchval("SELECT pg_try_advisory_lock($1)", self.key), 10):
            if not waited:
                log.info("standby: another process is active on this database; taking over when it stops")
                waited = True
            await asyncio.sleep(self.try_every)
        log.info("active: holding the database lock%s", " (took over)" if waited else "")
        await asyncio.sleep(self.fence)  # a previous holder that lost its connection has stopped by now

    def watch(self, on_lost: Callable[[str], Awaitable[None]]) -> None:
        """Check the lock connection every `check_every` seconds; on the first failure call `on_lost(reason)`."""

        async def loop() -> None:
            assert self.conn is not None
            while True:
                await asyncio.sleep(self.check_every)
                try:
                    await asyncio.wait_for(self.conn.fetchval("SELECT 1"), self.check_timeout)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # closed, terminated, timed out: we may no longer be the only one
                    self.lost = " ".join(str(exc).split()) or type(exc).__name__
                    log.warning("lost the database lock (%s): stopped sending; waiting as the standby", self.lost)
                    await on_lost(self.lost)
                    return

        self._watch = asyncio.create_task(loop(), name="standby-watch")

    async def unwatch(self) -> None:
        """Stop checking (the process stops serving); the lock connection stays until `release`."""
        if self._watch is not None:
            self._watch.cancel()
            try:
                await self._watch
            except (asyncio.CancelledError, Exception):
                pass
            self._watch = None

    def raise_if_lost(self) -> None:
        if self.lost is not None:
            raise LockLost(
                LOCK_LOST,
                f"lost the database lock ({self.lost}): stopped sending so another process can take over; "
                "start again to wait as the standby",
            )

    async def release(self) -> None:
        await self.unwatch()
        if self.conn is not None:
            conn, self.conn = self.conn, None
            try:
                await asyncio.wait_for(conn.close(), 2)  # ends the session: the lock goes with it
            except Exception:
                conn.terminate()


def stop_sending(app: Any, dispatcher: Any, stop: asyncio.Event) -> Callable[[str], Awaitable[None]]:
    """What the active process does when its lock is lost: no more sends from here, at once.

    The dispatcher's round is cancelled (rows it marked `sending` are taken back by the next active process and
    tried once more), the jobs are paused and polling ends; setting `stop` ends `serve`, and the process waits
    as the standby (bot/cli.py `run_bot`)."""

    async def on_lost(_reason: str) -> None:
        svc = app.bot_data.get("services")
        if svc is not None:
            svc.metrics.standby = True  # /healthz and /metrics say so from this moment
        await dispatcher.stop()
        if app.job_queue is not None and app.job_queue.scheduler.running:
            app.job_queue.scheduler.pause()
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        stop.set()

    return on_lost


async def become_active(database_url: str, **options: Any) -> Leadership | None:
    """PostgreSQL: wait until this process is the active one and return its lock; SQLite: None (see sqlite_lock)."""
    if make_url(database_url).get_backend_name() != "postgresql":
        return None
    leader = Leadership(database_url, **options)
    try:
        await leader.acquire()
    except BaseException:
        await leader.release()
        raise
    return leader


@contextmanager
def sqlite_lock(database_url: str) -> Iterator[None]:
    """Hold an exclusive lock on `<file>.lock` while the block runs; a second process gets `ALREADY_RUNNING`."""
    url = make_url(database_url)
    path = url.database or ""
    if url.get_backend_name() != "sqlite" or not path or path == ":memory:" or path.startswith("file:"):
        yield
        return
    lock_path = Path(path).with_name(Path(path).name + ".lock")
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise StartupError(
            DATABASE_NOT_WRITABLE,
            f"cannot create the lock file {lock_path} ({exc.strerror}): the SQLite file's directory must exist and "
            "be writable by the bot's user",
        ) from exc
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StartupError(
                ALREADY_RUNNING,
                f"another actionbot process is running on the SQLite file {path} (it holds {lock_path}): stop it "
                "first; only one process may use a SQLite database (a hot standby needs PostgreSQL)",
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        os.close(fd)  # releases the lock; the file stays (removing it could race a process starting now)
