"""Privacy self-service: everything stored about a person, and erasing the person.

Nothing here touches Telegram. `PERSONAL_TABLES` names every table that points at a person and what
erasure does with its rows; export and erasure both walk it, and a test checks it against the schema,
so a later table with personal data cannot be forgotten by /mydata and /deleteme.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Table, delete, inspect, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.tables import Base, IdeaTown, Person, Team

DELETE = "delete"  # the row is about the person: it goes
ANONYMISE = "anonymise"  # the row must stay (statistics, other people's data): it loses the link

# table name -> the column that points at people.id, and what erasure does with the row
PERSONAL_TABLES: dict[str, tuple[str, str]] = {
    "memberships": ("person_id", DELETE),
    "ideas": ("author_id", ANONYMISE),
    "idea_supports": ("person_id", DELETE),
    "drafts": ("person_id", DELETE),
    "rsvps": ("person_id", DELETE),
    "poll_votes": ("person_id", DELETE),
    "outbox": ("person_id", DELETE),
    "meetings": ("created_by", ANONYMISE),
    "polls": ("created_by", ANONYMISE),
    "team_groups": ("linked_by", ANONYMISE),
    "announcements": ("sender_id", ANONYMISE),
    "idea_answers": ("actor_id", ANONYMISE),
    "idea_followers": ("person_id", DELETE),
    "audit_log": ("actor_id", ANONYMISE),
    "consents": ("person_id", DELETE),  # the history of agreements: without the person it proves nothing
    "idea_events": ("actor_id", ANONYMISE),
    "idea_codes": ("actor_id", ANONYMISE),
    "survey_answers": ("person_id", ANONYMISE),  # the figures stay; the free-text comment goes (ALSO_CLEARED)
    "idea_routes": ("answered_by", ANONYMISE),  # a town's answer stays on the idea, without who gave it
    "route_notes": ("person_id", ANONYMISE),  # a town's question, the project's reply: they stay on the route
    "idea_voices": ("person_id", DELETE),  # the audio is the person's voice: it goes (the idea's text stays)
    "member_contacts": ("person_id", DELETE),  # phone, postal address, e-mail of a member reached outside Telegram
    "away_answers": ("person_id", ANONYMISE),  # reasons for staying away: the figures stay, the sentence goes
    "proxy_members": ("person_id", DELETE),  # a proxy member's consent on paper or by phone
    "link_codes": ("person_id", DELETE),  # one-time codes to link a Telegram account to a proxy member
}

# columns that hold the person's Telegram chat without pointing at people.id: cleared with the link
ALSO_CLEARED: dict[str, tuple[str, ...]] = {
    "announcements": ("progress_chat_id", "progress_message_id"),  # the sender's progress message
    "survey_answers": ("comment", "comment_review", "comment_reviewed_at"),  # a sentence may identify them
    "away_answers": ("comment",),
}


def _plain(row: dict[str, Any], skip: str = "") -> dict[str, Any]:
    return {k: _value(v) for k, v in row.items() if k != skip}


def _value(v: Any) -> Any:
    if isinstance(v, datetime):
        return v.isoformat()
    if isinstance(v, (bytes, memoryview)):  # audio: sent as a file of its own next to the JSON (see `voice`)
        return f"{len(v)} bytes"
    return v


async def _rows(s: AsyncSession, table: Table, column: str, person_id: int) -> list[dict[str, Any]]:
    query = select(table).where(table.c[column] == person_id).order_by(*table.primary_key.columns)
    return [_plain(dict(r), skip=column) for r in (await s.execute(query)).mappings()]


async def _explain(s: AsyncSession, table_name: str, rows: list[dict[str, Any]]) -> None:
    """Add what makes bare ids readable: the team of a membership, the towns of an idea."""
    if table_name == "memberships" and rows:
        slugs = dict((await s.execute(select(Team.id, Team.slug))).all())
        for r in rows:
            r["team"] = slugs.get(r["team_id"])
    if table_name == "idea_voices":
        for r in rows:
            r["data"] = f"{r['size']} bytes, sent as the file sprachnachricht-{r['id']}.ogg"
    if table_name == "ideas":
        for r in rows:
            r["towns"] = list(
                (await s.execute(select(IdeaTown.town).where(IdeaTown.idea_id == r["id"]).order_by(IdeaTown.town)))
                .scalars()
                .all()
            )


async def export_person(s: AsyncSession, person: Person) -> dict[str, Any]:
    """Everything stored about the person, as JSON-ready data (the content of /mydata).

    `person` is the person's own row; every table of `PERSONAL_TABLES` follows under its name.
    """
    own = {attr.key: getattr(person, attr.key) for attr in inspect(person).mapper.column_attrs}
    out: dict[str, Any] = {"person": _plain(own)}
    for table_name, (column, _) in PERSONAL_TABLES.items():
        rows = await _rows(s, Base.metadata.tables[table_name], column, person.id)
        await _explain(s, table_name, rows)
        out[table_name] = rows
    return out


async def erase_person(s: AsyncSession, person: Person) -> None:
    """Erase the person: rows about them go, rows that must stay lose the link to them."""
    for table_name, (column, action) in PERSONAL_TABLES.items():
        table = Base.metadata.tables[table_name]
        where = table.c[column] == person.id
        if action == DELETE:
            await s.execute(delete(table).where(where))
        else:
            cleared = {c: None for c in (column, *ALSO_CLEARED.get(table_name, ()))}
            await s.execute(update(table).where(where).values(cleared))
    await s.execute(delete(Person).where(Person.id == person.id))
    if person in s:
        s.expunge(person)  # so no pending change of the deleted row is flushed later
