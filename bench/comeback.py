"""Deliveries after a Bot API outage: `python -m bench.comeback [--outage 50] [--rows 4]`.

The fake Bot API server answers 502 to everything for `--outage` seconds while `--rows` messages are due; then
Telegram is back, and the figure is how long after that the first and the last of them arrived. Measured in
one run twice: with the dispatcher as it is (a probe every 2 s notices the return and every waiting row is due
at once) and, as the baseline, with rows waiting out their grown backoff (5, 10, 20, 40 s …) as before.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Bot

from bench.run import DEFAULT_PG, database, make_config
from bot.application import prepare
from bot.transport import AiohttpRequest
from models import outbox
from models.clock import Clock
from models.db import Database
from models.tables import Outbox
from scheduler.comeback import Comeback
from scheduler.dispatcher import Dispatcher, Outgoing
from tests.fakegram import FakeTelegram


async def _note(_s: AsyncSession, row: Outbox) -> Outgoing:
    return Outgoing(text=row.payload["text"])


class _Blind(Comeback):
    """The baseline: nothing notices Telegram's return; each row goes when its backoff ends."""

    def start(self) -> None:
        pass

    def failed(self) -> None:
        pass

    async def answered(self) -> None:
        pass


async def measure(mode: str, args: argparse.Namespace) -> tuple[float, float]:
    async with database("sqlite", DEFAULT_PG) as url, FakeTelegram() as fake:
        db = Database(url)
        bot = Bot(fake.token, base_url=fake.base_url, request=AiohttpRequest())
        await bot.initialize()
        try:
            await prepare(make_config(fake, url), db)
            users = [fake.user(f"U{i}") for i in range(args.rows)]
            clock = Clock()
            d = Dispatcher(db, bot, clock, {"note": _note})
            if mode == "backoff only":
                d.comeback = _Blind(bot, d._network_back)
            fake.outage(502)
            async with db.transaction() as s:
                now = clock.now()
                rows = [outbox.NewMessage("note", u.chat_id, now, payload={"text": "x"}) for u in users]
                await outbox.enqueue(s, rows, now)
            await d.start()

            async def ticker() -> None:  # the JobQueue's wake-ups at due times, every 0.25 s here
                while True:
                    await asyncio.sleep(0.25)
                    d.wake()

            ticking = asyncio.create_task(ticker())
            try:
                await asyncio.sleep(args.outage)
                fake.outage(None)
                back = time.monotonic()
                arrived: list[float] = []
                fake.on_bot_message = lambda _m: arrived.append(time.monotonic())
                await fake.wait_for(lambda: len(arrived) >= args.rows, timeout=600)
            finally:
                ticking.cancel()
                await d.stop()
            return arrived[0] - back, arrived[args.rows - 1] - back
        finally:
            await bot.shutdown()
            await db.dispose()


async def run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)
    print(f"{args.rows} messages due as a {args.outage:.0f} s outage begins")
    result = 0
    for mode in ("probe and wake", "backoff only"):
        first, last = await measure(mode, args)
        print(f"{mode:<15} after Telegram's return: first message {first:6.2f} s, last {last:6.2f} s", flush=True)
        if mode == "probe and wake" and last > 5:
            result = 1
    print("aim: every waiting message within 5 s of Telegram's return (probe and wake)")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.comeback", description=__doc__.splitlines()[0])
    parser.add_argument("--outage", type=float, default=50.0, help="seconds the Bot API answers 502")
    parser.add_argument("--rows", type=int, default=4)
    return asyncio.run(run(parser.parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
