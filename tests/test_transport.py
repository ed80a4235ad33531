"""AiohttpRequest (bot/transport.py) against the fake Bot API server: sends, uploads, errors, long polls."""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import AsyncIterator

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.request import HTTPXRequest, RequestData
from telegram.request._requestparameter import RequestParameter

from bot.application import build_application
from bot.processing import PerChatUpdateProcessor
from bot.transport import AiohttpRequest, redact_url
from models.clock import FrozenClock
from tests.conftest import START, make_config
from tests.fakegram import FakeTelegram


@pytest.fixture
async def tg(fake: FakeTelegram) -> AsyncIterator[Bot]:
    bot = Bot(fake.token, base_url=fake.base_url, base_file_url=fake.base_file_url, request=AiohttpRequest(),
              get_updates_request=AiohttpRequest(connection_pool_size=1))
    async with bot:
        yield bot


async def test_send_message_with_html_and_keyboard(fake: FakeTelegram, tg: Bot) -> None:
    anna = fake.user("Anna")
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Zusagen ✅", callback_data="rsvp:1:5:y")]])
    sent = await tg.send_message(anna.chat_id, "<b>Treffen</b> am Montag & „Dienstag“ 😀", parse_mode=ParseMode.HTML,
                                 reply_markup=markup, disable_notification=True)
    msg = anna.last_message()
    assert msg.text == "Treffen am Montag & „Dienstag“ 😀"
    assert [b.callback_data for b in msg.flat_buttons()] == ["rsvp:1:5:y"]
    assert sent.message_id == msg.message_id and sent.chat_id == anna.chat_id
    name, params = fake.requests[-1]
    assert name == "sendMessage" and params["disable_notification"] is True and params["chat_id"] == anna.chat_id


async def test_edit_and_answer_callback(fake: FakeTelegram, tg: Bot) -> None:
    anna = fake.user("Anna")
    sent = await tg.send_message(anna.chat_id, "eins", reply_markup=InlineKeyboardMarkup(
        [[InlineKeyboardButton("x", callback_data="a:1:b")]]))
    await tg.edit_message_text("zwei", chat_id=anna.chat_id, message_id=sent.message_id)
    assert anna.last_message().text == "zwei"


async def test_send_document_uses_multipart(fake: FakeTelegram, tg: Bot) -> None:
    anna = fake.user("Anna")
    data = b"name;ort\nAnna;Saalfeld\n" * 1000
    sent = await tg.send_document(anna.chat_id, InputFile(data, filename="meine-daten.csv"), caption="<i>Export</i>",
                                  parse_mode=ParseMode.HTML)
    assert sent.document is not None and sent.document.file_name == "meine-daten.csv"
    stored = fake.files[sent.document.file_id]
    assert stored.data == data and stored.file_name == "meine-daten.csv"
    assert anna.last_message().text == "Export"
    # and the bytes come back through a GET (PTB's `retrieve`)
    file = await tg.get_file(sent.document.file_id)
    assert bytes(await file.download_as_bytearray()) == data


async def test_blocked_user_raises_forbidden(fake: FakeTelegram, tg: Bot) -> None:
    anna = fake.user("Anna")
    fake.block(anna.chat_id)
    with pytest.raises(Forbidden, match="blocked"):
        await tg.send_message(anna.chat_id, "hallo")


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
async def test_flood_limit_raises_retry_after(fake: FakeTelegram, tg: Bot) -> None:
    anna = fake.user("Anna")
    fake.rate_limit(anna.chat_id, retry_after=7)
    with pytest.raises(RetryAfter) as caught:
        await tg.send_message(anna.chat_id, "hallo")
    assert caught.value.retry_after in (7, 7.0) or getattr(caught.value.retry_after, "total_seconds", lambda: 0)() == 7
    await tg.send_message(anna.chat_id, "jetzt")  # only once
    assert anna.last_message().text == "jetzt"


async def test_bad_request_and_migration(fake: FakeTelegram, tg: Bot) -> None:
    with pytest.raises(BadRequest, match="(?i)chat not found"):
        await tg.send_message(424242, "niemand")
    fake.group("Team", chat_id=-4000001)
    fake.migrate_group(-4000001, -1001000000001)
    from telegram.error import ChatMigrated

    with pytest.raises(ChatMigrated) as caught:
        await tg.send_message(-4000001, "hallo")
    assert caught.value.new_chat_id == -1001000000001


