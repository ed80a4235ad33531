"""The text catalogue: English is complete and placeholders match (valid HTML and plurals: test_plurals.py)."""

import string

from bot.application import COMMANDS
from core.texts import catalogue
from handlers.commands import LEAD_COMMANDS, MANAGER_COMMANDS, MEMBER_COMMANDS


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_every_german_text_exists_in_english_with_the_same_placeholders():
    de, en = catalogue("de"), catalogue("en")
    assert sorted(set(de) - set(en)) == []
    assert sorted(set(en) - set(de)) == []
    mismatched = {key: (placeholders(de[key]), placeholders(en[key])) for key in de if key in en}
    assert {k: v for k, v in mismatched.items() if v[0] != v[1]} == {}


def test_every_menu_command_has_a_description_and_a_handler():
    texts = catalogue("de")
    for name in MEMBER_COMMANDS + LEAD_COMMANDS + MANAGER_COMMANDS:
        assert f"cmd.{name}" in texts
        assert name in COMMANDS
