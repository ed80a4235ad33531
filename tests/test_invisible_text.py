"""Text that shows nothing (blanks, zero-width and format characters, fillers) is refused wherever it is typed,
and a Telegram name that shows nothing gets a fallback, so no screen and no button is ever empty."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from models.tables import Announcement, Draft, IdeaAnswer, Meeting, Person, Poll
from models.text import has_visible
from tests.meeting_helpers import in_days, schedule, team_with_members
from tests.test_ideas import IDEA, join_team, submit_idea

INVISIBLE = "Hier ist nichts zu sehen"
ZW = "\u200b\u200c\u200d\u2060\ufeff"  # zero-width space, non-joiner, joiner, word joiner, BOM
FILLER = "\u3164" * 12  # Hangul filler: a "letter" that draws nothing


@pytest.mark.parametrize(
    "text",
    [
        "",
        " \t\n\u00a0\u3000\u2003",
        ZW,
        FILLER,
        "\u115f\u1160\uffa0",
        "\u2800\u2800",  # braille blank
        "\u0301\u0308",  # combining marks without a letter
        "\ufe0f\U000e0100",  # variation selectors
        "\U000e0041\U000e007f",  # tag characters
        "\u00ad\u180e\u2028\u2029\u202e\u2066",  # soft hyphen, separators, direction marks
        "\x00\x07\x7f",
    ],
)
def test_text_that_shows_nothing_is_invisible(text):
    assert not has_visible(text)


@pytest.mark.parametrize("text", ["a", ".", "7", "❤️", "\u0301a", "🫨", "\ue000", "ㅤx", "\u200b-"])
def test_text_with_anything_to_see_is_visible(text):
    assert has_visible(text)  # 🫨 is newer than Python's Unicode tables: unknown characters count as visible


async def _draft(bot, user) -> Draft | None:
    async with bot.db.transaction() as s:
        query = select(Draft).join(Person, Person.id == Draft.person_id).where(Person.telegram_id == user.user_id)
        return (await s.execute(query)).scalar_one_or_none()


async def _all(bot, model) -> list:
    async with bot.db.transaction() as s:
        return list((await s.execute(select(model))).scalars())


async def test_an_invisible_idea_is_refused(bot):
    anna = await bot.register(bot.user("Anna"))
    await anna.send("/idea")
    for text in (FILLER, ZW * 3, "\u2800" * 10):
        replies = await anna.send(text)
        assert replies[-1].text.startswith(INVISIBLE)
    replies = await anna.send(FILLER + "!!")  # something visible, but no word: fillers are no letters
    assert "nur Emojis oder Zeichen reichen nicht" in replies[-1].text
    assert (await _draft(bot, anna)).step == "text"
    await anna.send(IDEA)
    assert (await _draft(bot, anna)).data["text"] == IDEA


async def test_invisible_meeting_title_place_and_agenda_are_refused(bot):
    _, lead, _ = await team_with_members(bot)
    await lead.send("/meeting")
    replies = await lead.send(ZW)
    assert replies[-1].text.startswith(INVISIBLE)
    await lead.send("Werkstatt Mobilität")
    await lead.send("03.12.2026 18:00")
    await lead.press("90 Min.")
    await lead.press("Saalfeld")
    replies = await lead.send("\u2800\u3164")
    assert replies[-1].text.startswith(INVISIBLE)
    assert (await _draft(bot, lead)).step == "address"
    await lead.send("Markt 1")
    replies = await lead.send("\u200b")
    assert replies[-1].text.startswith(INVISIBLE)
    assert (await _draft(bot, lead)).step == "agenda"
    await lead.press("Überspringen")
    await lead.press("24 h + 2 h")
    await lead.press("Einladen ✅")
    [meeting] = await _all(bot, Meeting)
    assert (meeting.title, meeting.address, meeting.agenda) == ("Werkstatt Mobilität", "Markt 1", None)


async def test_an_invisible_poll_title_is_refused(bot):
    _, lead, _ = await team_with_members(bot)
    await lead.send("/poll")
    replies = await lead.send("\u3164\u3164\u3164\u3164")
    assert replies[-1].text.startswith(INVISIBLE)
    assert await _all(bot, Poll) == []
    assert (await _draft(bot, lead)).step == "title"


async def test_invisible_minutes_are_refused(bot):
    team, lead, _ = await team_with_members(bot)
    meeting = await schedule(bot, lead, team, in_days(bot, 1))
    bot.clock.advance(timedelta(days=2))
    await lead.send("/attendance")
    await lead.press("Werkstatt Mobilität")
    await lead.press("📌 Beschlüsse")
    replies = await lead.send(ZW)
    assert replies[-1].text.startswith(INVISIBLE)
    async with bot.db.transaction() as s:
        assert (await s.get(Meeting, meeting.id)).decisions is None


async def test_an_invisible_announcement_or_caption_is_refused(bot):
    await team_with_members(bot)
    manager = bot.manager()
    await manager.send("/announce")
    replies = await manager.send(ZW + "\u2800")
    assert replies[-1].text.startswith(INVISIBLE)
    replies = await manager.send_photo(caption="\u3164")
    assert replies[-1].text.startswith(INVISIBLE)
    assert (await _draft(bot, manager)).step == "text"
    assert await _all(bot, Announcement) == []


async def test_an_invisible_answer_to_an_idea_is_refused(bot):
    team, lead, (author, _) = await team_with_members(bot)
    await submit_idea(author, team="Aktions-Team Daseinsvorsorge")
    await lead.send("/answer")
    await lead.press("#1 ·")
    await lead.press("→ angenommen")
    replies = await lead.send("\u200b\u2060")
    assert replies[-1].text.startswith(INVISIBLE)
    assert await _all(bot, IdeaAnswer) == []


async def test_an_invisible_text_is_refused_in_english_too(bot):
    john = await bot.register(bot.user("John", language_code="en"), evaluation="Yes", group="Citizen")
    await john.send("/idea")
    replies = await john.send(FILLER)
    assert replies[-1].text.startswith("There is nothing to see here")


# -- names from the Telegram profile --------------------------------------------------------------------


async def test_an_invisible_name_is_shown_as_unnamed_and_a_username_is_used_when_there_is_one(bot):
    ghost = await bot.register(bot.user("\u200b\u3164"))
    kim = await bot.register(bot.user("\u2800", username="kim_saalfeld"))
    for user in (ghost, kim):
        await join_team(user)
    manager = await bot.register(bot.manager())
    await manager.send("/makelead")
    await manager.press("Aktions-Team Daseinsvorsorge")
    labels = manager.last_message().button_texts()
    assert "Person ohne Namen" in labels and "@kim_saalfeld" in labels
    await manager.press("Person ohne Namen")
    assert manager.callback_answers[-1][0].startswith("Person ohne Namen")
    [profile] = await ghost.send("/profile")
    assert "Name: Person ohne Namen" in profile.text
    async with bot.db.transaction() as s:
        names = {p.telegram_id: p.display_name for p in (await s.execute(select(Person))).scalars()}
    assert (names[ghost.user_id], names[kim.user_id]) == ("", "@kim_saalfeld")


async def test_a_name_stored_before_shows_the_fallback_everywhere(bot):
    team, lead, (anna, _) = await team_with_members(bot)
    async with bot.db.transaction() as s:
        person = (await s.execute(select(Person).where(Person.telegram_id == anna.user_id))).scalar_one()
        person.display_name = "\u200b" * 50 + "Anna"  # registered before names were checked: 40 blanks first
    meeting = await schedule(bot, lead, team, in_days(bot, 1))
    await bot.deliver()
    bot.clock.set(meeting.starts_at + timedelta(hours=2))
    await lead.send("/attendance")
    await lead.press("Werkstatt Mobilität")
    assert any(label.endswith("Person ohne Namen") for label in lead.last_message().button_texts())
    replies = await lead.send("/members")
    assert "• Person ohne Namen" not in replies[-1].text  # the whole name has "Anna" in it
    assert "Anna" in replies[-1].text
