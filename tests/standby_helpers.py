"""Real `actionbot run` processes for the standby tests and the failover benchmark (bench/failover.py).

Each process runs `python -m bot --config … run` against the fake Bot API server; its stderr is read line by
line so a test can wait for "active: holding the database lock" or "polling as", and kill -9 it.
"""

# waits take `timeout=` like asyncio.wait_for, so tests read naturally
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select, update

from models import people, teams
from models.db import Database
from models.meetings import core as meetings
from models.meetings.core import MeetingInput
from models.tables import Outbox, Person, Team
from tests.fakegram import FakeTelegram, SimUser

ROOT = Path(__file__).resolve().parent.parent
CONFIG_EXAMPLE = ROOT / "config.example.toml"
MANAGER_ID = 900001


def write_config(path: Path, fake: FakeTelegram, database_url: str) -> Path:
    """The example config pointed at the fake server and `database_url`, with a manager and no quiet hours."""
    text = CONFIG_EXAMPLE.read_text(encoding="utf-8")
    text = text.replace('url = "sqlite+aiosqlite:///actionbot.db"', f'url = "{database_url}"')
    text = text.replace('token = ""', f'token = "{fake.token}"', 1)
    text = text.replace('api_base_url = "https://api.telegram.org"', f'api_base_url = "{fake.url}"')
    text = text.replace("managers = []", f"managers = [{MANAGER_ID}]")
    text = text.replace('quiet_hours = "21:00-08:00"', 'quiet_hours = ""')
    path.write_text(text, encoding="utf-8")
    return path


class BotProcess:
    """One `actionbot run` child process; `lines` is its stderr so far."""

    def __init__(self, config: Path, name: str, root: Path = ROOT) -> None:
        self.config, self.name, self.root = config, name, root  # root: the checkout whose `bot` runs
        self.lines: list[str] = []
        self.proc: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None
        self._changed = asyncio.Event()
        self.seen_at: dict[str, float] = {}  # first time (monotonic) a line containing a watched text came

    async def start(self) -> BotProcess:
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(self.config.parent)}
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "--config", str(self.config), "run",
            cwd=self.root, env=env, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        self._reader = asyncio.create_task(self._read())
        return self

    async def _read(self) -> None:
        assert self.proc is not None and self.proc.stderr is not None
        async for raw in self.proc.stderr:
            line = raw.decode(errors="replace").rstrip()
            self.lines.append(line)
            for key in ("active: holding", "polling as", "lost the database lock", "outbox recovered"):
                if key in line:
                    self.seen_at.setdefault(key, time.monotonic())
            self._changed.set()
        self._changed.set()

    def saw(self, text: str) -> bool:
        return any(text in line for line in self.lines)

    async def wait_for(self, text: str, timeout: float = 60) -> None:
        async with asyncio.timeout(timeout):
            while not self.saw(text):
                if self.proc is not None and self.proc.returncode is not None and self._reader and self._reader.done():
                    raise AssertionError(f"{self.name} ended ({self.proc.returncode}):\n" + "\n".join(self.lines))
                self._changed.clear()
                await self._changed.wait()

    def kill(self) -> float:
        """kill -9; returns when (monotonic) it happened."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        return time.monotonic()

    async def wait(self, timeout: float = 60) -> int:
        assert self.proc is not None
        code = await asyncio.wait_for(self.proc.wait(), timeout)
        if self._reader is not None:
            await self._reader
        return code

    async def stop(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await self.wait(30)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)


async def first_active(procs: list[BotProcess], timeout: float = 60) -> BotProcess:
    async with asyncio.timeout(timeout):
        while True:
            for p in procs:
                if p.saw("polling as"):
                    return p
            await asyncio.sleep(0.05)


async def announce_to_all(manager: SimUser, text: str) -> None:
    """The real /announce dialogue to everyone. A running bot paces replies to one chat (about 1 s apart), so
    each step waits for the button it presses next."""

    after = max((m.message_id for m in manager.messages), default=0)  # earlier rounds' messages do not count

    async def press(label: str) -> None:
        has = lambda m: m.message_id > after and any(label in b.text for b in m.flat_buttons())  # noqa: E731
        message = await manager.wait_for_message(has, timeout=30)
        await manager.press(label, message=message)

    await manager.send("/announce")
    await manager.wait_for_message(lambda m: m.message_id > after and "Neue Ankündigung" in m.text, timeout=30)
    await manager.send(text)
    await press("Alle")
    await press("Weiter")
    await press("Jetzt senden")


async def seed_people(db: Database, users: list[SimUser], now: datetime, team_slug: str | None = None) -> None:
    """Registered people (consent, group, town) for the simulated `users`, members of `team_slug` if given."""
    async with db.transaction() as s:
        team = (await s.execute(select(Team).where(Team.slug == team_slug))).scalar_one() if team_slug else None
        for u in users:
            person, _ = await people.register(
                s, telegram_id=u.user_id, display_name=u.first_name, language="de", privacy_version="2026-11",
                now=now, managers=[MANAGER_ID],
            )  # fmt: skip
            person.stakeholder_group, person.town = "citizen", "saalfeld"
            if team is not None:
                await teams.join(s, person, team.id, now)


async def seed_reminders(db: Database, team_slug: str, now: datetime, policy: object) -> int:
    """A meeting of the team tomorrow, its reminders made due now (a burst); returns how many reminder rows."""
    async with db.transaction() as s:
        team = (await s.execute(select(Team).where(Team.slug == team_slug))).scalar_one()
        manager = (await s.execute(select(Person).where(Person.telegram_id == MANAGER_ID))).scalar_one()
        data = MeetingInput(
            title="Werkstatt Mobilität", starts_at=now + timedelta(days=1), duration_min=90, address="Markt 1",
            town="saalfeld", online_url=None, agenda=None, reminder_offsets=(60,),
        )  # fmt: skip
        towns = ["saalfeld", "rudolstadt", "bad_blankenburg"]
        meeting = await meetings.create_meeting(s, manager, team.id, data, now, policy, towns)  # type: ignore[arg-type]
        result = await s.execute(
            update(Outbox).where(Outbox.meeting_id == meeting.id, Outbox.kind == "reminder").values(due_at=now)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]
