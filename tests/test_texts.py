"""The text catalogue: English is complete, placeholders match, and every text is valid Telegram HTML."""

import string

import pytest

from bot.application import COMMANDS
from bot.texts import catalogue
from handlers.commands import LEAD_COMMANDS, MANAGER_COMMANDS, MEMBER_COMMANDS
from tests.fakegram.html import parse_html


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_every_german_text_exists_in_english_with_the_same_placeholders():
    de, en = catalogue("de"), catalogue("en")
    assert sorted(set(de) - set(en)) == []
    assert sorted(set(en) - set(de)) == []
    mismatched = {key: (placeholders(de[key]), placeholders(en[key])) for key in de if key in en}
    assert {k: v for k, v in mismatched.items() if v[0] != v[1]} == {}


@pytest.mark.parametrize("lang", ["de", "en"])
def test_every_text_is_valid_telegram_html(lang):
    broken = {}
    for key, text in catalogue(lang).items():
        filled = text.format(**dict.fromkeys(placeholders(text), "x"))
        try:
            parse_html(filled)
        except Exception as exc:  # the fake raises what Telegram would answer with 400
            broken[key] = str(exc)
    assert broken == {}


def test_every_menu_command_has_a_description_and_a_handler():
    texts = catalogue("de")
    for name in MEMBER_COMMANDS + LEAD_COMMANDS + MANAGER_COMMANDS:
        assert f"cmd.{name}" in texts
        assert name in COMMANDS
