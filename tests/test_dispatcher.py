"""The delivery engine on its own: rows in, messages out, each outcome recorded; no meeting logic."""

import asyncio
import logging
import socket
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select, update
from telegram import Bot
from telegram.error import NetworkError, TimedOut
from telegram.request import HTTPXRequest, RequestData
from telegram.request._requestparameter import RequestParameter

from bot.transport import AiohttpRequest
from models import outbox
from models.clock import FrozenClock
from models.outbox import NewMessage
from models.people import register
from models.tables import Outbox, Person
from scheduler.dispatcher import Dispatcher, Outgoing
from scheduler.limiter import Limits, RateLimiter
from scheduler.retry import surely_not_sent
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


async def row_of(db, text):
    async with db.transaction() as s:
        return next(r for r in (await s.execute(select(Outbox))).scalars() if r.payload["text"] == text)


async def test_a_502_keeps_the_row_pending_with_a_growing_capped_backoff_and_no_attempt_used(fake, db, engine):
    make, clock = engine
    anna = fake.user("Anna")
    fake.outage(502)
    await add(db, clock, anna.chat_id, "geduldig")
    d = make()
    waits = []
    for _ in range(9):
        await d.drain()
        row = await row_of(db, "geduldig")
        assert (row.status, row.attempts) == ("pending", 0)
        waits.append((row.due_at - clock.now()).total_seconds())
        clock.set(row.due_at)
    assert waits == [5, 10, 20, 40, 80, 160, 300, 300, 300]
    assert row.last_error == "not sent: Bad Gateway"
    fake.outage(None)
    await d.drain()
    assert anna.texts() == ["geduldig"]
    assert (await row_of(db, "geduldig")).status == "sent"


async def test_a_row_waiting_out_a_5xx_does_not_hold_up_the_others(fake, db, engine):
    make, clock = engine
    anna, ben = fake.user("Anna"), fake.user("Ben")
    await add(db, clock, anna.chat_id, "für Anna")
    await add(db, clock, ben.chat_id, "für Ben")
    fake.inject_error("sendMessage", 500, "Internal Server Error", times=1)
    await make(concurrency=1).drain()  # one row at a time: the first fails, the second goes out in the same round
    assert await statuses(db) == {"für Anna": "pending", "für Ben": "sent"}
    assert ben.texts() == ["für Ben"]


async def test_a_400_fails_at_once_and_is_not_retried(fake, db, engine):
    make, clock = engine
    anna = fake.user("Anna")
    await add(db, clock, anna.chat_id, "kaputt")
    fake.inject_error("sendMessage", 400, "Bad Request: can't parse entities", times=1)
    d = make()
    await d.drain()
    clock.advance(timedelta(minutes=10))
    await d.drain()
    row = await row_of(db, "kaputt")
    assert (row.status, row.attempts, row.last_error) == ("failed", 1, "400 Can't parse entities")
    assert anna.texts() == []


async def test_a_row_still_refused_at_its_expiry_fails_with_a_warning(fake, db, engine, caplog):
    caplog.set_level(logging.INFO, logger="actionbot.dispatcher")
    make, clock = engine
    anna = fake.user("Anna")
    fake.outage(502)
    await add(db, clock, anna.chat_id, "bald zu spät", expires_at=clock.now() + timedelta(seconds=60))
    d = make()
    await d.drain()
    while (row := await row_of(db, "bald zu spät")).status == "pending":
        assert row.due_at <= row.expires_at  # never planned past its expiry
        clock.set(row.due_at)
        await d.drain()
    assert clock.now() == START + timedelta(seconds=60)  # given up at the expiry, not before and not later
    assert (row.status, row.last_error) == ("failed", "not sent: Bad Gateway")
    (line,) = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert line.getMessage() == f"message failed row={row.id} kind=note reason=expired after: not sent: Bad Gateway"


async def test_a_row_without_its_own_expiry_is_given_up_after_the_delivery_limit(fake, db, engine, caplog):
    caplog.set_level(logging.WARNING, logger="actionbot.dispatcher")
    make, clock = engine
    anna = fake.user("Anna")
    fake.outage(503, "Service Unavailable")
    await add(db, clock, anna.chat_id, "Ankündigung")
    d = make(expiry=timedelta(hours=1))
    await d.drain()
    row = await row_of(db, "Ankündigung")
    assert row.expires_at == START + timedelta(hours=1)  # stamped at the first failure: due time + limit
    clock.set(START + timedelta(minutes=59, seconds=59))
    await d.drain()
    assert (await row_of(db, "Ankündigung")).status == "pending"
    clock.set(START + timedelta(hours=1))
    await d.drain()
    assert (await row_of(db, "Ankündigung")).status == "failed"
    assert [r.getMessage().split(" reason=")[1] for r in caplog.records] == [
        "expired after: not sent: Service Unavailable"
    ]


async def test_a_row_without_expiry_that_was_never_tried_in_time_counts_as_failed_not_skipped(fake, db, engine):
    make, clock = engine
    anna = fake.user("Anna")
    await add(db, clock, anna.chat_id, "liegen geblieben")
    clock.advance(timedelta(hours=25))  # the bot was down for more than the limit
    await make().drain()
    row = await row_of(db, "liegen geblieben")
    assert (row.status, row.last_error) == ("failed", "not delivered before its expiry")
    assert anna.texts() == []


async def test_a_timeout_may_have_delivered_so_it_uses_an_attempt_and_gives_up_after_three(fake, db, engine, caplog):
    caplog.set_level(logging.WARNING, logger="actionbot.dispatcher")
    make, clock = engine
    anna = fake.user("Anna")
    await add(db, clock, anna.chat_id, "unklar")
    d = make()

    async def read_timeout(chat_id, out):
        raise TimedOut() from httpx.ReadTimeout("read timed out")

    d._api_send = read_timeout
    for expected in (1, 2):
        await d.drain()
        row = await row_of(db, "unklar")
        assert (row.status, row.attempts, row.last_error) == ("pending", expected, "outcome unknown: Timed out")
        clock.set(row.due_at)
    await d.drain()
    assert (await row_of(db, "unklar")).status == "failed"
    assert caplog.records[-1].getMessage().endswith("gave up after 3 attempts")


@pytest.mark.parametrize("transport", [AiohttpRequest, HTTPXRequest])
async def test_each_transport_failure_is_told_apart_as_surely_not_sent_or_maybe_delivered(fake, transport):
    async def failure(call):
        async with transport() as request:
            try:
                await call(request)
            except NetworkError as exc:
                return exc
        raise AssertionError("no error")

    def send(base_url, chat_id):
        return lambda request: Bot(fake.token, base_url=base_url, request=request).send_message(chat_id, "x")

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}/bot"  # nothing listens there once closed
    refused = await failure(send(closed, 1))
    fake.outage(502)
    bad_gateway = await failure(send(fake.base_url, fake.user().chat_id))
    fake.outage(None)
    long_poll = RequestData([RequestParameter("timeout", 2, [])])
    slow = await failure(lambda r: r.post(f"{fake.base_url}{fake.token}/getUpdates", long_poll, read_timeout=0.2))
    assert surely_not_sent(refused) and surely_not_sent(bad_gateway)
    assert isinstance(slow, TimedOut) and not surely_not_sent(slow)
