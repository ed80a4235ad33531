"""Who may answer an idea: the project manager any idea, a team lead the ideas of her teams.

Its own module because answering and coding an idea both ask it, and each builds on the other's module."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from models.tables import Idea, Membership, Person
from models.teams import LEAD


async def may_answer(s: AsyncSession, actor: Person, idea: Idea) -> bool:
    if actor.is_manager:
        return True
    if idea.team_id is None:
        return False
    m = await s.get(Membership, (actor.id, idea.team_id))
    return m is not None and m.role == LEAD
