"""Start-up failures end `actionbot run` / `db upgrade` with one line naming the cause and a distinct exit code.

Each test runs the real command line in a subprocess (as systemd would) against one broken thing: an
unreachable or refusing Bot API, an unreachable, refusing or missing database, a damaged or read-only
SQLite file, a webhook port in use. The exit codes are those documented in the README.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
import struct
import sys
import tomllib
from pathlib import Path

import pytest

from bot import startup
from models.migrate import upgrade
from tests.conftest import CONFIG_EXAMPLE, PG_URL

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:ABCdef_-x"


def closed_port() -> int:
    """A port nothing listens on (connecting to it is refused at once)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_config(
    tmp_path: Path, database_url: str, fake=None, api: str = "http://127.0.0.1:1", token: str = TOKEN
) -> Path:
    """The example config with this database, pointed at the fake Bot API server (with its token) if given."""
    if fake is not None:
        api, token = fake.url, fake.token
    text = CONFIG_EXAMPLE.read_text(encoding="utf-8")
    text = text.replace('url = "sqlite+aiosqlite:///actionbot.db"', f"url = {database_url!r}".replace("'", '"'))
    text = text.replace('token = ""', f'token = "{token}"', 1)
    text = text.replace('api_base_url = "https://api.telegram.org"', f'api_base_url = "{api}"')
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    assert tomllib.loads(text)["database"]["url"] == database_url
    return path


