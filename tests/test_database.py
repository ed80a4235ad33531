"""The schema comes from migrations alone, and the suite really runs on the database CI asked for."""

import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from models.tables import Base


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
