"""One active process per database: a hot standby on PostgreSQL, a single process on SQLite.

Real `actionbot run` processes (tests/standby_helpers.py) against the fake Bot API server: the active one is
killed (kill -9) or loses its lock connection in the middle of a broadcast or a burst of reminders, and the
standby takes over. Delivery contract (docs/architecture.md, Guarantees): every row delivered; only rows in flight
at the crash (`sending`, "unknown outcome") can be repeated, once each; no duplicate in normal operation.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from datetime import UTC, datetime

import asyncpg
import pytest

from bot import startup
from bot.application import prepare
from core.config import load_config
from models import outbox
from models.tables import Outbox
from tests.announce_helpers import ANNOUNCE_TEXT, body
from tests.conftest import PG_URL
from tests.standby_helpers import (
    MANAGER_ID,
    BotProcess,
    announce_to_all,
    first_active,
    seed_people,
    seed_reminders,
    write_config,
)

postgres_only = pytest.mark.skipif(not PG_URL, reason="the hot standby needs PostgreSQL")
REMINDER = "⏰ Erinnerung"


def copies(fake, predicate) -> Counter[int]:
    """How many messages matching `predicate(text)` each chat received (the sender's preview, which shows the
    announcement as it will arrive, not counted)."""
    return Counter(
        p["chat_id"]
        for m, p in fake.requests
        if m == "sendMessage" and predicate(str(p.get("text", ""))) and p["chat_id"] != MANAGER_ID
    )


def recovered_unknown(proc: BotProcess) -> int:
    """Rows the process found `sending` at its start (outcome unknown: the ones allowed to arrive twice)."""
    found = [re.search(r"unknown_outcome=(\d+)", line) for line in proc.lines if "outbox recovered" in line]
    return sum(int(m.group(1)) for m in found if m)


async def all_sent(db, *kinds: str, timeout: float = 120) -> dict[str, int]:  # noqa: ASYNC109
    async with asyncio.timeout(timeout):
        while True:
            async with db.transaction() as s:
                counts = await outbox.counts(s, Outbox.kind.in_(kinds))
            if set(counts) == {"sent"}:
                return counts
            await asyncio.sleep(0.2)


async def lock_holder_terminated(db_url: str) -> int:
    """Terminate the session holding the bot's advisory lock (as a failed network or database restart would)."""
    conn = await asyncpg.connect(db_url.replace("postgresql+asyncpg", "postgresql"))
    try:
        pid = await conn.fetchval(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        )
        assert pid is not None
        assert await conn.fetchval("SELECT pg_terminate_backend($1)", pid)
        return int(pid)
    finally:
        await conn.close()


async def test_a_second_process_on_the_same_sqlite_file_is_refused_with_one_line(fake, tmp_path):
    config = write_config(tmp_path / "config.toml", fake, f"sqlite+aiosqlite:///{tmp_path}/bot.db")
    first = await BotProcess(config, "first").start()
    try:
        await first.wait_for("polling as")
        second = await BotProcess(config, "second").start()
        assert await second.wait() == startup.ALREADY_RUNNING
        assert len(second.lines) == 1, second.lines
        assert second.lines[0].startswith("actionbot: another actionbot process is running on the SQLite file")
        assert f"{tmp_path}/bot.db.lock" in second.lines[0]
        assert first.proc is not None and first.proc.returncode is None  # the first one runs on, untouched
    finally:
        await first.stop()
    third = await BotProcess(config, "third").start()  # once the first has stopped, the file is free again
    try:
        await third.wait_for("polling as")
    finally:
        await third.stop()
    assert third.proc is not None and third.proc.returncode == 0


