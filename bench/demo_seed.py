"""How long a fresh demo's seeding takes (it runs at every `actionbot demo --fresh`), with and without the
four months of history (demo/history.py), on a new SQLite file each, in this one run.

    python -m bench.demo_seed

Prints seconds and SQL statements of each: the statements do not depend on the machine's load, the seconds do.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

from sqlalchemy import event

from bot.application import prepare
from bot.processing import database_options
from core.config import load_config
from demo import seed
from demo.run import demo_config
from models.clock import FrozenClock
from models.db import Database

ROOT = Path(__file__).resolve().parent.parent
START = datetime(2026, 12, 9, 19, 30, tzinfo=ZoneInfo("Europe/Berlin"))


async def _seed(folder: Path, with_history: bool) -> tuple[float, int]:
    config = demo_config(load_config(ROOT / "config.example.toml", require_token=False), folder / "demo.db")
    db = Database(config.database_url, **database_options(config.database_url))
    statements: Counter[str] = Counter()

    def count(*_args: Any) -> None:
        statements["all"] += 1

    try:
        await prepare(config, db, FrozenClock(START))
        event.listen(db.engine.sync_engine, "before_cursor_execute", count)
        began = time.perf_counter()
        if with_history:
            await seed.seed(db, config, START)
        else:
            with mock.patch("demo.history.seed", new=mock.AsyncMock()):
                await seed.seed(db, config, START)
        return time.perf_counter() - began, statements["all"]
    finally:
        await db.dispose()


async def main() -> None:
    for label, with_history in (("baseline (people, one past meeting, ideas)", False), ("with history", True)):
        with tempfile.TemporaryDirectory() as folder:
            seconds, statements = await _seed(Path(folder), with_history)
        print(f"{label:45} {seconds:6.2f} s  {statements:6d} SQL statements")


if __name__ == "__main__":
    asyncio.run(main())
