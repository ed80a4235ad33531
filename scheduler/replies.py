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

A 5xx or a connection that could not be made (Telegram did not take the message) is tried again within the
same patience, after 1 s, 2 s, 4 s …; if Telegram is still away when the patience is used up – or the failure
was a timeout, after which the message may have arrived – a message with a `later` hands itself to the outbox
(handlers/later.py: due now, expiring after `[delivery] reply_expiry_minutes`), so the person gets one answer
once Telegram is back instead of none. A call without `later` (answering a button) is given up with one line.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeVar, cast

from telegram.error import BadRequest, NetworkError, RetryAfter

from scheduler.limiter import RateLimiter
from scheduler.retry import surely_not_sent

log = logging.getLogger("actionbot.replies")
T = TypeVar("T")
PATIENCE = 30.0  # seconds one update's replies may wait in all
_TOO_LATE = object()
FIRST_RETRY = 1.0  # seconds before a reply refused with a 5xx is tried again; doubled each time


def retry_seconds(exc: RetryAfter) -> float:
    """Telegram's `retry_after` in whole seconds, at least one (PTB gives an int or a timedelta)."""
    value = exc.retry_after
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    return float(max(1, math.ceil(seconds)))


class Replies:
    """The direct sends of one update: paced per chat, 429s waited out, all within `patience` seconds."""

    def __init__(
        self,
        limiter: RateLimiter,
        patience: float | None = None,
        *,
        label: object = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.limiter = limiter
        self._sleep = sleep  # between tries after a 5xx (tests pass the limiter's virtual clock's)
        self.patience = PATIENCE if patience is None else patience
        self.label = label  # shown in the log line of a given-up message (the update id)
        self._deadline: float | None = None
        self._handed_over = False  # a message of this update went to the outbox: the rest follow it there

    def left(self) -> float:
        if self._deadline is None:
            self._deadline = self.limiter.now() + self.patience
        return self._deadline - self.limiter.now()

    async def send(
        self,
        chat_id: int | None,
        call: Callable[[], Awaitable[T]],
        what: str,
        later: Callable[[], Awaitable[None]] | None = None,
    ) -> T | None:
        """Run the API `call` that sends to `chat_id` (None: no message, e.g. answering a button: only a 429's
        pause applies). Returns its result, or None when the message was given up or handed to the outbox
        (`later`, see the module docstring). Other errors propagate."""
        retry = FIRST_RETRY
        if self._handed_over and later is not None:  # behind the one waiting in the outbox, in order
            await self._hand_over(later, what, chat_id, "an earlier message of the update waits there")
            return None
        while True:
            left = self.left()
            wait = self.limiter.delay(chat_id, reply=True)
            if wait > left:
                self._give_up(what, chat_id, f"wait={wait:.0f}s patience_left={max(0.0, left):.0f}s")
                return None
            try:
                sent = await self._once(chat_id, call, left)
            except BadRequest:
                raise
            except NetworkError as exc:  # a 5xx, no connection, a timeout
                left = self.left()
                if surely_not_sent(exc) and retry < left:
                    log.info("reply retried update_id=%s what=%s chat=%s in=%.0fs reason=%s",
                             self.label, what, chat_id, retry, exc.message)  # fmt: skip
                    await self._sleep(retry)
                    retry *= 2
                    continue
                if later is None and chat_id is not None:
                    raise
                if later is None:
                    self._give_up(what, chat_id, f"reason={exc.message}")
                    return None
                await self._hand_over(later, what, chat_id, exc.message)
                return None
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

    async def _hand_over(self, later: Callable[[], Awaitable[None]], what: str, chat_id: int | None, why: str) -> None:
        await later()
        self._handed_over = True
        log.info("reply handed to the outbox update_id=%s what=%s chat=%s reason=%s", self.label, what, chat_id, why)

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
