"""Telegram tells us when a user blocks or unblocks the bot; we stop (or resume) writing to them."""

from __future__ import annotations

from telegram import ChatMember, Update
from telegram.ext import ContextTypes

from handlers.common import services
from models.people import mark_reachable, mark_unreachable


async def on_my_chat_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    change = update.my_chat_member
    if change is None or change.chat.type != "private":
        return
    svc = services(context)
    async with svc.db.transaction() as s:
        if change.new_chat_member.status in (ChatMember.BANNED, ChatMember.LEFT):
            await mark_unreachable(s, change.chat.id, svc.clock.now())
        else:
            await mark_reachable(s, change.chat.id)
