"""Telegram answers 502 for a while: planned messages wait and arrive once afterwards, or fail at their expiry.

The real bot against the fake server; time is a FrozenClock moved in steps, each step one dispatcher round.
"""

import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from handlers.announcements import progress as announcements_progress
from models.clock import FrozenClock
from models.meetings import core as meetings
from models.tables import Outbox
from tests.announce_helpers import announcements, compose, copies, rows
from tests.conftest import START, start_bot, stop_bot
from tests.meeting_helpers import person_of, schedule, team_with_members

DASEIN = "Aktions-Team Daseinsvorsorge"
REMINDER = "⏰ Erinnerung"
MEETING = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)  # Fri 09:00 in Berlin
DUE = MEETING - timedelta(hours=24)  # the day-before reminder, and the planned announcement ("morgen 9 Uhr")


def reminders(user):
    return [m for m in user.messages if m.text.startswith(REMINDER)]


async def plan_reminder_and_announcement(bot):
    """A meeting whose reminder is due at DUE, and an announcement to the team planned for the same minute."""
    team, lead, members = await team_with_members(bot)
    await schedule(bot, lead, team, MEETING)
    await bot.deliver()  # the invitations
    manager = bot.manager()
    await compose(manager, DASEIN)
    await manager.press("Planen für")
    await manager.send("morgen 9 Uhr")
    await manager.press("Ja, so planen")
    return manager, [lead, *members]


async def ride(bot, until, step):
    """Let the clock run to `until`, one dispatcher round per step."""
    while bot.clock.now() < until:
        await bot.deliver(advance=step)


async def test_a_reminder_and_an_announcement_due_during_a_one_minute_outage_arrive_once_after_it(bot):
    manager, people = await plan_reminder_and_announcement(bot)
    bot.clock.set(DUE)
    bot.fake.outage(502)
    await bot.deliver()
    await ride(bot, DUE + timedelta(minutes=1), timedelta(seconds=5))
    await announcements_progress.tick(bot.app)
    assert all(reminders(u) == [] and copies(u) == 0 for u in people)
    assert {r.status for r in await rows(bot)} == {"pending"}
    assert bot.fake.stats["502"] > 3 * len(people)  # tried again and again, not given up after three
    bot.fake.outage(None)
    await ride(bot, DUE + timedelta(minutes=6), timedelta(seconds=5))
    await announcements_progress.tick(bot.app)
    for user in people:
        assert (len(reminders(user)), copies(user)) == (1, 1), user.first_name
    report = manager.last_message().text
    assert "fertig" in report
    assert "✅ Zugestellt: 3 von 3\n🚫 Nicht erreichbar: 0\n⚠️ Fehlgeschlagen: 0" in report


@pytest.fixture
async def bot_with_one_hour_limit(fake, db):
    h = await start_bot(fake, db, FrozenClock(START), delivery__expiry_hours=1)
    try:
        yield h
    finally:
        await stop_bot(h)


async def test_messages_whose_expiry_passes_in_a_longer_outage_fail_with_a_warning_and_count_as_failed(
    bot_with_one_hour_limit, caplog
):
    bot = bot_with_one_hour_limit
    caplog.set_level(logging.INFO, logger="actionbot.dispatcher")
    manager, people = await plan_reminder_and_announcement(bot)
    bot.clock.set(DUE)
    bot.fake.outage(502)
    await bot.deliver()
    await ride(bot, DUE + timedelta(minutes=31), timedelta(minutes=1))  # past the reminders' 30 min grace
    await announcements_progress.tick(bot.app)
    assert {r.status for r in await rows(bot)} == {"pending"}  # the announcement keeps trying for its hour
    (ann,) = await announcements(bot)
    assert ann.status != "done" and "fertig" not in manager.last_message().text
    await ride(bot, DUE + timedelta(minutes=70), timedelta(minutes=1))  # past the announcement's hour
    bot.fake.outage(None)
    await bot.deliver(advance=timedelta(minutes=1))
    await announcements_progress.tick(bot.app)
    assert all(reminders(u) == [] and copies(u) == 0 for u in people)
    assert {r.status for r in await rows(bot)} == {"failed"}
    report = manager.last_message().text
    assert "fertig" in report
    assert "✅ Zugestellt: 0 von 3\n🚫 Nicht erreichbar: 0\n⚠️ Fehlgeschlagen: 3" in report
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    for kind in ("reminder", "announcement"):
        mine = [w for w in warnings if f"kind={kind} " in w]
        assert len(mine) == 3, warnings
        assert all(w.startswith("message failed row=") and "Bad Gateway" in w for w in mine)


async def test_meeting_messages_expire_when_they_lose_their_point(bot):
    team, lead, _ = await team_with_members(bot)
    meeting = await schedule(bot, lead, team, MEETING, duration_min=90)
    towns = [t.key for t in bot.config.towns]
    async with bot.db.transaction() as s:
        actor = await person_of(bot, lead)
        await meetings.change_meeting(
            s, actor, meeting.id, {"agenda": "Neu"}, bot.clock.now(), bot.config.meetings, towns
        )
        await meetings.cancel_meeting(s, actor, meeting.id, bot.clock.now())
    async with bot.db.transaction() as s:
        planned = list((await s.execute(select(Outbox).where(Outbox.meeting_id == meeting.id))).scalars())
    assert {r.kind for r in planned} >= {"invitation", "change", "cancel", "reminder", "headcount"}
    assert all(r.expires_at is not None for r in planned)
    end = MEETING + timedelta(minutes=90)
    assert {r.expires_at for r in planned if r.kind in ("invitation", "change", "cancel")} == {end}
