"""Free sentences leave the project without names, phone numbers or e-mail addresses.

Used wherever a member's sentence goes into a released output (the evaluation report's "limits" section).
Every word of every registered person's display name (first names, last names, nicknames of three letters or
more; a word written in lower case in the name, such as "für" or "von", is no name on its own and stays) and each
whole display name is replaced, case-insensitively and with the German genitive and possessive
endings ("Carls", "Carl's", "Carl’s", "Hans'"), by a neutral token that does not say who it was; so are phone
numbers, e-mail addresses and Telegram @handles. Guests without Telegram are a headcount with no names, so
there are none of theirs to know. Better a common word too many replaced ("Dorn") than a name left in.
Nothing here touches the database or Telegram: the caller passes the names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

NAME, PHONE, EMAIL = "[Name]", "[Telefon]", "[E-Mail]"
SHORTEST = 3  # name parts shorter than this ("Al", "Jo") are left: too many ordinary words would go
ENDINGS = r"(?:'s|’s|s'|s’|es|ens|s|'|’)?"  # Carls, Carl's, Carl’s, Hans', Max' … (German inflections)
EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
HANDLE_RE = re.compile(r"(?<![\w@])@\w{3,}")
PHONE_RE = re.compile(r"(?<![\w+])(?:\+|00)?\d(?:[\s/().-]{0,2}\d){5,}(?!\w)")


def name_parts(display_names: Iterable[str]) -> list[str]:
    """Whole names and each of their words, longest first (so "Anna Maria" goes before "Anna")."""
    found: set[str] = set()
    for name in display_names:
        whole = " ".join(name.split())
        if len(whole) >= SHORTEST:
            found.add(whole.lower())
        for word in [*whole.split(), *re.split(r"[\s\-–,.()]+", whole)]:  # "Hans-Peter", "Hans", "Peter"
            word = word.strip("'’\"“”„,.()")
            if word[:1].islower():  # "für", "von", "und" in "Amt für Stadtentwicklung": no one's name on its own
                continue
            if len(word) >= SHORTEST and any(ch.isalpha() for ch in word):
                found.add(word.lower())
    return sorted(found, key=lambda n: (-len(n), n))


class Redactor:
    """One compiled pattern for all names of the project; `__call__` cleans a sentence."""

    def __init__(self, display_names: Iterable[str]) -> None:
        parts = name_parts(display_names)
        self._names = (
            re.compile(r"(?<!\w)(?:" + "|".join(re.escape(p) for p in parts) + r")" + ENDINGS + r"(?!\w)",
                       re.IGNORECASE)
            if parts
            else None
        )

    def __call__(self, text: str) -> str:
        text = EMAIL_RE.sub(EMAIL, text)
        text = HANDLE_RE.sub(NAME, text)
        text = PHONE_RE.sub(PHONE, text)
        if self._names is not None:
            text = self._names.sub(NAME, text)
        return text
