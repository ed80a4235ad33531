"""Routing: an idea forwarded to one or more towns goes to each town's administration contacts, who answer it.

Nothing here touches Telegram: handlers, the scheduler and tests get a verdict without an update in hand.
Forwarding creates one `IdeaRoute` per town and, in the same transaction, every message the route will ever
need as outbox rows with their due times: the request to each registered contact now, one reminder before the
deadline and one notice to the project managers at the deadline. A restart therefore loses nothing, and an
answer cancels what is still planned (the renderers check the route again at send time as well).
Only a configured contact of the route's town answers it, while the idea is still 'forwarded': a question
(Rückfrage) once, then or instead one decision (take it on, decline). Any answer stops the reminders.
The message kinds, the policy and the rows themselves are in models/ideas/route_messages.py (re-exported here);
a contact by e-mail answers through the same `answer` (the answer page passes her address instead of a person).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import audit, outbox
from models.errors import Refusal
from models.ideas import events
from models.ideas.route_messages import ANSWER as ANSWER
from models.ideas.route_messages import KINDS as KINDS
from models.ideas.route_messages import MAIL_REMINDER as MAIL_REMINDER
from models.ideas.route_messages import MAIL_REPLY as MAIL_REPLY
from models.ideas.route_messages import MAIL_REQUEST as MAIL_REQUEST
from models.ideas.route_messages import OVERDUE as OVERDUE
from models.ideas.route_messages import REDRAW as REDRAW
from models.ideas.route_messages import REMINDER as REMINDER
from models.ideas.route_messages import REPLY as REPLY
from models.ideas.route_messages import REQUEST as REQUEST
from models.ideas.route_messages import UNREACHED as UNREACHED
from models.ideas.route_messages import RoutingPolicy as RoutingPolicy
from models.ideas.route_messages import cancel_planned as cancel_planned
from models.ideas.route_messages import contact_messages as contact_messages
from models.ideas.route_messages import mail_contact_messages as mail_contact_messages
from models.ideas.route_messages import mail_message as mail_message
from models.ideas.route_messages import plan_redraws as plan_redraws
from models.ideas.route_messages import route_message as route_message
from models.outbox import NewMessage
from models.tables import Idea, IdeaAnswer, IdeaFollower, IdeaRoute, IdeaTown, Membership, Outbox, Person, RouteNote
from models.teams import LEAD
from models.text import require_visible

FORWARDED = "forwarded"  # the idea status that routes an idea
OPEN, TAKEN, QUESTION, DECLINED = "open", "taken", "question", "declined"
REPLIED = "replied"  # the project answered the town's question: the town decides next (models/ideas/route_replies.py)
ANSWERS = (TAKEN, QUESTION, DECLINED)
UNDECIDED = (OPEN, QUESTION, REPLIED)
# which route status each answer may follow: a question only comes first, a decision may follow a question
AFTER: dict[str, tuple[str, ...]] = {QUESTION: (OPEN,), TAKEN: UNDECIDED, DECLINED: UNDECIDED}
TEXT_MAX = 1000


@dataclass
class Forwarded:
    """What one forwarding did: the routes, how many contacts were written to, and per town the contacts
    that could not be (not registered yet; an empty list: the town has no contacts configured)."""

    routes: list[IdeaRoute] = field(default_factory=list)
    told: int = 0
    missing: dict[str, list[int]] = field(default_factory=dict)


# --- rules -----------------------------------------------------------------------------------------------


def check_towns(towns: Iterable[str], allowed: Iterable[str]) -> list[str]:
    """The towns to forward to: at least one, each a configured town (buttons can be forged)."""
    chosen = sorted(set(towns))
    if not chosen:
        raise Refusal("routing.need_town")
    if not set(chosen) <= set(allowed):
        raise Refusal("errors.stale_button")
    return chosen


def clean_text(raw: str | None, required: bool) -> str | None:
    """A question (required) or the sentence with a refusal (optional): at most 1000 characters, stored as typed."""
    text = (raw or "").strip()
    if not text:
        if required:
            raise Refusal("routing.text_empty")
        return None
    require_visible(text)
    if len(text) > TEXT_MAX:
        raise Refusal("routing.text_long", max=TEXT_MAX, length=len(text))
    return text


def check_obstacles(codes: Iterable[str], allowed: Iterable[str]) -> list[str]:
    """A refusal's reasons: at least one obstacle code, each a configured one (in the config's order)."""
    order = list(allowed)
    chosen = set(codes)
    if not chosen:
        raise Refusal("routing.need_obstacle")
    if not chosen <= set(order):
        raise Refusal("errors.stale_button")
    return [c for c in order if c in chosen]


def is_contact(policy: RoutingPolicy, person: Person, town: str) -> bool:
    return person.telegram_id in policy.contacts_of(town)


def contact_towns(policy: RoutingPolicy, person: Person) -> list[str]:
    return [town for town, ids in policy.contacts.items() if person.telegram_id in ids]


async def answerable_route(
    s: AsyncSession, person: Person | str, route_id: int, policy: RoutingPolicy, kind: str = DECLINED
) -> IdeaRoute:
    """The route, if the person (or e-mail contact) is a contact of its town and it still takes an answer of
    `kind`; else a refusal."""
    route = await s.get(IdeaRoute, route_id)
    if isinstance(person, str):
        allowed = route is not None and person in policy.mail_contacts_of(route.town)
    else:
        allowed = route is not None and is_contact(policy, person, route.town)
    if route is None or not allowed:
        raise Refusal("routing.not_contact")
    if route.status not in AFTER.get(kind, ()):
        raise Refusal("routing.already_asked" if route.status == QUESTION else "routing.already_answered")
    idea = await s.get(Idea, route.idea_id)
    if idea is None or idea.status != FORWARDED:
        raise Refusal("routing.moved_on")
    return route


# --- forwarding ------------------------------------------------------------------------------------------


async def idea_towns(s: AsyncSession, idea_id: int) -> list[str]:
    q = select(IdeaTown.town).where(IdeaTown.idea_id == idea_id).order_by(IdeaTown.town)
    return list((await s.execute(q)).scalars())


async def find_people(s: AsyncSession, telegram_ids: Iterable[int]) -> list[Person]:
    ids = list(telegram_ids)
    if not ids:
        return []
    return list((await s.execute(select(Person).where(Person.telegram_id.in_(ids)).order_by(Person.id))).scalars())


async def project_managers(s: AsyncSession) -> list[Person]:
    return list((await s.execute(select(Person).where(Person.is_manager.is_(True)).order_by(Person.id))).scalars())


def _answer_message(person: Person, route: IdeaRoute, kind: str, now: datetime) -> NewMessage:
    """A town's answer to one person; a question and the decision after it are two messages."""
    return NewMessage(
        ANSWER,
        person.telegram_id,
        now,
        person_id=person.id,
        payload={"route": route.id, "answer": kind},
        dedupe_key=f"{ANSWER}:{route.id}:{kind}:{person.id}",
        priority=4,
    )


