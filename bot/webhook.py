"""Webhook mode: a small aiohttp server that checks Telegram's secret header in constant time.

PTB's own webhook server compares the secret with `!=`; this route uses `hmac.compare_digest` and
hands each update to the Application's queue, exactly like polling does.
"""

from __future__ import annotations

import hmac
import json
import logging
from typing import Any

from aiohttp import web
from telegram import Update
from telegram.ext import Application

from bot.config import WebhookConfig

log = logging.getLogger("actionbot.webhook")
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def webhook_app(app: Application[Any, Any, Any, Any, Any, Any], secret: str, path: str) -> web.Application:
    expected = secret.encode()

    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
            log.warning("webhook request with a wrong secret from %s", request.remote)
            return web.Response(status=403)
        try:
            data = json.loads(await request.read())
            update = Update.de_json(data, app.bot)
        except (ValueError, TypeError, KeyError):
            return web.Response(status=400)
        if update is not None:
            await app.update_queue.put(update)
        return web.Response(status=200)

    web_app = web.Application(client_max_size=10 * 1024 * 1024)
    web_app.router.add_post(path, receive)
    return web_app


async def start_webhook(app: Application[Any, Any, Any, Any, Any, Any], cfg: WebhookConfig) -> web.AppRunner:
    """Listen, then tell Telegram where to post (with the secret). Pending updates are kept."""
    runner = web.AppRunner(webhook_app(app, cfg.secret_token, cfg.path), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, cfg.listen, cfg.port).start()
    await app.bot.set_webhook(cfg.public_url, secret_token=cfg.secret_token, allowed_updates=Update.ALL_TYPES)
    log.info("webhook listening on %s:%s%s", cfg.listen, cfg.port, cfg.path)
    return runner
