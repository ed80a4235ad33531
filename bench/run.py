"""Run the benchmark: a bare PTB echo bot and actionbot against the fake Bot API server, per database.

The fake server and the simulated users run here; the bot under test runs in a process of its own
(bench/child.py), as in production where the Bot API is another machine. In each phase `--users`
simulated users run the same script once, each in a closed loop (a user waits for the bot's answer
before the next step), so every bot gets exactly the same updates. Latency is measured by the fake
server from enqueueing an update to the bot's first sendMessage/editMessageText in that chat.

Two network scenarios: loopback (the fake server answers at once, so every bot is CPU-bound) and a
simulated round trip (`--rtt-ms`, default 20 ms: each Bot API request is answered that much later, like a
server near Telegram's data centre; Telegram itself is farther away from most bots).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import logging
import os
import pstats
import signal
import sys
import tempfile
import time
import tomllib
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
from aiohttp import web

from bench.dialogue import INTERVAL, Dialogue, run_dialogue, seed_meeting
from bench.workload import SCRIPT, Tally, run_user, run_users
from bot.application import prepare
from bot.logs import install_redaction
from core.config import Config, parse_config
from models.db import Database
from tests.fakegram import FakeTelegram

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PG = os.environ.get("ACTIONBOT_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


class ChildErrors:
    """Counts the bot process's ERROR log lines (one line each, see bench/child.py) and keeps a few."""

    def __init__(self) -> None:
        self.count = 0
        self.first: list[str] = []
        self.tail: list[str] = []

    def line(self, text: str) -> None:
        self.tail = [*self.tail[-20:], text]
        if text.startswith("child ERROR") or text.startswith("child CRITICAL"):
            self.count += 1
            if len(self.first) < 3:
                self.first.append(text[len("child ") :][:300])


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process so far, from /proc (0 where that is unavailable)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Result:
    name: str
    updates: int
    seconds: float
    latencies_ms: list[float]
    errors: int
    api_errors: int
    tally: Tally
    notes: list[str] = field(default_factory=list)
    calls: dict[str, float] = field(default_factory=dict)
    cpu: float = 0.0  # the bot process's CPU seconds (all threads) during the measured phase
    driver_cpu: float = 0.0  # the benchmark process's (fake server + users) CPU seconds
    dialogue: Dialogue = field(default_factory=Dialogue)  # one person at human speed during the load

    @property
    def rate(self) -> float:
        return self.updates / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        data = sorted(self.latencies_ms)
        return data[min(len(data) - 1, int(q * len(data)))]


async def stop_child(proc: asyncio.subprocess.Process, grace: float = 30) -> None:
    """SIGTERM (the bot's clean stop), then SIGKILL if it has not ended after `grace` seconds."""
    if proc.returncode is None:
        proc.send_signal(signal.SIGTERM)
    try:
        async with asyncio.timeout(grace):
            await proc.wait()
    except TimeoutError:
        proc.kill()
        await proc.wait()


def make_config_data(token: str, api_url: str, db_url: str) -> dict[str, Any]:
    data = tomllib.loads((ROOT / "config.example.toml").read_text(encoding="utf-8"))
    data["telegram"]["token"] = token
    data["telegram"]["api_base_url"] = api_url
    data["database"]["url"] = db_url
    return data


def make_config(fake: FakeTelegram, db_url: str) -> Config:
    return parse_config(make_config_data(fake.token, fake.url, db_url), env={})


class NetFake(FakeTelegram):
    """The fake server, answering every Bot API request `rtt` seconds late (a network round trip)."""

    rtt = 0.0

    async def _handle(self, request: web.Request) -> web.Response:
        if self.rtt:
            await asyncio.sleep(self.rtt)
        return await super()._handle(request)


