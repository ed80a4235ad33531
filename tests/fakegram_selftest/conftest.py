"""Fixtures: a FakeTelegram and a tiny real PTB Application polling it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest_asyncio
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tests.fakegram import FakeTelegram

KEYBOARD = InlineKeyboardMarkup([[InlineKeyboardButton("Zusage", callback_data="yes:1"),
                                  InlineKeyboardButton("Absage", callback_data="no:1")],
                                 [InlineKeyboardButton("Website", url="https://example.org")]])


async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message and update.effective_user
    arg = " ".join(context.args or [])
    await update.effective_message.reply_html(
        f"Hallo <b>{update.effective_user.first_name}</b> &amp; willkommen {arg}".strip(),
        reply_markup=KEYBOARD)


async def on_doc(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message
    await update.effective_message.reply_document(b"%PDF-1.4 fake", filename="report.pdf",
                                                  caption="Bericht")


async def on_link(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message and update.effective_chat and update.effective_user
    await update.effective_message.reply_text(f"verknüpft: {update.effective_chat.title}")
    await context.bot.send_message(update.effective_user.id, "Gruppe verknüpft")


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message and update.effective_message.text is not None
    await update.effective_message.reply_text(f"Echo: {update.effective_message.text}")


async def on_sticker(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message and update.effective_message.sticker
    await update.effective_message.reply_text(f"Sticker {update.effective_message.sticker.emoji}")


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    if query.data.startswith("forged"):
        await query.answer("Ungültig", show_alert=True)
        return
    await query.answer("Danke!")
    try:
        await query.edit_message_text(f"Gewählt: {query.data}", reply_markup=KEYBOARD)
    except BadRequest as exc:  # pressing twice: Telegram says "not modified"
        context.bot_data.setdefault("errors", []).append(exc.message)


def build_app(fake: FakeTelegram) -> Application[Any, Any, Any, Any, Any, Any]:
    class Traced(Application):  # type: ignore[type-arg]
        async def process_update(self, update: object) -> None:
            try:
                await super().process_update(update)
            finally:
                if isinstance(update, Update):
                    fake.mark_processed(update.update_id)

    app = (Application.builder().token(fake.token).base_url(fake.base_url)
           .base_file_url(fake.base_file_url).application_class(Traced).build())
    app.add_handler(CommandHandler("start", on_start))
    app.add_handler(CommandHandler("doc", on_doc))
    app.add_handler(CommandHandler("linkgroup", on_link))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, on_text))
    app.add_handler(MessageHandler(filters.Sticker.ALL, on_sticker))
    app.add_handler(CallbackQueryHandler(on_button))
    return app


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as f:
        yield f


@pytest_asyncio.fixture
async def app(fake: FakeTelegram) -> AsyncIterator[Application[Any, Any, Any, Any, Any, Any]]:
    application = build_app(fake)
    fake.track_processing = True
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0, timeout=1)
        yield application
        await application.updater.stop()
        await application.stop()
