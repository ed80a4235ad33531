"""How routing looks: the town picker when forwarding, a contact's screens, the route lines under an idea, and
the messages the routing outbox kinds become at send time.

Every routing row carries only the route's id and is rendered in the recipient's language when it goes out. A
request or reminder to a contact, or the overdue notice, whose route was answered meanwhile renders to None
and is skipped, so no reminder follows an answer even if cancelling it raced with the dispatcher.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.config import Config
from core.texts import format_day, t
from handlers.codec import encode
from handlers.common import Btn, Req, View, esc, short
from handlers.ideas.origin import from_workshop
from models import workshops
from models.ideas import route_replies as replies
from models.ideas import routing as domain
from models.tables import Idea, IdeaAnswer, IdeaRoute, Outbox, Person, Workshop
from scheduler.dispatcher import Outgoing, Renderer

PREFIX = "rt"


def data(*args: object) -> str:
    return encode(PREFIX, *args)


def town_name(config: Config, key: str, lang: str) -> str:
    town = config.town(key)
    return town.name(lang) if town else key


def _obstacle(config: Config, key: str, lang: str) -> str:
    code = config.code("obstacle", key)
    return code.name(lang) if code else key


def _ordered(config: Config, routes: Sequence[IdeaRoute]) -> list[IdeaRoute]:
    """Routes in the config's town order (the order people know the towns in)."""
    order = {town.key: i for i, town in enumerate(config.towns)}
    return sorted(routes, key=lambda r: (order.get(r.town, len(order)), r.town))


def deadline_day(config: Config, route: IdeaRoute, lang: str) -> str:
    return format_day(route.deadline_at, lang, config.time_zone)


# --- forwarding: which towns ---------------------------------------------------------------------------------


def towns_view(req: Req, idea_id: int, chosen: Sequence[str]) -> View:
    """Tick the towns whose administrations get the idea (its own towns come ticked), then go on. A button says
    whether it ticks (1) or unticks (0) its town, so a double tap changes nothing."""
    rows = [
        [Btn(("✅ " if on else "▫️ ") + town.name(req.lang), encode("ia", "t", idea_id, town.key, int(not on)))]
        for town in req.config.towns
        for on in [town.key in chosen]
    ]
    rows.append([Btn(req.t("routing.towns_done"), encode("ia", "c", idea_id))])
    return View(req.t("routing.ask_towns", id=idea_id, weeks=req.config.routing.answer_weeks), rows)


def forwarded_summary(req: Req, done: domain.Forwarded) -> str:
    """For whoever published: where the idea went, and whose contacts could not be written to."""
    if not done.routes:
        return req.t("routing.nothing_new")
    towns = ", ".join(town_name(req.config, r.town, req.lang) for r in _ordered(req.config, done.routes))
    day = deadline_day(req.config, done.routes[0], req.lang)
    lines = [req.t("routing.forwarded", towns=esc(towns), told=done.told, day=day)]
    for town, missing in done.missing.items():
        name = esc(town_name(req.config, town, req.lang))
        if missing:
            ids = ", ".join(str(i) for i in missing)
            lines.append(req.t("routing.unregistered", town=name, count=len(missing), ids=ids))
        else:
            lines.append(req.t("routing.no_contacts", town=name))
    return "\n".join(lines)


# --- the route lines under an idea ---------------------------------------------------------------------------


def answer_line(config: Config, route: IdeaRoute, lang: str) -> str:
    """What a town answered (or that it has not yet), in one line without the town."""
    if route.status == domain.OPEN:
        return t(lang, "routing.state_open", day=deadline_day(config, route, lang))
    if route.status == domain.TAKEN:
        return t(lang, "routing.state_taken")
    if route.status == domain.QUESTION:
        return t(lang, "routing.state_question", text=esc(short(route.question or "", 300)))
    if route.status == domain.REPLIED:
        return t(lang, "routing.state_replied", day=deadline_day(config, route, lang))
    reasons = ", ".join(_obstacle(config, c, lang) for c in route.obstacles or [])
    line = t(lang, "routing.state_declined", reasons=esc(reasons))
    if route.text:
        line += " " + t(lang, "routing.quoted", text=esc(short(route.text, 300)))
    return line


