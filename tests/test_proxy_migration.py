"""Migration 0016_proxy_members makes people.telegram_id nullable without losing a row pointing at a person: on SQLite a
table rebuild would drop `people`, and with foreign keys on that DROP deletes every membership (CASCADE)."""

import asyncio
from datetime import UTC, datetime

from alembic import command
from sqlalchemy import bindparam, func, select, text

from models.db import Database, UTCDateTime
from models.migrate import alembic_config, upgrade
from models.tables import Membership, Person

AT = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


async def test_the_upgrade_keeps_memberships_and_allows_people_without_telegram(empty_db_url):
    url = empty_db_url
    await upgrade(url, "0015_voice_steps")
    db = Database(url)
    async with db.transaction() as s:
        await s.execute(
            text(
                "INSERT INTO people (telegram_id, display_name, language, is_manager, pseudonym, consent_version,"
                " consent_at, created_at) VALUES (42, 'Anna', 'de', FALSE, 'P-1', '1', :at, :at)"
            ).bindparams(bindparam("at", type_=UTCDateTime())),
            {"at": AT},
        )
        await s.execute(
            text(
                "INSERT INTO teams (slug, field, name_de, name_en, description_de, description_en, created_at)"
                " VALUES ('t', 'f', 'T', 'T', 'd', 'd', :at)"
            ).bindparams(bindparam("at", type_=UTCDateTime())),
            {"at": AT},
        )
        await s.execute(
            text(
                "INSERT INTO memberships (person_id, team_id, role, joined_at)"
                " SELECT p.id, t.id, 'member', :at FROM people p, teams t"
            ).bindparams(bindparam("at", type_=UTCDateTime())),
            {"at": AT},
        )
    await db.dispose()
    await upgrade(url)
    db = Database(url)
    async with db.transaction() as s:
        assert await s.scalar(select(func.count()).select_from(Membership)) == 1
        s.add(Person(display_name="Erna", pseudonym="P-2", consent_version="", consent_at=AT, created_at=AT))
        await s.flush()
        ids = list((await s.execute(select(Person.telegram_id).order_by(Person.id))).scalars())
    await db.dispose()
    assert ids == [42, None]

    await asyncio.to_thread(command.downgrade, alembic_config(url), "0015_voice_steps")  # drops Erna, keeps Anna
    db = Database(url)
    async with db.transaction() as s:
        people = list((await s.execute(text("SELECT telegram_id FROM people"))).scalars())
        memberships = await s.scalar(text("SELECT count(*) FROM memberships"))
    await db.dispose()
    assert (people, memberships) == ([42], 1)
