"""Typed input outside commands goes to the person's open draft (the flow it belongs to), or gets a hint."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from handlers import onboarding
from handlers.common import Req
from models import drafts
from models.tables import Draft

FlowFn = Callable[[Req, Draft], Awaitable[None]]


def input_router(flows: dict[str, FlowFn]) -> Callable[[Req], Awaitable[None]]:
    async def on_input(req: Req) -> None:
        draft = await drafts.get_draft(req.session, req.me.id)
        flow = flows.get(draft.flow) if draft is not None else None
        if draft is None or flow is None:
            req.reply(req.t("errors.unknown_input"))
            return
        await flow(req, draft)

    return on_input


async def cancel(req: Req) -> None:
    """/cancel: drop whatever flow is open; registration is not dropped but paused (its consent is stored)."""
    if not req.me.is_complete:
        await onboarding.pause_registration(req)
        return
    dropped = await drafts.clear_draft(req.session, req.me.id)
    req.reply(req.t("common.cancelled" if dropped else "common.nothing_to_cancel"))