def route_lines(config: Config, routes: Sequence[IdeaRoute], lang: str) -> list[str]:
    """One line per town an idea was forwarded to: '🏛 Saalfeld: übernimmt die Idee.'"""
    return [
        t(lang, "routing.route_line", town=esc(town_name(config, r.town, lang)), answer=answer_line(config, r, lang))
        for r in _ordered(config, routes)
    ]


def forwarded_note(config: Config, routes: Sequence[IdeaRoute], lang: str) -> str:
    """For the 'forwarded' answer message to author and followers: to which towns, answer expected by when."""
    towns = ", ".join(town_name(config, r.town, lang) for r in _ordered(config, routes))
    return t(lang, "routing.notify_forwarded", towns=esc(towns), day=deadline_day(config, routes[0], lang))


# --- a contact's screens -------------------------------------------------------------------------------------


def answer_buttons(lang: str, route: IdeaRoute) -> list[list[Btn]]:
    """Take on / ask back / decline; after a question only the decision is left."""
    if route.status in (domain.QUESTION, domain.REPLIED):
        return [
            [Btn(t(lang, "routing.take"), data("t", route.id)), Btn(t(lang, "routing.decline"), data("d", route.id))]
        ]
    return [
        [Btn(t(lang, "routing.take"), data("t", route.id))],
        [Btn(t(lang, "routing.ask"), data("q", route.id)), Btn(t(lang, "routing.decline"), data("d", route.id))],
    ]


def request_text(
    config: Config,
    route: IdeaRoute,
    idea: Idea,
    note: str | None,
    lang: str,
    reminder: bool,
    ask: bool = True,
    *,
    workshop: Workshop | None,
) -> str:
    """The idea as its town's administration sees it, with the project's note and the deadline (and, while it
    waits, how to answer). An imported idea has no author: it names its workshop and day instead."""
    field = config.field_of_action(idea.field)
    group = config.group(idea.author_group or "")
    key = "routing.reminder" if reminder else "routing.request"
    parts = [
        t(
            lang,
            key,
            id=idea.id,
            town=esc(town_name(config, route.town, lang)),
            field=esc(field.name(lang) if field else "–"),
            day=deadline_day(config, route, lang),
        ),
        esc(short(idea.text, 2000)),
    ]
    if workshop is not None:
        parts.append(t(lang, "routing.from_workshop", origin=from_workshop(config, workshop, lang)))
    elif group is not None:
        parts.append(t(lang, "routing.from_group", group=esc(group.name(lang))))
    if note:
        parts.append(t(lang, "routing.note", text=esc(short(note, 1000))))
    if ask:
        parts.append(t(lang, "routing.how_to_answer") + "\n" + t(lang, "route_copies.list_hint"))
    return "\n\n".join(parts)


def reply_text(config: Config, route: IdeaRoute, idea: Idea, lang: str) -> str:
    """For a town's contacts: the project's answer to their question, the new deadline, and what comes next."""
    town = esc(town_name(config, route.town, lang))
    return "\n\n".join(
        [
            t(lang, "route_reply.to_contact", id=idea.id, town=town, day=deadline_day(config, route, lang)),
            t(lang, "route_reply.question", text=esc(short(route.question or "", 1000))),
            t(lang, "route_reply.reply", text=esc(short(route.reply or "", 1000))),
            t(lang, "routing.notify_idea", text=esc(short(idea.text, 1000))),
            t(lang, "routing.decide_later"),
        ]
    )


