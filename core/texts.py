"""The text catalogue: every text the bot sends, per language, plus date formatting.

Texts live in core/locales/<lang>/<part>.toml; key `x` in `ideas.toml` is `ideas.x`.
German is complete and the fallback; a test checks that English has the same keys and placeholders.

Where a count meets a noun, the text names the plural forms in the placeholder's format spec, by the
language's CLDR plural category (Babel knows the rules), with `#` standing for the number:
`{count:one=# Antwort|other=# Antworten} bereit` gives "1 Antwort bereit" and "3 Antworten bereit".
"""

from __future__ import annotations

import string
import tomllib
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_datetime as babel_format_datetime
from babel.numbers import format_decimal

LOCALES = Path(__file__).with_name("locales")
LANGUAGES = ("de", "en")
DEFAULT = "de"
DATETIME_FORMATS = {"de": "EEE, d. MMM y, HH:mm 'Uhr'", "en": "EEE, d MMM y, h:mm a"}
DATE_FORMATS = {"de": "EEE, d. MMM y", "en": "EEE, d MMM y"}
# written out, for paper and e-mail to readers who do not use the bot: "Samstag, 12. Dezember 2026, 18:00 Uhr"
LONG_DATETIME_FORMATS = {"de": "EEEE, d. MMMM y, HH:mm 'Uhr'", "en": "EEEE, d MMMM y, h:mm a"}
LONG_DATE_FORMATS = {"de": "d. MMMM y", "en": "d MMMM y"}


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


PLURAL_CATEGORIES = ("zero", "one", "two", "few", "many", "other")


def _count(value: Any) -> int | float:
    """The number behind a count placeholder (an int, or a number already formatted like "1.240")."""
    if isinstance(value, int | float):
        return value
    digits = str(value).replace(".", "").replace(",", "").replace("\u202f", "").replace("\xa0", "")
    return int(digits) if digits.lstrip("-").isdigit() else 0


class _PluralFormatter(string.Formatter):
    """str.format plus plural specs (`{n:one=# Idee|other=# Ideen}`) chosen by the language's plural rule."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.locale = Locale.parse(lang)

    def format_field(self, value: Any, format_spec: str) -> str:
        if format_spec.split("=", 1)[0] not in PLURAL_CATEGORIES:
            return str(super().format_field(value, format_spec))
        forms = dict(part.split("=", 1) for part in format_spec.split("|"))
        n = _count(value)
        form = forms.get(self.locale.plural_form(abs(n)), forms["other"])
        shown = value if isinstance(value, str) else format_decimal(n, locale=self.lang)
        return form.replace("#", shown)


@cache
def _formatter(lang: str) -> _PluralFormatter:
    return _PluralFormatter(lang)


def fill(lang: str, text: str, /, **params: Any) -> str:
    """Fill a catalogue text's placeholders, choosing plural forms by `lang`'s rules."""
    if "=" not in text:
        return text.format(**params)
    return _formatter(lang if lang in LANGUAGES else DEFAULT).format(text, **params)


def t(lang: str, key: str, /, **params: Any) -> str:
    """The text `key` in `lang` (German if missing), with `params` filled in.

    Params are inserted as given: callers escape user-typed values with `html.escape` first.
    """
    texts = catalogue(lang if lang in LANGUAGES else DEFAULT)
    text = texts.get(key) or catalogue(DEFAULT).get(key)
    if text is None:
        raise KeyError(f"no text {key!r}")
    if key not in texts:
        lang = DEFAULT
    return fill(lang, text, **params) if params else text


def format_when(when: datetime, lang: str, tz: ZoneInfo) -> str:
    """'Di., 3. Dez. 2026, 18:00 Uhr' in German; the local time of the project's time zone."""
    locale = lang if lang in LANGUAGES else DEFAULT
    return babel_format_datetime(when.astimezone(tz), DATETIME_FORMATS[locale], locale=locale)


def format_day(when: datetime, lang: str, tz: ZoneInfo) -> str:
    locale = lang if lang in LANGUAGES else DEFAULT
    return babel_format_datetime(when.astimezone(tz), DATE_FORMATS[locale], locale=locale)


def format_when_long(when: datetime, lang: str, tz: ZoneInfo, with_time: bool = True) -> str:
    """Written out for letters and e-mails: 'Samstag, 12. Dezember 2026, 18:00 Uhr' (or the day alone: '12. Dezember
    2026', a letter's date)."""
    locale = lang if lang in LANGUAGES else DEFAULT
    formats = LONG_DATETIME_FORMATS if with_time else LONG_DATE_FORMATS
    return babel_format_datetime(when.astimezone(tz), formats[locale], locale=locale)
