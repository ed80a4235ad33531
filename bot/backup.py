"""`actionbot db backup` / `db restore` and the daily backup with rotation.

SQLite: the online backup API (`sqlite3.Connection.backup`) in a worker thread, so the copy is consistent while
the bot writes (WAL: readers never block writers) and the event loop never waits for it. PostgreSQL: `pg_dump`
and `pg_restore` in the custom format, as subprocesses. A backup is written to `<file>.part`, checked and only
then renamed, so a file with the real name is always complete. Every outcome is stored (models/backups.py).
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import sqlite3
import time as monotonic
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, inspect, select, table, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError
from sqlalchemy.ext.asyncio import AsyncEngine

from core.config import Config
from models import backups
from models.clock import Clock
from models.db import Database, make_engine

log = logging.getLogger("actionbot.backup")
SQLITE_MAGIC, PGDUMP_MAGIC = b"SQLite format 3\x00", b"PGDMP"
CHECK_INTERVAL = 300.0  # seconds between the daily job's "is a backup due?" checks
_running = asyncio.Lock()


class BackupError(Exception):
    """A backup, restore or copy that cannot go ahead; phrased for one line of output."""


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def sqlite_file(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError(f"{url}: not a SQLite database file")
    return Path(database)


def public_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    return make_url(url).render_as_string(hide_password=True)


def _pg_env(url: str) -> tuple[dict[str, str], str]:
    u = make_url(url)
    env = dict(os.environ)
    for key, value in (("PGHOST", u.host), ("PGPORT", u.port), ("PGUSER", u.username), ("PGPASSWORD", u.password)):
        if value is not None:
            env[key] = str(value)
    return env, u.database or ""


def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} not found: install the PostgreSQL client tools (Debian/Ubuntu: apt install postgresql-client) "
            "of the server's major version or newer"
        )
    return path


async def _run_tool(args: list[str], env: dict[str, str]) -> None:
    proc = await asyncio.create_subprocess_exec(
        *args, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
    )
    _, err = await proc.communicate()
    if proc.returncode != 0:
        lines = [line for line in err.decode(errors="replace").splitlines() if line.strip()]
        raise BackupError(f"{Path(args[0]).name} failed: {lines[0] if lines else f'exit code {proc.returncode}'}")


def _sqlite_backup(source: Path, out: Path) -> None:
    if not source.exists():
        raise BackupError(f"{source}: database file not found")
    part = out.with_name(out.name + ".part")
    part.unlink(missing_ok=True)
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(part)
    try:
        src.backup(dst)  # all pages in one step: one consistent snapshot
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        if dst.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise BackupError(f"{part}: the copy failed its integrity check")
    finally:
        dst.close()
        src.close()
    os.replace(part, out)


async def write_backup(url: str, out: Path) -> int:
    """Back up the database at `url` into `out`; returns the file size in bytes."""
    out.parent.mkdir(parents=True, exist_ok=True)
    if is_sqlite(url):
        await asyncio.to_thread(_sqlite_backup, sqlite_file(url), out)
    else:
        env, name = _pg_env(url)
        part = out.with_name(out.name + ".part")
        await _run_tool([_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",
                         f"--file={part}", "--dbname", name], env)  # fmt: skip
        await asyncio.to_thread(os.replace, part, out)
    return await asyncio.to_thread(os.path.getsize, out)


def backup_name(kind: str, url: str, when: datetime) -> str:
    """`actionbot-daily-20261130T023000Z.db`: UTC, so names sort in time order across DST changes."""
    return f"actionbot-{kind}-{when.strftime('%Y%m%dT%H%M%SZ')}.{'db' if is_sqlite(url) else 'dump'}"


async def backup(db: Database, out: Path, kind: str, clock: Clock) -> backups.Outcome:
    """Run one backup and store its outcome (stored even when the backup failed)."""
    started, t0 = clock.now(), monotonic.monotonic()
    try:
        size = await write_backup(db.url, out)
        outcome = backups.Outcome(kind, started, clock.now(), True, str(out), size)
        log.info("backup ok: %s (%s bytes, %.1f s)", out, f"{size:,}", monotonic.monotonic() - t0)
    except (BackupError, OSError, sqlite3.Error) as exc:
        outcome = backups.Outcome(kind, started, clock.now(), False, str(out), None, str(exc) or type(exc).__name__)
        log.error("backup failed: %s: %s", out, outcome.error)
    try:
        async with db.transaction() as s:
            await backups.record(s, outcome)
    except DBAPIError as exc:  # e.g. a database not yet upgraded to 0005
        log.warning("backup outcome not stored: %s", exc.orig)
    return outcome


def rotate(folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` daily backups in `folder`; manual ones are never touched."""
    daily = sorted(p for p in folder.glob("actionbot-daily-*") if p.suffix in (".db", ".dump"))
    doomed = daily[:-keep] if keep > 0 else daily
    for path in doomed:
        path.unlink(missing_ok=True)
    return doomed


