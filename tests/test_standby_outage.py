"""Stay up and say why: the database goes away for 60 s under the active process and its standby.

Two real `actionbot run` processes reach PostgreSQL through a TCP proxy (tests/tcp_proxy.py) that the test cuts
(connections reset, new ones refused, as when PostgreSQL stops) and restores; the machine's PostgreSQL keeps
running. Neither process exits: both wait, /healthz answers 503 with the reason and since when, /metrics keeps
serving; nothing is sent to Telegram during the outage; afterwards exactly one takes the lock again and an
announcement reaches everybody exactly once.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest

from bench.failover import announce
from core.config import load_config
from tests.announce_helpers import body
from tests.conftest import PG_URL
from tests.standby_helpers import MANAGER_ID, BotProcess, first_active, seed_people, write_config
from tests.tcp_proxy import TcpProxy
from tests.test_health_process import free_port

postgres_only = pytest.mark.skipif(not PG_URL, reason="the hot standby needs PostgreSQL")
OUTAGE = 60.0  # seconds, as the issue measured it


def config_with_health(path: Path, fake, url: str) -> tuple[Path, int]:
    write_config(path, fake, url)
    port = free_port()
    text, n = re.subn(r"(?m)^port = 0$", f"port = {port}", path.read_text(encoding="utf-8"), count=1)
    assert n == 1
    path.write_text(text, encoding="utf-8")
    return path, port


async def get(port: int, what: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/{what}") as resp:
        return resp.status, await resp.text()


def sends(fake, since: int = 0) -> list[str]:
    """Bot API calls that reach people or take updates, from request number `since` on."""
    return [m for m, _ in fake.requests[since:] if m in ("sendMessage", "getUpdates", "editMessageText")]


@postgres_only
async def test_sixty_seconds_without_the_database_both_processes_stay_up_and_one_sends_afterwards(fake, db, tmp_path):
    users = [fake.user(f"P{i}") for i in range(20)]
    manager = fake.user("Maria", user_id=MANAGER_ID)
    await seed_people(db, [manager, *users], datetime.now(UTC))
    proxy = await TcpProxy.to(db.url).start()
    configs = [config_with_health(tmp_path / f"{name}.toml", fake, proxy.url(db.url)) for name in ("a", "b")]
    procs = [await BotProcess(path, name).start() for name, (path, _) in zip("ab", configs, strict=True)]
    ports = {p.name: port for p, (_, port) in zip(procs, configs, strict=True)}
    try:
        active = await first_active(procs)
        standby = next(p for p in procs if p is not active)
        await standby.wait_for("standby: another process is active")

        await proxy.cut()
        cut_at = time.monotonic()
        await active.wait_for("stopped sending; waiting as the standby", timeout=15)
        for p in procs:
            await p.wait_for("Datenbank nicht erreichbar seit", timeout=15)
        await active.wait_for("Application.stop() complete", timeout=15)  # after its last getUpdates (confirming)
        quiet_from = len(fake.requests)  # from here on nobody may send or poll
        for p in procs:
            status, body = await get(ports[p.name], "healthz")
            assert status == 503, body
            assert '"role": "standby"' in body and '"waiting": "for the database"' in body
            assert re.search(r"database unreachable since \d{4}-\d\d-\d\dT[\d:]+\+00:00 \(", body), body
            status, metrics = await get(ports[p.name], "metrics")
            assert status == 200 and "actionbot_database_up 0.0" in metrics
            assert 'actionbot_outages_total{dependency="database"} 1.0' in metrics
        await asyncio.sleep(max(0.0, OUTAGE - (time.monotonic() - cut_at)))
        assert sends(fake, quiet_from) == []
        assert all(p.proc is not None and p.proc.returncode is None for p in procs)  # both stayed up

        restored = {p.name: len(p.lines) for p in procs}
        await proxy.restore()
        polling_again = await first_active(procs_after(procs, restored), timeout=40)
        other = next(p for p in procs if p.name != polling_again.name)
        await wait_after(other, "standby: another process is active", restored[other.name])
        assert not any("polling as" in line for line in other.lines[restored[other.name] :])
        for p in procs:
            assert sum("Datenbank nicht erreichbar seit" in line for line in p.lines) == 1, p.lines
            assert sum("Datenbank wieder erreichbar nach" in line for line in p.lines) == 1, p.lines
            assert not any(" ERROR " in line or "Traceback" in line for line in p.lines), p.lines
        status, _ = await get(ports[polling_again.name], "healthz")
        assert status == 200

        text = "Nach der Pause: Treffen am Markt"
        config = load_config(str(configs[0][0]))
        await announce(db, text, [t.key for t in config.towns], [g.key for g in config.groups])
        await fake.wait_for(lambda: len(copies(fake, text)) == len(users) + 1, timeout=60)
        await asyncio.sleep(2)
        assert set(copies(fake, text).values()) == {1}  # one process sent, each person once
    finally:
        for p in procs:
            await p.stop()
            print(f"--- {p.name}", *p.lines, sep="\n")  # shown when the test fails
        await proxy.close()
    assert all(p.proc is not None and p.proc.returncode == 0 for p in procs)


async def wait_after(proc: BotProcess, text: str, start: int, timeout: float = 40) -> None:  # noqa: ASYNC109
    async with asyncio.timeout(timeout):
        while not any(text in line for line in proc.lines[start:]):  # noqa: ASYNC110
            await asyncio.sleep(0.1)


def copies(fake, text: str) -> Counter[int]:
    """How many copies of the announcement `text` each chat received, read below its header line (📣 Mitteilung
    von …): compared whole, no copy would ever match and the delivery would look missing."""
    return Counter(p["chat_id"] for m, p in fake.requests if m == "sendMessage" and body(p.get("text")) == text)


class _After:
    """A view of a process that only sees the lines it wrote after `start` (for `first_active`)."""

    def __init__(self, proc: BotProcess, start: int) -> None:
        self.proc, self.start, self.name = proc, start, proc.name

    def saw(self, text: str) -> bool:
        return any(text in line for line in self.proc.lines[self.start :])


def procs_after(procs: list[BotProcess], restored: dict[str, int]) -> list[BotProcess]:
    return [_After(p, restored[p.name]) for p in procs]  # type: ignore[misc]
