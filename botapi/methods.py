"""Bot API method implementations (the subset actionbot uses).

Each handler takes decoded params and returns the ``result`` value or raises
:class:`ApiError`, with the validation real Telegram applies so bugs surface
here rather than in production.
"""

from __future__ import annotations

import json
import mimetypes
import re
import time
from collections.abc import Callable
from typing import Any, Protocol

from .limits import Faults, FloodLimits
from .models import (
    ApiError,
    BotMessage,
    UploadedFile,
    bad_request,
    check_text,
    parse_markup,
    render_text,
)
from .updates import UpdateQueue
from .users import Hub, SimChat, SimUser


class Server(Hub, Protocol):
    """What the Bot API methods need of the server (botapi/server.py FakeTelegram), declared here so the
    methods need not import the server that dispatches to them."""

    me: dict[str, Any]
    queue: UpdateQueue
    bot_settings: dict[str, dict[str, Any]]
    commands: dict[tuple[str, str], list[dict[str, Any]]]
    faults: Faults
    file_paths: dict[str, str]
    files: dict[str, UploadedFile]
    limits: FloodLimits | None
    users: dict[int, SimUser]

    def resolve_chat(self, chat_id: Any) -> SimChat: ...

    def touch(self, chat_id: int) -> None: ...

    def record(self, chat: SimChat, msg: BotMessage, method: str) -> None: ...

Handler = Callable[[dict[str, Any]], Any]
_NOT_MODIFIED = ("message is not modified: specified new message content and reply markup are "
                 "exactly the same as a current content and reply markup of the message")
_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_ALBUM_TYPES = ("photo", "video", "document", "audio")
_NOOP_SETTINGS = ("setMyDescription", "setMyShortDescription", "setMyName", "setChatMenuButton",
                  "setMyDefaultAdministratorRights")


