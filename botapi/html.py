"""Telegram-flavoured HTML parsing for ``parse_mode="HTML"``.

Real Telegram rejects messages whose HTML it cannot parse (unknown tags, a raw
``<``, unbalanced tags) with ``400 can't parse entities``.  Bots that only ever
talk to a lenient fake would ship such bugs, so the fake parses exactly the
subset Telegram documents and produces the plain text plus the message
entities (UTF-16 offsets) that the real API would return.
"""

from __future__ import annotations

import re
from typing import Any

# tag name -> entity type ("" = handled specially / no entity of its own)
_TAGS: dict[str, str] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_TAG_RE = re.compile(
    r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)"
    r"((?:\s+[a-zA-Z][a-zA-Z0-9-]*(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>\"']+))?)*)\s*>"
)
_ATTR_RE = re.compile(r"([a-zA-Z][a-zA-Z0-9-]*)(?:\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s>\"']+))?")
_ENTITY_RE = re.compile(r"&(?:#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6})|(lt|gt|amp|quot));")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


class HtmlError(ValueError):
    """Raised with the text that follows ``can't parse entities: ``."""


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit Telegram measures limits and offsets in."""
    return len(text.encode("utf-16-le")) // 2


def unescape(text: str) -> str:
    """Replace the entities Telegram understands; leave anything else literal."""
    return _ENTITY_RE.sub(_entity_char, text) if "&" in text else text


def _entity_char(m: re.Match[str]) -> str:
    if m.group(3):
        return _NAMED[m.group(3)]
    code = int(m.group(1)) if m.group(1) else int(m.group(2), 16)
    try:
        return chr(code)
    except (ValueError, OverflowError):
        return m.group(0)


def _attrs(raw: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for m in _ATTR_RE.finditer(raw):
        value = m.group(2) or ""
        if value[:1] in ("'", '"'):
            value = value[1:-1]
        out[m.group(1).lower()] = unescape(value)
    return out


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Return ``(plain_text, entities)`` or raise :class:`HtmlError`."""
    plain: list[str] = []
    pos16 = 0  # current UTF-16 offset in the plain text
    stack: list[tuple[str, int, dict[str, str], dict[str, Any] | None]] = []
    entities: list[dict[str, Any]] = []
    i, n = 0, len(text)
    while i < n:
        lt = text.find("<", i)
        chunk = text[i:] if lt < 0 else text[i:lt]
        if chunk:
            piece = unescape(chunk)
            plain.append(piece)
            pos16 += utf16_len(piece)
        if lt < 0:
            break
        m = _TAG_RE.match(text, lt)
        if m is None:
            raise HtmlError(f'unexpected "<" at byte offset {_byte_offset(text, lt)}')
        closing, name = m.group(1) == "/", m.group(2).lower()
        at = _byte_offset(text, lt)
        if closing:
            if not stack:
                raise HtmlError(f"Unexpected end tag at byte offset {at}")
            top, start, attrs, parent = stack.pop()
            if top != name:
                raise HtmlError(
                    f'Unmatched end tag at byte offset {at}, expected "</{top}>", found "</{name}>"'
                )
            entity = _make_entity(name, start, pos16 - start, attrs, parent)
            if entity is not None:
                entities.append(entity)
        else:
            attrs = _attrs(m.group(3))
            if name not in _TAGS or (
                name == "span" and attrs.get("class") != "tg-spoiler"
            ):
                raise HtmlError(f'Unsupported start tag "{name}" at byte offset {at}')
            if name == "tg-emoji" and "emoji-id" not in attrs:
                raise HtmlError(f'Custom emoji identifier must be specified at byte offset {at}')
            parent = None
            if name == "code" and stack and stack[-1][0] == "pre":
                parent = {"pre_start": stack[-1][1], "pre_attrs": stack[-1][2]}
            stack.append((name, pos16, attrs, parent))
        i = m.end()
    if stack:
        raise HtmlError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(plain), entities


def _make_entity(
    name: str, offset: int, length: int, attrs: dict[str, str], parent: dict[str, Any] | None
) -> dict[str, Any] | None:
    if length <= 0:
        return None
    if name == "code" and parent is not None:
        lang = attrs.get("class", "")
        if lang.startswith("language-"):
            # <pre><code class="language-x"> is a single pre entity with a language
            parent["pre_attrs"]["__language"] = lang[len("language-"):]
            return None
    kind = _TAGS[name]
    entity: dict[str, Any] = {"type": kind, "offset": offset, "length": length}
    if name == "a":
        href = attrs.get("href")
        if not href:
            return None
        m = re.fullmatch(r"tg://user\?id=(\d+)", href)
        if m:
            uid = int(m.group(1))
            return {**entity, "type": "text_mention",
                    "user": {"id": uid, "is_bot": False, "first_name": str(uid)}}
        entity["url"] = href
    elif name == "pre" and attrs.get("__language"):
        entity["language"] = attrs["__language"]
    elif name == "blockquote" and "expandable" in attrs:
        entity["type"] = "expandable_blockquote"
    elif name == "tg-emoji":
        entity["custom_emoji_id"] = attrs["emoji-id"]
    return entity
