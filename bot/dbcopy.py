"""`actionbot db copy --from URL --to URL`: move every row to another database (SQLite → PostgreSQL).

Both databases must be at the newest migration (the schema is made by migrations, never by this copy) and the
target empty. Tables are copied in foreign-key order with their ids, in one target transaction (all or nothing);
PostgreSQL's id sequences are then set past the highest id, and the row counts of both sides are compared.
"""

from __future__ import annotations

from collections.abc import Callable

from alembic.script import ScriptDirectory
from sqlalchemy import Integer, Table, func, insert, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.backup import BackupError, public_url
from models.db import make_engine
from models.migrate import alembic_config
from models.tables import Base

BATCH = 2000
Progress = Callable[[str, int], None]


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None
    return head


async def _revision(conn: AsyncConnection, url: str) -> str:
    try:
        return str((await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar_one())
    except DBAPIError:
        await conn.rollback()
        raise BackupError(
            f"{public_url(url)} has no schema: run `DATABASE_URL='{public_url(url)}' actionbot db upgrade` first"
        ) from None


async def _count(conn: AsyncConnection, table: Table) -> int:
    return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


async def _reset_sequences(conn: AsyncConnection) -> None:
    for table in Base.metadata.sorted_tables:
        pk = list(table.primary_key.columns)
        if len(pk) == 1 and isinstance(pk[0].type, Integer) and pk[0].autoincrement in (True, "auto"):
            highest = (await conn.execute(select(func.max(pk[0])))).scalar_one() or 0
            await conn.execute(
                text("SELECT setval(pg_get_serial_sequence(:table, :column), :next, false)"),
                {"table": f'"{table.name}"', "column": pk[0].name, "next": highest + 1},
            )


async def copy(from_url: str, to_url: str, progress: Progress | None = None) -> dict[str, int]:
    """Copy every row from `from_url` into the empty, migrated `to_url`; returns rows per table."""
    if from_url == to_url:
        raise BackupError("--from and --to name the same database")
    source, target = make_engine(from_url), make_engine(to_url)
    try:
        return await _copy(source, target, from_url, to_url, progress)
    except OSError as exc:
        raise BackupError(f"cannot connect: {exc}") from None
    finally:
        await source.dispose()
        await target.dispose()


async def _copy(
    source: AsyncEngine, target: AsyncEngine, from_url: str, to_url: str, progress: Progress | None
) -> dict[str, int]:
    head = head_revision()
    counts: dict[str, int] = {}
    async with source.connect() as src, target.connect() as dst:
        for conn, url in ((src, from_url), (dst, to_url)):
            revision = await _revision(conn, url)
            if revision != head:
                raise BackupError(
                    f"{public_url(url)} is at migration {revision}, not {head}: "
                    f"run `DATABASE_URL='{public_url(url)}' actionbot db upgrade` first"
                )
        for table in Base.metadata.sorted_tables:
            if await _count(dst, table):
                raise BackupError(
                    f"{public_url(to_url)} is not empty (table {table.name}): copy only into a new database"
                )
        for table in Base.metadata.sorted_tables:
            order = list(table.primary_key.columns)
            result = await src.stream(select(table).order_by(*order))
            done = 0
            async for part in result.partitions(BATCH):
                await dst.execute(insert(table), [dict(row._mapping) for row in part])
                done += len(part)
            counts[table.name] = done
            if progress is not None:
                progress(table.name, done)
        if target.dialect.name == "postgresql":
            await _reset_sequences(dst)
        for table in Base.metadata.sorted_tables:
            copied = await _count(dst, table)
            if copied != counts[table.name] or copied != await _count(src, table):
                raise BackupError(f"table {table.name}: {copied} rows in the target, {counts[table.name]} read")
        await dst.commit()
        await src.rollback()
    return counts
