"""Duplicates per crash: `python -m bench.crash [--kills 20] [--members 200] [--seed 19] [--pg DSN]`.

Two real `actionbot run` processes on a throwaway PostgreSQL database against the fake Bot API server (no
latency). `--kills` rounds, alternating a broadcast to `--members` people and a burst of invitations and
reminders to a team of that size; each round the active process is killed with SIGKILL after a seeded random
number of the round's messages and the standby sends the rest (tests/crash_helpers.py; the suite runs the same
with 2 kills in tests/test_crash_duplicates.py). Per round: members with two copies (aim: at most 1),
members without the message (aim: 0), rows the next process found with an unknown outcome.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from pathlib import Path

from bench.run import DEFAULT_PG, database
from bot.logs import install_redaction
from models.db import Database
from tests.crash_helpers import Round, kill_rounds
from tests.fakegram import FakeTelegram


def line(r: Round) -> str:
    return (
        f"{r.marker:<9} {r.kind:<10} killed after {r.killed_after:>3} messages   twice {r.twice}   "
        f"missed {r.missed}   unknown outcome at takeover {r.unknown}"
    )


async def run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)
    started = time.perf_counter()
    async with database("postgresql", args.pg) as url, FakeTelegram() as fake:
        install_redaction(fake.token)
        db = Database(url)
        try:
            with tempfile.TemporaryDirectory(prefix="actionbot-crash-") as tmp:
                print(f"{args.kills} kills, {args.members} members, seed {args.seed}", flush=True)
                rounds = await kill_rounds(
                    fake, db, Path(tmp), args.kills, args.seed, args.members,
                    progress=lambda r: print(line(r), flush=True),
                )  # fmt: skip
        finally:
            await db.dispose()
    twice, missed = sum(r.twice for r in rounds), sum(r.missed for r in rounds)
    worst = max(r.twice for r in rounds)
    print(
        f"\n{len(rounds)} kills in {time.perf_counter() - started:.0f} s: members with two copies {twice} "
        f"(at most {worst} per kill; aim <= 1), missed {missed} (aim 0), "
        f"rows of unknown outcome at takeover {sum(r.unknown for r in rounds)}"
    )
    return 0 if worst <= 1 and missed == 0 else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.crash", description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--pg", default=DEFAULT_PG, help="PostgreSQL admin DSN; a throwaway database is made in it")
    return asyncio.run(run(parser.parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
