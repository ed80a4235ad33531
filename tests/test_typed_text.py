"""Typed text as it enters the bot: NUL and control characters never reach the database (PostgreSQL refuses
them), and formatted announcements are rebuilt as valid Telegram HTML whatever their links contain."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest
from sqlalchemy import select
from telegram import MessageEntity

from handlers.typed import to_html
from models.tables import Announcement, Idea, Meeting, Person
from tests.fakegram.html import parse_html
from tests.meeting_helpers import team_with_members
from tests.test_ideas import join_team

DASEIN = "Aktions-Team Daseinsvorsorge"


@pytest.fixture
def errors(caplog):
    caplog.set_level(logging.ERROR)
    return lambda: [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


async def _rows(bot, model):
    async with bot.db.transaction() as s:
        return list((await s.execute(select(model))).scalars())


async def _announce(bot, manager, recipient, content: dict) -> None:
    """Announce `content` (text with entities, as Telegram sends it) to the Daseinsvorsorge team."""
    await manager.send("/announce")
    await manager._post(None, content)
    await manager.press(DASEIN)
    await manager.press("Weiter")
    await manager.press("Jetzt senden")
    await bot.deliver()


HEADER = "📣 Mitteilung von Maria, Projektmanagement\n\n"  # above every announcement (test_announce_header.py)


def _as_typed(got) -> SimpleNamespace:
    """An arrived announcement as the sender typed it: without the header and its bold, offsets as typed."""
    assert got.text.startswith(HEADER)
    shift = len(HEADER.encode("utf-16-le")) // 2
    entities = [{**e, "offset": e["offset"] - shift} for e in got.entities if e["offset"] >= shift]
    return SimpleNamespace(text=got.text[len(HEADER) :], entities=entities)


# -- NUL ----------------------------------------------------------------------------------------------


async def test_a_nul_in_an_idea_is_dropped_and_the_idea_is_stored(bot, errors):
    anna = await bot.register(bot.user("Anna"))
    await join_team(anna)
    await anna.send("/idea")
    await anna.send("Mehr Bänke\x00 im Stadtpark\x01")
    await anna.press("Daseinsvorsorge")
    await anna.press("Saalfeld")
    await anna.press("Weiter")
    await anna.press(DASEIN)
    await anna.press("Einreichen")
    assert [i.text for i in await _rows(bot, Idea)] == ["Mehr Bänke im Stadtpark"]
    assert errors() == []


async def test_a_nul_in_a_meeting_place_is_dropped_and_the_meeting_is_stored(bot, errors):
    _, lead, _ = await team_with_members(bot)
    await lead.send("/meeting")
    await lead.send("Werkstatt\x00 Mobilität")
    await lead.send("03.12.2026 18:00")
    await lead.press("90 Min.")
    await lead.press("Saalfeld")
    await lead.send("Markt\x00 1")
    await lead.send("Bus\x00fahrplan")
    await lead.press("24 h + 2 h")
    await lead.press("Einladen ✅")
    [meeting] = await _rows(bot, Meeting)
    assert (meeting.title, meeting.address, meeting.agenda) == ("Werkstatt Mobilität", "Markt 1", "Busfahrplan")
    assert errors() == []


async def test_a_nul_in_a_formatted_announcement_keeps_the_formatting_in_place(bot, errors):
    _, _, (anna, _) = await team_with_members(bot)
    text = "Wichtig:\x00 Treffen am 🏛 Markt"  # bold "Wichtig:\x00", italic "Markt" (after a 2-unit emoji)
    entities = [{"type": "bold", "offset": 0, "length": 9}, {"type": "italic", "offset": 23, "length": 5}]
    await _announce(bot, bot.manager(), anna, {"text": text, "entities": entities})
    got = _as_typed(anna.last_message())
    assert got.text == "Wichtig: Treffen am 🏛 Markt"
    assert got.entities == [{"type": "bold", "offset": 0, "length": 8}, {"type": "italic", "offset": 22, "length": 5}]
    [ann] = await _rows(bot, Announcement)
    assert "\x00" not in ann.text_html
    assert errors() == []


async def test_a_nul_in_a_photo_caption_is_dropped(bot, errors):
    _, _, (anna, _) = await team_with_members(bot)
    manager = bot.manager()
    await manager.send("/announce")
    await manager.send_photo(caption="Das\x00 Plakat")
    await manager.press(DASEIN)
    await manager.press("Weiter")
    await manager.press("Jetzt senden")
    await bot.deliver()
    assert anna.last_message().caption == f"{HEADER}Das Plakat"
    assert errors() == []


async def test_a_nul_in_the_telegram_name_is_dropped_at_registration(bot, errors):
    anna = await bot.register(bot.user("An\x00na", last_name="Berg\x00"))
    async with bot.db.transaction() as s:
        person = (await s.execute(select(Person).where(Person.telegram_id == anna.user_id))).scalar_one()
    assert person.display_name == "Anna Berg"
    assert errors() == []


# -- formatted text is always valid HTML ----------------------------------------------------------------


async def test_a_link_whose_url_has_quotes_and_brackets_arrives_intact(bot, errors):
    _, _, (anna, _) = await team_with_members(bot)
    url = "https://example.org/a?q=\"x\"&b=<c>&d='e'"
    text = "Zur Anmeldung hier"
    await _announce(
        bot,
        bot.manager(),
        anna,
        {
            "text": text,
            "entities": [
                {"type": "text_link", "offset": 14, "length": 4, "url": url},
            ],
        },
    )
    got = _as_typed(anna.last_message())
    assert got.text == text
    assert got.entities == [{"type": "text_link", "offset": 14, "length": 4, "url": url}]
    assert errors() == []


async def test_a_link_to_a_telegram_user_and_a_mention_arrive_as_mentions(bot, errors):
    _, _, (anna, _) = await team_with_members(bot)
    text = "Fragt Lea oder Ben"
    entities = [
        {"type": "text_link", "offset": 6, "length": 3, "url": "tg://user?id=4242"},
        {"type": "text_mention", "offset": 15, "length": 3, "user": {"id": 77, "is_bot": False, "first_name": "B"}},
    ]
    await _announce(bot, bot.manager(), anna, {"text": text, "entities": entities})
    got = _as_typed(anna.last_message())
    assert got.text == text
    assert [(e["type"], e["offset"], e["user"]["id"]) for e in got.entities] == [
        ("text_mention", 6, 4242),
        ("text_mention", 15, 77),
    ]
    assert errors() == []


async def test_code_with_a_language_and_overlapping_styles_arrive_as_typed(bot, errors):
    _, _, (anna, _) = await team_with_members(bot)
    text = "fett kursiv\nprint(1)"
    entities = [
        {"type": "bold", "offset": 0, "length": 8},
        {"type": "italic", "offset": 5, "length": 6},  # overlaps the bold part: must still nest
        {"type": "pre", "offset": 12, "length": 8, "language": 'py"thon'},
    ]
    await _announce(bot, bot.manager(), anna, {"text": text, "entities": entities})
    got = _as_typed(anna.last_message())
    assert got.text == text
    styled = {(e["type"], e["offset"], e["length"]) for e in got.entities if e["type"] != "pre"}
    assert styled == {("bold", 0, 8), ("italic", 5, 3), ("italic", 8, 3)}
    assert [e.get("language") for e in got.entities if e["type"] == "pre"] == ['py"thon']
    assert errors() == []


def test_any_entities_give_html_that_parses():
    """Forged entities (beyond the text, empty, crossing each other, cutting an emoji) still give valid HTML."""
    text = "a<b>&c 🏛 d\x00e"
    shapes = [(0, 3), (2, 40), (-1, 2), (5, 0), (6, 1), (8, 3), (1, 9), (0, 12)]
    entities = [
        MessageEntity(kind, offset, length, url='x"y')
        for kind in ("bold", "text_link", "code")
        for offset, length in shapes
    ]
    plain, _ = parse_html(to_html(text, entities))
    assert plain == "a<b>&c  de"  # the emoji cut in half by (8, 3) cannot be shown: dropped, not broken
    assert parse_html(to_html(text, entities[:2]))[0] == "a<b>&c 🏛 de"
