"""A failed send: did the message surely not reach Telegram, and how long until its row is tried again.

How python-telegram-bot 22 reports failures (telegram/request/_baserequest.py): every HTTP answer it has no
class for – all 5xx (502 included), and odd 4xx like 413 – is a plain `NetworkError` carrying the answer's
description; timeouts are `TimedOut` and transport failures `NetworkError`, both raised `from` the transport's
exception (httpx, or aiohttp in bot/transport.py). `BadRequest` is a subclass of `NetworkError` too, so callers
must catch it first.

An answer from the server, or a connection that was never made, means Telegram did not take the message: its
row waits and is retried until its expiry, without using up an attempt. A timeout or a connection dropped
mid-request is ambiguous (the message may have arrived): such an attempt counts, so a row is repeated at most
`MAX_ATTEMPTS - 1` times for it – the at-most-one-duplicate-per-ambiguous-outcome contract.
"""

from __future__ import annotations

import aiohttp
import httpx
from telegram.error import NetworkError, TelegramError, TimedOut

FIRST, CAP = 5.0, 300.0  # seconds: 5, 10, 20, 40, 80, 160, then every 5 minutes
_REMEMBERED = 100_000  # rows whose backoff is kept; beyond that it starts over (only pacing is lost)

_NOT_SENT: tuple[type[BaseException], ...] = (
    httpx.ConnectError,  # refused, unreachable, DNS
    httpx.ConnectTimeout,
    httpx.PoolTimeout,  # no free connection: the request never left
    aiohttp.ClientConnectorError,
    aiohttp.ConnectionTimeoutError,  # bot/transport.py: pool or connect timeout
)


def surely_not_sent(exc: NetworkError) -> bool:
    """True when Telegram cannot have taken the message: it answered with an error status (5xx), or no
    connection was made. False for a timeout or a dropped connection, whose request may have arrived."""
    cause = exc.__cause__
    if isinstance(cause, _NOT_SENT):
        return True
    if isinstance(exc, TimedOut):
        return False
    return cause is None or isinstance(cause, TelegramError)  # an HTTP answer (TelegramError: its body was no JSON)


class Backoff:
    """Growing waits per row: 5 s, 10 s, 20 s … at most 5 minutes, so a long outage costs few requests while
    a short one ends with a prompt delivery. Kept in memory: it only spaces the tries (a restart or a second
    process starts again at 5 s); what must survive – pending, due time, expiry – is in the row."""

    def __init__(self, first: float = FIRST, cap: float = CAP) -> None:
        self.first, self.cap = first, cap
        self._failures: dict[int, int] = {}

    def next(self, row_id: int) -> float:
        """The wait after one more failure of `row_id`."""
        if len(self._failures) >= _REMEMBERED:
            self._failures.clear()
        n = self._failures.get(row_id, 0)
        self._failures[row_id] = n + 1
        return min(self.cap, self.first * 2.0 ** min(n, 30))

    def forget(self, row_id: int) -> None:
        """The row is done (sent, failed, skipped …): its next failure would be a new story."""
        self._failures.pop(row_id, None)
