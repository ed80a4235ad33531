"""The reminder engine under restarts, crashes, late starts, blocked users, 429s, DST and quiet hours.

Time is a FrozenClock everywhere (the limiter's too, where a wait matters), so nothing here sleeps.
"""

import asyncio
import logging
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from models import outbox
from models.outbox import NewMessage
from models.tables import Outbox
from scheduler.limiter import RateLimiter
from tests.conftest import PG_URL, START, TEST_LIMITS, start_bot, stop_bot
from tests.meeting_helpers import in_days, person_of, schedule, team_with_members

REMINDER = "⏰ Erinnerung"
ROOT = Path(__file__).resolve().parent.parent


def reminders(user):
    return [m for m in user.messages if m.text.startswith(REMINDER)]


async def rows(bot, **where):
    async with bot.db.transaction() as s:
        q = select(Outbox).where(*(getattr(Outbox, k) == v for k, v in where.items())).order_by(Outbox.id)
        return list((await s.execute(q)).scalars())


async def test_a_restart_between_scheduling_and_due_time_delivers_each_reminder_once(bot, fake, db):
    team, lead, (anna, ben) = await team_with_members(bot)
    meeting = await schedule(bot, lead, team, in_days(bot, 3))
    await bot.deliver()
    await stop_bot(bot)
    bot.clock.set(meeting.starts_at - timedelta(hours=24))
    h = await start_bot(fake, db, bot.clock)
    try:
        await h.deliver()
        await stop_bot(h)  # and once more right after sending
        h = await start_bot(fake, db, bot.clock)
        await h.deliver(advance=timedelta(minutes=1))
        assert [len(reminders(u)) for u in (lead, anna, ben)] == [1, 1, 1]
    finally:
        await stop_bot(h)


async def test_reminders_late_by_less_than_the_grace_period_go_out_when_the_bot_starts(bot, fake, db):
    team, lead, (anna, ben) = await team_with_members(bot)
    meeting = await schedule(bot, lead, team, in_days(bot, 3))
    await bot.deliver()
    await stop_bot(bot)  # down over the due time
    bot.clock.set(meeting.starts_at - timedelta(hours=24) + timedelta(minutes=20))
    h = await start_bot(fake, db, bot.clock)
    try:
        await h.dispatcher.start()  # the start-up sweep, as in `actionbot run`
        for user in (lead, anna, ben):
            await user.wait_for_message(lambda m: m.text.startswith(REMINDER), timeout=5)
        await h.deliver()  # waits for the running round to record its outcomes
        await h.dispatcher.stop()
    finally:
        await stop_bot(h)
    assert [len(reminders(u)) for u in (lead, anna, ben)] == [1, 1, 1]


async def test_reminders_later_than_the_grace_period_are_skipped_with_a_log_line(bot, caplog):
    caplog.set_level(logging.INFO, logger="actionbot.dispatcher")
    team, lead, (anna, _) = await team_with_members(bot)
    meeting = await schedule(bot, lead, team, in_days(bot, 3))
    await bot.deliver()
    bot.clock.set(meeting.starts_at - timedelta(hours=24) + timedelta(minutes=31))
    await bot.deliver()
    assert reminders(anna) == []
    skipped = await rows(bot, kind="reminder", status="skipped")
    assert len(skipped) == 3 and all(r.payload["offset"] == 1440 for r in skipped)
    lines = [r.getMessage() for r in caplog.records if "message skipped" in r.getMessage()]
    assert sorted(lines) == sorted(f"message skipped row={r.id} kind=reminder reason=late" for r in skipped)
    bot.clock.set(meeting.starts_at - timedelta(hours=2))
    await bot.deliver()
    assert len(reminders(anna)) == 1  # the 2 h reminder is on time


