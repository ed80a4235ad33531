"""Simulated Telegram users and groups.

Tests drive the bot through these objects the way a person would (type a
message, press a button) and inspect what arrived in each chat.  Each chat keeps
its own message-id counter, like real private chats and basic groups.
"""

# The test API deliberately takes `timeout=` arguments (like asyncio.wait_for) so tests read
# naturally: `await anna.wait_for_message(pred, timeout=5)`.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterable
from typing import Any, Protocol, TypeVar

from .models import BotMessage, UploadedFile

T = TypeVar("T")


class Hub(Protocol):
    """What a simulated chat needs of the server (botapi/server.py FakeTelegram): declared here, so the chats
    need not import the server that holds them."""

    bot_user: dict[str, Any]
    callbacks: dict[str, tuple[SimUser, int]]
    clock: Callable[[], float]
    events: list[tuple[int, BotMessage]]

    def register_file(self, f: UploadedFile, kind: str) -> tuple[str, str]: ...

    async def wait_for(self, predicate: Callable[[], T | None], timeout: float = 5) -> T: ...

    async def dispatch(self, payload: dict[str, Any], chat_id: int, also: Iterable[int] = (),
                       timeout: float = 10) -> list[BotMessage]: ...

_COMMAND_RE = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,64})?")


class SimChat:
    """Messages in one chat as seen by the test: ``messages`` holds the bot's messages."""

    def __init__(self, fake: Hub, chat_id: int, chat_json: dict[str, Any]) -> None:
        self.fake = fake
        self.chat_id = chat_id
        self.chat_json = chat_json
        self.messages: list[BotMessage] = []
        self.bot_messages: dict[int, BotMessage] = {}
        self.user_messages: dict[int, dict[str, Any]] = {}
        self.last: BotMessage | None = None
        self._next_mid = 1

    def next_message_id(self) -> int:
        mid = self._next_mid
        self._next_mid += 1
        return mid

    def add_bot_message(self, msg: BotMessage) -> None:
        self.messages.append(msg)
        self.bot_messages[msg.message_id] = msg

    def find_any(self, message_id: int) -> dict[str, Any] | None:
        """API JSON of a bot or user message in this chat (for reply_to_message)."""
        bot = self.bot_messages.get(message_id)
        if bot is not None and not bot.deleted:
            return bot.to_api(self.fake.bot_user)
        return self.user_messages.get(message_id)

    def full_info(self) -> dict[str, Any]:
        return {**self.chat_json, "accent_color_id": 0, "max_reaction_count": 11,
                "accepted_gift_types": {"unlimited_gifts": False, "limited_gifts": False,
                                        "unique_gifts": False, "premium_subscription": False}}

    def member_info(self, user: dict[str, Any], user_id: int) -> dict[str, Any]:
        return {"status": "member", "user": user}

    def last_message(self) -> BotMessage:
        """The message the bot most recently sent or edited in this chat."""
        if self.last is None:
            raise LookupError(f"the bot has not sent anything to chat {self.chat_id}")
        return self.last

    def texts(self) -> list[str]:
        """Plain texts of the bot's non-deleted messages, in send order."""
        return [m.text for m in self.messages if not m.deleted]

    async def wait_for_message(self, predicate: Callable[[BotMessage], bool],
                               timeout: float = 5) -> BotMessage:
        """Newest non-deleted message matching ``predicate``, waiting for it if necessary."""
        def find() -> BotMessage | None:
            for m in reversed(self.messages):
                if not m.deleted and predicate(m):
                    return m
            return None
        try:
            return await self.fake.wait_for(find, timeout)
        except TimeoutError:
            raise TimeoutError(f"no matching message in chat {self.chat_id} within {timeout}s; "
                               f"last texts: {self.texts()[-5:]!r}") from None

    async def expect_no_message(self, seconds: float = 0.2) -> None:
        """Assert the bot sends/edits nothing in this chat for ``seconds``."""
        start = len(self.fake.events)
        await asyncio.sleep(seconds)
        new = [m for cid, m in self.fake.events[start:] if cid == self.chat_id]
        if new:
            raise AssertionError(f"expected no message in chat {self.chat_id}, got {new!r}")


