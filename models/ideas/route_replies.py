"""Answers both ways: the project answers a town's question (Rückfrage), and the town can then decide.

Whoever forwarded the idea, the leads of its team and the project managers may answer a route's open question,
once. The answer is stored on the route (`reply`, `replied_at`) and as a `RouteNote` (its writer's, for /mydata),
goes on the idea's path, and reaches every contact of the town as an outbox row with the decision buttons. The
route leaves 'question' for 'replied', and its deadline moves on by the time the question waited: the reminder
and the managers' overdue notice are planned again for the new deadline (the old ones are cancelled first, which
frees their dedupe keys). Nothing here touches Telegram.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import audit, outbox
from models.errors import Refusal
from models.ideas import events
from models.ideas import routing as r
from models.outbox import NewMessage
from models.tables import Idea, IdeaAnswer, IdeaRoute, Outbox, Person, RouteNote

REPLY_NOTE = "reply"  # RouteNote.kind of the project's answer (a question's note has kind routing.QUESTION)


async def forwarder_id(s: AsyncSession, route: IdeaRoute) -> int | None:
    """Who published the 'forwarded' answer that created the route (None once erased)."""
    if route.answer_id is None:
        return None
    answer = await s.get(IdeaAnswer, route.answer_id)
    return answer.actor_id if answer is not None else None


async def may_reply(s: AsyncSession, person: Person, idea: Idea, route: IdeaRoute) -> bool:
    """The forwarder, a lead of the idea's team, or a project manager."""
    if person.is_manager or person.id == await forwarder_id(s, route):
        return True
    return any(p.id == person.id for p in await r.team_leads(s, idea))


async def replyable_route(s: AsyncSession, person: Person, route_id: int) -> IdeaRoute:
    """The route, if its question waits for an answer and the person may give it; else a refusal."""
    route = await s.get(IdeaRoute, route_id)
    idea = await s.get(Idea, route.idea_id) if route is not None else None
    if route is None or idea is None or not await may_reply(s, person, idea, route):
        raise Refusal("route_reply.not_allowed")
    if route.status != r.QUESTION:
        raise Refusal("route_reply.already_replied" if route.reply else "route_reply.no_question")
    if idea.status != r.FORWARDED:
        raise Refusal("routing.moved_on")
    return route


def _reply_message(person: Person, route: IdeaRoute, now: datetime) -> NewMessage:
    return NewMessage(
        r.REPLY,
        person.telegram_id,
        now,
        person_id=person.id,
        payload={"route": route.id},
        dedupe_key=f"{r.REPLY}:{route.id}:{person.id}",
        priority=4,
    )


async def replan(s: AsyncSession, policy: r.RoutingPolicy, route: IdeaRoute, now: datetime) -> int:
    """After the deadline moved: the open reminders and overdue notices go, and are planned for the new one."""
    kinds = (r.REMINDER, r.MAIL_REMINDER, r.OVERDUE)
    keys = or_(*(Outbox.dedupe_key.like(f"{kind}:{route.id}:%") for kind in kinds))
    await outbox.cancel_open(s, Outbox.kind.in_(kinds), keys, reason="deadline moved")
    contacts = [p for p in await r.find_people(s, policy.contacts_of(route.town)) if p.unreachable_at is None]
    messages = [m for m in r.contact_messages(policy, route, contacts, now) if m.kind == r.REMINDER]
    messages += r.mail_contact_messages(policy, route, now, request=False)
    overdue_at = policy.out_of_quiet(route.deadline_at)
    messages += [r.route_message(r.OVERDUE, m, route, overdue_at) for m in await r.project_managers(s)]
    return await outbox.enqueue(s, messages, now)


async def reply(
    s: AsyncSession, person: Person, route_id: int, text: str | None, policy: r.RoutingPolicy, now: datetime
) -> tuple[IdeaRoute, int]:
    """Answer the town's question; returns the route and how many of the town's contacts are told."""
    route = await replyable_route(s, person, route_id)
    clean = r.clean_text(text, required=True)
    asked_at = route.asked_at or now
    waited = max(now - asked_at, timedelta(0))
    claimed = await s.execute(
        update(IdeaRoute)
        .where(IdeaRoute.id == route.id, IdeaRoute.status == r.QUESTION)
        .values(status=r.REPLIED, reply=clean, replied_at=now, deadline_at=route.deadline_at + waited)
    )
    if not getattr(claimed, "rowcount", 0):  # a colleague answered it first
        raise Refusal("route_reply.already_replied")
    await s.refresh(route)
    note = RouteNote(route_id=route.id, person_id=person.id, kind=REPLY_NOTE, text=clean or "", at=now)
    s.add(note)
    await s.flush()
    events.record(
        s,
        route.idea_id,
        events.QUESTION_ANSWERED,
        now,
        actor_id=person.id,
        town=route.town,
        route=route.id,
        note=note.id,
        deadline=route.deadline_at.isoformat(),
    )
    contacts = [p for p in await r.find_people(s, policy.contacts_of(route.town)) if p.unreachable_at is None]
    mails = [r.mail_message(r.MAIL_REPLY, a, route, now) for a in policy.mail_contacts_of(route.town)]
    await outbox.enqueue(s, [_reply_message(p, route, now) for p in contacts] + mails, now)
    await replan(s, policy, route, now)
    await audit.record(
        s,
        person,
        audit.ROUTE_REPLY,
        now,
        idea=route.idea_id,
        town=route.town,
        told=len(contacts) + len(mails),
        waited_hours=round(waited.total_seconds() / 3600, 1),
    )
    return route, len(contacts) + len(mails)


async def notes_of(s: AsyncSession, route_ids: list[int]) -> dict[int, list[RouteNote]]:
    """Each route's question and reply, oldest first."""
    if not route_ids:
        return {}
    q = select(RouteNote).where(RouteNote.route_id.in_(route_ids)).order_by(RouteNote.at, RouteNote.id)
    out: dict[int, list[RouteNote]] = {}
    for note in (await s.execute(q)).scalars():
        out.setdefault(note.route_id, []).append(note)
    return out
