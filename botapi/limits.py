"""Flood limits and failure injection.

Real Telegram answers 429/403/400-migrated at awkward moments; the bot must
survive them.  These helpers decide, per request, whether to fail it.  Each
check is O(1) amortised (deques of timestamps) so benchmarks stay cheap.
"""

from __future__ import annotations

import math
from collections import deque

from .models import ApiError, bad_request


class SlidingWindow:
    """At most ``limit`` hits within any ``period`` seconds."""

    __slots__ = ("hits", "limit", "period")

    def __init__(self, limit: int, period: float) -> None:
        self.limit = limit
        self.period = period
        self.hits: deque[float] = deque()

    def retry_after(self, now: float) -> int:
        """0 if a hit is allowed now, else whole seconds until a slot frees (>= 1)."""
        hits, cutoff = self.hits, now - self.period
        while hits and hits[0] <= cutoff:
            hits.popleft()
        if len(hits) < self.limit:
            return 0
        return max(1, math.ceil(hits[0] + self.period - now))

    def take(self, now: float) -> None:
        self.hits.append(now)


class TokenBucket:
    """``burst`` hits at once, refilled at ``rate`` per second: Telegram's per-chat limit as its FAQ puts it
    ("avoid more than one message per second in a single chat" over time; "short bursts" are allowed)."""

    __slots__ = ("at", "burst", "rate", "tokens")

    def __init__(self, burst: int, rate: float) -> None:
        self.burst = burst
        self.rate = rate
        self.tokens = float(burst)
        self.at = float("-inf")

    def _level(self, now: float) -> float:
        return min(float(self.burst), self.tokens + (now - self.at) * self.rate)

    def retry_after(self, now: float) -> int:
        level = self._level(now)
        return 0 if level >= 1 else max(1, math.ceil((1 - level) / self.rate))

    def take(self, now: float) -> None:
        self.tokens, self.at = self._level(now) - 1, now


class FloodLimits:
    """Telegram's documented flood limits: overall (a sliding second), per chat (a token bucket: a burst of
    ``per_chat_burst``, then ``per_chat_per_second`` sustained) and per group (a sliding minute)."""

    def __init__(
        self, overall_per_second: int | None, per_chat_per_second: int | None,
        per_group_per_minute: int | None, per_chat_burst: int = 3,
    ) -> None:
        self.overall = SlidingWindow(overall_per_second, 1.0) if overall_per_second else None
        self.per_chat = per_chat_per_second
        self.burst = max(1, per_chat_burst)
        self.per_group = per_group_per_minute
        self._chats: dict[int, TokenBucket] = {}
        self._groups: dict[int, SlidingWindow] = {}
        self._album: dict[int, str] = {}  # per chat, the album whose items are being counted

    def _windows(self, chat_id: int) -> list[SlidingWindow | TokenBucket]:
        wins: list[SlidingWindow | TokenBucket] = [self.overall] if self.overall else []
        if self.per_chat:
            bucket = self._chats.get(chat_id)
            if bucket is None:
                bucket = self._chats[chat_id] = TokenBucket(self.burst, float(self.per_chat))
            wins.append(bucket)
        if self.per_group and chat_id < 0:
            win = self._groups.get(chat_id)
            if win is None:
                win = self._groups[chat_id] = SlidingWindow(self.per_group, 60.0)
            wins.append(win)
        return wins

    def check(self, chat_id: int, now: float) -> None:
        """Raise a 429 if sending to ``chat_id`` now would exceed a limit."""
        wait = max((w.retry_after(now) for w in self._windows(chat_id)), default=0)
        if wait:
            raise too_many_requests(wait)

    def commit(self, chat_id: int, now: float, album: str | None = None) -> None:
        """Count one message. An album's items all count overall, but take one token of the chat's bucket
        together (one request to the flood check)."""
        first = album is None or self._album.get(chat_id) != album
        if album is not None:
            self._album[chat_id] = album
        for w in self._windows(chat_id):
            if first or w is self.overall:
                w.take(now)


def too_many_requests(retry_after: int) -> ApiError:
    return ApiError(429, f"Too Many Requests: retry after {retry_after}",
                    {"retry_after": retry_after})


class Faults:
    """Test-controlled failures: blocked chats, forced 429s, migrated groups, any error."""

    def __init__(self) -> None:
        self.blocked: set[int] = set()
        self.rate_limited: dict[int, list[int]] = {}  # chat -> [retry_after, times left]
        self.migrated: dict[int, int] = {}
        self.injected: dict[str, deque[ApiError]] = {}
        self.outage: ApiError | None = None  # answers every method but those spared, until switched off
        self.outage_spares: frozenset[str] = frozenset()

    def check_chat(self, chat_id: int, sending: bool) -> None:
        """Raise the configured failure for a request addressed to ``chat_id``."""
        new_id = self.migrated.get(chat_id)
        if new_id is not None:
            raise bad_request("group chat was upgraded to a supergroup chat",
                              {"migrate_to_chat_id": new_id})
        if chat_id in self.blocked:
            if chat_id < 0:
                raise ApiError(403, "Forbidden: bot was kicked from the group chat")
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if sending:
            rl = self.rate_limited.get(chat_id)
            if rl is not None:
                rl[1] -= 1
                if rl[1] <= 0:
                    del self.rate_limited[chat_id]
                raise too_many_requests(rl[0])

    def check_method(self, method: str) -> None:
        if self.outage is not None and method not in self.outage_spares:
            raise self.outage
        queue = self.injected.get(method)
        if queue:
            raise queue.popleft()
