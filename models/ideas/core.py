"""Ideas: validation, submission, listing, the one-support-per-person rule and giving a team-less idea a team.

Nothing here touches Telegram: handlers and tests get a verdict without an update in hand.
Author group and town are copied onto the idea so they survive the author's erasure.
Members see the ideas of their teams and every idea without a team (nobody else would see those), and may
support any idea they see except their own. Only the project manager gives a team-less idea a team.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ColumnElement

from models import audit, outbox
from models.errors import Refusal
from models.ideas import events
from models.outbox import NewMessage
from models.tables import Idea, IdeaSupport, IdeaTown, Membership, Person, Team, Workshop
from models.teams import require_manager
from models.text import is_invisible, require_visible

MIN_LEN = 10
MAX_LEN = 2000
STATUSES = ("submitted", "in_review", "accepted", "implemented", "rejected", "forwarded", "merged")
PAGE_SIZE = 5
IDEA_ASSIGNED = "idea_assigned"  # the outbox kind telling the author that their idea got a team


@dataclass
class IdeaView:
    idea: Idea
    towns: list[str]
    supports: int
    supported_by_me: bool
    own: bool  # the viewer wrote it: no 👍 for them
    workshop: Workshop | None = None  # the workshop it was imported from (it then has no author)


def clean_text(raw: str | None) -> str:
    """Check an idea's text: 10-2000 characters with at least some visible letters or digits."""
    text = (raw or "").strip()
    if text:
        require_visible(text)
    if len(text) < MIN_LEN:
        raise Refusal("ideas.too_short", min=MIN_LEN, length=len(text))
    if len(text) > MAX_LEN:
        raise Refusal("ideas.too_long", max=MAX_LEN, length=len(text))
    if not any(unicodedata.category(c)[0] in "LN" and not is_invisible(c) for c in text):
        raise Refusal("ideas.no_words")
    return text


async def submit(
    s: AsyncSession,
    author: Person,
    *,
    text: str,
    field: str,
    towns: Iterable[str],
    team_id: int | None,
    now: datetime,
    fields: Iterable[str],
    allowed_towns: Iterable[str],
) -> Idea:
    """Store an idea with status 'submitted'; every value is checked again here, not only in the menus."""
    text = clean_text(text)
    if field not in set(fields):
        raise Refusal("errors.unknown_choice")
    town_list = sorted(set(towns))
    if not town_list or not set(town_list) <= set(allowed_towns):
        raise Refusal("ideas.need_town")
    if team_id is not None and await s.get(Membership, (author.id, team_id)) is None:
        raise Refusal("ideas.not_in_team")
    idea = Idea(
        author_id=author.id,
        author_group=author.stakeholder_group,
        author_town=author.town,
        text=text,
        field=field,
        team_id=team_id,
        status="submitted",
        created_at=now,
        updated_at=now,
    )
    s.add(idea)
    await s.flush()
    s.add_all(IdeaTown(idea_id=idea.id, town=t) for t in town_list)
    events.record(s, idea.id, events.SUBMITTED, now, actor_id=author.id, status="submitted")
    await s.flush()
    return idea


async def _views(s: AsyncSession, ideas: list[Idea], viewer: Person) -> list[IdeaView]:
    ids = [i.id for i in ideas]
    if not ids:
        return []
    towns: dict[int, list[str]] = {}
    for idea_id, town in await s.execute(
        select(IdeaTown.idea_id, IdeaTown.town).where(IdeaTown.idea_id.in_(ids)).order_by(IdeaTown.town)
    ):
        towns.setdefault(idea_id, []).append(town)
    counts: dict[int, int] = {}
    mine: set[int] = set()
    supports = (  # the count and whether the viewer is among them, in one query
        select(IdeaSupport.idea_id, func.count(), func.max(case((IdeaSupport.person_id == viewer.id, 1), else_=0)))
        .where(IdeaSupport.idea_id.in_(ids))
        .group_by(IdeaSupport.idea_id)
    )
    for idea_id, n, viewer_supports in await s.execute(supports):
        counts[idea_id] = n
        if viewer_supports:
            mine.add(idea_id)
    workshops: dict[int, Workshop] = {}
    if workshop_ids := {i.workshop_id for i in ideas if i.workshop_id is not None}:
        query = select(Workshop).where(Workshop.id.in_(workshop_ids))
        workshops = {w.id: w for w in (await s.execute(query)).scalars()}
    return [
        IdeaView(
            i,
            towns.get(i.id, []),
            counts.get(i.id, 0),
            i.id in mine,
            i.author_id == viewer.id,
            workshops.get(i.workshop_id) if i.workshop_id is not None else None,
        )
        for i in ideas
    ]


async def my_ideas(s: AsyncSession, person: Person, limit: int = 20) -> list[IdeaView]:
    ideas = list(
        (
            await s.execute(
                select(Idea)
                .where(Idea.author_id == person.id)
                .order_by(Idea.created_at.desc(), Idea.id.desc())
                .limit(limit)
            )
        ).scalars()
    )
    return await _views(s, ideas, person)


def _visible_to(person: Person):  # type: ignore[no-untyped-def]
    """Ideas of the teams the person is in."""
    return Idea.team_id.in_(select(Membership.team_id).where(Membership.person_id == person.id))


