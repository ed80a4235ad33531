"""Answers to ideas: who may answer which idea, which status changes are legal, drafts and publishing.

Nothing here touches Telegram: handlers and tests get a verdict without an update in hand.
An answer is a draft (`published_at` None) until the person who wrote it publishes it, alone or together
with their other drafts. Publishing re-checks every draft against the idea as it is then, sets the idea's
status and plans one "idea_answer" outbox row per recipient (the author unless erased, and every follower)
in the same transaction; the rows are rendered at send time in each recipient's language.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, func, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import audit, outbox
from models.errors import Refusal
from models.ideas import codes, events, routing
from models.ideas.rights import may_answer
from models.meetings.core import SCHEDULED, team_meetings
from models.outbox import NewMessage
from models.tables import Idea, IdeaAnswer, IdeaEvent, IdeaFollower, Meeting, Membership, Person
from models.teams import led_team_ids
from models.text import require_visible

TEXT_MAX = 1000
PAGE_SIZE = 5
IDEA_ANSWER = "idea_answer"  # the outbox kind a published answer causes
AWAITING = ("submitted", "in_review")  # ideas still waiting for an answer
# the legal status changes: what an idea in the key's status may become
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "submitted": ("in_review", "accepted", "rejected", "forwarded"),
    "in_review": ("accepted", "rejected", "forwarded"),
    "accepted": ("implemented",),
    "forwarded": ("implemented", "rejected"),  # after the towns' answers
}
CLOSED = ("rejected", "forwarded", "implemented")  # answered for now; their codes can still be ticked
# /answer lists: waiting ideas, accepted ideas to mark implemented, closed ideas (for their obstacles and factors)
LISTS = {"w": AWAITING, "a": ("accepted", "forwarded"), "d": CLOSED}


@dataclass
class Published:
    """What one publish did: the answers sent out, and drafts dropped because they no longer fit the idea."""

    answers: list[IdeaAnswer] = field(default_factory=list)
    dropped: list[IdeaAnswer] = field(default_factory=list)
    recipients: int = 0
    prompts: int = 0  # questions for the codes (obstacles, success factors) planned for the actor
    forwarded: list[routing.Forwarded] = field(default_factory=list)  # routes made by 'forwarded' answers


# --- rules ---------------------------------------------------------------------------------------------


def next_statuses(status: str) -> tuple[str, ...]:
    return TRANSITIONS.get(status, ())


def check_transition(old: str, new: str) -> None:
    if new not in next_statuses(old):
        raise Refusal("idea_answers.bad_transition")


def clean_text(raw: str | None) -> str:
    """An answer's text: 1-1000 characters after trimming; stored as typed, escaped when shown."""
    text = (raw or "").strip()
    if not text:
        raise Refusal("idea_answers.text_empty")
    require_visible(text)
    if len(text) > TEXT_MAX:
        raise Refusal("idea_answers.text_long", max=TEXT_MAX, length=len(text))
    return text


def _scope(actor: Person, led: Iterable[int]):  # type: ignore[no-untyped-def]
    """Ideas the actor may answer: every idea for the project manager, else those of teams they lead."""
    return true() if actor.is_manager else Idea.team_id.in_(list(led))


async def answerable_idea(s: AsyncSession, actor: Person, idea_id: int) -> Idea:
    """The idea, if it exists and the actor may answer it; otherwise a refusal (forged buttons end here)."""
    idea = await s.get(Idea, idea_id)
    if idea is None or not await may_answer(s, actor, idea):
        raise Refusal("idea_answers.not_allowed")
    return idea


# --- listing -------------------------------------------------------------------------------------------


