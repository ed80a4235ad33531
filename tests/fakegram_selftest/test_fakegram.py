"""Self-test of the fake Bot API server against a real PTB Application."""

from __future__ import annotations

import asyncio
import datetime as dtm
import json
import time
import warnings
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputMediaDocument, InputMediaPhoto
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter

from tests.fakegram import BotMessage, FakeTelegram
from tests.fakegram.html import parse_html

pytestmark = [
    pytest.mark.asyncio,
    # PTB itself touches the deprecated int-valued RetryAfter.retry_after in its __init__
    pytest.mark.filterwarnings("ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning"),
]
App = Any


def retry_seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


async def test_start_echo_and_buttons(fake: FakeTelegram, app: App) -> None:
    anna = fake.user(first_name="Anna")
    hooked: list[BotMessage] = []
    fake.on_bot_message = hooked.append
    [msg] = await anna.send("/start team-foo")
    assert hooked == [msg]
    assert msg.text == "Hallo Anna & willkommen team-foo"
    assert msg.html.startswith("Hallo <b>Anna</b> &amp;")
    assert msg.entities == [{"type": "bold", "offset": 6, "length": 4}]
    assert msg.button_texts() == ["Zusage", "Absage", "Website"]
    assert msg.flat_buttons()[2].url == "https://example.org"
    assert (await anna.send("123"))[0].text == "Echo: 123"  # "123" stays a string
    assert anna.texts() == ["Hallo Anna & willkommen team-foo", "Echo: 123"]
    assert (await anna.send_sticker("🎉"))[0].text == "Sticker 🎉"
    sent = [p for m, p in fake.requests if m == "sendMessage"]
    assert sent[1]["text"] == "Echo: 123" and sent[1]["chat_id"] == anna.user_id
    assert fake.latencies and all(0 <= x < 5 for x in fake.latencies)


async def test_press_edits_and_answers(fake: FakeTelegram, app: App) -> None:
    anna = fake.user()
    [first] = await anna.send("/start")
    [second] = await anna.send("/start")
    [edited] = await anna.press("Zusage")
    assert edited is second and edited.edited and edited.text == "Gewählt: yes:1"
    assert edited.history == ["Hallo Anna & willkommen"]
    assert anna.callback_answers == [("Danke!", False)]
    assert anna.last_message() is second
    await anna.press("Abs", message=first)  # substring match on an older message
    assert first.text == "Gewählt: no:1"
    # same choice again: the bot's edit is rejected as "not modified", handler copes
    assert await anna.press("Absage", message=first) == []
    assert "not modified" in app.bot_data["errors"][0]
    await anna.press_data("forged:1:99", message=first)
    assert anna.callback_answers[-1] == ("Ungültig", True)
    with pytest.raises(LookupError, match="Zusage"):
        await anna.press("Nope")


async def test_document_group_and_files(fake: FakeTelegram, app: App) -> None:
    anna = fake.user()
    [doc] = await anna.send("/doc")
    assert doc.document == ("report.pdf", b"%PDF-1.4 fake", "application/pdf")
    assert doc.caption == "Bericht" and doc.kind == "document"
    [upload] = [p for m, p in fake.requests if m == "sendDocument"]
    assert upload["document"].file_name == "report.pdf"  # multipart file part, decoded
    api_doc = doc.to_api(fake.bot_user)["document"]
    tg_file = await app.bot.get_file(api_doc["file_id"])
    assert bytes(await tg_file.download_as_bytearray()) == b"%PDF-1.4 fake"
    grp = fake.group(title="Team Daseinsvorsorge")
    out = await anna.send_in(grp, "/linkgroup@actionbot_test_bot")
    assert [m.text for m in out] == ["verknüpft: Team Daseinsvorsorge", "Gruppe verknüpft"]
    assert grp.texts() == ["verknüpft: Team Daseinsvorsorge"] and grp.chat_id < 0
    member = await app.bot.get_chat_member(grp.chat_id, anna.user_id)
    assert member.status == "member"
    photo = await app.bot.send_photo(anna.chat_id, b"\x89PNG-bytes", caption="<i>Bild</i>",
                                     parse_mode="HTML")
    assert photo.photo and anna.last_message().photo == b"\x89PNG-bytes"
    assert anna.last_message().caption == "Bild"
    assert await anna.send_document(b"user file", "notes.txt", "text/plain") == []
    [user_doc] = [f for f, v in fake.files.items() if v.data == b"user file"]
    data = await (await app.bot.get_file(user_doc)).download_as_bytearray()
    assert bytes(data) == b"user file"