def decline_view(req: Req, route: IdeaRoute, chosen: Sequence[str]) -> View:
    """Obstacle chips (several may be ticked; each button ticks 1 or unticks 0), then on to the sentence."""
    rows = [
        [Btn(("✅ " if on else "▫️ ") + o.name(req.lang), data("o", route.id, o.key, int(not on)))]
        for o in req.config.obstacles
        for on in [o.key in chosen]
    ]
    rows.append([Btn(req.t("routing.decline_next"), data("n", route.id))])
    town = esc(town_name(req.config, route.town, req.lang))
    return View(req.t("routing.ask_obstacles", id=route.idea_id, town=town), rows)


def reason_view(req: Req, route: IdeaRoute) -> View:
    return View(
        req.t("routing.ask_reason", max=domain.TEXT_MAX), [[Btn(req.t("routing.decline_without"), data("s", route.id))]]
    )


def answered_view(req: Req, route: IdeaRoute, told: int) -> View:
    """What replaces the request once the contact answered."""
    town = esc(town_name(req.config, route.town, req.lang))
    head = req.t("routing.answered", id=route.idea_id, town=town, told=told)
    text = f"{head}\n{answer_line(req.config, route, req.lang)}"
    if route.status == domain.QUESTION:  # the decision can follow once the question is answered
        return View(f"{text}\n\n{req.t('routing.decide_later')}", answer_buttons(req.lang, route))
    return View(text)


# --- renderers -------------------------------------------------------------------------------------------------


async def _route(s: AsyncSession, row: Outbox) -> tuple[Person, IdeaRoute, Idea] | None:
    person = await s.get(Person, row.person_id) if row.person_id is not None else None
    route = await s.get(IdeaRoute, int(row.payload.get("route", 0)))
    if person is None or route is None:
        return None
    idea = await s.get(Idea, route.idea_id)
    return None if idea is None else (person, route, idea)


async def answerer_name(s: AsyncSession, route: IdeaRoute, lang: str) -> str:
    """Who answered for the town (escaped): a contact's name, an e-mail contact's address, or 'a colleague'."""
    if route.answered_contact:
        return esc(route.answered_contact)
    who = await s.get(Person, route.answered_by) if route.answered_by is not None else None
    return esc(short(who.display_name, 60)) if who is not None else t(lang, "route_copies.colleague")


async def copy_text(s: AsyncSession, config: Config, route: IdeaRoute, idea: Idea, lang: str) -> str:
    """A request as the town's contacts see it once one of them answered: the idea, who answered and how."""
    note, workshop = await forward_note(s, route), await workshops.of_idea(s, idea)
    text = request_text(config, route, idea, note, lang, reminder=False, ask=False, workshop=workshop)
    name = await answerer_name(s, route, lang)
    line = t(lang, "route_copies.answered_by", name=name, answer=answer_line(config, route, lang))
    if route.status == domain.REPLIED:
        line += "\n" + t(lang, "route_reply.reply", text=esc(short(route.reply or "", 1000)))
    return f"{text}\n\n{line}"


async def forward_note(s: AsyncSession, route: IdeaRoute) -> str | None:
    answer = await s.get(IdeaAnswer, route.answer_id) if route.answer_id is not None else None
    return answer.text if answer is not None else None


