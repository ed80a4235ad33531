"""A database outage under the hot standby, old behaviour against new: `python -m bench.outage [--seconds 60]`.

Two real `actionbot run` processes per variant reach a throwaway PostgreSQL database through a TCP proxy
(tests/tcp_proxy.py); the proxy is cut for `--seconds` (connections reset, new ones refused, as when PostgreSQL
stops) and restored. A supervisor stands in for systemd: a process that exits with a transient code is started
again 10 s later (the unit's RestartSec; Debian 12's systemd 252 has no growing pause). `old` is the code at
`--old` (default: the commit before the stay-up change), unpacked with `git archive`; `new` is this checkout.

Measured per variant: exits during the outage, how many /healthz probes (one per second per process) got an
answer during it, and from the moment the database is back: when a process polls again and when the first
message of an announcement planned at that moment arrives; then every recipient must have it exactly once.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import aiohttp

from bench.failover import announce
from bench.run import DEFAULT_PG, database
from bot.application import prepare
from bot.logs import install_redaction
from core.config import load_config
from models.db import Database
from tests.announce_helpers import body
from tests.fakegram import FakeTelegram
from tests.standby_helpers import MANAGER_ID, ROOT, BotProcess, seed_people, write_config
from tests.tcp_proxy import TcpProxy

OLD = "b0e529a"  # the last commit before the process stayed up through a database outage
RESTART_SEC = 10.0
TEXT = "Nach der Pause"  # the announcement planned the moment the database is back
PERMANENT = {2, 3, 4, 5, 6, 7}


@dataclass
class Variant:
    name: str
    root: Path
    procs: list[BotProcess] = field(default_factory=list)
    exits: list[int] = field(default_factory=list)
    probes: int = 0
    answered: int = 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def config_for(variant: Variant, path: Path, fake: FakeTelegram, url: str) -> tuple[Path, int]:
    write_config(path, fake, url)
    port = free_port()
    text = re.sub(r"(?m)^port = 0$", f"port = {port}", path.read_text(encoding="utf-8"), count=1)
    if not (variant.root / "bot" / "waiting.py").exists():  # the old config knows no wait_minutes
        text = re.sub(r"(?m)^wait_minutes = .*\n", "", text)
    path.write_text(text, encoding="utf-8")
    return path, port


async def supervise(variant: Variant, config: Path, name: str, stop: asyncio.Event) -> None:
    """Start `name` and start it again RestartSec after each transient exit, as systemd would."""
    run = 0
    while not stop.is_set():
        proc = await BotProcess(config, f"{name}{run}", variant.root).start()
        variant.procs.append(proc)
        assert proc.proc is not None
        waiting = asyncio.ensure_future(proc.proc.wait())
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait((waiting, stopping), return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if stop.is_set():
            waiting.cancel()
            await proc.stop()
            return
        code = waiting.result()
        variant.exits.append(code)
        if code == 0 or code in PERMANENT:
            return
        run += 1
        try:
            await asyncio.wait_for(stop.wait(), RESTART_SEC)
        except TimeoutError:
            pass


async def probe(variant: Variant, ports: list[int], until: asyncio.Event) -> None:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as http:
        while not until.is_set():
            for port in ports:
                variant.probes += 1
                try:
                    async with http.get(f"http://127.0.0.1:{port}/healthz") as resp:
                        await resp.read()
                        variant.answered += 1
                except (aiohttp.ClientError, TimeoutError):
                    pass
            await asyncio.sleep(1)


def polling_lines(variant: Variant) -> int:
    return sum(1 for p in variant.procs for line in p.lines if "polling as" in line)


async def measure(variant: Variant, seconds: float, pg: str) -> dict[str, float | int | str]:
    async with database("postgresql", pg) as url, FakeTelegram() as fake:
        install_redaction(fake.token)
        with tempfile.TemporaryDirectory(prefix=f"actionbot-outage-{variant.name}-") as tmp:
            proxy = await TcpProxy.to(url).start()
            configs = [config_for(variant, Path(tmp) / f"{n}.toml", fake, proxy.url(url)) for n in ("a", "b")]
            config = load_config(str(configs[0][0]))
            db = Database(url)
            await prepare(config, db)
            users = [fake.user(f"P{i}") for i in range(50)]
            await seed_people(db, [fake.user("Maria", user_id=MANAGER_ID), *users], datetime.now(UTC))
            stop = asyncio.Event()
            supervisors = [asyncio.create_task(supervise(variant, path, n, stop)) for n, (path, _) in zip(
                "ab", configs, strict=True)]  # fmt: skip
            try:
                async with asyncio.timeout(90):
                    while polling_lines(variant) < 1 or not any(p.saw("standby:") for p in variant.procs):  # noqa: ASYNC110
                        await asyncio.sleep(0.1)
                await proxy.cut()
                exits_before = len(variant.exits)
                during = asyncio.Event()
                prober = asyncio.create_task(probe(variant, [port for _, port in configs], during))
                await asyncio.sleep(seconds)
                during.set()
                await prober
                polled_before = polling_lines(variant)
                sent_before = len(fake.requests)
                await proxy.restore()
                back = time.monotonic()
                await announce(db, TEXT, [t.key for t in config.towns], [g.key for g in config.groups])
                first_message = polling_again = None
                async with asyncio.timeout(120):
                    while first_message is None or polling_again is None:
                        if polling_again is None and polling_lines(variant) > polled_before:
                            polling_again = time.monotonic() - back
                        sends = [p for m, p in fake.requests[sent_before:] if m == "sendMessage"]
                        if first_message is None and any(body(p.get("text")) == TEXT for p in sends):
                            first_message = time.monotonic() - back
                        await asyncio.sleep(0.05)
                async with asyncio.timeout(60):
                    while len(copies(fake)) < len(users) + 1:  # noqa: ASYNC110
                        await asyncio.sleep(0.1)
                await asyncio.sleep(2)
                got = copies(fake)
            finally:
                stop.set()
                await asyncio.gather(*supervisors, return_exceptions=True)
                await proxy.close()
                await db.dispose()
    return {
        "exits during the outage": len(variant.exits) - exits_before,
        "healthz answered": f"{variant.answered}/{variant.probes}",
        "polling again after": round(polling_again, 2),
        "first message after": round(first_message, 2),
        "recipients": f"{len(got)}, max copies {max(got.values())}",
    }


def copies(fake: FakeTelegram) -> Counter[int]:
    """Copies of the announcement per chat, read below its header line (📣 Mitteilung von …) where it has one."""
    return Counter(p["chat_id"] for m, p in fake.requests if m == "sendMessage" and body(p.get("text")) == TEXT)


def unpack(ref: str, into: Path) -> Path:
    """The tree of `ref` in a directory of its own (`git archive`, no worktree, nothing checked out here)."""
    archive = subprocess.run(["git", "archive", ref], cwd=ROOT, check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


async def run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)
    with tempfile.TemporaryDirectory(prefix="actionbot-old-") as old_dir:
        variants = [Variant("old", unpack(args.old, Path(old_dir))), Variant("new", ROOT)]
        results = {}
        for variant in variants:
            print(f"{variant.name}: {args.seconds:g} s without the database ...", flush=True)
            results[variant.name] = await measure(variant, args.seconds, args.pg)
    print(f"\n{'':<26}" + "".join(f"{v.name:>22}" for v in variants))
    for key in results["new"]:
        print(f"{key:<26}" + "".join(f"{results[v.name][key]!s:>22}" for v in variants))
    print(
        f"\n(old: `{args.old}`, restarted {RESTART_SEC:g} s after each exit like the systemd unit; times in seconds "
        "from the database's return)"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.outage", description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="how long the database is cut off")
    parser.add_argument("--old", default=OLD, help="git ref of the old behaviour")
    parser.add_argument("--pg", default=DEFAULT_PG, help="PostgreSQL admin DSN; throwaway databases are made in it")
    return asyncio.run(run(parser.parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
