"""Alike ideas: shown to a member before they submit, flagged for the project manager after a submit or an import.

Nothing here touches Telegram: handlers, the import and tests get a verdict without an update in hand.
Only ideas still alive take part (not rejected, not merged into another). A flagged pair is one `IdeaSimilar`
row (newer idea, older idea); the manager merges one into the other (models/ideas/merge.py) or dismisses the
pair, which keeps the row so the pair is never flagged again. How alike is decided in models/ideas/likeness.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from models.errors import Refusal
from models.ideas import core, likeness
from models.tables import Idea, IdeaSimilar, IdeaSupport, Person
from models.teams import require_manager

MERGED = core.MERGED  # the status of an idea merged into another (Idea.merged_into_id says which)
GONE = ("rejected", MERGED)  # ideas that take no part: nobody needs to find or merge them
SHOWN = 3  # alike ideas shown to a member before submitting
PARTNERS = 3  # at most this many alike ideas flagged per new idea (the most alike)
PAGE_SIZE = 1  # flagged pairs per screen for the manager (each with its own buttons)
LIVE = Idea.status.not_in(GONE)
_NEW, _OLD = aliased(Idea), aliased(Idea)  # the two ideas of a flagged pair


@dataclass(frozen=True)
class Match:
    idea: Idea
    score: float


@dataclass(frozen=True)
class Pair:
    """A flagged pair as the manager sees it: the newer idea, the older one, how alike."""

    new: Idea
    old: Idea
    score: int
    flagged_at: datetime


async def find_similar(
    s: AsyncSession,
    text: str,
    viewer: Person | None = None,
    *,
    exclude: Iterable[int] = (),
    limit: int = SHOWN,
    threshold: float = likeness.THRESHOLD,
) -> list[Match]:
    """The live ideas most like `text`, best first; with a `viewer` only those they may see (and support)."""
    query = likeness.key(text)
    if not query:
        return []
    q = select(Idea.id, Idea.text).where(LIVE)
    if viewer is not None:
        q = q.where(core.visible_to(viewer))
    skip = set(exclude)
    rows = [(i, t) for i, t in (await s.execute(q)).all() if i not in skip]
    found = likeness.best(query, [likeness.key(t) for _, t in rows], threshold, limit)
    if not found:
        return []
    chosen = select(Idea).where(Idea.id.in_([rows[j][0] for j, _ in found]))
    ideas = {i.id: i for i in (await s.execute(chosen)).scalars()}
    return [Match(ideas[rows[j][0]], value) for j, value in found if rows[j][0] in ideas]


async def flag_new(
    s: AsyncSession, idea_ids: Sequence[int], now: datetime, threshold: float = likeness.THRESHOLD
) -> int:
    """Flag every live idea alike to one of `idea_ids` (also among themselves); returns how many pairs are new.

    Called after a submit and after an import (10,000 ideas at once: one query for the texts, one for the pairs
    already known, one bulk insert). A pair already flagged or dismissed stays as it is.
    """
    wanted = set(idea_ids)
    if not wanted:
        return 0
    rows = (await s.execute(select(Idea.id, Idea.text).where(LIVE).order_by(Idea.id))).all()
    ids = [i for i, _ in rows]
    keys = [likeness.key(t) for _, t in rows]
    new_at = [n for n, i in enumerate(ids) if i in wanted]
    found = likeness.pairs([keys[n] for n in new_at], keys, threshold)
    partners: dict[int, list[tuple[float, int]]] = {}
    for (a, b), value in found.items():
        if ids[new_at[a]] != ids[b]:
            partners.setdefault(a, []).append((value, b))
    scores: dict[tuple[int, int], int] = {}
    for a, alike in partners.items():
        # the most alike few per new idea: the manager merges pair by pair, and a file of near-copies must not
        # flag every idea with every other one
        for value, b in sorted(alike, key=lambda vb: (-vb[0], vb[1]))[:PARTNERS]:
            first, second = ids[new_at[a]], ids[b]
            pair = (max(first, second), min(first, second))
            scores[pair] = max(scores.get(pair, 0), round(value))
    if not scores:
        return 0
    low = min(p[1] for p in scores)
    q = select(IdeaSimilar.idea_id, IdeaSimilar.other_id).where(IdeaSimilar.other_id >= low)
    known = {(a, b) for a, b in (await s.execute(q)).all()}
    fresh = [
        {"idea_id": a, "other_id": b, "score": value, "flagged_at": now}
        for (a, b), value in sorted(scores.items())
        if (a, b) not in known
    ]
    if fresh:
        await s.execute(insert(IdeaSimilar), fresh)
    return len(fresh)


def _open(q: Select) -> Select:  # type: ignore[type-arg]
    """`q` over the waiting pairs: not dismissed, both ideas still live; `_NEW`/`_OLD` are the two ideas."""
    return (
        q.select_from(IdeaSimilar)
        .join(_NEW, _NEW.id == IdeaSimilar.idea_id)
        .join(_OLD, _OLD.id == IdeaSimilar.other_id)
        .where(IdeaSimilar.dismissed_at.is_(None), _NEW.status.not_in(GONE), _OLD.status.not_in(GONE))
    )


async def open_count(s: AsyncSession) -> int:
    """How many flagged pairs wait for the manager (both ideas still live, not dismissed)."""
    return int((await s.execute(_open(select(func.count())))).scalar_one())


async def open_pairs(s: AsyncSession, actor: Person, page: int, page_size: int = PAGE_SIZE) -> tuple[list[Pair], int]:
    """One page (0-based, clamped) of the waiting pairs, most alike first, and the number of pages (manager only)."""
    require_manager(actor)
    total = await open_count(s)
    pages = max(1, -(-total // page_size))
    page = min(max(page, 0), pages - 1)
    q = (
        _open(select(_NEW, _OLD, IdeaSimilar.score, IdeaSimilar.flagged_at))
        .order_by(IdeaSimilar.score.desc(), IdeaSimilar.idea_id.desc(), IdeaSimilar.other_id.desc())
        .offset(page * page_size)
        .limit(page_size)
    )
    return [Pair(a, b, value, at) for a, b, value, at in (await s.execute(q)).all()], pages


async def dismiss(s: AsyncSession, actor: Person, a: int, b: int, now: datetime) -> None:
    """Mark a flagged pair "not alike" (manager only); a second press, or a pair never flagged, is refused."""
    require_manager(actor)
    pair = (max(a, b), min(a, b))
    done = await s.execute(
        update(IdeaSimilar)
        .where(IdeaSimilar.idea_id == pair[0], IdeaSimilar.other_id == pair[1], IdeaSimilar.dismissed_at.is_(None))
        .values(dismissed_at=now)
    )
    if not getattr(done, "rowcount", 0):
        raise Refusal("similar.no_pair")


async def support_instead(s: AsyncSession, person: Person, idea_id: int, text: str, now: datetime) -> tuple[Idea, int]:
    """Support an alike idea instead of submitting `text`: only one shown for that text (others are refused), never
    one's own; supporting it already is fine. Returns the idea and its number of supports."""
    shown = {m.idea.id: m.idea for m in await find_similar(s, text, person)}
    idea = shown.get(idea_id)
    if idea is None:
        raise Refusal("similar.not_shown")
    if idea.author_id == person.id:
        raise Refusal("ideas.own_idea")
    if await s.get(IdeaSupport, (idea.id, person.id)) is None:
        s.add(IdeaSupport(idea_id=idea.id, person_id=person.id, created_at=now))
        await s.flush()
    return idea, await support_count(s, idea.id)


async def support_count(s: AsyncSession, idea_id: int) -> int:
    q = select(func.count()).select_from(IdeaSupport).where(IdeaSupport.idea_id == idea_id)
    return int((await s.execute(q)).scalar_one())


async def support_counts(s: AsyncSession, idea_ids: list[int]) -> dict[int, int]:
    """The number of supports of several ideas in one query (ideas without any are missing: 0)."""
    if not idea_ids:
        return {}
    q = select(IdeaSupport.idea_id, func.count()).where(IdeaSupport.idea_id.in_(idea_ids)).group_by(IdeaSupport.idea_id)
    return {idea_id: int(n) for idea_id, n in await s.execute(q)}
