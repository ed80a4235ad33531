"""Registration paused and finished: /cancel keeps what consent stored (and the invited team) and says so;
the messages at the end of registration read top to bottom without repeats."""

from sqlalchemy import func, select

from models.tables import Draft, Membership, Person
from tests.test_teams import memberships

NOTICE_END = "✅ Zugestimmt am Mi., 25. Nov. 2026, 10:00 Uhr. Diesen Hinweis findest du jederzeit unter /privacy."


async def stored(bot, user) -> tuple[Person | None, list[tuple[str, dict]]]:
    """The person row and their drafts (flow, data)."""
    async with bot.db.transaction() as s:
        person = (await s.execute(select(Person).where(Person.telegram_id == user.user_id))).scalar_one_or_none()
        rows = (await s.execute(select(Draft.flow, Draft.data))).all() if person else []
    return person, [(flow, data) for flow, data in rows]


async def test_cancel_mid_registration_says_what_is_stored_and_keeps_the_invited_team(bot):
    anna = bot.user("Anna", last_name="Schmidt")
    await anna.send("/start team-fachkraefte")
    await anna.press("Einverstanden")
    await anna.press("Ja")
    replies = await anna.send("/cancel")
    assert [m.text for m in replies] == [
        "Deine Anmeldung ist angehalten. Mit /start machst du später dort weiter, wo du aufgehört hast.\n"
        "Schon gespeichert:\n"
        "• deine Einwilligung in den Datenschutzhinweis (Fassung 2026-11, Mi., 25. Nov. 2026, 10:00 Uhr)\n"
        "• dein Telegram-Name (Anna Schmidt), deine Telegram-ID und deine Sprache (Deutsch)\n"
        "• deine Antwort zur pseudonymisierten Auswertung: Ja\n"
        "• die Einladung ins Aktions-Team Fachkräfte – du trittst ihm am Ende der Anmeldung bei\n"
        "\n"
        "Den Datenschutzhinweis liest du unter /privacy nach. Soll alles wieder gelöscht werden, tippe /deleteme."
    ]
    person, drafts = await stored(bot, anna)
    assert person is not None and person.evaluation_consent is True
    assert person.consent_version == bot.config.privacy_version
    assert drafts == [("onboarding", {"join": "fachkraefte"})]


async def test_after_cancel_start_goes_on_and_joins_the_invited_team(bot):
    anna = bot.user("Anna")
    await anna.send("/start team-fachkraefte")
    await anna.press("Einverstanden")
    await anna.press("Nein")
    await anna.send("/cancel")
    [question] = await anna.send("/start")
    assert question.text == "Wie bist du dabei?"
    await anna.press("Verwaltung", message=question)
    replies = await anna.press("Rudolstadt", message=question)
    assert [m.text for m in replies] == [
        "🎉 Fertig! Du bist angemeldet als Verwaltung, Ort: Rudolstadt.",
        "Willkommen im Aktions-Team Fachkräfte!",
        "Was möchtest du tun?",
    ]
    assert await memberships(bot, anna) == [("fachkraefte", "member")]
    person, drafts = await stored(bot, anna)
    assert person is not None and person.is_complete and drafts == []


async def test_cancel_right_after_consent_lists_only_consent_and_name(bot):
    anna = bot.user("Anna")
    await anna.send("/start")
    await anna.press("Einverstanden")
    [reply] = await anna.send("/cancel")
    lines = reply.text.split("\n")
    assert lines[2:4] == [
        "• deine Einwilligung in den Datenschutzhinweis (Fassung 2026-11, Mi., 25. Nov. 2026, 10:00 Uhr)",
        "• dein Telegram-Name (Anna), deine Telegram-ID und deine Sprache (Deutsch)",
    ]
    assert lines[4] == ""
    assert "/deleteme" in lines[-1]
    person, drafts = await stored(bot, anna)
    assert person is not None and drafts == []
    [question] = await anna.send("/start")
    assert question.text.startswith("Dürfen deine Angaben pseudonymisiert")


