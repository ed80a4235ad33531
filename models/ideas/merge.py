"""Merging an idea into a similar one: only the project manager may, and the people concerned are told.

Nothing here touches Telegram. The merged idea gets status 'merged' and `merged_into_id`; it disappears from
every list (its author still sees it in /myideas) and from the statistics. The kept idea takes over its supports
and followers (one support per person, never its own author's) and its towns; the merged idea's author now
supports and follows the kept idea, so answers reach them. Both ideas get a 'merged' step on their path, the
audit log an entry, and through the outbox the author of each and the followers of the merged idea a message.
A double click, a forged button, an idea merged into itself, into a merged or rejected idea: refused, nothing
changed. Both rows are locked in id order first, so two managers merging crosswise cannot deadlock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import audit, outbox
from models.errors import Refusal
from models.ideas import events
from models.ideas.similar import GONE, MERGED
from models.outbox import NewMessage
from models.tables import Idea, IdeaFollower, IdeaSupport, IdeaTown, Person
from models.teams import require_manager

IDEA_MERGED = "idea_merged"  # the outbox kind; payload: from, into, role
FROM_AUTHOR, INTO_AUTHOR, FOLLOWER = "from", "into", "follower"  # who a message is for (the text differs)


@dataclass
class Merged:
    merged: Idea
    kept: Idea
    supports: int  # supports the kept idea gained
    followers: int  # followers the kept idea gained
    told: int  # messages planned


async def _both(s: AsyncSession, from_id: int, into_id: int) -> tuple[Idea, Idea]:
    """Both ideas, locked (PostgreSQL) in id order; refusals for everything that makes the merge wrong."""
    if from_id == into_id:
        raise Refusal("similar.same_idea")
    rows = (
        await s.execute(
            select(Idea)
            .where(Idea.id.in_([from_id, into_id]))
            .order_by(Idea.id)
            .with_for_update()
            .execution_options(populate_existing=True)  # as another transaction may have left them meanwhile
        )
    ).scalars()
    found = {i.id: i for i in rows}
    merged, kept = found.get(from_id), found.get(into_id)
    if merged is None or kept is None:
        raise Refusal("ideas.not_found")
    if merged.status == MERGED:
        raise Refusal("similar.already_merged", id=merged.id)
    if kept.status == MERGED:
        raise Refusal("similar.into_merged", id=kept.id)
    if merged.status in GONE or kept.status in GONE:
        raise Refusal("similar.rejected", id=kept.id if kept.status in GONE else merged.id)
    if merged.status == "forwarded":  # its towns' requests, reminders and answers stay with it: merge the other way
        raise Refusal("similar.forwarded", id=merged.id, other=kept.id)
    return merged, kept


async def check(s: AsyncSession, actor: Person, from_id: int, into_id: int) -> tuple[Idea, Idea]:
    """The two ideas if the actor may merge `from_id` into `into_id` now (asked before the confirmation)."""
    require_manager(actor)
    return await _both(s, from_id, into_id)


async def _people(s: AsyncSession, table: type[IdeaSupport] | type[IdeaFollower], idea_id: int) -> dict[int, datetime]:
    rows = await s.execute(select(table.person_id, table.created_at).where(table.idea_id == idea_id))
    return {p: at for p, at in rows.all()}


async def _move(
    s: AsyncSession, table: type[IdeaSupport] | type[IdeaFollower], merged: Idea, kept: Idea, now: datetime
) -> int:
    """Move the supports (or followers) of `merged` to `kept`, plus its author; returns how many `kept` gained."""
    there = await _people(s, table, kept.id)
    moving = await _people(s, table, merged.id)
    if merged.author_id is not None:
        moving.setdefault(merged.author_id, now)
    await s.execute(delete(table).where(table.idea_id == merged.id))
    gained = {p: at for p, at in moving.items() if p not in there and p != kept.author_id}
    s.add_all(table(idea_id=kept.id, person_id=p, created_at=at) for p, at in gained.items())
    return len(gained)


async def merge(s: AsyncSession, actor: Person, from_id: int, into_id: int, now: datetime) -> Merged:
    """Merge idea `from_id` into `into_id` (see the module docstring)."""
    require_manager(actor)
    merged, kept = await _both(s, from_id, into_id)
    followers_before = set(await _people(s, IdeaFollower, merged.id))
    supports = await _move(s, IdeaSupport, merged, kept, now)
    followers = await _move(s, IdeaFollower, merged, kept, now)
    towns = set((await s.execute(select(IdeaTown.town).where(IdeaTown.idea_id == kept.id))).scalars())
    extra = set((await s.execute(select(IdeaTown.town).where(IdeaTown.idea_id == merged.id))).scalars()) - towns
    s.add_all(IdeaTown(idea_id=kept.id, town=t) for t in sorted(extra))
    merged.status, merged.merged_into_id, merged.updated_at = MERGED, kept.id, now
    kept.updated_at = now
    events.record(s, merged.id, events.MERGED, now, actor_id=actor.id, status=MERGED, into=kept.id)
    origin: dict[str, Any] = {"from": merged.id}  # `from` is a Python keyword
    events.record(s, kept.id, events.MERGED, now, actor_id=actor.id, **origin)
    told = await _tell(s, actor, merged, kept, followers_before, now)
    await s.flush()
    details = {"idea": merged.id, "into": kept.id, "supports": supports, "followers": followers, "told": told}
    await audit.record(s, actor, audit.MERGE_IDEAS, now, **details)
    return Merged(merged, kept, supports, followers, told)


async def _tell(s: AsyncSession, actor: Person, merged: Idea, kept: Idea, followers: set[int], now: datetime) -> int:
    """One message per person: each author (not the acting manager) and the merged idea's followers."""
    roles: dict[int, str] = {p: FOLLOWER for p in followers}
    if kept.author_id is not None:
        roles[kept.author_id] = INTO_AUTHOR
    if merged.author_id is not None:
        roles[merged.author_id] = FROM_AUTHOR
    roles.pop(actor.id, None)
    if not roles:
        return 0
    people = (await s.execute(select(Person).where(Person.id.in_(roles)).order_by(Person.id))).scalars()
    messages = [
        NewMessage(
            IDEA_MERGED,
            p.telegram_id,
            now,
            person_id=p.id,
            payload={"from": merged.id, "into": kept.id, "role": roles[p.id]},
            dedupe_key=f"{IDEA_MERGED}:{merged.id}:{p.id}",
            priority=4,
        )
        for p in people
    ]
    await outbox.enqueue(s, messages, now)
    return len(messages)
