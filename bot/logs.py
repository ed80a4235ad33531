"""Logging that never leaks the bot token and narrates outcomes, plus the global error handler."""

from __future__ import annotations

import html
import json
import logging
import sys
from datetime import UTC, datetime
from typing import IO, Any

from telegram import Update
from telegram.ext import ContextTypes

from core.texts import t
from handlers.common import limiter_of
from models.outage import Outage, is_database_outage
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


def _redact(text: str) -> str:
    for secret in _SECRETS:
        text = text.replace(secret, "<token>")
    return text


_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime", "taskName"}


class TextFormatter(logging.Formatter):
    """`2026-11-30 03:15:21,123 INFO actionbot.dispatcher: message …`: one line per event, a traceback included
    (its line breaks written as `\\n`), so line-based log tools never split an event."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        return _redact(super().format(record)).replace("\n", "\\n")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, the record's extra fields
    (`log.info(..., extra={"row": 5})`) and the traceback as `exc`. Redacted after encoding, so no field can
    carry the token."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update((k, v) for k, v in record.__dict__.items() if k not in _STANDARD and not k.startswith("_"))
        if record.exc_info and record.exc_info[1] is not None:
            entry["exc"] = record.exc_text or self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return _redact(json.dumps(entry, ensure_ascii=False, default=str))


def setup_logging(token: str, level: str | int = logging.INFO, fmt: str = "text", stream: IO[str] | None = None
                  ) -> logging.Handler:
    """Log to stderr (or `stream`) in the `[logging]` format and level; quiet the HTTP client loggers and
    redact the token everywhere. Called again, it reconfigures the handler it added before."""
    root = logging.getLogger()
    root.setLevel(level)
    ours = [h for h in root.handlers if isinstance(h, logging.StreamHandler) and getattr(h, "actionbot", False)]
    handler = ours[0] if ours else None
    if handler is None:
        handler = logging.StreamHandler(stream or sys.stderr)
        handler.actionbot = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    else:
        handler.setStream(stream or sys.stderr)  # called again (CLI subcommands, tests): the stream asked for now
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    install_redaction(token)
    for name in ("httpx", "httpcore", "aiohttp.access", "apscheduler"):
        logging.getLogger(name).setLevel(logging.WARNING)
    return handler


def json_configured() -> bool:
    """Whether `setup_logging` was asked for JSON lines (then every line of the process must be one)."""
    return any(
        getattr(h, "actionbot", False) and isinstance(h.formatter, JsonFormatter) for h in logging.getLogger().handlers
    )


def report_failure(text: str, code: int) -> None:
    """The one line a failed command ends with (README, Exit codes): a JSON object with `exit_code` when JSON
    lines are configured, else `actionbot: <text>` on stderr."""
    if json_configured():
        log.error("%s", text, extra={"exit_code": code})
    else:
        print(f"actionbot: {text}", file=sys.stderr)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the update id and traceback; tell the user briefly, in their language, that it failed."""
    update_id = update.update_id if isinstance(update, Update) else None
    error = context.error
    if error is not None and is_database_outage(error):  # known and transient: no traceback (models/outage.py)
        svc = context.application.bot_data.get("services")
        outage: Outage | None = getattr(svc.db, "outage", None) if svc is not None else None
        if outage is not None:
            outage.failed(error)
        if not isinstance(update, Update):  # a job (progress, plans): its next run tries again
            return
        log.warning("update not handled update_id=%s: the database is unreachable", update_id)
    else:
        log.error("update failed update_id=%s", update_id, exc_info=error)
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
    return limiter_of(svc) if svc is not None else RateLimiter()
