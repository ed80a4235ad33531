"""/poll (team leads): find a date with 2-5 slots, members vote, the lead picks one."""

from __future__ import annotations

from handlers.common import Req
from models.errors import Refusal
from models.tables import Draft


async def start_poll(req: Req) -> None:
    raise Refusal("errors.unknown_command")


async def on_poll_button(req: Req) -> None:
    raise Refusal("errors.stale_button")


async def on_vote(req: Req) -> None:
    raise Refusal("errors.stale_button")


async def on_input(req: Req, draft: Draft) -> None:
    raise Refusal("errors.unknown_input")
