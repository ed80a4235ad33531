"""`[health]`: a small HTTP server on 127.0.0.1 with `/healthz` (200 or 503 with the reasons) and `/metrics`.

What /healthz calls unhealthy, and why (thresholds in `[health]`, see config.example.toml):
- the database does not answer `SELECT 1` within 10 s;
- polling: no successful getUpdates for `polling_silence_minutes` (5). A long poll returns every few seconds
  even when nobody writes, so silence means Telegram is unreachable, the token was revoked or another process
  polls with it (409). The last *user* update is shown but never fails the check: a quiet bot is normal;
- a due outbox row has waited longer than `outbox_delay_minutes` (10): the dispatcher is stuck. A row
  Telegram refuses is due again at its retry time, and a broadcast of thousands takes a few minutes;
- the last successful backup is older than `backup_age_hours` (26: a daily backup plus slack). No backup
  recorded at all is reported but not failed (backups may be done outside the bot, e.g. pg_dump by the host).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST
from telegram.error import NetworkError, TelegramError
from telegram.ext import Application

from bot.transport import AiohttpRequest
from core.config import ConfigError, HealthConfig
from core.metrics import Metrics
from models import health as queries

log = logging.getLogger("actionbot.health")
DB_TIMEOUT = 10.0


class PollingRequest(AiohttpRequest):
    """The getUpdates transport: every answered long poll tells `Metrics` that Telegram is reachable."""

    __slots__ = ("_metrics",)

    def __init__(self, metrics: Metrics, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._metrics = metrics
        metrics.polling = True

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        status, payload = await super().do_request(*args, **kwargs)
        if status == 200:
            self._metrics.polled()
        return status, payload


def polling_error(metrics: Metrics) -> Callable[[TelegramError], None]:
    """The polling loop's error callback: a network error or 5xx is a Telegram outage (one WARNING at its start,
    one INFO at its end, when a getUpdates is answered again); anything else (409 Conflict: another process
    polls with the token) is logged as an error, without PTB's traceback per failed poll."""

    def on_error(exc: TelegramError) -> None:
        if isinstance(exc, NetworkError) and metrics.telegram is not None:
            metrics.telegram.failed(exc)
        else:
            log.error("getUpdates failed: %s", exc)

    return on_error


async def _database_figures(svc: Any) -> dict[str, Any] | None:
    """One short read of what the database knows; raises when it cannot be reached in time. A standby only
    pings: it has not migrated yet (the active process may run an older schema), so it reads no tables."""
    now: datetime = svc.clock.now()
    async with asyncio.timeout(DB_TIMEOUT), svc.db.transaction() as s:
        await queries.ping(s)
        if svc.metrics.standby:
            return None
        pending = await queries.pending_by_kind(s)
        oldest = await queries.oldest_due_at(s, now)
        backup = await queries.last_backup_at(s)
    return {
        "pending": pending,
        "oldest_due_seconds": max(0.0, (now - oldest).total_seconds()) if oldest else 0.0,
        "backup_at": backup,
        "backup_age_hours": (now - backup).total_seconds() / 3600 if backup else None,
    }


