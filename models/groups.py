"""A team's linked Telegram group: linking, unlinking and following a group that became a supergroup.

Nothing here touches Telegram. A team has at most one group and a group belongs to at most one team.
Whoever may schedule the team's meetings (its leads, project managers) may link or unlink it. Linking
or unlinking re-plans the reminders of the team's upcoming meetings, so they go to the group linked now,
and a newly linked group gets the invitations of the meetings already scheduled.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import outbox
from models.errors import Refusal
from models.meetings import core as meetings
from models.meetings.core import MeetingPolicy
from models.outbox import NewMessage
from models.tables import Meeting, Outbox, Person, Team, TeamGroup
from models.text import clean

TITLE_MAX = 256


@dataclass(frozen=True)
class Linked:
    team: Team
    replaced_title: str | None  # the team's previous group, which gets nothing any more
    already: bool  # this group was linked to the team before: nothing changed
    meetings: int  # upcoming meetings the group now hears about


async def linkable_teams(s: AsyncSession, person: Person) -> list[Team]:
    """The teams this person may link a group for; refuses if there are none."""
    teams = await meetings.schedulable_teams(s, person)
    if not teams:
        raise Refusal("groups.not_lead")
    return teams


async def group_of_chat(s: AsyncSession, chat_id: int) -> TeamGroup | None:
    return (await s.execute(select(TeamGroup).where(TeamGroup.chat_id == chat_id))).scalar_one_or_none()


async def _upcoming(s: AsyncSession, team_id: int, now: datetime) -> list[Meeting]:
    rows = await s.execute(
        select(Meeting)
        .where(Meeting.team_id == team_id, Meeting.status == meetings.SCHEDULED, Meeting.starts_at > now)
        .order_by(Meeting.starts_at)
    )
    return list(rows.scalars())


async def link(
    s: AsyncSession, person: Person, team_id: int, chat_id: int, title: str, now: datetime, policy: MeetingPolicy
) -> Linked:
    """Link the group `chat_id` to the team, replacing the team's previous group."""
    team = await meetings.require_organiser(s, person, team_id)
    elsewhere = await group_of_chat(s, chat_id)
    if elsewhere is not None and elsewhere.team_id != team_id:
        raise Refusal("groups.linked_elsewhere")
    current = await s.get(TeamGroup, team_id)
    title = clean(title or "")[:TITLE_MAX] or "?"
    if current is not None and current.chat_id == chat_id:
        current.title = title
        return Linked(team, None, True, 0)
    replaced = current.title if current is not None else None
    if current is not None:
        await outbox.cancel_open(s, Outbox.chat_id == current.chat_id, reason="group replaced")
        current.chat_id, current.title, current.linked_by, current.linked_at = chat_id, title, person.id, now
    else:
        s.add(TeamGroup(team_id=team_id, chat_id=chat_id, title=title, linked_by=person.id, linked_at=now))
    await s.flush()
    upcoming = await _upcoming(s, team_id, now)
    await outbox.enqueue(
        s,
        [
            NewMessage(
                meetings.INVITATION,
                chat_id,
                now,
                meeting_id=m.id,
                dedupe_key=f"invitation:{m.id}:g{chat_id}:{m.sequence}",
                expires_at=m.starts_at,
                priority=1,
            )
            for m in upcoming
        ],
        now,
    )
    for m in upcoming:
        await meetings.plan_timed(s, m, policy, now)
    return Linked(team, replaced, False, len(upcoming))


async def unlink(s: AsyncSession, person: Person, chat_id: int, now: datetime, policy: MeetingPolicy) -> Team:
    """Unlink the group `chat_id`; its planned reminders are dropped."""
    linked = await group_of_chat(s, chat_id)
    if linked is None:
        raise Refusal("groups.not_linked")
    team = await meetings.require_organiser(s, person, linked.team_id)
    await s.delete(linked)
    await s.flush()
    await outbox.cancel_open(s, Outbox.chat_id == chat_id, reason="group unlinked")
    for m in await _upcoming(s, team.id, now):
        await meetings.plan_timed(s, m, policy, now)
    return team


async def follow_migration(s: AsyncSession, old_chat_id: int, new_chat_id: int) -> bool:
    """A group became a supergroup with a new id: keep it linked and move its open messages along.

    Telegram tells us twice (a service message in the old and in the new chat) and a failed send may have
    told us already, so a second call changes nothing. Returns whether a linked group moved.
    """
    if old_chat_id == new_chat_id:
        return False
    if await group_of_chat(s, new_chat_id) is not None:
        # already followed; a stale row for the old id (linked again meanwhile) must not keep the slot
        await s.execute(delete(TeamGroup).where(TeamGroup.chat_id == old_chat_id))
        moved = False
    else:
        result = await s.execute(update(TeamGroup).where(TeamGroup.chat_id == old_chat_id).values(chat_id=new_chat_id))
        moved = bool(getattr(result, "rowcount", 0))
    await s.execute(
        update(Outbox)
        .where(Outbox.chat_id == old_chat_id, Outbox.status.in_(outbox.OPEN_STATES))
        .values(chat_id=new_chat_id)
    )
    return moved
