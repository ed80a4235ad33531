"""The tests' name for the local Bot API stand-in, which is product code now (botapi/, also behind `actionbot demo`)."""

from botapi import ApiError, BotMessage, Button, FakeTelegram, SimGroup, SimUser

__all__ = ["ApiError", "BotMessage", "Button", "FakeTelegram", "SimGroup", "SimUser"]
