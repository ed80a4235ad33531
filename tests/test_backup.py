"""`actionbot db backup` and `db restore` end to end: back up, destroy, restore, every row back, outbox resumed."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.backup import write_backup
from models.clock import FrozenClock
from models.db import Database
from models.tables import BackupRun, Outbox, Person
from tests.backup_helpers import OwnDatabase, cli, files, invitations, populated, snapshot, write_config
from tests.conftest import PG_URL, START, start_bot, stop_bot


@pytest.fixture
async def own(migrated_db, tmp_path):
    own = OwnDatabase(PG_URL, tmp_path, None if PG_URL else migrated_db)
    await own.create()
    yield own
    await own.destroy()


async def test_backup_destroy_restore_brings_every_row_back_and_the_outbox_resumes(fake, own, tmp_path, capsys):
    db, anna, ben = await populated(fake, own)
    before = await snapshot(db)
    async with db.transaction() as s:
        pending = (await s.execute(select(func.count()).where(Outbox.status == "pending"))).scalar_one()
    await db.dispose()
    assert pending >= 2 and len(before["people"]) >= 4 and before["rsvps"]
    config = write_config(tmp_path, own.url)
    out_file = tmp_path / "backups" / ("b.db" if not PG_URL else "b.dump")

    code, out, err = await cli(capsys, "--config", str(config), "db", "backup", "--out", str(out_file))
    assert (code, err) == (0, "") and out.startswith(f"backup written: {out_file}")
    assert files(out_file.parent) == [out_file.name]  # no .part left behind

    await own.destroy()
    await own.create(migrated=False)  # PostgreSQL: an empty database; SQLite: no file at all
    code, out, err = await cli(capsys, "--config", str(config), "db", "restore", str(out_file))
    assert (code, err) == (0, "") and out.startswith(f"restored {out_file} into ") and "\n" not in out

    db = Database(own.url)
    after = await snapshot(db)
    # the backup's own record is written after the copy was taken, so it is the one row the backup lacks
    manual = after.pop("backup_runs")
    assert manual == [] and before.pop("backup_runs") == []
    assert after == before
    bot = await start_bot(fake, db, FrozenClock(START))
    try:
        assert not invitations(ben, "Zweites Treffen")
        await bot.deliver()
        assert len(invitations(ben, "Zweites Treffen")) == 1 and len(invitations(anna, "Zweites Treffen")) == 1
        assert len(invitations(anna, "Erstes Treffen")) == 1  # what was sent before the backup is not sent again
    finally:
        await stop_bot(bot)
        await db.dispose()


async def test_the_outcome_of_a_backup_is_stored(fake, own, tmp_path, capsys):
    config = write_config(tmp_path, own.url)
    good, bad = tmp_path / "ok.bak", tmp_path / "a-file" / "x.bak"
    (tmp_path / "a-file").write_text("not a folder")
    assert (await cli(capsys, "--config", str(config), "db", "backup", "--out", str(good)))[0] == 0
    code, out, err = await cli(capsys, "--config", str(config), "db", "backup", "--out", str(bad))
    assert code == 1 and out == "" and err.startswith("actionbot: backup failed: ")
    db = Database(own.url)
    try:
        async with db.transaction() as s:
            runs = (await s.execute(select(BackupRun).order_by(BackupRun.id))).scalars().all()
    finally:
        await db.dispose()
    assert [(r.kind, r.ok, r.path) for r in runs] == [("manual", True, str(good)), ("manual", False, str(bad))]
    assert runs[0].size_bytes == good.stat().st_size and runs[1].error


async def test_restore_refuses_a_database_that_is_not_empty_unless_forced(fake, own, tmp_path, capsys):
    db, _, _ = await populated(fake, own)
    config = write_config(tmp_path, own.url)
    backup_file = tmp_path / "b.bak"
    assert (await cli(capsys, "--config", str(config), "db", "backup", "--out", str(backup_file)))[0] == 0
    async with db.transaction() as s:
        s.add(Person(telegram_id=1, display_name="Neu", pseudonym="P-NEW", consent_version="1",
                     consent_at=START, created_at=START))  # fmt: skip
    before = await snapshot(db)
    await db.dispose()

    code, out, err = await cli(capsys, "--config", str(config), "db", "restore", str(backup_file))
    assert code == 1 and out == "" and "is not empty" in err and "--force" in err and "nothing was changed" in err
    assert await snapshot(db) == before
    await db.dispose()

    code, out, err = await cli(capsys, "--config", str(config), "db", "restore", str(backup_file), "--force")
    assert code == 0 and "replacing" in out
    people = (await snapshot(db))["people"]
    await db.dispose()
    assert len(people) == len(before["people"]) - 1 and all(p[1] != 1 for p in people)


async def test_restore_refuses_files_that_are_no_backup_or_of_the_other_database(own, tmp_path, capsys):
    config = write_config(tmp_path, own.url)
    junk = tmp_path / "junk.db"
    junk.write_text("hello")
    code, _, err = await cli(capsys, "--config", str(config), "db", "restore", str(junk))
    assert code == 1 and "not an actionbot backup" in err
    code, _, err = await cli(capsys, "--config", str(config), "db", "restore", str(tmp_path / "missing.db"))
    assert code == 1 and "backup file not found" in err
    other = tmp_path / "other.bak"
    if PG_URL:
        other.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    else:
        other.write_bytes(b"PGDMP" + b"\x00" * 100)
    code, _, err = await cli(capsys, "--config", str(config), "db", "restore", str(other))
    assert code == 1 and "db copy" in err
    if not PG_URL:
        damaged = tmp_path / "damaged.db"
        damaged.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
        code, out, err = await cli(capsys, "--config", str(config), "db", "restore", str(damaged))
        assert (code, out) == (1, "") and err.startswith(f"actionbot: {damaged}: ")


async def test_backup_of_a_missing_sqlite_file_says_so_and_creates_nothing(tmp_path, capsys):
    config = write_config(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'nothing.db'}")
    code, out, err = await cli(capsys, "--config", str(config), "db", "backup", "--out", str(tmp_path / "b.db"))
    assert (code, out) == (1, "") and "database file not found" in err
    assert files(tmp_path) == [config.name]


async def test_a_backup_taken_while_a_write_is_open_is_consistent(own, tmp_path, capsys):
    """The bot keeps writing while the backup runs: the copy holds what was committed, nothing half-done."""
    db = Database(own.url)
    out_file = tmp_path / "during.bak"
    try:
        async with db.transaction() as s:
            s.add(Person(telegram_id=2, display_name="Da", pseudonym="P-IN", consent_version="1",
                         consent_at=START, created_at=START))  # fmt: skip
        async with db.transaction() as s:  # an open write transaction (SQLite: holds the write lock)
            s.add(Person(telegram_id=3, display_name="Halb", pseudonym="P-HALF", consent_version="1",
                         consent_at=START, created_at=START))  # fmt: skip
            await s.flush()
            assert await write_backup(own.url, out_file) > 0  # (the CLI would wait to record its outcome)
    finally:
        await db.dispose()
    restored = OwnDatabase(PG_URL, tmp_path)
    await restored.create(migrated=False)
    try:
        config2 = write_config(tmp_path, restored.url)
        assert (await cli(capsys, "--config", str(config2), "db", "restore", str(out_file)))[0] == 0
        copy = Database(restored.url)
        names = [p[2] for p in (await snapshot(copy))["people"]]
        await copy.dispose()
        assert names == ["Da"]
    finally:
        await restored.destroy()
