"""The running dispatcher, started as `actionbot run` starts it: nobody calls drain() here.

A row committed by a user's action goes out at once (the handler wakes the dispatcher after its commit), and a
row due later goes out when the JobQueue's timer for the next due time fires. The dispatcher's 30 s safety
wake-up is far beyond the tests' timeouts, so each test fails if its wake-up is missing.
"""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from models.clock import FrozenClock
from models.tables import Outbox
from tests.announce_helpers import ANNOUNCE_TEXT, body, compose
from tests.conftest import START, start_bot, stop_bot
from tests.meeting_helpers import person_of, schedule, team_with_members

DASEIN = "Aktions-Team Daseinsvorsorge"
REMINDER = "⏰ Erinnerung"


class RunningClock(FrozenClock):
    """Real time, shifted so that it reads what the test sets: the JobQueue waits real seconds, and the bot's
    clock must move with them."""

    def __init__(self, start: datetime) -> None:
        super().__init__(start)
        self._offset = start - datetime.now(UTC)

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    def advance(self, delta: timedelta) -> None:
        self._offset += delta

    def set(self, when: datetime) -> None:
        self._offset = when - datetime.now(UTC)


async def test_a_row_committed_by_a_users_action_is_sent_at_once(bot):
    team, lead, (anna, ben) = await team_with_members(bot)
    assert bot.dispatcher.safety_interval >= 30
    await bot.dispatcher.start(bot.app.job_queue)  # as bot/cli.py does
    try:
        manager = bot.manager()
        await compose(manager, DASEIN)
        await manager.press("Jetzt senden")
        for user in (lead, anna, ben):
            await user.wait_for_message(lambda m: body(m.text) == ANNOUNCE_TEXT, timeout=10)
    finally:
        await bot.dispatcher.stop()


@pytest.fixture
async def running(fake, db):
    """The bot on a clock that runs in real time, its dispatcher started with the JobQueue."""
    h = await start_bot(fake, db, RunningClock(START - timedelta(hours=1)))
    try:
        yield h
    finally:
        await h.dispatcher.stop()
        await stop_bot(h)


async def test_a_row_due_later_is_sent_when_the_timer_for_the_next_due_time_fires(running):
    bot = running
    team, lead, (anna, _) = await team_with_members(bot)
    await schedule(bot, lead, team, START + timedelta(hours=1), reminder_offsets=(60,))  # reminder due at START
    person = await person_of(bot, anna)
    async with bot.db.transaction() as s:
        mine = select(Outbox).where(Outbox.kind == "reminder", Outbox.person_id == person.id)
        row = (await s.execute(mine)).scalar_one()
    assert row.due_at == START
    bot.clock.set(START - timedelta(seconds=1.5))
    await bot.dispatcher.start(bot.app.job_queue)  # sends what is due now, then plans its next wake-up
    await anna.wait_for_message(lambda m: m.text.startswith(REMINDER), timeout=10)
    await bot.deliver()  # only waits for the running round to record the outcome (the reminder is out)
    async with bot.db.transaction() as s:
        sent = await s.get(Outbox, row.id)
        assert sent is not None and sent.status == "sent"
        assert sent.sent_at is not None and sent.sent_at >= START  # on time, not before
