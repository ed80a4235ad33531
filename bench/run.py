"""Run the benchmark: a bare PTB echo bot and actionbot against the fake Bot API server, per database.

Everything runs in one process and one event loop, as in the test suite: the fake server, the simulated
users and the bot under test share the CPU, so the numbers compare the bots' cost per update on equal
terms; they are not Telegram's real round trip. Latency is measured by the fake server from enqueueing an
update to the bot's first sendMessage/editMessageText in that chat.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import logging
import os
import pstats
import signal
import sys
import tempfile
import time
import tomllib
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg

from bench.workload import SCRIPT, Tally, run_users
from bot.application import prepare
from bot.config import Config, parse_config
from bot.logs import install_redaction
from models.db import Database
from tests.fakegram import FakeTelegram

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PG = os.environ.get("ACTIONBOT_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


class ChildErrors:
    """Counts the bot process's ERROR log lines (one line each, see bench/child.py) and keeps a few."""

    def __init__(self) -> None:
        self.count = 0
        self.first: list[str] = []
        self.tail: list[str] = []

    def line(self, text: str) -> None:
        self.tail = [*self.tail[-20:], text]
        if text.startswith("child ERROR") or text.startswith("child CRITICAL"):
            self.count += 1
            if len(self.first) < 3:
                self.first.append(text[len("child ") :][:300])


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process so far, from /proc (0 where that is unavailable)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Result:
    name: str
    updates: int
    seconds: float
    latencies_ms: list[float]
    errors: int
    api_errors: int
    tally: Tally
    notes: list[str] = field(default_factory=list)
    calls: dict[str, float] = field(default_factory=dict)
    cpu: float = 0.0  # the bot process's CPU seconds (all threads) during the measured phase

    @property
    def rate(self) -> float:
        return self.updates / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        data = sorted(self.latencies_ms)
        return data[min(len(data) - 1, int(q * len(data)))]


def make_config_data(token: str, api_url: str, db_url: str) -> dict[str, Any]:
    data = tomllib.loads((ROOT / "config.example.toml").read_text(encoding="utf-8"))
    data["telegram"]["token"] = token
    data["telegram"]["api_base_url"] = api_url
    data["database"]["url"] = db_url
    return data


def make_config(fake: FakeTelegram, db_url: str) -> Config:
    return parse_config(make_config_data(fake.token, fake.url, db_url), env={})


