"""Direct replies (the answer to what someone just did) under Telegram's flood limits.

A reply goes out at once, not through the outbox, but through the same `RateLimiter` as the dispatcher, so a
reply and a reminder to the same chat share one per-chat pace. Replies are the limiter's first class: a short
burst per private chat goes at once, and a free slot of the overall budget goes to a waiting reply before any
background row (see scheduler/limiter.py). A 429 is waited out as Telegram asks (everyone
pauses, as in the dispatcher) and the message is sent again, so it arrives once.

The waiting is bounded: all waits of one update (pace and 429s together) stay within `PATIENCE` seconds, counted
from its first send. A wait that would end later gives that message up with one log line instead of holding the
person's queue (their next updates wait behind this one) for minutes; Telegram asks for such long waits only
when the bot is flooded, and then a dropped answer is the lesser harm.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeVar, cast

from telegram.error import RetryAfter

from scheduler.limiter import RateLimiter

log = logging.getLogger("actionbot.replies")
T = TypeVar("T")
PATIENCE = 30.0  # seconds one update's replies may wait in all
_TOO_LATE = object()


def retry_seconds(exc: RetryAfter) -> float:
    """Telegram's `retry_after` in whole seconds, at least one (PTB gives an int or a timedelta)."""
    value = exc.retry_after
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    return float(max(1, math.ceil(seconds)))


class Replies:
    """The direct sends of one update: paced per chat, 429s waited out, all within `patience` seconds."""

    def __init__(self, limiter: RateLimiter, patience: float = PATIENCE, *, label: object = None) -> None:
        self.limiter = limiter
        self.patience = patience
        self.label = label  # shown in the log line of a given-up message (the update id)
        self._deadline: float | None = None

    def left(self) -> float:
        if self._deadline is None:
            self._deadline = self.limiter.now() + self.patience
        return self._deadline - self.limiter.now()

    async def send(self, chat_id: int | None, call: Callable[[], Awaitable[T]], what: str) -> T | None:
        """Run the API `call` that sends to `chat_id` (None: no message, e.g. answering a button: only a 429's
        pause applies). Returns its result, or None when the message was given up. Other errors propagate."""
        while True:
            left = self.left()
            wait = self.limiter.delay(chat_id, reply=True)
            if wait > left:
                self._give_up(what, chat_id, f"wait={wait:.0f}s patience_left={max(0.0, left):.0f}s")
                return None
            try:
                sent = await self._once(chat_id, call, left)
            except RetryAfter as exc:
                seconds = retry_seconds(exc)
                self.limiter.pause(seconds)
                log.info(
                    "reply waits update_id=%s what=%s chat=%s retry_after=%.0fs",
                    self.label,
                    what,
                    chat_id,
                    seconds,
                )
                continue
            if sent is _TOO_LATE:  # a 429 elsewhere paused everyone beyond our patience while we waited
                self._give_up(what, chat_id, "paused beyond the patience left")
                return None
            return cast(T, sent)

    def _give_up(self, what: str, chat_id: int | None, why: str) -> None:
        log.warning("reply given up update_id=%s what=%s chat=%s %s", self.label, what, chat_id, why)

    async def _once(self, chat_id: int | None, call: Callable[[], Awaitable[T]], left: float) -> T | object:
        """One attempt: the wait for the slot is cut off at the patience left (then `_TOO_LATE`); the API call
        itself never is (it may already have reached Telegram)."""
        scope = asyncio.timeout(left)
        try:
            async with scope:
                if chat_id is None:
                    await self.limiter.resumed()
                    scope.reschedule(None)
                    return await call()
                async with self.limiter.slot(chat_id, reply=True):
                    scope.reschedule(None)
                    return await call()
        except TimeoutError:
            if scope.expired():
                return _TOO_LATE
            raise
        raise AssertionError("unreachable")  # pragma: no cover - for mypy: every path returned above
