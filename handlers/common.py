"""The thin layer between Telegram and the domain: requests, views and the handler wrapper.

A handler gets a `Req`: an open transaction, the person (if registered), the language and the
decoded button. It queues views; they are sent only after the transaction committed, so a refused or
failed action sends nothing but a clear answer and leaves the database as it was.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden
from telegram.ext import ContextTypes

from core.config import Config
from core.services import Services
from core.texts import t
from handlers import typed
from handlers.codec import Callback
from handlers.uploads import Album, Doc, send_upload
from models.people import mark_unreachable, pick_language
from models.tables import Person
from scheduler.limiter import RateLimiter
from scheduler.replies import Replies

T = TypeVar("T")
log = logging.getLogger("actionbot.handlers")
_TAG = re.compile(r"<[^>]*>")




@dataclass(frozen=True)
class Btn:
    label: str
    data: str | None = None
    url: str | None = None


@dataclass
class View:
    """Text (Telegram HTML, user values already escaped) and inline buttons: what a screen shows."""

    text: str
    buttons: list[list[Btn]] = field(default_factory=list)

    def markup(self) -> InlineKeyboardMarkup | None:
        if not self.buttons:
            return None
        return InlineKeyboardMarkup(
            [[InlineKeyboardButton(b.label, callback_data=b.data, url=b.url) for b in row] for row in self.buttons]
        )


def pager(page: int, pages: int, data: Callable[[int], str]) -> list[list[Btn]]:
    """The ◀ ▶ row of a paged screen (no row when there is only one page); `data(p)` is page p's button."""
    nav = []
    if page > 0:
        nav.append(Btn("◀", data(page - 1)))
    if page < pages - 1:
        nav.append(Btn("▶", data(page + 1)))
    return [nav] if nav else []


def utf16_len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units: an emoji counts 2)."""
    return len(text.encode("utf-16-le")) // 2


def visible_len(html_text: str) -> int:
    """Length Telegram checks against its limit: after HTML parsing, in UTF-16 code units."""
    return utf16_len(html.unescape(_TAG.sub("", html_text)))


def _safe_cut(line: str, limit: int) -> int:
    """Where to cut an over-long line: within the limit and never inside a tag or an entity like &lt;."""
    cut = min(len(line), limit)
    while cut > 1 and visible_len(line[:cut]) > limit:
        cut -= max(1, (visible_len(line[:cut]) - limit) // 2)
    while cut > 1 and (
        line.rfind("&", 0, cut) > line.rfind(";", 0, cut) or line.rfind("<", 0, cut) > line.rfind(">", 0, cut)
    ):
        cut -= 1
    return max(cut, 1)


def split_text(text: str, limit: int = 4000) -> list[str]:
    """Split a long text at line breaks into parts Telegram accepts (tags never span lines here)."""
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        while visible_len(line) > limit:  # a single huge line: cut it, keeping what came before first
            if current:
                parts.append(current)
                current = ""
            cut = _safe_cut(line, limit)
            parts.append(line[:cut])
            line = line[cut:]
        candidate = f"{current}\n{line}" if current else line
        if visible_len(candidate) > limit:
            parts.append(current)
            current = line
        else:
            current = candidate
    if current or not parts:
        parts.append(current)
    return parts


def short(text: str, limit: int = 300) -> str:
    """A text cut to `limit` characters with "…" for a list or a notice (the whole text stays stored)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def esc(value: object) -> str:
    """Escape a user-typed value for Telegram HTML."""
    return html.escape(str(value), quote=False)