@asynccontextmanager
async def database(kind: str, pg_admin: str) -> AsyncIterator[str]:
    """A throwaway database URL: a SQLite file in a temp dir, or a fresh PostgreSQL database (dropped after)."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="actionbot-bench-") as tmp:
            yield f"sqlite+aiosqlite:///{tmp}/bench.db"
        return
    name = f"actionbot_bench_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(pg_admin)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    try:
        yield f"postgresql+asyncpg://{pg_admin.split('://', 1)[1].rsplit('/', 1)[0]}/{name}"
    finally:
        conn = await asyncpg.connect(pg_admin)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()


async def measure(name: str, fake: FakeTelegram, child_args: list[str], args: argparse.Namespace) -> Result:
    """Start the bot process, warm up, then let `args.users` users run the script against it."""
    errors = ChildErrors()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.child", *child_args, cwd=ROOT,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    stdout, stderr = proc.stdout, proc.stderr

    async def read_errors() -> None:
        async for raw in stderr:
            errors.line(raw.decode(errors="replace").rstrip())

    async def read_processed() -> None:
        async for raw in stdout:
            fake.mark_processed(int(raw))

    err_task = asyncio.create_task(read_errors())
    done_task: asyncio.Task[None] | None = None
    try:
        async with asyncio.timeout(60):
            ready = await stdout.readline()
        if ready.strip() != b"R":
            await proc.wait()
            await err_task
            raise RuntimeError(f"{name} did not start: " + "\n".join(errors.tail))
        fake.track_processing = True
        done_task = asyncio.create_task(read_processed())
        if args.warmup:
            await run_users(fake, args.warmup, Tally(), name.startswith("actionbot"), "Warm")
        fake.latencies.clear()
        fake.stats.clear()
        fake.requests.clear()
        errors.count, errors.first = 0, []
        tally = Tally()
        start, cpu = time.perf_counter(), cpu_seconds(proc.pid)
        await run_users(fake, args.users, tally, name.startswith("actionbot"), "User")
        seconds = time.perf_counter() - start
        cpu = cpu_seconds(proc.pid) - cpu
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        try:
            async with asyncio.timeout(30):
                await proc.wait()
        except TimeoutError:
            proc.kill()
            await proc.wait()
        await err_task
        if done_task is not None:
            done_task.cancel()
    api_errors = sum(n for k, n in fake.stats.items() if k.isdigit())
    result = Result(name, tally.updates, seconds, [x * 1000 for x in fake.latencies], errors.count, api_errors, tally)
    result.cpu = cpu
    calls = Counter(name for name, _ in fake.requests)
    result.calls = {k: n / max(1, tally.updates) for k, n in calls.most_common()}
    result.notes.extend(errors.first)
    if api_errors:
        result.notes.append(f"Bot API error answers: {dict((k, n) for k, n in fake.stats.items() if k.isdigit())}")
    result.notes.extend(tally.failures[:3])
    return result


async def echo_phase(args: argparse.Namespace) -> Result:
    async with FakeTelegram() as fake:
        install_redaction(fake.token)
        return await measure("echo bot (PTB defaults)", fake, ["echo", fake.token, fake.url], args)


async def actionbot_phase(args: argparse.Namespace, kind: str, ptb_defaults: bool, profile: str) -> Result:
    async with database(kind, args.pg) as url, FakeTelegram() as fake:
        install_redaction(fake.token)
        db = Database(url)
        try:
            await prepare(make_config(fake, url), db)  # migrations and teams, before the bot starts
        finally:
            await db.dispose()
        child = ["actionbot-ptb" if ptb_defaults else "actionbot", fake.token, fake.url, url,
                 "--concurrency", str(args.concurrency)]
        if not args.db_options:
            child.append("--no-db-options")
        if profile:
            child += ["--profile", profile]
        name = "actionbot (PTB defaults)" if ptb_defaults else "actionbot"
        return await measure(name, fake, child, args)


def table(kind: str, rows: list[Result]) -> str:
    head = (
        f"{'bot':<26} {'updates':>8} {'seconds':>8} {'updates/s':>10} {'p50 ms':>8} {'p95 ms':>8}"
        f" {'bot cpu%':>8} {'errors':>7}"
    )
    lines = [f"== {kind} ==", head, "-" * len(head)]
    for r in rows:
        errs = r.errors + r.api_errors + r.tally.missing_buttons + len(r.tally.failures)
        lines.append(
            f"{r.name:<26} {r.updates:>8} {r.seconds:>8.2f} {r.rate:>10.1f} {r.pct(0.5):>8.1f} {r.pct(0.95):>8.1f}"
            f" {100 * r.cpu / r.seconds if r.seconds else 0:>8.0f} {errs:>7}"
        )
    echo, bot = rows[0], rows[1]
    ratio = bot.rate / echo.rate if echo.rate else float("nan")
    p95 = bot.pct(0.95) / echo.pct(0.95)
    lines.append(
        f"ratio actionbot/echo: throughput {ratio:.2f}x (aim >= 1.00: {'met' if ratio >= 1.0 else 'NOT met'}), "
        f"p95 latency {p95:.2f}x (aim <= 1.20: {'met' if p95 <= 1.2 else 'NOT met'}), "
        f"p50 latency {bot.pct(0.5) / echo.pct(0.5):.2f}x"
    )
    for r in rows:
        per = ", ".join(f"{k} {v:.2f}" for k, v in r.calls.items())
        lines.append(f"  {r.name}: Bot API calls per update: {per}")
    for r in rows:
        for note in r.notes:
            lines.append(f"  ! {r.name}: {note}")
        if r.tally.missing_buttons and r.name.startswith("actionbot"):
            lines.append(f"  ! {r.name}: {r.tally.missing_buttons} presses found no matching button")
    return "\n".join(lines)


LIMITS_NOTE = (
    "note: one process, one event loop for the fake server, the simulated users and the bot (2 cores: the\n"
    "      other one runs SQLite's worker threads / PostgreSQL). Closed loop without think time, so latency\n"
    "      is mostly queueing (about users / throughput). actionbot's limit is CPU in the event loop:\n"
    "      SQLAlchemy ORM work per update and the fake server's request handling; on SQLite also the single\n"
    "      writer (every transaction is BEGIN IMMEDIATE). Run with --profile to see where the time goes."
)


async def run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.WARNING)
    print(
        f"parameters: users={args.users} (+{args.warmup} warm-up), {len(SCRIPT)} updates per user = "
        f"{args.users * len(SCRIPT)} updates per phase, closed loop (each user waits for the answer), "
        f"actionbot concurrency={args.concurrency}, databases={','.join(args.db)}"
    )
    print(f"workload per user: {' → '.join(s.text.split()[0] if s.kind == 'send' else s.prefix for s in SCRIPT)}")
    sys.stdout.flush()
    status = 0
    for kind in args.db:
        profile = str(Path(tempfile.gettempdir()) / f"actionbot-bench-{kind}.prof") if args.profile else ""
        rows = [await echo_phase(args)]
        rows.append(await actionbot_phase(args, kind, False, profile))
        if args.baseline:
            rows.append(await actionbot_phase(args, kind, True, ""))
        print()
        print(table(kind, rows))
        sys.stdout.flush()
        if profile:
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats(args.profile).print_stats(args.profile_lines)
            print(f"\nprofile of the actionbot process on {kind}, warm-up included (saved to {profile}):")
            print(out.getvalue())
        if any(r.tally.failures for r in rows):
            status = 1
    print()
    print(LIMITS_NOTE)
    return status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--users", type=int, default=200, help="simulated users per phase (default 200)")
    parser.add_argument("--warmup", type=int, default=20, help="warm-up users before measuring (default 20)")
    parser.add_argument("--concurrency", type=int, default=64, help="actionbot's concurrent updates (default 64)")
    parser.add_argument(
        "--db", type=lambda s: s.split(","), default=["sqlite", "postgresql"], help="sqlite,postgresql (default both)"
    )
    parser.add_argument("--pg", default=DEFAULT_PG, help="PostgreSQL admin DSN; a throwaway database is created in it")
    parser.add_argument("--baseline", action="store_true", help="also run actionbot with PTB defaults")
    parser.add_argument(
        "--profile", nargs="?", const="tottime", default=None, help="cProfile the actionbot phase (sort key)"
    )
    parser.add_argument("--no-db-options", dest="db_options", action="store_false",
                        help="use the engine defaults instead of bot.processing.database_options")
    parser.add_argument("--profile-lines", type=int, default=30)
    args = parser.parse_args(argv)
    return asyncio.run(run(args))
