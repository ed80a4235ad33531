"""Logging that never leaks the bot token and narrates outcomes, plus the global error handler."""

from __future__ import annotations

import html
import logging
import sys

from telegram import Update
from telegram.ext import ContextTypes

from bot.texts import t
from models.people import pick_language

log = logging.getLogger("actionbot")


class RedactToken(logging.Filter):
    """Replaces the token in every record (httpx and PTB put it into URLs and reprs)."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.token:
            return True
        message = record.getMessage()
        if self.token in message:
            record.msg = message.replace(self.token, "<token>")
            record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            if self.token in text:
                record.exc_text = text.replace(self.token, "<token>")
                record.exc_info = None
                record.msg = f"{record.msg}\n{record.exc_text}"
                record.exc_text = None
        return True


def setup_logging(token: str, level: int = logging.INFO) -> None:
    """Log to stderr; quiet the HTTP client loggers and redact the token on every handler."""
    root = logging.getLogger()
    root.setLevel(level)
    if not root.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
    install_redaction(token)
    for name in ("httpx", "httpcore", "aiohttp.access", "apscheduler"):
        logging.getLogger(name).setLevel(logging.WARNING)


def install_redaction(token: str) -> None:
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactToken) for f in handler.filters):
            handler.addFilter(RedactToken(token))


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the update id and traceback; tell the user briefly, in their language, that it failed."""
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("update failed update_id=%s", update_id, exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    user = update.effective_user
    lang = pick_language(user.language_code if user else None)
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(t(lang, "errors.internal")[:200], show_alert=True)
        else:
            await context.bot.send_message(update.effective_chat.id, html.escape(t(lang, "errors.internal")))
    except Exception:  # the apology itself failed (blocked, network); the log already has the cause
        log.warning("apology not delivered update_id=%s", update_id)