@asynccontextmanager
async def database(kind: str, pg_admin: str) -> AsyncIterator[str]:
    """A throwaway database URL: a SQLite file in a temp dir, or a fresh PostgreSQL database (dropped after)."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="actionbot-bench-") as tmp:
            yield f"sqlite+aiosqlite:///{tmp}/bench.db"
        return
    name = f"actionbot_bench_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(pg_admin)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    try:
        yield f"postgresql+asyncpg://{pg_admin.split('://', 1)[1].rsplit('/', 1)[0]}/{name}"
    finally:
        conn = await asyncpg.connect(pg_admin)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()


async def measure(name: str, fake: FakeTelegram, child_args: list[str], args: argparse.Namespace, users: int) -> Result:
    """Start the bot process, warm up, then let `users` users each run the script once (closed loop)."""
    errors = ChildErrors()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.child", *child_args, cwd=ROOT,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    stdout, stderr = proc.stdout, proc.stderr

    async def read_errors() -> None:
        async for raw in stderr:
            errors.line(raw.decode(errors="replace").rstrip())

    async def read_processed() -> None:
        async for raw in stdout:
            fake.mark_processed(int(raw))

    err_task = asyncio.create_task(read_errors())
    done_task: asyncio.Task[None] | None = None
    try:
        async with asyncio.timeout(60):
            ready = await stdout.readline()
        if ready.strip() != b"R":
            await proc.wait()
            await err_task
            raise RuntimeError(f"{name} did not start: " + "\n".join(errors.tail))
        fake.track_processing = True
        done_task = asyncio.create_task(read_processed())
        if args.warmup:
            await run_users(fake, args.warmup, Tally(), name.startswith("actionbot"), "Warm")
        fake.latencies.clear()
        fake.stats.clear()
        fake.requests.clear()
        errors.count, errors.first = 0, []
        tally = Tally()
        start, cpu, driver = time.perf_counter(), cpu_seconds(proc.pid), time.process_time()
        work = asyncio.create_task(run_users(fake, users, tally, name.startswith("actionbot"), "User"))
        person = asyncio.create_task(run_dialogue(fake, work, name.startswith("actionbot")))
        done, _ = await asyncio.wait({work}, timeout=args.max_seconds)
        seconds = time.perf_counter() - start
        cut = not done  # a busy machine: count what was done in time, abandon the rest
        cpu = cpu_seconds(proc.pid) - cpu
        driver = time.process_time() - driver
        updates, latencies = tally.updates, [x * 1000 for x in fake.latencies]
        stats, calls = Counter(fake.stats), Counter(name for name, _ in fake.requests)
        bot_errors, bot_error_lines = errors.count, list(errors.first)
        if cut:
            work.cancel()
            await asyncio.gather(work, return_exceptions=True)
        try:
            async with asyncio.timeout(90):
                dialogue = await person
        except TimeoutError:
            dialogue = Dialogue(failures=["the dialogue did not finish"])
    finally:
        await stop_child(proc)
        await err_task
        if done_task is not None:
            done_task.cancel()
    api_errors = sum(n for k, n in stats.items() if k.isdigit())
    result = Result(name, updates, seconds, latencies, bot_errors, api_errors, tally)
    result.cpu = cpu
    result.driver_cpu = driver
    result.dialogue = dialogue
    result.notes.extend(f"dialogue: {f}" for f in dialogue.failures[:2])
    result.calls = {k: n / max(1, updates) for k, n in calls.most_common()}
    result.notes.extend(bot_error_lines)
    if api_errors:
        result.notes.append(f"Bot API error answers: {dict((k, n) for k, n in stats.items() if k.isdigit())}")
    result.notes.extend(tally.failures[:3])
    if cut:
        result.notes.append(f"cut after {args.max_seconds:g} s: {updates} of {users * len(SCRIPT)} updates done")
    return result


async def echo_phase(args: argparse.Namespace, rtt: float) -> Result:
    fake = NetFake()
    fake.rtt = rtt
    async with fake:
        install_redaction(fake.token)
        users = args.users if not rtt else args.rtt_users
        return await measure("echo bot (PTB defaults)", fake, ["echo", fake.token, fake.url], args, users)


async def prepare_database(fake: FakeTelegram, url: str) -> None:
    """Migrations and teams, before the bot starts; and the meeting the dialogue's person is invited to."""
    db = Database(url)
    try:
        await prepare(make_config(fake, url), db)
    finally:
        await db.dispose()
    await seed_meeting(make_config(fake, url), url)