@postgres_only
async def test_kill_9_of_the_active_process_mid_broadcast_the_standby_delivers_the_rest(fake, db, tmp_path):
    users = [fake.user(f"P{i}") for i in range(200)]
    manager = fake.user("Maria", user_id=MANAGER_ID)
    await seed_people(db, [manager, *users], datetime.now(UTC))
    config = write_config(tmp_path / "config.toml", fake, db.url)
    procs = [await BotProcess(config, name).start() for name in ("a", "b")]
    try:
        active = await first_active(procs)
        standby = next(p for p in procs if p is not active)
        await standby.wait_for("standby: another process is active")
        assert not standby.saw("polling as")  # exactly one polls

        await announce_to_all(manager, ANNOUNCE_TEXT)
        def is_announcement(text: str | None) -> bool:
            return body(text) == ANNOUNCE_TEXT

        await fake.wait_for(lambda: sum(copies(fake, is_announcement).values()) >= 50, timeout=60)
        active.kill()
        assert await active.wait() == -9
        assert sum(copies(fake, is_announcement).values()) < 200  # killed in the middle
        await standby.wait_for("polling as")
        assert await all_sent(db, "announcement") == {"sent": 201}
        got = copies(fake, is_announcement)
        assert set(got) == {u.user_id for u in users}  # every row delivered (the manager's too: all_sent)
        twice = [chat for chat, n in got.items() if n > 1]
        assert max(got.values()) <= 2 and len(twice) <= recovered_unknown(standby)

        # normal operation, the killed one back as the standby: not a single duplicate
        again = await BotProcess(config, "a2").start()
        procs.append(again)
        await again.wait_for("standby: another process is active")
        second = "Zweite Runde: Treffen am Markt"
        await announce_to_all(manager, second)
        def is_second(text: str | None) -> bool:
            return body(text) == second

        await fake.wait_for(lambda: len(copies(fake, is_second)) == 200, timeout=60)
        assert await all_sent(db, "announcement") == {"sent": 402}
        assert set(copies(fake, is_second).values()) == {1}
        assert not again.saw("polling as")
    finally:
        for p in procs:
            await p.stop()


@postgres_only
@pytest.mark.parametrize("how", ["kill -9", "lock connection lost"])
async def test_the_active_process_dies_mid_reminder_burst_and_the_standby_sends_the_rest(fake, db, tmp_path, how):
    members = [fake.user(f"M{i}") for i in range(150)]
    manager = fake.user("Maria", user_id=MANAGER_ID)
    now = datetime.now(UTC)
    config = write_config(tmp_path / "config.toml", fake, db.url)
    await prepare(load_config(str(config)), db)  # the configured teams, as the bot makes them on start
    await seed_people(db, [manager], now)
    await seed_people(db, members, now, team_slug="daseinsvorsorge")
    reminders = await seed_reminders(db, "daseinsvorsorge", now, load_config(str(config)).meetings)
    assert reminders == 150
    is_reminder = lambda text: text.startswith(REMINDER)  # noqa: E731
    procs = [await BotProcess(config, name).start() for name in ("a", "b")]
    try:
        active = await first_active(procs)
        standby = next(p for p in procs if p is not active)
        await fake.wait_for(lambda: sum(copies(fake, is_reminder).values()) >= 30, timeout=60)
        if how == "kill -9":
            active.kill()
            assert await active.wait() == -9
        else:
            await lock_holder_terminated(db.url)
            await active.wait_for("stopped sending; waiting as the standby")  # it stopped sending on its own
            lost = next(i for i, line in enumerate(active.lines) if "lost the database lock" in line)
            assert " WARNING actionbot.standby: lost the database lock (" in active.lines[lost]
            await standby.wait_for("polling as")
            await active.wait_for("standby: another process is active")  # stays up, waiting for the lock again
            assert active.proc is not None and active.proc.returncode is None
            assert not any("polling as" in line or "outbox recovered" in line for line in active.lines[lost:])
        assert sum(copies(fake, is_reminder).values()) < 150  # it died in the middle
        await standby.wait_for("polling as")
        await all_sent(db, "reminder", "invitation")
        got = copies(fake, is_reminder)
        assert set(got) == {u.user_id for u in members}  # every reminder delivered
        twice = [chat for chat, n in got.items() if n > 1]
        assert max(got.values()) <= 2 and len(twice) <= recovered_unknown(standby)
    finally:
        for p in procs:
            await p.stop()
