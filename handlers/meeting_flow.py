"""/meeting (team leads): the dialogue that schedules a meeting; edit and cancel; /meetings for members."""

from __future__ import annotations

from handlers.common import Req
from models.errors import Refusal
from models.tables import Draft


async def start_meeting(req: Req) -> None:
    raise Refusal("errors.unknown_command")


async def on_flow_button(req: Req) -> None:
    raise Refusal("errors.stale_button")


async def on_manage_button(req: Req) -> None:
    raise Refusal("errors.stale_button")


async def on_input(req: Req, draft: Draft) -> None:
    raise Refusal("errors.unknown_input")


async def show_my_meetings(req: Req) -> None:
    raise Refusal("errors.unknown_command")
