"""The delivery engine on its own: rows in, messages out, each outcome recorded; no meeting logic."""

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from telegram import Bot
from telegram.request import HTTPXRequest

from models import outbox
from models.clock import FrozenClock
from models.outbox import NewMessage
from models.people import register
from models.tables import Outbox, Person
from scheduler.dispatcher import Dispatcher, Outgoing
from scheduler.limiter import Limits, RateLimiter
from tests.conftest import START

FAST = Limits(overall_per_second=1000, per_chat_interval=0.0, per_group_per_minute=0)


async def render_text(s, row):
    return Outgoing(text=row.payload["text"])


@pytest.fixture
async def engine(fake, db):
    bot = Bot(fake.token, base_url=fake.base_url, request=HTTPXRequest(connection_pool_size=32))
    await bot.initialize()
    clock = FrozenClock(START)
    made = []

    def make(**kw):
        d = Dispatcher(db, bot, clock, {"note": render_text}, RateLimiter(kw.pop("limits", FAST)), **kw)
        made.append(d)
        return d

    yield make, clock
    for d in made:
        await d.stop()
    await bot.shutdown()


async def add(db, clock, chat_id, text, due=timedelta(0), **kw):
    async with db.transaction() as s:
        await outbox.enqueue(s, [NewMessage("note", chat_id, clock.now() + due, payload={"text": text}, **kw)],
                             clock.now())


async def statuses(db):
    async with db.transaction() as s:
        return {r.payload["text"]: r.status for r in (await s.execute(select(Outbox))).scalars()}


async def test_due_rows_are_sent_once_and_future_rows_wait(fake, db, engine):
    make, clock = engine
    anna = fake.user("Anna")
    await add(db, clock, anna.chat_id, "jetzt")
    await add(db, clock, anna.chat_id, "morgen", due=timedelta(days=1))
    d = make()
    assert await d.drain() == 1
    assert anna.texts() == ["jetzt"]
    assert await d.drain() == 0
    clock.advance(timedelta(days=1))
    await d.drain()
    assert anna.texts() == ["jetzt", "morgen"]
    assert await statuses(db) == {"jetzt": "sent", "morgen": "sent"}


async def test_dedupe_key_makes_enqueue_idempotent(fake, db, engine):
    make, clock = engine
    anna = fake.user("Anna")
    for _ in range(3):
        await add(db, clock, anna.chat_id, "einmal", dedupe_key="k1")
    await make().drain()
    assert anna.texts() == ["einmal"]


async def test_blocked_user_is_marked_unreachable_and_not_retried(fake, db, engine):
    make, clock = engine
    anna = fake.user("Anna")
    async with db.transaction() as s:
        await register(s, telegram_id=anna.user_id, display_name="Anna", language="de", privacy_version="1",
                       now=clock.now())
    fake.block(anna.chat_id)
    await add(db, clock, anna.chat_id, "eins")
    await add(db, clock, anna.chat_id, "zwei", due=timedelta(hours=1))
    d = make()
    await d.drain()
    clock.advance(timedelta(hours=2))
    await d.drain()
    assert await statuses(db) == {"eins": "unreachable", "zwei": "cancelled"}
    sends = [p for m, p in fake.requests if m == "sendMessage" and p["chat_id"] == anna.chat_id]
    assert len(sends) == 1
    async with db.transaction() as s:
        assert (await s.execute(select(Person.unreachable_at))).scalar_one() is not None


async def test_429_waits_as_long_as_telegram_asks(fake, db, engine):
    make, clock = engine
    anna = fake.user("Anna")
    fake.rate_limit(anna.chat_id, retry_after=7, times=1)
    await add(db, clock, anna.chat_id, "geduldig")
    d = make()
    await d.drain()
    async with db.transaction() as s:
        row = (await s.execute(select(Outbox))).scalar_one()
    assert row.status == "pending" and row.due_at == clock.now() + timedelta(seconds=7)
    assert row.attempts == 0
    d.limiter._paused_until = 0  # the test does not wait the real 7 seconds
    clock.advance(timedelta(seconds=7))
    await d.drain()
    assert anna.texts() == ["geduldig"]


async def test_rows_late_beyond_grace_are_skipped(fake, db, engine):
    make, clock = engine
    anna = fake.user("Anna")
    await add(db, clock, anna.chat_id, "zu spät", expires_at=clock.now() + timedelta(minutes=30))
    clock.advance(timedelta(minutes=31))
    await make().drain()
    assert anna.texts() == []
    assert await statuses(db) == {"zu spät": "skipped"}


async def test_a_crash_mid_dispatch_loses_nothing_and_repeats_at_most_the_row_in_flight(fake, db, engine):
    make, clock = engine
    anna = fake.user("Anna")
    for i in range(5):
        await add(db, clock, anna.chat_id, f"m{i}")
    # a process claimed all five and died while sending m0: m0 'sending', the rest 'claimed'
    async with db.transaction() as s:
        await outbox.claim_due(s, "dead-worker", clock.now(), 10)
        first = (await s.execute(select(Outbox.id).order_by(Outbox.id))).scalars().first()
        await s.execute(update(Outbox).where(Outbox.id == first).values(status="sending", attempts=1))
    clock.advance(timedelta(minutes=3))  # past the lease: on PostgreSQL a live peer's rows are left alone
    d = make()
    await d.start()  # start-up recovery
    await d.drain()
    await d.stop()
    assert sorted(anna.texts()) == [f"m{i}" for i in range(5)]
    assert set((await statuses(db)).values()) == {"sent"}


async def test_two_dispatchers_never_send_the_same_row(fake, db, engine):
    make, clock = engine
    users = [fake.user(f"U{i}") for i in range(40)]
    for u in users:
        await add(db, clock, u.chat_id, f"hallo {u.chat_id}")
    a, b = make(batch=7), make(batch=7)
    await asyncio.gather(a.drain(), b.drain(), a.drain(), b.drain())
    sends = [p["chat_id"] for m, p in fake.requests if m == "sendMessage"]
    assert sorted(sends) == sorted(u.chat_id for u in users)


async def test_the_limiter_paces_sends_below_telegrams_limit(fake, db, engine):
    make, clock = engine
    fake.enforce_limits(overall_per_second=30, per_chat_per_second=1, per_group_per_minute=20)
    users = [fake.user(f"U{i}") for i in range(45)]
    for u in users:
        await add(db, clock, u.chat_id, "x")
    await make(limits=Limits(), concurrency=4).drain()
    assert fake.stats["429"] == 0
    assert fake.stats["sent"] == 45
