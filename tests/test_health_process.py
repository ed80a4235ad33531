"""`actionbot run` as a real process: the health server it starts and the JSON log lines it writes."""

from __future__ import annotations

import asyncio
import json
import re
import signal
import socket
import sys
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_config(path: Path, fake, db_url: str, health_port: int) -> Path:
    text = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    for key, value in (("token", fake.token), ("api_base_url", fake.url), ("url", db_url), ("format", "json")):
        text, n = re.subn(rf'(?m)^{key} = ".*"$', f'{key} = "{value}"', text, count=1)
        assert n == 1, key
    text, n = re.subn(r"(?m)^port = 0$", f"port = {health_port}", text, count=1)
    assert n == 1
    path.write_text(text, encoding="utf-8")
    return path


async def get_healthz(port: int) -> tuple[int, dict]:
    async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/healthz") as resp:
        return resp.status, await resp.json()


async def test_the_bot_process_serves_healthz_and_logs_json_lines_without_the_token(fake, db, tmp_path):
    port = free_port()
    config = write_config(tmp_path / "config.toml", fake, db.url, port)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "--config", str(config), "run",
        cwd=ROOT, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stderr is not None
    stderr = asyncio.create_task(proc.stderr.read())
    try:
        await fake.wait_for(lambda: any(m == "getUpdates" for m, _ in fake.requests), timeout=60)
        replies = await fake.user("Anna").send("/start")
        assert "Datenschutz" in replies[-1].text
        status, body = await get_healthz(port)
        assert status == 200, body
        assert body["database"] == "ok" and body["last_poll_seconds_ago"] < 60
        async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/metrics") as resp:
            metrics = await resp.text()
        assert 'actionbot_updates_total{kind="command",outcome="ok"} 1.0' in metrics
    finally:
        proc.send_signal(signal.SIGTERM)
        async with asyncio.timeout(30):
            code = await proc.wait()
    log = (await stderr).decode()
    assert code == 0, log
    assert fake.token not in log and fake.token.split(":")[1] not in log
    entries = [json.loads(line) for line in log.splitlines()]  # every line one JSON object
    messages = [e["message"] for e in entries]
    assert any(m.startswith("polling as @") for m in messages) and "stopping" in messages
    assert all({"time", "level", "logger", "message"} <= set(e) for e in entries)


async def test_a_taken_health_port_stops_the_bot_with_one_line(fake, db, tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        config = write_config(tmp_path / "config.toml", fake, db.url, taken.getsockname()[1])
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "--config", str(config), "run",
            cwd=ROOT, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        _, err = await proc.communicate()
    assert proc.returncode == 2
    entries = [json.loads(line) for line in err.decode().strip().splitlines()]  # JSON configured: JSON lines only
    last = entries[-1]
    assert last["message"].startswith("config error: health.port: cannot listen on 127.0.0.1:")
    assert (last["level"], last["exit_code"]) == ("ERROR", 2)
    assert "Traceback" not in err.decode()
