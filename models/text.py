"""Text from people: what may be stored (`clean`) and whether anyone could see it (`has_visible`).

`clean` runs once where text enters the bot (handlers/typed.py for messages, `people.clean_display_name` for
profile names): PostgreSQL cannot store U+0000 and no reader wants control characters. `has_visible` is the one
rule every check of typed text uses: a text made only of blanks, zero-width and formatting characters, lone
combining marks or look-alike fillers would be an empty-looking title, place or button.
"""

from __future__ import annotations

import re
import unicodedata

from models.errors import Refusal

# control characters except tab and line feed, and lone surrogates (not encodable, so not storable)
_UNSTORABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")

# control, format, surrogate, separators (spaces, line and paragraph), combining marks without a base
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zs", "Zl", "Zp", "Mn", "Me"})
# letters and symbols that are drawn as nothing: Hangul fillers, the braille blank
_BLANK_LOOKING = frozenset("\u115f\u1160\u3164\uffa0\u2800")
# default-ignorable code points Python's Unicode tables may not know yet (shown as nothing, never as a box)
_IGNORABLE_RANGES = ((0x2065, 0x2065), (0xFFF0, 0xFFF8), (0xE0000, 0xE0FFF))


def clean(text: str) -> str:
    """The text without NUL, other control characters (tab and line feed stay) and lone surrogates."""
    return _UNSTORABLE.sub("", text)


def is_invisible(char: str) -> bool:
    """True for a character that draws nothing on its own (unassigned ones count as visible: new emoji)."""
    if unicodedata.category(char) in _INVISIBLE_CATEGORIES or char in _BLANK_LOOKING:
        return True
    code = ord(char)
    return any(low <= code <= high for low, high in _IGNORABLE_RANGES)


def has_visible(text: str) -> bool:
    """True if at least one character of `text` can be seen."""
    return any(not is_invisible(c) for c in text)


def require_visible(text: str) -> str:
    """`text` unchanged if it has something visible; otherwise a friendly refusal (empty text is checked before)."""
    if not has_visible(text):
        raise Refusal("errors.invisible_text")
    return text
