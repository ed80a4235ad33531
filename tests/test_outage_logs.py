"""Outages log as what they are: one WARNING when the database or Telegram goes away, one INFO when it is back.

The database is cut off by a TCP proxy in front of PostgreSQL (tests/tcp_proxy.py): the server keeps running
for everybody else, the bot's connections are reset and new ones refused, as when PostgreSQL stops. Telegram's
outage is the fake Bot API server answering 502 to every call, getUpdates included.
"""

from __future__ import annotations

import asyncio
import errno
import json
import logging
import re
import signal
import sqlite3
import sys
from datetime import timedelta

import aiohttp
import asyncpg
import pytest
from sqlalchemy.exc import DBAPIError

from handlers.announcements import progress as announcements_progress
from models.clock import FrozenClock
from models.db import Database
from models.outage import Outage, is_database_outage
from tests.conftest import PG_URL, START, start_bot, stop_bot
from tests.tcp_proxy import TcpProxy
from tests.test_health_process import ROOT, free_port, write_config

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


TELEGRAM_OUTAGE = 12.0  # seconds of 502 to every call, getUpdates included


async def test_a_telegram_outage_under_polling_logs_one_warning_and_one_info_and_is_counted(fake, db, tmp_path):
    """The real `actionbot run` (JSON lines) while the Bot API answers 502: PTB's polling loop would log an ERROR
    with a traceback per failed getUpdates; the bot logs the outage once at each end and counts it."""
    port = free_port()
    config = write_config(tmp_path / "config.toml", fake, db.url, port)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "--config", str(config), "run",
        cwd=ROOT, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert proc.stderr is not None
    stderr = asyncio.create_task(proc.stderr.read())
    try:
        await fake.wait_for(lambda: any(m == "getUpdates" for m, _ in fake.requests), timeout=60)
        fake.outage(502, spare=())
        failed = lambda: sum(1 for m, _ in fake.requests if m == "getUpdates") >= 4  # noqa: E731
        await fake.wait_for(failed, timeout=30)  # several polls refused
        await asyncio.sleep(max(0.0, TELEGRAM_OUTAGE - 4))
        during = len(fake.requests)
        fake.outage(None)
        answered = lambda: any(m == "getUpdates" for m, _ in fake.requests[during:])  # noqa: E731
        await fake.wait_for(answered, timeout=30)
        await asyncio.sleep(1)
        async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/metrics") as resp:
            metrics = await resp.text()
    finally:
        proc.send_signal(signal.SIGTERM)
        async with asyncio.timeout(30):
            code = await proc.wait()
    entries = [json.loads(line) for line in (await stderr).decode().splitlines()]
    assert code == 0, entries
    noted = [
        (e["level"], e["logger"], e["message"]) for e in entries if e["level"] != "INFO" or "outage" in e["logger"]
    ]
    assert [(level, logger) for level, logger, _ in noted] == [
        ("WARNING", "actionbot.outage"),
        ("INFO", "actionbot.outage"),
    ], noted
    assert noted[0][2].startswith("Telegram nicht erreichbar seit ") and "Bad Gateway" in noted[0][2]
    assert re.match(r"Telegram wieder erreichbar nach \d+ s \(nicht erreichbar seit ", noted[1][2]), noted[1][2]
    assert not any("exc" in e for e in entries)
    assert 'actionbot_outages_total{dependency="telegram"} 1.0' in metrics
    assert 'actionbot_unreachable_since_timestamp_seconds{dependency="telegram"} 0.0' in metrics
    assert re.search(r'actionbot_outage_seconds_total\{dependency="telegram"\} (\d+)', metrics)


@pytest.mark.parametrize(
    ("error", "outage"),
    [
        (ConnectionRefusedError(111, "Connect call failed"), True),
        (OSError(errno.ECONNRESET, "reset by peer"), True),
        (asyncpg.exceptions.CannotConnectNowError("the database system is starting up"), True),  # 57P03
        (asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed in the middle of operation"), True),
        (asyncpg.exceptions.UniqueViolationError("duplicate key"), False),  # a bug or a race: keeps its traceback
        (sqlite3.OperationalError("database is locked"), False),
        (RuntimeError("boom"), False),
    ],
)
def test_what_counts_as_a_database_outage(error, outage):
    assert is_database_outage(error) is outage
    wrapped = DBAPIError("SELECT 1", None, error)  # as SQLAlchemy raises it, the driver's error in `orig`
    assert is_database_outage(wrapped) is outage


def test_an_outage_is_logged_once_however_often_it_is_reported(caplog):
    clock = FrozenClock(START)
    changes: list[tuple[str, object, float]] = []
    outage = Outage("Datenbank", clock.now, lambda *change: changes.append(change), dependency="database")
    caplog.set_level(logging.INFO, logger="actionbot.outage")
    outage.ok()  # nothing to end
    assert outage.failed(ConnectionRefusedError(111, "refused")) is True
    clock.advance(timedelta(seconds=42))
    assert outage.failed(ConnectionRefusedError(111, "refused")) is False
    outage.ok()
    outage.ok()
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        (
            "WARNING",
            "Datenbank nicht erreichbar seit 2026-11-25 09:00:00 UTC (ConnectionRefusedError: [Errno 111] refused)",
        ),
        ("INFO", "Datenbank wieder erreichbar nach 42 s (nicht erreichbar seit 2026-11-25 09:00:00 UTC)"),
    ]
    assert changes == [("database", START, 0.0), ("database", None, 42.0)]
