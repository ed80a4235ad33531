"""Onboarding stories: privacy notice, consent, evaluation consent, group and town, then the main menu."""

from sqlalchemy import func, select

from models.tables import Draft, Person


async def people(bot) -> list[Person]:
    async with bot.db.transaction() as s:
        return list((await s.execute(select(Person).order_by(Person.id))).scalars())


async def person_count(bot) -> int:
    async with bot.db.transaction() as s:
        return (await s.execute(select(func.count()).select_from(Person))).scalar_one()


async def test_start_shows_greeting_and_privacy_notice_with_consent_buttons_in_german(bot):
    anna = bot.user("Anna")
    replies = await anna.send("/start")
    notice = replies[-1]
    assert "Willkommen" in notice.text
    assert bot.config.project_name in notice.text
    assert "Datenschutz" in notice.text
    assert bot.config.contact in notice.text
    assert f"Fassung {bot.config.privacy_version}" in notice.text
    assert notice.button_texts() == ["✅ Einverstanden", "Nicht einverstanden"]


async def test_start_speaks_english_to_an_english_telegram_app(bot):
    john = bot.user("John", language_code="en")
    replies = await john.send("/start")
    notice = replies[-1]
    assert "Welcome" in notice.text
    assert "Privacy" in notice.text
    assert notice.button_texts() == ["✅ I agree", "I don't agree"]


async def test_nothing_is_stored_before_consent(bot):
    anna = bot.user("Anna")
    await anna.send("/start")
    await anna.send("/start")
    assert await person_count(bot) == 0
    async with bot.db.transaction() as s:
        assert (await s.execute(select(func.count()).select_from(Draft))).scalar_one() == 0


async def test_declining_consent_stores_nothing_and_says_so(bot):
    anna = bot.user("Anna")
    await anna.send("/start")
    await anna.press("Nicht einverstanden")
    assert "nichts gespeichert" in anna.last_message().text
    assert anna.last_message().buttons == []
    assert await person_count(bot) == 0


async def test_consent_stores_the_person_with_consent_version(bot):
    anna = bot.user("Anna", last_name="Schmidt")
    await anna.send("/start")
    replies = await anna.press("Einverstanden")
    assert any("Einwilligung ist gespeichert" in m.text for m in replies)
    [person] = await people(bot)
    assert person.telegram_id == anna.user_id
    assert person.display_name == "Anna Schmidt"
    assert person.language == "de"
    assert person.consent_version == bot.config.privacy_version
    assert person.consent_at is not None
    assert not person.is_manager
    assert person.pseudonym.startswith("P-")


async def test_pressing_consent_twice_creates_one_person(bot):
    anna = bot.user("Anna")
    [notice] = await anna.send("/start")
    consent = notice.flat_buttons()[0].callback_data
    await anna.press_data(consent, message=notice)
    await anna.press_data(consent, message=notice)
    assert await person_count(bot) == 1
    assert ("Du bist schon angemeldet.", False) in anna.callback_answers


async def test_pressing_consent_twice_does_not_ask_the_next_question_twice(bot):
    anna = bot.user("Anna")
    [notice] = await anna.send("/start")
    consent = notice.flat_buttons()[0].callback_data
    await anna.press_data(consent, message=notice)
    await anna.press_data(consent, message=notice)
    questions = [m for m in anna.messages if "Dürfen deine Angaben" in m.text]
    assert len(questions) == 1
    assert "Datenschutz" in notice.text and notice.buttons == []


async def test_evaluation_question_follows_consent_and_the_notice_stays_readable(bot):
    anna = bot.user("Anna")
    [notice] = await anna.send("/start")
    replies = await anna.press("Einverstanden")
    assert replies == [notice, anna.messages[1]]
    assert notice.text.startswith("👋 Willkommen")
    assert "Datenschutz – kurz und klar" in notice.text
    assert notice.text.endswith(
        "✅ Zugestimmt am Mi., 25. Nov. 2026, 10:00 Uhr. Diesen Hinweis findest du jederzeit unter /privacy."
    )
    assert notice.buttons == []
    question = anna.messages[1]
    assert question.text.startswith("Danke! Deine Einwilligung ist gespeichert.\n\nDürfen deine Angaben")
    assert question.button_texts() == ["Ja", "Nein"]


async def test_declining_evaluation_is_stored_and_registration_goes_on(bot):
    anna = bot.user("Anna")
    await anna.send("/start")
    await anna.press("Einverstanden")
    await anna.press("Nein")
    assert anna.messages[1].text == "Wie bist du dabei?"  # the question message moves on
    [person] = await people(bot)
    assert person.evaluation_consent is False
    assert person.stakeholder_group is None


