"""/healthz and /metrics of a running bot (bot/health.py, core/metrics.py), against the fake Telegram server."""

from __future__ import annotations

import logging
import socket
import time
from datetime import timedelta

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.health import start_health
from core.config import HealthConfig
from core.metrics import Metrics
from models import outbox
from models.db import Database
from models.outbox import NewMessage
from models.tables import BackupRun
from tests.announce_helpers import compose
from tests.meeting_helpers import team_with_members

DASEIN = "Daseinsvorsorge"


@pytest.fixture
async def health(bot):
    """GET a path of the bot's health server: (status, JSON body or metrics text)."""
    runner = await start_health(bot.app, HealthConfig(port=0))
    port = runner.addresses[0][1]

    async def get(path: str):
        async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}{path}") as resp:
            if path == "/healthz":
                return resp.status, await resp.json()
            return resp.status, await resp.text()

    yield get
    await runner.cleanup()


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample in a Prometheus exposition (0 when absent)."""
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                return s.value
    return 0.0


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def add_row(bot, due_ago: timedelta, kind: str = "note") -> None:
    now = bot.clock.now()
    async with bot.db.transaction() as s:
        await outbox.enqueue(s, [NewMessage(kind, 4711, now - due_ago, payload={"text": "x"})], now)


async def test_a_running_bot_is_healthy(bot, health):
    anna = bot.user("Anna")
    await anna.send("/start")
    status, body = await health("/healthz")
    assert status == 200, body
    assert body["status"] == "ok" and body["reasons"] == []
    assert body["database"] == "ok"
    assert body["last_poll_seconds_ago"] < 60 and body["last_update_seconds_ago"] is not None
    assert body["outbox"] == {"pending": 0, "oldest_due_seconds": 0}
    assert body["backup"] == {"last_at": None, "age_hours": None}  # none recorded: reported, not failed


async def test_a_quiet_bot_stays_healthy(bot, health):
    """No user wrote for days: normal for a small project, as long as polling works."""
    await bot.user("Anna").send("/start")
    bot.app.bot_data["services"].metrics.last_update_at = time.monotonic() - 3 * 86400
    status, body = await health("/healthz")
    assert status == 200, body
    assert body["last_update_seconds_ago"] > 2 * 86400


async def test_503_when_the_database_is_unreachable(bot, health):
    svc = bot.app.bot_data["services"]
    good, svc.db = svc.db, Database(f"postgresql+asyncpg://nobody@127.0.0.1:{closed_port()}/nothing")
    try:
        status, body = await health("/healthz")
        _, metrics = await health("/metrics")
    finally:
        await svc.db.dispose()
        svc.db = good
    assert status == 503
    assert body["status"] == "fail" and body["database"].startswith("unreachable")
    assert any("database unreachable" in r for r in body["reasons"])
    assert sample(metrics, "actionbot_database_up") == 0
    assert (await health("/healthz"))[0] == 200  # back when the database is


async def test_503_when_a_due_message_waits_longer_than_the_limit(bot, health):
    await add_row(bot, timedelta(minutes=9))
    await add_row(bot, timedelta(minutes=-30))  # due later: never counts
    status, body = await health("/healthz")
    assert status == 200, body
    assert body["outbox"] == {"pending": 2, "oldest_due_seconds": 540}
    await add_row(bot, timedelta(minutes=11))
    status, body = await health("/healthz")
    assert status == 503
    assert body["reasons"] == ["a due message has waited 660s (limit 600s)"]
    _, metrics = await health("/metrics")
    assert sample(metrics, "actionbot_outbox_oldest_due_seconds") == 660
    assert sample(metrics, "actionbot_outbox_pending", kind="note") == 3


async def test_503_when_polling_gets_no_answer_and_200_once_it_does(bot, health):
    metrics = bot.app.bot_data["services"].metrics
    metrics.last_poll_at = time.monotonic() - 301
    status, body = await health("/healthz")
    assert status == 503
    assert len(body["reasons"]) == 1 and "getUpdates" in body["reasons"][0] and "limit 300s" in body["reasons"][0]
    await bot.user("Anna").send("/start")  # the long poll returns with the update
    assert (await health("/healthz"))[0] == 200


async def test_metrics_count_user_actions_by_kind_and_outcome(bot, health):
    stranger = bot.user("Eve")
    await stranger.send("/teams")  # not registered yet: sent to /start
    anna = await bot.register(bot.user("Anna"))
    await anna.send("Hallo")  # typed text outside any dialogue
    status, text = await health("/metrics")
    assert status == 200
    assert sample(text, "actionbot_updates_total", kind="command", outcome="not_allowed") == 1
    assert sample(text, "actionbot_updates_total", kind="command", outcome="ok") == 1  # /start
    assert sample(text, "actionbot_updates_total", kind="button", outcome="ok") == 4  # consent, evaluation, group, town
    assert sample(text, "actionbot_updates_total", kind="text", outcome="ok") == 1
    assert sample(text, "actionbot_handler_seconds_count", kind="button") == 4
    assert sample(text, "actionbot_last_update_timestamp_seconds") > 0
    assert sample(text, "actionbot_last_poll_timestamp_seconds") > 0
    assert sample(text, "process_resident_memory_bytes") > 0
    assert sample(text, "actionbot_last_backup_timestamp_seconds") == 0  # none recorded yet


async def test_metrics_count_deliveries_pending_rows_and_429s(bot, health):
    team, lead, (anna, ben) = await team_with_members(bot)
    manager = bot.manager()
    await compose(manager, DASEIN)
    await manager.press("Jetzt senden")
    _, before = await health("/metrics")
    assert sample(before, "actionbot_outbox_pending", kind="announcement") == 3  # lead, Anna, Ben
    bot.fake.rate_limit(ben.chat_id, retry_after=1, times=1)
    await bot.deliver()
    bot.dispatcher.limiter._paused_until = 0  # the test does not wait the real second
    await bot.deliver(advance=timedelta(seconds=1))
    _, text = await health("/metrics")
    assert sample(text, "actionbot_deliveries_total", kind="announcement", outcome="sent") == 3
    assert sample(text, "actionbot_deliveries_total", kind="announcement", outcome="retry") == 1
    assert sample(text, "actionbot_telegram_429_total") == 1
    assert sample(text, "actionbot_dispatcher_lag_seconds_count") == 3
    assert sample(text, "actionbot_outbox_pending", kind="announcement") == 0


async def test_a_refused_action_is_counted_as_refused(bot, health):
    anna = await bot.register(bot.user("Anna"))
    await anna.send("/stats")  # only the project manager may
    _, text = await health("/metrics")
    assert sample(text, "actionbot_updates_total", kind="command", outcome="refused") == 1


async def test_every_bot_has_its_own_registry():
    one, two = Metrics(), Metrics()
    one.delivered("reminder", "sent", 1.0)
    assert b'actionbot_deliveries_total{kind="reminder",outcome="sent"} 1.0' in one.exposition()
    assert b"reminder" not in two.exposition()



async def test_the_log_gets_each_change_of_health_once(bot, health, caplog):
    caplog.set_level(logging.INFO, logger="actionbot.health")
    metrics = bot.app.bot_data["services"].metrics
    await bot.user("Anna").send("/start")
    assert (await health("/healthz"))[0] == 200
    metrics.last_poll_at = time.monotonic() - 400
    assert (await health("/healthz"))[0] == 503
    metrics.last_poll_at = time.monotonic() - 500  # still failing, for the same reason
    assert (await health("/healthz"))[0] == 503
    metrics.polled()
    assert (await health("/healthz"))[0] == 200
    lines = [r.getMessage() for r in caplog.records if r.name == "actionbot.health"]
    assert len(lines) == 2
    assert lines[0].startswith("health check failed: no answer to getUpdates for 400s")
    assert lines[1] == "health check ok again"


async def test_an_old_backup_makes_the_bot_unhealthy_and_a_fresh_one_healthy_again(bot, health):
    """The daily backup's stored outcome (backup_runs) feeds /healthz: older than backup_age_hours (26) is a 503."""
    now = bot.clock.now()

    async def backup_finished(ago: timedelta, ok: bool = True) -> None:
        async with bot.db.transaction() as s:
            at = now - ago
            s.add(BackupRun(kind="daily", started_at=at, finished_at=at, ok=ok, path="x.db", size_bytes=1, error=None))

    await backup_finished(timedelta(hours=27))
    status, body = await health("/healthz")
    assert status == 503 and any("backup" in reason for reason in body["reasons"]), body
    await backup_finished(timedelta(hours=1), ok=False)  # a failed attempt does not count as a backup
    status, body = await health("/healthz")
    assert status == 503, body
    await backup_finished(timedelta(hours=2))
    status, body = await health("/healthz")
    assert status == 200, body
    assert 1.9 < body["backup"]["age_hours"] < 2.1


async def test_a_standby_waiting_for_the_lock_is_healthy_and_says_so(bot, health):
    """A hot standby polls nothing on purpose; once it takes over, polling is expected from then on."""
    metrics = bot.app.bot_data["services"].metrics
    metrics.standby = True
    metrics.started, metrics.last_poll_at = time.monotonic() - 3 * 3600, None  # waited three hours for the lock
    status, body = await health("/healthz")
    assert status == 200 and body["role"] == "standby", body
    metrics.became_active()
    status, body = await health("/healthz")
    assert status == 200 and body["role"] == "active", body  # not failed for the hours it waited


async def test_a_standby_only_pings_the_database_it_has_not_migrated_yet(bot, health, monkeypatch):
    """Waiting behind an older active process, the standby's schema may lack new tables: it reads none."""
    from models import health as queries

    async def missing_table(_s):
        raise RuntimeError("no such table: backup_runs")

    monkeypatch.setattr(queries, "last_backup_at", missing_table)
    bot.app.bot_data["services"].metrics.standby = True
    status, body = await health("/healthz")
    assert status == 200 and body["database"] == "ok" and "outbox" not in body, body
    status, text = await health("/metrics")
    assert sample(text, "actionbot_database_up") == 1
