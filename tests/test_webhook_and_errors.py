"""Webhook mode with the secret header, the global error handler, and a token that never reaches a log."""

import json
import logging
import socket

import aiohttp
import pytest

from bot.application import build_application, prepare
from bot.webhook import SECRET_HEADER, RecentIds, start_webhook
from models.clock import FrozenClock
from tests.conftest import START, Traced, make_config

SECRET = "s3cret_Token-42"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
async def webhook_bot(fake, db):
    port = free_port()

    def webhook_mode(data):
        data["telegram"]["mode"] = "webhook"
        data["telegram"]["webhook"] = {
            "listen": "127.0.0.1",
            "port": port,
            "secret_token": SECRET,
            "public_url": f"http://127.0.0.1:{port}/actionbot/webhook",
        }

    config = make_config(fake, db.url, mutate=webhook_mode)
    await prepare(config, db)
    app = build_application(config, db, FrozenClock(START), application_class=type("T", (Traced,), {"fake": fake}))
    fake.track_processing = True
    await app.initialize()
    await app.start()
    runner = await start_webhook(app, config.webhook)
    yield app, config
    await runner.cleanup()
    await app.stop()
    await app.shutdown()


async def test_updates_arrive_by_webhook_with_the_secret(fake, webhook_bot):
    _, config = webhook_bot
    assert ("setWebhook",) == tuple(m for m, _ in fake.requests if m == "setWebhook")
    params = next(p for m, p in fake.requests if m == "setWebhook")
    assert params["url"] == config.webhook.public_url and params["secret_token"] == SECRET
    anna = fake.user("Anna")
    replies = await anna.send("/start")
    assert "Datenschutz" in replies[-1].text


async def test_webhook_refuses_a_wrong_secret(fake, webhook_bot):
    app, config = webhook_bot
    update = {
        "update_id": 999,
        "message": {
            "message_id": 1,
            "date": 0,
            "chat": {"id": 5, "type": "private"},
            "from": {"id": 5, "is_bot": False, "first_name": "Eve"},
            "text": "/start",
        },
    }
    async with aiohttp.ClientSession() as http:
        for headers in ({SECRET_HEADER: "wrong"}, {}):
            async with http.post(config.webhook.public_url, json=update, headers=headers) as resp:
                assert resp.status == 403
        async with http.post(config.webhook.public_url, data=b"not json", headers={SECRET_HEADER: SECRET}) as resp:
            assert resp.status == 400
    assert app.update_queue.qsize() == 0
    assert not [p for m, p in fake.requests if m == "sendMessage" and p.get("chat_id") == 5]


def command_update(update_id: int, user, command: str) -> dict:
    """A private command as Telegram posts it to the webhook."""
    entity = {"type": "bot_command", "offset": 0, "length": len(command)}
    message = {"message_id": update_id, "date": 0, "chat": user.chat_json, "from": user.user_json()}
    return {"update_id": update_id, "message": {**message, "text": command, "entities": [entity]}}


async def post(config, body: bytes) -> int:
    headers = {SECRET_HEADER: SECRET, "Content-Type": "application/json"}
    async with aiohttp.ClientSession() as http, http.post(config.webhook.public_url, data=body, headers=headers) as r:
        return r.status


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"null", "not an update object"),
        (b"[]", "not an update object"),
        (b"42", "not an update object"),
        (b'"hello"', "not an update object"),
        (b'{"message": {"message_id": 1, "date": 0, "text": "/start"}}', "update_id"),
        (b'{"update_id": true}', "update_id"),
        (b'{"update_id": 7, "message": {"message_id": 1, "date": 0, "text": "/start"}}', "message without chat"),
        (b'{"update_id": 7, "message": {"message_id": 1, "date": 0, "chat": {}, "text": "x"}}', "unreadable"),
        (b'{"update_id": 7, "callback_query": {"id": "1", "data": "x"}}', "unreadable"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'{"update_id": 7, "message": ' * 50_000 + b"1" + b"}" * 50_000, "nested too deeply"),
    ],
    ids=["null", "list", "number", "string", "no-id", "bool-id", "no-chat", "empty-chat", "no-from", "deep", "deep2"],
)
async def test_a_body_that_is_no_update_gets_400_and_one_log_line(fake, webhook_bot, caplog, body, reason):
    app, config = webhook_bot
    caplog.set_level(logging.INFO)
    assert await post(config, body) == 400
    refused = [r for r in caplog.records if "webhook body refused" in r.getMessage()]
    assert len(refused) == 1 and reason in refused[0].getMessage()
    assert "\n" not in refused[0].getMessage()
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR], "a traceback was logged"
    assert app.update_queue.qsize() == 0
    # the bot is unharmed
    replies = await fake.user("Anna").send("/start")
    assert "Datenschutz" in replies[-1].text