async def test_many_concurrent_requests_share_the_pool(fake: FakeTelegram) -> None:
    users = [fake.user(f"U{i}") for i in range(40)]
    bot = Bot(fake.token, base_url=fake.base_url, request=AiohttpRequest(connection_pool_size=8))
    async with bot:
        await asyncio.gather(*(bot.send_message(u.chat_id, f"hallo {u.first_name}") for u in users))
    assert [u.last_message().text for u in users] == [f"hallo U{i}" for i in range(40)]


async def test_long_poll_outlasts_the_read_timeout_and_returns_early(fake: FakeTelegram) -> None:
    """PTB adds the poll's `timeout` to the read timeout; an update arriving mid-poll returns at once."""
    request = AiohttpRequest(read_timeout=0.3)
    bot = Bot(fake.token, base_url=fake.base_url, request=AiohttpRequest(), get_updates_request=request)
    async with bot:
        started = time.monotonic()
        assert await bot.get_updates(timeout=1) == ()  # longer than read_timeout, no TimedOut
        assert time.monotonic() - started >= 0.9
        anna = fake.user("Anna")
        poll = asyncio.create_task(bot.get_updates(timeout=5))
        await asyncio.sleep(0.1)
        started = time.monotonic()
        fake.enqueue({"message": {"message_id": 1, "date": 0, "chat": anna.chat_json, "from": anna.user_json(),
                                  "text": "hallo"}}, anna.chat_id)
        updates = await asyncio.wait_for(poll, 2)
        assert time.monotonic() - started < 1
        assert [u.effective_message.text for u in updates if u.effective_message] == ["hallo"]


async def test_read_timeout_raises_timed_out(fake: FakeTelegram) -> None:
    request = AiohttpRequest()
    async with request:
        data = RequestData([RequestParameter("timeout", 2, [])])
        with pytest.raises(TimedOut):
            await request.post(f"{fake.base_url}{fake.token}/getUpdates", data, read_timeout=0.2)


async def test_connection_refused_raises_network_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again below: nothing listens there
    async with AiohttpRequest() as request:
        bot = Bot("123:ABC", base_url=f"http://127.0.0.1:{port}/bot", request=request)
        with pytest.raises(NetworkError):
            await bot.get_me()


async def test_unknown_token_raises_invalid_token(fake: FakeTelegram) -> None:
    from telegram.error import InvalidToken

    async with AiohttpRequest() as request:
        bot = Bot("999:WRONG", base_url=fake.base_url, request=request)
        with pytest.raises(InvalidToken):
            await bot.get_me()


async def test_shutdown_and_reinitialize(fake: FakeTelegram) -> None:
    request = AiohttpRequest()
    await request.initialize()
    await request.shutdown()
    await request.shutdown()  # twice is fine
    await request.initialize()
    try:
        code, body = await request.do_request(f"{fake.base_url}{fake.token}/getMe", "POST")
        assert code == 200 and b'"ok": true' in body.replace(b'"ok":true', b'"ok": true')
    finally:
        await request.shutdown()


async def test_debug_log_names_the_call_but_never_the_token(fake: FakeTelegram, tg: Bot,
                                                             caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="actionbot.transport")
    await tg.get_me()
    lines = [r.getMessage() for r in caplog.records if r.name == "actionbot.transport"]
    assert any("bot<token>/getMe" in line for line in lines)
    assert all(fake.token not in line for line in lines)
    assert redact_url("https://api.telegram.org/file/bot123:ABC/documents/x.csv") == (
        "https://api.telegram.org/file/bot<token>/documents/x.csv")


async def test_build_application_uses_it_by_default_and_falls_back(fake: FakeTelegram, db) -> None:  # type: ignore[no-untyped-def]
    config = make_config(fake, db.url)
    app = build_application(config, db, FrozenClock(START))
    assert isinstance(app.bot.request, AiohttpRequest)
    assert isinstance(app.update_processor, PerChatUpdateProcessor)
    plain = build_application(config, db, FrozenClock(START), ptb_defaults=True)
    assert isinstance(plain.bot.request, HTTPXRequest)
    assert plain.update_processor.max_concurrent_updates == 1
