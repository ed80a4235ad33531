"""Webhook mode with the secret header, the global error handler, and a token that never reaches a log."""

import logging
import socket

import aiohttp
import pytest

from bot.application import build_application, prepare
from bot.webhook import SECRET_HEADER, start_webhook
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
