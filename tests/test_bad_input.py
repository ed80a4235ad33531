"""Bad input in the idea flow: every mistake gets a clear answer and changes nothing it should not."""

from __future__ import annotations

from sqlalchemy import select

from models.tables import Draft, Idea, Person, Team
from tests.test_ideas import IDEA, all_ideas, draft_of, join_team


async def at_text_step(bot, name: str = "Anna"):
    user = await bot.register(bot.user(name))
    await user.send("/idea")
    return user


async def at_field_step(bot, name: str = "Anna"):
    user = await at_text_step(bot, name)
    await user.send(IDEA)
    return user


async def at_confirm_step(bot, name: str = "Anna"):
    user = await at_field_step(bot, name)
    await user.press("Daseinsvorsorge")
    await user.press("Saalfeld")
    await user.press("Weiter")
    return user


async def assert_still_at_text_step(bot, user) -> None:
    draft = await draft_of(bot, user)
    assert (draft.step, draft.data.get("text")) == ("text", None)
    assert await all_ideas(bot) == []


# -- the idea's text -----------------------------------------------------------------------------------


async def test_empty_idea_text_is_refused(bot):
    anna = await at_text_step(bot)
    replies = await anna.send("   ")
    assert replies[-1].text == (
        "Das ist noch etwas kurz (0 Zeichen). Beschreibe deine Idee bitte in mindestens 10 Zeichen."
    )
    await assert_still_at_text_step(bot, anna)


async def test_nine_character_idea_is_too_short(bot):
    anna = await at_text_step(bot)
    replies = await anna.send("Parkbänke")
    assert "noch etwas kurz (9 Zeichen)" in replies[-1].text
    await assert_still_at_text_step(bot, anna)


async def test_ten_character_idea_is_long_enough(bot):
    anna = await at_text_step(bot)
    replies = await anna.send("Parkbänke!")
    assert "Handlungsfeld" in replies[-1].text
    assert (await draft_of(bot, anna)).data["text"] == "Parkbänke!"


async def test_ten_thousand_character_idea_is_too_long(bot):
    anna = await at_text_step(bot)
    replies = await anna.send("Idee " * 2000)
    assert "zu lang (9999 Zeichen)" in replies[-1].text
    assert "höchstens 2000 Zeichen" in replies[-1].text
    await assert_still_at_text_step(bot, anna)


async def test_idea_of_only_emoji_is_refused(bot):
    anna = await at_text_step(bot)
    replies = await anna.send("🚌🚲🏥🌳🎉🚌🚲🏥🌳🎉")
    assert "nur Emojis oder Zeichen reichen nicht" in replies[-1].text
    await assert_still_at_text_step(bot, anna)


async def test_html_in_idea_is_stored_verbatim_and_shown_escaped(bot):
    text = "<b>Mehr</b> Bänke & <script>alert(1)</script> im Park"
    anna = await bot.register(bot.user("Anna"))
    await join_team(anna)
    await anna.send("/idea")
    await anna.send(text)
    await anna.press("Daseinsvorsorge")
    await anna.press("Saalfeld")
    await anna.press("Weiter")
    await anna.press("Aktions-Team Daseinsvorsorge")
    assert text in anna.last_message().text
    assert "&lt;script&gt;" in anna.last_message().html
    await anna.press("Einreichen")
    assert [i.text for i in await all_ideas(bot)] == [text]
    replies = await anna.send("/myideas")
    assert text in replies[-1].text
    replies = await anna.send("/ideas")
    assert text in replies[-1].text
    assert replies[-1].entities == [e for e in replies[-1].entities if e["type"] in ("bold", "italic")]


async def test_sticker_instead_of_idea_text_asks_for_text(bot):
    anna = await at_text_step(bot)
    replies = await anna.send_sticker()
    assert replies[-1].text == "Bitte schick mir deine Idee als Text oder als Sprachnachricht."
    await assert_still_at_text_step(bot, anna)