async def actionbot_phase(args: argparse.Namespace, kind: str, rtt: float, ptb_defaults: bool, profile: str) -> Result:
    fake = NetFake()
    fake.rtt = rtt
    async with database(kind, args.pg) as url, fake:
        install_redaction(fake.token)
        await prepare_database(fake, url)
        child = ["actionbot-ptb" if ptb_defaults else "actionbot", fake.token, fake.url, url,
                 "--concurrency", str(args.concurrency)]
        if not args.db_options:
            child.append("--no-db-options")
        if profile:
            child += ["--profile", profile]
        if args.uvloop:
            child.append("--uvloop")
        if args.overall_per_second is not None:
            child += ["--overall-per-second", str(args.overall_per_second)]
        name = "actionbot (PTB defaults)" if ptb_defaults else "actionbot"
        return await measure(name, fake, child, args, args.users if not rtt else args.rtt_users)


async def per_update_phase(args: argparse.Namespace, kind: str) -> dict[str, list[float]]:
    """One user at a time through the workload (so each update runs alone): per kind of update, how many SQL
    statements and how much CPU (bench/child.py `PerUpdate`); with --profile also a cProfile of this pass."""
    fake = NetFake()
    path = per_update_path(kind)
    async with database(kind, args.pg) as url, fake:
        install_redaction(fake.token)
        await prepare_database(fake, url)
        child = ["actionbot", fake.token, fake.url, url, "--concurrency", str(args.concurrency), "--per-update", path]
        if args.profile:
            child += ["--profile", f"{path}.prof"]
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.child", *child, cwd=ROOT,
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        assert proc.stdout is not None
        stdout = proc.stdout

        async def read_processed() -> None:
            async for raw in stdout:
                fake.mark_processed(int(raw))

        done_task: asyncio.Task[None] | None = None
        try:
            async with asyncio.timeout(60):
                if (await stdout.readline()).strip() != b"R":
                    raise RuntimeError("the bot did not start for the per-update pass")
            fake.track_processing = True
            done_task = asyncio.create_task(read_processed())
            tally = Tally()
            for i in range(args.per_update_users + 2):  # two warm-up users, not counted (first name "Warm")
                user = fake.user(first_name=f"{'Warm' if i < 2 else 'Prof'}{i}", language_code="de")
                await run_user(user, SCRIPT, tally, True)
        finally:
            await stop_child(proc)
            if done_task is not None:
                done_task.cancel()
    return read_json(path)


def per_update_path(kind: str) -> str:
    """Where the bot process leaves the per-update figures (one file per benchmark process: runs may overlap)."""
    return str(Path(tempfile.gettempdir()) / f"actionbot-bench-per-update-{kind}-{os.getpid()}.json")


def read_json(path: str) -> dict[str, list[float]]:
    data: dict[str, list[float]] = json.loads(Path(path).read_text(encoding="utf-8"))
    return data


def package_of(filename: str) -> str:
    """`sqlalchemy`, `telegram`, `asyncio`, `bot`, ... for a profiled function's file ('~': built-ins)."""
    if filename == "~":
        return "built-in (C)"
    parts = Path(filename).parts
    if "site-packages" in parts:
        return parts[parts.index("site-packages") + 1]
    if str(ROOT) in filename:
        return Path(filename).relative_to(ROOT).parts[0]
    return f"stdlib {Path(filename).parent.name}/{Path(filename).stem}".replace("stdlib python3.11/", "stdlib ")


