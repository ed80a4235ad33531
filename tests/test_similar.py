"""Alike ideas in the chat: a member sees them before submitting and can support one instead; the project manager
merges flagged pairs in /similar (the people concerned are told) or dismisses them; every wrong press is refused."""

from __future__ import annotations

from sqlalchemy import select

from models.tables import AuditEntry, Draft, Idea, IdeaFollower, IdeaSimilar, IdeaSupport, Outbox, Person
from tests.test_ideas import all_ideas, draft_of, join_team, submit_idea

BENCHES = "Mehr Sitzbänke im Stadtpark aufstellen"
ALIKE = "Im Stadtpark sollten mehr Bänke zum Sitzen aufgestellt werden!"
BUS = "Ein Bürgerbus zwischen den drei Städten, auch am Wochenende."
MANAGERS_ONLY = ("Das darf nur das Projektmanagement.", True)


async def up_to_confirm(user, text: str = ALIKE):
    """/idea through text, field and town to the confirm screen (the user is in no team); returns that screen."""
    await user.send("/idea")
    await user.send(text)
    await user.press("Daseinsvorsorge")
    await user.press("Saalfeld")
    await user.press("Weiter")
    return user.last_message()


async def rows(bot, model) -> list:
    async with bot.db.transaction() as s:
        return list((await s.execute(select(model))).scalars())


async def pairs(bot) -> list[tuple[int, int, bool]]:
    return sorted((p.idea_id, p.other_id, p.dismissed_at is not None) for p in await rows(bot, IdeaSimilar))


# -- before submitting ----------------------------------------------------------------------------------


async def test_alike_ideas_are_shown_before_submitting_and_one_tap_supports_one_instead(bot):
    ben = await bot.register(bot.user("Ben"))
    anna = await bot.register(bot.user("Anna"))
    await submit_idea(ben, text=BENCHES)
    screen = await up_to_confirm(anna)
    assert "Bitte prüfen" in screen.text and ALIKE in screen.text
    assert "Ähnliche Ideen gibt es schon:" in screen.text and f"#1 · 👍 0 · {BENCHES}" in screen.text
    assert "oder deine Idee trotzdem einreichen" in screen.text
    assert screen.button_texts() == ["👍 #1 stattdessen unterstützen", "✅ Einreichen", "✏️ Neu schreiben", "Abbrechen"]
    button = screen.buttons[0][0].callback_data
    await anna.press("stattdessen unterstützen", message=screen)
    assert screen.text.startswith("👍 Du unterstützt jetzt die Idee #1 (👍 1). Deine eigene wurde nicht gespeichert")
    assert [i.id for i in await all_ideas(bot)] == [1]
    assert await people_of(bot, IdeaSupport, 1) == {anna.user_id}
    assert await draft_of(bot, anna) is None
    await anna.press_data(button, message=screen)  # a double click: the idea is already done
    assert anna.callback_answers[-1] == (
        "Diese Eingabe ist schon abgeschlossen. Mit /idea beginnst du eine neue Idee.",
        True,
    )
    assert len(await rows(bot, IdeaSupport)) == 1


async def test_submitting_anyway_stores_the_idea_and_flags_the_pair_for_the_manager(bot):
    ben = await bot.register(bot.user("Ben"))
    anna = await bot.register(bot.user("Anna"))
    await submit_idea(ben, text=BENCHES)
    await up_to_confirm(anna)
    await anna.press("Einreichen")
    assert "Deine Idee #2 ist eingereicht" in anna.last_message().text
    assert await pairs(bot) == [(2, 1, False)]
    assert await rows(bot, IdeaSupport) == []


async def test_my_own_alike_idea_is_shown_without_a_support_button_and_unrelated_ones_not_at_all(bot):
    anna = await bot.register(bot.user("Anna"))
    await submit_idea(anna, text=BENCHES)
    await submit_idea(anna, text=BUS)
    screen = await up_to_confirm(anna)
    assert f"#1 · deine Idee · {BENCHES}" in screen.text and BUS not in screen.text
    assert screen.button_texts() == ["✅ Einreichen", "✏️ Neu schreiben", "Abbrechen"]


