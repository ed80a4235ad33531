"""The local Bot API stand-in: an aiohttp server speaking the subset of Telegram's Bot API the bot uses.

The bot talks HTTP to it exactly as to api.telegram.org. It checks what Telegram checks (the HTML subset, text
and button limits, flood limits on request) and keeps simulated users and groups, so the tests drive the real
bot against it and `actionbot demo` lets people try the bot in the browser without a token (see server.py).
"""

from .models import ApiError, BotMessage, Button
from .server import FakeTelegram
from .users import SimGroup, SimUser

__all__ = ["ApiError", "BotMessage", "Button", "FakeTelegram", "SimGroup", "SimUser"]
