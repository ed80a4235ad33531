"""Benchmark backup, restore and the move to PostgreSQL on the two-year data set (bench/twoyears.py).

`python -m bench.backup [--postgres URL | --no-postgres] [--keep DIR]`

SQLite: the data set is written to a fresh file; `actionbot db backup` and `actionbot db restore` (into a new
file) each run as their own CLI process, as the operator runs them, and `os.wait4` gives that child's peak RSS
and CPU time. PostgreSQL: `actionbot db copy` moves the SQLite file into a fresh database (the documented move,
timed too), then backup (pg_dump) and restore (pg_restore into another fresh database). Every restore's row
count is compared with the source's. The load average is printed: the machine is shared.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from bench import twoyears
from bench.process import pg_databases, run_cli
from bot.backup import contents
from models.db import make_engine
from models.migrate import upgrade
from tests.report_helpers import config

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PG = os.environ.get("ACTIONBOT_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


@dataclass
class Step:
    database: str
    what: str
    wall: float
    cpu: float
    peak_mb: float
    detail: str


def cli(config_path: Path | None, *args: str) -> tuple[float, float, float, str]:
    """Run `python -m bot ...` once; wall seconds, CPU seconds, peak RSS (MB) of that child alone, its output."""
    m = run_cli(config_path, *args)
    return m.wall, m.cpu, m.peak_mb, m.stdout.strip()


def config_file(workdir: Path, url: str) -> Path:
    text = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    path = workdir / f"config-{uuid.uuid4().hex[:6]}.toml"
    path.write_text(text.replace('url = "sqlite+aiosqlite:///actionbot.db"', f'url = "{url}"'), encoding="utf-8")
    return path


def rows_of(url: str) -> int:
    async def go() -> int:
        engine: AsyncEngine = make_engine(url)
        try:
            return (await contents(engine)).rows
        finally:
            await engine.dispose()

    return asyncio.run(go())


def step(steps: list[Step], database: str, what: str, figures: tuple[float, float, float, str], detail: str) -> None:
    wall, cpu, peak, _ = figures
    steps.append(Step(database, what, wall, cpu, peak, detail))
    print(f"  {database:10} {what:8} {wall:6.2f} s wall {cpu:6.2f} s CPU {peak:6.0f} MB peak  {detail}", flush=True)


def mb(path: Path) -> str:
    return f"{path.stat().st_size / 1024 / 1024:.1f} MB"


def backup_restore(steps: list[Step], name: str, source: str, target: str, file: Path, workdir: Path) -> None:
    expected = rows_of(source)  # before the backup: its own outcome row is written after the copy
    step(steps, name, "backup", cli(config_file(workdir, source), "db", "backup", "--out", str(file)), mb(file))
    figures = cli(config_file(workdir, target), "db", "restore", str(file))
    got = rows_of(target)
    if got != expected:
        raise RuntimeError(f"{name}: restored {got:,} rows, expected {expected:,}")
    step(steps, name, "restore", figures, f"{got:,} rows back")


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.backup", description=__doc__.split("\n")[0])
    parser.add_argument("--postgres", default=DEFAULT_PG, help="admin URL (postgresql://…) of a server to use")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} CPUs)")
    steps: list[Step] = []
    with tempfile.TemporaryDirectory(prefix="actionbot-bench-") as tmp:
        workdir = Path(tmp)
        db_file = workdir / "twoyears.db"
        sqlite = f"sqlite+aiosqlite:///{db_file}"
        started = time.perf_counter()
        rows = asyncio.run(twoyears.seed(sqlite, config()))
        print(f"data set: {rows:,} rows, SQLite file {mb(db_file)}, seeded in {time.perf_counter() - started:.0f} s")
        restored = f"sqlite+aiosqlite:///{workdir / 'restored.db'}"
        backup_restore(steps, "sqlite", sqlite, restored, workdir / "backup.db", workdir)
        if not args.no_postgres:
            with pg_databases(args.postgres, 2) as urls:
                if urls:
                    pg, pg_restored = urls
                    asyncio.run(upgrade(pg))
                    figures = cli(None, "db", "copy", "--from", sqlite, "--to", pg)
                    step(steps, "postgresql", "copy", figures, figures[3].split(" in ")[0])
                    backup_restore(steps, "postgresql", pg, pg_restored, workdir / "backup.dump", workdir)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("\n| database | step | wall s | CPU s | peak MB | |")
    print("|---|---|---:|---:|---:|---|")
    for s in steps:
        print(f"| {s.database} | {s.what} | {s.wall:.2f} | {s.cpu:.2f} | {s.peak_mb:.0f} | {s.detail} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
