"""Applying migrations: the only way the schema is made, on SQLite and PostgreSQL alike.

Alembic's env.py uses `asyncio.run`, so `upgrade` runs it in a worker thread when called from
inside a running event loop (the bot applies pending migrations on start).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(url: str) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade_sync(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


async def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at `url` to `revision` (head by default)."""
    await asyncio.to_thread(upgrade_sync, url, revision)