async def test_albums_are_validated_like_telegram(fake: FakeTelegram, app: App) -> None:
    bot, anna = app.bot, fake.user()

    def photo(n: int, caption: str = "") -> InputMediaPhoto:
        return InputMediaPhoto(b"\x89PNG-%d" % n, caption=caption or None, parse_mode="HTML", filename=f"bild-{n}.png")

    sent = await bot.send_media_group(anna.chat_id, [photo(1, "<b>eins</b>"), photo(2)])
    assert len(sent) == 2 and sent[0].media_group_id and sent[0].media_group_id == sent[1].media_group_id
    first, second = anna.messages[-2:]
    assert (first.kind, first.photo, first.caption, first.file_name) == ("photo", b"\x89PNG-1", "eins", "bild-1.png")
    assert second.file_name == "bild-2.png" and second.caption is None
    for media in ([photo(1)], [photo(n) for n in range(11)]):
        with pytest.raises(BadRequest, match="2-10"):
            await bot.send_media_group(anna.chat_id, media)
    with pytest.raises(BadRequest, match="caption is too long"):
        await bot.send_media_group(anna.chat_id, [photo(1, "x" * 1025), photo(2)])
    docs = [InputMediaDocument(b"a", filename="a.txt"), photo(2)]
    with pytest.raises(BadRequest, match="can't be mixed"):
        await bot.send_media_group(anna.chat_id, docs)
    assert len(anna.messages) == 2  # a refused album sends nothing
    fake.enforce_limits(overall_per_second=30, per_chat_per_second=1, per_group_per_minute=20)
    await bot.send_media_group(anna.chat_id, [photo(3), photo(4)])  # one request for the flood check
    await bot.send_message(anna.chat_id, "eins")  # the chat's burst: three requests
    await bot.send_message(anna.chat_id, "zwei")
    with pytest.raises(RetryAfter):
        await bot.send_message(anna.chat_id, "zu schnell")


async def test_validation_errors(fake: FakeTelegram, app: App) -> None:
    bot, anna = app.bot, fake.user()
    with pytest.raises(BadRequest, match="(?i)can't parse entities.*script"):
        await bot.send_message(anna.chat_id, "<script>x</script>", parse_mode="HTML")
    for bad in ("<b>x", "a < b", "<b><i>x</b></i>", "x</b>", '<span class="x">y</span>'):
        with pytest.raises(BadRequest, match="(?i)can't parse entities"):
            await bot.send_message(anna.chat_id, bad, parse_mode="HTML")
    ok = await bot.send_message(anna.chat_id, "a &lt; b &quot;<tg-spoiler>c</tg-spoiler>&#33;",
                                parse_mode="HTML")
    assert ok.text == 'a < b "c!' and anna.last_message().text == 'a < b "c!'
    with pytest.raises(BadRequest, match="(?i)message is too long"):
        await bot.send_message(anna.chat_id, "x" * 4097)
    await bot.send_message(anna.chat_id, "😀" * 2048)  # 4096 UTF-16 units: fits
    with pytest.raises(BadRequest, match="(?i)text is empty"):
        await bot.send_message(anna.chat_id, "<b></b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match="(?i)caption is too long"):
        await bot.send_document(anna.chat_id, b"x", filename="a.txt", caption="c" * 1025)
    with pytest.raises(BadRequest, match="(?i)BUTTON_DATA_INVALID"):
        kb = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="d" * 65)]])
        await bot.send_message(anna.chat_id, "hi", reply_markup=kb)
    kb = InlineKeyboardMarkup([[InlineKeyboardButton("ä", callback_data="ä" * 32)]])
    assert await bot.send_message(anna.chat_id, "64 bytes ok", reply_markup=kb)
    with pytest.raises(BadRequest):
        many = [[InlineKeyboardButton(str(i), callback_data=str(i))] for i in range(101)]
        await bot.send_message(anna.chat_id, "hi", reply_markup=InlineKeyboardMarkup(many))
    with pytest.raises(BadRequest, match="(?i)chat not found"):
        await bot.send_message(424242, "who?")
    with pytest.raises(BadRequest, match="(?i)message to edit not found"):
        await bot.edit_message_text("x", chat_id=anna.chat_id, message_id=999)
    with pytest.raises(BadRequest, match="(?i)message is not modified"):
        await bot.edit_message_text(ok.text_html, chat_id=anna.chat_id,
                                    message_id=ok.message_id, parse_mode="HTML")
    assert await bot.delete_message(anna.chat_id, ok.message_id)
    assert anna.bot_messages[ok.message_id].deleted
    with pytest.raises(BadRequest, match="(?i)message to delete not found"):
        await bot.delete_message(anna.chat_id, ok.message_id)


async def test_html_parser_entities() -> None:
    plain, ents = parse_html('😀 <a href="https://x.org/?a=1&amp;b=2">l</a> '
                             '<pre><code class="language-py">x</code></pre>'
                             "<blockquote expandable>q</blockquote>")
    assert plain == "😀 l xq"
    assert ents == [
        {"type": "text_link", "offset": 3, "length": 1, "url": "https://x.org/?a=1&b=2"},
        {"type": "pre", "offset": 5, "length": 1, "language": "py"},
        {"type": "expandable_blockquote", "offset": 6, "length": 1},
    ]