def per_update_table(kind: str, data: dict[str, list[float]], profile_lines: int, show_sql: bool = False) -> str:
    path = per_update_path(kind)
    lines = [f"== {kind}: per update, one at a time, replies unpaced (SQL statements and bot CPU per update of each "
             "kind) ==",
             f"{'update':<22} {'count':>6} {'SQL/upd':>8} {'cpu ms/upd':>10}"]
    total = [0.0, 0.0, 0.0]
    for name, (n, statements, cpu) in sorted(data.items(), key=lambda kv: -kv[1][2] / max(1, kv[1][0])):
        lines.append(f"{name:<22} {int(n):>6} {statements / n:>8.1f} {1000 * cpu / n:>10.2f}")
        total = [total[0] + n, total[1] + statements, total[2] + cpu]
    if total[0]:
        lines.append(f"{'all':<22} {int(total[0]):>6} {total[1] / total[0]:>8.1f} {1000 * total[2] / total[0]:>10.2f}")
    if show_sql and Path(f"{path}.sql").exists():
        lines.append("-- the statements of each kind's first update:")
        sql: dict[str, list[str]] = json.loads(Path(f"{path}.sql").read_text(encoding="utf-8"))
        for name, texts in sql.items():
            lines.append(f"  {name}:")
            lines.extend(f"     {text[:150]}" for text in texts)
    if profile_lines:
        lines.extend(per_kind_profiles(path, list(data), profile_lines))
    return "\n".join(lines)


def per_kind_profiles(path: str, kinds: list[str], profile_lines: int) -> list[str]:
    """The cProfile of the pass's counted updates: by package over all kinds, then per kind its top functions
    by own time (waiting in epoll left out; each resumption of a coroutine counts as a call)."""
    files = {kind: f"{path}.{kind.replace(' ', '_').replace('/', '')}.prof" for kind in kinds}
    files = {kind: file for kind, file in files.items() if Path(file).exists()}
    if not files:
        return []
    lines = [f"-- profile of the counted updates (cProfile per kind of update), by package, then per kind "
             f"the top {profile_lines} functions by own time:"]
    by_package: Counter[str] = Counter()
    for file in files.values():
        for (filename, _, function), (_, _, tottime, _, _) in pstats.Stats(file).stats.items():  # type: ignore[attr-defined]
            if "epoll" not in function:
                by_package[package_of(filename)] += tottime
    lines.extend(f"   {seconds:8.3f} s  {name}" for name, seconds in by_package.most_common(14))
    for kind, file in files.items():
        stats = pstats.Stats(file)
        rows = sorted(
            ((tottime, calls, filename, line, function)
             for (filename, line, function), (_, calls, tottime, _, _) in stats.stats.items()  # type: ignore[attr-defined]
             if "epoll" not in function),
            reverse=True,
        )[:profile_lines]
        lines.append(f"  {kind}:")
        lines.extend(f"   {1000 * tottime:8.2f} ms {calls:>6}  {short_name(filename)}:{line}({function})"
                     for tottime, calls, filename, line, function in rows)
    return lines


def short_name(filename: str) -> str:
    """A profiled function's file, from its package on (site-packages and the project's root left out)."""
    if "site-packages" in filename:
        return filename.split("site-packages/", 1)[1]
    return filename.replace(f"{ROOT}/", "")


def fmt(x: float) -> str:
    return f"{x:.1f}" if x == x else "-"


