"""`actionbot db copy --from URL --to URL`: moving from SQLite to PostgreSQL with every row, id and sequence."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import select

from models.clock import FrozenClock
from models.db import Database
from models.tables import Person
from tests.backup_helpers import DEFAULT_PG, OwnDatabase, cli, invitations, pg_available, populated, snapshot
from tests.conftest import PG_URL, START, start_bot, stop_bot

TARGET_PG = PG_URL or os.environ.get("ACTIONBOT_COPY_TEST_POSTGRES", DEFAULT_PG)


@pytest.fixture
async def source(fake, migrated_db, tmp_path):
    """A SQLite database the bot has used: people, a team, meetings, RSVPs, outbox rows sent and pending."""
    own = OwnDatabase("", tmp_path, None if PG_URL else migrated_db)
    await own.create()
    db, anna, ben = await populated(fake, own)
    await db.dispose()
    yield own, anna, ben
    await own.destroy()


@pytest.fixture
async def pg_target(tmp_path):
    if not await pg_available(TARGET_PG):
        pytest.skip(f"no PostgreSQL at {TARGET_PG}")
    own = OwnDatabase(TARGET_PG, tmp_path)
    await own.create()
    yield own
    await own.destroy()


async def test_sqlite_to_postgresql_copies_every_row_and_the_bot_carries_on(fake, source, pg_target, capsys):
    src, anna, ben = source
    args = ("--config", "absent.toml", "db", "copy", "--from", src.url, "--to", pg_target.url)
    code, out, err = await cli(capsys, *args)
    assert (code, err) == (0, "") and out.startswith("copied ") and out.endswith("row counts match")
    source_db, target_db = Database(src.url), Database(pg_target.url)
    try:
        assert await snapshot(target_db) == await snapshot(source_db)
        highest = max(p[0] for p in (await snapshot(source_db))["people"])
    finally:
        await source_db.dispose()
    bot = await start_bot(fake, target_db, FrozenClock(START))
    try:
        await bot.deliver()  # the pending invitations go out from the new database
        assert len(invitations(ben, "Zweites Treffen")) == 1 and len(invitations(anna, "Erstes Treffen")) == 1
        newcomer = await bot.register(bot.user("Neu"))  # ids continue after the copied ones (sequences reset)
        async with bot.db.transaction() as s:
            person = (await s.execute(select(Person).where(Person.telegram_id == newcomer.user_id))).scalar_one()
        assert person.id == highest + 1
    finally:
        await stop_bot(bot)
        await target_db.dispose()


async def test_copy_refuses_a_target_that_is_not_empty_or_not_migrated(fake, source, pg_target, tmp_path, capsys):
    src, _, _ = source
    args = ("--config", "absent.toml", "db", "copy", "--from", src.url, "--to")
    assert (await cli(capsys, *args, pg_target.url))[0] == 0
    target_db = Database(pg_target.url)
    try:
        before = await snapshot(target_db)
        await target_db.dispose()
        code, out, err = await cli(capsys, *args, pg_target.url)
        assert code == 1 and out == "" and "is not empty" in err
        assert await snapshot(target_db) == before
    finally:
        await target_db.dispose()

    bare = OwnDatabase(TARGET_PG, tmp_path)
    await bare.create(migrated=False)
    try:
        code, _, err = await cli(capsys, *args, bare.url)
        assert code == 1 and "has no schema" in err and "actionbot db upgrade" in err
    finally:
        await bare.destroy()
    code, _, err = await cli(capsys, *args, src.url)
    assert code == 1 and "same database" in err


async def test_sqlite_to_sqlite_copy_keeps_every_row(fake, source, migrated_db, tmp_path, capsys):
    """The same copy without PostgreSQL (e.g. to compact a file or move it): runs on every machine."""
    src, _, _ = source
    target = OwnDatabase("", tmp_path, None if PG_URL else migrated_db)
    await target.create()
    try:
        code, _, err = await cli(capsys, "--config", "absent.toml", "db", "copy", "--from", src.url, "--to", target.url)
        assert (code, err) == (0, "")
        a, b = Database(src.url), Database(target.url)
        try:
            assert await snapshot(a) == await snapshot(b)
        finally:
            await a.dispose()
            await b.dispose()
    finally:
        await target.destroy()