async def forward(
    s: AsyncSession,
    actor: Person,
    idea: Idea,
    answer: IdeaAnswer,
    towns: Sequence[str],
    policy: RoutingPolicy,
    now: datetime,
) -> Forwarded:
    """Route the idea to each town (called when an answer with status 'forwarded' is published).

    A town it was already routed to is left as it is (one route per idea and town).
    """
    done = Forwarded()
    existing = set((await s.execute(select(IdeaRoute.town).where(IdeaRoute.idea_id == idea.id))).scalars())
    managers = await project_managers(s)
    deadline = now + policy.answer_time
    for town in towns:
        if town in existing:
            continue
        route = IdeaRoute(
            idea_id=idea.id, answer_id=answer.id, town=town, status=OPEN, forwarded_at=now, deadline_at=deadline
        )
        s.add(route)
        await s.flush()
        events.record(
            s,
            idea.id,
            events.FORWARDED,
            now,
            actor_id=actor.id,
            town=town,
            route=route.id,
            deadline=deadline.isoformat(),
        )
        ids = policy.contacts_of(town)
        contacts = await find_people(s, ids)
        messages = contact_messages(policy, route, contacts, now) + mail_contact_messages(policy, route, now)
        messages += [route_message(OVERDUE, m, route, policy.out_of_quiet(deadline)) for m in managers]
        missing = sorted(set(ids) - {p.telegram_id for p in contacts})
        if missing or not (ids or policy.mail_contacts_of(town)):
            done.missing[town] = missing
            messages += [route_message(UNREACHED, m, route, now) for m in managers if m.id != actor.id]
        await outbox.enqueue(s, messages, now)
        done.routes.append(route)
        done.told += len(contacts) + len(policy.mail_contacts_of(town))
    await audit.record(
        s,
        actor,
        audit.FORWARD_IDEA,
        now,
        idea=idea.id,
        towns=[r.town for r in done.routes],
        told=done.told,
        unreached=sorted(done.missing),
    )
    return done


