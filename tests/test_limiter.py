"""scheduler/limiter.py on its own, in virtual time: a reply's burst per private chat, background's even pace,
groups without bursts, replies served first within the overall budget, which is never exceeded."""

from __future__ import annotations

import asyncio
import heapq

from scheduler.limiter import WINDOW, Limits, RateLimiter


class Virtual:
    """A clock that jumps: a sleeper wakes when every task that can run has run (a few passes of the loop) and
    its time is the earliest wanted; so concurrent sleepers see time as they would in real seconds."""

    def __init__(self) -> None:
        self.now = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._count = 0
        self._driver: asyncio.Task[None] | None = None

    async def sleep(self, seconds: float) -> None:
        future = asyncio.get_running_loop().create_future()
        self._count += 1
        heapq.heappush(self._sleepers, (self.now + max(0.0, seconds), self._count, future))
        if self._driver is None or self._driver.done():
            self._driver = asyncio.create_task(self._drive())
        await future

    async def _drive(self) -> None:
        while self._sleepers:
            for _ in range(20):  # let everything that is ready run first
                await asyncio.sleep(0)
            at, _, future = heapq.heappop(self._sleepers)
            self.now = max(self.now, at)
            if not future.done():
                future.set_result(None)


def virtual(limits: Limits | None = None) -> tuple[RateLimiter, Virtual]:
    time = Virtual()
    return RateLimiter(limits or Limits(), monotonic=lambda: time.now, sleep=time.sleep), time


async def send_times(limiter: RateLimiter, time: Virtual, chat_id: int, n: int, reply: bool) -> list[float]:
    times = []
    for _ in range(n):
        async with limiter.slot(chat_id, reply=reply):
            times.append(round(time.now, 3))
    return times


async def test_a_reply_bursts_three_messages_then_one_per_interval():
    limiter, time = virtual()
    times = await send_times(limiter, time, 42, 6, reply=True)
    assert times[2] < 0.1  # edit, message, message: at once
    assert [round(b - a, 2) for a, b in zip(times[2:], times[3:], strict=False)] == [0.98, 1.05, 1.05]
    # over any stretch the chat never gets more than burst + elapsed / interval
    assert all(j - i + 1 <= 3 + (times[j] - times[i]) / 1.05 + 1e-9 for i in range(6) for j in range(i, 6))


async def test_background_sends_keep_the_even_pace_and_leave_the_burst_to_the_person():
    limiter, time = virtual()
    times = await send_times(limiter, time, 42, 3, reply=False)
    assert [round(b - a, 2) for a, b in zip(times, times[1:], strict=False)] == [1.05, 1.05]
    limiter, time = virtual()
    await send_times(limiter, time, 42, 1, reply=False)  # a reminder, then her own action: two more at once
    replies = await send_times(limiter, time, 42, 3, reply=True)
    assert replies[1] < 0.1 and replies[2] > 0.9


async def test_groups_get_no_burst_and_twenty_a_minute():
    limiter, time = virtual()
    times = await send_times(limiter, time, -100123, 21, reply=True)
    assert round(times[1] - times[0], 2) == 1.05
    assert times[20] >= times[0] + 60.5  # the 21st waits until the first left the minute


async def test_a_waiting_reply_takes_the_next_slot_before_a_broadcast_and_the_budget_holds():
    limiter, time = virtual()
    sent: list[tuple[float, str]] = []

    async def send(chat_id: int, reply: bool) -> None:
        async with limiter.slot(chat_id, reply=reply):
            sent.append((time.now, "reply" if reply else f"row{chat_id}"))

    broadcast = [asyncio.create_task(send(1000 + i, False)) for i in range(90)]
    reply = asyncio.create_task(send(42, True))  # asked after all 90 rows
    await asyncio.gather(*broadcast, reply)
    order = [what for _, what in sent]
    assert order.index("reply") == 1  # the first row had its slot already; the reply comes next, not 90th
    assert limiter.replies_first == 1
    starts = sorted(t for t, _ in sent)
    assert all(b - a >= WINDOW / 30 - 1e-9 for a, b in zip(starts, starts[1:], strict=False))
    assert all(sum(1 for t in starts if s <= t < s + WINDOW) <= 30 for s in starts)
    assert starts[-1] <= 90 * WINDOW / 30 + 1e-6  # no slot lost: 91 sends in 91 slots


async def test_messages_to_one_chat_keep_their_order_across_replies_and_background():
    limiter, time = virtual()
    sent: list[str] = []

    async def send(what: str, reply: bool) -> None:
        async with limiter.slot(42, reply=reply):
            sent.append(what)

    await asyncio.gather(*(asyncio.create_task(send(w, w.startswith("r"))) for w in ["b1", "r1", "b2", "r2"]))
    assert sent == ["b1", "r1", "b2", "r2"]