async def test_ideas_of_a_team_i_am_not_in_are_not_shown_and_a_forged_button_for_one_changes_nothing(bot):
    ben = await bot.register(bot.user("Ben"))
    await join_team(ben)
    await submit_idea(ben, text=BENCHES, team="Aktions-Team Daseinsvorsorge")
    anna = await bot.register(bot.user("Anna"))
    screen = await up_to_confirm(anna)
    assert "Ähnliche Ideen" not in screen.text
    nonce = (await draft_of(bot, anna)).data["nonce"]
    await anna.press_data(f"ids:1:{nonce}:1", message=screen)
    assert anna.callback_answers[-1] == (
        "Diese Idee kann ich dir hier nicht anbieten. Bitte wähle mit den Knöpfen.",
        True,
    )
    assert await rows(bot, IdeaSupport) == [] and (await draft_of(bot, anna)).step == "confirm"
    await anna.press_data(f"ids:1:{nonce}:x", message=screen)
    assert anna.callback_answers[-1] == ("Dieser Knopf ist nicht mehr aktuell. Tippe /start für das Menü.", True)


# -- the project manager ------------------------------------------------------------------------------------

TEAM = "Aktions-Team Daseinsvorsorge"


async def flagged(bot):
    """Ben's idea #1 (supported by Cem and Dora, followed by Cem) and Anna's alike #2 (supported by Dora and John,
    followed by John, who reads English), all in one team; the pair is flagged. Returns the people and Maria."""
    ben, anna, cem, dora = [await bot.register(bot.user(n)) for n in ("Ben", "Anna", "Cem", "Dora")]
    john = await bot.register(bot.user("John", "en"), evaluation="Yes", group="Citizen")
    for u in (ben, anna, cem, dora):
        await join_team(u)
    await john.send("/teams")
    await john.press("Join: Action team public services")
    await submit_idea(ben, text=BENCHES, team=TEAM)
    await submit_idea(anna, text=ALIKE, team=TEAM)  # shown #1 on the way, submitted anyway
    for u, labels in ((cem, ("#1",)), (dora, ("#1", "#2")), (john, ("#2",))):
        for label in labels:
            await u.send("/ideas")
            await u.press(f"👍 {label}")
    await cem.send("/follow")
    await cem.press("🔔 #1")
    await john.send("/follow")
    await john.press("🔔 #2")
    maria = await bot.register(bot.manager())
    return ben, anna, cem, dora, john, maria


async def people_of(bot, model, idea_id: int) -> set[int]:
    """Telegram ids of the people supporting (or following) an idea."""
    async with bot.db.transaction() as s:
        q = select(Person.telegram_id).join(model, model.person_id == Person.id).where(model.idea_id == idea_id)
        return set((await s.execute(q)).scalars())


async def test_the_manager_merges_a_flagged_pair_and_authors_and_followers_are_told(bot):
    ben, anna, cem, dora, john, maria = await flagged(bot)
    [screen] = await maria.send("/similar")
    assert "Ähnliche Ideen</b> (Paar 1 von 1) · 80 % ähnlich" in screen.html
    assert screen.text.index(BENCHES) < screen.text.index(ALIKE)
    assert "#1 · Daseinsvorsorge · eingereicht · 👍 2 · Aktions-Team Daseinsvorsorge" in screen.text
    assert screen.button_texts() == ["🔀 #2 in #1 aufnehmen", "🔀 #1 in #2 aufnehmen", "✖ Keine Dopplung"]
    await maria.press("#2 in #1", message=screen)
    assert "Idee #2 in #1 aufnehmen?" in screen.text and "ihre 2 Unterstützungen gehen auf #1 über" in screen.text
    assert screen.button_texts() == ["✅ Ja, zusammenführen", "◀ Zurück"]
    assert await rows(bot, AuditEntry) == []
    yes = screen.buttons[0][0].callback_data
    await maria.press("Ja, zusammenführen", message=screen)
    assert maria.callback_answers[-1] == ("Idee #2 ist jetzt Teil von #1 (👍 4).", False)
    assert screen.text == "Zurzeit sind keine ähnlichen Ideen markiert."
    [kept, merged] = await all_ideas(bot)
    assert (merged.status, merged.merged_into_id, kept.status) == ("merged", 1, "submitted")
    assert await people_of(bot, IdeaSupport, 1) == {cem.user_id, dora.user_id, john.user_id, anna.user_id}
    assert await people_of(bot, IdeaFollower, 1) == {cem.user_id, john.user_id, anna.user_id}
    [entry] = await rows(bot, AuditEntry)
    assert (entry.action, entry.details["told"]) == ("merge_ideas", 3)
    await bot.deliver()
    assert anna.last_message().text.startswith("🔀 Deine Idee #2 wurde mit der ähnlichen Idee #1 zusammengeführt.")
    assert BENCHES in anna.last_message().text
    assert ben.last_message().text.startswith("🔀 Die ähnliche Idee #2 wurde mit deiner Idee #1 zusammengeführt.")
    assert "(👍 4)" in ben.last_message().text and ALIKE in ben.last_message().text
    assert john.last_message().text.startswith("🔀 Idea #2, which you follow, was merged with the similar idea #1.")
    assert "zusammengeführt" not in cem.last_message().text  # following the kept idea: nothing changed for him
    await maria.press_data(yes, message=screen)  # a double click
    assert maria.callback_answers[-1] == ("Die Idee #2 ist schon zusammengeführt – da ist nichts mehr zu tun.", True)
    assert len(await rows(bot, AuditEntry)) == 1 and len(await rows(bot, Outbox)) == 3


