"""The routing e-mails to a town's contacts by e-mail, rendered at send time like every outbox row: the forwarded
idea (request and reminder) and the project's answer to their question, in German, as plain text and HTML, with
the contact's own signed link to the answer page (bot/answer_page.py). A request whose route no longer waits
renders to None and is skipped, as in Telegram. Also the managers' notice about an e-mail that did not go out.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.config import Config
from core.texts import format_day, t
from handlers.common import esc
from handlers.ideas import routing_views as views
from handlers.ideas.origin import workshop_day
from models import mail as mail_channel
from models import workshops
from models.clock import Clock
from models.ideas import routing as domain
from models.meetings import mail as meeting_mail
from models.tables import Idea, IdeaRoute, IdeaTown, Outbox, Person
from scheduler.dispatcher import Outgoing, Renderer
from scheduler.mail import Mail
from web import links
from web.templating import render

LANG = "de"  # e-mails go out in German; the page they link to offers English too


def answer_link(config: Config, route: IdeaRoute, contact: str, now_: datetime) -> tuple[str, str]:
    """The contact's link to the page for this route, and until when it works (as a day)."""
    expires = now_ + timedelta(days=config.web.link_days)
    token = links.make_token(config.web.secret, route.id, contact, expires)
    return f"{config.web.public_url}/a/{token}", format_day(expires, LANG, config.time_zone)


async def route_mail(
    s: AsyncSession, config: Config, route: IdeaRoute, idea: Idea, contact: str, kind: str, now_: datetime
) -> Mail:
    town = views.town_name(config, route.town, LANG)
    day = views.deadline_day(config, route, LANG)
    keys = set((await s.execute(select(IdeaTown.town).where(IdeaTown.idea_id == idea.id))).scalars())
    towns = [town.name(LANG) for town in config.towns if town.key in keys]  # in the order people know them
    field = config.field_of_action(idea.field)
    group = config.group(idea.author_group or "")
    note = await views.forward_note(s, route)
    what = {domain.MAIL_REQUEST: "request", domain.MAIL_REMINDER: "reminder", domain.MAIL_REPLY: "reply"}[kind]
    link, expires = answer_link(config, route, contact, now_)
    facts = [(t(LANG, "route_mail.fact_field"), field.name(LANG) if field else "–")]
    facts.append((t(LANG, "route_mail.fact_towns"), ", ".join(towns) or "–"))
    workshop = await workshops.of_idea(s, idea)
    if workshop is not None:  # an imported idea has no author: its workshop and day instead
        name = f"{workshop.name} ({workshop_day(config, workshop, LANG)})"
        facts.append((t(LANG, "route_mail.fact_workshop"), name))
    elif group is not None:
        facts.append((t(LANG, "route_mail.fact_group"), group.name(LANG)))
    if note:
        facts.append((t(LANG, "route_mail.fact_note"), note))
    facts.append((t(LANG, "route_mail.fact_deadline"), day))
    values = {
        "subject": t(LANG, f"route_mail.subject_{what}", id=idea.id, town=town, day=day),
        "greeting": t(LANG, "route_mail.greeting"),
        "intro": t(LANG, f"route_mail.intro_{what}", project=config.project_name, town=town),
        "idea": idea.text,
        "facts": facts,
        "reply": route.reply if what == "reply" else None,
        "question": route.question or "",
        "question_label": t(LANG, "route_mail.question"),
        "reply_label": t(LANG, "route_mail.reply"),
        "action": t(LANG, "route_mail.action_reply" if what == "reply" else "route_mail.action"),
        "link": link,
        "footer": t(LANG, "route_mail.footer", expires=expires, town=town, contact=config.contact),
    }
    return Mail(
        to=contact,
        subject=str(values["subject"]),
        text=render("route_mail.txt", **values),
        html=render("route_mail.html", **values),
    )


def renderers(config: Config, clock: Clock) -> dict[str, Renderer]:
    async def mail(s: AsyncSession, row: Outbox) -> Outgoing | None:
        route = await s.get(IdeaRoute, int(row.payload.get("route", 0)))
        idea = await s.get(Idea, route.idea_id) if route is not None else None
        contact = str(row.payload.get("to", ""))
        if route is None or idea is None or idea.status != domain.FORWARDED:
            return None
        if contact not in config.routing.mail_contacts_of(route.town) or not config.web.enabled:
            return None  # no longer a contact of the town, or no page to answer on
        waits = {
            domain.MAIL_REQUEST: (domain.OPEN,),
            domain.MAIL_REMINDER: (domain.OPEN, domain.REPLIED),
            domain.MAIL_REPLY: (domain.REPLIED,),
        }[row.kind]
        if route.status not in waits:
            return None
        return Outgoing("", mail=await route_mail(s, config, route, idea, contact, row.kind, clock.now()))

    async def failed(s: AsyncSession, row: Outbox) -> Outgoing | None:
        person = await s.get(Person, row.person_id) if row.person_id is not None else None
        original = await s.get(Outbox, int(row.payload.get("row", 0)))
        if person is None or original is None:
            return None
        lang = person.language
        to = original.payload.get("to")  # a meeting's e-mail names its person instead (models/meetings/mail.py)
        if to is None and original.person_id is not None:
            to = await meeting_mail.address_of(s, original.person_id)
        text = t(
            lang,
            "route_mail.failed",
            to=esc(str(to or "?")),
            what=esc(original.kind),
            error=esc(original.last_error or "–"),
        )
        return Outgoing(text)

    return {
        domain.MAIL_REQUEST: mail,
        domain.MAIL_REMINDER: mail,
        domain.MAIL_REPLY: mail,
        mail_channel.FAILED_NOTICE: failed,
    }
