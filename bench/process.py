"""How the command-line benchmarks run the bot: `python -m bot ...` as a child process of its own, measured alone.

`os.wait4` gives that child's own CPU time and peak RSS (interpreter start-up and imports included, as an
operator sees them), so the benchmark process's own data generation never counts. One runner for every
benchmark, so their figures are comparable.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Measured:
    wall: float  # seconds
    cpu: float  # seconds, user + system, of the child alone
    peak_mb: float  # the child's peak RSS
    stdout: str


def run_cli(config_path: Path | None, *args: str, module: str = "bot") -> Measured:
    """Run `python -m <module> --config <path> <args>` once; a non-zero exit raises with the child's stderr."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "ACTIONBOT_CONFIG")}
    env["PYTHONPATH"] = str(ROOT)
    cmd = [sys.executable, "-m", module, "--config", str(config_path or "absent.toml"), *args]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        # files, not pipes: a dry run of 10,000 rows prints a line each, more than a pipe holds while we wait
        started = time.perf_counter()
        child = subprocess.Popen(cmd, env=env, stdout=out, stderr=err)
        _pid, status, usage = os.wait4(child.pid, 0)  # the child's own figures
        wall = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise RuntimeError(f"{' '.join(args[:3])} failed ({code}): {stderr.strip()}")
    return Measured(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, stdout)


async def admin_sql(admin_url: str, sql: str) -> None:
    """One statement on the PostgreSQL server (CREATE / DROP DATABASE for a benchmark's own database)."""
    conn = await asyncpg.connect(admin_url, timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@contextmanager
def pg_databases(admin_url: str, count: int = 1) -> Iterator[list[str] | None]:
    """`count` fresh PostgreSQL databases for one benchmark (their asyncpg URLs), dropped afterwards; None, with a
    line saying why, when the server does not answer (the benchmark then measures SQLite only)."""
    names = [f"actionbot_bench_{uuid.uuid4().hex[:8]}" for _ in range(count)]
    made: list[str] = []
    try:
        try:
            for name in names:
                asyncio.run(admin_sql(admin_url, f'CREATE DATABASE "{name}"'))
                made.append(name)
        except (OSError, asyncpg.PostgresError) as exc:
            print(f"postgresql: skipped ({exc})")
            yield None
            return
        base = admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
        yield [f"{base}/{name}" for name in names]
    finally:
        for name in made:
            asyncio.run(admin_sql(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