async def plan_late_contacts(s: AsyncSession, policy: RoutingPolicy, now: datetime) -> int:
    """Contacts who registered (or were added to the config) after an idea was forwarded get its open routes
    (and managers named since then its overdue notice).

    Run on an interval: the dedupe keys make it plan each request and reminder at most once, so a contact who
    was written to already gets nothing new. Unreachable contacts (they blocked the bot) are left out, or a
    refused message would be planned again at every run.
    """
    still_forwarded = select(Idea.id).where(Idea.status == FORWARDED)
    q = (
        select(IdeaRoute)
        .where(
            IdeaRoute.status.in_((OPEN, REPLIED)), IdeaRoute.deadline_at > now, IdeaRoute.idea_id.in_(still_forwarded)
        )
        .order_by(IdeaRoute.id)
    )
    managers = await project_managers(s)
    messages: list[NewMessage] = []
    for route in (await s.execute(q)).scalars():
        contacts = [p for p in await find_people(s, policy.contacts_of(route.town)) if p.unreachable_at is None]
        messages += contact_messages(policy, route, contacts, now) + mail_contact_messages(policy, route, now)
        overdue_at = policy.out_of_quiet(route.deadline_at)
        messages += [route_message(OVERDUE, m, route, overdue_at) for m in managers]  # a manager named later
    return await outbox.enqueue(s, messages, now) if messages else 0


# --- answering -------------------------------------------------------------------------------------------


async def team_leads(s: AsyncSession, idea: Idea) -> list[Person]:
    """The leads of the idea's team (none without a team)."""
    if idea.team_id is None:
        return []
    q = (
        select(Person)
        .join(Membership, Membership.person_id == Person.id)
        .where(Membership.team_id == idea.team_id, Membership.role == LEAD)
        .order_by(Person.id)
    )
    return list((await s.execute(q)).scalars())


async def _recipients(s: AsyncSession, idea: Idea, route: IdeaRoute, actor: Person | None) -> list[Person]:
    """The author (unless erased), the followers and whoever forwarded the idea; not the one who answered."""
    ids = set((await s.execute(select(IdeaFollower.person_id).where(IdeaFollower.idea_id == idea.id))).scalars())
    if idea.author_id is not None:
        ids.add(idea.author_id)
    if route.answer_id is not None:
        forwarder = await s.get(IdeaAnswer, route.answer_id)
        if forwarder is not None and forwarder.actor_id is not None:
            ids.add(forwarder.actor_id)
    if actor is not None:
        ids.discard(actor.id)
    if not ids:
        return []
    return list((await s.execute(select(Person).where(Person.id.in_(ids)).order_by(Person.id))).scalars())


