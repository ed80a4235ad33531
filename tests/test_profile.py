"""Profile stories: a member changes group, town, language and the evaluation consent."""

from sqlalchemy import select

from models.tables import Person


async def me(bot, user) -> Person:
    async with bot.db.transaction() as s:
        return (await s.execute(select(Person).where(Person.telegram_id == user.user_id))).scalar_one()


async def test_profile_shows_name_group_town_language_and_evaluation(bot):
    anna = await bot.register(bot.user("Anna", last_name="Schmidt"), group="Unternehmer*in", town="Rudolstadt")
    [profile] = await anna.send("/profile")
    assert "Name: Anna Schmidt" in profile.text
    assert "Gruppe: Unternehmer*in" in profile.text
    assert "Ort: Rudolstadt" in profile.text
    assert "Sprache: Deutsch" in profile.text
    assert "Pseudonymisierte Auswertung: Ja" in profile.text
    assert profile.button_texts() == ["Gruppe ändern", "Ort ändern", "Sprache / Language", "Auswertung ja/nein"]


async def test_profile_changes_group(bot):
    anna = await bot.register(bot.user("Anna"), group="Bürger*in")
    await anna.send("/profile")
    await anna.press("Gruppe ändern")
    await anna.press("Verwaltung")
    assert "Gruppe: Verwaltung" in anna.last_message().text
    assert ("Gespeichert ✔", False) in anna.callback_answers
    assert (await me(bot, anna)).stakeholder_group == "administration"


async def test_profile_changes_town(bot):
    anna = await bot.register(bot.user("Anna"), town="Saalfeld")
    await anna.send("/profile")
    await anna.press("Ort ändern")
    await anna.press("Bad Blankenburg")
    assert "Ort: Bad Blankenburg" in anna.last_message().text
    assert (await me(bot, anna)).town == "bad_blankenburg"


async def test_profile_changes_town_to_another_place(bot):
    anna = await bot.register(bot.user("Anna"), town="Saalfeld")
    await anna.send("/profile")
    await anna.press("Ort ändern")
    await anna.press("anderer Ort")
    assert "Ort: anderer Ort" in anna.last_message().text
    assert (await me(bot, anna)).town == "other"


async def test_profile_edits_stay_in_one_message(bot):
    anna = await bot.register(bot.user("Anna"))
    [profile] = await anna.send("/profile")
    await anna.press("Ort ändern")
    replies = await anna.press("Rudolstadt")
    assert replies == [profile]
    assert "Ort: Rudolstadt" in profile.text


async def test_profile_toggles_evaluation_consent(bot):
    anna = await bot.register(bot.user("Anna"), evaluation="Ja")
    await anna.send("/profile")
    await anna.press("Auswertung ja/nein")
    assert "Pseudonymisierte Auswertung: Nein" in anna.last_message().text
    assert (await me(bot, anna)).evaluation_consent is False
    await anna.press("Auswertung ja/nein")
    assert "Pseudonymisierte Auswertung: Ja" in anna.last_message().text
    assert (await me(bot, anna)).evaluation_consent is True


async def test_profile_switches_language_to_english_and_texts_follow(bot):
    anna = await bot.register(bot.user("Anna"))
    await anna.send("/profile")
    await anna.press("Sprache / Language")
    await anna.press("English")
    assert "Your profile" in anna.last_message().text
    assert "Language: English" in anna.last_message().text
    assert ("Saved ✔", False) in anna.callback_answers
    assert (await me(bot, anna)).language == "en"
    [menu] = await anna.send("/start")
    assert menu.text == "What would you like to do?"
    [teams] = await anna.send("/teams")
    assert "The action teams" in teams.text
    assert "Action team skilled workers" in teams.text


async def test_language_command_switches_language(bot):
    john = await bot.register(bot.user("John", language_code="en"), group="Citizen", town="Saalfeld", evaluation="Yes")
    [question] = await john.send("/language")
    assert question.button_texts() == ["Deutsch", "English"]
    await john.press("Deutsch")
    assert "Dein Profil" in john.last_message().text
    assert (await me(bot, john)).language == "de"
    [help_text] = await john.send("/help")
    assert "Das kann ich für dich tun" in help_text.text


async def test_switching_language_sets_the_command_menu_in_that_language(bot):
    anna = await bot.register(bot.user("Anna"))
    await anna.send("/language")
    await anna.press("English")
    menu = bot.fake.commands_for({"type": "chat", "chat_id": anna.user_id})
    assert {"command": "teams", "description": "See, join and leave action teams"} in menu


async def test_forged_group_choice_is_refused_and_changes_nothing(bot):
    anna = await bot.register(bot.user("Anna"), group="Bürger*in")
    [profile] = await anna.send("/profile")
    await anna.press_data("grp:1:king", message=profile)
    assert anna.callback_answers[-1] == (
        "Diese Auswahl gibt es nicht (mehr). Bitte wähle einen der angezeigten Knöpfe.",
        True,
    )
    assert (await me(bot, anna)).stakeholder_group == "citizen"


async def test_forged_language_is_refused_and_changes_nothing(bot):
    anna = await bot.register(bot.user("Anna"))
    [profile] = await anna.send("/profile")
    await anna.press_data("lang:1:fr", message=profile)
    assert anna.callback_answers[-1][1] is True
    assert (await me(bot, anna)).language == "de"


async def test_html_in_first_name_is_shown_escaped(bot):
    mallory = await bot.register(bot.user("<b>Mal</b> <script>x</script>"))
    [profile] = await mallory.send("/profile")
    assert "Name: <b>Mal</b> <script>x</script>" in profile.text
    assert "&lt;script&gt;" in profile.html
    assert (await me(bot, mallory)).display_name == "<b>Mal</b> <script>x</script>"


async def test_emoji_only_name_is_kept_and_shown(bot):
    star = await bot.register(bot.user("🌟🌻"))
    [profile] = await star.send("/profile")
    assert "Name: 🌟🌻" in profile.text
    assert (await me(bot, star)).display_name == "🌟🌻"


async def test_blank_name_gets_a_placeholder(bot):
    blank = await bot.register(bot.user("   "))
    [profile] = await blank.send("/profile")
    assert "Name: Person ohne Namen" in profile.text
    assert (await me(bot, blank)).display_name == ""
