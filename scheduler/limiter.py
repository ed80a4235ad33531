"""Pacing below Telegram's flood limits: ~30 messages/s overall, 1/s per chat, 20/min per group.

PTB's AIORateLimiter lets bursts through and only reacts to 429; background sends must never cause one,
so each send first reserves a slot here. Reservations are handed out in call order, so one chat's
messages keep their order. Uses the real monotonic clock: flood limits are about real seconds.
"""

from __future__ import annotations

import asyncio
import bisect
import time
from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    overall_per_second: float = 30.0
    per_chat_interval: float = 1.05
    per_group_per_minute: int = 20


WINDOW = 1.04  # a little over a second, so network jitter cannot squeeze 31 sends into Telegram's second


class RateLimiter:
    def __init__(self, limits: Limits | None = None) -> None:
        self.limits = limits or Limits()
        self._times: list[float] = []  # reserved send times, sorted
        self._sent: deque[float] = deque()  # actual send times of the last window
        self._chat_next: dict[int, float] = {}
        self._groups: dict[int, deque[float]] = {}
        self._paused_until = 0.0
        self._lock = asyncio.Lock()

    def pause(self, seconds: float) -> None:
        """Telegram said 429: nobody sends until the wait is over."""
        self._paused_until = max(self._paused_until, time.monotonic() + seconds)

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
        """Wait for a send slot to `chat_id` and take it."""
        async with self._lock:
            now = time.monotonic()
            at = self._slot(chat_id, now)
            bisect.insort(self._times, at)
            self._chat_next[chat_id] = at + self.limits.per_chat_interval
            if chat_id < 0:
                self._groups.setdefault(chat_id, deque()).append(at)
            if len(self._chat_next) > 50_000:
                self._chat_next = {c: t for c, t in self._chat_next.items() if t > now}
        delay = at - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        await self._window_check()

    async def _window_check(self) -> None:
        """A busy event loop can wake a sender late and bunch sends up; count real send times too."""
        limit = int(self.limits.overall_per_second)
        if not limit:
            return
        sent = self._sent
        while True:
            now = time.monotonic()
            while sent and sent[0] <= now - WINDOW:
                sent.popleft()
            if len(sent) < limit:
                sent.append(now)
                return
            await asyncio.sleep(sent[0] + WINDOW - now + 1e-4)