def table(title: str, rows: list[Result]) -> str:
    head = (
        f"{'bot':<26} {'updates':>8} {'seconds':>8} {'updates/s':>10} {'p50 ms':>8} {'p95 ms':>8}"
        f" {'bot cpu%':>8} {'cpu ms/upd':>10} {'errors':>7}"
    )
    lines = [f"== {title} ==", head, "-" * len(head)]
    for r in rows:
        errs = r.errors + r.api_errors + r.tally.missing_buttons + len(r.tally.failures)
        cpu_pct = 100 * r.cpu / r.seconds if r.seconds else 0
        per = 1000 * r.cpu / r.updates if r.updates else 0
        lines.append(
            f"{r.name:<26} {r.updates:>8} {r.seconds:>8.2f} {r.rate:>10.1f} {fmt(r.pct(0.5)):>8} {fmt(r.pct(0.95)):>8}"
            f" {cpu_pct:>8.0f} {per:>10.2f} {errs:>7}"
        )
    echo, bot = rows[0], rows[1]
    ratio = bot.rate / echo.rate if echo.rate else float("nan")
    p95 = bot.pct(0.95) / echo.pct(0.95)
    lines.append(
        f"ratio actionbot/echo: throughput {ratio:.2f}x (aim >= 1.00: {'met' if ratio >= 1.0 else 'NOT met'}), "
        f"p95 latency {p95:.2f}x (aim <= 1.20: {'met' if p95 <= 1.2 else 'NOT met'}), "
        f"p50 latency {bot.pct(0.5) / echo.pct(0.5):.2f}x"
    )
    d_echo, d_bot = echo.dialogue, bot.dialogue
    lines.append(
        f"dialogue (one person, a tap every {INTERVAL:g} s during the load; ms to the last message of each answer): "
        f"actionbot p50 {fmt(d_bot.pct(0.5))} / p95 {fmt(d_bot.pct(0.95))} ({len(d_bot.latencies_ms)} taps), "
        f"echo bot p50 {fmt(d_echo.pct(0.5))} / p95 {fmt(d_echo.pct(0.95))} ({len(d_echo.latencies_ms)} taps); "
        f"p95 {d_bot.pct(0.95) / d_echo.pct(0.95):.2f}x (aim <= 1.20: "
        f"{'met' if d_bot.pct(0.95) <= 1.2 * d_echo.pct(0.95) else 'NOT met'})"
    )
    for r in rows:
        per_call = ", ".join(f"{k} {v:.2f}" for k, v in r.calls.items())
        lines.append(f"  {r.name}: Bot API calls per update: {per_call}; benchmark process cpu "
                     f"{100 * r.driver_cpu / r.seconds if r.seconds else 0:.0f}%")
    for r in rows:
        for note in r.notes:
            lines.append(f"  ! {r.name}: {note}")
        if r.tally.missing_buttons and r.name.startswith("actionbot"):
            lines.append(f"  ! {r.name}: {r.tally.missing_buttons} presses found no matching button")
    return "\n".join(lines)


LIMITS_NOTE = """\
note: what limits it. Loopback: every bot is CPU-bound in its one event loop (see 'bot cpu%'); the echo bot
      spends its ~3 ms per update in httpx and PTB, actionbot additionally runs a database transaction per
      update (SQLAlchemy ORM, ~5-10 statements; on SQLite each statement is one trip to aiosqlite's thread,
      models/sqlite_driver.py, and all transactions queue for SQLite's single writer), so it needs more CPU
      per update ('cpu ms/upd') and on loopback on an idle machine reaches only about half to two thirds of
      the echo bot's rate; on a busy
      machine the echo bot also waits for the CPU in each of its sequential round trips and falls behind.
      With a network round trip the echo bot waits
      for every request in turn (sequential dispatch), while actionbot overlaps up to --concurrency users;
      then the limit is the round trip per user (updates of one chat stay in order) and, at higher load,
      CPU again. Latency here is mostly queueing in a closed loop (about users / throughput).
      Replies count against Telegram's overall budget of 30 messages/s (served before background rows, never
      beyond it): with ~1.5 messages per update the closed loop on loopback stays near 20 updates/s whatever
      the CPU, and the dialogue's person waits among the other users' replies; --overall-per-second 0 shows
      the bot's own capacity.
      Machine: other processes share these cores; compare 'cpu ms/upd' when the wall-clock numbers jump.
      --profile writes a cProfile of the actionbot process, and one per kind of update in the per-update pass;
      --show-sql prints the statements of each kind."""


