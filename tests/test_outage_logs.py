"""Outages log as what they are: one WARNING when the database or Telegram goes away, one INFO when it is back.

The database is cut off by a TCP proxy in front of PostgreSQL (tests/tcp_proxy.py): the server keeps running
for everybody else, the bot's connections are reset and new ones refused, as when PostgreSQL stops. Telegram's
outage is the fake Bot API server answering 502 to every call, getUpdates included.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import pytest

from handlers.announcements import progress as announcements_progress
from models.clock import FrozenClock
from models.db import Database
from tests.conftest import PG_URL, START, start_bot, stop_bot
from tests.tcp_proxy import TcpProxy

postgres_only = pytest.mark.skipif(not PG_URL, reason="cutting the database off needs PostgreSQL behind a proxy")


def noted(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """What an operator reads: the bot's and the libraries' records at INFO and above, our `outage` logger's
    INFO included, without the bot's routine INFO lines (it logs every handled step at INFO)."""
    return [
        r for r in caplog.records
        if r.levelno >= logging.WARNING or r.name == "actionbot.outage"
    ]  # fmt: skip


async def settle() -> None:
    """Let the error handler's task (PTB runs it as a task of its own) and the dispatcher's round run."""
    for _ in range(10):
        await asyncio.sleep(0.02)


@pytest.fixture
async def cut_off(db):
    """The test's database reached through a proxy that can cut it off."""
    proxy = await TcpProxy.to(db.url).start()
    database = Database(proxy.url(db.url), pool_size=5)
    try:
        yield proxy, database
    finally:
        await database.dispose()
        await proxy.close()


@postgres_only
async def test_a_database_outage_under_the_jobs_and_the_dispatcher_logs_one_warning_and_one_info(fake, cut_off, caplog):
    proxy, database = cut_off
    bot = await start_bot(fake, database, FrozenClock(START))
    try:
        await bot.dispatcher.start(None)
        progress = bot.app.job_queue.run_once(announcements_progress.job, when=3600)  # run by hand below
        await progress.run(bot.app)
        await settle()
        caplog.clear()
        caplog.set_level(logging.INFO)

        await proxy.cut()
        for _ in range(5):  # 15 s: the announcement progress job every 3 s, the dispatcher woken each time
            bot.clock.advance(timedelta(seconds=3))
            await progress.run(bot.app)
            bot.dispatcher.wake()
            await settle()
        during = noted(caplog)
        assert [(r.levelname, r.name) for r in during] == [("WARNING", "actionbot.outage")], [
            (r.levelname, r.name, r.getMessage()) for r in during
        ]
        (warning,) = during
        assert warning.getMessage().startswith("Datenbank nicht erreichbar seit 2026-11-25 09:00:03 UTC (")
        assert warning.exc_info is None and warning.exc_text is None
        assert not any("update failed" in r.getMessage() for r in caplog.records)

        caplog.clear()
        await proxy.restore()
        bot.clock.advance(timedelta(seconds=3))
        await progress.run(bot.app)
        bot.dispatcher.wake()
        await settle()
        await progress.run(bot.app)  # a second good run adds nothing
        await settle()
        after = noted(caplog)
        assert [(r.levelname, r.getMessage()) for r in after] == [
            ("INFO", "Datenbank wieder erreichbar nach 15 s (nicht erreichbar seit 2026-11-25 09:00:03 UTC)")
        ]
        exposition = bot.app.bot_data["services"].metrics.exposition().decode()
        assert 'actionbot_outages_total{dependency="database"} 1.0' in exposition
        assert 'actionbot_outage_seconds_total{dependency="database"} 15.0' in exposition
        assert 'actionbot_unreachable_since_timestamp_seconds{dependency="database"} 0.0' in exposition
    finally:
        await bot.dispatcher.stop()
        await stop_bot(bot)