async def test_a_kill_during_dispatch_loses_no_reminder(bot, fake, db):
    team, lead, (anna, ben) = await team_with_members(bot)
    meeting = await schedule(bot, lead, team, in_days(bot, 3))
    await bot.deliver()
    bot.clock.set(meeting.starts_at - timedelta(hours=24))
    # a process claimed the due reminders and was killed while sending the first one
    async with db.transaction() as s:
        ids = await outbox.claim_due(s, "killed-worker", bot.clock.now(), 100)
        await s.execute(update(Outbox).where(Outbox.id == ids[0]).values(status="sending", attempts=1))
    await stop_bot(bot)
    bot.clock.advance(timedelta(minutes=3))  # past the lease (a live peer's fresh claims are left alone)
    h = await start_bot(fake, db, bot.clock)
    try:
        await h.dispatcher.start()
        for user in (lead, anna, ben):
            await user.wait_for_message(lambda m: m.text.startswith(REMINDER), timeout=5)
        await h.deliver()  # waits for the running round to record its outcomes
        await h.dispatcher.stop()
    finally:
        await stop_bot(h)
    assert [len(reminders(u)) for u in (lead, anna, ben)] == [1, 1, 1]
    assert {r.status for r in await rows(h, kind="reminder") if r.id in ids} == {"sent"}


async def test_a_member_who_leaves_the_team_gets_no_more_reminders(bot):
    team, lead, (anna, ben) = await team_with_members(bot)
    meeting = await schedule(bot, lead, team, in_days(bot, 3))
    await bot.deliver()
    await anna.send("/teams")
    await anna.press(f"Verlassen: {team.name_de}")
    for before in (timedelta(hours=24), timedelta(hours=2)):
        bot.clock.set(meeting.starts_at - before)
        await bot.deliver()
    assert reminders(anna) == []
    assert len(reminders(ben)) == 2
    p = await person_of(bot, anna)
    assert {r.status for r in await rows(bot, person_id=p.id, kind="reminder")} <= {"cancelled"}


async def test_a_member_who_joins_later_is_invited_and_reminded(bot):
    team, lead, _ = await team_with_members(bot)
    meeting = await schedule(bot, lead, team, in_days(bot, 3))
    await bot.deliver()
    cora = await bot.register(bot.user("Cora"), town="Rudolstadt")
    await cora.send("/teams")
    await cora.press(f"Beitreten: {team.name_de}")
    await bot.deliver()
    assert any("Einladung" in m.text for m in cora.messages)
    bot.clock.set(meeting.starts_at - timedelta(hours=24))
    await bot.deliver()
    assert len(reminders(cora)) == 1


async def test_a_blocked_user_is_marked_unreachable_and_not_retried(bot, fake):
    team, lead, (anna, ben) = await team_with_members(bot)
    meeting = await schedule(bot, lead, team, in_days(bot, 3))
    await bot.deliver()
    fake.block(anna.chat_id)
    seen = len(fake.requests)
    for before in (timedelta(hours=24), timedelta(hours=2)):
        bot.clock.set(meeting.starts_at - before)
        await bot.deliver()
    attempts = [p for m, p in fake.requests[seen:] if m == "sendMessage" and p["chat_id"] == anna.chat_id]
    assert len(attempts) == 1
    assert len(reminders(ben)) == 2
    p = await person_of(bot, anna)
    assert p.unreachable_at is not None
    assert sorted(r.status for r in await rows(bot, person_id=p.id, kind="reminder")) == ["cancelled", "unreachable"]


async def test_429_waits_as_long_as_telegram_asks(bot, fake):
    slept: list[float] = []
    waited = timedelta(0)  # the limiter's time: the test clock plus what it slept

    async def sleep(seconds: float) -> None:
        nonlocal waited
        slept.append(seconds)
        waited += timedelta(seconds=seconds)

    bot.dispatcher.limiter = RateLimiter(
        TEST_LIMITS, monotonic=lambda: (bot.clock.now() + waited).timestamp(), sleep=sleep
    )
    team, lead, (anna, _) = await team_with_members(bot)
    meeting = await schedule(bot, lead, team, in_days(bot, 3))
    await bot.deliver()
    fake.rate_limit(anna.chat_id, retry_after=12, times=1)
    bot.clock.set(meeting.starts_at - timedelta(hours=24))
    await bot.deliver()
    p = await person_of(bot, anna)
    (row,) = [r for r in await rows(bot, person_id=p.id, kind="reminder") if r.payload["offset"] == 1440]
    assert (row.status, row.due_at, row.attempts) == ("pending", bot.clock.now() + timedelta(seconds=12), 0)
    await bot.dispatcher.limiter.acquire(424242)  # sends after the 429 (this one or the round's) wait 12 s
    assert max(slept) == pytest.approx(12.0, abs=0.05)
    await bot.deliver(advance=timedelta(seconds=11))
    assert reminders(anna) == []
    await bot.deliver(advance=timedelta(seconds=1))
    assert len(reminders(anna)) == 1


