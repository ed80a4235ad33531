"""Telegram's return after an outage, noticed within seconds instead of at each row's grown backoff.

While sends fail with a 5xx or no connection, the rows wait with a growing backoff (scheduler/retry.py: up to
5 minutes), which spares requests in a long outage but would leave a short one's messages waiting long after
Telegram is back. So once a send fails that way, a probe asks Telegram `getMe` every `interval` seconds (one
tiny request, no message); the first successful Bot API call – the probe's or a send's – ends the outage and
`on_back` makes every row waiting for the network due at once. A failure followed by an answer within one probe
interval is no outage (one row's 5xx while the rest go out): that row keeps its backoff, so a row Telegram keeps
refusing is not retried at the pace of the others.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from telegram import Bot
from telegram.error import NetworkError, TelegramError

log = logging.getLogger("actionbot.dispatcher")
PROBE_INTERVAL = 2.0  # seconds between probes while Telegram is unreachable


class Comeback:
    def __init__(
        self, bot: Bot, on_back: Callable[[float], Awaitable[None]], interval: float = PROBE_INTERVAL
    ) -> None:
        self.bot, self.on_back, self.interval = bot, on_back, interval
        self.down_since: float | None = None  # monotonic time of the first failed send of this outage
        self.probing = False  # only a running dispatcher probes (tests drive `drain()` by hand)
        self._probe: asyncio.Task[None] | None = None

    def start(self) -> None:
        """The dispatcher runs: probe from now on (at once if an outage is already under way)."""
        self.probing = True
        if self.down_since is not None:
            self.failed()

    def failed(self) -> None:
        """A send failed with a 5xx or no connection."""
        if self.down_since is None:
            self.down_since = time.monotonic()
        if self.probing and (self._probe is None or self._probe.done()):
            self._probe = asyncio.create_task(self._run(), name="telegram-probe")

    async def answered(self) -> None:
        """A Bot API call succeeded: if an outage was under way, it is over."""
        if self.down_since is None:
            return
        down_for, self.down_since = time.monotonic() - self.down_since, None
        probe, self._probe = self._probe, None
        if probe is not None and probe is not asyncio.current_task():
            probe.cancel()
        if down_for < self.interval:  # a failure among answers, no outage: that row keeps its backoff
            return
        await self.on_back(down_for)

    async def _run(self) -> None:
        while self.down_since is not None:
            await asyncio.sleep(self.interval)
            try:
                await self.bot.get_me()
            except NetworkError:  # still unreachable (a 5xx, no connection, a timeout)
                continue
            except TelegramError:  # any other answer: Telegram itself is reachable again
                pass
            try:
                await self.answered()
            except Exception:
                log.exception("waking the rows after Telegram's return failed; they go out at their backoff")
            return

    async def stop(self) -> None:
        self.probing = False
        probe, self._probe = self._probe, None
        if probe is not None:
            probe.cancel()
            await asyncio.gather(probe, return_exceptions=True)
