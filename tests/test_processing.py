"""PerChatUpdateProcessor (bot/processing.py): per-user order under concurrency, parallel users, bounds."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from telegram import Update

from bot.processing import PerChatUpdateProcessor, database_options, ordering_keys
from tests.conftest import Harness

_next_id = iter(range(1, 10**9))


def update(user_id: int, chat_id: int | None = None) -> Update:
    chat_id = user_id if chat_id is None else chat_id
    chat = {"id": chat_id, "type": "private" if chat_id > 0 else "group", "first_name": "X", "title": "G"}
    n = next(_next_id)
    return Update.de_json({"update_id": n, "message": {
        "message_id": n, "date": 0, "chat": chat, "from": {"id": user_id, "is_bot": False, "first_name": "X"},
        "text": "hi"}}, None)


Job = tuple[Update, Awaitable[Any]]


def run_in_ptb_order(proc: PerChatUpdateProcessor, jobs: list[Job]) -> list[asyncio.Task[None]]:
    """What PTB's Application does: one task per update, created in delivery order."""
    return [asyncio.create_task(proc.process_update(u, coro)) for u, coro in jobs]


class Log:
    def __init__(self) -> None:
        self.events: list[tuple[str, int]] = []
        self.running = 0
        self.peak = 0

    def job(self, name: int, seconds: float, fail: bool = False) -> Callable[[], Awaitable[None]]:
        async def work() -> None:
            self.events.append(("start", name))
            self.running += 1
            self.peak = max(self.peak, self.running)
            try:
                await asyncio.sleep(seconds)
                if fail:
                    raise RuntimeError("handler failed")
            finally:
                self.running -= 1
                self.events.append(("end", name))

        return work


async def test_one_users_updates_run_in_order_and_never_overlap() -> None:
    proc = PerChatUpdateProcessor(concurrency=16)
    log = Log()
    # the first update is the slowest: without ordering the later ones would finish first
    jobs = [(update(1), log.job(i, 0.05 - i * 0.01)()) for i in range(5)]
    await asyncio.gather(*run_in_ptb_order(proc, jobs))
    assert log.events == [(kind, i) for i in range(5) for kind in ("start", "end")]
    assert proc.waiting_keys == 0


async def test_double_click_order_holds_among_many_users() -> None:
    proc = PerChatUpdateProcessor(concurrency=8)
    seen: dict[int, list[int]] = {}
    rng = random.Random(7)

    async def work(user: int, seq: int) -> None:
        await asyncio.sleep(rng.random() / 200)
        seen.setdefault(user, []).append(seq)

    jobs: list[Job] = []
    for seq in range(10):
        users = list(range(1, 31))
        rng.shuffle(users)  # users interleave differently in every round
        jobs.extend((update(user), work(user, seq)) for user in users)
    await asyncio.gather(*run_in_ptb_order(proc, jobs))
    assert all(order == list(range(10)) for order in seen.values()) and len(seen) == 30


async def test_different_users_run_concurrently() -> None:
    proc = PerChatUpdateProcessor(concurrency=10)
    barrier = asyncio.Barrier(10)

    async def work() -> None:
        async with asyncio.timeout(2):  # only passes if all ten run at the same time
            await barrier.wait()

    await asyncio.gather(*run_in_ptb_order(proc, [(update(100 + i), work()) for i in range(10)]))


async def test_concurrency_is_bounded() -> None:
    proc = PerChatUpdateProcessor(concurrency=3)
    log = Log()
    await asyncio.gather(*run_in_ptb_order(proc, [(update(200 + i), log.job(i, 0.02)()) for i in range(12)]))
    assert log.peak == 3
    assert proc.running == 0


async def test_a_flooding_user_does_not_hold_the_slots() -> None:
    proc = PerChatUpdateProcessor(concurrency=2)
    log = Log()
    jobs = [(update(1), log.job(i, 0.03)()) for i in range(20)] + [(update(2), log.job(99, 0.001)())]
    tasks = run_in_ptb_order(proc, jobs)
    await asyncio.wait_for(tasks[-1], 0.5)  # user 2 is served while user 1's 20 updates queue
    assert ("end", 1) not in log.events  # user 1's second update has not even finished yet
    await asyncio.gather(*tasks)


async def test_a_group_chat_and_its_members_are_serialised() -> None:
    assert ordering_keys(update(5)) == (5,)
    assert ordering_keys(update(5, chat_id=-4000001)) == (5, -4000001)
    assert ordering_keys("not an update") == ("-",)
    proc = PerChatUpdateProcessor(concurrency=8)
    log = Log()
    jobs = [
        (update(5, chat_id=-4000001), log.job(1, 0.03)()),  # Anna in the group
        (update(6, chat_id=-4000001), log.job(2, 0.01)()),  # Ben in the same group: after Anna's
        (update(5), log.job(3, 0.001)()),  # Anna privately: after her group message
        (update(7), log.job(4, 0.001)()),  # someone else: at once
    ]
    await asyncio.gather(*run_in_ptb_order(proc, jobs))
    ev = log.events
    assert ev.index(("end", 1)) < ev.index(("start", 2))
    assert ev.index(("end", 1)) < ev.index(("start", 3))
    assert ev.index(("end", 4)) < ev.index(("end", 1))


async def test_a_failing_update_does_not_block_the_next() -> None:
    proc = PerChatUpdateProcessor(concurrency=4)
    log = Log()
    tasks = run_in_ptb_order(proc, [(update(1), log.job(1, 0.01, fail=True)()), (update(1), log.job(2, 0.0)())])
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert isinstance(results[0], RuntimeError) and results[1] is None
    assert ("end", 2) in log.events and proc.waiting_keys == 0


async def test_cancelling_a_waiting_update_keeps_the_line_moving() -> None:
    proc = PerChatUpdateProcessor(concurrency=4)
    log = Log()
    tasks = run_in_ptb_order(proc, [(update(1), log.job(i, 0.02)()) for i in range(3)])
    await asyncio.sleep(0.005)
    tasks[1].cancel()  # waiting for its turn
    await asyncio.gather(*tasks, return_exceptions=True)
    assert [e for e in log.events if e[0] == "end"] == [("end", 0), ("end", 2)]
    assert proc.waiting_keys == 0


def test_rejects_nonsense_and_reports_bounds() -> None:
    with pytest.raises(ValueError):
        PerChatUpdateProcessor(concurrency=0)
    proc = PerChatUpdateProcessor(concurrency=5)
    assert proc.concurrency == 5 and proc.max_concurrent_updates > 1
    assert database_options("sqlite+aiosqlite:///x.db")["pool_size"] == 1
    assert database_options("postgresql+asyncpg://u@h/db") == {}


async def test_real_bot_double_click_is_handled_in_order(bot: Harness) -> None:
    """Two presses of the same "join" button before the first is answered: joined, then already a member."""
    anna = await bot.register(bot.user("Anna"))
    await anna.send("/teams")
    message = anna.last_message()
    join = next(b.callback_data for b in message.flat_buttons() if b.callback_data and ":join:" in b.callback_data)
    assert join is not None
    others = [await bot.register(bot.user(f"U{i}")) for i in range(3)]
    await asyncio.gather(
        anna.press_data(join, message=message), anna.press_data(join, message=message),
        *(u.send("/teams") for u in others),
    )
    texts = [text for text, _ in anna.callback_answers[-2:]]
    assert texts[0] is not None and texts[0].startswith("Willkommen im")
    assert texts[1] is not None and texts[1].startswith("Du bist schon im")
    assert all("Aktions-Teams" in u.last_message().text for u in others)
