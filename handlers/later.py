"""A direct reply Telegram did not take within its update's patience (an outage): the outbox sends it later.

scheduler/replies.py retries a reply refused with a 5xx or without a connection while the update may still
wait; after that the message becomes an outbox row here, due now and expiring after `[delivery]
reply_expiry_minutes` (an answer that comes much later than the question only confuses), so the person gets
exactly one answer once Telegram is back. The row holds the message as it was rendered (text and buttons).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardMarkup

from core.config import Config
from core.services import Services
from models import outbox
from models.tables import Outbox
from scheduler.dispatcher import Outgoing, Renderer

KIND = "reply"


async def hand_over(svc: Services, chat_id: int, text: str, markup: InlineKeyboardMarkup | None) -> None:
    """Store the reply as an outbox row (its own transaction: the update's has committed) and wake the
    dispatcher; it goes out as soon as Telegram answers again."""
    now = svc.clock.now()
    payload = {"text": text, "markup": markup.to_dict() if markup is not None else None}
    message = outbox.NewMessage(
        KIND, chat_id, now, payload=payload, expires_at=now + svc.config.reply_expiry, priority=1
    )
    async with svc.db.transaction() as s:
        await outbox.enqueue(s, [message], now)
    if svc.dispatcher is not None:
        svc.dispatcher.wake()


async def render(_s: AsyncSession, row: Outbox) -> Outgoing:
    markup = row.payload.get("markup")
    buttons = InlineKeyboardMarkup.de_json(markup, None) if markup else None
    return Outgoing(text=row.payload["text"], reply_markup=buttons)


def renderers(_config: Config) -> dict[str, Renderer]:
    return {KIND: render}
