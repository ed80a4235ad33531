"""/linkgroup, run by a team lead inside the team's Telegram group."""

from __future__ import annotations

from handlers.common import Req
from models.errors import Refusal


async def link_group(req: Req) -> None:
    raise Refusal("errors.unknown_command")


async def on_group_button(req: Req) -> None:
    raise Refusal("errors.stale_button")
