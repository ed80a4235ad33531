"""📄 Handzettel in /workshop: the workshop's handout as a PDF in the chat (handlers/handout.py lays it out), and the
handout's QR link `/start idea-<n>`, which follows the idea (for newcomers after registering: handlers/onboarding.py
keeps the number in its draft and calls `follow_after_link` at the end)."""

from __future__ import annotations

from handlers import handout
from handlers.codec import encode
from handlers.common import Btn, Req, esc, short
from models.errors import Refusal
from models.ideas import handout as domain
from models.tables import Workshop
from models.teams import require_manager

PREFIX = "wh"


def handout_button(req: Req, workshop: Workshop) -> Btn:
    return Btn(req.t("handout.button"), encode(PREFIX, workshop.id))


async def on_button(req: Req) -> None:
    """wh:<workshop>: send the workshop's handout as a PDF (project managers)."""
    assert req.cb is not None
    require_manager(req.me)
    workshop = await req.session.get(Workshop, req.cb.int(0))
    if workshop is None:
        raise Refusal("errors.stale_button")
    items = await domain.items(req.session, workshop)
    bot_name = req.context.bot.username
    pdf = handout.render(req.config, workshop, items, bot_name, req.lang, req.now)
    caption = req.t("handout.caption", name=esc(workshop.name), ideas=len(items))
    req.document(pdf, handout.file_name(workshop), caption)
    req.toast(req.t("handout.button"))


async def follow_after_link(req: Req, idea_id: int) -> None:
    """Follow the idea of a handout's link and say so (a refusal is the usual friendly answer)."""
    idea, new = await domain.follow_from_link(req.session, req.me, idea_id, req.now)
    key = "handout.following" if new else "handout.following_already"
    req.reply(req.t(key, id=idea.id, text=esc(short(idea.text, 200))))