async def ideas_page(
    s: AsyncSession, actor: Person, which: str, page: int, page_size: int = PAGE_SIZE
) -> tuple[list[Idea], int]:
    """One page (0-based, oldest first) of the ideas the actor may answer in list `which`, and the page count."""
    if which not in LISTS:
        raise Refusal("errors.stale_button")
    cond = (_scope(actor, await led_team_ids(s, actor)), Idea.status.in_(LISTS[which]))
    total = (await s.execute(select(func.count()).select_from(Idea).where(*cond))).scalar_one()
    pages = max(1, -(-total // page_size))
    page = min(max(page, 0), pages - 1)
    q = select(Idea).where(*cond).order_by(Idea.created_at, Idea.id).offset(page * page_size).limit(page_size)
    return list((await s.execute(q)).scalars()), pages


async def drafts_of(s: AsyncSession, actor: Person) -> list[IdeaAnswer]:
    q = select(IdeaAnswer).where(IdeaAnswer.actor_id == actor.id, IdeaAnswer.published_at.is_(None))
    return list((await s.execute(q.order_by(IdeaAnswer.id))).scalars())


async def linkable_meetings(s: AsyncSession, idea: Idea, now: datetime) -> list[Meeting]:
    """Recent meetings of the idea's team, newest first (an idea without team has none)."""
    return [] if idea.team_id is None else await team_meetings(s, idea.team_id, now, upcoming=False)


async def link_meeting(
    s: AsyncSession, actor: Person, idea_id: int, meeting_id: int, linked: bool, now: datetime
) -> bool:
    """Record that the idea was discussed at the meeting (`linked`), or take back a mistaken link; returns whether
    anything changed. The one rule for /answer and /attendance alike.

    Only the lead of the idea's team or a manager may (like answering), and only for a meeting of the idea's own
    team that has begun and was not cancelled. Each link is one 'discussed' step on the idea's path; linking the
    same meeting again changes nothing, and taking a link back removes its step (it never happened).
    `ideas.meeting_id` names the latest meeting the idea was discussed at.
    """
    idea = await answerable_idea(s, actor, idea_id)
    meeting = await s.get(Meeting, meeting_id)
    if (
        meeting is None
        or idea.team_id is None
        or meeting.team_id != idea.team_id
        or meeting.status != SCHEDULED
        or meeting.starts_at > now
    ):
        raise Refusal("idea_answers.bad_meeting")
    steps = list(
        (
            await s.execute(
                select(IdeaEvent).where(
                    IdeaEvent.idea_id == idea.id, IdeaEvent.kind == events.DISCUSSED, IdeaEvent.meeting_id == meeting.id
                )
            )
        ).scalars()
    )
    if linked == bool(steps):
        if linked and idea.meeting_id is None:  # linked before the path was kept: the column catches up
            await _latest_meeting(s, idea)
        return False
    if linked:
        events.record(s, idea.id, events.DISCUSSED, now, actor_id=actor.id, meeting_id=meeting.id)
    else:
        for step in steps:
            await s.delete(step)
    await s.flush()
    await _latest_meeting(s, idea)
    return True


async def _latest_meeting(s: AsyncSession, idea: Idea) -> None:
    """Point `ideas.meeting_id` at the latest meeting the idea's path says it was discussed at (None if none)."""
    idea.meeting_id = (
        await s.execute(
            select(Meeting.id)
            .join(IdeaEvent, IdeaEvent.meeting_id == Meeting.id)
            .where(IdeaEvent.idea_id == idea.id, IdeaEvent.kind == events.DISCUSSED)
            .order_by(Meeting.starts_at.desc(), Meeting.id.desc())
            .limit(1)
        )
    ).scalar_one_or_none()
    await s.flush()


async def discussed_at(s: AsyncSession, meeting_id: int) -> set[int]:
    """The ideas linked to the meeting where they were discussed."""
    q = select(IdeaEvent.idea_id).where(IdeaEvent.kind == events.DISCUSSED, IdeaEvent.meeting_id == meeting_id)
    return set((await s.execute(q)).scalars())


# --- drafts ----------------------------------------------------------------------------------------------


async def save_draft(
    s: AsyncSession,
    actor: Person,
    idea_id: int,
    status: str,
    text: str,
    now: datetime,
    meeting_id: int | None = None,
    towns: Sequence[str] | None = None,
) -> IdeaAnswer:
    """Store (or replace) the actor's draft answer for the idea; link the meeting where it was discussed.

    The meeting link is a fact about the idea, not part of the message, so it is set right away. `towns` (for
    status 'forwarded', already checked against the config) are the towns the idea will be routed to.
    """
    idea = await answerable_idea(s, actor, idea_id)
    check_transition(idea.status, status)
    text = clean_text(text)
    if status == routing.FORWARDED and not towns:
        raise Refusal("routing.need_town")
    if meeting_id is not None:
        await link_meeting(s, actor, idea.id, meeting_id, True, now)
    old = (
        await s.execute(
            select(IdeaAnswer).where(
                IdeaAnswer.idea_id == idea.id, IdeaAnswer.actor_id == actor.id, IdeaAnswer.published_at.is_(None)
            )
        )
    ).scalar_one_or_none()
    answer = old or IdeaAnswer(idea_id=idea.id, actor_id=actor.id)
    answer.status, answer.text, answer.created_at = status, text, now
    answer.towns = sorted(set(towns)) if status == routing.FORWARDED and towns else None
    s.add(answer)
    await s.flush()
    return answer


async def discard_drafts(s: AsyncSession, actor: Person) -> int:
    result = await s.execute(
        delete(IdeaAnswer).where(IdeaAnswer.actor_id == actor.id, IdeaAnswer.published_at.is_(None))
    )
    return int(getattr(result, "rowcount", 0) or 0)


# --- publishing ------------------------------------------------------------------------------------------


async def _recipients(s: AsyncSession, idea: Idea, actor: Person) -> list[Person]:
    """The author (unless erased) and the followers, once each; not the actor, who wrote the answer."""
    ids = set((await s.execute(select(IdeaFollower.person_id).where(IdeaFollower.idea_id == idea.id))).scalars())
    if idea.author_id is not None:
        ids.add(idea.author_id)
    ids.discard(actor.id)
    if not ids:
        return []
    return list((await s.execute(select(Person).where(Person.id.in_(ids)).order_by(Person.id))).scalars())


async def _claim(s: AsyncSession, answer_id: int, now: datetime) -> bool:
    """Mark one draft published; False if another press got there first (so nothing is sent twice)."""
    result = await s.execute(
        update(IdeaAnswer).where(IdeaAnswer.id == answer_id, IdeaAnswer.published_at.is_(None)).values(published_at=now)
    )
    return bool(getattr(result, "rowcount", 0))


async def publish(
    s: AsyncSession,
    actor: Person,
    answer_ids: Sequence[int] | None,
    now: datetime,
    policy: routing.RoutingPolicy | None = None,
) -> Published:
    """Publish the actor's drafts (`answer_ids`, or all of them for None) and plan their messages.

    Each draft is checked again: a draft whose idea moved on meanwhile (another answer was published) or
    that the actor may no longer give is dropped and reported, not sent. A 'forwarded' answer routes the idea
    to its chosen towns (the idea's own towns for a draft without) under `policy`.
    """
    done = Published()
    for draft in await drafts_of(s, actor):
        if answer_ids is not None and draft.id not in answer_ids:
            continue
        idea = await s.get(Idea, draft.idea_id)
        assert idea is not None  # answers go with their idea (ON DELETE CASCADE)
        if not await may_answer(s, actor, idea) or draft.status not in next_statuses(idea.status):
            await s.delete(draft)
            done.dropped.append(draft)
            continue
        if not await _claim(s, draft.id, now):
            continue
        draft.published_at = now
        old, idea.status, idea.updated_at = idea.status, draft.status, now
        events.record(s, idea.id, events.STATUS, now, actor_id=actor.id, status=draft.status, answer=draft.id)
        done.prompts += await codes.ask_after_answer(s, actor, idea, draft.status, draft.id, now)
        if old == routing.FORWARDED:
            await routing.close_open(s, idea.id)
        if draft.status == routing.FORWARDED and policy is not None:
            towns = draft.towns or await routing.idea_towns(s, idea.id)
            done.forwarded.append(await routing.forward(s, actor, idea, draft, towns, policy, now))
        people = await _recipients(s, idea, actor)
        await outbox.enqueue(
            s,
            [
                NewMessage(
                    IDEA_ANSWER,
                    p.telegram_id,
                    now,
                    person_id=p.id,
                    payload={"answer": draft.id},
                    dedupe_key=f"{IDEA_ANSWER}:{draft.id}:{p.id}",
                    priority=4,
                )
                for p in people
            ],
            now,
        )
        await audit.record(
            s, actor, audit.ANSWER_IDEA, now, idea=idea.id, answer=draft.id, old=old, new=draft.status, sent=len(people)
        )
        done.answers.append(draft)
        done.recipients += len(people)
    await s.flush()
    return done


# --- following and what /ideas and /myideas show ----------------------------------------------------------


async def toggle_follow(s: AsyncSession, person: Person, idea_id: int, now: datetime) -> bool:
    """Follow an idea of one of my teams, or stop following it; returns whether I follow it now."""
    idea = await s.get(Idea, idea_id)
    if idea is None or idea.team_id is None or await s.get(Membership, (person.id, idea.team_id)) is None:
        raise Refusal("ideas.not_found")
    if idea.status == "merged":  # followers moved to the idea it was merged into
        raise Refusal("similar.follow_merged", id=idea.id, into=idea.merged_into_id or "?")
    result = await s.execute(
        delete(IdeaFollower).where(IdeaFollower.idea_id == idea_id, IdeaFollower.person_id == person.id)
    )
    if getattr(result, "rowcount", 0):
        return False
    s.add(IdeaFollower(idea_id=idea_id, person_id=person.id, created_at=now))
    await s.flush()
    return True


async def followed(s: AsyncSession, person: Person, idea_ids: Iterable[int]) -> set[int]:
    q = select(IdeaFollower.idea_id).where(
        IdeaFollower.person_id == person.id, IdeaFollower.idea_id.in_(list(idea_ids))
    )
    return set((await s.execute(q)).scalars())


async def meetings_of(s: AsyncSession, ideas: Sequence[Idea]) -> dict[int, Meeting]:
    """The meeting each idea was discussed at, by idea id (ideas without one are left out)."""
    wanted = {i.meeting_id for i in ideas if i.meeting_id is not None}
    if not wanted:
        return {}
    meetings = {m.id: m for m in (await s.execute(select(Meeting).where(Meeting.id.in_(wanted)))).scalars()}
    return {i.id: meetings[i.meeting_id] for i in ideas if i.meeting_id in meetings}


async def latest_answers(s: AsyncSession, idea_ids: Iterable[int]) -> dict[int, IdeaAnswer]:
    """The newest published answer of each idea, by idea id."""
    q = (
        select(IdeaAnswer)
        .where(IdeaAnswer.idea_id.in_(list(idea_ids)), IdeaAnswer.published_at.is_not(None))
        .order_by(IdeaAnswer.published_at, IdeaAnswer.id)
    )
    return {a.idea_id: a for a in (await s.execute(q)).scalars()}
