"""Direct replies under Telegram's flood limits: paced per chat together with the dispatcher, a 429 waited out
as Telegram asks (within the update's patience), nothing lost: not the buttons after a preview, not a file of
/report, not the apology."""

import logging

import pytest

from scheduler.limiter import Limits, RateLimiter
from tests.announce_helpers import ANNOUNCE_TEXT, body, compose, copies
from tests.meeting_helpers import team_with_members

HELP = "Das kann ich für dich tun"


def flood_limits(bot) -> None:
    """Telegram's limits on, and the bot's real pace (other tests run without one, to stay fast).

    Switched on after the set-up, which would otherwise take a second per step."""
    bot.dispatcher.limiter = RateLimiter(Limits())
    bot.fake.enforce_limits(overall_per_second=30, per_chat_per_second=1, per_group_per_minute=20)


class VirtualTime:
    """The limiter's clock and sleep: a 429's wait takes no real time, and the test sees how long it was."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def virtual_limiter(bot) -> VirtualTime:
    time = VirtualTime()
    fast = Limits(overall_per_second=1000, per_chat_interval=0.0, per_group_per_minute=0)
    bot.dispatcher.limiter = RateLimiter(fast, monotonic=lambda: time.now, sleep=time.sleep)
    return time


def sends_to(bot, user, method: str = "sendMessage", since: int = 0) -> list[dict]:
    """The bot's `method` requests to `user` (refused ones too), from request number `since` on."""
    return [p for m, p in bot.fake.requests[since:] if m == method and p.get("chat_id") == user.user_id]


async def test_the_announce_preview_and_its_buttons_both_arrive(bot):
    await team_with_members(bot)
    manager = bot.manager()
    await manager.send("/announce")
    await manager.send(ANNOUNCE_TEXT)
    await manager.press("Alle")
    flood_limits(bot)
    await manager.press("Weiter", timeout=30)  # an edit, the preview and the buttons: three sends in a row
    texts = manager.texts()
    assert "Vorschau" in texts[-3]
    assert body(texts[-2]) == ANNOUNCE_TEXT
    assert "Bereit zum Senden" in texts[-1] and manager.messages[-1].buttons
    assert bot.fake.stats["429"] == 0  # paced, not merely retried


async def test_test_to_me_arrives_right_after_the_answer(bot):
    await team_with_members(bot)
    manager = bot.manager()
    await compose(manager, "Alle")
    before = copies(manager)
    flood_limits(bot)
    await manager.press("Test an mich", timeout=30)
    await manager.press("Test an mich", timeout=30)  # twice within a second: the second waits its turn
    assert copies(manager) == before + 2
    assert bot.fake.stats["429"] == 0


async def test_report_files_and_pictures_all_arrive(bot):
    await team_with_members(bot)
    manager = bot.manager()
    flood_limits(bot)
    replies = await manager.send("/report", timeout=60)
    assert [m.kind for m in replies] == ["text", "text", "photo", "photo", "photo", "photo", "document", "text"]
    assert bot.fake.stats["429"] == 0


async def test_a_reply_and_a_reminder_to_the_same_chat_share_one_pace(bot):
    team, lead, (anna, ben) = await team_with_members(bot)
    manager = bot.manager()
    await compose(manager, "Alle")
    await manager.press("Jetzt senden")
    flood_limits(bot)
    await bot.deliver()  # the announcement reaches Anna ...
    [answer] = await anna.send("/help", timeout=30)  # ... and her answer comes right after it, at the pace
    assert HELP in answer.text
    assert copies(anna) == 1 and copies(ben) == 1
    assert bot.fake.stats["429"] == 0


async def test_a_429_on_a_reply_is_waited_out_and_the_reply_arrives_once(bot):
    anna = await bot.register(bot.user("Anna"))
    time = virtual_limiter(bot)
    bot.fake.rate_limit(anna.user_id, retry_after=5, times=1)
    start = len(bot.fake.requests)
    replies = await anna.send("/help")
    assert [HELP in m.text for m in replies] == [True]
    assert len(sends_to(bot, anna, since=start)) == 2  # refused once, then sent once
    assert time.slept == [5.0]  # as long as Telegram asked


async def test_a_429_on_an_edit_and_on_a_button_answer_is_waited_out(bot):
    anna = await bot.register(bot.user("Anna"))
    await anna.send("/teams")
    time = virtual_limiter(bot)
    bot.fake.inject_error("answerCallbackQuery", 429, "Too Many Requests: retry after 3", parameters={"retry_after": 3})
    bot.fake.rate_limit(anna.user_id, retry_after=4, times=1)
    start = len(bot.fake.requests)
    [edited] = await anna.press("Beitreten")
    assert edited.edited and anna.callback_answers  # the button was answered and the screen changed
    assert len(sends_to(bot, anna, "editMessageText", since=start)) == 2
    assert time.slept == [3.0, 4.0]


async def test_a_wait_beyond_the_patience_gives_the_reply_up_without_blocking(bot, caplog):
    anna = await bot.register(bot.user("Anna"))
    time = virtual_limiter(bot)
    bot.fake.rate_limit(anna.user_id, retry_after=600, times=1)
    caplog.set_level(logging.INFO, "actionbot.replies")
    start = len(bot.fake.requests)
    assert await anna.send("/help") == []
    assert len(sends_to(bot, anna, since=start)) == 1 and time.slept == []  # tried once, then no ten-minute wait
    [given_up] = [r for r in caplog.records if "reply given up" in r.getMessage()]
    assert "what=message" in given_up.getMessage()
    time.now += 600  # once Telegram's wait is over, answers flow again
    [answer] = await anna.send("/help")
    assert HELP in answer.text


@pytest.mark.parametrize("flood", [False, True])
async def test_the_apology_is_not_lost_to_a_429(bot, monkeypatch, flood):
    anna = await bot.register(bot.user("Anna"))

    async def boom(*args, **kwargs):
        raise RuntimeError("kaputt")

    monkeypatch.setattr("models.teams.list_teams", boom)
    if flood:  # Anna's chat had a burst a moment ago (not through the limiter): Telegram refuses the apology once
        flood_limits(bot)
        for _ in range(3):
            await bot.app.bot.send_message(anna.user_id, "eben erst")
    else:
        time = virtual_limiter(bot)
        bot.fake.rate_limit(anna.user_id, retry_after=2, times=1)
    start = len(bot.fake.requests)
    replies = await anna.send("/teams", timeout=30)
    assert ["Entschuldigung" in m.text for m in replies] == [True]
    assert len(sends_to(bot, anna, since=start)) == 2  # refused once, then sent once
    if not flood:
        assert time.slept == [2.0]
