"""The schema comes from migrations alone, and the suite really runs on the database CI asked for."""

import asyncio
import os
from datetime import UTC, datetime

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import bindparam, inspect, select, text

from models.db import Database, UTCDateTime
from models.migrate import alembic_config, upgrade
from models.tables import Base, Person


async def test_suite_runs_on_the_requested_database(db):
    expected = "postgresql" if os.environ.get("ACTIONBOT_REQUIRE_POSTGRES") else db.dialect
    assert db.dialect == expected
    if os.environ.get("ACTIONBOT_TEST_DATABASE_URL"):
        assert db.dialect == "postgresql"


async def test_migrations_create_exactly_the_modelled_schema(db):
    def diff(sync_conn):
        return compare_metadata(MigrationContext.configure(sync_conn), Base.metadata)

    async with db.engine.connect() as conn:
        changes = await conn.run_sync(diff)
        tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    assert changes == []
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables


async def test_sqlite_connections_enforce_foreign_keys_and_wal(db):
    if db.dialect != "sqlite":
        pytest.skip("SQLite pragmas only")
    async with db.engine.connect() as conn:
        fk = (await conn.exec_driver_sql("PRAGMA foreign_keys")).scalar()
        mode = (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar()
    assert (fk, mode) == (1, "wal")


async def test_migration_0004_dates_earlier_evaluation_answers_by_the_consent(empty_db_url):
    """People who answered before `evaluation_consent_at` existed did so at registration, right after consent."""
    url = empty_db_url
    consented = datetime(2026, 3, 1, 8, 30, tzinfo=UTC)
    await upgrade(url, "0003")
    db = Database(url)
    async with db.transaction() as s:
        for tg, answer in ((1, True), (2, False), (3, None)):
            await s.execute(
                text(
                    "INSERT INTO people (telegram_id, display_name, language, is_manager, pseudonym,"
                    " consent_version, consent_at, evaluation_consent, created_at)"
                    " VALUES (:tg, 'x', 'de', FALSE, :ps, '1', :at, :answer, :at)"
                ).bindparams(bindparam("at", type_=UTCDateTime())),
                {"tg": tg, "ps": f"P-{tg}", "at": consented, "answer": answer},
            )
    await db.dispose()
    await upgrade(url)
    db = Database(url)
    async with db.transaction() as s:
        rows = (await s.execute(select(Person.telegram_id, Person.evaluation_consent_at).order_by(Person.id))).all()
    await db.dispose()
    assert [tuple(r) for r in rows] == [(1, consented), (2, consented), (3, None)]


async def test_migration_0006_starts_the_consent_history_and_the_activity_from_what_people_holds(empty_db_url):
    """Existing people get their agreement (and an evaluation consent given) as the first history rows, and count
    as active from the upgrade, so retention erases nobody at once for lack of a record."""
    from models.tables import Consent

    url = empty_db_url
    consented = datetime(2025, 3, 1, 8, 30, tzinfo=UTC)
    await upgrade(url, "0004")
    db = Database(url)
    async with db.transaction() as s:
        for tg, answer in ((1, True), (2, False)):
            await s.execute(
                text(
                    "INSERT INTO people (telegram_id, display_name, language, is_manager, pseudonym,"
                    " consent_version, consent_at, evaluation_consent, evaluation_consent_at, created_at)"
                    " VALUES (:tg, 'x', 'de', FALSE, :ps, '2025-01', :at, :answer, :at, :at)"
                ).bindparams(bindparam("at", type_=UTCDateTime())),
                {"tg": tg, "ps": f"P-{tg}", "at": consented, "answer": answer},
            )
    await db.dispose()
    before = datetime.now(UTC)
    await upgrade(url)
    db = Database(url)
    async with db.transaction() as s:
        history = (
            await s.execute(
                select(Person.telegram_id, Consent.purpose, Consent.version, Consent.agreed_at)
                .join(Person, Person.id == Consent.person_id)
                .order_by(Person.telegram_id, Consent.id)
            )
        ).all()
        seen = (await s.execute(select(Person.last_seen_at))).scalars().all()
    await db.dispose()
    assert [tuple(r) for r in history] == [
        (1, "privacy", "2025-01", consented),
        (1, "evaluation", "2025-01", consented),
        (2, "privacy", "2025-01", consented),
    ]
    assert all(at >= before.replace(microsecond=0) for at in seen) and len(seen) == 2


async def test_migration_0015_keeps_earlier_voices_as_idea_voices_and_downgrades_cleanly(empty_db_url):
    """Every recording stored before 0015 was an idea's: it keeps its bytes and gets kind 'idea'; going back to
    0014 drops the new columns again and keeps the row."""
    from models.tables import IdeaVoice

    url = empty_db_url
    await upgrade(url, "0014_away_answers")
    db = Database(url)
    async with db.transaction() as s:
        await s.execute(
            text(
                "INSERT INTO idea_voices (duration, mime_type, size, data, created_at)"
                " VALUES (42, 'audio/ogg', 4, :data, :at)"
            ).bindparams(bindparam("at", type_=UTCDateTime())),
            {"data": b"OggS", "at": datetime(2026, 12, 1, tzinfo=UTC)},
        )
    await db.dispose()
    await upgrade(url)
    db = Database(url)
    async with db.transaction() as s:
        [voice] = (await s.execute(select(IdeaVoice))).scalars().all()
    await db.dispose()
    assert (voice.kind, voice.data, voice.survey_answer_id, voice.summarised_at) == ("idea", b"OggS", None, None)
    await asyncio.to_thread(command.downgrade, alembic_config(url), "0014_away_answers")
    db = Database(url)
    async with db.transaction() as s:
        columns = (await s.execute(text("SELECT * FROM idea_voices"))).keys()
    await db.dispose()
    assert "kind" not in columns and "data" in columns


async def test_a_connection_close_that_waits_for_a_stopped_thread_does_not_outlive_dispose(tmp_path):
    """aiosqlite 0.22's close() waits in its `finally` for an answer from a worker thread that the pool's dispose
    already stopped; the event loop's shutdown cancels it once and would then wait for ever. Dispose ends it."""
    never: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    async def _terminate_graceful_close() -> None:  # shaped like SQLAlchemy's, waiting like aiosqlite's close()
        try:
            await asyncio.sleep(3600)
        finally:
            await never  # the stopped thread's answer

    closing = asyncio.create_task(_terminate_graceful_close())
    await asyncio.sleep(0)
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    await db.dispose()
    assert closing.done() and closing.cancelled()
