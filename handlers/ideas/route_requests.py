"""/anfragen: a town's contact sees their town's requests. Open ones first, the nearest deadline first, each as
its own message with the idea, its path so far (the towns' answers, the question and the project's reply) and the
answer buttons; then the decided ones in one message (who answered, how, when). Anyone else is told politely that
the list is for the administrations' contacts.
"""

from __future__ import annotations

from core.texts import format_day
from handlers.common import Req, View, esc, short
from handlers.ideas import routing_views as views
from models import workshops
from models.ideas import route_copies, route_replies
from models.ideas import routing as domain
from models.tables import Idea, IdeaRoute

OPEN_SHOWN = 20  # messages at most; more are counted


async def show_requests(req: Req) -> None:
    found = await route_copies.town_requests(req.session, req.config.routing, req.me)
    if not found.towns:
        req.reply(req.t("route_copies.not_contact"))
        return
    towns = ", ".join(views.town_name(req.config, k, req.lang) for k in found.towns)
    req.reply(req.t("route_copies.head", towns=esc(towns), open=len(found.open), answered=len(found.answered)))
    routes = await domain.routes_of(req.session, {idea.id for _, idea in found.open})
    notes = await route_replies.notes_of(req.session, [route.id for route, _ in found.open])
    for route, idea in found.open[:OPEN_SHOWN]:
        text = await _open_text(req, route, idea, routes.get(idea.id, []), [n.text for n in notes.get(route.id, [])])
        req.reply(View(text, views.answer_buttons(req.lang, route)))
    if len(found.open) > OPEN_SHOWN:
        req.reply(req.t("route_copies.more", count=len(found.open) - OPEN_SHOWN))
    if found.answered:
        lines = [await _answered_line(req, route, idea) for route, idea in found.answered]
        req.reply(req.t("route_copies.answered_head") + "\n\n" + "\n\n".join(lines))


async def _open_text(req: Req, route: IdeaRoute, idea: Idea, all_routes: list[IdeaRoute], notes: list[str]) -> str:
    """The request as it was sent, and the idea's path with the towns so far."""
    note = await views.forward_note(req.session, route)
    workshop = await workshops.of_idea(req.session, idea)
    text = views.request_text(req.config, route, idea, note, req.lang, reminder=False, ask=False, workshop=workshop)
    path = views.route_lines(req.config, all_routes, req.lang)
    if route.reply:
        path.append(req.t("route_reply.reply", text=esc(short(route.reply, 1000))))
    sent = format_day(route.forwarded_at, req.lang, req.config.time_zone)
    return f"{text}\n\n{req.t('route_copies.path', day=sent)}\n" + "\n".join(path)


async def _answered_line(req: Req, route: IdeaRoute, idea: Idea) -> str:
    name = await views.answerer_name(req.session, route, req.lang)
    day = format_day(route.answered_at or route.forwarded_at, req.lang, req.config.time_zone)
    return req.t(
        "route_copies.answered_line",
        id=idea.id,
        idea=esc(short(idea.text, 80)),
        town=esc(views.town_name(req.config, route.town, req.lang)),
        name=name,
        day=day,
        answer=views.answer_line(req.config, route, req.lang),
    )
