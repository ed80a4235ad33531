"""Webhook mode: a small aiohttp server that checks Telegram's secret header in constant time.

PTB's own webhook server compares the secret with `!=`; this route uses `hmac.compare_digest` and
hands each update to the Application's queue, exactly like polling does. A body that is not an update
gets 400 and one log line (never a traceback), and an update Telegram delivers again (it retries when
an answer is lost) is acknowledged but not processed twice.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections import deque
from typing import Any

from aiohttp import web
from telegram import Update
from telegram.ext import Application

from core.config import WebhookConfig

log = logging.getLogger("actionbot.webhook")
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
REMEMBERED_UPDATES = 10_000  # hours of this bot's traffic; Telegram retries within minutes


class NotAnUpdate(ValueError):
    """The body is valid for the secret check but is no Telegram update; the text says why (for the log)."""


class RecentIds:
    """The last `size` update ids seen, to recognise a delivery Telegram repeats.

    Kept in memory only: Telegram redelivers an update only while it has no 2xx answer for it, so a
    repeat comes seconds to minutes after the first try, from the same running process. Across a restart
    only an update whose answer was lost in the very moment of stopping could come again; that rare case
    is accepted rather than writing every update id to the database.
    """

    def __init__(self, size: int = REMEMBERED_UPDATES) -> None:
        self._order: deque[int] = deque()
        self._seen: set[int] = set()
        self._size = size

    def first_time(self, update_id: int) -> bool:
        """True (and remembered) the first time an id is seen; synchronous, so two concurrent
        deliveries of one update cannot both pass."""
        if update_id in self._seen:
            return False
        self._seen.add(update_id)
        self._order.append(update_id)
        if len(self._order) > self._size:
            self._seen.discard(self._order.popleft())
        return True


def parse_update(body: bytes, bot: Any) -> Update:
    """The update in a webhook body, or `NotAnUpdate` naming what is wrong with it."""
    try:
        data = json.loads(body)
    except ValueError:
        raise NotAnUpdate("not JSON") from None
    except RecursionError:
        raise NotAnUpdate("JSON nested too deeply") from None
    if not isinstance(data, dict):
        raise NotAnUpdate(f"a JSON {type(data).__name__}, not an update object")
    update_id = data.get("update_id")
    if not isinstance(update_id, int) or isinstance(update_id, bool) or update_id < 0:
        raise NotAnUpdate("no numeric update_id")
    try:
        update = Update.de_json(data, bot)
    except Exception as exc:  # any failure to read untrusted input is the sender's fault, not a crash
        raise NotAnUpdate(f"unreadable update ({type(exc).__name__})") from None
    message = update.effective_message
    if message is not None and getattr(message, "chat", None) is None:
        raise NotAnUpdate("message without chat")
    return update


def webhook_app(app: Application[Any, Any, Any, Any, Any, Any], secret: str, path: str) -> web.Application:
    expected = secret.encode()
    recent = RecentIds()

    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
            log.warning("webhook request with a wrong secret from %s", request.remote)
            return web.Response(status=403)
        try:
            update = parse_update(await request.read(), app.bot)
        except NotAnUpdate as exc:
            log.warning("webhook body refused from %s: %s", request.remote, exc)
            return web.Response(status=400)
        if not recent.first_time(update.update_id):
            log.info("webhook: update %s delivered again, not processed twice", update.update_id)
            return web.Response(status=200)
        await app.update_queue.put(update)
        return web.Response(status=200)

    web_app = web.Application(client_max_size=10 * 1024 * 1024)
    web_app.router.add_post(path, receive)
    return web_app


async def start_webhook(app: Application[Any, Any, Any, Any, Any, Any], cfg: WebhookConfig) -> web.AppRunner:
    """Listen, then tell Telegram where to post (with the secret). Pending updates are kept."""
    runner = web.AppRunner(webhook_app(app, cfg.secret_token, cfg.path), access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, cfg.listen, cfg.port).start()
        await app.bot.set_webhook(cfg.public_url, secret_token=cfg.secret_token, allowed_updates=Update.ALL_TYPES)
    except BaseException:
        await runner.cleanup()
        raise
    log.info("webhook listening on %s:%s%s", cfg.listen, cfg.port, cfg.path)
    return runner
