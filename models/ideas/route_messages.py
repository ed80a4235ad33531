"""Routing's outbox side: the kinds of messages a route plans, the `[routing]` policy that times them, and the
rows themselves (requests, reminders, e-mails to contacts by e-mail, redraws of a colleague's copy). Split from
models/ideas/routing.py, which plans them when an idea is forwarded or answered; nothing here touches Telegram.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import outbox
from models.dates import shift_out_of_quiet
from models.mail import MAIL_CHAT
from models.outbox import NewMessage
from models.tables import IdeaRoute, Outbox, Person

# outbox kinds
REQUEST = "route_request"  # the idea to a contact, with the answer buttons
REMINDER = "route_reminder"  # to a contact, once, before the deadline
OVERDUE = "route_overdue"  # to the project managers, once, when the deadline passed without an answer
UNREACHED = "route_unreached"  # to the project managers: a town's contacts are not registered (or none configured)
ANSWER = "route_answer"  # a town's answer, to the author, the followers and whoever forwarded the idea
REPLY = "route_reply"  # the project's answer to a town's question, to each contact of that town
REDRAW = "route_redraw"  # a contact's earlier copy of a request, redrawn once a colleague answered
# the same to a contact by e-mail (`[routing.contacts]` addresses): rows of the mail channel (models/mail.py)
MAIL_REQUEST, MAIL_REMINDER, MAIL_REPLY = "route_mail_request", "route_mail_reminder", "route_mail_reply"
KINDS = (REQUEST, REMINDER, OVERDUE, UNREACHED, ANSWER, REPLY, REDRAW, MAIL_REQUEST, MAIL_REMINDER, MAIL_REPLY)


@dataclass(frozen=True)
class RoutingPolicy:
    """`[routing]`: each town's administration contacts (Telegram ids) and how long they have to answer."""

    answer_weeks: int = 4
    remind_days_before: int = 7  # 0: no reminder
    contacts: dict[str, tuple[int, ...]] = field(default_factory=dict)  # town key -> Telegram user ids
    quiet: tuple[ZoneInfo, time, time] | None = None  # [meetings] quiet_hours: no reminder at night
    mail_contacts: dict[str, tuple[str, ...]] = field(default_factory=dict)  # town key -> e-mail addresses

    def out_of_quiet(self, due: datetime) -> datetime:
        """When a message due at `due` may go: the end of the quiet hours if it falls into them."""
        return due if self.quiet is None else shift_out_of_quiet(due, *self.quiet)

    @property
    def answer_time(self) -> timedelta:
        return timedelta(weeks=self.answer_weeks)

    @property
    def remind_before(self) -> timedelta:
        return timedelta(days=self.remind_days_before)

    def contacts_of(self, town: str) -> tuple[int, ...]:
        return self.contacts.get(town, ())

    def mail_contacts_of(self, town: str) -> tuple[str, ...]:
        return self.mail_contacts.get(town, ())


def route_message(kind: str, person: Person, route: IdeaRoute, due: datetime, **kw: object) -> NewMessage:
    return NewMessage(
        kind,
        person.telegram_id,
        due,
        person_id=person.id,
        payload={"route": route.id},
        dedupe_key=f"{kind}:{route.id}:{person.id}",
        priority=4,
        **kw,  # type: ignore[arg-type]
    )


def contact_messages(
    policy: RoutingPolicy, route: IdeaRoute, contacts: Sequence[Person], now: datetime
) -> list[NewMessage]:
    """The request to each contact now, and their one reminder before the deadline (unless that has passed)."""
    remind_at = policy.out_of_quiet(route.deadline_at - policy.remind_before)
    messages = [route_message(REQUEST, p, route, now) for p in contacts]
    if policy.remind_days_before and now < remind_at < route.deadline_at:
        messages += [route_message(REMINDER, p, route, remind_at, expires_at=route.deadline_at) for p in contacts]
    return messages


def mail_message(kind: str, address: str, route: IdeaRoute, due: datetime, **kw: Any) -> NewMessage:
    """One e-mail to a contact by e-mail; the dedupe key names the address by a short hash (keys are short)."""
    digest = hashlib.sha256(address.encode()).hexdigest()[:16]
    payload = {"route": route.id, "to": address}
    return NewMessage(kind, MAIL_CHAT, due, payload=payload, dedupe_key=f"{kind}:{route.id}:{digest}", priority=4, **kw)


def mail_contact_messages(
    policy: RoutingPolicy, route: IdeaRoute, now: datetime, request: bool = True
) -> list[NewMessage]:
    """The request by e-mail to each of the town's e-mail contacts now, and their reminder before the deadline."""
    addresses = policy.mail_contacts_of(route.town)
    remind_at = policy.out_of_quiet(route.deadline_at - policy.remind_before)
    messages = [mail_message(MAIL_REQUEST, a, route, now) for a in addresses] if request else []
    if policy.remind_days_before and now < remind_at < route.deadline_at:
        messages += [mail_message(MAIL_REMINDER, a, route, remind_at, expires_at=route.deadline_at) for a in addresses]
    return messages


COPIES = (REQUEST, REMINDER, REPLY)  # the kinds whose sent messages carry a route's buttons


async def plan_redraws(s: AsyncSession, route: IdeaRoute, actor: Person | None, now: datetime) -> int:
    """Redraw every sent copy of the route that other people hold; one row per message and route status.

    Requests, reminders and replies keep their sent message's id (`Outbox.message_id`); the `route_redraw` row,
    rendered at send time, shows who answered and how, with buttons only while a decision is still open."""
    keys = or_(*(Outbox.dedupe_key.like(f"{kind}:{route.id}:%") for kind in COPIES))
    q = select(Outbox).where(
        Outbox.kind.in_(COPIES),
        keys,
        Outbox.message_id.is_not(None),
        Outbox.status == outbox.SENT,
        or_(Outbox.person_id.is_(None), Outbox.person_id != (actor.id if actor else -1)),
    )
    messages = [
        NewMessage(
            REDRAW,
            row.chat_id,
            now,
            person_id=row.person_id,
            payload={"route": route.id, "message": row.message_id, "status": route.status},
            dedupe_key=f"{REDRAW}:{route.id}:{row.message_id}:{route.status}",
            priority=4,
        )
        for row in (await s.execute(q.order_by(Outbox.id))).scalars()
    ]
    return await outbox.enqueue(s, messages, now) if messages else 0


async def cancel_planned(s: AsyncSession, route_id: int, keep_overdue: bool = False) -> int:
    """Drop the route's reminders and overdue notices that have not gone out (it was answered); after a question
    the overdue notice stays, so the managers still hear when no decision came by the deadline."""
    kinds = (REMINDER, MAIL_REMINDER) if keep_overdue else (REMINDER, MAIL_REMINDER, OVERDUE)
    keys = or_(*(Outbox.dedupe_key.like(f"{kind}:{route_id}:%") for kind in kinds))
    return await outbox.cancel_open(s, Outbox.kind.in_(kinds), keys, reason="route answered")
