"""Benchmark `actionbot export` of 100,000 ideas: wall time, CPU time and peak memory of the CLI process.

`python -m bench.export [--ideas N] [--formats csv,xlsx,json] [--xlsx-writers own,xlsxwriter]
[--postgres URL | --no-postgres]`

The ideas (with one town each, supports on every tenth and an answer on every twentieth) are bulk-inserted
into a fresh SQLite file and, if PostgreSQL answers, a fresh PostgreSQL database, then ANALYZEd. Each export
then runs as its own `python -m bot export` subprocess; `os.wait4` gives that child's own peak RSS and CPU
time, so the figures include interpreter start-up and imports, exactly what an operator waits for.
`--xlsx-writers own,xlsxwriter` measures the XLSX export once per writer in the same run: `own` is the bot's
(models/reports/xlsx.py), `xlsxwriter` the library in constant_memory mode (bench/xlsxwriter_export.py).
Targets: ≤ 5 s and ≤ 300 MB peak per export. The load average is printed with the figures: they depend on it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bench.process import pg_databases, run_cli
from models import teams
from models.db import Database
from models.migrate import upgrade
from models.tables import Idea, IdeaAnswer, IdeaSupport, IdeaTown, Person, Team
from tests.report_helpers import config

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PG = os.environ.get("ACTIONBOT_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
T0 = datetime(2026, 1, 1, tzinfo=UTC)
TOWNS = ("saalfeld", "rudolstadt", "bad_blankenburg")
FIELDS = ("public_services", "skilled_workers", "civic_engagement")
STATUSES = ("submitted", "in_review", "accepted", "rejected")
BATCH = 5000
WAIT_LIMIT, MEMORY_LIMIT = 5.0, 300.0
XLSX_WRITERS = {"own": "bot", "xlsxwriter": "bench.xlsxwriter_export"}  # writer -> module run as the CLI


@dataclass
class Run:
    database: str
    fmt: str
    rows: int
    wall: float
    cpu: float
    peak_mb: float
    file_mb: float

    @property
    def ok(self) -> bool:
        return self.wall <= WAIT_LIMIT and self.peak_mb <= MEMORY_LIMIT


async def seed(url: str, ideas: int) -> None:
    """Migrate, then bulk-insert people and `ideas` ideas with towns, supports and answers."""
    await upgrade(url)
    db = Database(url)
    try:
        async with db.transaction() as s:
            await teams.seed_teams(s, config().teams, T0)
            team_ids = list((await s.execute(select(Team.id).order_by(Team.id))).scalars())
            people = [
                {
                    "telegram_id": 7_000_000_000 + i,
                    "display_name": f"Person {i}",
                    "language": "de",
                    "stakeholder_group": ("citizen", "entrepreneur", "administration")[i % 3],
                    "town": TOWNS[i % 3],
                    "is_manager": False,
                    "pseudonym": f"P-B{i:07d}",
                    "consent_version": "1",
                    "consent_at": T0,
                    "evaluation_consent": i % 2 == 0,
                    "created_at": T0,
                    "mute_reminders": False,
                    "announcements_opt_out": False,
                }
                for i in range(1000)
            ]
            await s.execute(insert(Person), people)
            person_ids = list((await s.execute(select(Person.id).order_by(Person.id))).scalars())
        for start in range(0, ideas, BATCH):
            async with db.transaction() as s:
                await _ideas(s, range(start, min(start + BATCH, ideas)), team_ids, person_ids)
        async with db.transaction() as s:
            await s.execute(text("ANALYZE"))  # planner statistics, as autovacuum keeps them in production
    finally:
        await db.dispose()


async def _ideas(s: AsyncSession, numbers: range, team_ids: list[int], person_ids: list[int]) -> None:
    rows: list[dict[str, Any]] = [
        {
            "id": n + 1,
            "author_id": person_ids[n % len(person_ids)],
            "author_group": ("citizen", "entrepreneur", "administration")[n % 3],
            "author_town": TOWNS[n % 3],
            "text": f"Idee Nummer {n}: mehr Busse, Ärztehäuser und Treffpunkte für Jung und Alt – {'x' * (n % 200)}",
            "field": FIELDS[n % 3],
            "team_id": team_ids[n % len(team_ids)],
            "status": STATUSES[n % 4],
            "created_at": T0 + timedelta(minutes=n),
            "updated_at": T0 + timedelta(minutes=n),
        }
        for n in numbers
    ]
    await s.execute(insert(Idea), rows)
    await s.execute(insert(IdeaTown), [{"idea_id": r["id"], "town": r["author_town"]} for r in rows])
    supports = [
        {"idea_id": r["id"], "person_id": person_ids[(k * 7 + int(r["id"])) % len(person_ids)], "created_at": T0}
        for r in rows
        if int(r["id"]) % 10 == 0
        for k in range(3)
    ]
    await s.execute(insert(IdeaSupport), supports)
    answers = [
        {
            "idea_id": r["id"],
            "status": "accepted",
            "text": "Danke, wir prüfen es.",
            "created_at": T0,
            "published_at": T0,
        }
        for r in rows
        if int(r["id"]) % 20 == 0
    ]
    await s.execute(insert(IdeaAnswer), answers)


def export(config_path: Path, fmt: str, out: Path, module: str = "bot") -> tuple[float, float, float, str]:
    """Run the CLI once; wall seconds, CPU seconds and peak RSS (MB) of that child alone, and its output."""
    m = run_cli(config_path, "export", "--what", "ideas", "--format", fmt, "--out", str(out), module=module)
    return m.wall, m.cpu, m.peak_mb, m.stdout


def variants(formats: list[str], writers: list[str]) -> list[tuple[str, str, str]]:
    """(label, format, CLI module) per export: xlsx once per writer, labelled by it when there are several."""
    out = []
    for fmt in formats:
        for writer in writers if fmt == "xlsx" else ["own"]:
            label = f"{fmt} ({writer})" if fmt == "xlsx" and len(writers) > 1 else fmt
            out.append((label, fmt, XLSX_WRITERS[writer]))
    return out


def measure(name: str, url: str, ideas: int, plan: list[tuple[str, str, str]], workdir: Path) -> list[Run]:
    text = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    path = workdir / f"{name}.toml"
    path.write_text(text.replace('url = "sqlite+aiosqlite:///actionbot.db"', f'url = "{url}"'), encoding="utf-8")
    started = time.perf_counter()
    asyncio.run(seed(url, ideas))
    print(f"{name}: seeded {ideas:,} ideas in {time.perf_counter() - started:.1f} s", flush=True)
    runs = []
    for label, fmt, module in plan:
        out = workdir / f"ideas-{name}.{fmt}"
        wall, cpu, peak, stdout = export(path, fmt, out, module)
        rows = int(stdout.split()[1])
        runs.append(Run(name, label, rows, wall, cpu, peak, out.stat().st_size / 1024 / 1024))
        out.unlink()
        print(f"  {label:17} {rows:>7,} rows  {wall:5.2f} s wall  {cpu:5.2f} s CPU  {peak:6.1f} MB peak", flush=True)
    return runs


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.export", description=__doc__.split("\n")[0])
    parser.add_argument("--ideas", type=int, default=100_000)
    parser.add_argument("--formats", default="csv,xlsx,json")
    parser.add_argument(
        "--xlsx-writers", default="own", help="comma-separated, from: " + ", ".join(XLSX_WRITERS) + " (default own)"
    )
    parser.add_argument("--postgres", default=DEFAULT_PG, help="admin URL (postgresql://…) of a server to use")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    writers = args.xlsx_writers.split(",")
    unknown = [w for w in writers if w not in XLSX_WRITERS]
    if unknown:
        parser.error(f"unknown XLSX writer {', '.join(unknown)}; choose from {', '.join(XLSX_WRITERS)}")
    plan = variants(args.formats.split(","), writers)
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="actionbot-bench-") as tmp:
        workdir = Path(tmp)
        runs += measure("sqlite", f"sqlite+aiosqlite:///{workdir / 'bench.db'}", args.ideas, plan, workdir)
        if not args.no_postgres:
            with pg_databases(args.postgres) as urls:
                if urls:
                    runs += measure("postgresql", urls[0], args.ideas, plan, workdir)
    target = f"≤ {WAIT_LIMIT:.0f} s, ≤ {MEMORY_LIMIT:.0f} MB"
    load = "/".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\nload average {load} (1/5/15 min) on {os.cpu_count()} CPUs")
    print(f"\n| database | format | rows | wall s | CPU s | peak MB | file MB | {target} |")
    print("|---|---|---:|---:|---:|---:|---:|---|")
    for r in runs:
        verdict = "yes" if r.ok else "NO"
        figures = f"{r.wall:.2f} | {r.cpu:.2f} | {r.peak_mb:.0f} | {r.file_mb:.1f}"
        print(f"| {r.database} | {r.fmt} | {r.rows:,} | {figures} | {verdict} |")
    return 0 if all(r.ok for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
