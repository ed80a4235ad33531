"""A town's requests as its contacts see them: the list behind /anfragen (redrawing the other contacts' copies
once one of them answered is `routing.plan_redraws`). Nothing here touches Telegram."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.ideas import routing as r
from models.tables import Idea, IdeaRoute, Person

ANSWERED_SHOWN = 10  # /anfragen lists at most this many decided requests, the newest first


@dataclass
class TownRequests:
    """What /anfragen shows a contact: the open requests of their towns (deadline first) and the decided ones."""

    towns: list[str]
    open: list[tuple[IdeaRoute, Idea]]
    answered: list[tuple[IdeaRoute, Idea]]


async def town_requests(s: AsyncSession, policy: r.RoutingPolicy, person: Person) -> TownRequests:
    towns = r.contact_towns(policy, person)
    if not towns:
        return TownRequests([], [], [])
    base = select(IdeaRoute, Idea).join(Idea, Idea.id == IdeaRoute.idea_id).where(IdeaRoute.town.in_(towns))
    waiting = base.where(IdeaRoute.status.in_(r.UNDECIDED), Idea.status == r.FORWARDED)
    waiting = waiting.order_by(IdeaRoute.deadline_at, IdeaRoute.id)
    decided = base.where(IdeaRoute.status.in_((r.TAKEN, r.DECLINED)))
    decided = decided.order_by(IdeaRoute.answered_at.desc(), IdeaRoute.id.desc()).limit(ANSWERED_SHOWN)
    return TownRequests(
        towns,
        [(route, idea) for route, idea in (await s.execute(waiting)).all()],
        [(route, idea) for route, idea in (await s.execute(decided)).all()],
    )