async def test_photo_instead_of_idea_text_asks_for_text(bot):
    anna = await at_text_step(bot)
    replies = await anna.send_photo(caption="Ein Foto von der Bushaltestelle am Markt")
    assert replies[-1].text == "Bitte schick mir deine Idee als Text oder als Sprachnachricht."
    await assert_still_at_text_step(bot, anna)


async def test_text_while_buttons_are_waiting_repeats_the_question(bot):
    anna = await at_field_step(bot)
    replies = await anna.send("Daseinsvorsorge")
    assert "Bitte wähle mit den Knöpfen" in replies[0].text
    assert "Handlungsfeld" in replies[-1].text
    draft = await draft_of(bot, anna)
    assert (draft.step, draft.data["text"], draft.data.get("field")) == ("field", IDEA, None)


async def test_sticker_while_buttons_are_waiting_repeats_the_question(bot):
    anna = await at_confirm_step(bot)
    replies = await anna.send_sticker()
    assert "Bitte wähle mit den Knöpfen" in replies[0].text
    assert "Bitte prüfen" in replies[-1].text
    assert (await draft_of(bot, anna)).step == "confirm"
    assert await all_ideas(bot) == []


# -- commands and buttons at the wrong moment ---------------------------------------------------------


async def test_command_in_the_middle_of_the_flow_works_and_keeps_the_draft(bot):
    anna = await at_text_step(bot)
    replies = await anna.send("/teams")
    assert "Die Aktions-Teams" in replies[-1].text
    await assert_still_at_text_step(bot, anna)
    replies = await anna.send(IDEA)
    assert "Handlungsfeld" in replies[-1].text


async def test_unknown_command_in_the_middle_of_the_flow_keeps_the_draft(bot):
    anna = await at_text_step(bot)
    replies = await anna.send("/weiter")
    assert "Diesen Befehl kenne ich nicht" in replies[-1].text
    await assert_still_at_text_step(bot, anna)


async def test_team_invite_link_in_the_middle_of_the_flow_keeps_the_draft(bot):
    anna = await at_field_step(bot)
    await anna.send("/start team-fachkraefte")
    draft = await draft_of(bot, anna)
    assert (draft.flow, draft.step, draft.data["text"]) == ("idea", "field", IDEA)
    await anna.send("/idea")
    await anna.press("Daseinsvorsorge")
    await anna.press("Saalfeld")
    await anna.press("Weiter")
    assert anna.last_message().button_texts()[0] == "Aktions-Team Fachkräfte"


async def test_submit_pressed_twice_stores_one_idea(bot):
    anna = await at_confirm_step(bot)
    confirm = anna.last_message()
    submit_data = next(b.callback_data for b in confirm.flat_buttons() if "Einreichen" in b.text)
    await anna.press("Einreichen")
    await anna.press_data(submit_data, message=confirm)
    assert anna.callback_answers[-1] == (
        "Diese Eingabe ist schon abgeschlossen. Mit /idea beginnst du eine neue Idee.",
        True,
    )
    assert "ist eingereicht" in confirm.text
    assert len(await all_ideas(bot)) == 1


async def test_field_button_of_a_submitted_idea_is_answered_not_acted_on(bot):
    anna = await at_field_step(bot)
    field_message = anna.last_message()
    old_field = next(b.callback_data for b in field_message.flat_buttons() if b.text == "Fachkräfte")
    await anna.press("Daseinsvorsorge")
    await anna.press("Saalfeld")
    await anna.press("Weiter")
    await anna.press("Einreichen")
    await anna.press_data(old_field, message=field_message)
    assert "schon abgeschlossen" in anna.callback_answers[-1][0]
    assert [i.field for i in await all_ideas(bot)] == ["public_services"]
    assert await draft_of(bot, anna) is None