def renderers(config: Config) -> dict[str, Renderer]:
    """The routing outbox kinds, rendered in the recipient's language at send time."""

    async def request(s: AsyncSession, row: Outbox) -> Outgoing | None:
        found = await _route(s, row)
        waits = (domain.OPEN,) if row.kind == domain.REQUEST else (domain.OPEN, domain.REPLIED)
        if found is None or found[1].status not in waits:
            return None
        person, route, idea = found
        if not domain.is_contact(config.routing, person, route.town):  # no longer a contact of the town
            return None
        note, workshop = await forward_note(s, route), await workshops.of_idea(s, idea)
        text = request_text(
            config, route, idea, note, person.language, row.kind == domain.REMINDER, workshop=workshop
        )
        return Outgoing(text, View("", answer_buttons(person.language, route)).markup(), keep_id=True)

    async def overdue(s: AsyncSession, row: Outbox) -> Outgoing | None:
        found = await _route(s, row)
        # a question alone is no decision; nor is the project's reply to it
        if found is None or found[1].status not in domain.UNDECIDED or found[2].status != domain.FORWARDED:
            return None  # decided, or the idea moved on
        person, route, idea = found
        town = esc(town_name(config, route.town, person.language))
        count = len(config.routing.contacts_of(route.town)) + len(config.routing.mail_contacts_of(route.town))
        text = t(
            person.language, "routing.overdue", id=idea.id, town=town, day=deadline_day(config, route, person.language)
        )
        return Outgoing(f"{text}\n{t(person.language, 'routing.overdue_contacts', count=count)}")

    async def unreached(s: AsyncSession, row: Outbox) -> Outgoing | None:
        found = await _route(s, row)
        if found is None:
            return None
        person, route, idea = found
        lang, ids = person.language, config.routing.contacts_of(route.town)
        town = esc(town_name(config, route.town, lang))
        if not ids:
            return Outgoing(t(lang, "routing.manager_no_contacts", id=idea.id, town=town))
        known = set((await s.execute(select(Person.telegram_id).where(Person.telegram_id.in_(ids)))).scalars())
        missing = [i for i in ids if i not in known]
        if not missing:  # they registered meanwhile
            return None
        shown = ", ".join(str(i) for i in missing)
        return Outgoing(t(lang, "routing.manager_unregistered", id=idea.id, town=town, count=len(missing), ids=shown))

    async def answered(s: AsyncSession, row: Outbox) -> Outgoing | None:
        found = await _route(s, row)
        if found is None or found[1].status == domain.OPEN:
            return None
        person, route, idea = found
        lang = person.language
        key = "routing.notify_author" if idea.author_id == person.id else "routing.notify_other"
        head = t(lang, key, id=idea.id, town=esc(town_name(config, route.town, lang)))
        markup = None
        if row.payload.get("answer") == domain.QUESTION:  # the question, even if the decision came meanwhile
            body = t(lang, "routing.state_question", text=esc(short(route.question or "", 1000)))
            if route.status == domain.QUESTION and await replies.may_reply(s, person, idea, route):
                body += "\n\n" + t(lang, "route_reply.you_may_reply")
                markup = View("", [[Btn(t(lang, "route_reply.button"), encode("rr", route.id))]]).markup()
        else:
            body = answer_line(config, route, lang)
        text = f"{head}\n{body}\n\n{t(lang, 'routing.notify_idea', text=esc(short(idea.text)))}"
        return Outgoing(text, markup)

    async def replied(s: AsyncSession, row: Outbox) -> Outgoing | None:
        found = await _route(s, row)
        if found is None or found[1].status != domain.REPLIED or found[2].status != domain.FORWARDED:
            return None  # decided meanwhile, or the idea moved on
        person, route, idea = found
        if not domain.is_contact(config.routing, person, route.town):
            return None
        markup = View("", answer_buttons(person.language, route)).markup()
        return Outgoing(reply_text(config, route, idea, person.language), markup, keep_id=True)

    async def redraw(s: AsyncSession, row: Outbox) -> Outgoing | None:
        found = await _route(s, row)
        if found is None or found[1].status != row.payload.get("status"):
            return None  # a newer redraw of the same copy follows
        person, route, idea = found
        text = await copy_text(s, config, route, idea, person.language)
        waits = route.status in domain.UNDECIDED and idea.status == domain.FORWARDED
        markup = View("", answer_buttons(person.language, route)).markup() if waits else None
        return Outgoing(text, markup, edit_message_id=int(row.payload.get("message", 0)))

    return {
        domain.REQUEST: request,
        domain.REMINDER: request,
        domain.OVERDUE: overdue,
        domain.UNREACHED: unreached,
        domain.ANSWER: answered,
        domain.REPLY: replied,
        domain.REDRAW: redraw,
    }
