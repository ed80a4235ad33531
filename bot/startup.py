"""Start-up failures as one line and a distinct exit code, never a traceback (README: "Exit codes").

A cause a restart cannot fix (a refused token, a wrong password, a missing or damaged database) is
*permanent*: its code is listed in the systemd unit's `RestartPreventExitStatus=`, so the unit stops
instead of restarting forever. A cause that may go away by itself (the Bot API or the database server
not reachable, the webhook port still held) is *transient*: systemd tries again. Anything not
recognised here is a bug and keeps its traceback (exit code 1).
"""

from __future__ import annotations

import errno
import socket
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy.engine import URL, make_url
from telegram.error import BadRequest, InvalidToken, NetworkError, RetryAfter

from core.config import Config, WebhookConfig
from models.outage import exception_chain

CONFIG_ERROR = 2  # bot.config.ConfigError: one line naming the key
TOKEN_REFUSED = 3
DATABASE_LOGIN_REFUSED = 4
DATABASE_MISSING = 5
DATABASE_NOT_WRITABLE = 6
DATABASE_DAMAGED = 7
BOT_API_UNREACHABLE = 10
DATABASE_UNREACHABLE = 11
WEBHOOK_PORT_IN_USE = 12
ALREADY_RUNNING = 13  # bot/standby.py: another process runs on the same SQLite file
LOCK_LOST = 14  # bot/standby.py: the active process lost its PostgreSQL lock connection and stopped sending
PERMANENT = (CONFIG_ERROR, TOKEN_REFUSED, DATABASE_LOGIN_REFUSED, DATABASE_MISSING, DATABASE_NOT_WRITABLE,
             DATABASE_DAMAGED)  # fmt: skip
TRANSIENT = (BOT_API_UNREACHABLE, DATABASE_UNREACHABLE, WEBHOOK_PORT_IN_USE, ALREADY_RUNNING, LOCK_LOST)
DEFAULT_API = "https://api.telegram.org"
_NO_ROUTE = {errno.ECONNREFUSED, errno.EHOSTUNREACH, errno.ENETUNREACH, errno.ETIMEDOUT, errno.ECONNRESET}


class StartupError(Exception):
    """The bot cannot start: `str()` is the one line for stderr, `code` the exit code."""

    def __init__(self, code: int, text: str) -> None:
        super().__init__(text)
        self.code = code