async def test_an_update_delivered_twice_is_processed_once(fake, webhook_bot, caplog):
    _, config = webhook_bot
    caplog.set_level(logging.INFO)
    eve = fake.user("Eve")
    update = json.dumps(command_update(5000, eve, "/start")).encode()
    assert await post(config, update) == 200
    assert await post(config, update) == 200  # Telegram retries when our first answer got lost
    await fake.wait_processed(5000)
    assert await post(config, json.dumps(command_update(5001, eve, "/help")).encode()) == 200
    await fake.wait_processed(5001)  # Eve's updates run in order: a queued repeat would have run by now
    privacy_notices = [m for m in eve.messages if m.text.startswith("👋 Willkommen")]
    assert len(privacy_notices) == 1
    assert len([r for r in caplog.records if "delivered again" in r.getMessage()]) == 1
    assert await post(config, update) == 200  # still remembered later on
    assert len([m for m in eve.messages if m.text.startswith("👋 Willkommen")]) == 1


def test_the_memory_of_update_ids_is_bounded():
    recent = RecentIds(size=3)
    assert [recent.first_time(i) for i in (1, 2, 1, 3, 4)] == [True, True, False, True, True]
    assert recent.first_time(1)  # forgotten after 3 newer ones: memory stays bounded
    assert not recent.first_time(4)


async def test_a_crashing_handler_gets_an_apology_and_a_logged_traceback(bot, monkeypatch, caplog):
    anna = await bot.register(bot.user("Anna"))

    async def boom(*args, **kwargs):
        raise RuntimeError("kaputt")

    monkeypatch.setattr("models.teams.list_teams", boom)
    caplog.set_level(logging.DEBUG)
    replies = await anna.send("/teams")
    assert "Entschuldigung" in replies[-1].text
    failure = [r for r in caplog.records if "update failed" in r.getMessage()]
    assert failure and failure[0].exc_info and "kaputt" in caplog.text
    assert "update_id=" in failure[0].getMessage()
    # the bot keeps working
    assert "Was möchtest du tun?" in (await anna.send("/start"))[-1].text


async def test_english_user_gets_the_apology_in_english(bot, monkeypatch):
    bob = await bot.register(bot.user("Bob", language_code="en"), group="Citizen", town="Rudolstadt", evaluation="No")

    async def boom(*args, **kwargs):
        raise RuntimeError("kaputt")

    monkeypatch.setattr("models.teams.list_teams", boom)
    replies = await bob.send("/teams")
    assert "Sorry" in replies[-1].text


@pytest.fixture
def verbose_http_logs(caplog):
    caplog.set_level(logging.DEBUG)
    names = ("httpx", "httpcore", "telegram", "aiohttp")
    before = {n: logging.getLogger(n).level for n in names}
    for name in names:
        logging.getLogger(name).setLevel(logging.DEBUG)
    yield caplog
    for name, level in before.items():
        logging.getLogger(name).setLevel(level)


async def test_no_log_line_contains_the_token(bot, verbose_http_logs):
    caplog = verbose_http_logs
    anna = await bot.register(bot.user("Anna"))
    await anna.send("/teams")
    await anna.press("Beitreten")
    assert caplog.records, "debug logging produced no records"
    assert any("<token>" in r.getMessage() for r in caplog.records), "the HTTP client logged no URL at all"
    assert bot.fake.token not in caplog.text
    assert not [r for r in caplog.records if bot.fake.token in r.getMessage()]