async def answer(
    s: AsyncSession,
    person: Person | str,
    route_id: int,
    kind: str,
    policy: RoutingPolicy,
    now: datetime,
    *,
    text: str | None = None,
    obstacles: Iterable[str] = (),
    allowed_obstacles: Iterable[str] = (),
    via: str = "telegram",
) -> tuple[IdeaRoute, int]:
    """A contact answers a route: take it on, ask back (a question) or decline (obstacle codes, a sentence).

    Returns the route and how many people are told. A second answer (a double tap, a colleague) is refused.
    `person` is an e-mail address for a contact by e-mail (the answer page): the same rules, no person row.
    """
    actor, contact = (None, person) if isinstance(person, str) else (person, None)
    if kind not in ANSWERS:
        raise Refusal("errors.stale_button")
    route = await answerable_route(s, person, route_id, policy, kind)
    clean = clean_text(text, required=kind == QUESTION) if kind != TAKEN else None
    codes = check_obstacles(obstacles, allowed_obstacles) if kind == DECLINED else []
    if kind == QUESTION:
        values: dict[str, object] = {"question": clean, "asked_at": now}
    else:
        values = {"answered_at": now, "text": clean, "obstacles": codes}
    claimed = await s.execute(
        update(IdeaRoute)
        .where(IdeaRoute.id == route.id, IdeaRoute.status.in_(AFTER[kind]))
        .values(status=kind, answered_by=actor.id if actor else None, answered_contact=contact, **values)
    )
    if not getattr(claimed, "rowcount", 0):  # a colleague or a second tap got there first
        raise Refusal("routing.already_answered")
    await s.refresh(route)
    idea = await s.get(Idea, route.idea_id)
    assert idea is not None  # answerable_route checked it
    note: dict[str, Any] = {}
    if kind == QUESTION:  # the question is its writer's (in /mydata) and stays on the idea's path
        asked = RouteNote(
            route_id=route.id,
            person_id=actor.id if actor else None,
            contact=contact,
            kind=QUESTION,
            text=clean or "",
            at=now,
        )
        s.add(asked)
        await s.flush()
        note = {"note": asked.id}
    events.record(
        s,
        idea.id,
        events.TOWN_ANSWER,
        now,
        actor_id=actor.id if actor else None,
        town=route.town,
        route=route.id,
        answer=kind,
        obstacles=codes,
        **note,
    )
    await cancel_planned(s, route.id, keep_overdue=kind == QUESTION)  # a question is no decision: the deadline holds
    people = await _recipients(s, idea, route, actor)
    if kind == QUESTION:  # the team's leads can answer the question too
        known = {p.id for p in people} | ({actor.id} if actor else set())
        people += [p for p in await team_leads(s, idea) if p.id not in known]
    await outbox.enqueue(s, [_answer_message(p, route, kind, now) for p in people], now)
    await plan_redraws(s, route, actor, now)  # the colleagues' copies show who answered, and how
    who = {"via": "mail", "contact": contact} if contact else {"via": via}
    await audit.record(s, actor, audit.ROUTE_ANSWER, now, idea=idea.id, town=route.town, answer=kind, **who)
    await s.flush()
    return route, len(people)


async def close_open(s: AsyncSession, idea_id: int) -> int:
    """The idea left 'forwarded' (implemented, rejected): what its unanswered towns still had coming is dropped,
    requests not yet sent included; their buttons then answer that the idea waits no longer."""
    unanswered = IdeaRoute.idea_id == idea_id, IdeaRoute.status.in_(UNDECIDED)
    planned = (REQUEST, REMINDER, OVERDUE, REPLY, MAIL_REQUEST, MAIL_REMINDER, MAIL_REPLY)
    dropped = 0
    for route_id in (await s.execute(select(IdeaRoute.id).where(*unanswered))).scalars():
        keys = or_(*(Outbox.dedupe_key.like(f"{kind}:{route_id}:%") for kind in planned))
        dropped += await outbox.cancel_open(s, Outbox.kind.in_(planned), keys, reason="idea moved on")
    return dropped


# --- what views show -------------------------------------------------------------------------------------


async def routes_of(s: AsyncSession, idea_ids: Iterable[int]) -> dict[int, list[IdeaRoute]]:
    """The routes of each idea (by idea id, each list in town order); ideas without routes are left out."""
    ids = list(idea_ids)
    if not ids:
        return {}
    q = select(IdeaRoute).where(IdeaRoute.idea_id.in_(ids)).order_by(IdeaRoute.idea_id, IdeaRoute.town)
    out: dict[int, list[IdeaRoute]] = {}
    for route in (await s.execute(q)).scalars():
        out.setdefault(route.idea_id, []).append(route)
    return out


async def routes_of_answer(s: AsyncSession, answer_id: int) -> list[IdeaRoute]:
    q = select(IdeaRoute).where(IdeaRoute.answer_id == answer_id).order_by(IdeaRoute.town)
    return list((await s.execute(q)).scalars())