async def test_field_button_of_a_submitted_idea_does_not_change_the_next_idea(bot):
    """The old question stays in the chat (Anna typed twice); the next idea must not take its answer."""
    anna = await at_field_step(bot)
    await anna.send("noch ein Satz dazu")  # answered with the field question again, as a new message
    old_question = anna.last_message()
    old_field = next(b.callback_data for b in old_question.flat_buttons() if b.text == "Fachkräfte")
    await anna.press("Daseinsvorsorge")
    await anna.press("Saalfeld")
    await anna.press("Weiter")
    await anna.press("Einreichen")
    await anna.send("/idea")
    await anna.send("Die zweite Idee: ein Dorfladen mit Café.")
    await anna.press_data(old_field, message=old_question)
    assert anna.callback_answers[-1] == ("Dieser Knopf ist nicht mehr aktuell. Tippe /start für das Menü.", True)
    draft = await draft_of(bot, anna)
    assert (draft.step, draft.data.get("field")) == ("field", None)


async def test_cancel_button_of_a_finished_idea_does_not_drop_the_next_idea(bot):
    anna = await at_confirm_step(bot)
    await anna.send("/idea")  # resumed: a second confirm screen
    old_confirm = anna.last_message()
    old_cancel = next(b.callback_data for b in old_confirm.flat_buttons() if b.text == "Abbrechen")
    await anna.press("Einreichen")
    await anna.send("/idea")
    await anna.send("Die zweite Idee: ein Dorfladen mit Café.")
    await anna.press_data(old_cancel, message=old_confirm)
    assert "nicht mehr aktuell" in anna.callback_answers[-1][0]
    draft = await draft_of(bot, anna)
    assert draft is not None and draft.data["text"] == "Die zweite Idee: ein Dorfladen mit Café."


async def test_submit_button_of_a_finished_idea_does_not_submit_the_next_idea(bot):
    anna = await at_confirm_step(bot)
    await anna.send("/idea")  # resumed: a second confirm screen
    old_confirm = anna.last_message()
    old_submit = next(b.callback_data for b in old_confirm.flat_buttons() if "Einreichen" in b.text)
    await anna.press("Einreichen")
    await anna.send("/idea")
    await anna.send("Die zweite Idee: ein Dorfladen mit Café.")
    await anna.press("Fachkräfte")
    await anna.press("Rudolstadt")
    await anna.press("Weiter")
    await anna.press_data(old_submit, message=old_confirm)
    assert "nicht mehr aktuell" in anna.callback_answers[-1][0]
    assert len(await all_ideas(bot)) == 1
    assert (await draft_of(bot, anna)).step == "confirm"


async def test_town_button_after_the_town_step_is_stale(bot):
    anna = await at_field_step(bot)
    await anna.press("Daseinsvorsorge")
    towns = anna.last_message()
    rudolstadt = next(b.callback_data for b in towns.flat_buttons() if b.text == "Rudolstadt")
    await anna.press("Saalfeld")
    await anna.press("Weiter")
    await anna.press_data(rudolstadt, message=towns)
    assert "nicht mehr aktuell" in anna.callback_answers[-1][0]
    assert (await draft_of(bot, anna)).data["towns"] == ["saalfeld"]


async def test_garbage_callback_data_is_answered_politely(bot):
    anna = await at_confirm_step(bot)
    await anna.press_data("xyz")
    assert anna.callback_answers[-1] == ("Dieser Knopf ist nicht mehr aktuell. Tippe /start für das Menü.", True)
    assert (await draft_of(bot, anna)).step == "confirm"
    assert await all_ideas(bot) == []


async def test_callback_of_an_unknown_version_is_answered_politely(bot):
    anna = await at_confirm_step(bot)
    await anna.press_data("idc:9:ok")
    assert "nicht mehr aktuell" in anna.callback_answers[-1][0]
    assert (await draft_of(bot, anna)).step == "confirm"
    assert await all_ideas(bot) == []


async def test_forged_team_button_for_a_team_i_am_not_in_is_refused(bot):
    anna = await bot.register(bot.user("Anna"))
    await join_team(anna, "Daseinsvorsorge")
    await anna.send("/idea")
    await anna.send(IDEA)
    await anna.press("Daseinsvorsorge")
    await anna.press("Saalfeld")
    await anna.press("Weiter")
    team_button = next(b.callback_data for b in anna.last_message().flat_buttons() if "Daseinsvorsorge" in b.text)
    prefix = team_button.rsplit(":", 1)[0]
    async with bot.db.transaction() as s:
        other = (await s.execute(select(Team.id).where(Team.slug == "fachkraefte"))).scalar_one()
    await anna.press_data(f"{prefix}:{other}")
    assert anna.callback_answers[-1] == ("Du bist nicht in diesem Team.", True)
    assert (await draft_of(bot, anna)).step == "team"


