"""/calendar and the per-invitation .ics file."""

from __future__ import annotations

from handlers.common import Req
from models.errors import Refusal


async def send_calendar(req: Req) -> None:
    raise Refusal("errors.unknown_command")


async def on_ics(req: Req) -> None:
    raise Refusal("errors.stale_button")