@pytest.mark.parametrize(
    ("starts_utc", "reminder_utc"),
    [
        (datetime(2027, 3, 28, 16, 0, tzinfo=UTC), datetime(2027, 3, 27, 17, 0, tzinfo=UTC)),  # clocks go forward
        (datetime(2026, 10, 25, 17, 0, tzinfo=UTC), datetime(2026, 10, 24, 16, 0, tzinfo=UTC)),  # clocks go back
    ],
)
async def test_on_dst_weekends_the_day_before_reminder_keeps_the_local_time(bot, starts_utc, reminder_utc):
    team, lead, (anna, _) = await team_with_members(bot)
    bot.clock.set(starts_utc - timedelta(days=10))
    await schedule(bot, lead, team, starts_utc)  # Sunday 18:00 in Berlin
    await bot.deliver()
    bot.clock.set(reminder_utc - timedelta(minutes=1))
    await bot.deliver()
    assert reminders(anna) == []
    await bot.deliver(advance=timedelta(minutes=1))  # Saturday 18:00 in Berlin
    assert len(reminders(anna)) == 1
    assert "So., " in reminders(anna)[0].text and "18:00 Uhr" in reminders(anna)[0].text


@pytest.mark.parametrize(
    ("local_start", "offset", "local_due"),
    [
        ((28, 9, 0), 120, (28, 8, 0)),  # 07:00 is quiet; 08:00 is still before the meeting: wait for the morning
        ((28, 21, 30), 30, (28, 21, 0)),  # the meeting is tonight, sooner than the next morning: send in quiet hours
        ((28, 8, 0), 120, (28, 6, 0)),  # the morning would be the start itself: send at 06:00 rather than too late
        ((28, 23, 0), 1440, (28, 8, 0)),  # a day before at 23:00 is quiet; 08:00 comes well before the start
    ],
)
async def test_quiet_hours_hold_reminders_back_unless_the_meeting_comes_before_the_morning(
    bot, local_start, offset, local_due
):
    team, lead, (anna, _) = await team_with_members(bot)
    berlin = bot.config.time_zone
    starts = datetime(2026, 11, *local_start, tzinfo=berlin).astimezone(UTC)
    day, hour, minute = local_due
    expected = datetime(2026, 11, day, hour, minute, tzinfo=berlin).astimezone(UTC)
    await schedule(bot, lead, team, starts, reminder_offsets=(offset,))
    p = await person_of(bot, anna)
    (row,) = await rows(bot, person_id=p.id, kind="reminder")
    assert row.due_at == expected
    bot.clock.set(expected - timedelta(minutes=1))
    await bot.deliver()
    assert reminders(anna) == []
    await bot.deliver(advance=timedelta(minutes=1))
    assert len(reminders(anna)) == 1


@pytest.mark.skipif(not PG_URL, reason="two bot processes need PostgreSQL (SQLite allows one bot process)")
async def test_two_bot_processes_on_one_postgresql_database_never_send_a_reminder_twice(fake, db):
    users = [fake.user(f"U{i}") for i in range(200)]
    async with db.transaction() as s:
        new = [NewMessage("note", u.chat_id, START, payload={"text": f"Erinnerung {i}"}) for i, u in enumerate(users)]
        await outbox.enqueue(s, new, START)
    args = ("-m", "tests.two_dispatchers_worker", db.url, fake.url, fake.token, START.isoformat())
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable, *args, cwd=ROOT, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE
        )
        for _ in range(2)
    ]
    for proc in procs:
        assert proc.stdout is not None
        assert (await asyncio.wait_for(proc.stdout.readline(), 30)).strip() == b"ready"
    outputs = await asyncio.wait_for(asyncio.gather(*(p.communicate(b"go\n") for p in procs)), 60)
    assert [p.returncode for p in procs] == [0, 0]
    sent = [int(out.split()[-1]) for out, _ in outputs]
    assert sum(sent) == 200 and min(sent) > 0  # both processes delivered a share
    chats = sorted(p["chat_id"] for m, p in fake.requests if m == "sendMessage")
    assert chats == sorted(u.chat_id for u in users)
    assert all(len(u.messages) == 1 for u in users)
    async with db.transaction() as s:
        assert await outbox.counts(s) == {"sent": 200}
