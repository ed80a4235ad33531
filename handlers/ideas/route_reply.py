"""The project answers a town's question: whoever forwarded the idea (or a lead of its team, or a manager) taps
"💬 Rückfrage beantworten" under the question, types the answer (/cancel ends it), and every contact of the town
gets it with the decision buttons. A voice message instead is stored; its typed summary is what the town gets.
Buttons are `rr:1:<route>`; the typed answer waits in a "route_reply" draft.
"""

from __future__ import annotations

import logging

from handlers import voice as voice_views
from handlers.common import Req, esc, short
from handlers.ideas import routing_views as views
from models import drafts
from models import voice as voice_domain
from models.errors import Refusal
from models.ideas import route_replies as domain
from models.ideas import routing
from models.tables import Draft

log = logging.getLogger("actionbot.routing")
FLOW = "route_reply"


async def on_button(req: Req) -> None:
    assert req.cb is not None
    route = await domain.replyable_route(req.session, req.me, req.cb.int(0))
    await drafts.save_draft(req.session, req.me.id, FLOW, "text", {"route": route.id}, req.now)
    town = views.town_name(req.config, route.town, req.lang)
    question = short(route.question or "", 1000)
    req.reply(
        req.t(
            "route_reply.ask",
            id=route.idea_id,
            town=esc(town),
            question=esc(question),
            max=routing.TEXT_MAX,
        )
    )


async def on_input(req: Req, draft: Draft) -> None:
    """The typed answer to the question; a question answered meanwhile ends the dialogue."""
    route_id = int(draft.data.get("route", 0))
    try:
        await domain.replyable_route(req.session, req.me, route_id)
    except Refusal as refusal:
        await drafts.clear_draft(req.session, req.me.id)
        req.reply(req.t(refusal.key, **refusal.params))
        return
    voice = voice_views.voice_of(req)
    if voice is not None:  # the town gets no audio: a typed summary of it is sent as the answer (handlers/voice.py)
        await voice_views.receive(req, voice, voice_domain.ROUTE, route_id)
        await drafts.clear_draft(req.session, req.me.id)
        return
    if req.text is None:
        raise Refusal("route_reply.text_or_voice")
    route, told = await domain.reply(req.session, req.me, route_id, req.text, req.config.routing, req.now)
    await drafts.clear_draft(req.session, req.me.id)
    town = esc(views.town_name(req.config, route.town, req.lang))
    day = views.deadline_day(req.config, route, req.lang)
    req.reply(req.t("route_reply.done", id=route.idea_id, town=town, told=told, day=day))
    log.info("route question answered route=%s idea=%s town=%s told=%s", route.id, route.idea_id, route.town, told)
    if told:
        req.deliver_soon()