async def test_a_cancelled_waiter_leaves_no_trace():
    limiter, time = virtual(Limits(per_chat_burst=1))
    await limiter.acquire(42)
    waiting = asyncio.create_task(limiter.acquire(42, reply=True))
    await asyncio.sleep(0)
    waiting.cancel()
    await asyncio.gather(waiting, return_exceptions=True)
    assert limiter.delay(7, reply=True) <= WINDOW / 30 + 1e-9  # nobody queued ahead of another chat
    await limiter.acquire(7, reply=True)


async def test_a_429_pauses_replies_and_background_alike():
    limiter, time = virtual()
    await limiter.acquire(42, reply=True)
    limiter.pause(5)
    assert limiter.delay(43, reply=True) >= 5
    await limiter.acquire(43, reply=True)
    await limiter.acquire(44)
    assert time.now >= 5


async def serial_sends(limiter: RateLimiter, time: Virtual, n: int, late: dict[int, float]) -> list[float]:
    """Sends one after the other to different chats, as the dispatcher's turns do; after send i the next one
    asks `late[i]` seconds later than it could (the commit of its outcome, a busy event loop)."""
    starts = []
    for i in range(n):
        async with limiter.slot(1000 + i):
            starts.append(time.now)
        if i in late:
            await time.sleep(late[i])
    return starts


def busiest_window(starts: list[float]) -> int:
    return max(sum(1 for t in starts if s <= t < s + WINDOW) for s in starts)


async def test_a_late_send_does_not_shift_the_schedule_of_the_ones_after_it():
    gap = WINDOW / 30
    limiter, time = virtual()
    late = {i: 2.5 * gap for i in range(10, 120, 10)}  # eleven sends come 2.5 slots late: 0.9 s in all
    starts = await serial_sends(limiter, time, 120, late)
    assert starts[-1] <= 119 * gap + 1e-6  # the schedule is where it would be without a late send
    assert starts[11] == starts[10] + 2.5 * gap  # the send after a late one goes at once, on a missed slot
    assert busiest_window(starts) <= 30


async def test_catching_up_never_puts_more_than_the_budget_into_a_second():
    limiter, time = virtual()
    late = {i: 0.09 for i in range(0, 190, 3)}  # every third send comes late: the grid is caught up again and again
    starts = await serial_sends(limiter, time, 200, late)
    assert busiest_window(starts) <= 30
    assert all(b - a >= 0 for a, b in zip(starts, starts[1:], strict=False))
    # 63 late sends, 5.7 s of delays in all, leave the schedule behind by less than one of them (the send a second
    # after a late one may not go earlier: the window check); relative to the last send they would add up
    assert starts[-1] <= 199 * WINDOW / 30 + 0.09


async def test_an_idle_limiter_starts_its_schedule_afresh_without_a_burst():
    limiter, time = virtual()
    await serial_sends(limiter, time, 5, {})
    await time.sleep(60)  # nothing to send for a minute
    starts = await serial_sends(limiter, time, 3, {})
    assert [round(b - a, 4) for a, b in zip(starts, starts[1:], strict=False)] == [round(WINDOW / 30, 4)] * 2


async def test_a_clock_counting_whole_microseconds_does_not_make_the_pump_spin():
    ticks = 0  # the clock: whole microseconds; a sleep shorter than half of one does not move it
    naps = 0

    async def sleep(seconds: float) -> None:
        nonlocal ticks, naps
        naps += 1
        assert naps < 1000, "the limiter keeps sleeping without the clock moving"
        ticks += round(seconds * 1e6)
        await asyncio.sleep(0)

    limiter = RateLimiter(Limits(), monotonic=lambda: 1.8e9 + ticks / 1e6, sleep=sleep)
    limiter.pause(12.0000004)
    await limiter.resumed()
    for chat_id in range(40):  # the grid's gap (33.5 ms) is no whole number of microseconds
        await limiter.acquire(chat_id)
    assert ticks >= 12_000_000 + 39 * 33_000


async def test_catching_up_keeps_each_chats_pace_and_a_groups_minute():
    limiter, time = virtual()
    sent: dict[int, list[float]] = {}
    chats = [42, -100123] + [1000 + i for i in range(8)]  # a person, a group and a few others, round and round
    for i in range(200):
        chat_id = chats[i % len(chats)]
        async with limiter.slot(chat_id):
            sent.setdefault(chat_id, []).append(time.now)
        if i % 7 == 0:
            await time.sleep(0.3)  # late: the grid lets the next ones go at once
    for times in sent.values():
        assert all(b - a >= 1.05 - 1e-9 for a, b in zip(times, times[1:], strict=False))
    group = sent[-100123]
    assert all(sum(1 for t in group if s <= t < s + 60) <= 20 for s in group)
    assert busiest_window(sorted(t for times in sent.values() for t in times)) <= 30