async def test_failure_injection(fake: FakeTelegram, app: App) -> None:
    bot, anna = app.bot, fake.user()
    fake.block(anna.chat_id)
    with pytest.raises(Forbidden, match="(?i)blocked by the user"):
        await bot.send_message(anna.chat_id, "hi")
    fake.unblock(anna.chat_id)
    fake.rate_limit(anna.chat_id, retry_after=7, times=2)
    for _ in range(2):
        with pytest.raises(RetryAfter) as info:
            await bot.send_message(anna.chat_id, "hi")
        assert retry_seconds(info.value) == 7
    await bot.send_message(anna.chat_id, "now it works")
    grp = fake.group()
    new = fake.migrate_group(grp.chat_id, -1009999)
    with pytest.raises(ChatMigrated) as migrated:
        await bot.send_message(grp.chat_id, "hi")
    assert migrated.value.new_chat_id == -1009999 == new.chat_id
    await bot.send_message(new.chat_id, "hello supergroup")
    assert new.texts() == ["hello supergroup"] and new.type == "supergroup"
    fake.inject_error("sendChatAction", 500, "Internal Server Error")
    with pytest.raises(Exception, match="Internal"):
        await bot.send_chat_action(anna.chat_id, "typing")


async def test_an_outage_answers_502_until_switched_off(fake: FakeTelegram, app: App) -> None:
    from telegram.error import NetworkError

    bot, anna = app.bot, fake.user()
    fake.outage(502)
    for _ in range(3):
        with pytest.raises(NetworkError, match="Bad Gateway") as info:
            await bot.send_message(anna.chat_id, "hi")
        assert not isinstance(info.value, BadRequest)
    with pytest.raises(NetworkError):
        await bot.send_document(anna.chat_id, b"x", filename="a.txt")
    assert await bot.get_updates(timeout=0) == ()  # spared: the update loop keeps running
    fake.outage(None)
    await bot.send_message(anna.chat_id, "after the outage")
    assert anna.texts() == ["after the outage"]
    assert fake.stats["502"] == 4


async def test_enforce_limits(fake: FakeTelegram, app: App) -> None:
    bot = app.bot
    users = [fake.user(first_name=f"U{i}") for i in range(3)]
    fake.enforce_limits(overall_per_second=30, per_chat_per_second=1, per_group_per_minute=20)
    for text in "123":  # a short burst is allowed ...
        await bot.send_message(users[0].chat_id, text)
    for _ in range(2):  # ... then one a second
        with pytest.raises(RetryAfter) as info:
            await bot.send_message(users[0].chat_id, "2")
        assert retry_seconds(info.value) == 1
    assert fake.stats["429"] == 2 and fake.stats["sent"] == 3
    fake.enforce_limits(overall_per_second=2, per_chat_per_second=None)
    await bot.send_message(users[1].chat_id, "a")
    await bot.send_message(users[2].chat_id, "b")
    with pytest.raises(RetryAfter):
        await bot.send_message(users[0].chat_id, "c")
    grp = fake.group()
    fake.enforce_limits(overall_per_second=0, per_chat_per_second=0, per_group_per_minute=3)
    for i in range(3):
        await bot.send_message(grp.chat_id, str(i))
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(grp.chat_id, "too many")
    assert 55 <= retry_seconds(info.value) <= 60
    fake.enforce_limits(None)
    await bot.send_message(grp.chat_id, "unlimited again")
    assert fake.stats["429"] == 4


async def test_scheduled_messages_and_fallback_wait(fake: FakeTelegram, app: App) -> None:
    anna = fake.user()

    async def later() -> None:
        await asyncio.sleep(0.1)
        await app.bot.send_message(anna.chat_id, "Erinnerung: Treffen morgen")

    task = asyncio.create_task(later())
    await anna.expect_no_message(seconds=0.02)
    msg = await anna.wait_for_message(lambda m: "Erinnerung" in m.text, timeout=5)
    assert isinstance(msg, BotMessage) and msg.text.startswith("Erinnerung")
    await task
    with pytest.raises(TimeoutError, match="Erinnerung"):
        await anna.wait_for_message(lambda m: m.text == "nie", timeout=0.05)
    fake.track_processing = False  # fallback: first request for the chat + 50 ms quiet
    assert [m.text for m in await anna.send("ohne tracker")] == ["Echo: ohne tracker"]
    await anna.send("/start")
    [edited] = await anna.press("Zusage")
    assert edited.text == "Gewählt: yes:1" and anna.callback_answers == [("Danke!", False)]