async def test_after_a_merge_the_idea_is_gone_from_lists_and_its_author_sees_where_it_went(bot):
    ben, anna, cem, dora, john, maria = await flagged(bot)
    page = (await dora.send("/ideas"))[-1]
    await maria.send("/similar")
    await maria.press("#2 in #1")
    await maria.press("Ja, zusammenführen")
    assert ALIKE not in (await dora.send("/ideas"))[-1].text
    await dora.press_data("sup:1:2:0", message=page)  # her old 👍 button of the merged idea
    assert dora.callback_answers[-1] == (
        "Die Idee #2 wurde mit #1 zusammengeführt – unterstützen kannst du sie jetzt dort.",
        True,
    )
    mine = (await anna.send("/myideas"))[-1].text
    assert "#2 · zusammengeführt" in mine and "🔀 zusammengeführt mit #1" in mine


async def test_the_manager_dismisses_a_pair_once_and_it_is_not_flagged_again(bot):
    ben, anna, cem, dora, john, maria = await flagged(bot)
    [screen] = await maria.send("/similar")
    dismiss = screen.buttons[2][0].callback_data
    await maria.press("Keine Dopplung", message=screen)
    assert maria.callback_answers[-1] == ("Markierung entfernt – das Paar wird nicht wieder gemeldet.", False)
    assert screen.text == "Zurzeit sind keine ähnlichen Ideen markiert."
    await maria.press_data(dismiss, message=screen)
    assert maria.callback_answers[-1] == ("Dieses Paar ist nicht (mehr) markiert.", True)
    assert await pairs(bot) == [(2, 1, True)]
    assert [i.status for i in await all_ideas(bot)] == ["submitted", "submitted"]
    assert await rows(bot, AuditEntry) == [] and await rows(bot, Outbox) == []


async def test_the_manager_finds_the_pairs_from_ideas_and_members_never_do(bot):
    ben, anna, cem, dora, john, maria = await flagged(bot)
    await join_team(maria)
    page = (await maria.send("/ideas"))[-1]
    assert page.button_texts()[-1] == "🔀 Ähnliche Ideen (1)"
    await maria.press("Ähnliche Ideen", message=page)
    assert "Paar 1 von 1" in page.text
    assert "Ähnliche Ideen" not in " ".join((await ben.send("/ideas"))[-1].button_texts())
    assert (await ben.send("/similar"))[-1].text == MANAGERS_ONLY[0]
    screen = ben.last_message()
    for data in ("sim:1:l:0", "sim:1:a:2:1:0", "sim:1:m:2:1:0", "sim:1:d:2:1:0"):
        await ben.press_data(data, message=screen)
        assert ben.callback_answers[-1] == MANAGERS_ONLY
    assert [i.status for i in await all_ideas(bot)] == ["submitted", "submitted"]
    assert await pairs(bot) == [(2, 1, False)]


