"""After a meeting: the lead records who attended (plus guests without Telegram) and short minutes."""

from __future__ import annotations

from handlers.common import Req
from models.errors import Refusal
from models.tables import Draft


async def on_attendance_button(req: Req) -> None:
    raise Refusal("errors.stale_button")


async def on_input(req: Req, draft: Draft) -> None:
    raise Refusal("errors.unknown_input")
