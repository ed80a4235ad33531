"""The bot's Prometheus metrics: one `Metrics` (with a registry of its own) per Application.

A registry per application, not prometheus-client's global one, so several bots in one process (the tests)
never share counters. Counters are fed by small hooks (the handler wrapper, the dispatcher, the rate limiter);
figures that live in the database (pending outbox rows) are read when /metrics is scraped (bot/health.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Coroutine
from contextvars import ContextVar
from datetime import datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, ProcessCollector, generate_latest
from telegram import Update
from telegram.ext import ContextTypes

from models.outage import Outage

# seconds: a handler is one transaction and a few API calls; the dispatcher's lag spans quiet sends to outages
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
LAG_BUCKETS = (0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0)


class Metrics:
    """Counters, histograms and gauges of one bot, and the last times it heard from Telegram."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.updates = Counter(
            "actionbot_updates", "Updates handled, by kind (command, button, text, other) and outcome "
            "(ok, refused, not_allowed, stale_button, error)", ["kind", "outcome"], registry=r,
        )
        self.latency = Histogram(
            "actionbot_handler_seconds", "Time from the handler's start to its last reply sent, by kind",
            ["kind"], buckets=LATENCY_BUCKETS, registry=r,
        )
        self.deliveries = Counter(
            "actionbot_deliveries", "Outbox rows the dispatcher finished or retried, by kind and outcome "
            "(sent, failed, unreachable, skipped, retry, migrated)", ["kind", "outcome"], registry=r,
        )
        self.rate_limited = Counter(
            "actionbot_telegram_429", "429 Too Many Requests answers from Telegram (replies and outbox)", registry=r
        )
        self.lag = Histogram(
            "actionbot_dispatcher_lag_seconds", "From a message's due time to Telegram taking it",
            buckets=LAG_BUCKETS, registry=r,
        )
        self.pending = Gauge(
            "actionbot_outbox_pending", "Open outbox rows (pending, claimed, sending) by kind; read at scrape",
            ["kind"], registry=r,
        )
        self.oldest_due = Gauge(
            "actionbot_outbox_oldest_due_seconds", "How long the oldest due open row has been waiting (0: none)",
            registry=r,
        )
        self.last_update = Gauge(
            "actionbot_last_update_timestamp_seconds", "Unix time of the last update handled (0: none yet)",
            registry=r,
        )
        self.last_poll = Gauge(
            "actionbot_last_poll_timestamp_seconds", "Unix time of the last successful getUpdates (0: none yet)",
            registry=r,
        )
        self.last_backup = Gauge(
            "actionbot_last_backup_timestamp_seconds", "Unix time of the last successful backup (0: none recorded)",
            registry=r,
        )
        ProcessCollector(registry=r)  # process_resident_memory_bytes, process_cpu_seconds_total, open fds
        self.up = Gauge("actionbot_database_up", "1 when the database answered the last scrape's query", registry=r)
        self.outages = Counter(
            "actionbot_outages", "Outages begun, by dependency (database, telegram): one per outage, not per failed "
            "call", ["dependency"], registry=r,
        )
        self.outage_seconds = Counter(
            "actionbot_outage_seconds", "Seconds of ended outages, by dependency", ["dependency"], registry=r
        )
        self.unreachable_since = Gauge(
            "actionbot_unreachable_since_timestamp_seconds", "Unix time an ongoing outage began, by dependency "
            "(0: reachable)", ["dependency"], registry=r,
        )
        for dependency in ("database", "telegram"):
            self.outages.labels(dependency)
            self.outage_seconds.labels(dependency)
            self.unreachable_since.labels(dependency).set(0)
        self.database: Outage | None = None  # the trackers (models/outage.py), set by bot.application
        self.telegram: Outage | None = None
        self.started = time.monotonic()
        self.last_update_at: float | None = None  # monotonic
        self.last_poll_at: float | None = None  # monotonic; None: none yet
        self.polling = False  # set by bot.health.PollingRequest: getUpdates is watched
        self.standby = False  # waiting for the hot standby's lock (bot/standby.py): not polling on purpose

    def became_active(self) -> None:
        """The standby took over: polling is expected from now on, not since the process started."""
        self.standby = False
        self.started = time.monotonic()

    def update_handled(self, kind: str, outcome: str, seconds: float) -> None:
        self.updates.labels(kind, outcome).inc()
        self.latency.labels(kind).observe(seconds)
        self.last_update_at = time.monotonic()
        self.last_update.set(time.time())

    def polled(self) -> None:
        """getUpdates answered: Telegram is reachable and accepts the token."""
        if self.telegram is not None:
            self.telegram.ok()
        self.last_poll_at = time.monotonic()
        self.last_poll.set(time.time())

    def delivered(self, kind: str, outcome: str, lag: float | None = None) -> None:
        self.deliveries.labels(kind, outcome).inc()
        if lag is not None:
            self.lag.observe(max(0.0, lag))

    def outage_changed(self, dependency: str, since: datetime | None, seconds: float) -> None:
        """An `Outage` began (`since`) or ended (None, after `seconds`)."""
        if since is not None:
            self.outages.labels(dependency).inc()
            self.unreachable_since.labels(dependency).set(since.timestamp())
        else:
            self.outage_seconds.labels(dependency).inc(seconds)
            self.unreachable_since.labels(dependency).set(0)

    def retry_after(self, seconds: float) -> None:
        self.rate_limited.inc()

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


Callback = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]
_outcome: ContextVar[list[str]] = ContextVar("handler_outcome")


def note_outcome(outcome: str) -> None:
    """Inside a `measured` handler: how the update ended when not plainly "ok" (an exception is "error")."""
    box = _outcome.get(None)
    if box is not None:
        box[0] = outcome


def measured(run: Callback) -> Callback:
    """Count the update by kind and outcome and time it, replies included (handlers/common.py `handler()`)."""

    async def timed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        box = ["ok"]
        token = _outcome.set(box)
        started = time.perf_counter()
        try:
            await run(update, context)
        except BaseException:
            box[0] = "error"
            raise
        finally:
            _outcome.reset(token)
            svc = context.application.bot_data.get("services")
            metrics: Metrics | None = getattr(svc, "metrics", None)
            if metrics is not None:
                metrics.update_handled(update_kind(update), box[0], time.perf_counter() - started)

    timed.__name__ = run.__name__
    timed.__doc__ = run.__doc__
    return timed


def update_kind(update: Update) -> str:
    """command, button, text (typed input) or other: the `kind` label of the update metrics."""
    if update.callback_query is not None:
        return "button"
    message = update.effective_message
    if message is not None and message.text:
        return "command" if message.text.startswith("/") else "text"
    return "other"