async def health_report(svc: Any, cfg: HealthConfig) -> tuple[bool, dict[str, Any]]:
    """(healthy, the JSON body of /healthz)."""
    metrics: Metrics = svc.metrics
    reasons: list[str] = []
    body: dict[str, Any] = {}
    mono = time.monotonic()
    try:
        figures = await _database_figures(svc)
        body["database"] = "ok"
    except Exception as exc:  # any driver error or the timeout: the reason is what the operator needs
        figures = None
        detail = f"no answer within {DB_TIMEOUT:g}s" if isinstance(exc, TimeoutError) else type(exc).__name__
        body["database"] = f"unreachable: {detail}"
        outage = metrics.database
        since = f" since {outage.since.isoformat(timespec='seconds')}" if outage and outage.since else ""
        reasons.append(f"database unreachable{since} ({detail})")
    body["role"] = "standby" if metrics.standby else "active"
    if metrics.standby:  # why it is not sending: another process holds the lock, or the database is away
        body["waiting"] = "for the database" if figures is None and body["database"] != "ok" else "for the lock"
    outages = {o.dependency: {"since": o.since.isoformat(), "reason": o.reason}
               for o in (metrics.database, metrics.telegram) if o is not None and o.since is not None}  # fmt: skip
    if outages:
        body["outages"] = outages
    if metrics.polling and not metrics.standby:  # a standby waits for the lock and polls nothing on purpose
        silence = mono - (metrics.last_poll_at or metrics.started)
        body["last_poll_seconds_ago"] = round(silence, 1)
        if silence > cfg.polling_silence_minutes * 60:
            reasons.append(f"no answer to getUpdates for {silence:.0f}s (limit {cfg.polling_silence_minutes * 60:g}s)")
    last_update = metrics.last_update_at
    body["last_update_seconds_ago"] = None if last_update is None else round(mono - last_update, 1)
    if figures is not None:  # (a standby reports no figures: the active process does)
        oldest = figures["oldest_due_seconds"]
        body["outbox"] = {"pending": sum(figures["pending"].values()), "oldest_due_seconds": round(oldest, 1)}
        if oldest > cfg.outbox_delay_minutes * 60:
            reasons.append(f"a due message has waited {oldest:.0f}s (limit {cfg.outbox_delay_minutes * 60:g}s)")
        backup_at, age = figures["backup_at"], figures["backup_age_hours"]
        body["backup"] = {"last_at": backup_at.isoformat() if backup_at else None, "age_hours": age and round(age, 1)}
        if age is not None and age > cfg.backup_age_hours:
            reasons.append(f"last backup {age:.1f}h ago (limit {cfg.backup_age_hours:g}h)")
    body["status"] = "fail" if reasons else "ok"
    body["reasons"] = reasons
    return not reasons, body


async def refresh_gauges(svc: Any) -> None:
    """Read the database's figures into the gauges just before a scrape."""
    metrics: Metrics = svc.metrics
    try:
        figures = await _database_figures(svc)
    except Exception:
        metrics.up.set(0)
        return
    metrics.up.set(1)
    if figures is None:  # a standby: the active process reports the outbox and backups
        return
    metrics.pending.clear()
    for kind, n in figures["pending"].items():
        metrics.pending.labels(kind).set(n)
    metrics.oldest_due.set(figures["oldest_due_seconds"])
    metrics.last_backup.set(figures["backup_at"].timestamp() if figures["backup_at"] else 0)


def health_app(app: Application[Any, Any, Any, Any, Any, Any], cfg: HealthConfig) -> web.Application:
    last: list[str] = []  # the reasons of the previous check: the log gets changes only, not every poll

    async def healthz(_request: web.Request) -> web.Response:
        svc = app.bot_data["services"]
        ok, body = await health_report(svc, cfg)
        reasons = [re.sub(r"[\d.]+", "#", r) for r in body["reasons"]]  # without the figures, which grow
        if reasons != last:
            if ok:
                log.info("health check ok again")
            else:
                log.warning("health check failed: %s", "; ".join(body["reasons"]))
            last[:] = reasons
        return web.Response(
            status=200 if ok else 503, text=json.dumps(body, default=str) + "\n", content_type="application/json"
        )

    async def metrics(_request: web.Request) -> web.Response:
        svc = app.bot_data["services"]
        await refresh_gauges(svc)
        return web.Response(body=svc.metrics.exposition(), headers={"Content-Type": CONTENT_TYPE_LATEST})

    web_app = web.Application()
    web_app.router.add_get("/healthz", healthz)
    web_app.router.add_get("/metrics", metrics)
    return web_app


async def start_health(app: Application[Any, Any, Any, Any, Any, Any], cfg: HealthConfig) -> web.AppRunner:
    """Serve /healthz and /metrics on `cfg.listen:cfg.port` until `runner.cleanup()`."""
    runner = web.AppRunner(health_app(app, cfg), access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, cfg.listen, cfg.port).start()
    except OSError as exc:  # the port is taken or the address is not ours: a config problem, one line
        await runner.cleanup()
        raise ConfigError(f"health.port: cannot listen on {cfg.listen}:{cfg.port} ({exc.strerror})") from None
    log.info("health and metrics on http://%s:%s/healthz and /metrics", cfg.listen, cfg.port)
    return runner
