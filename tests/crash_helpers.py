"""Kill -9 at random moments while a real `actionbot run` process sends, for the crash test and bench.crash.

Two processes on one PostgreSQL database (tests/standby_helpers.py) against the fake Bot API server. Each
round puts a 200-recipient broadcast or a reminder burst for a 200-member team into the outbox, waits until a
seeded random number of its messages has arrived, kills the active process with SIGKILL and lets the standby
send the rest; the killed one comes back as the next standby. Rows of the next round are added right after the
kill, so every kill falls into the sending of exactly one round. Per round: who got a message twice, who got
none, and how many rows the next active process found with an unknown outcome.
"""

# waits take `timeout=` like asyncio.wait_for
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import random
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select, update

from bot.application import prepare
from core.config import Config, load_config
from models import outbox
from models.announcements import core as announcements
from models.db import Database
from models.meetings import core as meetings
from models.meetings.core import MeetingInput
from models.tables import Outbox, Person, Team
from tests.fakegram import BotMessage, FakeTelegram
from tests.standby_helpers import MANAGER_ID, BotProcess, first_active, seed_people, write_config

TEAM = "daseinsvorsorge"
REMINDER = "⏰ Erinnerung"
KINDS = ("broadcast", "reminders")


@dataclass
class Round:
    kind: str
    marker: str  # in the text of every message of the round (an announcement's text, a meeting's title)
    killed_after: int  # messages of the round that had arrived when the kill came
    twice: int = 0  # members with a message of the round more than once
    missed: int = 0  # members without the round's message (announcement, or reminder)
    unknown: int = 0  # rows the next active process found `sending` (outcome unknown) at its start


class Copies:
    """Every message the fake server took, counted per (chat, text) as it arrives (no rescans)."""

    def __init__(self, fake: FakeTelegram) -> None:
        self.by_text: Counter[tuple[int, str]] = Counter()
        self.per_marker: Counter[str] = Counter()
        self.markers: list[str] = []
        self._seen: set[tuple[int, int]] = set()
        fake.on_bot_message = self._add

    def _add(self, msg: BotMessage) -> None:
        key = (msg.chat_id, msg.message_id)
        if key in self._seen or msg.chat_id == MANAGER_ID:  # an edit, or the sender's own copy
            return
        self._seen.add(key)
        self.by_text[(msg.chat_id, msg.text)] += 1
        for marker in self.markers:
            if marker in msg.text:
                self.per_marker[marker] += 1


async def _broadcast(db: Database, config: Config, marker: str) -> int:
    async with db.transaction() as s:
        manager = (await s.execute(select(Person).where(Person.telegram_id == MANAGER_ID))).scalar_one()
        ann = await announcements.create(
            s, manager, announcements.Content(text_html=f"{marker}: Treffen am Markt"),
            announcements.Audience(everyone=True), datetime.now(UTC),
            towns=[t.key for t in config.towns], groups=[g.key for g in config.groups],
        )  # fmt: skip
        return int(ann.id)


async def _reminders(db: Database, config: Config, marker: str) -> int:
    """A meeting of the team tomorrow (its invitations due now) with its reminders made due now as well."""
    now = datetime.now(UTC)
    async with db.transaction() as s:
        team = (await s.execute(select(Team).where(Team.slug == TEAM))).scalar_one()
        manager = (await s.execute(select(Person).where(Person.telegram_id == MANAGER_ID))).scalar_one()
        data = MeetingInput(
            title=marker, starts_at=now + timedelta(days=1), duration_min=90, address="Markt 1", town="saalfeld",
            online_url=None, agenda=None, reminder_offsets=(60,),
        )  # fmt: skip
        towns = [t.key for t in config.towns]
        meeting = await meetings.create_meeting(s, manager, team.id, data, now, config.meetings, towns)
        await s.execute(
            update(Outbox).where(Outbox.meeting_id == meeting.id, Outbox.kind == "reminder").values(due_at=now)
        )
        return int(meeting.id)


def _recovered_unknown(proc: BotProcess) -> int:
    found = [re.search(r"unknown_outcome=(\d+)", line) for line in proc.lines if "outbox recovered" in line]
    return sum(int(m.group(1)) for m in found if m)


async def _all_done(db: Database, timeout: float) -> None:
    async with asyncio.timeout(timeout):
        while True:
            async with db.transaction() as s:
                counts = await outbox.counts(s, Outbox.status.in_(outbox.OPEN_STATES))
            if not counts:
                return
            await asyncio.sleep(0.2)


async def kill_rounds(
    fake: FakeTelegram, db: Database, workdir: Path, rounds: int, seed: int, members: int = 200,
    progress: Callable[[Round], None] | None = None,
) -> list[Round]:  # fmt: skip
    """`rounds` kills, alternating a broadcast and a reminder burst; returns what each round left behind."""
    rng = random.Random(seed)
    users = [fake.user(f"P{i}") for i in range(members)]
    manager = fake.user("Maria", user_id=MANAGER_ID)
    config_path = write_config(workdir / "config.toml", fake, db.url)
    config = load_config(str(config_path))
    await prepare(config, db)
    now = datetime.now(UTC)
    await seed_people(db, [manager], now)
    await seed_people(db, users, now, team_slug=TEAM)
    copies = Copies(fake)
    plan = [Round(KINDS[i % 2], f"Runde {i + 1:02d}", 0) for i in range(rounds)]

    async def start_round(r: Round) -> None:
        copies.markers.append(r.marker)
        await (_broadcast if r.kind == "broadcast" else _reminders)(db, config, r.marker)

    await start_round(plan[0])
    procs = [await BotProcess(config_path, name).start() for name in ("p0", "p1")]
    try:
        active = await first_active(procs)
        standby = next(p for p in procs if p is not active)
        for i, r in enumerate(plan):
            expected = members * (1 if r.kind == "broadcast" else 2)  # a burst: invitation and reminder
            r.killed_after = rng.randint(1, expected - 2)
            def reached(r: Round = r) -> bool:
                return copies.per_marker[r.marker] >= r.killed_after

            await fake.wait_for(reached, timeout=120)
            active.kill()
            await active.wait()
            if i + 1 < len(plan):
                await start_round(plan[i + 1])
            fresh = await BotProcess(config_path, f"p{i + 2}").start()
            procs.append(fresh)
            await standby.wait_for("polling as", timeout=60)
            r.unknown = _recovered_unknown(standby)
            active, standby = standby, fresh
        await _all_done(db, timeout=180)
    finally:
        fake.on_bot_message = None
        for p in procs:
            await p.stop()
    for r in plan:
        of_round = {key: n for key, n in copies.by_text.items() if r.marker in key[1]}
        r.twice = len({chat for (chat, _), n in of_round.items() if n > 1})
        if r.kind == "broadcast":
            got = {chat for chat, _ in of_round}
        else:
            got = {chat for chat, text in of_round if text.startswith(REMINDER)}
        r.missed = len({u.user_id for u in users} - got)
        if progress is not None:
            progress(r)
    return plan