class BotApi:
    """Dispatch table from (case-insensitive) method name to handler."""

    def __init__(self, fake: Server) -> None:
        self.fake = fake
        self._albums = 0
        q = fake.queue
        table: dict[str, Handler] = {
            "getMe": lambda p: fake.me, "logOut": lambda p: True, "close": lambda p: True,
            "getUpdates": q.get_updates, "setWebhook": q.set_webhook,
            "deleteWebhook": q.delete_webhook, "getWebhookInfo": lambda p: q.webhook_info(),
            "sendMessage": self.send_message, "sendDocument": self.send_document,
            "sendPhoto": self.send_photo, "sendMediaGroup": self.send_media_group,
            "sendVoice": self.send_voice,
            "editMessageText": self.edit_message_text,
            "editMessageCaption": self.edit_message_caption,
            "editMessageReplyMarkup": self.edit_message_reply_markup,
            "deleteMessage": self.delete_message, "answerCallbackQuery": self.answer_callback,
            "sendChatAction": self.send_chat_action, "getChat": self.get_chat,
            "getChatMember": self.get_chat_member, "getFile": self.get_file,
            "setMyCommands": self.set_my_commands, "getMyCommands": self.get_my_commands,
            "deleteMyCommands": self.delete_my_commands,
        }
        for name in _NOOP_SETTINGS:
            table[name] = self._store_setting(name)
        self._table = {k.lower(): (k, v) for k, v in table.items()}

    def lookup(self, method: str) -> tuple[str, Handler] | None:
        return self._table.get(method.lower())

    def _store_setting(self, name: str) -> Handler:
        def handler(p: dict[str, Any]) -> bool:
            self.fake.bot_settings[name] = p
            return True
        return handler

    # -- helpers ----------------------------------------------------------------------

    def _target(self, p: dict[str, Any], sending: bool = True) -> SimChat:
        """Resolve chat_id and apply failure injection and flood limits."""
        chat = self.fake.resolve_chat(p.get("chat_id"))
        self.fake.faults.check_chat(chat.chat_id, sending)
        if sending and self.fake.limits is not None:
            self.fake.limits.check(chat.chat_id, time.monotonic())
        return chat

    def _reply_to(self, chat: SimChat, p: dict[str, Any]) -> dict[str, Any] | None:
        rp = p.get("reply_parameters") or {}
        mid = rp.get("message_id", p.get("reply_to_message_id"))
        if mid is None:
            return None
        found = chat.find_any(mid)
        if found is None and not (rp.get("allow_sending_without_reply")
                                  or p.get("allow_sending_without_reply")):
            raise bad_request("message to be replied not found")
        return found

    def _new_message(self, chat: SimChat, p: dict[str, Any], raw: str, plain: str,
                     entities: list[dict[str, Any]]) -> BotMessage:
        markup, buttons, keyboard = parse_markup(p.get("reply_markup"))
        return BotMessage(
            message_id=chat.next_message_id(), chat_id=chat.chat_id, chat=chat.chat_json,
            date=int(self.fake.clock()), text=plain, html=raw, parse_mode=p.get("parse_mode"),
            entities=entities, reply_markup=markup, buttons=buttons, reply_keyboard=keyboard,
            reply_to=self._reply_to(chat, p),
        )

    def _store(self, chat: SimChat, msg: BotMessage, method: str) -> dict[str, Any]:
        chat.add_bot_message(msg)
        self.fake.record(chat, msg, method)
        return msg.to_api(self.fake.bot_user)

    def _edit_target(self, p: dict[str, Any]) -> tuple[SimChat, BotMessage]:
        if p.get("inline_message_id"):
            raise bad_request("inline messages are not supported by the fake")
        chat = self._target(p)
        mid = p.get("message_id")
        msg = chat.bot_messages.get(mid) if isinstance(mid, int) else None
        if msg is None or msg.deleted:
            if mid in chat.user_messages:
                raise bad_request("message can't be edited")
            raise bad_request("message to edit not found")
        return chat, msg

    def _apply_edit(self, chat: SimChat, msg: BotMessage, method: str, **changes: Any) -> Any:
        msg.history.append(msg.text)
        for key, value in changes.items():
            setattr(msg, key, value)
        msg.edited = True
        msg.edit_date = int(self.fake.clock())
        self.fake.record(chat, msg, method)
        return msg.to_api(self.fake.bot_user)

    def _upload(self, p: dict[str, Any], field: str, kind: str) -> tuple[UploadedFile, str, str]:
        value = p.get(field)
        if isinstance(value, UploadedFile):
            f = value
            if f.mime_type == "application/octet-stream":
                guessed = mimetypes.guess_type(f.file_name)[0]
                f = UploadedFile(f.file_name, f.data, guessed or f.mime_type)
        elif isinstance(value, str) and value in self.fake.files:
            f = self.fake.files[value]
        elif isinstance(value, str) and value.startswith(("http://", "https://")):
            name = value.rstrip("/").rsplit("/", 1)[-1] or "file"
            f = UploadedFile(name, b"", mimetypes.guess_type(name)[0] or "application/octet-stream")
        elif value:
            raise bad_request("wrong file identifier/HTTP URL specified")
        else:
            raise bad_request(f"there is no {field} in the request")
        file_id, unique = self.fake.register_file(f, kind)
        return f, file_id, unique

    # -- sending --------------------------------------------------------------------------

    def send_message(self, p: dict[str, Any]) -> dict[str, Any]:
        chat = self._target(p)
        raw = p.get("text")
        raw = raw if isinstance(raw, str) else ("" if raw is None else str(raw))
        plain, entities = render_text(raw, p.get("parse_mode"), p.get("entities"))
        check_text(plain)
        msg = self._new_message(chat, p, raw, plain, entities)
        return self._store(chat, msg, "sendMessage")

    def _send_media(self, p: dict[str, Any], field: str, method: str) -> dict[str, Any]:
        chat = self._target(p)
        raw = p.get("caption") or ""
        plain, entities = render_text(raw, p.get("parse_mode"), p.get("caption_entities"))
        check_text(plain, caption=True)
        return self._media_message(chat, p, method, field, p.get(field), raw, plain, entities)

    def _album_file(self, p: dict[str, Any], item: dict[str, Any]) -> UploadedFile | str:
        """An album item's ``media``: an ``attach://name`` part of the request, a file_id or a URL."""
        ref = item.get("media")
        if isinstance(ref, str) and ref.startswith("attach://"):
            part = p.get(ref[len("attach://"):])
            if not isinstance(part, UploadedFile):
                raise bad_request("can't parse InputMedia: media not found")
            return part
        if not isinstance(ref, str) or not ref:
            raise bad_request("can't parse InputMedia: media not found")
        return ref

    def send_media_group(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        """An album: 2–10 photos/videos, or only documents, or only audios; each item becomes a message of
        its own with a shared ``media_group_id``. One request for the flood check; every item counts after."""
        chat = self._target(p)
        media = p.get("media")
        if not isinstance(media, list) or not all(isinstance(m, dict) for m in media):
            raise bad_request("expected an Array of InputMedia")
        if not 2 <= len(media) <= 10:
            raise bad_request("wrong number of media: an album holds 2-10 items")
        kinds = {m.get("type") for m in media}
        if not kinds <= set(_ALBUM_TYPES):
            raise bad_request("can't parse InputMedia: unsupported media type")
        for alone in ("document", "audio"):
            if alone in kinds and len(kinds) > 1:
                raise bad_request(f"{alone} can't be mixed with other media types")
        if not kinds <= {"photo", "document"}:
            raise bad_request("only photos and documents are emulated in albums")
        prepared = []
        for item in media:
            raw = item.get("caption") or ""
            plain, entities = render_text(raw, item.get("parse_mode"), item.get("caption_entities"))
            check_text(plain, caption=True)
            prepared.append((item["type"], self._album_file(p, item), raw, plain, entities))
        self._albums += 1
        group_id = str(13000000000000000 + self._albums)
        return [self._media_message(chat, {}, "sendMediaGroup", kind, value, raw, plain, entities, group_id)
                for kind, value, raw, plain, entities in prepared]

    def _media_message(self, chat: SimChat, p: dict[str, Any], method: str, field: str, value: Any,
                       raw: str, plain: str, entities: list[dict[str, Any]],
                       group_id: str | None = None) -> dict[str, Any]:
        f, file_id, unique = self._upload({field: value}, field, field)
        msg = self._new_message(chat, p, raw, plain, entities)
        msg.caption = plain or None
        msg.file_name = f.file_name
        msg.media_group_id = group_id
        if field == "document":
            msg.document = (f.file_name, f.data, f.mime_type)
            msg.media = {"document": {"file_id": file_id, "file_unique_id": unique,
                                      "file_name": f.file_name, "mime_type": f.mime_type,
                                      "file_size": len(f.data)}}
        elif field == "voice":
            msg.voice = f.data
            msg.media = {"voice": {"file_id": file_id, "file_unique_id": unique,
                                   "duration": int(p.get("duration") or 0),
                                   "mime_type": f.mime_type, "file_size": len(f.data)}}
        else:
            msg.photo = f.data
            msg.media = {"photo": [
                {"file_id": f"{file_id}-{w}", "file_unique_id": f"{unique}{w}", "width": w,
                 "height": w, "file_size": len(f.data)} for w in (90, 320)]}
        return self._store(chat, msg, method)

    def send_document(self, p: dict[str, Any]) -> dict[str, Any]:
        return self._send_media(p, "document", "sendDocument")

    def send_photo(self, p: dict[str, Any]) -> dict[str, Any]:
        return self._send_media(p, "photo", "sendPhoto")

    def send_voice(self, p: dict[str, Any]) -> dict[str, Any]:
        return self._send_media(p, "voice", "sendVoice")

    def edit_message_text(self, p: dict[str, Any]) -> Any:
        chat, msg = self._edit_target(p)
        raw = str(p.get("text") or "")
        plain, entities = render_text(raw, p.get("parse_mode"), p.get("entities"))
        check_text(plain)
        markup, buttons, _ = parse_markup(p.get("reply_markup"))
        if msg.kind != "text":
            raise bad_request("there is no text in the message to edit")
        if plain == msg.text and entities == msg.entities and markup == msg.reply_markup:
            raise bad_request(_NOT_MODIFIED)
        return self._apply_edit(chat, msg, "editMessageText", text=plain, html=raw,
                                parse_mode=p.get("parse_mode"), entities=entities,
                                reply_markup=markup, buttons=buttons)

    def edit_message_caption(self, p: dict[str, Any]) -> Any:
        chat, msg = self._edit_target(p)
        raw = str(p.get("caption") or "")
        plain, entities = render_text(raw, p.get("parse_mode"), p.get("caption_entities"))
        check_text(plain, caption=True)
        markup, buttons, _ = parse_markup(p.get("reply_markup"))
        if msg.kind == "text":
            raise bad_request("there is no caption in the message to edit")
        if plain == msg.text and entities == msg.entities and markup == msg.reply_markup:
            raise bad_request(_NOT_MODIFIED)
        return self._apply_edit(chat, msg, "editMessageCaption", text=plain, html=raw,
                                caption=plain or None, parse_mode=p.get("parse_mode"),
                                entities=entities, reply_markup=markup, buttons=buttons)

    def edit_message_reply_markup(self, p: dict[str, Any]) -> Any:
        chat, msg = self._edit_target(p)
        markup, buttons, _ = parse_markup(p.get("reply_markup"))
        if markup == msg.reply_markup or (markup is None and not msg.buttons):
            raise bad_request(_NOT_MODIFIED)
        return self._apply_edit(chat, msg, "editMessageReplyMarkup", reply_markup=markup,
                                buttons=buttons)

    def delete_message(self, p: dict[str, Any]) -> bool:
        chat = self._target(p, sending=False)
        mid = p.get("message_id")
        msg = chat.bot_messages.get(mid) if isinstance(mid, int) else None
        if msg is not None and not msg.deleted:
            msg.deleted = True
        elif chat.user_messages.pop(mid, None) is None:  # type: ignore[arg-type]
            raise bad_request("message to delete not found")
        self.fake.touch(chat.chat_id)
        return True

    def answer_callback(self, p: dict[str, Any]) -> bool:
        entry = self.fake.callbacks.pop(str(p.get("callback_query_id")), None)
        if entry is None:
            raise bad_request("query is too old and response timeout expired or query ID is "
                              "invalid")
        text = p.get("text")
        if text is not None and len(str(text)) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        user, chat_id = entry
        user.callback_answers.append((text, bool(p.get("show_alert"))))
        self.fake.touch(chat_id)
        return True

    def send_chat_action(self, p: dict[str, Any]) -> bool:
        chat = self._target(p, sending=False)
        if not p.get("action"):
            raise bad_request("wrong parameter action in request")
        self.fake.touch(chat.chat_id)
        return True

    # -- chats, files, commands -------------------------------------------------------

    def get_chat(self, p: dict[str, Any]) -> dict[str, Any]:
        return self.fake.resolve_chat(p.get("chat_id")).full_info()

    def get_chat_member(self, p: dict[str, Any]) -> dict[str, Any]:
        chat = self.fake.resolve_chat(p.get("chat_id"))
        uid = p.get("user_id")
        if uid == self.fake.bot_user["id"]:
            return chat.member_info(self.fake.bot_user, self.fake.bot_user["id"])
        user = self.fake.users.get(uid) if isinstance(uid, int) else None
        if user is None:
            raise bad_request("user not found")
        return chat.member_info(user.user_json(), user.user_id)

    def get_file(self, p: dict[str, Any]) -> dict[str, Any]:
        file_id = str(p.get("file_id"))
        base_id = file_id.rsplit("-", 1)[0] if file_id not in self.fake.files else file_id
        f = self.fake.files.get(base_id)
        if f is None:
            raise bad_request("invalid file_id")
        path = next(k for k, v in self.fake.file_paths.items() if v == base_id)
        return {"file_id": file_id, "file_unique_id": f"u{base_id}", "file_size": len(f.data),
                "file_path": path}

    @staticmethod
    def scope_key(scope: Any) -> str:
        return json.dumps(scope or {"type": "default"}, sort_keys=True)

    def _commands_key(self, p: dict[str, Any]) -> tuple[str, str]:
        return self.scope_key(p.get("scope")), str(p.get("language_code") or "")

    def set_my_commands(self, p: dict[str, Any]) -> bool:
        commands = p.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad_request("commands must be an array of at most 100 BotCommand")
        for c in commands:
            if not isinstance(c, dict) or not _COMMAND_RE.fullmatch(str(c.get("command", ""))):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(c.get("description", ""))) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        self.fake.commands[self._commands_key(p)] = [
            {"command": c["command"], "description": c["description"]} for c in commands]
        return True

    def get_my_commands(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        return list(self.fake.commands.get(self._commands_key(p), []))

    def delete_my_commands(self, p: dict[str, Any]) -> bool:
        self.fake.commands.pop(self._commands_key(p), None)
        return True


__all__ = ["ApiError", "BotApi"]
