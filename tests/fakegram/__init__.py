"""Fake Telegram Bot API server for end-to-end tests of actionbot (see server.py)."""

from .models import ApiError, BotMessage, Button
from .server import FakeTelegram
from .users import SimGroup, SimUser

__all__ = ["ApiError", "BotMessage", "Button", "FakeTelegram", "SimGroup", "SimUser"]
