"""Waiting for the database instead of exiting: at start-up and after the active process lost it.

A process that cannot reach its database (PostgreSQL stopped, the network cut) stays up as a waiting standby:
/healthz answers 503 with the reason and since when, /metrics keeps serving, and it tries again with a growing
pause (1 s, doubling, at most `MAX_PAUSE`). Once the database answers it waits for the lock as any standby
(bot/standby.py, with the grace after taking over) and becomes active. `[database] wait_minutes` limits the
wait (exit 11, `DATABASE_UNREACHABLE`); 0, the default, waits for as long as it takes, which is what a service
or container wants: a restart loop shows nothing an operator can act on, a waiting process says why.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from bot import standby, startup
from core.config import Config
from models.db import Database
from models.outage import is_database_outage

log = logging.getLogger("actionbot.standby")
FIRST_PAUSE = 1.0
MAX_PAUSE = 10.0  # an attempt costs one refused connection; the database is back within 10 s


async def until_active(
    config: Config,
    db: Database,
    prepare: Callable[[], Awaitable[None]],
    stop: asyncio.Event,
    **lock_options: Any,
) -> tuple[bool, standby.Leadership | None]:
    """Wait until this process is the active one and its database prepared (migrations, teams): (True, lock).

    (False, None) when `stop` was set meanwhile (SIGTERM while waiting). A database failure other than
    "unreachable" (a refused login, a missing database) is raised as its `StartupError` at once."""
    pause, started = FIRST_PAUSE, time.monotonic()
    limit = config.database_wait.total_seconds() if config.database_wait else None
    while not stop.is_set():
        leader: standby.Leadership | None = None
        try:
            with startup.database_step(config.database_url):
                connected = db.outage.ok if db.outage is not None else None  # ends the outage in the log
                leader = await _first(
                    standby.become_active(config.database_url, on_connected=connected, **lock_options), stop
                )
                if stop.is_set():
                    await _release(leader)
                    return False, None
                await prepare()  # migrations: run once, by the active process
            return True, leader
        except Exception as exc:
            await _release(leader)
            failure = _unreachable(exc, config.database_url)
            if failure is None:
                raise
            if db.outage is not None and db.outage.failed(str(failure)):
                log.warning("waiting for the database: trying again with a growing pause (at most %.0f s)%s",
                            MAX_PAUSE, f"; giving up after {limit:.0f} s" if limit else "")  # fmt: skip
            if limit is not None and time.monotonic() - started + pause > limit:
                raise failure from (None if failure is exc else exc)
        try:
            await asyncio.wait_for(stop.wait(), pause)
        except TimeoutError:
            pass
        pause = min(MAX_PAUSE, pause * 2)
    return False, None


def _unreachable(exc: Exception, database_url: str) -> startup.StartupError | None:
    """The failure as "database unreachable" (exit 11 once the wait is over), or None for any other failure."""
    if isinstance(exc, startup.StartupError):
        return exc if exc.code == startup.DATABASE_UNREACHABLE else None
    if not is_database_outage(exc):
        return None
    where = startup.explain_database_error(ConnectionError(str(exc)), database_url)
    return where or startup.StartupError(startup.DATABASE_UNREACHABLE, f"the database connection failed ({exc})")


async def _first(waiting: Awaitable[standby.Leadership | None], stop: asyncio.Event) -> standby.Leadership | None:
    """`waiting`, or None as soon as `stop` is set (the lock attempt is then cancelled and its session closed)."""
    task = asyncio.ensure_future(waiting)
    stopping = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait((task, stopping), return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
    if task.done():
        return task.result()
    task.cancel()
    try:
        await task
    except (asyncio.CancelledError, Exception):
        pass
    return None


async def _release(leader: standby.Leadership | None) -> None:
    if leader is not None:
        await leader.release()
