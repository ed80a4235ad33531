"""Counts meet nouns in the right form: every text renders with 0, 1 and 2, and a count before a noun
names its plural forms (Babel's plural rules choose them), so no user reads "1 Antworten"."""

from __future__ import annotations

import re
import string

import pytest

from core.texts import catalogue, fill, t
from tests.fakegram.html import parse_html

# placeholders that never hold a count (names, dates, ids, composed lines)
NOT_COUNTS = {
    "address", "agenda", "answer", "audience", "author", "changes", "contact", "date", "day", "error", "field",
    "first_name", "format", "group", "groups", "host", "id", "label", "link", "meeting", "mix", "name", "names", "new",
    "old", "page", "pages", "place", "places", "rate", "reason", "reasons", "reminders", "slug", "status", "team",
    "teams", "text", "time", "title", "town", "towns", "url", "version", "what", "when",
}
# words that read the same after 1 and after 2 (German nouns that do not change, units)
INVARIANT = {"de": {"Zeichen", "Treffen", "Min", "MB", "KB", "Eingeladenen"}, "en": {"MB", "yes", "is", "was"}}


def _fields(text: str) -> list[tuple[str, str | None, str | None]]:
    return [(lit, name, spec) for lit, name, spec, _ in string.Formatter().parse(text)]


def _numbers_everywhere(text: str, n: int) -> dict[str, int]:
    return {name: n for _, name, _ in _fields(text) if name}


@pytest.mark.parametrize("lang", ["de", "en"])
@pytest.mark.parametrize("n", [0, 1, 2])
def test_every_text_renders_with_0_1_and_2_as_valid_telegram_html(lang, n):
    broken = {}
    for key, text in catalogue(lang).items():
        try:
            parse_html(fill(lang, text, **_numbers_everywhere(text, n)))
        except Exception as exc:  # a bad plural spec raises here; bad HTML is what Telegram would refuse
            broken[key] = f"{type(exc).__name__}: {exc}"
    assert broken == {}


def _noun_after(lang: str, following: str) -> str | None:
    """The word right after a placeholder on the same line, if it is a noun that agrees with a count."""
    m = re.match(r"(?:</?[bi]>)* (?:<[bi]>)?([\w*]+\.?)", following)
    if not m:
        return None
    word = m.group(1).rstrip(".")
    if word in INVARIANT[lang]:
        return None
    if lang == "de":
        return word if word[0].isupper() else None  # German nouns are capitalised
    return word if word.endswith("s") or word in {"people", "children"} else None


@pytest.mark.parametrize("lang", ["de", "en"])
def test_a_count_before_a_noun_names_its_plural_forms(lang):
    bare = {}
    for key, text in catalogue(lang).items():
        fields = _fields(text)
        for i, (_, name, spec) in enumerate(fields):
            if not name or name in NOT_COUNTS or spec:
                continue
            following = fields[i + 1][0] if i + 1 < len(fields) else ""
            noun = _noun_after(lang, following)
            if noun:
                bare[key] = f"{{{name}}} {noun}"
    assert bare == {}


@pytest.mark.parametrize(
    ("lang", "count", "expected"),
    [
        ("de", 0, "📝 0 Antworten bereit"),
        ("de", 1, "📝 1 Antwort bereit"),
        ("de", 2, "📝 2 Antworten bereit"),
        ("en", 1, "📝 1 answer ready"),
        ("en", 2, "📝 2 answers ready"),
        ("de", 1240, "📝 1.240 Antworten bereit"),
        ("en", 1240, "📝 1,240 answers ready"),
    ],
)
def test_plural_forms_follow_the_language(lang, count, expected):
    assert t(lang, "idea_answers.ready_button", count=count) == expected


def test_verbs_agree_with_the_count_too():
    assert "1 Nachricht geht raus" in t("de", "idea_answers.published", count=1, recipients=1)
    assert "2 Nachrichten gehen raus" in t("de", "idea_answers.published", count=2, recipients=2)
    assert t("de", "meetings.nudge_sent", count=1) == "1 Person wird erinnert."
    assert t("en", "meetings.nudge_sent", count=3) == "3 people will be reminded."


def test_a_number_already_formatted_still_picks_the_plural():
    assert fill("de", "{n:one=# Idee|other=# Ideen}", n="1.240") == "1.240 Ideen"
    assert fill("de", "{n:one=# Idee|other=# Ideen}", n="1") == "1 Idee"


@pytest.mark.parametrize("lang", ["de", "en"])
def test_no_text_dodges_the_plural_with_parentheses(lang):
    """"Team(s)" reads badly in either language: the plural specs say it properly."""
    dodged = {key: text for key, text in catalogue(lang).items() if re.search(r"\w\((s|n|en|e)\)", text)}
    assert dodged == {}