class SimGroup(SimChat):
    """A group or supergroup; users post in it with ``user.send_in(group, text)``."""

    def __init__(self, fake: Hub, chat_id: int, title: str, type: str,
                 username: str | None = None) -> None:
        chat_json: dict[str, Any] = {"id": chat_id, "type": type, "title": title}
        if username:
            chat_json["username"] = username
        super().__init__(fake, chat_id, chat_json)
        self.title = title
        self.type = type
        self.members: set[int] = set()
        self.admins: set[int] = set()
        self.bot_is_admin = False

    def add(self, user: SimUser, admin: bool = False) -> None:
        self.members.add(user.user_id)
        if admin:
            self.admins.add(user.user_id)

    def member_info(self, user: dict[str, Any], user_id: int) -> dict[str, Any]:
        is_bot = user_id == self.fake.bot_user["id"]
        if (is_bot and self.bot_is_admin) or user_id in self.admins:
            rights = dict.fromkeys((
                "can_manage_chat", "can_delete_messages", "can_manage_video_chats",
                "can_restrict_members", "can_promote_members", "can_change_info",
                "can_invite_users", "can_post_stories", "can_edit_stories",
                "can_delete_stories"), True)
            return {"status": "administrator", "user": user, "can_be_edited": False,
                    "is_anonymous": False, **rights}
        if is_bot or user_id in self.members:
            return {"status": "member", "user": user}
        return {"status": "left", "user": user}