async def test_cancel_mid_registration_names_the_chosen_group_in_english(bot):
    john = bot.user("John", language_code="en")
    await john.send("/start")
    await john.press("I agree")
    await john.press("No")
    await john.press("Entrepreneur")
    [reply] = await john.send("/cancel")
    assert reply.text.startswith("Your sign-up is paused. With /start you continue later where you left off.")
    assert "• your answer on the pseudonymised evaluation: No" in reply.text
    assert "• your group: Entrepreneur" in reply.text
    assert reply.text.endswith("To have everything deleted, type /deleteme.")
    person, _ = await stored(bot, john)
    assert person is not None and person.stakeholder_group == "entrepreneur" and person.town is None


async def test_deleteme_after_a_paused_registration_removes_the_person_and_the_invitation(bot):
    anna = bot.user("Anna")
    await anna.send("/start team-engagement")
    await anna.press("Einverstanden")
    await anna.send("/cancel")
    await anna.send("/deleteme")
    await anna.press("Ja, alles löschen")
    async with bot.db.transaction() as s:
        assert (await s.execute(select(func.count()).select_from(Person))).scalar_one() == 0
        assert (await s.execute(select(func.count()).select_from(Draft))).scalar_one() == 0


async def test_cancel_for_a_member_still_drops_only_an_open_input(bot):
    anna = await bot.register(bot.user("Anna"))
    replies = await anna.send("/cancel")
    assert [m.text for m in replies] == ["Es ist gerade nichts offen, das ich abbrechen könnte."]


async def test_new_member_from_an_invitation_reads_top_to_bottom(bot):
    """Notice (kept, agreed) → questions ending as "Fertig!" → the team's welcome → one main menu."""
    anna = bot.user("Anna")
    await anna.send("/start team-fachkraefte")
    await anna.press("Einverstanden")
    await anna.press("Ja")
    await anna.press("Bürger*in")
    await anna.press("Saalfeld")
    notice, done, welcome, menu = anna.messages
    assert notice.text.startswith("👋 Willkommen") and "Datenschutz – kurz und klar" in notice.text
    assert notice.text.endswith(NOTICE_END) and notice.buttons == []
    assert (done.text, done.buttons) == ("🎉 Fertig! Du bist angemeldet als Bürger*in, Ort: Saalfeld.", [])
    assert (welcome.text, welcome.buttons) == ("Willkommen im Aktions-Team Fachkräfte!", [])
    assert menu.text == "Was möchtest du tun?" and "🔒 Datenschutz" in menu.button_texts()
    async with bot.db.transaction() as s:
        assert (await s.execute(select(func.count()).select_from(Membership))).scalar_one() == 1


async def test_the_first_question_thanks_for_the_consent_in_a_new_message(bot):
    anna = bot.user("Anna")
    [notice] = await anna.send("/start")
    [edited, question] = await anna.press("Einverstanden")
    assert edited is notice and notice.text.endswith(NOTICE_END)
    assert question.text.startswith("Danke! Deine Einwilligung ist gespeichert.\n\nDürfen deine Angaben")
    await anna.press("Ja")
    assert question.text == "Wie bist du dabei?"  # the questions go on in that message
    assert len(anna.messages) == 2


async def test_an_old_consent_button_of_a_member_adds_no_second_menu(bot):
    anna = bot.user("Anna")
    [old] = await anna.send("/start")
    await bot.register(anna)
    await anna.press("Einverstanden", message=old)
    assert anna.callback_answers[-1] == ("Du bist schon angemeldet.", False)
    assert "Datenschutz" in old.text and old.text.endswith(NOTICE_END) and old.buttons == []
    assert anna.texts().count("Was möchtest du tun?") == 1
    async with bot.db.transaction() as s:
        assert (await s.execute(select(func.count()).select_from(Person))).scalar_one() == 1
