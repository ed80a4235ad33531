"""One bot process's dispatcher, for the test that runs two of them on one PostgreSQL database.

`python -m tests.two_dispatchers_worker DB_URL API_URL TOKEN NOW_ISO`: prints `ready`, waits for a line on
stdin (so both processes start together), drains the outbox until no open row is left, then prints
`sent <n>` (how many rows this process delivered) and exits.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import datetime

from telegram import Bot
from telegram.request import HTTPXRequest

from models import outbox
from models.clock import FrozenClock
from models.db import Database
from models.tables import Outbox
from scheduler.dispatcher import Dispatcher, Outgoing
from scheduler.limiter import Limits, RateLimiter

FAST = Limits(overall_per_second=1000, per_chat_interval=0.0, per_group_per_minute=0)


async def render_note(_s: object, row: Outbox) -> Outgoing:
    return Outgoing(text=str(row.payload["text"]))


async def run(db_url: str, api_url: str, token: str, now: datetime) -> int:
    db = Database(db_url, pool_size=8)
    bot = Bot(token, base_url=f"{api_url}/bot", request=HTTPXRequest(connection_pool_size=16))
    await bot.initialize()
    dispatcher = Dispatcher(db, bot, FrozenClock(now), {"note": render_note}, RateLimiter(FAST), batch=5)
    sent = 0

    def count(_row: Outbox) -> None:
        nonlocal sent
        sent += 1

    dispatcher.on_sent = count
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    while True:
        if await dispatcher.drain() == 0:
            async with db.transaction() as s:
                still_open = sum(n for st, n in (await outbox.counts(s)).items() if st in outbox.OPEN_STATES)
            if not still_open:
                break
            await asyncio.sleep(0.01)  # the other process holds the remaining rows; look again shortly
    await bot.shutdown()
    await db.dispose()
    return sent


def main() -> None:
    db_url, api_url, token, now = sys.argv[1:5]
    sent = asyncio.run(run(db_url, api_url, token, datetime.fromisoformat(now)))
    print(f"sent {sent}", flush=True)


if __name__ == "__main__":
    main()
