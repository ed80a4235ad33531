"""What poll outbox rows (nudges, deadline notices) become when they are sent."""

from __future__ import annotations

from bot.config import Config
from scheduler.dispatcher import Renderer


def renderers(config: Config) -> dict[str, Renderer]:
    return {}
