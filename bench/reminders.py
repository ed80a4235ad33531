"""Reminder burst: N members across M meetings, every reminder due in the same instant.

    python -m bench.reminders [--db sqlite|postgres|both] [--members 2000] [--meetings 40] [--profile FILE]

The real Dispatcher with default Limits (scheduler/limiter.py) and the real meeting renderers send the
reminders to the fake Bot API server, which enforces Telegram's flood limits (30/s overall, 1/s per chat,
20/min per group) and answers 429 beyond them. The fake runs in a process of its own, so the bot's
event loop (and the GIL) do not distort its timing; arrival times are taken there. Printed per database:
- lag p50 / p99: arrival minus due time;
- total time next to the floor N/30 s that Telegram's limit sets (target: at most 1.05x the floor);
- excess p99 / max: lag_i - i/30 s, the delay beyond a reminder's place i in the rate-limited queue
  (target: p99 at most 2 s); and the number of 429 answers (target: 0).
Exit code 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import sys
import time
from collections.abc import Callable, Coroutine
from datetime import timedelta
from multiprocessing import get_context
from multiprocessing.connection import Connection
from typing import Any

from sqlalchemy import select, update
from telegram import Bot

from bench.run import DEFAULT_PG, database, make_config_data
from bot.application import prepare
from bot.transport import AiohttpRequest
from core.config import Config, parse_config
from handlers.meetings.views import renderers
from models import outbox
from models.clock import Clock
from models.db import Database
from models.migrate import upgrade
from models.outbox import NewMessage
from models.tables import Meeting, Membership, Outbox, Person, Rsvp, Team
from scheduler.dispatcher import Dispatcher
from scheduler.limiter import RateLimiter
from tests.fakegram import FakeTelegram

TELEGRAM_RATE = 30.0
Wake = Callable[[Any], Coroutine[Any, Any, None]]


def serve_fake(members: int, conn: Connection) -> None:
    """The fake Bot API server in a process of its own: it sends (url, token, user ids), records the arrival
    time of every message, and on any message from the parent answers (arrivals, number of 429s)."""

    async def serve() -> None:
        fake = FakeTelegram()
        await fake.start()
        fake.enforce_limits(30, 1, 20)
        arrivals: list[float] = []  # perf_counter() (CLOCK_MONOTONIC, shared by all processes) per message
        fake.on_bot_message = lambda _msg: arrivals.append(time.perf_counter())
        conn.send((fake.url, fake.token, [fake.user(f"M{i}").user_id for i in range(members)]))
        await asyncio.get_running_loop().run_in_executor(None, conn.recv)
        conn.send((arrivals, fake.stats["429"]))
        await fake.stop()

    asyncio.run(serve())


class Timers:
    """The three JobQueue calls the dispatcher makes, on plain asyncio timers (the bench has no Application):
    so a row retried later (a timeout under load) is woken for as in production."""

    class Job:
        def __init__(self, handle: asyncio.TimerHandle) -> None:
            self.handle = handle

        def schedule_removal(self) -> None:
            self.handle.cancel()

    def __init__(self) -> None:
        self.jobs: dict[str, Timers.Job] = {}

    def _later(self, delay: float, callback: Wake, name: str, repeat: bool) -> None:
        loop = asyncio.get_running_loop()

        def fire() -> None:
            loop.create_task(callback(None))
            if repeat:
                self._later(delay, callback, name, repeat)

        self.jobs[name] = Timers.Job(loop.call_later(delay, fire))

    def get_jobs_by_name(self, name: str) -> list[Timers.Job]:
        return [self.jobs[name]] if name in self.jobs else []

    def run_once(self, callback: Wake, when: float, name: str) -> None:
        self._later(when, callback, name, repeat=False)

    def run_repeating(self, callback: Wake, interval: float, name: str) -> None:
        self._later(interval, callback, name, repeat=True)


async def seed(db: Database, user_ids: list[int], meetings: int, clock: Clock) -> None:
    """People, memberships, meetings in two hours, 'yes' answers and one due reminder row per member."""
    now = clock.now()
    async with db.transaction() as s:
        teams = list((await s.execute(select(Team).order_by(Team.id))).scalars())
        people = [
            Person(
                telegram_id=uid,
                display_name=f"M{i}",
                language="de",
                stakeholder_group="citizen",
                town="saalfeld",
                pseudonym=f"b{i:08d}",
                consent_version="1",
                consent_at=now,
                evaluation_consent=False,
                created_at=now,
            )
            for i, uid in enumerate(user_ids)
        ]
        s.add_all(people)
        rows = [
            Meeting(
                team_id=teams[j % len(teams)].id,
                title=f"Treffen {j}",
                starts_at=now + timedelta(hours=2),
                duration_min=90,
                address="Markt 1",
                town="saalfeld",
                status="scheduled",
                sequence=0,
                reminder_offsets=[120],
                created_at=now,
                updated_at=now,
                guests=0,
            )
            for j in range(meetings)
        ]
        s.add_all(rows)
        await s.flush()
        messages = []
        for i, p in enumerate(people):
            m = rows[i % meetings]
            s.add(Membership(person_id=p.id, team_id=m.team_id, role="member", joined_at=now))
            s.add(Rsvp(meeting_id=m.id, person_id=p.id, answer="yes", invited_at=now, answered_at=now))
            messages.append(
                NewMessage(
                    "reminder",
                    p.telegram_id,
                    now + timedelta(days=1),
                    person_id=p.id,
                    meeting_id=m.id,
                    payload={"offset": 120},
                    priority=0,
                    dedupe_key=f"rem:{m.id}:{p.id}:120:0",
                )
            )
        await s.flush()
        await outbox.enqueue(s, messages, now)


def pct(values: list[float], q: float) -> float:
    data = sorted(values)
    return data[min(len(data) - 1, int(q * len(data)))]


async def run_once(kind: str, args: argparse.Namespace) -> bool:
    parent, child = get_context("spawn").Pipe()
    server = get_context("spawn").Process(target=serve_fake, args=(args.members, child), daemon=True)
    server.start()
    api_url, token, user_ids = parent.recv()
    clock = Clock()
    done = asyncio.Event()
    delivered = 0

    def sent(_row: Outbox) -> None:
        nonlocal delivered
        delivered += 1
        if delivered == args.members:
            done.set()

    try:
        async with database(kind, args.pg_admin) as url:
            await upgrade(url)
            db = Database(url)
            config: Config = parse_config(make_config_data(token, api_url, url), env={})
            await prepare(config, db, clock)
            await seed(db, user_ids, args.meetings, clock)
            bot = Bot(config.token, base_url=f"{api_url}/bot", request=AiohttpRequest())
            await bot.initialize()
            dispatcher = Dispatcher(db, bot, clock, renderers(config), RateLimiter())
            dispatcher.on_sent = sent
            timers = Timers()
            await dispatcher.start(timers)  # idle: nothing due yet
            due = clock.now() + timedelta(seconds=1)
            async with db.transaction() as s:  # every reminder due in the same instant
                await s.execute(update(Outbox).values(due_at=due, expires_at=due + timedelta(minutes=30)))
            await asyncio.sleep((due - clock.now()).total_seconds())
            profiler = cProfile.Profile() if args.profile else None
            if profiler:
                profiler.enable()
            t0 = time.perf_counter()
            dispatcher.wake()  # what the JobQueue's run_once does at the due time
            try:
                await asyncio.wait_for(done.wait(), 3 * args.members / TELEGRAM_RATE + 30)
            except TimeoutError:
                print(f"   timed out with {delivered} of {args.members} recorded as sent")
            await dispatcher.drain()  # waits for the round in progress to record its outcomes
            if profiler:
                profiler.disable()
                profiler.dump_stats(f"{args.profile}.{kind}")
            await dispatcher.stop()
            for job in timers.jobs.values():
                job.schedule_removal()
            async with db.transaction() as s:
                statuses = await outbox.counts(s)
            await bot.shutdown()
            await db.dispose()
    finally:
        parent.send("stop")
        arrivals, too_many = parent.recv()
        server.join(10)
    return report(kind, args.members, [a - t0 for a in arrivals], too_many, statuses)


def report(kind: str, n: int, lags: list[float], too_many: int, statuses: dict[str, int]) -> bool:
    floor = n / TELEGRAM_RATE
    total = max(lags) if lags else float("inf")
    excess = [lag - i / TELEGRAM_RATE for i, lag in enumerate(sorted(lags))]
    ok_total, ok_excess = total <= 1.05 * floor, bool(excess) and pct(excess, 0.99) <= 2.0
    ok = ok_total and ok_excess and too_many == 0 and len(lags) == n
    print(f"== {kind}: {len(lags)}/{n} reminders delivered; outbox {dict(sorted(statuses.items()))}")
    if lags:
        print(f"   lag p50 {pct(lags, 0.5):.2f} s · p99 {pct(lags, 0.99):.2f} s · max {total:.2f} s")
        print(
            f"   total {total:.1f} s vs floor {floor:.1f} s = {total / floor:.3f}x (target <= 1.05x) "
            f"{'ok' if ok_total else 'MISSED'}"
        )
        print(
            f"   excess over queue place p99 {pct(excess, 0.99):.2f} s · max {max(excess):.2f} s "
            f"(target p99 <= 2 s) {'ok' if ok_excess else 'MISSED'}"
        )
    print(f"   429 answers: {too_many} (target 0) {'ok' if too_many == 0 else 'MISSED'}")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.reminders", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--meetings", type=int, default=40)
    parser.add_argument("--pg-admin", default=DEFAULT_PG, help="PostgreSQL URL to create the throwaway database")
    parser.add_argument("--profile", help="write a cProfile dump of the dispatch phase to FILE.<db>")
    args = parser.parse_args(argv)
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    results = [asyncio.run(run_once(kind, args)) for kind in kinds]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