class Req:
    """One update being handled: session, person, language and the queued answers."""

    def __init__(self, update: Update, context: ContextTypes.DEFAULT_TYPE, svc: Services) -> None:
        self.update = update
        self.context = context
        self.svc = svc
        self.session: AsyncSession
        self.person: Person | None = None
        user = update.effective_user
        self.user_id: int = user.id if user else 0
        self.lang = pick_language(user.language_code if user else None)
        self.cb: Callback | None = None
        self.new_message = False  # a menu button opens screens as new messages instead of editing
        self.now: datetime = svc.clock.now()
        self._out: list[tuple[int | None, View | Doc | Album]] = []
        self._after: list[Callable[[], Awaitable[None]]] = []
        self._edit: View | None = None
        self._toast: tuple[str, bool] | None = None
        self._replies: Replies | None = None

    @property
    def config(self) -> Config:
        return self.svc.config

    @property
    def me(self) -> Person:
        """The registered person; handlers that need a consented person can rely on it."""
        assert self.person is not None
        return self.person

    def t(self, key: str, **params: Any) -> str:
        return t(self.lang, key, **params)

    @property
    def text(self) -> str | None:
        """What the person typed (None for a photo, sticker, ...), cleaned once for every text field."""
        return typed.text(self.update.effective_message)

    def reply(self, view: View | str) -> None:
        self._out.append((None, View(view) if isinstance(view, str) else view))

    def send_to(self, chat_id: int, view: View | str) -> None:
        """Queue a message to another person's chat (e.g. telling a new team lead)."""
        self._out.append((chat_id, View(view) if isinstance(view, str) else view))

    def after(self, action: Callable[[], Awaitable[None]]) -> None:
        """Run `action` once the transaction committed (e.g. refresh someone's command menu)."""
        self._after.append(action)

    def show(self, view: View) -> None:
        """Replace the pressed message (for a button) or send the view (for a command)."""
        query = self.update.callback_query
        if query is not None and query.message is not None and not self.new_message:
            self._edit = view
        else:
            self.reply(view)

    def document(self, data: bytes, filename: str, caption: str = "") -> None:
        self._out.append((None, Doc(data, filename, caption)))

    def album(self, photos: list[tuple[bytes, str, str]]) -> None:
        """Pictures (data, file name, caption) as one album; more than ten go out as several albums."""
        if photos:
            self._out.append((None, Album([Doc(*p) for p in photos])))

    def deliver_soon(self) -> None:
        """The handler added outbox rows: wake the dispatcher once they are committed."""
        dispatcher = self.svc.dispatcher
        if dispatcher is not None:

            async def wake() -> None:
                dispatcher.wake()

            self._after.append(wake)

    def toast(self, text: str, alert: bool = False) -> None:
        self._toast = (text[:200], alert)

    def discard(self) -> None:
        self._out.clear()
        self._after.clear()
        self._edit = None
        self._toast = None

    async def paced(
        self, chat_id: int | None, call: Callable[[], Awaitable[T]], what: str, later: View | None = None
    ) -> T | None:
        """Run one API call that sends to `chat_id` now (None: it sends no message, like answering a button), paced
        with everything else going there and waiting out a 429 within this update's patience (see
        scheduler/replies.py). None when Telegram asked for a longer wait and the message was given up, or when
        Telegram was unreachable and `later` (the message as a view) went to the outbox instead."""
        if self._replies is None:
            self._replies = Replies(limiter_of(self.svc), label=self.update.update_id)
        hand_over = None
        if later is not None and chat_id is not None:
            from handlers.later import hand_over as to_outbox  # it builds on this module

            hand_over = partial(to_outbox, self.svc, chat_id, later.text, later.markup())
        return await self._replies.send(chat_id, call, what, hand_over)

    async def flush(self) -> None:
        """Send what the handler queued: the callback answer first, then the edit, then new messages."""
        query = self.update.callback_query
        chat = self.update.effective_chat
        if query is not None:
            text, alert = self._toast or (None, False)
            try:
                await self.paced(None, lambda: query.answer(text, show_alert=alert), "answer")
            except BadRequest as exc:  # the query is too old to answer; the edit below still shows the result
                log.info("callback answer failed update_id=%s reason=%s", self.update.update_id, exc.message)
        own_chat = chat.id if chat is not None else self.user_id
        if self._edit is not None and visible_len(self._edit.text) > 4000:
            self._out.insert(0, (None, self._edit))  # too long for one message: send it in parts instead
            self._edit = None
        if self._edit is not None and query is not None and query.message is not None:
            edit = self._edit
            try:
                await self.paced(
                    own_chat,
                    lambda: query.edit_message_text(
                        edit.text, parse_mode=ParseMode.HTML, reply_markup=edit.markup(), disable_web_page_preview=True
                    ),
                    "edit",
                    later=edit,
                )
            except Forbidden:
                await self._unreachable(own_chat)
            except BadRequest as exc:
                if "not modified" not in exc.message.lower():
                    raise
        for chat_id, item in self._out:
            target = own_chat if chat_id is None else chat_id
            try:
                await self._send(target, item)
            except Forbidden:
                await self._unreachable(target)
        for action in self._after:
            await action()

    async def _send(self, target: int, item: View | Doc | Album) -> None:
        bot = self.context.bot
        if not isinstance(item, View):
            await send_upload(bot, self.paced, target, item)
            return
        chunks = split_text(item.text)
        for i, chunk in enumerate(chunks):
            markup = item.markup() if i == len(chunks) - 1 else None
            send = partial(
                bot.send_message,
                target,
                chunk,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
                disable_web_page_preview=True,
            )
            await self.paced(target, send, "message", later=View(chunk, item.buttons if markup else []))

    async def _unreachable(self, chat_id: int) -> None:
        log.info("chat unreachable update_id=%s", self.update.update_id)
        async with self.svc.db.transaction() as s:
            await mark_unreachable(s, chat_id, self.svc.clock.now())


def limiter_of(svc: Services) -> RateLimiter:
    """The one pace for everything sent to Telegram: the dispatcher's, so a reply and a reminder to the same
    chat together stay within the per-chat limit (a limiter of its own only before a dispatcher exists)."""
    if svc.dispatcher is not None:
        limiter: RateLimiter = svc.dispatcher.limiter
        return limiter
    if svc.own_limiter is None:
        svc.own_limiter = RateLimiter()
    own: RateLimiter = svc.own_limiter
    return own


HandlerFn = Callable[[Req], Awaitable[None]]
TelegramCallback = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    svc: Services = context.application.bot_data["services"]
    return svc


ANYONE = "anyone"  # no stored person needed (/start, /help, /deleteme, consent)
KNOWN = "known"  # a person row exists; works without agreeing to a newer privacy notice (/mydata)
CONSENTED = "consented"  # a person row exists (registration may be unfinished), the current notice agreed to
MEMBER = "member"  # registration complete (and the current notice agreed to)