async def cli(config: Path, *args: str) -> tuple[int, list[str]]:
    """Run `python -m bot --config … args` without blocking the test's event loop (the fake servers live
    there); return the exit code and the non-empty lines on stderr."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(config.parent)}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "--config", str(config), *args,
        cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, err = await asyncio.wait_for(proc.communicate(), timeout=120)
    assert proc.returncode is not None
    return proc.returncode, [line for line in err.decode().splitlines() if line.strip()]


def assert_one_line(lines: list[str], *words: str) -> None:
    assert len(lines) == 1, "\n".join(lines)
    line = lines[0]
    assert line.startswith("actionbot: ") and "Traceback" not in line
    for word in words:
        assert word in line, line


# --- the Bot API ---------------------------------------------------------------------------------------


async def test_bot_api_unreachable(tmp_path):
    config = write_config(tmp_path, f"sqlite+aiosqlite:///{tmp_path}/bot.db", api=f"http://127.0.0.1:{closed_port()}")
    code, lines = await cli(config, "run")
    assert code == startup.BOT_API_UNREACHABLE
    assert_one_line(lines, "cannot reach the Bot API", "127.0.0.1")


async def test_a_token_the_bot_api_refuses(tmp_path, fake):
    config = write_config(tmp_path, f"sqlite+aiosqlite:///{tmp_path}/bot.db", api=fake.url, token="999:Revoked")
    code, lines = await cli(config, "run")
    assert code == startup.TOKEN_REFUSED
    assert_one_line(lines, "refused the token", "@BotFather")
    assert "Revoked" not in lines[0]
    assert [m for m, _ in fake.requests] == []  # answered 401 before any method ran


async def test_webhook_port_in_use(tmp_path, fake):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        webhook = (
            'mode = "webhook"\n\n[telegram.webhook]\nlisten = "127.0.0.1"\n'
            f'port = {port}\npublic_url = "https://bot.example.org/hook"\nsecret_token = "s3cret"\n'
        )
        config = write_config(tmp_path, f"sqlite+aiosqlite:///{tmp_path}/bot.db", fake)
        text = re.sub(r'mode = "polling"\n.*?secret_token = ""\n', webhook, config.read_text(), flags=re.S)
        config.write_text(text, encoding="utf-8")
        code, lines = await cli(config, "run")
    assert code == startup.WEBHOOK_PORT_IN_USE
    # this fails late, after the usual INFO lines of a start (migrations, "Application started")
    *log_lines, last = lines
    assert all(re.match(r"^\d{4}-\d\d-\d\d [\d:,]+ INFO ", line) for line in log_lines), "\n".join(lines)
    assert_one_line([last], "telegram.webhook.port", f"127.0.0.1:{port}", "in use")


# --- the database --------------------------------------------------------------------------------------


async def test_database_unreachable_db_upgrade(tmp_path, fake):
    config = write_config(
        tmp_path, f"postgresql+asyncpg://actionbot:s3cr3tpw@127.0.0.1:{closed_port()}/actionbot", fake
    )
    code, lines = await cli(config, "db", "upgrade")
    assert code == startup.DATABASE_UNREACHABLE
    assert_one_line(lines, "cannot reach database 'actionbot' on 127.0.0.1:", "is PostgreSQL running")
    assert "s3cr3tpw" not in lines[0]


def waiting_at_most(config: Path, minutes: float, fmt: str = "text") -> None:
    text = config.read_text(encoding="utf-8").replace("wait_minutes = 0\n", f"wait_minutes = {minutes}\n", 1)
    text = text.replace('format = "text"', f'format = "{fmt}"', 1)
    config.write_text(text, encoding="utf-8")


async def test_database_unreachable_run_waits_then_gives_up_at_the_configured_limit(tmp_path, fake):
    """`actionbot run` waits for the database (retrying with a growing pause) instead of exiting at once; after
    `[database] wait_minutes` it gives up with exit 11. The wait logs one WARNING, not one line per attempt."""
    config = write_config(
        tmp_path, f"postgresql+asyncpg://actionbot:s3cr3tpw@127.0.0.1:{closed_port()}/actionbot", fake
    )
    waiting_at_most(config, 0.1)  # 6 s: attempts after 0, 1, 3 s (the pause doubles), the next would pass 6 s
    code, lines = await cli(config, "run")
    assert code == startup.DATABASE_UNREACHABLE
    *log_lines, last = lines
    assert_one_line([last], "cannot reach database 'actionbot' on 127.0.0.1:", "is PostgreSQL running")
    warnings = [line for line in log_lines if " WARNING " in line]
    assert len(warnings) == 2, "\n".join(lines)  # the outage, and how long it waits
    assert " WARNING actionbot.outage: Datenbank nicht erreichbar seit " in warnings[0]
    assert "waiting for the database: trying again with a growing pause (at most 10 s); giving up after 6 s" in (
        warnings[1]
    )
    assert not any(" ERROR " in line or "Traceback" in line for line in lines)
    assert not any("s3cr3tpw" in line for line in lines)


async def test_with_json_logging_every_line_is_json_the_start_up_failure_included(tmp_path, fake):
    config = write_config(
        tmp_path, f"postgresql+asyncpg://actionbot:s3cr3tpw@127.0.0.1:{closed_port()}/actionbot", fake
    )
    waiting_at_most(config, 0.02, fmt="json")
    code, lines = await cli(config, "run")
    assert code == startup.DATABASE_UNREACHABLE
    entries = [json.loads(line) for line in lines]  # every line one JSON object
    assert all({"time", "level", "logger", "message"} <= set(e) for e in entries)
    last = entries[-1]
    assert (last["level"], last["logger"], last["exit_code"]) == ("ERROR", "actionbot", 11)
    assert last["message"].startswith("cannot reach database 'actionbot' on 127.0.0.1:")
    assert [e["level"] for e in entries].count("ERROR") == 1 and not any("exc" in e for e in entries)


async def test_with_json_logging_a_config_that_cannot_be_read_is_the_one_plain_line_and_says_so(tmp_path, fake):
    config = write_config(tmp_path, "sqlite+aiosqlite:///bot.db", fake)
    text = config.read_text(encoding="utf-8").replace('format = "text"', 'format = "json"', 1)
    config.write_text(text.replace("[project]", "[project]\nsurprise = 1", 1), encoding="utf-8")
    code, lines = await cli(config, "run")
    assert code == startup.CONFIG_ERROR
    assert_one_line(lines, "config error: project.surprise: unknown key", "this line is plain text")


class FakePostgres:
    """Answers every login with one PostgreSQL error (as a server with password authentication would)."""

    def __init__(self, sqlstate: str, message: str) -> None:
        self.sqlstate, self.message, self.logins = sqlstate, message, 0

    async def __aenter__(self) -> FakePostgres:
        self.server = await asyncio.start_server(self.serve, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.server.close()
        await self.server.wait_closed()

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                (length,) = struct.unpack("!i", await reader.readexactly(4))
                body = await reader.readexactly(length - 4)
                if struct.unpack("!i", body[:4])[0] == 80877103:  # SSLRequest: no TLS here
                    writer.write(b"N")
                    continue
                break
            self.logins += 1
            writer.write(b"R" + struct.pack("!ii", 8, 3))  # send the password in clear text
            await reader.readexactly(1)
            (length,) = struct.unpack("!i", await reader.readexactly(4))
            await reader.readexactly(length - 4)
            fields = b"".join(
                k + v.encode() + b"\0" for k, v in ((b"S", "FATAL"), (b"C", self.sqlstate), (b"M", self.message))
            )
            writer.write(b"E" + struct.pack("!i", len(fields) + 5) + fields + b"\0")
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


async def test_wrong_database_password(tmp_path, fake):
    async with FakePostgres("28P01", 'password authentication failed for user "actionbot"') as pg:
        url = f"postgresql+asyncpg://actionbot:wrong@127.0.0.1:{pg.port}/actionbot"
        code, lines = await cli(write_config(tmp_path, url, fake), "run")
    assert pg.logins >= 1
    assert code == startup.DATABASE_LOGIN_REFUSED
    assert_one_line(lines, "refused the login", "password authentication failed", "database.url")


async def test_missing_database_behind_password_authentication(tmp_path, fake):
    async with FakePostgres("3D000", 'database "actionbot" does not exist') as pg:
        url = f"postgresql+asyncpg://actionbot:pw@127.0.0.1:{pg.port}/actionbot"
        code, lines = await cli(write_config(tmp_path, url, fake), "db", "upgrade")
    assert code == startup.DATABASE_MISSING
    assert_one_line(lines, "database 'actionbot'", "does not exist", "create it")


def real_postgres() -> tuple[str, int]:
    """Host and port of the PostgreSQL server the suite may use (skip when none answers)."""
    from sqlalchemy.engine import make_url

    url = make_url(PG_URL or "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    host, port = url.host or "127.0.0.1", url.port or 5432
    try:
        socket.create_connection((host, port), timeout=2).close()
    except OSError:
        pytest.skip(f"no PostgreSQL server at {host}:{port}")
    return host, port


async def test_missing_database_on_a_real_server(tmp_path, fake):
    host, port = real_postgres()
    url = f"postgresql+asyncpg://postgres@{host}:{port}/actionbot_no_such_database"
    code, lines = await cli(write_config(tmp_path, url, fake), "run")
    assert code == startup.DATABASE_MISSING
    assert_one_line(lines, "'actionbot_no_such_database'", "does not exist")


async def test_unknown_database_user_on_a_real_server(tmp_path, fake):
    host, port = real_postgres()
    url = f"postgresql+asyncpg://actionbot_no_such_role:pw@{host}:{port}/test"
    code, lines = await cli(write_config(tmp_path, url, fake), "db", "upgrade")
    assert code == startup.DATABASE_LOGIN_REFUSED
    assert_one_line(lines, "refused the login", "actionbot_no_such_role")


@pytest.mark.parametrize("command", ["run", "stats"])
async def test_a_damaged_sqlite_file(tmp_path, fake, command):
    db_file = tmp_path / "bot.db"
    db_file.write_bytes(os.urandom(20_000))
    code, lines = await cli(write_config(tmp_path, f"sqlite+aiosqlite:///{db_file}", fake), *command.split())
    assert code == startup.DATABASE_DAMAGED
    assert_one_line(lines, str(db_file), "not a SQLite database", "backup")


async def test_a_sqlite_file_opened_read_only(tmp_path, fake):
    """`mode=ro` makes SQLite refuse writes even to root (tests run as root, where chmod does not)."""
    db_file = tmp_path / "bot.db"
    await upgrade(f"sqlite+aiosqlite:///{db_file}")
    url = f"sqlite+aiosqlite:///file:{db_file}?mode=ro&uri=true"
    code, lines = await cli(write_config(tmp_path, url, fake), "run")
    assert code == startup.DATABASE_NOT_WRITABLE
    assert_one_line(lines, "cannot write", "readonly", "writable")


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write a 0444 file in a 0555 directory; see the mode=ro test")
async def test_a_sqlite_file_without_write_permission(tmp_path, fake):
    folder = tmp_path / "data"
    folder.mkdir()
    db_file = folder / "bot.db"
    await upgrade(f"sqlite+aiosqlite:///{db_file}")
    db_file.chmod(0o444)
    folder.chmod(0o555)
    try:
        code, lines = await cli(write_config(tmp_path, f"sqlite+aiosqlite:///{db_file}", fake), "run")
    finally:
        folder.chmod(0o755)
    assert code == startup.DATABASE_NOT_WRITABLE
    assert_one_line(lines, "cannot write", str(db_file))


async def test_a_sqlite_file_in_a_missing_directory(tmp_path, fake):
    db_file = tmp_path / "no-such-dir" / "bot.db"
    code, lines = await cli(write_config(tmp_path, f"sqlite+aiosqlite:///{db_file}"), "db", "upgrade")
    assert code == startup.DATABASE_NOT_WRITABLE
    assert_one_line(lines, "cannot write", str(db_file), "directory")


async def test_queries_on_a_database_not_made_yet(tmp_path):
    db_file = tmp_path / "bot.db"
    code, lines = await cli(write_config(tmp_path, f"sqlite+aiosqlite:///{db_file}"), "stats")
    assert code == startup.DATABASE_MISSING
    assert_one_line(lines, str(db_file), "db upgrade")
    assert not db_file.exists()  # a query never creates an empty database


# --- the documentation ---------------------------------------------------------------------------------


def test_every_exit_code_is_documented_and_the_unit_stops_on_the_permanent_ones():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    documented = {int(code): kind for code, kind in re.findall(r"^\| `(\d+)` \| [^|]+\| (\w+) \|", readme, re.M)}
    assert {c: "permanent" for c in startup.PERMANENT} | {c: "transient" for c in startup.TRANSIENT} == {
        c: k for c, k in documented.items() if c not in (0, 1)
    }
    [prevent] = re.findall(r"^RestartPreventExitStatus=(.+)$", readme, re.M)
    assert sorted(int(c) for c in prevent.split()) == sorted(startup.PERMANENT)



async def test_privacy_enforce_on_a_missing_database_says_so_in_one_line_and_creates_nothing(tmp_path):
    """A mistyped path must not become a new, empty database that the retention run then 'enforces' on."""
    missing = tmp_path / "nope.db"
    code, lines = await cli(write_config(tmp_path, f"sqlite+aiosqlite:///{missing}"), "privacy", "enforce", "--dry-run")
    assert code == 5
    assert_one_line(lines)
    assert not missing.exists()
