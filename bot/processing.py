"""Concurrent update processing that keeps each person's updates in order: `PerChatUpdateProcessor`.

PTB processes updates one after another by default, so a slow database round trip of one person delays
everybody. With `concurrent_updates(n)` it runs them all at once and a double click can be handled out
of order (two transactions of the same person racing). This processor sits in between:

* updates of the same user and of the same chat run strictly one after another, in the order Telegram
  delivered them (an update waits until it is first in line for its user *and* its chat);
* updates of different users run concurrently, at most `concurrency` at a time (FIFO);
* an update waiting for its turn does not hold one of the `concurrency` slots, so one person flooding the
  bot cannot stall everybody else.

PTB admits updates through its own semaphore before `do_process_update`; that bound (`max_pending`,
reported as `max_concurrent_updates`) only limits how many updates may be in flight including those
waiting for their turn. Ordering is fixed synchronously when an update is admitted: PTB starts one task
per update in delivery order and its semaphore is FIFO, so tickets are taken in delivery order.
"""

from __future__ import annotations

import asyncio
import inspect
from collections import deque
from collections.abc import Awaitable, Coroutine, Hashable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

_NO_KEY = "-"  # updates without user and chat (polls, custom objects) are serialised among themselves


def ordering_keys(update: object) -> tuple[Hashable, ...]:
    """The user and chat an update belongs to (a private chat's id equals the user's id)."""
    if isinstance(update, Update):
        keys: list[Hashable] = []
        user = update.effective_user
        chat = update.effective_chat
        if user is not None:
            keys.append(user.id)
        if chat is not None and (user is None or chat.id != user.id):
            keys.append(chat.id)
        if keys:
            return tuple(keys)
    return (_NO_KEY,)


class _Ticket:
    __slots__ = ("blocked", "keys", "turn")

    def __init__(self, keys: tuple[Hashable, ...]) -> None:
        self.keys = keys
        self.blocked = 0  # number of keys for which an earlier update is still in line
        self.turn: asyncio.Future[None] | None = None


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Serialise updates per user and per chat, run different users concurrently (bounded)."""

    def __init__(self, concurrency: int = 64, max_pending: int = 10_000) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be a positive integer")
        super().__init__(max(max_pending, concurrency, 2))  # > 1 makes PTB hand updates over concurrently
        self._concurrency = concurrency
        self._slots = asyncio.Semaphore(concurrency)
        self._lines: dict[Hashable, deque[_Ticket]] = {}
        self._running = 0

    @property
    def concurrency(self) -> int:
        """How many updates run at the same time at most."""
        return self._concurrency

    @property
    def running(self) -> int:
        """Updates running right now (not counting those waiting for their turn or a slot)."""
        return self._running

    @property
    def waiting_keys(self) -> int:
        """Users/chats with at least one update in line (for diagnostics and tests)."""
        return len(self._lines)

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    def _enter(self, keys: tuple[Hashable, ...]) -> _Ticket:
        ticket = _Ticket(keys)
        for key in keys:
            line = self._lines.get(key)
            if line is None:
                self._lines[key] = deque((ticket,))
            else:
                line.append(ticket)
                ticket.blocked += 1
        return ticket

    def _leave(self, ticket: _Ticket) -> None:
        for key in ticket.keys:
            line = self._lines[key]
            if line[0] is ticket:
                line.popleft()
                if not line:
                    del self._lines[key]
                    continue
                head = line[0]
                head.blocked -= 1
                if head.blocked == 0 and head.turn is not None and not head.turn.done():
                    head.turn.set_result(None)
            else:  # cancelled while waiting: it was never first in this line
                line.remove(ticket)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        ticket = self._enter(ordering_keys(update))  # no await before this: keeps delivery order
        try:
            if ticket.blocked:
                ticket.turn = asyncio.get_running_loop().create_future()
                await ticket.turn
            async with self._slots:
                self._running += 1
                try:
                    await coroutine
                finally:
                    self._running -= 1
        except BaseException:
            if isinstance(coroutine, Coroutine) and inspect.getcoroutinestate(coroutine) == inspect.CORO_CREATED:
                coroutine.close()  # cancelled before it ran: avoid "coroutine was never awaited"
            raise
        finally:
            self._leave(ticket)


def database_options(url: str) -> dict[str, Any]:
    """Engine options that suit concurrent processing (passed to `Database(url, **options)`).

    SQLite: every transaction starts with BEGIN IMMEDIATE, so only one can run at a time anyway. With a
    pool of several connections the others wait in SQLite's busy handler, which sleeps in growing steps
    and is not fair: under load a transaction can starve past busy_timeout ("database is locked"). One
    pooled connection makes them queue in the process instead, first come first served, without sleeps.
    """
    if url.startswith("sqlite"):
        return {"pool_size": 1, "max_overflow": 0, "pool_timeout": 60}
    return {}
