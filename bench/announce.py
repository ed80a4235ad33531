"""Benchmark: one announcement to many members through the delivery engine and the fake Bot API server.

    python -m bench.announce                     # 10,000 members, SQLite and PostgreSQL, both phases
    python -m bench.announce --count 3000 --db sqlite --phases unlimited
    python -m bench.announce --count 1500 --phases limited --commits row,group   # per-row commits vs before

Two phases per database:
- *limited*: the fake server enforces Telegram's flood limits (30/s overall, 1/s per chat, 20/min per group)
  and the bot runs with its production limiter. Reported: total time as a ratio of the floor
  (count / 30 s; 10,000 members ≈ 333 s, so use --count for a quick run) and the 429 answers (must be 0).
- *unlimited*: limits off on both sides (limiter raised to 100,000/s, no per-chat interval): how many
  messages per second the bot itself can push.

Each phase runs with the dispatcher as it is (`--commits row`: every row's outcome committed as soon as Telegram
answers, one row at a time between its two commits) and, with `--commits row,group`, with the baseline in the
same run (`group`: outcomes committed per group of up to 8 rows, bench/group_commit.py).

The fake server runs in a child process of its own (`python -m bench.announce serve ...`), so its request
handling does not share the bot's event loop or CPU. Members are seeded straight into the database. The
announcement is created through the domain (`models.announcements.core.create`, rows in one transaction, timed
separately), then the dispatcher drains the outbox while the progress job edits the sender's message every
3 s, as in production.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import logging
import os
import pstats
import sys
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select
from telegram import Bot

from bench.group_commit import GroupCommitDispatcher
from bench.run import DEFAULT_PG, database, make_config
from bot.application import prepare
from bot.transport import AiohttpRequest
from core.config import Config
from core.services import Services
from handlers.announcements import progress as announcements_progress
from handlers.announcements import views as announce_views
from models import outbox
from models.announcements import core as domain
from models.clock import Clock
from models.db import Database
from models.tables import Membership, Outbox, Person, Team
from scheduler.dispatcher import Dispatcher
from scheduler.limiter import Limits, RateLimiter
from tests.fakegram import FakeTelegram

SENDER_ID = 900001
FIRST_MEMBER = 10_000_001
TOKEN = "123456:BENCH"
UNLIMITED = Limits(overall_per_second=100_000, per_chat_interval=0.0, per_group_per_minute=0)


# --- the fake server's process --------------------------------------------------------------------------


async def serve(count: int, limits: str) -> None:
    """Run the fake server with the sender and `count` members; answer `stats` / `quit` on stdin."""
    async with FakeTelegram(token=TOKEN) as fake:
        fake.user("Sender", user_id=SENDER_ID)
        for i in range(count):
            fake.user(f"M{i}", user_id=FIRST_MEMBER + i)
        fake.requests = _NoList()  # keep memory flat: nobody reads them here
        if limits != "off":
            overall, chat, group = (int(x) for x in limits.split(","))
            fake.enforce_limits(overall, chat, group)
        print(f"PORT {fake.port}", flush=True)
        reader = asyncio.StreamReader()
        loop = asyncio.get_running_loop()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        while line := (await reader.readline()).decode().strip():
            if line == "stats":
                print(json.dumps(dict(fake.stats)), flush=True)
            elif line == "quit":
                break


class _NoList(list):  # type: ignore[type-arg]
    def append(self, _item: Any) -> None:
        pass


class FakeProcess:
    """The fake server in its child process."""

    def __init__(self, proc: asyncio.subprocess.Process, port: int) -> None:
        self.proc, self.url = proc, f"http://127.0.0.1:{port}"

    @classmethod
    async def start(cls, count: int, limits: str) -> FakeProcess:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.announce", "serve", str(count), limits,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        assert proc.stdout is not None
        line = (await asyncio.wait_for(proc.stdout.readline(), 120)).decode()
        if not line.startswith("PORT "):
            raise RuntimeError(f"fake server did not start: {line!r}")
        return cls(proc, int(line.split()[1]))

    async def stats(self) -> dict[str, int]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(b"stats\n")
        await self.proc.stdin.drain()
        data: dict[str, int] = json.loads(await self.proc.stdout.readline())
        return data

    async def stop(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"quit\n")
        await self.proc.stdin.drain()
        await self.proc.wait()


# --- the bot's side -------------------------------------------------------------------------------------


@dataclass
class Result:
    db: str
    phase: str
    count: int
    create_s: float
    send_s: float
    sent: int
    answers_429: int
    other_errors: int
    report: str
    cpu_s: float = 0.0  # the bot process's CPU seconds (all threads) in the send phase
    load: str = ""
    commits: str = "row"

    @property
    def rate(self) -> float:
        return self.sent / self.send_s if self.send_s else 0.0


async def seed(db: Database, count: int) -> None:
    """The sender (a manager) and `count` complete members spread over towns, groups and teams."""
    now = Clock().now()
    towns, groups = ["saalfeld", "rudolstadt", "bad_blankenburg"], ["citizen", "entrepreneur", "administration"]
    async with db.transaction() as s:
        team_ids = list((await s.execute(select(Team.id).order_by(Team.id))).scalars())
        people = [
            {
                "telegram_id": FIRST_MEMBER + i, "display_name": f"M{i}", "language": "de",
                "stakeholder_group": groups[i % 3], "town": towns[(i // 3) % 3], "pseudonym": f"P-B{i:07d}",
                "consent_version": "bench", "consent_at": now, "created_at": now,
            }
            for i in range(count)
        ]  # fmt: skip
        for i in range(0, count, 2000):
            await s.execute(insert(Person), people[i : i + 2000])
        ids = dict((await s.execute(select(Person.telegram_id, Person.id))).all())
        members = [
            {"person_id": ids[FIRST_MEMBER + i], "team_id": team_ids[i % len(team_ids)], "role": "member",
             "joined_at": now}
            for i in range(count)
        ]  # fmt: skip
        for i in range(0, count, 2000):
            await s.execute(insert(Membership), members[i : i + 2000])
        s.add(Person(telegram_id=SENDER_ID, display_name="Sender", language="de", is_manager=True,
                     pseudonym="P-SENDER", consent_version="bench", consent_at=now, created_at=now))  # fmt: skip


async def open_rows(db: Database) -> int:
    async with db.transaction() as s:
        n = await s.scalar(select(func.count()).select_from(Outbox).where(Outbox.status.in_(outbox.OPEN_STATES)))
    return int(n or 0)


async def run_phase(kind: str, phase: str, args: argparse.Namespace, commits: str = "row") -> Result:
    limits = f"{args.overall},1,20" if phase == "limited" else "off"
    fake = await FakeProcess.start(args.count, limits)
    try:
        async with database(kind, args.pg) as url:
            result = await _measure(kind, phase, url, fake, args, commits)
            result.commits = commits
            return result
    finally:
        await fake.stop()


async def _measure(
    kind: str, phase: str, url: str, fake: FakeProcess, args: argparse.Namespace, commits: str = "row"
) -> Result:
    config: Config = make_config(_Url(fake.url, TOKEN), url)  # type: ignore[arg-type]
    db = Database(url, **({"pool_size": 1, "max_overflow": 0, "pool_timeout": 60} if kind == "sqlite" else {}))
    bot = Bot(TOKEN, base_url=f"{fake.url}/bot", request=AiohttpRequest(connection_pool_size=64))
    await bot.initialize()
    try:
        await prepare(config, db)
        await seed(db, args.count)
        clock = Clock()
        limiter = RateLimiter(Limits() if phase == "limited" else UNLIMITED)
        engine = GroupCommitDispatcher if commits == "group" else Dispatcher
        dispatcher = engine(db, bot, clock, announce_views.renderers(config), limiter)
        svc = Services(config=config, db=db, clock=clock, dispatcher=dispatcher)
        progress = await bot.send_message(SENDER_ID, "…")
        start = time.perf_counter()
        async with db.transaction() as s:
            sender = (await s.execute(select(Person).where(Person.telegram_id == SENDER_ID))).scalar_one()
            ann = await domain.create(
                s, sender, domain.Content("<b>Bench</b> announcement"), domain.Audience(everyone=True), clock.now(),
                towns=[t.key for t in config.towns], groups=[g.key for g in config.groups],
            )  # fmt: skip
            domain.set_progress_message(ann, SENDER_ID, progress.message_id)
        created = time.perf_counter()
        shown: dict[int, str] = {}

        async def ticker() -> None:
            while True:
                await asyncio.sleep(announcements_progress.INTERVAL)
                await announcements_progress.run_tick(svc, bot, shown)

        ticking = asyncio.create_task(ticker())
        cpu = time.process_time()
        profiler = cProfile.Profile() if args.profile else None
        if profiler:
            profiler.enable()
        try:
            while True:
                await dispatcher.drain()
                if not await open_rows(db):
                    break
                await asyncio.sleep(0.2)  # rows waiting for a 429's retry_after
        finally:
            if profiler:
                profiler.disable()
            ticking.cancel()
        done, cpu = time.perf_counter(), time.process_time() - cpu
        await announcements_progress.run_tick(svc, bot, shown)
        stats = await fake.stats()
        async with db.transaction() as s:
            report = await announcements_progress.full_report(s, config, ann, "de", None)
        if profiler:
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(args.profile).print_stats(args.profile_lines)
            print(f"\nprofile ({kind}, {phase}):\n{out.getvalue()}")
        errors = sum(n for k, n in stats.items() if k.isdigit() and k != "429")
        load = "/".join(f"{x:.1f}" for x in os.getloadavg())
        return Result(kind, phase, args.count, created - start, done - created, stats.get("sent", 0) - 1,
                      stats.get("429", 0), errors, report, cpu, load)  # fmt: skip
    finally:
        await bot.shutdown()
        await db.dispose()


@dataclass
class _Url:
    """What `bench.run.make_config` reads from a FakeTelegram: its token and URL."""

    url: str
    token: str


def describe(r: Result) -> str:
    line = (
        f"{r.db:<10} {r.phase:<9} {r.commits + ' commits':<13} members={r.count:>6}  create rows {r.create_s:6.2f} s  "
        f"send {r.send_s:8.2f} s  = {r.rate:8.1f} msg/s  delivered={r.sent}  429s={r.answers_429}  "
        f"other errors={r.other_errors}"
    )
    per = 1000 * r.cpu_s / max(1, r.sent)
    line += (
        f"\n           bot CPU {r.cpu_s:.1f} s = {per:.2f} ms/message (CPU-bound ceiling {1000 / per if per else 0:.0f}"
        f" msg/s); load average {r.load} on {os.cpu_count()} CPUs"
    )
    if r.phase == "limited":
        floor = r.count / 30
        line += f"\n           floor {floor:.1f} s (count / 30 per s): ratio {r.send_s / floor:.3f}"
    else:
        line += f"  (target >= 300 msg/s: {'met' if r.rate >= 300 else 'NOT met'})"
    return line


async def run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.WARNING)
    status = 0
    for kind in args.db:
        for phase in args.phases:
            for commits in args.commits:
                result = await run_phase(kind, phase, args, commits)
                print(describe(result), flush=True)
                if args.report:
                    print(result.report)
                if result.sent != args.count or (phase == "limited" and result.answers_429):
                    status = 1
    return status


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["serve"]:
        asyncio.run(serve(int(argv[1]), argv[2]))
        return 0
    parser = argparse.ArgumentParser(prog="python -m bench.announce", description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000, help="members (default 10000: ~6 min limited phase)")
    parser.add_argument("--db", type=lambda v: v.split(","), default=["sqlite", "postgresql"])
    parser.add_argument("--phases", type=lambda v: v.split(","), default=["limited", "unlimited"])
    parser.add_argument("--pg", default=DEFAULT_PG, help="PostgreSQL admin DSN; a throwaway database is made in it")
    parser.add_argument("--overall", type=int, default=30, help="the fake server's overall limit per second")
    parser.add_argument("--commits", type=lambda v: v.split(","), default=["row"],
                        help="row (as the bot runs), group (the baseline before per-row commits), or row,group")
    parser.add_argument("--report", action="store_true", help="print the final report of each run")
    parser.add_argument("--profile", nargs="?", const="tottime", default=None, help="cProfile the send phase")
    parser.add_argument("--profile-lines", type=int, default=25)
    return asyncio.run(run(parser.parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
