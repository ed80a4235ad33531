"""/settings: mute meeting reminders (and later: announcements)."""

from __future__ import annotations

from handlers.common import Req
from models.errors import Refusal


async def show_settings(req: Req) -> None:
    raise Refusal("errors.unknown_command")


async def on_settings_button(req: Req) -> None:
    raise Refusal("errors.stale_button")
