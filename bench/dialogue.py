"""What a person feels: one person tapping at human speed while the closed-loop load runs.

She registers, joins a team that has a meeting coming up (joining invites her to it), writes an idea through
/idea, opens /meetings and answers "Zusage": a tap every `INTERVAL` seconds (counted from the tap before, as
long as the answer came in time). Latency is from her update to the bot's having finished it, that is to the
last message of its answer (the bot signals completion after its replies are sent). The echo bot gets the same
updates (presses go to its last message), so its figure is the bare round trip in the same run. She starts
over as a new person while the load runs; only taps sent while it still ran count.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import timedelta

from core.config import Config
from models.clock import Clock
from models.db import Database
from models.meetings import core as meetings
from models.meetings.core import MeetingInput
from models.tables import Person, Team
from tests.fakegram import FakeTelegram, SimUser

INTERVAL = 1.5  # seconds between her taps
TEAM = "engagement"  # the team she joins; only she joins it (the load's users join the first team)
IDEA = "Ein Bürgerbus zwischen den drei Städten, auch am Wochenende."

# (what, text or button label); a label is pressed on her newest keyboard
STEPS: tuple[tuple[str, str], ...] = (
    ("send", "/start"),
    ("press", "Einverstanden"),
    ("press", "Ja"),
    ("press", "Bürger*in"),
    ("press", "Saalfeld"),
    ("send", "/teams"),
    ("press", "Beitreten: Aktions-Team Bürgerschaftliches Engagement"),
    ("send", "/idea"),
    ("send", IDEA),
    ("press", "Bürgerschaftliches Engagement"),
    ("press", "Saalfeld"),
    ("press", "Weiter"),
    ("press", "Aktions-Team Bürgerschaftliches Engagement"),
    ("press", "Einreichen"),
    ("send", "/meetings"),
    ("press", "Zusage"),
)


@dataclass
class Dialogue:
    latencies_ms: list[float] = field(default_factory=list)
    passes: int = 0
    failures: list[str] = field(default_factory=list)

    def pct(self, q: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        data = sorted(self.latencies_ms)
        return data[min(len(data) - 1, int(q * len(data)))]


async def seed_meeting(config: Config, url: str) -> None:
    """A meeting of the dialogue's team in a week, planned by a manager, so that joining invites her."""
    db = Database(url)
    try:
        now = Clock().now()
        async with db.transaction() as s:
            actor = Person(telegram_id=999_000_001, display_name="Planer", language="de", is_manager=True,
                           pseudonym="P-BENCH-PLAN", consent_version=config.privacy_version, consent_at=now,
                           created_at=now)  # fmt: skip
            s.add(actor)
            await s.flush()
            team = (await s.execute(Team.__table__.select().where(Team.slug == TEAM))).one()
            data = MeetingInput(title="Werkstatt Ehrenamt", starts_at=now + timedelta(days=7), duration_min=90,
                                address="Markt 1", town=config.towns[0].key, online_url=None, agenda=None,
                                reminder_offsets=None)  # fmt: skip
            await meetings.create_meeting(s, actor, team.id, data, now, config.meetings, [t.key for t in config.towns])
    finally:
        await db.dispose()


async def _step(user: SimUser, what: str, arg: str, actionbot: bool, n: int) -> None:
    if what == "send":
        await user.send(arg, timeout=60)
    elif actionbot:
        await user.press(arg, timeout=60)
    else:  # the echo bot edits its message to "pressed <data>": new data each time, or Telegram says "not modified"
        await user.press_data(f"x:1:{n}", message=user.last_message(), timeout=60)


async def run_dialogue(fake: FakeTelegram, load: asyncio.Task[None], actionbot: bool) -> Dialogue:
    """Tap through `STEPS` at human speed, as new people, until the load is done (at least one pass)."""
    result = Dialogue()
    while not load.done() or result.passes == 0:
        user = fake.user(first_name=f"Dialog{result.passes}", language_code="de")
        result.passes += 1
        for n, (what, arg) in enumerate(STEPS):
            started = time.perf_counter()
            during_load = not load.done()
            try:
                await _step(user, what, arg, actionbot, n)
            except Exception as exc:  # keep going: the figure says how many answers came
                result.failures.append(f"{what} {arg!r}: {exc!r:.200}")
                break
            took = time.perf_counter() - started
            if during_load:
                result.latencies_ms.append(took * 1000)
            await asyncio.sleep(max(0.0, INTERVAL - took))
            if load.done() and result.passes > 1:
                break
    return result
