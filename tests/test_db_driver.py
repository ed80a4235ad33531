"""SQLite statements make one trip to aiosqlite's thread (models/sqlite_driver.py) and behave as before:
rows, row counts, generated ids, many-row inserts, constraint errors, rollback."""

from datetime import UTC, datetime

import aiosqlite
import pytest
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from models.sqlite_driver import OneTripCursor
from models.tables import Person, Team

NOW = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)


def person(tg: int) -> Person:
    return Person(telegram_id=tg, display_name=f"P{tg}", language="de", is_manager=False, pseudonym=f"P-{tg}",
                  consent_version="1", consent_at=NOW, created_at=NOW)


@pytest.fixture
def sqlite_db(db):
    if db.dialect != "sqlite":
        pytest.skip("the SQLite driver only")
    return db


@pytest.fixture
def trips(monkeypatch):
    """Counts the functions handed to aiosqlite's worker thread."""
    calls: list[str] = []
    original = aiosqlite.Connection._execute

    async def counting(self, fn, *args, **kwargs):
        calls.append(getattr(fn, "__name__", repr(fn)))
        return await original(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counting)
    return calls


async def test_a_statement_is_one_trip_to_the_worker_thread(sqlite_db, trips):
    async with sqlite_db.transaction() as s:
        s.add(person(1))
        await s.flush()
        trips.clear()
        found = (await s.execute(select(Person.display_name).where(Person.telegram_id == 1))).scalar_one()
        assert trips == ["_run"]
    assert found == "P1"
    async with sqlite_db.engine.connect() as conn:
        cursor = conn.sync_connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        assert isinstance(cursor, OneTripCursor)


async def test_rows_counts_ids_and_many_rows_come_back_as_before(sqlite_db):
    async with sqlite_db.transaction() as s:
        s.add_all([person(1), person(2)])
        await s.flush()
        ids = (await s.execute(select(Person.id).order_by(Person.id))).scalars().all()
        assert len(ids) == 2 and ids[0] < ids[1]  # generated ids reach the ORM objects
        changed = await s.execute(update(Person).where(Person.telegram_id.in_([1, 2])).values(display_name="X"))
        assert changed.rowcount == 2  # type: ignore[attr-defined]
        gone = await s.execute(delete(Person).where(Person.telegram_id == 3))
        assert gone.rowcount == 0  # type: ignore[attr-defined]
        await s.execute(insert(Team), [  # executemany
            {"slug": f"t{i}", "field": "f", "name_de": f"T{i}", "name_en": f"T{i}", "description_de": "",
             "description_en": "", "created_at": NOW}
            for i in range(3)
        ])
        assert (await s.execute(select(func.count()).select_from(Team))).scalar_one() == 3
        names = (await s.execute(select(Person.display_name))).scalars().all()
    assert names == ["X", "X"]


async def test_a_constraint_error_is_sqlalchemys_and_the_transaction_rolls_back(sqlite_db):
    with pytest.raises(IntegrityError):
        async with sqlite_db.transaction() as s:
            s.add(person(1))
            await s.flush()
            s.add(person(1))  # the same telegram_id twice
            await s.flush()
    async with sqlite_db.transaction() as s:
        assert (await s.execute(select(func.count()).select_from(Person))).scalar_one() == 0