async def run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)  # the fake server, when a bot hangs up
    rtts = [float(x) for x in args.rtt_ms]
    print(
        f"parameters: {len(SCRIPT)} updates per user; loopback: {args.users} users = {args.users * len(SCRIPT)} "
        f"updates per phase; with a round trip: {args.rtt_users} users = {args.rtt_users * len(SCRIPT)} updates; "
        f"{args.warmup} warm-up users first; closed loop; actionbot concurrency={args.concurrency}; "
        f"overall send budget {args.overall_per_second if args.overall_per_second is not None else 30:g}/s; "
        f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}; "
        f"Bot API round trips: {', '.join(f'{r:g} ms' for r in rtts)}; databases: {', '.join(args.db)}; "
        f"{os.cpu_count()} cores; the echo bot runs once per round trip and is shown in both tables"
    )
    print(f"workload per user: {' → '.join(s.text.split()[0] if s.kind == 'send' else s.prefix for s in SCRIPT)}")
    sys.stdout.flush()
    status = 0
    echo = {rtt: await echo_phase(args, rtt / 1000) for rtt in rtts}  # no database: one run serves both tables
    for kind in args.db:
        for rtt in rtts:
            profile = ""
            if args.profile and rtt == rtts[0]:
                profile = str(Path(tempfile.gettempdir()) / f"actionbot-bench-{kind}.prof")
            rows = [echo[rtt], await actionbot_phase(args, kind, rtt / 1000, False, profile)]
            if args.baseline:
                rows.append(await actionbot_phase(args, kind, rtt / 1000, True, ""))
            print()
            print(table(f"{kind}, {'loopback' if not rtt else f'{rtt:g} ms round trip'}", rows))
            sys.stdout.flush()
            if profile:
                out = io.StringIO()
                pstats.Stats(profile, stream=out).sort_stats(args.profile).print_stats(args.profile_lines)
                print(f"\nprofile of the actionbot process ({kind}, warm-up included; saved to {profile}):")
                print(out.getvalue())
            if any(r.tally.failures for r in rows):
                status = 1
    if args.per_update_users:
        for kind in args.db:
            data = await per_update_phase(args, kind)
            print()
            print(per_update_table(kind, data, args.profile_lines if args.profile else 0, args.show_sql))
            sys.stdout.flush()
            for leftover in Path(per_update_path(kind)).parent.glob(f"{Path(per_update_path(kind)).name}*"):
                leftover.unlink()  # the figures, statements and profiles of this process's pass: printed above
    print()
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(LIMITS_NOTE)
    return status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--users", type=int, default=200, help="closed-loop users per phase (default 200)")
    parser.add_argument("--rtt-users", type=int, default=40, help="users per phase with a round trip (default 40)")
    parser.add_argument("--max-seconds", type=float, default=20,
                        help="cut a phase after this many seconds, counting what was done (default 20)")
    parser.add_argument("--warmup", type=int, default=20, help="warm-up users (default 20)")
    parser.add_argument("--concurrency", type=int, default=64, help="actionbot's concurrent updates (default 64)")
    parser.add_argument("--rtt-ms", type=lambda s: s.split(","), default=["0", "20"],
                        help="simulated Bot API round trips in ms, comma-separated (default 0,20)")
    parser.add_argument(
        "--db", type=lambda s: s.split(","), default=["sqlite", "postgresql"], help="sqlite,postgresql (default both)"
    )
    parser.add_argument("--pg", default=DEFAULT_PG, help="PostgreSQL admin DSN; a throwaway database is created in it")
    parser.add_argument("--baseline", action="store_true", help="also run actionbot with PTB defaults")
    parser.add_argument(
        "--profile", nargs="?", const="tottime", default=None, help="cProfile the actionbot process (sort key)"
    )
    parser.add_argument("--profile-lines", type=int, default=30)
    parser.add_argument("--per-update-users", type=int, default=5,
                        help="users run one at a time for the per-update SQL and CPU figures (0: skip; default 5)")
    parser.add_argument("--show-sql", action="store_true",
                        help="print the SQL statements of each kind's first update in the per-update pass")
    parser.add_argument("--no-db-options", dest="db_options", action="store_false",
                        help="use the engine defaults instead of bot.processing.database_options")
    parser.add_argument("--overall-per-second", type=float, default=None,
                        help="the bot's overall send budget (default: production's 30/s; 0: none, to measure the "
                             "bot's own capacity: closed-loop users then ask for more than Telegram lets a bot send)")
    parser.add_argument("--uvloop", action="store_true", help="run actionbot on uvloop (needs uvloop installed)")
    args = parser.parse_args(argv)
    return asyncio.run(run(args))
