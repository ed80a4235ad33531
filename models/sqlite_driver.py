"""SQLite statements in one trip to aiosqlite's thread instead of four.

SQLAlchemy's aiosqlite adapter hands every statement to aiosqlite's worker thread four times: open a
cursor, execute, fetch the rows, close the cursor. Each trip wakes the thread, wakes the event loop through
its self-pipe and runs a loop iteration; the benchmark (`python -m bench`, per-update pass) showed these
trips as the largest cost of a SQLite statement, about half of its CPU. `OneTripCursor` does the four in one
function on the worker thread; everything else (error translation, the execute lock, results, server-side
cursors) stays SQLAlchemy's. `make_engine` (models/db.py) passes `dbapi()` as the engine's DBAPI module.

It relies on two internals, exercised by tests/test_db_driver.py: aiosqlite's
`Connection._execute(fn)` (run `fn` on the worker thread) and `_conn` (the sqlite3 connection), the same ones
SQLAlchemy's own adapter uses for its isolation level.
"""

from __future__ import annotations

import collections
import sqlite3
from typing import Any

import aiosqlite
from aiosqlite.cursor import Cursor
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import immutabledict


def _run(conn: sqlite3.Connection, operation: Any, parameters: Any, many: bool) -> tuple[sqlite3.Cursor, Any, Any]:
    """On the worker thread: a cursor, the statement, all its rows, the cursor closed (rowcount, lastrowid and
    the description stay readable on a closed sqlite3 cursor)."""
    cursor = conn.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else None
    finally:
        cursor.close()
    return cursor, description, rows


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    """The adapter's cursor with execute, fetch and close in a single trip to the worker thread."""

    __slots__ = ()

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection) -> None:  # no trip to open a cursor
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]
        self._soft_closed_memoized = immutabledict({"description": None})  # nothing open yet: close() does nothing
        self._rows = collections.deque()

    async def _trip(self, operation: Any, parameters: Any, many: bool) -> Any:
        connection: Any = self._connection
        async with self._adapt_connection._execute_mutex:
            cursor, description, rows = await connection._execute(_run, connection._conn, operation, parameters, many)
        self._cursor = Cursor(connection, cursor)  # type: ignore[assignment]  # for rowcount and lastrowid
        self._soft_closed_memoized = immutabledict({"description": description})  # closed on the thread
        self._rows = collections.deque(rows) if rows is not None else collections.deque()
        return self._cursor

    async def _execute_async(self, operation: Any, parameters: Any) -> Any:
        return await self._trip(operation, parameters, False)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> Any:
        return await self._trip(operation, seq_of_parameters, True)

    async def _async_soft_close(self) -> None:
        """Nothing left to close: the worker thread closed the cursor with the statement."""


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = OneTripCursor  # type: ignore[assignment]


class OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """SQLAlchemy's aiosqlite DBAPI adapter, handing out connections whose cursors make one trip."""

    def connect(self, *arg: Any, **kw: Any) -> OneTripConnection:
        adapted = super().connect(*arg, **kw)
        return OneTripConnection(self, adapted._connection)


def dbapi() -> OneTripDBAPI:
    return OneTripDBAPI(aiosqlite, sqlite3)