def _short(exc: BaseException) -> str:
    """The exception's own words on one line, kept short."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "..."


def _unreachable(e: BaseException) -> bool:
    if isinstance(e, ConnectionError | TimeoutError | socket.gaierror):
        return True
    return isinstance(e, OSError) and e.errno in _NO_ROUTE


# --- the database ---------------------------------------------------------------------------------------


def _where(url: URL) -> str:
    if url.get_backend_name() == "sqlite":
        return f"the SQLite file {url.database}"
    host = url.host or url.query.get("host")
    return f"database {url.database!r} on {host}:{url.port or 5432} as user {url.username or '(none)'!r}"


def _sqlite_error(e: sqlite3.Error, url: URL) -> StartupError | None:
    name = getattr(e, "sqlite_errorname", "")
    where = _where(url)
    if name in ("SQLITE_NOTADB", "SQLITE_CORRUPT"):
        return StartupError(
            DATABASE_DAMAGED,
            f"{where} is not a SQLite database or is damaged ({_short(e)}): restore it from a backup or "
            "point database.url at the right file",
        )
    if name in ("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_FULL"):
        return StartupError(
            DATABASE_NOT_WRITABLE,
            f"cannot write {where} ({_short(e)}): the file and its directory must exist and be writable "
            "by the bot's user (and the disk not full)",
        )
    if "no such table" in str(e):
        return StartupError(DATABASE_MISSING, f"{where} has no tables yet: run `actionbot db upgrade` first")
    if name in ("SQLITE_BUSY", "SQLITE_LOCKED"):
        return StartupError(DATABASE_UNREACHABLE, f"{where} is locked by another process ({_short(e)}): try again")
    return None


def _postgres_error(e: asyncpg.PostgresError, url: URL) -> StartupError | None:
    state, where = e.sqlstate or "", _where(url)
    if state.startswith("28"):
        return StartupError(
            DATABASE_LOGIN_REFUSED,
            f"the database refused the login to {where} ({_short(e)}): check user and password in database.url "
            "or DATABASE_URL (special characters percent-encoded)",
        )
    if state == "3D000":
        return StartupError(
            DATABASE_MISSING,
            f"{where} does not exist: create it (README, Running with PostgreSQL) or fix the name in database.url",
        )
    if state == "42P01":  # undefined table: only the queries get here, `run` and `db upgrade` migrate first
        return StartupError(DATABASE_MISSING, f"{where} has no tables yet: run `actionbot db upgrade` first")
    if state == "42501":
        return StartupError(
            DATABASE_LOGIN_REFUSED,
            f"the user may not create or change tables in {where} ({_short(e)}): make it the database's owner",
        )
    if state[:2] in ("08", "53", "57"):
        return StartupError(DATABASE_UNREACHABLE, f"{where} is not available ({_short(e)}): try again later")
    return None


def explain_database_error(exc: BaseException, database_url: str) -> StartupError | None:
    url = make_url(database_url)
    for e in exception_chain(exc):
        if isinstance(e, asyncpg.PostgresError):
            return _postgres_error(e, url)
        if isinstance(e, sqlite3.Error):
            return _sqlite_error(e, url)
        if _unreachable(e):
            return StartupError(
                DATABASE_UNREACHABLE,
                f"cannot reach {_where(url)} ({_short(e)}): is PostgreSQL running there, and are host and port "
                "in database.url right?",
            )
    return None


@contextmanager
def database_step(database_url: str) -> Iterator[None]:
    """Turn a recognised database failure inside the block into a `StartupError`."""
    try:
        yield
    except Exception as exc:
        explained = explain_database_error(exc, database_url)
        if explained is None:
            raise
        raise explained from exc


def check_sqlite(database_url: str, write: bool) -> None:
    """Open a SQLite database as the bot will, before any pool or migration is involved (aiosqlite reports a
    file it cannot open with a thread traceback besides the error). `write`: also try a write (the bot and
    `db upgrade` need one; the queries do not, and then the file must exist already)."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return
    args, kwargs = url.get_dialect()().create_connect_args(url)  # exactly what the engine will pass to sqlite3
    options: dict[str, Any] = {**kwargs, "isolation_level": None}
    if not write and not options.get("uri") and not Path(args[0]).exists():
        raise StartupError(
            DATABASE_MISSING,
            f"there is no SQLite file {args[0]}: run `actionbot db upgrade` (or start the bot) first, or fix "
            "database.url",
        )
    try:
        conn = sqlite3.connect(str(args[0]), **options)
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]  # reads the header: NOTADB shows here
            if write:
                conn.execute("BEGIN IMMEDIATE")
                conn.execute(f"PRAGMA user_version = {int(version)}")  # a real write, rolled back
                conn.execute("ROLLBACK")
        finally:
            conn.close()
    except sqlite3.Error as exc:
        explained = _sqlite_error(exc, url)
        if explained is None:
            raise
        raise explained from exc


# --- Telegram -------------------------------------------------------------------------------------------


def _redacted(text: str, config: Config) -> str:
    for secret in (config.token, config.webhook.secret_token):
        if secret:
            text = text.replace(secret, "<token>")
    return text


@contextmanager
def telegram_step(config: Config) -> Iterator[None]:
    """Turn a refused token or an unreachable Bot API inside the block into a `StartupError`."""
    api = config.api_base_url
    try:
        yield
    except InvalidToken as exc:
        other_server = "" if api == DEFAULT_API else f", or telegram.api_base_url ({api}) is no Bot API server"
        raise StartupError(
            TOKEN_REFUSED,
            f"the Bot API refused the token (telegram.token or TELEGRAM_BOT_TOKEN): copy it again from @BotFather "
            f"(/mybots, API Token); after /revoke only the new one works{other_server}",
        ) from exc
    except RetryAfter as exc:
        raise StartupError(
            BOT_API_UNREACHABLE, f"the Bot API asks to wait {exc.retry_after} s before the next request: try again"
        ) from exc
    except BadRequest:
        raise
    except NetworkError as exc:
        raise StartupError(
            BOT_API_UNREACHABLE,
            _redacted(
                f"cannot reach the Bot API at {api} ({_short(exc)}): check the network, DNS, firewall or proxy", config
            ),
        ) from exc


@contextmanager
def webhook_step(config: Config) -> Iterator[None]:
    """Listening on the webhook address and registering it with Telegram."""
    wh: WebhookConfig = config.webhook
    try:
        yield
    except BadRequest as exc:
        raise StartupError(
            CONFIG_ERROR,
            _redacted(f"telegram.webhook.public_url: Telegram refused the webhook ({_short(exc)})", config),
        ) from exc
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise StartupError(
                WEBHOOK_PORT_IN_USE,
                f"telegram.webhook.port: {wh.listen}:{wh.port} is in use by another process (an old bot still "
                "stopping?): stop it or choose another port",
            ) from exc
        raise StartupError(
            CONFIG_ERROR, f"telegram.webhook.listen: cannot listen on {wh.listen}:{wh.port} ({_short(exc)})"
        ) from exc