async def daily(db: Database, config: Config, clock: Clock) -> backups.Outcome | None:
    """The daily job's one check: back up if due (at most one successful daily backup a day), then rotate."""
    if not config.backup.enabled or _running.locked():
        return None
    async with _running:
        async with db.transaction() as s:
            ok = await backups.last_backup(s, ok_only=True, kind="daily")
            tried = await backups.last_backup(s, kind="daily")
        last_ok, last_try = (ok.started_at if ok else None), (tried.started_at if tried else None)
        if not backups.daily_due(clock.now(), config.backup.at, config.time_zone, last_ok, last_try):
            return None
        folder = Path(config.backup.folder)
        outcome = await backup(db, folder / backup_name("daily", db.url, clock.now()), "daily", clock)
        if outcome.ok:
            for path in rotate(folder, config.backup.keep):
                log.info("backup rotated out: %s", path)
        return outcome


def schedule(app: Any) -> None:
    """Check every few minutes whether the daily backup is due (PTB JobQueue; off without [backup] folder)."""
    svc = app.bot_data["services"]
    if not svc.config.backup.enabled:
        return

    async def job(_context: Any) -> None:
        try:
            await daily(svc.db, svc.config, svc.clock)
        except Exception:  # the job must never stop the bot; the next check tries again
            log.exception("daily backup check failed")

    assert app.job_queue is not None
    app.job_queue.run_repeating(job, interval=CHECK_INTERVAL, first=10.0, name="daily-backup")


@dataclass(frozen=True)
class Contents:
    tables: int
    rows: int


async def contents(engine: AsyncEngine) -> Contents:
    """Tables and rows of a database (Alembic's bookkeeping not counted); a missing SQLite file is empty."""
    async with engine.connect() as conn:
        names = await conn.run_sync(lambda c: inspect(c).get_table_names())
        names = [n for n in names if n != "alembic_version"]
        rows = 0
        for name in names:
            rows += (await conn.execute(select(func.count()).select_from(table(name)))).scalar_one()
    return Contents(len(names), rows)


async def _pg_other_sessions(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        query = "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        return int((await conn.execute(text(query))).scalar_one())


def _sqlite_restore(file: Path, target: Path) -> None:
    src = sqlite3.connect(f"file:{file}?mode=ro", uri=True)
    try:
        if src.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise BackupError(f"{file}: the backup failed its integrity check; nothing was changed")
        dst = sqlite3.connect(target, timeout=30)
        try:
            src.backup(dst)  # replaces every page of the target in one step
        finally:
            dst.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{file}: cannot be restored ({exc})") from None
    finally:
        src.close()


def _head(file: Path) -> bytes:
    if not file.is_file():
        raise BackupError(f"{file}: backup file not found")
    with file.open("rb") as f:
        return f.read(16)


async def restore(url: str, file: Path, force: bool = False) -> str:
    """Restore `file` into the database at `url`; refuses a non-empty target unless `force`. One-line summary."""
    head = _head(file)
    sqlite_backup, pg_backup = head.startswith(SQLITE_MAGIC), head.startswith(PGDUMP_MAGIC)
    if not (sqlite_backup or pg_backup):
        raise BackupError(f"{file}: not an actionbot backup (neither a SQLite file nor a pg_dump custom-format file)")
    if sqlite_backup != is_sqlite(url):
        made, target = ("SQLite", "PostgreSQL") if sqlite_backup else ("PostgreSQL", "SQLite")
        raise BackupError(
            f"{file} is a {made} backup and the target is {target}: restore it into a {made} database, then move "
            "it with `actionbot db copy --from URL --to URL`"
        )
    engine = make_engine(url)
    try:
        try:
            before = await contents(engine)
            others = 0 if is_sqlite(url) else await _pg_other_sessions(engine)
        except (OperationalError, ProgrammingError, OSError) as exc:
            raise BackupError(f"{public_url(url)}: cannot open the target database ({exc})") from None
        if not force and before.rows:
            raise BackupError(
                f"{public_url(url)} is not empty ({before.rows:,} rows in {before.tables} tables): stop the bot "
                "and add --force to replace everything in it; nothing was changed"
            )
        if not force and others:
            raise BackupError(
                f"{public_url(url)} has {others} other connection(s) (is the bot running?): stop it, or add --force"
            )
        await engine.dispose()
        if is_sqlite(url):
            await asyncio.to_thread(_sqlite_restore, file, sqlite_file(url))
        else:
            env, name = _pg_env(url)
            await _run_tool([_pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
                             "--single-transaction", "--exit-on-error", "--dbname", name, str(file)], env)  # fmt: skip
        after = await contents(engine)
    finally:
        await engine.dispose()
    replaced = f", replacing {before.rows:,} rows" if before.rows else ""
    return (
        f"restored {file} into {public_url(url)}: {after.rows:,} rows in {after.tables} tables{replaced}; "
        "the bot applies any newer migrations when it starts"
    )
