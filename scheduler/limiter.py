"""Pacing below Telegram's flood limits: ~30 messages/s overall, ~1/s per chat over time, 20/min per group.

What Telegram says (Bots FAQ, "My bot is hitting limits"; shared/TELEGRAM-FACTS.md): in a single chat avoid
more than one message per second *over time*, "we may allow short bursts that go over this limit, but
eventually you'll begin receiving 429 errors"; in a group no more than 20 messages per minute; bulk
notifications no more than about 30 messages per second. No burst size is published, so the numbers here are
the smallest that serve a dialogue:

* a **reply** (the answer to what a person just did) to a private chat draws on a token bucket of
  `per_chat_burst` = 3 messages, refilled one per `per_chat_interval` = 1.05 s: an answer is at most an edit
  plus two messages (a preview and its buttons, a list and its pager), so it goes out at once, and the
  sustained rate stays below one per second with a 5 % margin for jitter on the way;
* a **background** send (reminders, announcements, any outbox row) keeps the even pace of one per
  1.05 s per chat and never bursts, so bursts remain for the person's own dialogue;
* groups get no burst: 1.05 s apart and at most 20 in any minute, replies and background alike;
* the overall budget of 30 per 1.005 s is one evenly spaced grid shared by everything; a free slot goes to
  the oldest waiting reply first and only then to the oldest background send, so a broadcast running at
  full rate yields to a reply instead of queueing it behind its rows, and the sum never exceeds the budget;
* the grid's slots are fixed by the ideal schedule (a GCRA), not by the previous send: a send that comes
  late (its row's commit, an event loop busy elsewhere) takes a slot it missed, and the next ones go at once
  until the schedule is met again, so delays do not add up over a broadcast; the sends of any second (by
  their starts, and by their answers) are counted apart from the grid and never exceed the budget.

Messages to one chat go out in the order they asked (a chat's queue is first come, first served). A 429
pauses every send (`pause`). Uses the real monotonic clock by default (flood limits are about real seconds);
tests pass their own `monotonic` and `sleep` so waits take no real time.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Limits:
    overall_per_second: float = 30.0
    per_chat_interval: float = 1.05
    per_group_per_minute: int = 20
    per_chat_burst: int = 3  # replies to a private chat: messages that may go at once (see the module doc)


WINDOW = 1.005  # spacing of slots: 30 per WINDOW seconds; the margin against jitter is in `_window_check`
TELEGRAM_SECOND = 1.002  # Telegram's window, a hair longer so clock granularity cannot make 31
CATCH_UP = 0.5  # seconds of missed grid slots a late send may still take, at most half the budget (see `_slot`)
IDLE = 1.0  # a grid whose next slot passed longer ago than this has been idle: it starts afresh, without credit


@dataclass
class _Send:
    """One send as the window check sees it: when it started and when Telegram answered (None: in flight)."""

    start: float
    end: float | None = None
    answered: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass
class _Chat:
    """One chat's pace: the token bucket (private chats), the last send, a group's sends in the last minute."""

    tokens: float
    at: float  # when `tokens` was counted
    last: float = float("-inf")
    minute: deque[float] = field(default_factory=deque)


@dataclass(eq=False)
class _Waiter:
    chat_id: int
    reply: bool
    seq: int
    granted: asyncio.Future[None]


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
        self._sent: deque[_Send] = deque()  # the last `overall_per_second` sends, in start order
        self._chats: dict[int, _Chat] = {}
        self._queues: dict[int, deque[_Waiter]] = {}  # per chat, the sends waiting for a slot, in order
        self._next = float("-inf")  # the overall grid's next free slot
        self._paused_until = 0.0
        self._seq = itertools.count()
        self._pump: asyncio.Task[None] | None = None
        self._pump_wakes = float("inf")  # when the sleeping pump looks again
        self.on_pause: Callable[[float], None] | None = None  # metrics: every 429 pauses here (core/metrics.py)
        self.replies_first = 0  # how often a reply took a slot while background sends were waiting (for tests)

    def pause(self, seconds: float) -> None:
        """Telegram said 429: nobody sends until the wait is over."""
        self._paused_until = max(self._paused_until, self._now() + seconds)
        if self.on_pause is not None:
            self.on_pause(seconds)

    def now(self) -> float:
        """The limiter's clock (monotonic seconds): a caller that bounds its own waiting measures with it."""
        return self._now()

    @property
    def _gap(self) -> float:
        return WINDOW / self.limits.overall_per_second if self.limits.overall_per_second else 0.0

    def delay(self, chat_id: int | None, *, reply: bool = False) -> float:
        """About how long a send to `chat_id` asked for now would wait (None: a call that takes no send slot and
        waits only for a 429's pause). Lets a caller with little patience give up before it takes a slot."""
        now = self._now()
        at = max(now, self._paused_until)
        if chat_id is None:
            return at - now
        queued = self._queues.get(chat_id, ())
        at = max(at, self._chat_ready(chat_id, reply, now, ahead=len(queued)))
        ahead = sum(len(q) for q in self._queues.values() if q[0].reply) if reply else self._waiting()
        return max(at, self._next + ahead * self._gap) - now

    async def resumed(self) -> None:
        """Wait until a 429's pause is over (for calls that take no send slot, like answering a button)."""
        now = self._now()
        while now < self._paused_until:
            now = await self._sleep_until(self._paused_until, now)

    async def acquire(self, chat_id: int, *, reply: bool = False) -> None:
        """Wait for a send slot to `chat_id` and take it (the call is assumed to reach Telegram at once;
        `slot()` is exact and is what the dispatcher uses)."""
        send = await self._take(chat_id, reply)
        send.end = self._now()
        send.answered.set()

    @asynccontextmanager
    async def slot(self, chat_id: int, *, reply: bool = False) -> AsyncIterator[None]:
        """Wait for a send slot to `chat_id` (`reply`: the answer to a person's own action, served first); the
        API call runs inside. Its answer bounds when the request reached Telegram, and the 31st send after it
        waits for that bound plus a second (see `_window_check`)."""
        send = await self._take(chat_id, reply)
        try:
            yield
        finally:
            send.end = self._now()
            send.answered.set()

    # --- the per-chat pace --------------------------------------------------------------------------
    def _chat_ready(self, chat_id: int, reply: bool, now: float, ahead: int = 0) -> float:
        """The earliest time the chat takes one more message after `ahead` already waiting for it."""
        interval = self.limits.per_chat_interval
        chat = self._chats.get(chat_id)
        if chat is None:
            return now + ahead * interval
        ready = now
        if interval:
            if chat_id > 0 and reply and self.limits.per_chat_burst > 1:
                tokens = min(float(self.limits.per_chat_burst), chat.tokens + (now - chat.at) / interval)
                ready = now if tokens >= 1 else now + (1 - tokens) * interval
            else:
                ready = chat.last + interval
        if chat_id < 0:
            ready = max(ready, self._group_ready(chat, now))
        return max(now, ready) + ahead * interval

    def _group_ready(self, chat: _Chat, now: float) -> float:
        limit = self.limits.per_group_per_minute
        times = chat.minute
        while times and times[0] <= now - 60.0:
            times.popleft()
        return times[len(times) - limit] + 60.5 if limit and len(times) >= limit else now

    def _took(self, chat_id: int, now: float) -> None:
        interval = self.limits.per_chat_interval
        chat = self._chats.get(chat_id)
        burst = float(max(1, self.limits.per_chat_burst))
        if chat is None:
            chat = self._chats[chat_id] = _Chat(burst, now)
        elif interval:
            chat.tokens = min(burst, chat.tokens + (now - chat.at) / interval)
            chat.at = now
        chat.tokens = max(0.0, chat.tokens - 1)
        chat.last = now
        if chat_id < 0 and self.limits.per_group_per_minute:
            chat.minute.append(now)
        if len(self._chats) > 50_000:  # forget chats whose bucket is full again
            horizon = now - burst * max(interval, 1.0) - 60.5
            self._chats = {c: s for c, s in self._chats.items() if s.last > horizon or c in self._queues}

    # --- the overall grid and who gets its next slot ------------------------------------------------------
    def _waiting(self) -> int:
        return sum(len(q) for q in self._queues.values())

    def _pick(self, now: float) -> tuple[_Waiter | None, float]:
        """The waiter the slot at `now` goes to (replies first, then the oldest), or the earliest time one can go."""
        best: _Waiter | None = None
        soonest = float("inf")
        background = False
        for chat_id, queue in self._queues.items():
            head = queue[0]
            ready = self._chat_ready(chat_id, head.reply, now)
            if ready > now:
                soonest = min(soonest, ready)
                continue
            background |= not head.reply
            if best is None or (head.reply, -head.seq) > (best.reply, -best.seq):
                best = head
        if best is not None and best.reply and background:
            self.replies_first += 1
        return best, soonest

    async def _take(self, chat_id: int, reply: bool) -> _Send:
        now = self._now()
        slot = self._slot(now)
        if slot <= now and not self._queues and self._chat_ready(chat_id, reply, now) <= now:
            self._grant(chat_id, slot, now)  # the common case: nobody waits and the slot is free
            return await self._window_check()
        waiter = _Waiter(chat_id, reply, next(self._seq), asyncio.get_running_loop().create_future())
        self._queues.setdefault(chat_id, deque()).append(waiter)
        self._kick(now)
        try:
            await waiter.granted
        except asyncio.CancelledError:
            if waiter.granted.cancelled() or not waiter.granted.done():  # granted and cancelled: the slot is spent
                self._drop(waiter)
            raise
        return await self._window_check()

    def _slot(self, now: float) -> float:
        """The grid slot a send at `now` takes (GCRA): the slots follow the ideal schedule, not the last send, so a
        send that comes late (its commit, a busy event loop) lets the next ones go at once until the schedule is
        caught up, up to CATCH_UP seconds of slots; a grid idle for longer than IDLE starts again at `now`. The
        grid only spaces the sends; `_window_check` holds every second to the budget, whatever the grid allows."""
        late = now - self._next
        slot = self._next if late <= CATCH_UP else now - CATCH_UP if late <= IDLE else now
        return max(slot, self._paused_until)

    def _grant(self, chat_id: int, slot: float, now: float) -> None:
        self._next = slot + self._gap
        self._took(chat_id, now)

    def _drop(self, waiter: _Waiter) -> None:
        queue = self._queues.get(waiter.chat_id)
        if queue is not None:
            with suppress(ValueError):
                queue.remove(waiter)
            if not queue:
                del self._queues[waiter.chat_id]

    def _kick(self, now: float) -> None:
        """Make sure the pump runs; wake it if it sleeps past the moment the new waiter could go."""
        pump = self._pump
        if pump is not None and not pump.done():
            if self._pump_wakes <= max(now, self._next, self._paused_until):
                return
            pump.cancel()
        self._pump_wakes = float("-inf")  # it looks as soon as it starts
        self._pump = asyncio.get_running_loop().create_task(self._run_pump())

    async def _run_pump(self) -> None:
        """Hand out the grid's slots while anybody waits: at each slot time the best eligible waiter gets it."""
        now = self._now()
        while self._queues:
            slot = self._slot(now)  # a pump woken late catches up the slots it missed, as a late send does
            if slot > now:
                now = await self._nap(slot, now)
                continue
            waiter, soonest = self._pick(now)
            if waiter is None:
                now = await self._nap(soonest, now)
                continue
            queue = self._queues[waiter.chat_id]
            queue.popleft()
            if not queue:
                del self._queues[waiter.chat_id]
            self._grant(waiter.chat_id, slot, now)
            waiter.granted.set_result(None)
            now = self._now()
        self._pump_wakes = float("inf")

    async def _nap(self, until: float, now: float) -> float:
        self._pump_wakes = until
        try:
            return await self._sleep_until(until, now)
        finally:
            self._pump_wakes = float("inf")

    async def _sleep_until(self, until: float, now: float) -> float:
        """Sleep from `now` until `until`; returns the time after it. A clock that did not move at all is coarser
        than the wait (a test's clock counting whole microseconds): as far as it can tell, `until` has come,
        and sleeping the same wait again would not move it either."""
        await self._sleep(until - now)
        after = self._now()
        return until if after == now else after

    async def _window_check(self) -> _Send:
        """Count real sends too: a busy event loop wakes senders late and bunches them up, and a request may
        sit in the loop or the network after it was counted. A request reaches Telegram between its start and
        its answer, so a send may start only once the send `limit` places before it started WINDOW ago and
        was answered a second ago: then no second on Telegram's side can hold more than `limit`."""
        limit = int(self.limits.overall_per_second)
        recent = self._sent
        now = self._now()
        while True:
            if now < self._paused_until:  # a 429 arrived while this send waited for its slot
                now = await self._sleep_until(self._paused_until, now)
                continue
            if not limit or len(recent) < limit:
                break
            oldest = recent[0]
            if oldest.end is None:
                await oldest.answered.wait()
                now = self._now()
                continue
            ready = max(oldest.start + WINDOW, oldest.end + TELEGRAM_SECOND)
            if now >= ready:
                recent.popleft()
                break
            now = await self._sleep_until(ready, now)
        send = _Send(now)
        if limit:
            recent.append(send)
        return send

