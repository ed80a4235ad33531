"""An idea's path as its timeline ("Verlauf") shows it: who may see it, and its steps with what they point at.

Nothing here touches Telegram: handlers and tests get a verdict without an update in hand.
Whoever may see an idea may see its path: its author, the members of its team, everyone for an idea without a
team (models/ideas/core.py), and the project manager, who may answer every idea. Anyone else, and an id that
names no idea (a forged button), gets the same refusal, so the answer does not tell whether the idea exists.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.errors import Refusal
from models.ideas import events
from models.tables import (
    Idea,
    IdeaAnswer,
    IdeaEvent,
    IdeaRoute,
    IdeaTown,
    Meeting,
    Membership,
    Person,
    RouteNote,
    Team,
    Workshop,
)


async def may_see(s: AsyncSession, viewer: Person, idea: Idea) -> bool:
    if viewer.is_manager or idea.team_id is None or idea.author_id == viewer.id:
        return True
    return await s.get(Membership, (viewer.id, idea.team_id)) is not None


async def visible_idea(s: AsyncSession, viewer: Person, idea_id: int) -> Idea:
    """The idea, if the viewer may see it; otherwise the refusal 'ideas.not_found'."""
    idea = await s.get(Idea, idea_id)
    if idea is None or not await may_see(s, viewer, idea):
        raise Refusal("ideas.not_found")
    return idea


@dataclass
class Path:
    """An idea's steps, oldest first, with the rows they point at, loaded at once (no query per step)."""

    idea: Idea
    towns: list[str]
    steps: list[IdeaEvent]
    team: Team | None  # the idea's team now
    teams: dict[str, Team] = field(default_factory=dict)  # by slug, for 'team' steps
    meetings: dict[int, Meeting] = field(default_factory=dict)  # for 'discussed' steps
    answers: dict[int, IdeaAnswer] = field(default_factory=dict)  # published answers of 'status' steps
    workshop: Workshop | None = None  # the workshop an imported idea came from
    notes: dict[int, RouteNote] = field(default_factory=dict)  # a town's question, the project's reply


def as_id(value: object) -> int | None:
    """A details value that should be an id; anything else (a future format, a typo) counts as absent."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


async def idea_path(s: AsyncSession, viewer: Person, idea_id: int) -> Path:
    """The idea's path, if the viewer may see the idea."""
    idea = await visible_idea(s, viewer, idea_id)
    steps = await events.timeline(s, idea.id)
    towns = list(
        (await s.execute(select(IdeaTown.town).where(IdeaTown.idea_id == idea.id).order_by(IdeaTown.town))).scalars()
    )
    slugs = {str(e.details.get("team")) for e in steps if isinstance(e.details, dict) and e.details.get("team")}
    teams = {t.slug: t for t in (await s.execute(select(Team).where(Team.slug.in_(slugs)))).scalars()} if slugs else {}
    meeting_ids = {e.meeting_id for e in steps if e.meeting_id is not None}
    meetings = (
        {m.id: m for m in (await s.execute(select(Meeting).where(Meeting.id.in_(meeting_ids)))).scalars()}
        if meeting_ids
        else {}
    )
    answer_ids = {
        a
        for e in steps
        if e.kind == events.STATUS and isinstance(e.details, dict)
        for a in [as_id(e.details.get("answer"))]
        if a is not None
    }
    answers: dict[int, IdeaAnswer] = {}
    if answer_ids:
        published = select(IdeaAnswer).where(
            IdeaAnswer.id.in_(answer_ids), IdeaAnswer.idea_id == idea.id, IdeaAnswer.published_at.is_not(None)
        )
        answers = {a.id: a for a in (await s.execute(published)).scalars()}
    team = await s.get(Team, idea.team_id) if idea.team_id is not None else None
    workshop = await s.get(Workshop, idea.workshop_id) if idea.workshop_id is not None else None
    note_ids = {
        n
        for e in steps
        if e.kind in (events.TOWN_ANSWER, events.QUESTION_ANSWERED) and isinstance(e.details, dict)
        for n in [as_id(e.details.get("note"))]
        if n is not None
    }
    notes: dict[int, RouteNote] = {}
    if note_ids:
        found = select(RouteNote).join(IdeaRoute, IdeaRoute.id == RouteNote.route_id)
        found = found.where(RouteNote.id.in_(note_ids), IdeaRoute.idea_id == idea.id)
        notes = {n.id: n for n in (await s.execute(found)).scalars()}
    return Path(idea, towns, steps, team, teams, meetings, answers, workshop, notes)
