"""Telegram back after an outage: what waited goes out at once, not at each row's grown backoff; a reply that
could not go out during the outage arrives once afterwards.

The real bot against the fake server; the injected clock stands still while Telegram comes back, so a row
could only go out through the wake-up, never because its backoff ended.
"""

import logging
import tomllib
from datetime import timedelta

import pytest
from sqlalchemy import select

from core.config import ConfigError, parse_config
from handlers.announcements import progress as announcements_progress
from models.tables import Outbox
from scheduler import replies
from tests.announce_helpers import compose, copies, rows
from tests.meeting_helpers import team_with_members
from tests.standby_helpers import CONFIG_EXAMPLE

DASEIN = "Aktions-Team Daseinsvorsorge"


async def test_the_first_answer_after_an_outage_sends_every_waiting_row_at_once(bot, caplog):
    caplog.set_level(logging.INFO, logger="actionbot.dispatcher")
    _, lead, members = await team_with_members(bot)
    people = [lead, *members]
    manager = bot.manager()
    await compose(manager, DASEIN)
    await manager.press("Jetzt senden")
    bot.fake.outage(502)
    d = bot.dispatcher
    await d.start(bot.app.job_queue)  # running, as in production: it probes Telegram while it is away
    try:
        for wait in (5, 10, 20, 40):  # the outage goes on: every row fails again and waits longer each time
            await bot.deliver(advance=timedelta(seconds=wait))
        assert {r.status for r in await rows(bot)} == {"pending"}
        assert min((r.due_at - bot.clock.now()).total_seconds() for r in await rows(bot)) >= 40  # grown backoff
        assert all(copies(u) == 0 for u in people)
        probes_before = sum(1 for m, _ in bot.fake.requests if m == "getMe")

        bot.fake.outage(None)  # Telegram is back; the clock does not move
        await bot.fake.wait_for(lambda: all(copies(u) == 1 for u in people), timeout=30)
        await bot.deliver()  # the round under way has recorded its outcomes
    finally:
        await d.stop()
    assert sum(1 for m, _ in bot.fake.requests if m == "getMe") > probes_before  # the probe noticed it
    assert {r.status for r in await rows(bot)} == {"sent"}
    assert [copies(u) for u in people] == [1, 1, 1]
    back = [r for r in caplog.records if r.getMessage().startswith("Telegram answers again")]
    assert len(back) == 1 and back[0].levelno == logging.INFO
    assert "3 waiting messages go out now" in back[0].getMessage()
    await announcements_progress.tick(bot.app)
    assert "✅ Zugestellt: 3 von 3" in manager.last_message().text


async def reply_rows(bot):
    async with bot.db.transaction() as s:
        return list((await s.execute(select(Outbox).where(Outbox.kind == "reply"))).scalars())


@pytest.fixture
def short_patience(monkeypatch):
    """An update may wait 3 s instead of 30 (the retries inside it: after 1 s and 2 s), so the test is quick."""
    monkeypatch.setattr(replies, "PATIENCE", 3.0)


async def test_help_sent_as_an_outage_begins_is_answered_exactly_once_when_telegram_is_back(
    bot, short_patience, caplog
):
    caplog.set_level(logging.INFO)
    anna, ben = bot.user("Anna"), bot.user("Ben")
    bot.fake.outage(502)  # a 50 s outage begins (updates still come in, as after a short network cut)
    await anna.send("/help")
    await ben.send("/help")
    assert anna.messages == [] and ben.messages == []
    (row_a, row_b) = await reply_rows(bot)  # after the retries within the update's wait: handed to the outbox
    assert (row_a.chat_id, row_a.status, row_a.expires_at) == (
        anna.chat_id,
        "pending",
        bot.clock.now() + timedelta(minutes=5),
    )
    assert "Das kann ich für dich tun" in row_a.payload["text"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]  # no handler crash, no apology
    handed = [r.getMessage() for r in caplog.records if "reply handed to the outbox" in r.getMessage()]
    assert len(handed) == 2 and "reason=Bad Gateway" in handed[0]

    d = bot.dispatcher
    await d.start(bot.app.job_queue)
    try:
        for _ in range(9):  # the rest of the outage: 45 s on the injected clock, tried again and again
            await bot.deliver(advance=timedelta(seconds=5))
        assert {r.status for r in await reply_rows(bot)} == {"pending"}
        assert anna.messages == []
        bot.fake.outage(None)
        await bot.fake.wait_for(lambda: anna.messages and ben.messages, timeout=30)
        await bot.deliver()
    finally:
        await d.stop()
    for user in (anna, ben):
        assert len(user.messages) == 1, user.first_name  # exactly one answer
        assert user.messages[0].text.startswith("Das kann ich für dich tun")
    assert {r.status for r in await reply_rows(bot)} == {"sent"}


async def test_a_reply_still_undelivered_at_its_expiry_is_dropped_not_sent_late(bot, short_patience):
    anna = bot.user("Anna")
    bot.fake.outage(502)
    await anna.send("/help")
    for _ in range(12):  # six minutes: past the five-minute expiry of a reply
        await bot.deliver(advance=timedelta(seconds=30))
    bot.fake.outage(None)
    await bot.deliver(advance=timedelta(seconds=30))
    assert anna.messages == []
    (row,) = await reply_rows(bot)
    assert row.status == "failed"
    await anna.send("/help")  # a new question gets its answer at once
    assert len(anna.messages) == 1


def test_the_reply_expiry_is_read_defaults_to_five_minutes_and_a_bad_value_is_refused_by_name():
    data = tomllib.loads(CONFIG_EXAMPLE.read_text(encoding="utf-8"))
    data["telegram"]["token"] = "123456:TEST"
    assert parse_config(data, env={}).reply_expiry == timedelta(minutes=5)
    data["delivery"]["reply_expiry_minutes"] = 2
    assert parse_config(data, env={}).reply_expiry == timedelta(minutes=2)
    for bad in (0, 61, "5", True):
        data["delivery"]["reply_expiry_minutes"] = bad
        with pytest.raises(ConfigError, match="delivery.reply_expiry_minutes"):
            parse_config(data, env={})
