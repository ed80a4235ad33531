"""Outages of what the bot depends on (the database, Telegram), logged as what they are.

An outage is normal for a service running for years: a database restart, a network hiccup, Telegram answering
502 for a minute. Every caller that meets one reports it here; the log gets one WARNING when it starts
("Datenbank nicht erreichbar seit …") and one INFO when the next call succeeds, with the duration — never one
ERROR with a traceback per failed call. Errors that are *not* outages (a bug, a constraint) are not classified
here and keep their traceback where they are logged.
"""

from __future__ import annotations

import errno
import logging
import socket
import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import asyncpg
from sqlalchemy import exc as sa_exc

log = logging.getLogger("actionbot.outage")

_NO_ROUTE = {errno.ECONNREFUSED, errno.EHOSTUNREACH, errno.ENETUNREACH, errno.ETIMEDOUT, errno.ECONNRESET,
             errno.EPIPE, errno.ECONNABORTED}  # fmt: skip


def exception_chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception and everything it was raised from (SQLAlchemy keeps the driver's error in `orig`)."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        e = todo.pop(0)
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        orig = getattr(e, "orig", None)
        todo += [e.__cause__, e.__context__, orig if isinstance(orig, BaseException) else None]


def is_database_outage(exc: BaseException) -> bool:
    """The database server cannot be reached or dropped the connection: transient, retried by the next run."""
    for e in exception_chain(exc):
        if isinstance(e, sa_exc.DBAPIError) and e.connection_invalidated:
            return True
        if isinstance(e, sa_exc.TimeoutError):  # the pool waited in vain for a connection
            return True
        if isinstance(e, asyncpg.PostgresError):
            return (e.sqlstate or "")[:2] in ("08", "53", "57")  # connection, resources, operator (shutdown)
        if isinstance(e, asyncpg.InterfaceError) and "connection" in str(e).lower():
            return True  # "connection is closed", "cannot perform operation: another operation is in progress"
        if isinstance(e, sqlite3.Error):
            return False
        if isinstance(e, ConnectionError | TimeoutError | socket.gaierror):
            return True
        if isinstance(e, OSError) and e.errno in _NO_ROUTE:
            return True
    return False


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    text = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "..."


def _cause(exc: BaseException) -> BaseException:
    """The innermost error of the chain: the driver's own words, not SQLAlchemy's wrapper with the SQL."""
    found = list(exception_chain(exc))
    return found[-1] if found else exc


class Outage:
    """One dependency's state: reachable, or unreachable since `since` (logged once at start and at end).

    `now` is the injected clock; `on_change(dependency, since_or_None, seconds)` feeds the metrics."""

    def __init__(
        self,
        name: str,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        on_change: Callable[[str, datetime | None, float], None] | None = None,
        *,
        dependency: str = "",
    ) -> None:
        self.name = name  # as the log says it: "Datenbank", "Telegram"
        self.dependency = dependency or name.lower()  # the metrics label: database, telegram
        self.now, self.on_change = now, on_change
        self.since: datetime | None = None
        self.reason = ""

    @property
    def down(self) -> bool:
        return self.since is not None

    def failed(self, exc: BaseException | str) -> bool:
        """Report a failed call; True when this started the outage (and the WARNING was logged)."""
        if self.since is not None:
            return False
        self.since = self.now()
        self.reason = exc if isinstance(exc, str) else _short(_cause(exc))
        log.warning("%s nicht erreichbar seit %s (%s)", self.name, _when(self.since), self.reason,
                    extra={"dependency": self.dependency, "since": self.since.isoformat()})  # fmt: skip
        if self.on_change is not None:
            self.on_change(self.dependency, self.since, 0.0)
        return True

    def ok(self) -> None:
        """Report a successful call: ends an outage (one INFO with its duration), otherwise nothing."""
        if self.since is None:
            return
        since, self.since = self.since, None
        seconds = max(0.0, (self.now() - since).total_seconds())
        log.info("%s wieder erreichbar nach %.0f s (nicht erreichbar seit %s)", self.name, seconds, _when(since),
                 extra={"dependency": self.dependency, "seconds": round(seconds, 1)})  # fmt: skip
        if self.on_change is not None:
            self.on_change(self.dependency, None, seconds)


def _when(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
