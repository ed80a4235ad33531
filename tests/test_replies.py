"""scheduler/replies.py on its own: a 429 is waited out, the waiting is bounded, the API call is never cut off."""

from __future__ import annotations

import asyncio
import logging

import pytest
from telegram.error import NetworkError, RetryAfter, TimedOut

from scheduler.limiter import Limits, RateLimiter
from scheduler.replies import Replies

FAST = Limits(overall_per_second=1000, per_chat_interval=0.0, per_group_per_minute=0)
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


class Virtual:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def virtual(limits: Limits = FAST) -> tuple[RateLimiter, Virtual]:
    time = Virtual()
    return RateLimiter(limits, monotonic=lambda: time.now, sleep=time.sleep), time


async def test_retry_after_is_waited_out_and_the_call_made_again():
    limiter, time = virtual()
    answers = [RetryAfter(3), RetryAfter(2)]

    async def call() -> str:
        if answers:
            raise answers.pop(0)
        return "gesendet"

    assert await Replies(limiter).send(42, call, "message") == "gesendet"
    assert time.slept == [3.0, 2.0]


async def test_a_wait_beyond_the_patience_left_gives_up_without_calling(caplog):
    limiter, time = virtual()
    replies = Replies(limiter, patience=30)
    calls = []

    async def call() -> None:
        calls.append(1)
        raise RetryAfter(20)

    caplog.set_level(logging.INFO, "actionbot.replies")
    assert await replies.send(42, call, "message") is None  # 20 s waited, the second 20 s would pass 30 s
    assert time.slept == [20.0] and len(calls) == 2
    assert await replies.send(43, call, "document") is None  # the pause holds every chat: not even tried
    assert len(calls) == 2
    assert [r.getMessage().split(" chat=")[0] for r in caplog.records if "given up" in r.getMessage()] == [
        "reply given up update_id=None what=message",
        "reply given up update_id=None what=document",
    ]


async def test_the_per_chat_pace_counts_against_the_patience():
    limiter, time = virtual(Limits(overall_per_second=30, per_chat_interval=1.05, per_group_per_minute=20))
    replies = Replies(limiter, patience=3)

    async def call() -> str:
        return "ok"

    results = [await replies.send(42, call, "message") for _ in range(6)]
    assert results == ["ok"] * 5 + [None]  # a burst of three at once, then 1.05 and 2.1 s; the 6th would be 3.15 s


async def test_a_pause_that_starts_while_waiting_for_the_slot_is_cut_off_at_the_patience():
    limits = Limits(overall_per_second=30, per_chat_interval=0.3, per_group_per_minute=20, per_chat_burst=1)
    limiter = RateLimiter(limits)
    replies = Replies(limiter, patience=0.6)

    async def call() -> str:
        return "ok"

    assert await replies.send(42, call, "message") == "ok"
    second = asyncio.create_task(replies.send(42, call, "message"))  # waits 0.3 s for its turn ...
    await asyncio.sleep(0.05)
    limiter.pause(60)  # ... when a 429 elsewhere stops everyone for a minute
    assert await second is None


async def test_the_api_call_itself_is_never_cut_off():
    limiter = RateLimiter(FAST)
    replies = Replies(limiter, patience=0.05)

    async def slow() -> str:
        await asyncio.sleep(0.2)  # longer than the patience: the request may already have reached Telegram
        return "angekommen"

    assert await replies.send(None, slow, "answer") == "angekommen"


class Outbox:
    """Stands in for handlers/later.py: records what was handed over."""

    def __init__(self) -> None:
        self.rows: list[str] = []

    def later(self, text: str):
        async def hand_over() -> None:
            self.rows.append(text)

        return hand_over


def refusing(times: int, error: Exception):
    """An API call that fails `times` times with `error`, then succeeds; counts its calls."""
    calls: list[int] = []

    async def call() -> str:
        calls.append(1)
        if len(calls) <= times:
            raise error
        return "gesendet"

    return call, calls


async def test_a_5xx_is_tried_again_after_1_and_2_seconds_and_the_message_arrives_once():
    limiter, time = virtual()
    outbox = Outbox()
    call, calls = refusing(2, NetworkError("Bad Gateway"))
    replies = Replies(limiter, label=7, sleep=time.sleep)
    assert await replies.send(42, call, "message", outbox.later("hilfe")) == "gesendet"
    assert time.slept == [1.0, 2.0] and len(calls) == 3 and outbox.rows == []


async def test_an_outage_longer_than_the_patience_hands_the_reply_and_the_rest_of_the_update_to_the_outbox(caplog):
    caplog.set_level(logging.INFO, "actionbot.replies")
    limiter, time = virtual()
    outbox = Outbox()
    call, calls = refusing(1000, NetworkError("Bad Gateway"))
    replies = Replies(limiter, patience=30, label=7, sleep=time.sleep)
    assert await replies.send(42, call, "message", outbox.later("erste")) is None
    assert time.slept == [1.0, 2.0, 4.0, 8.0] and len(calls) == 5  # the next wait (16 s) would pass 30 s
    assert await replies.send(42, call, "message", outbox.later("zweite")) is None  # follows the first, in order
    assert outbox.rows == ["erste", "zweite"] and len(calls) == 5
    handed = [r.getMessage() for r in caplog.records if "handed to the outbox" in r.getMessage()]
    assert handed[0] == "reply handed to the outbox update_id=7 what=message chat=42 reason=Bad Gateway"
    assert len(handed) == 2 and all(r.levelno == logging.INFO for r in caplog.records)


async def test_a_timeout_may_have_delivered_so_the_reply_goes_to_the_outbox_without_a_second_call():
    limiter, time = virtual()
    outbox = Outbox()
    call, calls = refusing(1, TimedOut())
    assert await Replies(limiter, sleep=time.sleep).send(42, call, "message", outbox.later("x")) is None
    assert len(calls) == 1 and time.slept == [] and outbox.rows == ["x"]


async def test_a_button_answer_in_an_outage_is_given_up_and_a_message_without_a_fallback_raises(caplog):
    caplog.set_level(logging.INFO, "actionbot.replies")
    limiter, time = virtual()
    call, _ = refusing(1000, NetworkError("Bad Gateway"))
    replies = Replies(limiter, patience=5, sleep=time.sleep)
    assert await replies.send(None, call, "answer") is None
    assert any("reply given up" in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records)
    with pytest.raises(NetworkError):
        await Replies(limiter, patience=5, sleep=time.sleep).send(42, call, "document")
