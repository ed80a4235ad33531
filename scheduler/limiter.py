"""Pacing below Telegram's flood limits: ~30 messages/s overall, 1/s per chat, 20/min per group.

PTB's AIORateLimiter lets bursts through and only reacts to 429; background sends must never cause one,
so each send first reserves a slot here. Reservations are handed out in call order, so one chat's
messages keep their order. Uses the real monotonic clock by default (flood limits are about real seconds);
tests pass their own `monotonic` and `sleep` so a 429's wait takes no real time.
"""

from __future__ import annotations

import asyncio
import bisect
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Limits:
    overall_per_second: float = 30.0
    per_chat_interval: float = 1.05
    per_group_per_minute: int = 20


WINDOW = 1.005  # spacing of slots: 30 per WINDOW seconds; the margin against jitter is in `_window_check`
TELEGRAM_SECOND = 1.002  # Telegram's window, a hair longer so clock granularity cannot make 31


@dataclass
class _Send:
    """One send as the window check sees it: when it started and when Telegram answered (None: in flight)."""

    start: float
    end: float | None = None
    answered: asyncio.Event = field(default_factory=asyncio.Event)


class RateLimiter:
    def __init__(
        self,
        limits: Limits | None = None,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.limits = limits or Limits()
        self._now, self._sleep = monotonic, sleep
        self._times: list[float] = []  # reserved send times, sorted
        self._sent: deque[_Send] = deque()  # the last `overall_per_second` sends, in start order
        self._chat_next: dict[int, float] = {}
        self._groups: dict[int, deque[float]] = {}
        self._paused_until = 0.0
        self.on_pause: Callable[[float], None] | None = None  # metrics: every 429 pauses here (bot/metrics.py)
        self._lock = asyncio.Lock()

    def pause(self, seconds: float) -> None:
        """Telegram said 429: nobody sends until the wait is over."""
        self._paused_until = max(self._paused_until, self._now() + seconds)
        if self.on_pause is not None:
            self.on_pause(seconds)

    def now(self) -> float:
        """The limiter's clock (monotonic seconds): a caller that bounds its own waiting measures with it."""
        return self._now()

    def delay(self, chat_id: int | None) -> float:
        """How long a send to `chat_id` asked for now would wait (None: a call that takes no send slot and waits
        only for a 429's pause). Lets a caller with little patience give up before it takes a slot."""
        now = self._now()
        at = max(now, self._paused_until) if chat_id is None else self._slot(chat_id, now)
        return max(0.0, at - now)

    async def resumed(self) -> None:
        """Wait until a 429's pause is over (for calls that take no send slot, like answering a button)."""
        while (wait := self._paused_until - self._now()) > 0:
            await self._sleep(wait)

    def _slot(self, chat_id: int, now: float) -> float:
        """The earliest time a message to `chat_id` may go, given every reservation so far."""
        at = max(now, self._paused_until, self._chat_next.get(chat_id, 0.0))
        cut = bisect.bisect_left(self._times, now - 2 * WINDOW)
        if cut:
            del self._times[:cut]
        if chat_id < 0 and self.limits.per_group_per_minute:
            times = self._groups.setdefault(chat_id, deque())
            while times and times[0] <= now - 60.0:
                times.popleft()
            if len(times) >= self.limits.per_group_per_minute:
                at = max(at, times[len(times) - self.limits.per_group_per_minute] + 60.5)
        if self.limits.overall_per_second:
            # evenly spaced, never in bursts: jitter on the way cannot then push 31 sends into one second
            gap = WINDOW / self.limits.overall_per_second
            while True:
                i = bisect.bisect_left(self._times, at)
                if i > 0 and self._times[i - 1] > at - gap:
                    at = self._times[i - 1] + gap
                    continue
                if i < len(self._times) and self._times[i] < at + gap:
                    at = self._times[i] + gap
                    continue
                break
        return at

    async def acquire(self, chat_id: int) -> None:
        """Wait for a send slot to `chat_id` and take it (the call is assumed to reach Telegram at once;
        `slot()` is exact and is what the dispatcher uses)."""
        send = await self._take(chat_id)
        send.end = self._now()
        send.answered.set()

    @asynccontextmanager
    async def slot(self, chat_id: int) -> AsyncIterator[None]:
        """Wait for a send slot to `chat_id`; the API call runs inside. Its answer bounds when the request
        reached Telegram, and the 31st send after it waits for that bound plus a second (see `_window_check`)."""
        send = await self._take(chat_id)
        try:
            yield
        finally:
            send.end = self._now()
            send.answered.set()

    async def _take(self, chat_id: int) -> _Send:
        async with self._lock:
            now = self._now()
            at = self._slot(chat_id, now)
            bisect.insort(self._times, at)
            self._chat_next[chat_id] = at + self.limits.per_chat_interval
            if chat_id < 0:
                self._groups.setdefault(chat_id, deque()).append(at)
            if len(self._chat_next) > 50_000:
                self._chat_next = {c: t for c, t in self._chat_next.items() if t > now}
        delay = at - self._now()
        if delay > 0:
            await self._sleep(delay)
        return await self._window_check()

    async def _window_check(self) -> _Send:
        """Count real sends too: a busy event loop wakes senders late and bunches them up, and a request may
        sit in the loop or the network after it was counted. A request reaches Telegram between its start and
        its answer, so a send may start only once the send `limit` places before it started WINDOW ago and
        was answered a second ago: then no second on Telegram's side can hold more than `limit`."""
        limit = int(self.limits.overall_per_second)
        recent = self._sent
        while True:
            now = self._now()
            if now < self._paused_until:  # a 429 arrived while this send waited for its slot
                await self._sleep(self._paused_until - now)
                continue
            if not limit or len(recent) < limit:
                break
            oldest = recent[0]
            if oldest.end is None:
                await oldest.answered.wait()
                continue
            ready = max(oldest.start + WINDOW, oldest.end + TELEGRAM_SECOND)
            if now >= ready:
                recent.popleft()
                break
            await self._sleep(ready - now)
        send = _Send(now)
        if limit:
            recent.append(send)
        return send
