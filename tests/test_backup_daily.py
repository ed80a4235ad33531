"""The daily backup: run by the bot's JobQueue, at most one a day (also across restarts), rotated, outcome stored."""

from __future__ import annotations

import tomllib
from datetime import time, timedelta

import pytest

from bot import backup
from core.config import ConfigError, parse_config
from models import backups
from models.clock import FrozenClock
from tests.backup_helpers import files
from tests.conftest import CONFIG_EXAMPLE, START, start_bot, stop_bot

# START is 2026-11-25 09:00 UTC = 10:00 in Berlin; the daily backup is set to 12:00 local (11:00 UTC)


async def daily_bot(fake, db, folder, clock=None, **kw):
    clock = clock or FrozenClock(START)
    return await start_bot(fake, db, clock, backup__folder=str(folder), backup__time="12:00", **kw)


async def test_one_backup_a_day_after_its_time_also_across_restarts(fake, db, tmp_path):
    folder = tmp_path / "backups"
    bot = await daily_bot(fake, db, folder)
    try:
        assert await backup.daily(bot.db, bot.config, bot.clock) is None  # 10:00 local: not yet
        bot.clock.advance(timedelta(hours=2, minutes=5))
        outcome = await backup.daily(bot.db, bot.config, bot.clock)
        assert outcome is not None and outcome.ok and outcome.kind == "daily"
        assert files(folder) == ["actionbot-daily-20261125T110500Z.db" if db.dialect == "sqlite" else
                                 "actionbot-daily-20261125T110500Z.dump"]  # fmt: skip
        bot.clock.advance(timedelta(hours=5))
        assert await backup.daily(bot.db, bot.config, bot.clock) is None
    finally:
        await stop_bot(bot)
    bot = await daily_bot(fake, db, folder, FrozenClock(START + timedelta(hours=12)))  # restarted the same evening
    try:
        assert await backup.daily(bot.db, bot.config, bot.clock) is None
        assert len(files(folder)) == 1
        bot.clock.advance(timedelta(days=1))  # the next day, bot down at 12:00 and started at 22:00: caught up
        assert (await backup.daily(bot.db, bot.config, bot.clock)).ok
        assert len(files(folder)) == 2
    finally:
        await stop_bot(bot)


async def test_rotation_keeps_the_newest_daily_backups_and_never_manual_ones(fake, db, tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    (folder / "actionbot-manual-20261101T080000Z.db").write_bytes(b"x")
    (folder / "notes.txt").write_text("mine")
    bot = await daily_bot(fake, db, folder, backup__keep=2)
    try:
        for day in range(4):
            bot.clock.set(START + timedelta(days=day, hours=3))
            assert (await backup.daily(bot.db, bot.config, bot.clock)).ok
        ext = "db" if db.dialect == "sqlite" else "dump"
        assert files(folder) == [
            f"actionbot-daily-20261127T120000Z.{ext}",
            f"actionbot-daily-20261128T120000Z.{ext}",
            "actionbot-manual-20261101T080000Z.db",
            "notes.txt",
        ]
    finally:
        await stop_bot(bot)


async def test_a_failed_backup_is_stored_and_tried_again_after_an_hour(fake, db, tmp_path):
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the folder should be")
    bot = await daily_bot(fake, db, blocker / "backups", FrozenClock(START + timedelta(hours=3)))
    try:
        failed = await backup.daily(bot.db, bot.config, bot.clock)
        assert failed is not None and not failed.ok and failed.error
        bot.clock.advance(timedelta(minutes=30))
        assert await backup.daily(bot.db, bot.config, bot.clock) is None  # not again at every check
        async with bot.db.transaction() as s:
            last = await backups.last_backup(s)
            assert last is not None and not last.ok and last.error == failed.error
            assert await backups.last_backup(s, ok_only=True) is None
        bot.clock.advance(timedelta(minutes=31))
        assert (await backup.daily(bot.db, bot.config, bot.clock)) is not None
    finally:
        await stop_bot(bot)


async def test_the_bot_schedules_the_daily_check_only_with_a_folder(fake, db, tmp_path):
    bot = await start_bot(fake, db, FrozenClock(START))
    try:
        backup.schedule(bot.app)
        assert bot.app.job_queue.get_jobs_by_name("daily-backup") == ()
        assert await backup.daily(bot.db, bot.config, bot.clock) is None  # off: no backup, no row
        async with bot.db.transaction() as s:
            assert await backups.last_backup(s) is None
    finally:
        await stop_bot(bot)
    bot = await daily_bot(fake, db, tmp_path)
    try:
        backup.schedule(bot.app)
        (job,) = bot.app.job_queue.get_jobs_by_name("daily-backup")
        job.schedule_removal()
    finally:
        await stop_bot(bot)


def test_the_backup_config_is_checked():
    data = tomllib.loads(CONFIG_EXAMPLE.read_text(encoding="utf-8"))
    config = parse_config(data, env={}, require_token=False)
    assert (config.backup.enabled, config.backup.keep, config.backup.at) == (False, 14, time(3, 30))
    for key, value, message in (
        ("time", "25:00", "backup.time: expected HH:MM"),
        ("keep", 0, "backup.keep"),
        ("keep", "7", "backup.keep: expected int"),
        ("folder", 3, "backup.folder: expected str"),
        ("every", "day", "backup.every: unknown key"),
    ):
        bad = tomllib.loads(CONFIG_EXAMPLE.read_text(encoding="utf-8"))
        bad["backup"][key] = value
        with pytest.raises(ConfigError, match=message):
            parse_config(bad, env={}, require_token=False)
