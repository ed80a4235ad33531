"""Idle cost of a running bot: `python -m bench.idle [--seconds 60] [--db sqlite,postgresql]`.

The real bot process (`python -m bot --config FILE run`, as in production: migrations, dispatcher, its
jobs, the health server on) polls the fake Bot API server that runs here. After a short warm-up (a few
simulated users go through the benchmark script, so the code paths are loaded as in a bot that has served
people) nobody writes for `--seconds`; meanwhile /metrics is scraped every `--scrape` seconds, as Prometheus
would. Printed: resident memory (RSS, target ≤ 120 MB) and CPU. The yardstick, measured the same way in
the same run: a bare python-telegram-bot echo bot with default settings (bench/echo.py), polling with PTB's
default long-poll timeout like the bot does.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import re
import socket
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from bench.run import DEFAULT_PG, NetFake, cpu_seconds, database, stop_child
from bench.workload import Tally, run_users
from bot.logs import install_redaction
from tests.fakegram import FakeTelegram

ROOT = Path(__file__).resolve().parent.parent
RSS_TARGET_MB = 120.0


def rss_mb(pid: int) -> float:
    """Resident set size of a process in MB (VmRSS from /proc; 0 where unavailable)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def write_config(folder: Path, fake: FakeTelegram, db_url: str, health_port: int) -> Path:
    """config.example.toml pointed at the fake server, the database and a health port."""
    text = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    for key, value in (("token", fake.token), ("api_base_url", fake.url), ("url", db_url)):
        text, n = re.subn(rf'(?m)^{key} = ".*"$', f'{key} = "{value}"', text, count=1)
        assert n == 1, key
    text, n = re.subn(r"(?m)^port = 0$", f"port = {health_port}", text, count=1)
    assert n == 1, "[health] port"
    path = folder / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def tail(log: Path) -> str:
    return log.read_text(errors="replace")[-2000:]


@dataclass
class Idle:
    name: str
    seconds: float
    rss_end: float
    rss_max: float
    cpu: float  # CPU seconds of the bot process during the idle window
    scrapes: int = 0
    health: str = ""

    @property
    def cpu_pct(self) -> float:
        return 100 * self.cpu / self.seconds if self.seconds else 0.0


async def measure(name: str, fake: FakeTelegram, argv: list[str], args: argparse.Namespace, log: Path,
                  health_port: int = 0, buttons: bool = True) -> Idle:
    with log.open("wb") as err:
        proc = await asyncio.create_subprocess_exec(
            *argv, cwd=ROOT, stdin=asyncio.subprocess.DEVNULL, stdout=err, stderr=err
        )
    try:
        try:
            await fake.wait_for(lambda: any(m == "getUpdates" for m, _ in fake.requests), timeout=60)
        except TimeoutError:
            raise RuntimeError(f"{name} did not start polling:\n{tail(log)}") from None
        if args.warm_users:
            await run_users(fake, args.warm_users, Tally(), buttons, "Warm")
        await asyncio.sleep(args.settle)
        rss_max, scrapes, health = 0.0, 0, ""
        start, cpu0 = time.monotonic(), cpu_seconds(proc.pid)
        async with aiohttp.ClientSession() as http:
            next_scrape = start
            while (now := time.monotonic()) < start + args.seconds:
                rss_max = max(rss_max, rss_mb(proc.pid))
                if health_port and args.scrape and now >= next_scrape:
                    async with http.get(f"http://127.0.0.1:{health_port}/metrics") as resp:
                        await resp.read()
                        scrapes += resp.status == 200
                    next_scrape += args.scrape
                await asyncio.sleep(min(1.0, max(0.0, start + args.seconds - time.monotonic())))
            seconds, cpu = time.monotonic() - start, cpu_seconds(proc.pid) - cpu0
            rss_end = rss_mb(proc.pid)
            if health_port:
                async with http.get(f"http://127.0.0.1:{health_port}/healthz") as resp:
                    health = f"/healthz {resp.status}"
        if proc.returncode is not None:
            raise RuntimeError(f"{name} stopped:\n{tail(log)}")
        return Idle(name, seconds, rss_end, max(rss_max, rss_end), cpu, scrapes, health)
    finally:
        await stop_child(proc)


async def echo_idle(args: argparse.Namespace, folder: Path) -> Idle:
    async with NetFake() as fake:
        install_redaction(fake.token)
        argv = [sys.executable, "-m", "bench.idle_echo", fake.token, fake.url]
        return await measure("echo bot (PTB defaults)", fake, argv, args, folder / "echo.log", buttons=False)


async def actionbot_idle(args: argparse.Namespace, kind: str, folder: Path) -> Idle:
    async with database(kind, args.pg) as url, NetFake() as fake:
        install_redaction(fake.token)
        port = free_port()
        config = write_config(folder, fake, url, port)
        argv = [sys.executable, "-m", "bot", "--config", str(config), "run"]
        return await measure(f"actionbot ({kind})", fake, argv, args, folder / f"actionbot-{kind}.log", port)


def report(rows: list[Idle], args: argparse.Namespace) -> str:
    head = f"{'bot':<26} {'RSS MB':>8} {'max MB':>8} {'CPU %':>7} {'CPU ms/s':>9}  notes"
    lines = [head, "-" * len(head)]
    for r in rows:
        notes = ", ".join(x for x in (f"{r.scrapes} scrapes of /metrics" if r.scrapes else "", r.health) if x)
        lines.append(f"{r.name:<26} {r.rss_end:>8.1f} {r.rss_max:>8.1f} {r.cpu_pct:>7.2f} "
                     f"{1000 * r.cpu / r.seconds:>9.2f}  {notes}")
    echo = rows[0]
    for r in rows[1:]:
        verdict = "met" if r.rss_max <= RSS_TARGET_MB else "NOT met"
        lines.append(f"{r.name}: RSS ≤ {RSS_TARGET_MB:g} MB {verdict}; {r.rss_max - echo.rss_max:+.1f} MB and "
                     f"{r.cpu_pct - echo.cpu_pct:+.2f} CPU points against the echo bot")
    return "\n".join(lines)


async def run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)
    print(f"idle window {args.seconds:g} s after {args.warm_users} warm-up users and {args.settle:g} s to settle; "
          f"/metrics scraped every {args.scrape:g} s (actionbot); {os.cpu_count()} cores")
    sys.stdout.flush()
    with tempfile.TemporaryDirectory(prefix="actionbot-idle-") as tmp:
        rows = [await echo_idle(args, Path(tmp))]
        for kind in args.db:
            rows.append(await actionbot_idle(args, kind, Path(tmp)))
    print(report(rows, args))
    return 0 if all(r.rss_max <= RSS_TARGET_MB for r in rows[1:]) else 1


def main(argv: list[str] | None = None) -> int:
    description = __doc__.splitlines()[0] if __doc__ else None
    parser = argparse.ArgumentParser(prog="python -m bench.idle", description=description)
    parser.add_argument("--seconds", type=float, default=60, help="idle window (default 60)")
    parser.add_argument("--warm-users", type=int, default=10, help="users running the script first (default 10)")
    parser.add_argument("--settle", type=float, default=5, help="seconds between warm-up and measuring (default 5)")
    parser.add_argument("--scrape", type=float, default=15, help="scrape /metrics every N s, 0: never (default 15)")
    parser.add_argument("--db", type=lambda s: s.split(","), default=["sqlite"], help="sqlite,postgresql")
    parser.add_argument("--pg", default=DEFAULT_PG, help="PostgreSQL admin DSN; a throwaway database is created")
    args = parser.parse_args(argv)
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
