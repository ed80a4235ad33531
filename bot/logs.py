"""Logging that never leaks the bot token and narrates outcomes, plus the global error handler."""

from __future__ import annotations

import html
import logging
import sys
from typing import Any

from telegram import Update
from telegram.ext import ContextTypes

from bot.texts import t
from models.people import pick_language
from scheduler.limiter import RateLimiter
from scheduler.replies import Replies

log = logging.getLogger("actionbot")


_SECRETS: set[str] = set()
_base_factory = logging.getLogRecordFactory()


def _redacting_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
    """Build every log record with secrets already replaced, so no handler (ours, pytest's, a library's)
    can print the token: httpx logs request URLs, and those contain it."""
    record = _base_factory(*args, **kwargs)
    if not _SECRETS:
        return record
    message = record.getMessage()
    if any(secret in message for secret in _SECRETS):
        for secret in _SECRETS:
            message = message.replace(secret, "<token>")
        record.msg, record.args = message, None
    if record.exc_info and record.exc_info[1] is not None:
        text = logging.Formatter().formatException(record.exc_info)
        for secret in _SECRETS:
            text = text.replace(secret, "<token>")
        record.exc_text = text
    return record


def install_redaction(token: str) -> None:
    """Register a secret (the bot token, the webhook secret) to be replaced in every log record."""
    if token:
        _SECRETS.add(token)
    logging.setLogRecordFactory(_redacting_factory)


def setup_logging(token: str, level: int = logging.INFO) -> None:
    """Log to stderr; quiet the HTTP client loggers and redact the token everywhere."""
    root = logging.getLogger()
    root.setLevel(level)
    if not root.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
    install_redaction(token)
    for name in ("httpx", "httpcore", "aiohttp.access", "apscheduler"):
        logging.getLogger(name).setLevel(logging.WARNING)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the update id and traceback; tell the user briefly, in their language, that it failed."""
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("update failed update_id=%s", update_id, exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    user = update.effective_user
    lang = pick_language(user.language_code if user else None)
    # paced like every reply and 429-safe, with a patience of its own: the failure may itself have been a 429
    replies = Replies(_limiter(context), label=update_id)
    query, chat_id = update.callback_query, update.effective_chat.id
    try:
        if query is not None:
            await replies.send(None, lambda: query.answer(t(lang, "errors.internal")[:200], show_alert=True), "apology")
        else:
            text = html.escape(t(lang, "errors.internal"))
            await replies.send(chat_id, lambda: context.bot.send_message(chat_id, text), "apology")
    except Exception:  # the apology itself failed (blocked, network); the log already has the cause
        log.warning("apology not delivered update_id=%s", update_id)


def _limiter(context: ContextTypes.DEFAULT_TYPE) -> RateLimiter:
    """The bot's one limiter (handlers.common.Services.limiter); a fresh one if the application has none."""
    svc = context.application.bot_data.get("services")
    return svc.limiter() if svc is not None else RateLimiter()
