"""`actionbot db backup|restore|copy`: the operator's side of bot/backup.py and bot/dbcopy.py.

Each prints one line saying what it did (stdout) or why it did nothing (stderr, exit code 1).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from sqlalchemy.exc import DBAPIError

from bot import backup, dbcopy
from core.config import load_config
from models.clock import Clock
from models.db import Database


def add_parsers(dbsub: Any) -> None:
    b = dbsub.add_parser("backup", help="back up the database (SQLite: online copy; PostgreSQL: pg_dump)")
    b.add_argument("--out", help="backup file (default: <[backup] folder or .>/actionbot-manual-<UTC time>.db|.dump)")
    r = dbsub.add_parser("restore", help="restore a backup made by `db backup` into the configured database")
    r.add_argument("file", help="the backup file")
    r.add_argument("--force", action="store_true", help="replace the contents of a database that is not empty")
    c = dbsub.add_parser("copy", help="copy every row into another (migrated, empty) database")
    c.add_argument("--from", dest="from_url", required=True, help="source URL, e.g. sqlite+aiosqlite:///actionbot.db")
    c.add_argument("--to", dest="to_url", required=True, help="target URL, e.g. postgresql+asyncpg://u:pw@host/db")


async def _backup(url: str, out: str | None, folder: str) -> int:
    if backup.is_sqlite(url) and not backup.sqlite_file(url).is_file():  # (opening it would create it)
        print(f"actionbot: backup failed: {backup.sqlite_file(url)}: database file not found", file=sys.stderr)
        return 1
    db = Database(url)
    try:
        clock = Clock()
        path = Path(out) if out else Path(folder or ".") / backup.backup_name("manual", url, clock.now())
        outcome = await backup.backup(db, path, "manual", clock)
    finally:
        await db.dispose()
    if not outcome.ok:
        print(f"actionbot: backup failed: {outcome.error}", file=sys.stderr)
        return 1
    print(f"backup written: {path} ({outcome.size_bytes or 0:,} bytes)")
    return 0


def run(config_path: str, args: argparse.Namespace) -> int:
    try:
        if args.action == "copy":
            counts = asyncio.run(dbcopy.copy(args.from_url, args.to_url))
            print(
                f"copied {sum(counts.values()):,} rows in {len(counts)} tables from "
                f"{backup.public_url(args.from_url)} to {backup.public_url(args.to_url)}; row counts match"
            )
            return 0
        config = load_config(config_path, require_token=False)
        if args.action == "backup":
            return asyncio.run(_backup(config.database_url, args.out, config.backup.folder))
        print(asyncio.run(backup.restore(config.database_url, Path(args.file), force=args.force)))
        return 0
    except backup.BackupError as exc:
        print(f"actionbot: {exc}", file=sys.stderr)
        return 1
    except DBAPIError as exc:  # e.g. a row the target's constraints refuse: the copy's transaction was rolled back
        print(f"actionbot: {args.action} failed, nothing was changed: {str(exc.orig).splitlines()[0]}", file=sys.stderr)
        return 1
