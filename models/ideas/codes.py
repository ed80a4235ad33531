"""Success factors and obstacles ticked on ideas: who may tick them, which codes exist, and when to ask.

Nothing here touches Telegram: handlers, the daily job and tests get a verdict without an update in hand.
Only the project manager or a lead of the idea's team may tick codes (the same people who answer the idea);
only codes of the config's lists are taken. A tick is stored at once (`idea_codes`); the idea's path gets one
'coded' step per sitting, kept up to date while the same person goes on ticking, so the timeline shows the
codes as they ended up without a step per tap.

Asking: publishing a rejection or a forwarding asks the answering person for the obstacles, publishing
"implemented" for the success factors; an idea without a step for `[evaluation] stalled_weeks` asks its
leads (the managers for ideas without a team or lead) for the obstacles. Each question is an outbox row whose
dedupe key names the occasion, so it comes once per occasion, also across restarts and with two processes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import outbox
from models.errors import Refusal
from models.ideas import events
from models.ideas.rights import may_answer
from models.outbox import NewMessage
from models.tables import Idea, IdeaCode, IdeaEvent, Membership, Outbox, Person
from models.teams import LEAD

FACTOR, OBSTACLE = "factor", "obstacle"
KINDS = (FACTOR, OBSTACLE)
SHORT = {"f": FACTOR, "o": OBSTACLE}  # the kind in callback data (a byte each)
PROMPT = "idea_codes_prompt"  # the outbox kind asking someone to tick codes on an idea
# what a published status asks for: the codes that explain how the idea ended up there
ASK_ON_STATUS = {"rejected": OBSTACLE, "forwarded": OBSTACLE, "implemented": FACTOR}
STALLING = ("submitted", "in_review", "accepted", "forwarded")  # statuses an idea can get stuck in
STALLED = "stalled"  # the occasion of a question about an idea that has not moved
PER_PERSON_PER_RUN = 5  # at most this many stalled-idea questions per person a day; the rest come the next days


def kind_of(short: str) -> str:
    """A kind from its one-letter form in a button; anything else is a stale or forged button."""
    if short not in SHORT:
        raise Refusal("errors.stale_button")
    return SHORT[short]


def short_of(kind: str) -> str:
    return kind[0]


def default_kind(idea: Idea) -> str:
    """What to ask about an idea first: the success factors of an implemented idea, else the obstacles."""
    return FACTOR if idea.status == "implemented" else OBSTACLE


async def codable_idea(s: AsyncSession, actor: Person, idea_id: int) -> Idea:
    """The idea, if it exists and the actor may tick its codes (manager, or lead of its team)."""
    idea = await s.get(Idea, idea_id)
    if idea is None or not await may_answer(s, actor, idea):
        raise Refusal("idea_codes.not_allowed")
    return idea


async def ticked(s: AsyncSession, idea_id: int, kind: str) -> list[str]:
    """The codes of one kind ticked on the idea (by key; shown in the config's order)."""
    q = select(IdeaCode.code).where(IdeaCode.idea_id == idea_id, IdeaCode.kind == kind).order_by(IdeaCode.code)
    return list((await s.execute(q)).scalars())


async def set_code(
    s: AsyncSession,
    actor: Person,
    idea_id: int,
    kind: str,
    code: str,
    allowed: Sequence[str],
    on: bool,
    now: datetime,
) -> bool:
    """Tick (`on`) or untick the code on the idea; returns whether that changed anything. The button carries the
    wanted state, so a double tap or a re-sent update leaves it as wanted instead of flipping it back.

    `allowed` are the config's keys of that kind: anything else (a forged button, a code removed from the
    config) is refused and changes nothing.
    """
    if kind not in KINDS or code not in allowed:
        raise Refusal("idea_codes.unknown_code")
    idea = await codable_idea(s, actor, idea_id)
    gone = await s.execute(
        delete(IdeaCode).where(IdeaCode.idea_id == idea.id, IdeaCode.kind == kind, IdeaCode.code == code)
    )
    was_on = bool(getattr(gone, "rowcount", 0))
    if on:
        s.add(IdeaCode(idea_id=idea.id, kind=kind, code=code, actor_id=actor.id, created_at=now))
    await s.flush()
    if was_on == on:
        return False
    now_ticked = set(await ticked(s, idea.id, kind))
    await _note_step(s, actor, idea.id, kind, [c for c in allowed if c in now_ticked], now)
    return True


async def _note_step(s: AsyncSession, actor: Person, idea_id: int, kind: str, codes: list[str], now: datetime) -> None:
    """One 'coded' step per sitting: the newest step is updated while it is this person's coding of this kind."""
    newest = (
        (
            await s.execute(
                select(IdeaEvent).where(IdeaEvent.idea_id == idea_id).order_by(IdeaEvent.at.desc(), IdeaEvent.id.desc())
            )
        )
        .scalars()
        .first()
    )
    if (
        newest is not None
        and newest.kind == events.CODED
        and newest.actor_id == actor.id
        and newest.details.get("kind") == kind
    ):
        newest.details = {**newest.details, "codes": codes}  # a new dict: JSON columns track assignment only
        newest.at = now
        return
    events.record(s, idea_id, events.CODED, now, actor_id=actor.id, kind=kind, codes=codes)


# --- asking -------------------------------------------------------------------------------------------------


def _prompt(person: Person, idea_id: int, kind: str, occasion: str, ref: int, now: datetime) -> NewMessage:
    """One question; `ref` names the occasion (the answer's id, or the stalled idea's last step in epoch seconds)."""
    return NewMessage(
        PROMPT,
        person.telegram_id,
        now,
        person_id=person.id,
        payload={"idea": idea_id, "kind": kind, "occasion": occasion, "ref": ref},
        dedupe_key=f"{PROMPT}:{occasion}:{idea_id}:{ref}:{person.id}",
        priority=6,
    )


async def ask_after_answer(
    s: AsyncSession, actor: Person, idea: Idea, status: str, answer_id: int, now: datetime
) -> int:
    """A published answer set `status`: ask the person who answered for the codes it calls for (if any)."""
    kind = ASK_ON_STATUS.get(status)
    if kind is None:
        return 0
    return await outbox.enqueue(s, [_prompt(actor, idea.id, kind, status, answer_id, now)], now)


async def _askable(s: AsyncSession, team_ids: set[int]) -> tuple[dict[int, list[Person]], list[Person]]:
    """The leads of each team, and the project managers (for ideas without a team or a lead)."""
    leads: dict[int, list[Person]] = {}
    if team_ids:
        rows = await s.execute(
            select(Membership.team_id, Person)
            .join(Person, Person.id == Membership.person_id)
            .where(Membership.team_id.in_(team_ids), Membership.role == LEAD)
            .order_by(Person.id)
        )
        for team_id, person in rows.all():
            leads.setdefault(team_id, []).append(person)
    managers = list((await s.execute(select(Person).where(Person.is_manager.is_(True)).order_by(Person.id))).scalars())
    return leads, managers


async def stalled(s: AsyncSession, now: datetime, weeks: int) -> list[tuple[Idea, datetime]]:
    """Ideas still open whose newest step (ticking codes does not count as a step) is `weeks` or more old."""
    last = (
        select(IdeaEvent.idea_id, func.max(IdeaEvent.at).label("moved"))
        .where(IdeaEvent.kind != events.CODED)
        .group_by(IdeaEvent.idea_id)
        .subquery()
    )
    q = (
        select(Idea, last.c.moved)
        .join(last, last.c.idea_id == Idea.id)
        .where(Idea.status.in_(STALLING), last.c.moved <= now - timedelta(weeks=weeks))
        .order_by(last.c.moved, Idea.id)
    )
    return [(idea, moved) for idea, moved in (await s.execute(q)).all()]


async def ask_about_stalled(s: AsyncSession, now: datetime, weeks: int, due: datetime | None = None) -> int:
    """Plan the questions about stalled ideas (the daily job), sent at `due` (default now, the caller moves it out
    of quiet hours); returns how many rows were added.

    The dedupe key holds the time of the idea's last step, so an idea is asked about once per standstill: a
    new step and another standstill ask again. At most `PER_PERSON_PER_RUN` questions per person a run, oldest
    standstill first, so the first run after an upgrade does not flood anyone.
    """
    found = await stalled(s, now, weeks)
    leads, managers = await _askable(s, {i.team_id for i, _ in found if i.team_id is not None})
    wanted = [
        _prompt(person, idea.id, OBSTACLE, STALLED, int(moved.timestamp()), due or now)
        for idea, moved in found
        for person in ((leads.get(idea.team_id, []) if idea.team_id is not None else []) or managers)
    ]
    asked = await _asked(s, [m.dedupe_key for m in wanted if m.dedupe_key])
    planned: dict[int | None, int] = {}
    messages: list[NewMessage] = []
    for message in wanted:
        if message.dedupe_key in asked or planned.get(message.person_id, 0) >= PER_PERSON_PER_RUN:
            continue
        planned[message.person_id] = planned.get(message.person_id, 0) + 1
        messages.append(message)
    return await outbox.enqueue(s, messages, now)


async def _asked(s: AsyncSession, keys: Sequence[str]) -> set[str]:
    """The dedupe keys among `keys` that already have an outbox row (asked before, whatever became of it)."""
    found: set[str] = set()
    for i in range(0, len(keys), 500):
        rows = await s.execute(select(Outbox.dedupe_key).where(Outbox.dedupe_key.in_(keys[i : i + 500])))
        found |= {k for k in rows.scalars() if k}
    return found
