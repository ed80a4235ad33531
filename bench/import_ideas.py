"""Benchmark `actionbot import ideas` of 10,000 rows: wall time, CPU time and peak memory of the CLI process.

`python -m bench.import_ideas [--rows N] [--formats csv,xlsx] [--postgres URL | --no-postgres]`

A workshop's results file is generated once per format (N rows, each with a text, a field of action, two towns
and every third a team; CSV as German Excel writes it: UTF-8 with BOM, `;`). For each database (a fresh SQLite
file and, if PostgreSQL answers, a fresh PostgreSQL database), migrated with the configured teams and one
workshop, it runs `python -m bot import ideas FILE --workshop KEY --dry-run` and then the real import, each as its
own subprocess; `os.wait4` gives that child's own peak RSS and CPU time, so the figures include interpreter
start-up and imports, exactly what an operator waits for. The real import of each format goes into a database
of its own (an import of the same rows twice is refused per row). Every import's idea count is checked.
Target: ≤ 5 s per import. The load average is printed with the figures: they depend on it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import openpyxl
from sqlalchemy import func, select

from bench.process import pg_databases, run_cli
from models import teams, workshops
from models.db import Database
from models.migrate import upgrade
from models.tables import Idea
from tests.report_helpers import config

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PG = os.environ.get("ACTIONBOT_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
T0 = datetime(2026, 1, 1, tzinfo=UTC)
KEY = "bench-werkstatt"
FIELDS = ("Daseinsvorsorge", "Fachkräfte", "Bürgerschaftliches Engagement")
TOWNS = ("Saalfeld, Rudolstadt", "Rudolstadt; Bad Blankenburg", "alle")
TEAMS = ("daseinsvorsorge", "", "")
WAIT_LIMIT = 5.0


@dataclass
class Run:
    database: str
    fmt: str
    mode: str
    rows: int
    wall: float
    cpu: float
    peak_mb: float

    @property
    def ok(self) -> bool:
        return self.wall <= WAIT_LIMIT


def rows(n: int) -> list[list[str]]:
    return [
        [
            f"Idee {i} aus der Werkstatt: Treffpunkte für Jung und Alt, Busse am Abend – {'x' * (i % 150)}",
            FIELDS[i % 3],
            TOWNS[i % 3],
            TEAMS[i % 3],
        ]
        for i in range(n)
    ]


def write_file(fmt: str, n: int, folder: Path) -> Path:
    header = ["Text", "Handlungsfeld", "Orte", "Team"]
    path = folder / f"werkstatt.{fmt}"
    if fmt == "csv":
        lines = [";".join(header), *(";".join(f'"{c}"' if ";" in c else c for c in r) for r in rows(n))]
        path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8-sig"))
        return path
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Ergebnisse")
    sheet.append(header)
    for r in rows(n):
        sheet.append(r)
    book.save(path)
    return path


async def prepare(url: str) -> None:
    """Migrate, create the configured teams and the workshop the rows are imported into."""
    await upgrade(url)
    db = Database(url)
    try:
        async with db.transaction() as s:
            await teams.seed_teams(s, config().teams, T0)
            towns = [t.key for t in config().towns]
            await workshops.create(
                s,
                None,
                key=KEY,
                name="Bench-Werkstatt",
                day=date(2026, 3, 14),
                town=towns[0],
                allowed_towns=towns,
                now=T0,
            )
    finally:
        await db.dispose()


async def count_ideas(url: str) -> int:
    db = Database(url)
    try:
        async with db.transaction() as s:
            return int((await s.execute(select(func.count()).select_from(Idea))).scalar_one())
    finally:
        await db.dispose()


def cli(config_path: Path, *args: str) -> tuple[float, float, float]:
    """Run the CLI once; wall seconds, CPU seconds and peak RSS (MB) of that child alone."""
    m = run_cli(config_path, *args)
    return m.wall, m.cpu, m.peak_mb


def config_file(url: str, path: Path) -> Path:
    text = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    path.write_text(text.replace('url = "sqlite+aiosqlite:///actionbot.db"', f'url = "{url}"'), encoding="utf-8")
    return path


def measure(name: str, urls: dict[str, str], files: dict[str, Path], n: int, workdir: Path) -> list[Run]:
    """Per format: a dry run and the real import into that format's own fresh database."""
    out = []
    for fmt, path in files.items():
        url = urls[fmt]
        asyncio.run(prepare(url))
        cfg = config_file(url, workdir / f"{name}-{fmt}.toml")
        # baseline: the same process doing next to nothing (start-up, config, one query), measured just before
        wall, cpu, peak = cli(cfg, "workshop", "list")
        out.append(Run(name, fmt, "baseline", 0, wall, cpu, peak))
        figures = f"{wall:5.2f} s wall  {cpu:5.2f} s CPU  {peak:6.1f} MB peak"
        print(f"  {name:10} {fmt:4} baseline (actionbot workshop list)  {figures}")
        for mode, extra in (("dry run", ["--dry-run"]), ("import", [])):
            wall, cpu, peak = cli(cfg, "import", "ideas", str(path), "--workshop", KEY, *extra)
            out.append(Run(name, fmt, mode, n, wall, cpu, peak))
            print(
                f"  {name:10} {fmt:4} {mode:7} {n:>7,} rows  {wall:5.2f} s wall  {cpu:5.2f} s CPU  {peak:6.1f} MB peak"
            )
        stored = asyncio.run(count_ideas(url))
        if stored != n:
            raise RuntimeError(f"{name} {fmt}: {stored:,} ideas stored, expected {n:,}")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.import_ideas", description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--formats", default="csv,xlsx")
    parser.add_argument("--postgres", default=DEFAULT_PG, help="admin URL (postgresql://…) of a server to use")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    formats = args.formats.split(",")
    if unknown := [f for f in formats if f not in ("csv", "xlsx")]:
        parser.error(f"unknown format {', '.join(unknown)}; choose from csv, xlsx")
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="actionbot-bench-") as tmp:
        workdir = Path(tmp)
        started = time.perf_counter()
        files = {fmt: write_file(fmt, args.rows, workdir) for fmt in formats}
        print(f"wrote {args.rows:,} rows as {', '.join(formats)} in {time.perf_counter() - started:.1f} s", flush=True)
        sqlite = {fmt: f"sqlite+aiosqlite:///{workdir / f'bench-{fmt}.db'}" for fmt in formats}
        runs += measure("sqlite", sqlite, files, args.rows, workdir)
        if not args.no_postgres:
            with pg_databases(args.postgres, len(formats)) as urls:
                if urls:
                    runs += measure("postgresql", dict(zip(formats, urls, strict=True)), files, args.rows, workdir)
    load = "/".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\nload average {load} (1/5/15 min) on {os.cpu_count()} CPUs")
    print(f"\n| database | format | run | rows | wall s | CPU s | peak MB | ≤ {WAIT_LIMIT:.0f} s |")
    print("|---|---|---|---:|---:|---:|---:|---|")
    for r in runs:
        figures = f"{r.rows:,} | {r.wall:.2f} | {r.cpu:.2f} | {r.peak_mb:.0f}"
        verdict = "–" if r.mode == "baseline" else ("yes" if r.ok else "NO")
        print(f"| {r.database} | {r.fmt} | {r.mode} | {figures} | {verdict} |")
    return 0 if all(r.ok for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
