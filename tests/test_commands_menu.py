"""Help, Telegram's command menu, the main menu, and buttons or commands the bot no longer knows."""

import pytest
from sqlalchemy import select

from handlers.commands import publish_default_commands
from models.clock import FrozenClock
from models.tables import Membership, Person
from tests.conftest import START, start_bot, stop_bot

STALE = ("Dieser Knopf ist nicht mehr aktuell. Tippe /start für das Menü.", True)
MEMBER_HELP = [
    "/start – Anmelden oder Hauptmenü",
    "/teams – Aktions-Teams ansehen, beitreten, verlassen",
    "/myteams – Meine Teams und Einladungslinks",
    "/idea – Eine Idee einreichen",
    "/ideas – Ideen meiner Teams ansehen und unterstützen",
    "/myideas – Meine Ideen und ihr Stand",
    "/follow – Bei Antworten auf Ideen benachrichtigt werden",
    "/meetings – Meine nächsten Treffen und Zusagen",
    "/profile – Gruppe, Ort und Sprache ändern",
    "/language – Sprache wählen",
    "/privacy – Datenschutzhinweis und meine Einwilligungen",
    "/mydata – Alle meine gespeicherten Daten als Datei",
    "/deleteme – Mich und meine Daten löschen",
    "/cancel – Eine angefangene Eingabe abbrechen",
    "/calendar – Meine nächsten Treffen als Kalenderdatei (.ics)",
    "/settings – Einstellungen, z. B. Erinnerungen stummschalten",
    "/help – Hilfe",
]


async def test_help_lists_the_member_commands(bot):
    anna = await bot.register(bot.user("Anna"))
    [help_text] = await anna.send("/help")
    lines = help_text.text.split("\n")
    assert lines[0] == "Das kann ich für dich tun:"
    assert lines[1 : len(MEMBER_HELP) + 1] == MEMBER_HELP
    assert "/members" not in help_text.text
    assert "/makelead" not in help_text.text
    assert bot.config.contact in lines[-1]


async def test_help_works_before_registration(bot):
    anna = bot.user("Anna")
    [help_text] = await anna.send("/help")
    assert help_text.text.split("\n")[1 : len(MEMBER_HELP) + 1] == MEMBER_HELP
    async with bot.db.transaction() as s:
        assert (await s.execute(select(Person))).first() is None


async def test_help_is_english_for_english_users(bot):
    john = bot.user("John", language_code="en")
    [help_text] = await john.send("/help")
    assert help_text.text.startswith("Here is what I can do for you:")
    assert "/teams – See, join and leave action teams" in help_text.text


async def test_help_shows_a_contact_with_angle_brackets(fake, db):
    bot = await start_bot(fake, db, FrozenClock(START), project__contact="Projektbüro <projekt@example.org>")
    try:
        [help_text] = await bot.user("Anna").send("/help")
        assert help_text.text.endswith("Schreib an Projektbüro <projekt@example.org>.")
    finally:
        await stop_bot(bot)


async def test_help_for_the_manager_adds_makelead_and_members(bot):
    maria = await bot.register(bot.manager())
    [help_text] = await maria.send("/help")
    assert "/members – Mitglieder meiner Teams (Teamleitung)" in help_text.text
    assert "/makelead – Teamleitung vergeben oder entziehen (Projektmanagement)" in help_text.text


async def test_default_command_menu_is_published_in_german_and_english(bot):
    await publish_default_commands(bot.app.bot)
    calls = [p for name, p in bot.fake.requests if name == "setMyCommands"]
    assert sorted(str(p.get("language_code", "")) for p in calls) == ["", "de", "en"]
    assert all("scope" not in p or p["scope"] == {"type": "default"} for p in calls)
    default = bot.fake.commands_for(None)
    english = bot.fake.commands_for(None, "en")
    assert [c["command"] for c in default] == [line.split(" ")[0][1:] for line in MEMBER_HELP]
    assert default[1] == {"command": "teams", "description": "Aktions-Teams ansehen, beitreten, verlassen"}
    assert english[1] == {"command": "teams", "description": "See, join and leave action teams"}
    assert bot.fake.commands_for(None, "de") == default


async def test_main_menu_button_opens_the_screen_as_a_new_message(bot):
    anna = await bot.register(bot.user("Anna"))
    menu = anna.last_message()
    replies = await anna.press("Aktions-Teams")
    assert [m.text.split("\n")[0] for m in replies] == ["Die Aktions-Teams"]
    assert menu.text == "Was möchtest du tun?"
    assert not menu.edited


