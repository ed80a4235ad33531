"""What a workshop's handout shows and what its QR codes do: the workshop's imported ideas with their team, status,
the project's latest answer and the towns' answers so far; and following an idea from the handout's link.

The handout is how the people who spoke at a Demografie-Werkstatt hear back: imported ideas have no author, so
anyone who opens an idea's link (`/start idea-<n>`) may follow it, even outside its team, but only an idea that
came from a workshop (a guessed number of a team's own idea is refused like a missing one). Nothing here
touches Telegram or the config; handlers/handout.py lays the page out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.errors import Refusal
from models.ideas import answers, routing
from models.tables import Idea, IdeaAnswer, IdeaFollower, IdeaRoute, Person, Team, Workshop

DEEP_LINK = "idea-"  # /start idea-<n>


@dataclass
class Item:
    idea: Idea
    team: Team | None
    answer: IdeaAnswer | None  # the newest published answer
    routes: list[IdeaRoute] = field(default_factory=list)


async def items(s: AsyncSession, workshop: Workshop) -> list[Item]:
    """The workshop's imported ideas in the order they were imported, each with what became of it (4 queries)."""
    ideas = list((await s.execute(select(Idea).where(Idea.workshop_id == workshop.id).order_by(Idea.id))).scalars())
    ids = [i.id for i in ideas]
    teams = {t.id: t for t in (await s.execute(select(Team))).scalars()}
    latest = await answers.latest_answers(s, ids)
    routes = await routing.routes_of(s, ids)
    return [Item(i, teams.get(i.team_id) if i.team_id else None, latest.get(i.id), routes.get(i.id, [])) for i in ideas]


def idea_of_link(payload: str | None) -> int | None:
    """The idea number of an `idea-<n>` deep link, or None."""
    if not payload or not payload.startswith(DEEP_LINK):
        return None
    number = payload[len(DEEP_LINK) :]
    return int(number) if number.isdigit() and len(number) <= 9 else None


async def follow_from_link(s: AsyncSession, person: Person, idea_id: int, now: datetime) -> tuple[Idea, bool]:
    """Follow an imported idea from its handout link; (the idea followed, whether newly). A merged idea's link
    follows the idea it lives on in; an idea not from a workshop is refused like a missing one."""
    idea = await s.get(Idea, idea_id)
    if idea is not None and idea.workshop_id is not None and idea.merged_into_id is not None:
        idea = await s.get(Idea, idea.merged_into_id)  # it lives on there, and so do its followers
    elif idea is not None and idea.workshop_id is None:
        idea = None
    if idea is None:
        raise Refusal("handout.no_idea", id=idea_id)
    if await s.get(IdeaFollower, (idea.id, person.id)) is not None:
        return idea, False
    s.add(IdeaFollower(idea_id=idea.id, person_id=person.id, created_at=now))
    await s.flush()
    return idea, True
