"""Privacy self-service: everything stored about a person, and erasing the person.

`PERSONAL_TABLES` names every table that points at a person; a test checks it against the schema,
so a later table with personal data cannot be forgotten by /mydata and /deleteme.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, inspect, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.tables import Base, Draft, Idea, IdeaSupport, IdeaTown, Membership, Person, Team

# table name -> the column that points at people.id, and what erasure does with the row
PERSONAL_TABLES: dict[str, tuple[str, str]] = {
    "memberships": ("person_id", "delete"),
    "ideas": ("author_id", "anonymise"),
    "idea_supports": ("person_id", "delete"),
    "drafts": ("person_id", "delete"),
}


def _row(obj: Any, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for col in inspect(obj).mapper.column_attrs:
        if col.key in skip:
            continue
        value = getattr(obj, col.key)
        out[col.key] = value.isoformat() if isinstance(value, datetime) else value
    return out


async def export_person(s: AsyncSession, person: Person) -> dict[str, Any]:
    """Everything stored about the person, as JSON-ready data (the content of /mydata)."""
    memberships = [
        {**_row(m, ("person_id",)), "team": slug}
        for m, slug in (
            await s.execute(
                select(Membership, Team.slug)
                .join(Team, Team.id == Membership.team_id)
                .where(Membership.person_id == person.id)
            )
        ).tuples()
    ]
    ideas = []
    for idea in (await s.execute(select(Idea).where(Idea.author_id == person.id).order_by(Idea.id))).scalars():
        towns = list((await s.execute(select(IdeaTown.town).where(IdeaTown.idea_id == idea.id))).scalars())
        ideas.append({**_row(idea), "towns": towns})
    supports = [
        _row(x, ("person_id",))
        for x in (await s.execute(select(IdeaSupport).where(IdeaSupport.person_id == person.id))).scalars()
    ]
    drafts = [
        _row(d, ("person_id",)) for d in (await s.execute(select(Draft).where(Draft.person_id == person.id))).scalars()
    ]
    return {
        "person": _row(person),
        "memberships": memberships,
        "ideas": ideas,
        "idea_supports": supports,
        "drafts": drafts,
    }


async def erase_person(s: AsyncSession, person: Person) -> None:
    """Erase the person: rows about them go, rows that must stay (ideas) lose the link to them."""
    for table_name, (column, action) in PERSONAL_TABLES.items():
        table = Base.metadata.tables[table_name]
        where = table.c[column] == person.id
        if action == "delete":
            await s.execute(delete(table).where(where))
        else:
            await s.execute(update(table).where(where).values({column: None}))
    await s.execute(delete(Person).where(Person.id == person.id))
    s.expunge(person)
