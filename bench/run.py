"""Run the benchmark: a bare PTB echo bot and actionbot against the fake Bot API server, per database.

Everything runs in one process and one event loop, as in the test suite: the fake server, the simulated
users and the bot under test share the CPU, so the numbers compare the bots' cost per update on equal
terms; they are not Telegram's real round trip. Latency is measured by the fake server from enqueueing an
update to the bot's first sendMessage/editMessageText in that chat.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import logging
import os
import pstats
import statistics
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
import asyncpg
from telegram.ext import Application

from bench.echo import build_echo_bot
from bench.workload import SCRIPT, Tally, run_users
from bot.application import build_application, prepare
from bot.config import Config, parse_config
from bot.logs import install_redaction
from bot.processing import database_options
from models.db import Database
from tests.fakegram import FakeTelegram

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PG = os.environ.get("ACTIONBOT_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


class Signalling(Application):  # type: ignore[type-arg]
    """Tells the fake server when an update is fully processed (same as tests/conftest.py's Traced)."""

    fake: FakeTelegram

    async def process_update(self, update: object) -> None:
        try:
            await super().process_update(update)
        finally:
            update_id = getattr(update, "update_id", None)
            if update_id is not None:
                type(self).fake.mark_processed(update_id)


def signalling(fake: FakeTelegram) -> type[Application]:  # type: ignore[type-arg]
    return type("SignallingApp", (Signalling,), {"fake": fake})


class ErrorCount(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.count = 0
        self.first: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1
        if len(self.first) < 3:
            exc = record.exc_info[1] if record.exc_info else None
            self.first.append(f"{record.name}: {record.getMessage()[:200]}" + (f" ({exc!r:.200})" if exc else ""))


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

    @property
    def rate(self) -> float:
        return self.updates / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        data = sorted(self.latencies_ms)
        return data[min(len(data) - 1, int(q * len(data)))]


def make_config(fake: FakeTelegram, db_url: str) -> Config:
    data = tomllib.loads((ROOT / "config.example.toml").read_text(encoding="utf-8"))
    data["telegram"]["token"] = fake.token
    data["telegram"]["api_base_url"] = fake.url
    data["database"]["url"] = db_url
    return parse_config(data, env={})


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


async def measure(
    name: str,
    fake: FakeTelegram,
    app: Application,  # type: ignore[type-arg]
    users: int,
    warmup: int,
    expect_buttons: bool,
    errors: ErrorCount,
    profile: cProfile.Profile | None = None,
) -> Result:
    fake.track_processing = True
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1, drop_pending_updates=False)
    try:
        if warmup:
            await run_users(fake, warmup, Tally(), expect_buttons, "Warm")
        fake.latencies.clear()
        fake.stats.clear()
        fake.requests.clear()
        errors.count, errors.first = 0, []
        tally = Tally()
        if profile is not None:
            profile.enable()
        start = time.perf_counter()
        await run_users(fake, users, tally, expect_buttons, "User")
        seconds = time.perf_counter() - start
        if profile is not None:
            profile.disable()
    finally:
        if app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()
    api_errors = sum(n for k, n in fake.stats.items() if k.isdigit())
    result = Result(name, tally.updates, seconds, [x * 1000 for x in fake.latencies], errors.count, api_errors, tally)
    calls = Counter(name for name, _ in fake.requests)
    result.calls = {k: n / max(1, tally.updates) for k, n in calls.most_common()}
    result.notes.extend(errors.first)
    if api_errors:
        result.notes.append(f"Bot API error answers: {dict((k, n) for k, n in fake.stats.items() if k.isdigit())}")
    result.notes.extend(tally.failures[:3])
    return result


async def echo_phase(args: argparse.Namespace, errors: ErrorCount) -> Result:
    async with FakeTelegram() as fake:
        install_redaction(fake.token)
        app = build_echo_bot(fake.token, fake.base_url, signalling(fake))
        return await measure("echo bot (PTB defaults)", fake, app, args.users, args.warmup, False, errors)


async def actionbot_phase(
    args: argparse.Namespace, kind: str, errors: ErrorCount, ptb_defaults: bool, profile: cProfile.Profile | None
) -> Result:
    async with database(kind, args.pg) as url, FakeTelegram() as fake:
        install_redaction(fake.token)
        config = make_config(fake, url)
        db = Database(url, **(database_options(url) if args.db_options else {}))
        try:
            await prepare(config, db)
            app = build_application(
                config, db, application_class=signalling(fake), ptb_defaults=ptb_defaults, concurrency=args.concurrency
            )
            name = "actionbot (PTB defaults)" if ptb_defaults else "actionbot"
            return await measure(name, fake, app, args.users, args.warmup, True, errors, profile)
        finally:
            await db.dispose()


def table(kind: str, rows: list[Result]) -> str:
    head = f"{'bot':<26} {'updates':>8} {'seconds':>8} {'updates/s':>10} {'p50 ms':>8} {'p95 ms':>8} {'errors':>7}"
    lines = [f"== {kind} ==", head, "-" * len(head)]
    for r in rows:
        errs = r.errors + r.api_errors + r.tally.missing_buttons + len(r.tally.failures)
        lines.append(
            f"{r.name:<26} {r.updates:>8} {r.seconds:>8.2f} {r.rate:>10.1f} {r.pct(0.5):>8.1f} {r.pct(0.95):>8.1f}"
            f" {errs:>7}"
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
    errors = ErrorCount()
    logging.getLogger().addHandler(errors)
    logging.getLogger().setLevel(logging.WARNING)
    print(
        f"parameters: users={args.users} (+{args.warmup} warm-up), {len(SCRIPT)} updates per user = "
        f"{args.users * len(SCRIPT)} updates per phase, closed loop (each user waits for the answer), "
        f"actionbot concurrency={args.concurrency}, databases={','.join(args.db)}"
    )
    print(f"workload per user: {' → '.join(s.text.split()[0] if s.kind == 'send' else s.prefix for s in SCRIPT)}")
    sys.stdout.flush()
    status = 0
    for kind in args.db:
        profile = cProfile.Profile() if args.profile else None
        rows = [await echo_phase(args, errors)]
        rows.append(await actionbot_phase(args, kind, errors, False, profile))
        if args.baseline:
            rows.append(await actionbot_phase(args, kind, errors, True, None))
        print()
        print(table(kind, rows))
        sys.stdout.flush()
        if profile is not None:
            out = io.StringIO()
            stats = pstats.Stats(profile, stream=out)
            stats.sort_stats(args.profile).print_stats(args.profile_lines)
            path = Path(tempfile.gettempdir()) / f"actionbot-bench-{kind}.prof"
            stats.dump_stats(path)
            print(f"\nprofile of the actionbot phase on {kind} (saved to {path}):")
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
