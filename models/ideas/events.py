"""An idea's path: one `IdeaEvent` row per step, written where the step happens, in the same transaction.

The timeline ("Verlauf") shows these rows in order; the evaluation reads how long each status lasted from the
steps that set a status, and how long a town's administration took from 'forwarded' to 'town_answer'.
Nothing here touches Telegram.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.tables import IdeaEvent

# the kinds of steps; each has a label `idea_events.<kind>` in the text catalogue
SUBMITTED = "submitted"  # typed in the chat by its author (status 'submitted')
IMPORTED = "imported"  # came from a workshop's results (status 'submitted'; details: workshop key)
TEAM = "team"  # got a team (details: team slug)
STATUS = "status"  # a published answer changed the status (status; details: answer id)
DISCUSSED = "discussed"  # linked to the meeting where it was discussed (meeting_id)
FORWARDED = "forwarded"  # sent to a town's administration (town)
TOWN_ANSWER = "town_answer"  # a town's administration answered (town; details: answer kind, codes)
MERGED = "merged"  # merged into another idea (details: into = idea id) or another idea merged into it (from)
CODED = "coded"  # factors or obstacles were ticked (details: kind, codes)
QUESTION_ANSWERED = "question_answered"  # the project answered a town's question (town; details: note, deadline)
KINDS = (SUBMITTED, IMPORTED, TEAM, STATUS, DISCUSSED, FORWARDED, TOWN_ANSWER, MERGED, CODED, QUESTION_ANSWERED)
SETS_STATUS = (SUBMITTED, IMPORTED, STATUS, MERGED)  # MERGED: only the merged idea's step has a status


def record(
    s: AsyncSession,
    idea_id: int,
    kind: str,
    at: datetime,
    /,
    *,
    actor_id: int | None = None,
    status: str | None = None,
    town: str | None = None,
    meeting_id: int | None = None,
    **details: Any,
) -> IdeaEvent:
    """Add one step (flushed with the caller's transaction). The first four are positional only, so a detail may
    be called `kind` too (a 'coded' step's kind of codes, a town's kind of answer)."""
    if kind not in KINDS:
        raise ValueError(f"unknown idea event kind {kind!r}")
    event = IdeaEvent(
        idea_id=idea_id,
        kind=kind,
        at=at,
        actor_id=actor_id,
        status=status,
        town=town,
        meeting_id=meeting_id,
        details=dict(details),
    )
    s.add(event)
    return event


async def timeline(s: AsyncSession, idea_id: int) -> list[IdeaEvent]:
    """Every step of one idea, oldest first."""
    query = select(IdeaEvent).where(IdeaEvent.idea_id == idea_id).order_by(IdeaEvent.at, IdeaEvent.id)
    return list((await s.execute(query)).scalars())


@dataclass(frozen=True)
class Stay:
    """How long an idea was in one status: `until` None while it still is."""

    idea_id: int
    status: str
    since: datetime
    until: datetime | None


def stays(events: Iterable[IdeaEvent]) -> list[Stay]:
    """Cut the status steps of one or more ideas into stays (events need not be sorted)."""
    by_idea: dict[int, list[IdeaEvent]] = {}
    for e in events:
        if e.kind in SETS_STATUS and e.status:
            by_idea.setdefault(e.idea_id, []).append(e)
    out: list[Stay] = []
    for idea_id, steps in by_idea.items():
        steps.sort(key=lambda e: (e.at, e.id or 0))
        for this, following in zip(steps, [*steps[1:], None], strict=True):
            out.append(Stay(idea_id, str(this.status), this.at, following.at if following else None))
    return out


async def status_stays(s: AsyncSession, idea_ids: Sequence[int] | None = None) -> list[Stay]:
    """The stays of the given ideas (all ideas for None)."""
    query = select(IdeaEvent).where(IdeaEvent.kind.in_(SETS_STATUS))
    if idea_ids is not None:
        query = query.where(IdeaEvent.idea_id.in_(list(idea_ids)))
    return stays((await s.execute(query)).scalars())