async def test_idea_buttons_of_someone_not_registered_send_them_to_start(bot):
    anna = await at_confirm_step(bot)
    stranger = bot.user("Eve")
    await stranger.press_data("idc:1:ok", message=anna.last_message())
    assert stranger.callback_answers[-1] == ("Ich kenne dich noch nicht. Tippe /start, um dich anzumelden.", True)
    assert await all_ideas(bot) == []
    async with bot.db.transaction() as s:
        assert (await s.execute(select(Person).where(Person.telegram_id == stranger.user_id))).first() is None
        assert len((await s.execute(select(Draft))).all()) == 1
        assert (await s.execute(select(Idea))).first() is None


async def test_submitting_after_leaving_the_chosen_team_is_refused(bot):
    anna = await bot.register(bot.user("Anna"))
    await join_team(anna)
    await anna.send("/idea")
    await anna.send(IDEA)
    await anna.press("Daseinsvorsorge")
    await anna.press("Saalfeld")
    await anna.press("Weiter")
    await anna.press("Aktions-Team Daseinsvorsorge")
    confirm = anna.last_message()
    await anna.send("/myteams")
    await anna.press("Verlassen: Aktions-Team Daseinsvorsorge")
    await anna.press("Einreichen", message=confirm)
    assert anna.callback_answers[-1] == ("Du bist nicht in diesem Team.", True)
    assert await all_ideas(bot) == []
    assert (await draft_of(bot, anna)).step == "confirm"


async def test_buttons_from_before_write_again_are_stale(bot):
    anna = await at_confirm_step(bot)
    first_confirm = anna.last_message()
    await anna.send("/idea")  # resumed: a second confirm screen; the first one keeps its buttons
    await anna.press("Neu schreiben")
    await anna.send("Doch lieber eine Idee zum Dorfladen.")
    await anna.press("Einreichen", message=first_confirm)
    assert "nicht mehr aktuell" in anna.callback_answers[-1][0]
    assert await all_ideas(bot) == []
    draft = await draft_of(bot, anna)
    assert (draft.step, draft.data["text"]) == ("field", "Doch lieber eine Idee zum Dorfladen.")


async def test_idea_draft_from_before_buttons_carried_a_nonce_is_resumed_with_working_buttons(bot):
    anna = await bot.register(bot.user("Anna"))
    async with bot.db.transaction() as s:
        me = (await s.execute(select(Person).where(Person.telegram_id == anna.user_id))).scalar_one()
        s.add(Draft(person_id=me.id, flow="idea", step="field", data={"text": IDEA}, updated_at=bot.clock.now()))
    await anna.press_data("idf:1:public_services")  # a button of the older bot version
    assert "nicht mehr aktuell" in anna.callback_answers[-1][0]
    replies = await anna.send("ein Nachsatz")
    assert "Bitte wähle mit den Knöpfen" in replies[0].text
    await anna.send("/idea")
    await anna.press("Daseinsvorsorge")
    await anna.press("Saalfeld")
    await anna.press("Weiter")
    await anna.press("Einreichen")
    assert [i.text for i in await all_ideas(bot)] == [IDEA]


async def test_long_idea_full_of_markup_is_resumed_as_one_readable_confirm_screen(bot):
    text = "Idee: " + "<" * 1994
    anna = await at_text_step(bot)
    await anna.send(text)
    await anna.press("Daseinsvorsorge")
    await anna.press("Saalfeld")
    await anna.press("Weiter")
    replies = await anna.send("/idea")
    assert [m.text.split("\n")[0] for m in replies] == [
        "Du hattest schon eine Idee angefangen – hier geht es weiter.",
        "Bitte prüfen:",
    ]
    assert text in replies[-1].text
