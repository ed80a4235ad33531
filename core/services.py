"""What every handler and job is given besides its update: config, database, clock, dispatcher, metrics.

It lives below the handlers so that the scheduler's jobs and the assembly use it without importing handlers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.config import Config
from core.metrics import Metrics
from models.clock import Clock
from models.db import Database


@dataclass
class Services:
    """What every handler needs besides the update; stored once in `bot_data`."""

    config: Config
    db: Database
    clock: Clock
    dispatcher: Any = None  # scheduler.dispatcher.Dispatcher once started; woken after commits that add rows
    metrics: Metrics = field(default_factory=Metrics)  # this bot's counters (its own Prometheus registry)
    own_limiter: Any = field(default=None, repr=False)  # scheduler's RateLimiter until a dispatcher exists
