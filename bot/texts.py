"""The text catalogue: every text the bot sends, per language, plus date formatting.

Texts live in bot/locales/<lang>/<part>.toml; key `x` in `ideas.toml` is `ideas.x`.
German is complete and the fallback; a test checks that English has the same keys and placeholders.
"""

from __future__ import annotations

import tomllib
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime as babel_format_datetime

LOCALES = Path(__file__).with_name("locales")
LANGUAGES = ("de", "en")
DEFAULT = "de"
DATETIME_FORMATS = {"de": "EEE, d. MMM y, HH:mm 'Uhr'", "en": "EEE, d MMM y, h:mm a"}
DATE_FORMATS = {"de": "EEE, d. MMM y", "en": "EEE, d MMM y"}


def _flatten(prefix: str, data: dict[str, Any], out: dict[str, str]) -> None:
    for key, value in data.items():
        full = f"{prefix}.{key}"
        if isinstance(value, dict):
            _flatten(full, value, out)
        else:
            out[full] = str(value)


@cache
def catalogue(lang: str) -> dict[str, str]:
    """All texts of one language, loaded once."""
    out: dict[str, str] = {}
    for path in sorted((LOCALES / lang).glob("*.toml")):
        _flatten(path.stem, tomllib.loads(path.read_text(encoding="utf-8")), out)
    return out


def t(lang: str, key: str, **params: Any) -> str:
    """The text `key` in `lang` (German if missing), with `params` filled in.

    Params are inserted as given: callers escape user-typed values with `html.escape` first.
    """
    texts = catalogue(lang if lang in LANGUAGES else DEFAULT)
    text = texts.get(key) or catalogue(DEFAULT).get(key)
    if text is None:
        raise KeyError(f"no text {key!r}")
    return text.format(**params) if params else text


def format_when(when: datetime, lang: str, tz: ZoneInfo) -> str:
    """'Di., 3. Dez. 2026, 18:00 Uhr' in German; the local time of the project's time zone."""
    locale = lang if lang in LANGUAGES else DEFAULT
    return babel_format_datetime(when.astimezone(tz), DATETIME_FORMATS[locale], locale=locale)


def format_day(when: datetime, lang: str, tz: ZoneInfo) -> str:
    locale = lang if lang in LANGUAGES else DEFAULT
    return babel_format_datetime(when.astimezone(tz), DATE_FORMATS[locale], locale=locale)