async def test_forged_merges_are_refused_politely_and_change_nothing(bot):
    ben, anna, cem, dora, john, maria = await flagged(bot)
    [screen] = await maria.send("/similar")
    cases = {
        "sim:1:m:1:1:0": "Eine Idee lässt sich nicht mit sich selbst zusammenführen.",
        "sim:1:a:2:2:0": "Eine Idee lässt sich nicht mit sich selbst zusammenführen.",
        "sim:1:m:2:99:0": "Diese Idee gibt es nicht oder sie gehört nicht zu deinen Teams.",
        "sim:1:m:2:1:-1": "Dieser Knopf ist nicht mehr aktuell. Tippe /start für das Menü.",
        "sim:1:x:2:1:0": "Dieser Knopf ist nicht mehr aktuell. Tippe /start für das Menü.",
        "sim:1:m:2": "Dieser Knopf ist nicht mehr aktuell. Tippe /start für das Menü.",
        "sim:1:m:99999999999:1:0": "Dieser Knopf ist nicht mehr aktuell. Tippe /start für das Menü.",
    }
    for data, answer in cases.items():
        await maria.press_data(data, message=screen)
        assert maria.callback_answers[-1] == (answer, True), data
    assert [i.status for i in await all_ideas(bot)] == ["submitted", "submitted"]
    assert await rows(bot, AuditEntry) == [] and await rows(bot, Outbox) == []


async def test_merging_into_a_merged_or_rejected_idea_is_refused(bot):
    ben, anna, cem, dora, john, maria = await flagged(bot)
    await submit_idea(cem, text="Sitzbänke im Stadtpark aufstellen, am besten bald", team=TEAM)
    [screen] = await maria.send("/similar")
    await maria.press_data("sim:1:m:2:1:0", message=screen)
    await maria.press_data("sim:1:m:3:2:0", message=screen)
    assert maria.callback_answers[-1] == (
        "Die Idee #2 ist selbst schon in einer anderen aufgegangen. Bitte behalte eine Idee, die noch offen ist.",
        True,
    )
    async with bot.db.transaction() as s:
        (await s.get(Idea, 1)).status = "rejected"
    await maria.press_data("sim:1:a:3:1:0", message=screen)
    assert maria.callback_answers[-1] == ("Die Idee #1 ist abgelehnt und lässt sich nicht zusammenführen.", True)
    assert [(i.status, i.merged_into_id) for i in await all_ideas(bot)] == [
        ("rejected", None),
        ("merged", 1),
        ("submitted", None),
    ]


async def test_html_in_idea_texts_is_shown_as_typed(bot):
    ben = await bot.register(bot.user("Ben"))
    anna = await bot.register(bot.user("Anna"))
    await submit_idea(ben, text="Bänke <b>im</b> Stadtpark & mehr 🌳 aufstellen")
    screen = await up_to_confirm(anna, "Bänke im Stadtpark & mehr 🌳 aufstellen <3")
    assert "#1 · 👍 0 · Bänke <b>im</b> Stadtpark & mehr 🌳 aufstellen" in screen.text
    await anna.press("Einreichen")
    maria = await bot.register(bot.manager())
    [pair] = await maria.send("/similar")
    assert "Bänke <b>im</b> Stadtpark & mehr 🌳 aufstellen" in pair.text and "aufstellen <3" in pair.text


async def test_cancelling_on_the_hint_screen_stores_nothing(bot):
    anna = await bot.register(bot.user("Anna"))
    await submit_idea(anna, text=BENCHES)
    await up_to_confirm(anna)
    await anna.press("Abbrechen")
    assert await rows(bot, Draft) == [] and len(await all_ideas(bot)) == 1


async def test_an_english_member_sees_the_hint_in_english(bot):
    ben = await bot.register(bot.user("Ben"))
    await submit_idea(ben, text=BENCHES)
    john = await bot.register(bot.user("John", "en"), evaluation="Yes", group="Citizen")
    await john.send("/idea")
    await john.send(ALIKE)
    await john.press("Public services")
    await john.press("All three towns")
    screen = john.last_message()
    assert "Similar ideas exist already:" in screen.text and "or submit yours anyway" in screen.text
    assert screen.button_texts()[0] == "👍 Support #1 instead"