TEAMLESS = Idea.team_id.is_(None)
MERGED = "merged"  # merged into a similar idea (models/ideas/merge.py): it shows nowhere but in its author's list
NOT_MERGED = Idea.status != MERGED


def visible_to(person: Person) -> ColumnElement[bool]:
    """Ideas the person sees and may support: of their teams, or without a team (merged ones are gone)."""
    return or_(_visible_to(person), TEAMLESS) & NOT_MERGED


async def _page(
    s: AsyncSession, person: Person, cond: ColumnElement[bool], page: int, page_size: int
) -> tuple[list[IdeaView], int]:
    """One page (0-based, clamped) of the newest ideas matching `cond`, and the number of pages."""
    cond = cond & NOT_MERGED
    total = (await s.execute(select(func.count()).select_from(Idea).where(cond))).scalar_one()
    pages = max(1, -(-total // page_size))
    page = min(max(page, 0), pages - 1)
    q = select(Idea).where(cond).order_by(Idea.created_at.desc(), Idea.id.desc())
    ideas = list((await s.execute(q.offset(page * page_size).limit(page_size))).scalars())
    return await _views(s, ideas, person), pages


async def team_ideas_page(
    s: AsyncSession, person: Person, page: int, page_size: int = PAGE_SIZE
) -> tuple[list[IdeaView], int]:
    """One page (0-based) of the newest ideas of my teams, and the number of pages."""
    return await _page(s, person, _visible_to(person), page, page_size)


async def teamless_ideas_page(
    s: AsyncSession, person: Person, page: int, page_size: int = PAGE_SIZE
) -> tuple[list[IdeaView], int]:
    """One page (0-based) of the newest ideas without a team (every member sees them), and the number of pages."""
    return await _page(s, person, TEAMLESS, page, page_size)


async def teamless_count(s: AsyncSession) -> int:
    return int((await s.execute(select(func.count()).select_from(Idea).where(TEAMLESS, NOT_MERGED))).scalar_one())


async def toggle_support(s: AsyncSession, person: Person, idea_id: int, now: datetime) -> tuple[bool, int]:
    """Support an idea I can see (of my teams, or without a team), or withdraw the support; returns
    (supported now, count). Nobody supports their own idea: a count of others' support says something."""
    idea = (
        await s.execute(select(Idea).where(Idea.id == idea_id, or_(_visible_to(person), TEAMLESS)))
    ).scalar_one_or_none()
    if idea is None:
        raise Refusal("ideas.not_found")
    if idea.status == MERGED:  # an old 👍 button: its supports moved to the idea it was merged into
        raise Refusal("similar.support_merged", id=idea.id, into=idea.merged_into_id or "?")
    if idea.author_id == person.id:
        raise Refusal("ideas.own_idea")
    result = await s.execute(
        delete(IdeaSupport).where(IdeaSupport.idea_id == idea_id, IdeaSupport.person_id == person.id)
    )
    supported = not bool(getattr(result, "rowcount", 0))
    if supported:
        s.add(IdeaSupport(idea_id=idea_id, person_id=person.id, created_at=now))
        await s.flush()
    count = (
        await s.execute(select(func.count()).select_from(IdeaSupport).where(IdeaSupport.idea_id == idea_id))
    ).scalar_one()
    return supported, count


async def assignable_idea(s: AsyncSession, actor: Person, idea_id: int) -> Idea:
    """A team-less idea the actor may give a team: only the project manager may (forged buttons end here)."""
    require_manager(actor)
    idea = await s.get(Idea, idea_id)
    if idea is None:
        raise Refusal("ideas.not_found")
    if idea.team_id is not None:
        raise Refusal("ideas.has_team")
    return idea


async def assign_team(s: AsyncSession, actor: Person, idea_id: int, team_id: int, now: datetime) -> tuple[Idea, Team]:
    """Give a team-less idea a team: it then shows under that team (its lead can answer it), the author is told
    through the outbox and the audit log records it. A second press (or a second manager) finds it taken."""
    idea = await assignable_idea(s, actor, idea_id)
    team = await s.get(Team, team_id)
    if team is None:
        raise Refusal("teams.not_found")
    taken = await s.execute(update(Idea).where(Idea.id == idea.id, TEAMLESS).values(team_id=team.id, updated_at=now))
    if not getattr(taken, "rowcount", 0):
        raise Refusal("ideas.has_team")
    await s.refresh(idea)
    events.record(s, idea.id, events.TEAM, now, actor_id=actor.id, team=team.slug)
    author = await s.get(Person, idea.author_id) if idea.author_id is not None else None
    told = False
    if author is not None and author.id != actor.id:  # a manager assigning their own idea needs no message
        told = True
        message = NewMessage(
            IDEA_ASSIGNED,
            author.telegram_id,
            now,
            person_id=author.id,
            payload={"idea": idea.id},
            dedupe_key=f"{IDEA_ASSIGNED}:{idea.id}",
            priority=4,
        )
        await outbox.enqueue(s, [message], now)
    await audit.record(s, actor, audit.ASSIGN_IDEA, now, idea=idea.id, team=team.slug, told_author=told)
    return idea, team
