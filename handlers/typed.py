"""Typed input as it enters the bot: the one place where message text and captions are read.

Every text field gets its text through here (`Req.text`, or `formatted` for announcements), cleaned once by
`models.text.clean`: PostgreSQL cannot store NUL, and control characters help nobody.

`formatted` rebuilds Telegram HTML from the message entities instead of using PTB's `text_html`, which puts
a link's URL into the attribute unescaped (a `"` in it breaks the HTML) and cannot clean the text: entity
offsets count UTF-16 units of the text as typed, so the text is cut at the entities first and each piece is
cleaned afterwards. Partly overlapping entities are closed and reopened, so the tags always nest.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from telegram import Message, MessageEntity

from models.text import clean

_SIMPLE = {
    MessageEntity.BOLD: "b",
    MessageEntity.ITALIC: "i",
    MessageEntity.UNDERLINE: "u",
    MessageEntity.STRIKETHROUGH: "s",
    MessageEntity.SPOILER: "tg-spoiler",
    MessageEntity.CODE: "code",
    MessageEntity.BLOCKQUOTE: "blockquote",
}

_Span = tuple[int, int, int, str, str]  # start, end (UTF-16 units), position in the message, open tag, close tag


def text(message: Message | None) -> str | None:
    """The typed text of a message, cleaned; None for a photo, sticker or anything else without text."""
    if message is None or message.text is None:
        return None
    return clean(message.text)


def formatted(message: Message | None) -> str:
    """The text or the caption of a message as valid Telegram HTML, cleaned ('' when there is neither)."""
    if message is None:
        return ""
    if message.text is not None:
        return to_html(message.text, message.entities)
    return to_html(message.caption or "", message.caption_entities)


def _attr(value: str) -> str:
    return escape(clean(value), quote=True)


def _tags(entity: MessageEntity) -> tuple[str, str] | None:
    """The HTML tags of an entity; None for entities Telegram finds again in plain text (links, mentions,
    hashtags) and for custom emoji, which only bots with a paid username may send (their emoji stays)."""
    kind = entity.type
    if kind in _SIMPLE:
        return f"<{_SIMPLE[kind]}>", f"</{_SIMPLE[kind]}>"
    if kind == MessageEntity.EXPANDABLE_BLOCKQUOTE:
        return "<blockquote expandable>", "</blockquote>"
    if kind == MessageEntity.PRE and entity.language:
        return f'<pre><code class="language-{_attr(entity.language)}">', "</code></pre>"
    if kind == MessageEntity.PRE:
        return "<pre>", "</pre>"
    if kind == MessageEntity.TEXT_LINK and entity.url:
        return f'<a href="{_attr(entity.url)}">', "</a>"
    if kind == MessageEntity.TEXT_MENTION and entity.user is not None:
        return f'<a href="tg://user?id={int(entity.user.id)}">', "</a>"
    return None


def to_html(raw: str, entities: Sequence[MessageEntity] | None) -> str:
    """`raw` with its entities as Telegram HTML: text escaped and cleaned, attributes escaped, tags nested."""
    units = raw.encode("utf-16-le", "surrogatepass")
    size = len(units) // 2
    spans: list[_Span] = []
    for position, entity in enumerate(entities or ()):
        tags = _tags(entity)
        start, end = max(0, entity.offset), min(size, entity.offset + entity.length)
        if tags is not None and start < end:
            spans.append((start, end, position, *tags))
    cuts = sorted({0, size, *(s[0] for s in spans), *(s[1] for s in spans)})
    out: list[str] = []
    opened: list[_Span] = []  # outermost first
    for a, b in zip(cuts, cuts[1:], strict=False):
        piece = clean(units[2 * a : 2 * b].decode("utf-16-le", "surrogatepass"))
        if not piece:
            continue
        wanted = sorted((s for s in spans if s[0] <= a and b <= s[1]), key=lambda s: (s[0], -s[1], s[2]))
        keep = 0
        while keep < min(len(opened), len(wanted)) and opened[keep] == wanted[keep]:
            keep += 1
        out.extend(s[4] for s in reversed(opened[keep:]))
        out.extend(s[3] for s in wanted[keep:])
        opened = wanted
        out.append(escape(piece, quote=False))
    out.extend(s[4] for s in reversed(opened))
    return "".join(out)
