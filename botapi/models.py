"""Value objects shared by the server and the simulated users.

``BotMessage`` is the test-facing view of one message the bot sent; it also
renders itself back into the Bot API ``Message`` JSON so callback queries and
method results look exactly like what the real API would return.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .html import HtmlError, parse_html, utf16_len


class ApiError(Exception):
    """A Bot API error reply: ``{"ok": false, "error_code": ..., "description": ...}``."""

    def __init__(
        self, error_code: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(f"{error_code} {description}")
        self.error_code = error_code
        self.description = description
        self.parameters = parameters

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(what: str, parameters: dict[str, Any] | None = None) -> ApiError:
    return ApiError(400, f"Bad Request: {what}", parameters)


@dataclass(frozen=True)
class UploadedFile:
    """A multipart file part as the bot uploaded it."""

    file_name: str
    data: bytes
    mime_type: str


@dataclass(frozen=True)
class Button:
    """One inline keyboard button (``callback_data`` xor ``url`` for the usual kinds)."""

    text: str
    callback_data: str | None = None
    url: str | None = None


@dataclass(eq=False)
class BotMessage:
    """A message sent by the bot; edits mutate it in place and keep ``history``."""

    message_id: int
    chat_id: int
    chat: dict[str, Any]
    date: int
    text: str  # plain text (for media: the plain caption, "" if none)
    html: str  # raw text/caption as the bot sent it
    parse_mode: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    reply_markup: dict[str, Any] | None = None
    buttons: list[list[Button]] = field(default_factory=list)
    reply_keyboard: list[list[str]] | None = None
    document: tuple[str, bytes, str] | None = None
    photo: bytes | None = None
    voice: bytes | None = None  # sendVoice: the audio
    caption: str | None = None
    media: dict[str, Any] | None = None  # API JSON of document / photo sizes
    file_name: str | None = None  # the uploaded file's name (real Telegram keeps it for documents only)
    media_group_id: str | None = None  # the album this message belongs to
    reply_to: dict[str, Any] | None = None
    deleted: bool = False
    edited: bool = False
    edit_date: int | None = None
    history: list[str] = field(default_factory=list)

    @property
    def kind(self) -> str:
        if self.document is not None:
            return "document"
        if self.photo is not None:
            return "photo"
        if self.voice is not None:
            return "voice"
        return "text"

    def flat_buttons(self) -> list[Button]:
        return [b for row in self.buttons for b in row]

    def button_texts(self) -> list[str]:
        return [b.text for b in self.flat_buttons()]

    def to_api(self, bot_user: dict[str, Any]) -> dict[str, Any]:
        """The Bot API ``Message`` object for this message (current state)."""
        out: dict[str, Any] = {
            "message_id": self.message_id,
            "from": bot_user,
            "chat": self.chat,
            "date": self.date,
        }
        if self.edit_date is not None:
            out["edit_date"] = self.edit_date
        if self.reply_to is not None:
            out["reply_to_message"] = self.reply_to
        if self.media_group_id is not None:
            out["media_group_id"] = self.media_group_id
        if self.kind == "text":
            out["text"] = self.text
            if self.entities:
                out["entities"] = self.entities
        else:
            assert self.media is not None
            out.update(self.media)
            if self.caption:
                out["caption"] = self.caption
                if self.entities:
                    out["caption_entities"] = self.entities
        if self.reply_markup is not None and "inline_keyboard" in self.reply_markup:
            out["reply_markup"] = self.reply_markup
        return out

    def __repr__(self) -> str:
        flags = " deleted" if self.deleted else ""
        return (f"<BotMessage #{self.message_id} chat={self.chat_id}{flags} "
                f"text={self.text[:60]!r} buttons={self.button_texts()}>")


def render_text(
    text: str, parse_mode: str | None, entities: list[dict[str, Any]] | None
) -> tuple[str, list[dict[str, Any]]]:
    """Plain text + entities for a text/caption, validating HTML like Telegram."""
    if not parse_mode:
        return text, list(entities or [])
    mode = parse_mode.lower()
    if mode == "html":
        try:
            return parse_html(text)
        except HtmlError as exc:
            raise bad_request(f"can't parse entities: {exc}") from None
    if mode in ("markdown", "markdownv2"):
        return text, []  # not emulated: stored verbatim
    raise bad_request("unsupported parse_mode")


def check_text(plain: str, *, caption: bool = False) -> None:
    if caption:
        if utf16_len(plain) > 1024:
            raise bad_request("message caption is too long")
        return
    if not plain.strip():
        raise bad_request("message text is empty")
    if utf16_len(plain) > 4096:
        raise bad_request("message is too long")


_URL_PREFIXES = ("http://", "https://", "tg://")


def parse_markup(
    markup: Any,
) -> tuple[dict[str, Any] | None, list[list[Button]], list[list[str]] | None]:
    """Validate ``reply_markup``; return (markup, inline buttons, reply keyboard texts)."""
    if markup is None:
        return None, [], None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise bad_request("field \"inline_keyboard\" must be an Array of Arrays")
        if sum(len(r) for r in rows) > 100:
            raise bad_request("too many inline keyboard buttons")
        buttons = [[_inline_button(b) for b in row] for row in rows]
        return markup, buttons, None
    if "keyboard" in markup:
        texts = [[b if isinstance(b, str) else str(b.get("text", "")) for b in row]
                 for row in markup["keyboard"]]
        return markup, [], texts
    return markup, [], None


def _inline_button(raw: Any) -> Button:
    if not isinstance(raw, dict) or not isinstance(raw.get("text"), str):
        raise bad_request("can't parse inline keyboard button: Text buttons are unallowed "
                          "in the inline keyboard")
    data, url = raw.get("callback_data"), raw.get("url")
    if data is not None:
        if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= 64:
            raise bad_request("BUTTON_DATA_INVALID")
    if url is not None and (not isinstance(url, str) or not url.startswith(_URL_PREFIXES)):
        raise bad_request(f"inline keyboard button URL '{url}' is invalid: "
                          "Unsupported URL protocol")
    others = set(raw) - {"text", "callback_data", "url"}
    if data is None and url is None and not others:
        raise bad_request("text buttons are unallowed in the inline keyboard")
    return Button(text=raw["text"], callback_data=data, url=url)