async def test_group_picker_offers_the_configured_groups(bot):
    anna = bot.user("Anna")
    await anna.send("/start")
    await anna.press("Einverstanden")
    await anna.press("Ja")
    assert anna.last_message().button_texts() == ["Bürger*in", "Unternehmer*in", "Verwaltung"]
    await anna.press("Unternehmer*in")
    [person] = await people(bot)
    assert person.stakeholder_group == "entrepreneur"
    assert person.evaluation_consent is True


async def test_town_picker_offers_the_configured_towns_and_another_place(bot):
    anna = bot.user("Anna")
    await anna.send("/start")
    await anna.press("Einverstanden")
    await anna.press("Ja")
    await anna.press("Verwaltung")
    picker = anna.last_message()
    assert "Wo wohnst oder arbeitest du?" in picker.text
    assert picker.button_texts() == ["Saalfeld", "Rudolstadt", "Bad Blankenburg", "anderer Ort"]


async def test_another_place_can_be_chosen_as_town(bot):
    anna = await bot.register(bot.user("Anna"), group="Verwaltung", town="anderer Ort")
    assert "angemeldet als Verwaltung, Ort: anderer Ort" in anna.messages[1].text
    [person] = await people(bot)
    assert (person.stakeholder_group, person.town) == ("administration", "other")


async def test_registration_ends_with_done_message_and_main_menu(bot):
    anna = await bot.register(bot.user("Anna"), group="Bürger*in", town="Rudolstadt")
    texts = anna.texts()
    assert len(texts) == 3  # the notice, the questions ending as "Fertig!", one main menu
    assert "Datenschutz" in texts[0]
    assert texts[1] == "🎉 Fertig! Du bist angemeldet als Bürger*in, Ort: Rudolstadt."
    menu = anna.last_message()
    assert menu.text == "Was möchtest du tun?"
    assert "👥 Aktions-Teams" in menu.button_texts()
    assert "🎖 Teamleitung vergeben" not in menu.button_texts()
    [person] = await people(bot)
    assert person.is_complete


async def test_english_user_registers_in_english(bot):
    john = await bot.register(bot.user("John", language_code="en"), group="Citizen", town="Saalfeld", evaluation="Yes")
    assert "signed up as Citizen, town: Saalfeld" in john.messages[1].text
    assert john.last_message().text == "What would you like to do?"
    [person] = await people(bot)
    assert (person.language, person.stakeholder_group) == ("en", "citizen")


async def test_start_again_shows_the_main_menu(bot):
    anna = await bot.register(bot.user("Anna"))
    replies = await anna.send("/start")
    assert [m.text for m in replies] == ["Was möchtest du tun?"]
    assert await person_count(bot) == 1


async def test_unregistered_user_sending_teams_is_told_to_start(bot):
    anna = bot.user("Anna")
    replies = await anna.send("/teams")
    assert [m.text for m in replies] == ["Ich kenne dich noch nicht. Tippe /start, um dich anzumelden."]
    assert await person_count(bot) == 0


async def test_half_registered_user_is_told_to_finish(bot):
    anna = bot.user("Anna")
    await anna.send("/start")
    await anna.press("Einverstanden")
    await anna.press("Ja")
    replies = await anna.send("/teams")
    assert [m.text for m in replies] == ["Du bist fast fertig: Tippe /start und beantworte die letzten Fragen."]


async def test_half_registered_user_sending_start_gets_the_next_question(bot):
    anna = bot.user("Anna")
    await anna.send("/start")
    await anna.press("Einverstanden")
    await anna.press("Ja")
    replies = await anna.send("/start")
    assert [m.text for m in replies] == ["Wie bist du dabei?"]
    await anna.press("Bürger*in")
    await anna.press("Saalfeld")
    [person] = await people(bot)
    assert person.is_complete


async def test_unregistered_user_pressing_a_menu_button_is_told_to_start(bot):
    anna = bot.user("Anna")
    [notice] = await anna.send("/start")
    await anna.press_data("menu:1:teams", message=notice)
    assert anna.callback_answers[-1] == ("Ich kenne dich noch nicht. Tippe /start, um dich anzumelden.", True)
    assert await person_count(bot) == 0


async def test_typed_text_during_registration_asks_to_finish(bot):
    anna = bot.user("Anna")
    await anna.send("/start")
    await anna.press("Einverstanden")
    replies = await anna.send("Hallo?")
    assert "Tippe /start" in replies[-1].text
