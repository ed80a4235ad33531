"""The pending-update queue and its two delivery modes: getUpdates and webhooks.

Mirrors Telegram's semantics that bots depend on: updates stay queued until
confirmed by a higher ``offset`` (or acknowledged by a 2xx webhook reply),
long polls return as soon as something is queued, and polling and webhooks
are mutually exclusive (409 Conflict).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from itertools import islice
from typing import Any

import aiohttp

from .models import ApiError

_CONFLICT_WEBHOOK_ACTIVE = ("Conflict: can't use getUpdates method while webhook is active; "
                            "use deleteWebhook to delete the webhook first")
_CONFLICT_SET_WEBHOOK = "Conflict: terminated by setWebhook request"
_CONFLICT_OTHER_POLL = ("Conflict: terminated by other getUpdates request; make sure that only "
                        "one bot instance is running")


class UpdateQueue:
    """Pending updates plus long-poll wakeups and webhook delivery."""

    def __init__(self) -> None:
        self.pending: deque[dict[str, Any]] = deque()
        self.webhook: dict[str, Any] | None = None
        self.webhook_retries = 3
        self.webhook_errors: list[str] = []
        self.delivered: list[tuple[dict[str, Any], int]] = []  # (update, HTTP status)
        self._last_error: tuple[int, str] | None = None
        self._event = asyncio.Event()
        self._poll_gen = 0
        self._closing = False
        self._task: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None
        self.on_change: Callable[[], None] = lambda: None  # FakeTelegram wakes its waiters

    def push(self, update: dict[str, Any]) -> None:
        self.pending.append(update)
        self._event.set()

    def confirm(self, offset: int | None) -> None:
        """Drop updates older than ``offset`` (negative: keep only the last ``-offset``)."""
        if offset is None:
            return
        pending = self.pending
        if offset < 0:
            while len(pending) > -offset:
                pending.popleft()
        else:
            while pending and pending[0]["update_id"] < offset:
                pending.popleft()

    async def get_updates(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook is not None:
            raise ApiError(409, _CONFLICT_WEBHOOK_ACTIVE)
        limit = max(1, min(100, int(p.get("limit") or 100)))
        timeout = max(0.0, float(p.get("timeout") or 0))
        self._poll_gen += 1
        gen = self._poll_gen
        self._event.set()  # let an older long poll notice it was superseded
        self.confirm(p.get("offset"))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if self._closing:
                return []
            if self.webhook is not None:
                raise ApiError(409, _CONFLICT_SET_WEBHOOK)
            if gen != self._poll_gen:
                raise ApiError(409, _CONFLICT_OTHER_POLL)
            if self.pending:
                return list(islice(self.pending, limit))
            remaining = deadline - loop.time()
            if remaining <= 0:
                return []
            self._event.clear()
            try:
                await asyncio.wait_for(self._event.wait(), remaining)
            except TimeoutError:
                pass

    # -- webhooks ---------------------------------------------------------------

    def set_webhook(self, p: dict[str, Any]) -> bool:
        url = p.get("url") or ""
        if p.get("drop_pending_updates"):
            self.pending.clear()
        if not url:
            self.delete_webhook({})
            return True
        self.webhook = {
            "url": url,
            "secret_token": p.get("secret_token"),
            "max_connections": p.get("max_connections") or 40,
            "allowed_updates": p.get("allowed_updates"),
        }
        self._last_error = None
        self._event.set()
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._deliver_loop())
        return True

    def delete_webhook(self, p: dict[str, Any]) -> bool:
        if p.get("drop_pending_updates"):
            self.pending.clear()
        self.webhook = None
        if self._task is not None:
            self._task.cancel()
            self._task = None
        return True

    def webhook_info(self) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self.webhook["url"] if self.webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self.pending),
        }
        if self.webhook:
            info["max_connections"] = self.webhook["max_connections"]
            if self.webhook["allowed_updates"] is not None:
                info["allowed_updates"] = self.webhook["allowed_updates"]
        if self._last_error:
            info["last_error_date"], info["last_error_message"] = self._last_error
        return info

    async def _deliver_loop(self) -> None:
        while not self._closing and self.webhook is not None:
            if not self.pending:
                self._event.clear()
                await self._event.wait()
                continue
            update = self.pending[0]
            await self._deliver(update)
            if self.pending and self.pending[0] is update:
                self.pending.popleft()
            self.on_change()

    async def _deliver(self, update: dict[str, Any]) -> bool:
        """POST one update, retrying non-2xx answers; give up (and record why) after retries."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        error = ""
        for attempt in range(self.webhook_retries + 1):
            hook = self.webhook
            if hook is None:
                return False
            headers = {}
            if hook["secret_token"]:
                headers["X-Telegram-Bot-Api-Secret-Token"] = hook["secret_token"]
            try:
                async with self._session.post(hook["url"], json=update, headers=headers) as resp:
                    await resp.read()
                    self.delivered.append((update, resp.status))
                    self.on_change()
                    if 200 <= resp.status < 300:
                        return True
                    error = f"Wrong response from the webhook: {resp.status} {resp.reason}"
            except (aiohttp.ClientError, TimeoutError) as exc:
                error = f"Connection failed: {exc!r}"
            self._last_error = (int(time.time()), error)
            await asyncio.sleep(0.05 * 2**attempt)
        self.webhook_errors.append(f"update {update['update_id']}: {error}")
        return False

    async def close(self) -> None:
        self._closing = True
        self._event.set()
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):  # noqa: BLE001 - shutting down
                pass
            self._task = None
        if self._session is not None:
            await self._session.close()


class Notifier:
    """Wake every waiter on any state change; notify() is sync so any code path can call it."""

    def __init__(self) -> None:
        self._waiters: list[asyncio.Future[None]] = []

    def notify(self) -> None:
        if self._waiters:
            waiters, self._waiters = self._waiters, []
            for fut in waiters:
                if not fut.done():
                    fut.set_result(None)

    async def wait(self) -> None:
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(fut)
        await fut
