"""The yardstick: a bare echo bot on python-telegram-bot with default settings (httpx, sequential)."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters


async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is not None and message.text:
        await context.bot.send_message(message.chat_id, message.text)


async def _answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer()
    await query.edit_message_text(f"pressed {query.data}")


def build_echo_bot(token: str, base_url: str, application_class: type[Application[Any, Any, Any, Any, Any, Any]]
                   ) -> Application[Any, Any, Any, Any, Any, Any]:
    """`Application.builder().token(..).base_url(..).build()`; `application_class` only adds the
    completion signal the benchmark (like the test suite) needs."""
    app = Application.builder().token(token).base_url(base_url).application_class(application_class).build()
    app.add_handler(MessageHandler(filters.TEXT, _echo))
    app.add_handler(CallbackQueryHandler(_answer))
    return app