async def test_commands_are_scoped(fake: FakeTelegram, app: App) -> None:
    from telegram import BotCommand, BotCommandScopeAllGroupChats

    bot = app.bot
    await bot.set_my_commands([BotCommand("start", "Start"), BotCommand("help", "Hilfe")])
    await bot.set_my_commands([BotCommand("linkgroup", "Gruppe")], language_code="de",
                              scope=BotCommandScopeAllGroupChats())
    assert [c.command for c in await bot.get_my_commands()] == ["start", "help"]
    got = await bot.get_my_commands(language_code="de", scope=BotCommandScopeAllGroupChats())
    assert [c.command for c in got] == ["linkgroup"]
    assert fake.commands_for({"type": "all_group_chats"}, "de")[0]["command"] == "linkgroup"
    await bot.delete_my_commands()
    assert await bot.get_my_commands() == ()
    with pytest.raises(BadRequest, match="(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand("Bad-Name", "x")])


async def test_raw_protocol_and_long_poll(fake: FakeTelegram) -> None:
    anna = fake.user()
    async with aiohttp.ClientSession() as s:
        async with s.get(f"{fake.base_url}wrong:token/getMe") as r:
            assert r.status == 401 and (await r.json())["description"] == "Unauthorized"
        async with s.get(f"{fake.base_url}{fake.token}/noSuchMethod") as r:
            assert r.status == 404 and (await r.json())["description"] == "Not Found"
        async with s.get(f"{fake.base_url}{fake.token}/getMe") as r:
            assert (await r.json())["result"]["username"] == "actionbot_test_bot"
        async with s.post(f"{fake.base_url}{fake.token}/sendMessage",
                          json={"chat_id": anna.chat_id, "text": "json body"}) as r:
            assert (await r.json())["result"]["text"] == "json body"
        form = {"chat_id": str(anna.chat_id), "text": "123",
                "reply_markup": json.dumps({"inline_keyboard": [[{"text": "a",
                                                                  "callback_data": "1"}]]})}
        async with s.post(f"{fake.base_url}{fake.token}/sendMessage", data=form) as r:
            result = (await r.json())["result"]
            assert result["text"] == "123" and result["reply_markup"]["inline_keyboard"]
        assert fake.requests[-1][1]["chat_id"] == anna.chat_id

        # long poll returns as soon as an update is queued
        url = f"{fake.base_url}{fake.token}/getUpdates"
        loop = asyncio.get_running_loop()
        loop.call_later(0.1, fake.enqueue, {"message": {"message_id": 1, "date": 0,
                                                         "chat": anna.chat_json, "text": "x"}})
        started = time.monotonic()
        async with s.post(url, data={"timeout": "5"}) as r:
            updates = (await r.json())["result"]
        assert len(updates) == 1 and time.monotonic() - started < 2
        uid = updates[0]["update_id"]
        async with s.post(url, data={"offset": str(uid + 1), "timeout": "0"}) as r:
            assert (await r.json())["result"] == []


async def test_webhook_delivery(fake: FakeTelegram) -> None:
    received: list[tuple[dict[str, Any], str | None]] = []
    fail_first = [True]

    async def hook(request: web.Request) -> web.Response:
        received.append((await request.json(),
                         request.headers.get("X-Telegram-Bot-Api-Secret-Token")))
        if fail_first[0]:
            fail_first[0] = False
            return web.Response(status=500)
        return web.Response(text="ok")

    hook_app = web.Application()
    hook_app.router.add_post("/hook", hook)
    runner = web.AppRunner(hook_app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    anna = fake.user()
    uid = fake.enqueue({"message": {"message_id": 1, "date": 0, "chat": anna.chat_json,
                                    "from": anna.user_json(), "text": "hallo"}}, anna.chat_id)
    api = f"{fake.base_url}{fake.token}"
    try:
        async with aiohttp.ClientSession() as s:
            async with s.post(f"{api}/setWebhook", json={"url": f"http://127.0.0.1:{port}/hook",
                                                         "secret_token": "s3cret"}) as r:
                assert (await r.json())["result"] is True
            await fake.wait_for(lambda: len(received) >= 2 and not fake.queue.pending, 5)
            assert received[1][0]["update_id"] == uid
            assert received[1][0]["message"]["text"] == "hallo" and received[1][1] == "s3cret"
            async with s.post(f"{api}/getUpdates") as r:
                assert r.status == 409
            async with s.get(f"{api}/getWebhookInfo") as r:
                info = (await r.json())["result"]
            assert info["pending_update_count"] == 0 and info["url"].endswith("/hook")
            async with s.post(f"{api}/deleteWebhook", data={"drop_pending_updates": "true"}) as r:
                assert (await r.json())["ok"]
            async with s.post(f"{api}/getUpdates") as r:
                assert r.status == 200
    finally:
        await runner.cleanup()
