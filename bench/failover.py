"""Failover time of the hot standby: `python -m bench.failover [--kills 10] [--recipients 50] [--pg DSN]`.

Two real `actionbot run` processes on a throwaway PostgreSQL database, against the fake Bot API server. Each
round puts an announcement into the outbox (due now), kills the active process with SIGKILL at once and
measures, from the kill, when the standby (1) holds the database lock, (2) sends its first message and
(3) polls Telegram again; then starts the killed one again as the new standby. At the end every row must be
sent, and the number of recipients who got a message twice is shown (allowed: rows in flight at a kill).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from bench.run import DEFAULT_PG, database
from bot.application import prepare
from bot.logs import install_redaction
from core.config import load_config
from models import outbox
from models.announcements import core as announcements
from models.db import Database
from models.tables import Outbox, Person
from tests.fakegram import FakeTelegram
from tests.standby_helpers import MANAGER_ID, BotProcess, first_active, seed_people, write_config

ACTIVE, POLLING = "active: holding", "polling as"


async def announce(db: Database, text: str, towns: list[str], groups: list[str]) -> None:
    async with db.transaction() as s:
        manager = (await s.execute(select(Person).where(Person.telegram_id == MANAGER_ID))).scalar_one()
        content = announcements.Content(text_html=text)
        everyone = announcements.Audience(everyone=True)
        await announcements.create(s, manager, content, everyone, datetime.now(UTC), towns=towns, groups=groups)


def summary(name: str, values: list[float]) -> str:
    return (
        f"{name:<28} min {min(values):5.2f} s   median {statistics.median(values):5.2f} s   "
        f"max {max(values):5.2f} s"
    )


async def run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)
    async with database("postgresql", args.pg) as url, FakeTelegram() as fake:
        install_redaction(fake.token)
        with tempfile.TemporaryDirectory(prefix="actionbot-failover-") as tmp:
            config_path = write_config(Path(tmp) / "config.toml", fake, url)
            config = load_config(str(config_path))
            db = Database(url)
            await prepare(config, db)
            users = [fake.user(f"P{i}") for i in range(args.recipients)]
            await seed_people(db, [fake.user("Maria", user_id=MANAGER_ID), *users], datetime.now(UTC))
            towns, groups = [t.key for t in config.towns], [g.key for g in config.groups]
            procs = [await BotProcess(config_path, name).start() for name in ("p0", "p1")]
            rows: list[tuple[float, ...]] = []
            try:
                active = await first_active(procs)
                standby = next(p for p in procs if p is not active)
                await standby.wait_for("standby:")
                print(f"{args.kills} kills, {args.recipients} recipients per announcement; times from the kill")
                print(f"{'kill':>4} {'holds the lock':>15} {'first message':>14} {'polling again':>14}")
                for i in range(1, args.kills + 1):
                    await announce(db, f"Runde {i}", towns, groups)
                    first: list[float] = []
                    fake.on_bot_message = lambda _m, first=first: first.append(time.monotonic()) if not first else None
                    killed_at = active.kill()
                    await active.wait()
                    await standby.wait_for(POLLING, timeout=60)

                    def sent(first: list[float] = first) -> list[float] | None:
                        return first or None

                    await fake.wait_for(sent, timeout=60)
                    row = tuple(t - killed_at for t in (standby.seen_at[ACTIVE], first[0], standby.seen_at[POLLING]))
                    rows.append(row)
                    print(f"{i:>4} {row[0]:>13.2f} s {row[1]:>12.2f} s {row[2]:>12.2f} s", flush=True)
                    fresh = await BotProcess(config_path, f"p{i + 1}").start()
                    procs.append(fresh)
                    await fresh.wait_for("standby:")
                    active, standby = standby, fresh
                async with asyncio.timeout(120):
                    while True:
                        async with db.transaction() as s:
                            counts = await outbox.counts(s, Outbox.kind == "announcement")
                        if set(counts) == {"sent"}:
                            break
                        await asyncio.sleep(0.2)
            finally:
                fake.on_bot_message = None
                for p in procs:
                    await p.stop()
                await db.dispose()
    sends = [(p["chat_id"], p["text"]) for m, p in fake.requests if m == "sendMessage" and p["chat_id"] != MANAGER_ID]
    got = Counter(sends)
    twice = sum(1 for n in got.values() if n > 1)
    print()
    for j, name in enumerate(("holds the lock", "first message", "polling again")):
        print(summary(name, [r[j] for r in rows]))
    print(f"every row sent: {sum(counts.values())} announcement rows; recipients with a repeated message: {twice}")
    print(
        "note: the standby tries the lock every 1 s; after getting it, it waits 3 s (the longest a previous holder\n"
        "      can still be sending before its own lock check notices), then migrates, starts the dispatcher\n"
        "      (taking back the dead one's rows at once) and polls. A kill -9 ends the session at once; when the\n"
        "      holder's machine or network goes silent instead, PostgreSQL drops its session after about 8 s more."
    )
    worst = max(r[2] for r in rows)
    print(f"aim: takeover within 10 s: {'met' if worst <= 10 else 'NOT met'} (worst {worst:.2f} s)")
    return 0 if worst <= 10 else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.failover", description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--recipients", type=int, default=50, help="people each round's announcement goes to")
    parser.add_argument("--pg", default=DEFAULT_PG, help="PostgreSQL admin DSN; a throwaway database is made in it")
    return asyncio.run(run(parser.parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
