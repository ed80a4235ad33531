"""A town's administration answers a forwarded idea: take it on, ask back (a typed question), or decline;
after a question the contact can still take it on or decline once they know more.

Buttons are `rt:1:<action>:<route>[:…]`: t take | q ask (then the question is typed) | d decline (obstacle
chips) | o:<code>:<1 tick, 0 untick> a chip | n next (the optional sentence) | s send the refusal without a
sentence. Every tap asks the domain whether the presser is a contact of that route's town and the route still
waits, so a forged, foreign or second tap changes nothing. The question and the refusal are kept in a "route"
draft.
"""

from __future__ import annotations

import logging

from handlers.common import Req
from handlers.ideas import routing_views as views
from models import drafts
from models.errors import Refusal
from models.ideas import routing as domain
from models.tables import Draft, IdeaRoute

log = logging.getLogger("actionbot.routing")
FLOW = "route"


async def on_button(req: Req) -> None:
    assert req.cb is not None
    action, route_id = req.cb.arg(0), req.cb.int(1)
    kind = {"t": domain.TAKEN, "q": domain.QUESTION}.get(action, domain.DECLINED)
    route = await domain.answerable_route(req.session, req.me, route_id, req.config.routing, kind)
    if action == "t":
        await _answer(req, route.id, domain.TAKEN)
    elif action == "q":
        await drafts.save_draft(req.session, req.me.id, FLOW, "question", {"route": route.id}, req.now)
        req.reply(req.t("routing.ask_question", id=route.idea_id, max=domain.TEXT_MAX))
    elif action == "d":
        await drafts.save_draft(req.session, req.me.id, FLOW, "obstacles", {"route": route.id, "codes": []}, req.now)
        req.reply(views.decline_view(req, route, []))
    elif action in ("o", "n", "s"):
        await _decline_step(req, route, action)
    else:
        raise Refusal("errors.stale_button")


async def _draft(req: Req, route: IdeaRoute, *steps: str) -> Draft:
    """The open "route" draft of this route at one of `steps`; a button of a finished dialogue is answered."""
    draft = await drafts.get_draft(req.session, req.me.id)
    if draft is None or draft.flow != FLOW or draft.data.get("route") != route.id or draft.step not in steps:
        raise Refusal("routing.no_flow")
    return draft


async def _decline_step(req: Req, route: IdeaRoute, action: str) -> None:
    draft = await _draft(req, route, "obstacles", "reason")
    codes = list(draft.data.get("codes", []))
    allowed = [o.key for o in req.config.obstacles]
    if action == "o":
        assert req.cb is not None
        code, tick = req.cb.arg(2), req.cb.arg(3) == "1"
        if code not in allowed:
            raise Refusal("errors.stale_button")
        codes = [c for c in allowed if (c == code and tick) or (c != code and c in codes)]
        await drafts.save_draft(req.session, req.me.id, FLOW, "obstacles", {**draft.data, "codes": codes}, req.now)
        req.show(views.decline_view(req, route, codes))
    elif action == "n":
        domain.check_obstacles(codes, allowed)
        await drafts.save_draft(req.session, req.me.id, FLOW, "reason", {**draft.data, "codes": codes}, req.now)
        req.show(views.reason_view(req, route))
    else:
        if draft.step != "reason":
            raise Refusal("routing.no_flow")
        await _answer(req, route.id, domain.DECLINED, obstacles=codes)


async def on_input(req: Req, draft: Draft) -> None:
    """Typed text: the question (step 'question') or the sentence with a refusal (step 'reason')."""
    kind = domain.QUESTION if draft.step == "question" else domain.DECLINED
    route_id = int(draft.data.get("route", 0))
    try:
        route = await domain.answerable_route(req.session, req.me, route_id, req.config.routing, kind)
    except Refusal as refusal:  # a colleague answered meanwhile: the dialogue ends instead of refusing forever
        await drafts.clear_draft(req.session, req.me.id)
        req.reply(req.t(refusal.key, **refusal.params))
        return
    if draft.step == "obstacles":
        req.reply(req.t("routing.use_buttons"))
        req.reply(views.decline_view(req, route, list(draft.data.get("codes", []))))
        return
    if req.text is None:
        raise Refusal("routing.text_only")
    if draft.step == "question":
        await _answer(req, route.id, domain.QUESTION, text=req.text, new_message=True)
    else:
        codes = list(draft.data.get("codes", []))
        await _answer(req, route.id, domain.DECLINED, text=req.text, obstacles=codes, new_message=True)


async def _answer(
    req: Req,
    route_id: int,
    kind: str,
    *,
    text: str | None = None,
    obstacles: list[str] | None = None,
    new_message: bool = False,
) -> None:
    route, told = await domain.answer(
        req.session,
        req.me,
        route_id,
        kind,
        req.config.routing,
        req.now,
        text=text,
        obstacles=obstacles or [],
        allowed_obstacles=[o.key for o in req.config.obstacles],
    )
    draft = await drafts.get_draft(req.session, req.me.id)
    if draft is not None and draft.flow == FLOW:  # a tap on 'take on' leaves another open dialogue alone
        await drafts.clear_draft(req.session, req.me.id)
    view = views.answered_view(req, route, told)
    if new_message:
        req.reply(view)
    else:
        req.show(view)
    log.info(
        "route answered route=%s idea=%s town=%s answer=%s told=%s", route.id, route.idea_id, route.town, kind, told
    )
    if told:
        req.deliver_soon()