class SimUser(SimChat):
    """A Telegram user; its private chat with the bot has ``chat_id == user_id``."""

    def __init__(self, fake: Hub, user_id: int, first_name: str, last_name: str | None,
                 username: str | None, language_code: str | None) -> None:
        chat_json: dict[str, Any] = {"id": user_id, "type": "private", "first_name": first_name}
        if last_name:
            chat_json["last_name"] = last_name
        if username:
            chat_json["username"] = username
        super().__init__(fake, user_id, chat_json)
        self.user_id = user_id
        self.first_name = first_name
        self.last_name = last_name
        self.username = username
        self.language_code = language_code
        self.callback_answers: list[tuple[str | None, bool]] = []
        self._next_callback = 1

    def user_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.user_id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        return out

    # -- sending updates ------------------------------------------------------------

    async def _post(self, chat: SimChat | None, content: dict[str, Any],
                    reply_to: BotMessage | None = None, timeout: float = 10) -> list[BotMessage]:
        chat = chat or self
        if isinstance(chat, SimGroup):
            chat.members.add(self.user_id)
        mid = chat.next_message_id()
        msg = {"message_id": mid, "from": self.user_json(), "chat": chat.chat_json,
               "date": int(self.fake.clock()), **content}
        if reply_to is not None:
            msg["reply_to_message"] = reply_to.to_api(self.fake.bot_user)
        chat.user_messages[mid] = msg
        return await self.fake.dispatch({"message": msg}, chat.chat_id, (self.user_id,), timeout)

    async def send(self, text: str, *, reply_to: BotMessage | None = None,
                   timeout: float = 10) -> list[BotMessage]:
        """Send a text message in the private chat; returns what the bot sent/edited meanwhile."""
        return await self._post(None, _text_content(text), reply_to, timeout)

    async def send_in(self, group: SimGroup, text: str, *, reply_to: BotMessage | None = None,
                      timeout: float = 10) -> list[BotMessage]:
        """Send a text message inside ``group`` (returns bot output in the group and in DM)."""
        return await self._post(group, _text_content(text), reply_to, timeout)

    async def send_sticker(self, emoji: str = "👍", *, chat: SimGroup | None = None,
                           timeout: float = 10) -> list[BotMessage]:
        n = self._next_callback
        self._next_callback += 1
        sticker = {"file_id": f"sticker-{self.user_id}-{n}", "file_unique_id": f"st{n}",
                   "type": "regular", "width": 512, "height": 512, "is_animated": False,
                   "is_video": False, "emoji": emoji}
        return await self._post(chat, {"sticker": sticker}, timeout=timeout)

    async def send_photo(self, data: bytes = b"\x89PNG\r\n\x1a\nfake", caption: str | None = None,
                         *, chat: SimGroup | None = None, timeout: float = 10) -> list[BotMessage]:
        file_id, unique = self.fake.register_file(UploadedFile("photo.jpg", data, "image/jpeg"),
                                                  "photo")
        sizes = [{"file_id": file_id, "file_unique_id": unique, "width": 320, "height": 320,
                  "file_size": len(data)}]
        content: dict[str, Any] = {"photo": sizes}
        if caption:
            content["caption"] = caption
        return await self._post(chat, content, timeout=timeout)

    async def send_document(self, data: bytes, file_name: str, mime_type: str | None = None,
                            caption: str | None = None, *, chat: SimGroup | None = None,
                            timeout: float = 10) -> list[BotMessage]:
        mime = mime_type or "application/octet-stream"
        file_id, unique = self.fake.register_file(UploadedFile(file_name, data, mime), "document")
        content: dict[str, Any] = {"document": {
            "file_id": file_id, "file_unique_id": unique, "file_name": file_name,
            "mime_type": mime, "file_size": len(data)}}
        if caption:
            content["caption"] = caption
        return await self._post(chat, content, timeout=timeout)

    async def send_voice(self, data: bytes = b"OggS fake opus", duration: int = 42, *,
                         file_size: int | None = None, timeout: float = 10) -> list[BotMessage]:
        """A voice message in the private chat (``file_size`` overrides what Telegram reports)."""
        file_id, unique = self.fake.register_file(UploadedFile("voice.ogg", data, "audio/ogg"), "voice")
        voice = {"file_id": file_id, "file_unique_id": unique, "duration": duration,
                 "mime_type": "audio/ogg", "file_size": len(data) if file_size is None else file_size}
        return await self._post(None, {"voice": voice}, timeout=timeout)

    async def send_contact(self, phone_number: str = "+4915112345678",
                           first_name: str | None = None, *, chat: SimGroup | None = None,
                           timeout: float = 10) -> list[BotMessage]:
        contact = {"phone_number": phone_number, "first_name": first_name or self.first_name,
                   "user_id": self.user_id}
        return await self._post(chat, {"contact": contact}, timeout=timeout)

    async def send_location(self, latitude: float = 52.52, longitude: float = 13.405, *,
                            chat: SimGroup | None = None, timeout: float = 10) -> list[BotMessage]:
        location = {"latitude": latitude, "longitude": longitude}
        return await self._post(chat, {"location": location}, timeout=timeout)

    # -- buttons --------------------------------------------------------------------------

    async def press(self, label: str, *, message: BotMessage | None = None,
                    chat: SimChat | None = None, timeout: float = 10) -> list[BotMessage]:
        """Press the callback button labelled ``label`` (exact match first, then substring).

        Without ``message`` the newest non-deleted message with an inline keyboard in
        ``chat`` (default: the private chat) is used.
        """
        if message is None:
            where = chat or self
            message = next((m for m in reversed(where.messages) if m.buttons and not m.deleted),
                           None)
            if message is None:
                raise LookupError(f"no message with an inline keyboard in chat {where.chat_id}")
        if message.deleted:
            raise LookupError(f"{message!r} was deleted")
        buttons = [b for b in message.flat_buttons() if b.callback_data is not None]
        match = next((b for b in buttons if b.text == label), None) or next(
            (b for b in buttons if label in b.text), None)
        if match is None or match.callback_data is None:
            raise LookupError(f"no callback button {label!r} in message #{message.message_id}; "
                              f"available: {message.button_texts()!r}")
        return await self.press_data(match.callback_data, message=message, timeout=timeout)

    async def press_data(self, data: str, *, message: BotMessage | None = None,
                         timeout: float = 10) -> list[BotMessage]:
        """Send a callback query with arbitrary ``data`` (e.g. forged) for ``message``."""
        if message is None:
            message = self.last_message()
        query_id = f"{self.user_id}{self._next_callback:06d}"
        self._next_callback += 1
        query = {"id": query_id, "from": self.user_json(),
                 "message": message.to_api(self.fake.bot_user),
                 "chat_instance": str(abs(message.chat_id) * 7919 % 10**12), "data": data}
        self.fake.callbacks[query_id] = (self, message.chat_id)
        return await self.fake.dispatch({"callback_query": query}, message.chat_id,
                                        (self.user_id,), timeout)

    def __repr__(self) -> str:
        return f"<SimUser {self.first_name} id={self.user_id}>"


def _text_content(text: str) -> dict[str, Any]:
    content: dict[str, Any] = {"text": text}
    m = _COMMAND_RE.match(text)
    if m and (m.end() == len(text) or text[m.end()].isspace()):
        content["entities"] = [{"type": "bot_command", "offset": 0, "length": m.end()}]
    return content