async def test_manager_main_menu_opens_makelead(bot):
    maria = await bot.register(bot.manager())
    await maria.press("Teamleitung vergeben")
    assert maria.last_message().text.startswith("Für welches Team")


async def test_member_pressing_a_forged_makelead_menu_entry_gets_a_polite_answer(bot):
    anna = await bot.register(bot.user("Anna"))
    await anna.press_data("menu:1:makelead", message=anna.last_message())
    assert anna.callback_answers[-1] == STALE


async def test_a_button_from_an_older_bot_version_answers_politely(bot):
    anna = await bot.register(bot.user("Anna"))
    menu = anna.last_message()
    await anna.press_data("team:0:join:1", message=menu)
    assert anna.callback_answers[-1] == STALE
    async with bot.db.transaction() as s:
        assert (await s.execute(select(Membership))).first() is None


@pytest.mark.parametrize("data", ["calendar:1:open", "menu:1:calendar", "prof:1:shoesize", "menu"])
async def test_a_button_the_bot_no_longer_knows_answers_politely(bot, data):
    anna = await bot.register(bot.user("Anna"))
    menu = anna.last_message()
    replies = await anna.press_data(data, message=menu)
    assert anna.callback_answers[-1] == STALE
    assert replies == []


async def test_stale_join_button_from_an_earlier_list_still_tells_the_truth(bot):
    anna = await bot.register(bot.user("Anna"))
    [old] = await anna.send("/teams")
    [new] = await anna.send("/teams")
    await anna.press("Beitreten: Aktions-Team Fachkräfte", message=new)
    await anna.press("Beitreten: Aktions-Team Fachkräfte", message=old)
    assert anna.callback_answers[-1] == ("Du bist schon im Aktions-Team Fachkräfte.", False)
    assert "➖ Verlassen: Aktions-Team Fachkräfte" in old.button_texts()  # the old list is redrawn too
    async with bot.db.transaction() as s:
        assert len((await s.execute(select(Membership))).all()) == 1


async def test_unknown_command_points_to_help(bot):
    anna = await bot.register(bot.user("Anna"))
    replies = await anna.send("/weather")
    assert [m.text for m in replies] == ["Diesen Befehl kenne ich nicht. Unter /help findest du, was ich kann."]


async def test_blocked_member_does_not_crash_the_bot_and_is_marked_unreachable(bot):
    anna = await bot.register(bot.user("Anna"))
    bot.fake.block(anna.user_id)
    await anna.send("/teams")
    async with bot.db.transaction() as s:
        person = (await s.execute(select(Person))).scalar_one()
    assert person.unreachable_at is not None
    ben = await bot.register(bot.user("Ben"))
    assert ben.last_message().text == "Was möchtest du tun?"


async def test_member_who_unblocks_the_bot_is_reachable_again(bot):
    anna = await bot.register(bot.user("Anna"))
    bot.fake.block(anna.user_id)
    await anna.send("/teams")
    bot.fake.unblock(anna.user_id)
    replies = await anna.send("/start")
    assert [m.text for m in replies] == ["Was möchtest du tun?"]
    async with bot.db.transaction() as s:
        assert (await s.execute(select(Person.unreachable_at))).scalar_one() is None


async def test_blocked_user_pressing_a_button_does_not_stop_the_bot(bot):
    anna = await bot.register(bot.user("Anna"))
    [teams] = await anna.send("/teams")
    bot.fake.block(anna.user_id)
    await anna.press("Beitreten: Aktions-Team Fachkräfte", message=teams)
    async with bot.db.transaction() as s:
        assert len((await s.execute(select(Membership))).all()) == 1
    ben = await bot.register(bot.user("Ben"))
    assert ben.last_message().text == "Was möchtest du tun?"


async def test_blocked_user_pressing_a_button_is_marked_unreachable(bot):
    anna = await bot.register(bot.user("Anna"))
    [teams] = await anna.send("/teams")
    bot.fake.block(anna.user_id)
    await anna.press("Beitreten: Aktions-Team Fachkräfte", message=teams)
    async with bot.db.transaction() as s:
        assert (await s.execute(select(Person.unreachable_at))).scalar_one() is not None
