"""Benchmark the evaluation report on two years of data: wall time, CPU time and peak memory of the CLI process.

`python -m bench.evaluation [--postgres URL | --no-postgres] [--runs N]`

The data set (bench/evaluation_data.py: 500 members, 1,500 meetings with attendance, 20,000 survey answers,
3,000 ideas with their path and codes) is written into a fresh SQLite file and, if PostgreSQL answers, a fresh
PostgreSQL database, then ANALYZEd. `actionbot report --evaluation` then runs as its own subprocess, like an
operator runs it: `os.wait4` gives that child's own peak RSS and CPU time, interpreter start-up, imports,
queries, charts, PDF and HTML included; `actionbot stats` on the same data, run the same way first, is the baseline
(what any command-line query costs on the machine at that moment). The report's summary is printed, so the figures
can be checked too.
Targets: ≤ 10 s and ≤ 300 MB peak per report. The load average is printed with the figures: they depend on it.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import os
import re
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text

from bench.evaluation_data import END, T0, seed
from bench.process import pg_databases, run_cli
from models.db import Database
from tests.report_helpers import config

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PG = os.environ.get("ACTIONBOT_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
WAIT_LIMIT, MEMORY_LIMIT = 10.0, 300.0


@dataclass
class Run:
    database: str
    wall: float
    cpu: float
    peak_mb: float
    pages: int
    pdf_kb: float
    html_kb: float

    @property
    def ok(self) -> bool:
        return self.wall <= WAIT_LIMIT and self.peak_mb <= MEMORY_LIMIT


def report(config_path: Path, out: Path) -> tuple[float, float, float, str]:
    """Run the CLI once; wall seconds, CPU seconds and peak RSS (MB) of that child alone, and its stdout."""
    period = ["--since", T0.date().isoformat(), "--until", END.date().isoformat()]
    return cli(config_path, "report", "--evaluation", *period, "--out", str(out))


def baseline(config_path: Path) -> tuple[float, float, float, str]:
    """The same data through `actionbot stats` (start-up, config, one pass of counting queries): what any query
    of the command line costs on this machine now, to read the report's figures against."""
    return cli(config_path, "stats", "--since", T0.date().isoformat())


def cli(config_path: Path, *args: str) -> tuple[float, float, float, str]:
    m = run_cli(config_path, *args)
    return m.wall, m.cpu, m.peak_mb, m.stdout


def summary(page: str) -> str:
    """The report's summary section as plain lines (from the HTML: same content as the PDF)."""
    found = re.search(r"<section id='summary'>(.*?)</section>", page, re.S)
    if not found:
        return ""
    cells = re.sub(r"<div><b>(.*?)</b><span>(.*?)</span></div>", r"\n  \2: \1", found.group(1))
    lines = re.sub(r"<(p|h2)[^>]*>", "\n", cells)
    return "\n".join(html.unescape(line.strip()) for line in re.sub(r"<[^>]+>", "", lines).splitlines() if line.strip())


async def _seed(url: str) -> dict[str, int]:
    counts = await seed(url, config())
    db = Database(url)
    try:
        async with db.transaction() as s:
            await s.execute(text("ANALYZE"))  # planner statistics, as autovacuum keeps them in production
    finally:
        await db.dispose()
    return counts


def measure(name: str, url: str, runs: int, workdir: Path, show: bool) -> list[Run]:
    source = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    path = workdir / f"{name}.toml"
    path.write_text(source.replace('url = "sqlite+aiosqlite:///actionbot.db"', f'url = "{url}"'), encoding="utf-8")
    started = time.perf_counter()
    counts = asyncio.run(_seed(url))
    rows = ", ".join(f"{n:,} {table}" for table, n in counts.items())
    print(f"{name}: seeded {rows} in {time.perf_counter() - started:.1f} s", flush=True)
    wall, cpu, peak, _ = baseline(path)
    print(f"  baseline (actionbot stats): {wall:5.2f} s wall  {cpu:5.2f} s CPU  {peak:6.1f} MB peak", flush=True)
    out: list[Run] = []
    for i in range(runs):
        target = workdir / f"bericht-{name}-{i}.pdf"
        wall, cpu, peak, stdout = report(path, target)
        pages = int(m.group(1)) if (m := re.search(r"\((\d+) pages?\)", stdout)) else 0
        page_html = target.with_suffix(".html")
        run = Run(name, wall, cpu, peak, pages, target.stat().st_size / 1024, page_html.stat().st_size / 1024)
        out.append(run)
        print(f"  run {i + 1}: {wall:5.2f} s wall  {cpu:5.2f} s CPU  {peak:6.1f} MB peak  {pages} pages", flush=True)
        if show and i == 0:
            print("  the report's summary:")
            print("\n".join(f"    {line}" for line in summary(page_html.read_text(encoding="utf-8")).splitlines()))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.evaluation", description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=2, help="reports per database (default 2)")
    parser.add_argument("--postgres", default=DEFAULT_PG, help="admin URL (postgresql://…) of a server to use")
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="actionbot-bench-") as tmp:
        workdir = Path(tmp)
        runs += measure("sqlite", f"sqlite+aiosqlite:///{workdir / 'bench.db'}", args.runs, workdir, True)
        if not args.no_postgres:
            with pg_databases(args.postgres) as urls:
                if urls:
                    runs += measure("postgresql", urls[0], args.runs, workdir, False)
    target = f"≤ {WAIT_LIMIT:.0f} s, ≤ {MEMORY_LIMIT:.0f} MB"
    load = "/".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\nload average {load} (1/5/15 min) on {os.cpu_count()} CPUs")
    print(f"\n| database | wall s | CPU s | peak MB | pages | PDF KB | HTML KB | {target} |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for r in runs:
        figures = f"{r.wall:.2f} | {r.cpu:.2f} | {r.peak_mb:.0f} | {r.pages} | {r.pdf_kb:.0f} | {r.html_kb:.0f}"
        print(f"| {r.database} | {figures} | {'yes' if r.ok else 'NO'} |")
    return 0 if all(r.ok for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
