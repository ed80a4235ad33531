"""Ideas: a member writes an idea in a guided flow, sees their own ideas, and supports ideas of their teams."""

from __future__ import annotations

from sqlalchemy import func, select

from models.tables import Draft, Idea, IdeaSupport, IdeaTown, Person, Team
from tests.conftest import START, start_bot, stop_bot

IDEA = "Ein Bürgerbus zwischen den drei Städten, auch am Wochenende."


async def join_team(user, team: str = "Daseinsvorsorge") -> None:
    await user.send("/teams")
    await user.press(f"Beitreten: Aktions-Team {team}")


async def submit_idea(
    user, text: str = IDEA, field: str = "Daseinsvorsorge", towns=("Saalfeld",), team: str | None = None
) -> None:
    """Go through the whole /idea flow; `team` is pressed only when the team step comes."""
    await user.send("/idea")
    await user.send(text)
    await user.press(field)
    for town in towns:
        await user.press(town)
    await user.press("Weiter")
    if team is not None:
        await user.press(team)
    await user.press("Einreichen")
    assert "ist eingereicht" in user.last_message().text


async def all_ideas(bot) -> list[Idea]:
    async with bot.db.transaction() as s:
        return list((await s.execute(select(Idea).order_by(Idea.id))).scalars())


async def draft_of(bot, user) -> Draft | None:
    async with bot.db.transaction() as s:
        return (
            await s.execute(
                select(Draft).join(Person, Person.id == Draft.person_id).where(Person.telegram_id == user.user_id)
            )
        ).scalar_one_or_none()


# -- the flow ------------------------------------------------------------------------------------------


async def test_idea_flow_asks_text_field_towns_team_and_shows_everything_to_confirm(bot):
    anna = await bot.register(bot.user("Anna"))
    await join_team(anna)
    replies = await anna.send("/idea")
    assert "Beschreibe deine Idee" in replies[-1].text
    replies = await anna.send(IDEA)
    assert "Handlungsfeld" in replies[-1].text
    assert replies[-1].button_texts() == ["Daseinsvorsorge", "Fachkräfte", "Bürgerschaftliches Engagement"]
    await anna.press("Fachkräfte")
    assert "Welche Orte" in anna.last_message().text
    await anna.press("Saalfeld")
    await anna.press("Bad Blankenburg")
    await anna.press("Weiter")
    assert "Für welches Aktions-Team" in anna.last_message().text
    assert anna.last_message().button_texts() == ["Aktions-Team Daseinsvorsorge", "Kein bestimmtes Team"]
    await anna.press("Aktions-Team Daseinsvorsorge")
    confirm = anna.last_message().text
    assert "Bitte prüfen" in confirm
    assert IDEA in confirm
    assert "Handlungsfeld: Fachkräfte" in confirm
    assert "Orte: Saalfeld, Bad Blankenburg" in confirm
    assert "Team: Aktions-Team Daseinsvorsorge" in confirm
    assert anna.last_message().button_texts() == ["✅ Einreichen", "✏️ Neu schreiben", "Abbrechen"]
    assert await all_ideas(bot) == []


async def test_submitted_idea_is_stored_with_author_group_town_time_and_towns(bot):
    anna = await bot.register(bot.user("Anna"), group="Unternehmer*in", town="Rudolstadt")
    await join_team(anna)
    await submit_idea(anna, towns=("Saalfeld", "Rudolstadt"), team="Aktions-Team Daseinsvorsorge")
    assert "Stand: eingereicht" in anna.last_message().text
    async with bot.db.transaction() as s:
        idea = (await s.execute(select(Idea))).scalar_one()
        author = await s.get(Person, idea.author_id)
        team = await s.get(Team, idea.team_id)
        towns = list((await s.execute(select(IdeaTown.town).where(IdeaTown.idea_id == idea.id))).scalars())
        drafts_left = (await s.execute(select(func.count()).select_from(Draft))).scalar_one()
    assert author.telegram_id == anna.user_id
    assert (idea.author_group, idea.author_town) == ("entrepreneur", "rudolstadt")
    assert (idea.text, idea.field, idea.status) == (IDEA, "public_services", "submitted")
    assert team.slug == "daseinsvorsorge"
    assert idea.created_at == START == bot.clock.now()
    assert sorted(towns) == ["rudolstadt", "saalfeld"]
    assert drafts_left == 0
    assert f"#{idea.id}" in anna.last_message().text


async def test_town_buttons_toggle_on_and_off(bot):
    anna = await bot.register(bot.user("Anna"))
    await anna.send("/idea")
    await anna.send(IDEA)
    await anna.press("Daseinsvorsorge")
    await anna.press("Saalfeld")
    await anna.press("Rudolstadt")
    assert anna.last_message().button_texts()[:3] == ["✅ Saalfeld", "✅ Rudolstadt", "Bad Blankenburg"]
    await anna.press("✅ Saalfeld")
    assert anna.last_message().button_texts()[:3] == ["Saalfeld", "✅ Rudolstadt", "Bad Blankenburg"]
    assert (await draft_of(bot, anna)).data["towns"] == ["rudolstadt"]


async def test_all_three_towns_picks_every_town_and_goes_on(bot):
    anna = await bot.register(bot.user("Anna"))
    await anna.send("/idea")
    await anna.send(IDEA)
    await anna.press("Daseinsvorsorge")
    await anna.press("Alle drei Städte")
    assert "Orte: Saalfeld, Rudolstadt, Bad Blankenburg" in anna.last_message().text
    await anna.press("Einreichen")
    async with bot.db.transaction() as s:
        towns = sorted((await s.execute(select(IdeaTown.town))).scalars())
    assert towns == ["bad_blankenburg", "rudolstadt", "saalfeld"]


async def test_next_without_a_town_is_refused(bot):
    anna = await bot.register(bot.user("Anna"))
    await anna.send("/idea")
    await anna.send(IDEA)
    await anna.press("Daseinsvorsorge")
    await anna.press("Weiter")
    assert anna.callback_answers[-1] == ("Bitte wähle mindestens einen Ort.", True)
    assert "Welche Orte" in anna.last_message().text
    assert (await draft_of(bot, anna)).step == "towns"


async def test_member_without_teams_goes_from_towns_straight_to_confirm(bot):
    anna = await bot.register(bot.user("Anna"))
    await anna.send("/idea")
    await anna.send(IDEA)
    await anna.press("Daseinsvorsorge")
    await anna.press("Saalfeld")
    await anna.press("Weiter")
    assert "Bitte prüfen" in anna.last_message().text
    assert "Team: Kein bestimmtes Team" in anna.last_message().text
    await anna.press("Einreichen")
    assert (await all_ideas(bot))[0].team_id is None


async def test_no_particular_team_stores_the_idea_without_a_team(bot):
    anna = await bot.register(bot.user("Anna"))
    await join_team(anna)
    await submit_idea(anna, team="Kein bestimmtes Team")
    assert (await all_ideas(bot))[0].team_id is None


async def test_write_again_starts_over_with_the_text(bot):
    anna = await bot.register(bot.user("Anna"))
    await anna.send("/idea")
    await anna.send(IDEA)
    await anna.press("Daseinsvorsorge")
    await anna.press("Saalfeld")
    await anna.press("Weiter")
    await anna.press("Neu schreiben")
    assert "Beschreibe deine Idee" in anna.last_message().text
    draft = await draft_of(bot, anna)
    assert (draft.step, draft.data.get("text"), draft.data.get("towns")) == ("text", None, None)
    await anna.send("Eine ganz andere Idee für den Marktplatz.")
    assert "Handlungsfeld" in anna.last_message().text
    assert await all_ideas(bot) == []


async def test_cancel_button_drops_the_idea(bot):
    anna = await bot.register(bot.user("Anna"))
    await anna.send("/idea")
    await anna.send(IDEA)
    await anna.press("Daseinsvorsorge")
    await anna.press("Saalfeld")
    await anna.press("Weiter")
    await anna.press("Abbrechen")
    assert "verworfen" in anna.last_message().text
    assert anna.last_message().buttons == []
    assert await draft_of(bot, anna) is None
    assert await all_ideas(bot) == []


async def test_cancel_command_mid_flow_drops_the_idea(bot):
    anna = await bot.register(bot.user("Anna"))
    await anna.send("/idea")
    await anna.send(IDEA)
    replies = await anna.send("/cancel")
    assert "Abgebrochen" in replies[-1].text
    assert await draft_of(bot, anna) is None
    replies = await anna.send("Noch ein Gedanke zu meiner Idee.")
    assert "Damit kann ich gerade nichts anfangen" in replies[-1].text
    assert await all_ideas(bot) == []


async def test_idea_draft_survives_a_restart_of_the_bot(bot, fake, db):
    anna = await bot.register(bot.user("Anna"))
    await anna.send("/idea")
    await anna.send(IDEA)
    await anna.press("Fachkräfte")
    await stop_bot(bot)
    restarted = await start_bot(fake, db, bot.clock)
    try:
        await anna.press("Rudolstadt")
        await anna.press("Weiter")
        assert "Handlungsfeld: Fachkräfte" in anna.last_message().text
        await anna.press("Einreichen")
        ideas = await all_ideas(restarted)
        assert [(i.text, i.field) for i in ideas] == [(IDEA, "skilled_workers")]
    finally:
        await stop_bot(restarted)


async def test_typed_idea_text_survives_a_restart_of_the_bot(bot, fake, db):
    anna = await bot.register(bot.user("Anna"))
    await anna.send("/idea")
    await stop_bot(bot)
    restarted = await start_bot(fake, db, bot.clock)
    try:
        replies = await anna.send(IDEA)
        assert "Handlungsfeld" in replies[-1].text
        assert (await draft_of(restarted, anna)).data["text"] == IDEA
    finally:
        await stop_bot(restarted)


async def test_idea_command_while_a_draft_is_open_resumes_it(bot):
    anna = await bot.register(bot.user("Anna"))
    await anna.send("/idea")
    await anna.send(IDEA)
    await anna.press("Daseinsvorsorge")
    replies = await anna.send("/idea")
    assert "hier geht es weiter" in replies[0].text
    assert "Welche Orte" in replies[-1].text
    draft = await draft_of(bot, anna)
    assert (draft.step, draft.data["text"], draft.data["field"]) == ("towns", IDEA, "public_services")
    await anna.press("Saalfeld")
    await anna.press("Weiter")
    await anna.press("Einreichen")
    assert len(await all_ideas(bot)) == 1


async def test_english_user_gets_english_texts_in_the_idea_flow(bot):
    john = await bot.register(bot.user("John", "en"), evaluation="Yes", group="Citizen")
    replies = await john.send("/idea")
    assert "Describe your idea" in replies[-1].text
    replies = await john.send("A shuttle bus between the three towns on weekends.")
    assert replies[-1].button_texts() == ["Public services", "Skilled workers", "Civic engagement"]
    await john.press("Civic engagement")
    assert "Which towns" in john.last_message().text
    assert "All three towns" in john.last_message().button_texts()
    await john.press("All three towns")
    confirm = john.last_message().text
    assert "Please check" in confirm and "Field of action: Civic engagement" in confirm
    assert "Team: No particular team" in confirm
    await john.press("Submit")
    assert "Your idea #1 is submitted (status: submitted)" in john.last_message().text


# -- my ideas -------------------------------------------------------------------------------------------


async def test_myideas_shows_my_ideas_with_their_status(bot):
    anna = await bot.register(bot.user("Anna"))
    ben = await bot.register(bot.user("Ben"))
    await submit_idea(anna)
    await submit_idea(ben, text="Bens Idee: ein Repair-Café im Rathaus.")
    replies = await anna.send("/myideas")
    text = replies[-1].text
    assert "Deine Ideen" in text
    assert "#1 · eingereicht · 👍 0 · Daseinsvorsorge" in text
    assert IDEA in text
    assert "Repair-Café" not in text


async def test_myideas_without_ideas_offers_to_write_one(bot):
    anna = await bot.register(bot.user("Anna"))
    replies = await anna.send("/myideas")
    assert "noch keine Idee" in replies[-1].text
    assert replies[-1].button_texts() == ["💡 Idee einreichen"]


# -- ideas of my teams and support ----------------------------------------------------------------------


async def test_ideas_lists_only_ideas_of_my_teams(bot):
    anna = await bot.register(bot.user("Anna"))
    ben = await bot.register(bot.user("Ben"), group="Verwaltung", town="Rudolstadt")
    await join_team(anna, "Daseinsvorsorge")
    await join_team(ben, "Daseinsvorsorge")
    await join_team(ben, "Fachkräfte")
    await submit_idea(ben, text="Idee fürs Team Daseinsvorsorge", team="Aktions-Team Daseinsvorsorge")
    await submit_idea(ben, text="Idee fürs Team Fachkräfte", team="Aktions-Team Fachkräfte")
    await submit_idea(ben, text="Idee ganz ohne bestimmtes Team", team="Kein bestimmtes Team")
    replies = await anna.send("/ideas")
    text = replies[-1].text
    assert "Ideen deiner Teams" in text and "(Seite 1/1)" in text
    assert "Idee fürs Team Daseinsvorsorge" in text
    assert "von Verwaltung aus Rudolstadt" in text
    assert "Ben" not in text
    assert "Fachkräfte" not in text and "ohne bestimmtes Team" not in text
    assert replies[-1].button_texts() == ["👍 #1 (0)", "📜 Verlauf #1", "💭 Ideen ohne Team (1)"]


async def test_ideas_without_a_team_says_there_are_none(bot):
    anna = await bot.register(bot.user("Anna"))
    await submit_idea(anna)
    replies = await anna.send("/ideas")
    assert "In deinen Teams gibt es noch keine Ideen" in replies[-1].text


async def test_ideas_are_paged_five_per_page(bot):
    anna = await bot.register(bot.user("Anna"))
    ben = await bot.register(bot.user("Ben"))
    await join_team(anna)
    await join_team(ben)
    for n in range(1, 8):
        await submit_idea(ben, text=f"Idee Nummer {n} für die Region", team="Aktions-Team Daseinsvorsorge")
    replies = await anna.send("/ideas")
    page = replies[-1]
    assert "(Seite 1/2)" in page.text
    assert page.button_texts() == [b for n in (7, 6, 5, 4, 3) for b in (f"👍 #{n} (0)", f"📜 Verlauf #{n}")] + ["▶"]
    await anna.press("▶", message=page)
    assert "(Seite 2/2)" in page.text
    assert "Idee Nummer 1 " in page.text and "Idee Nummer 3 " not in page.text
    assert page.button_texts() == ["👍 #2 (0)", "📜 Verlauf #2", "👍 #1 (0)", "📜 Verlauf #1", "◀"]
    await anna.press("◀", message=page)
    assert "(Seite 1/2)" in page.text


async def test_support_counts_once_per_person_and_pressing_again_withdraws(bot):
    anna = await bot.register(bot.user("Anna"))
    ben = await bot.register(bot.user("Ben"))
    cem = await bot.register(bot.user("Cem"))
    for user in (anna, ben, cem):
        await join_team(user)
    await submit_idea(anna, team="Aktions-Team Daseinsvorsorge")
    await ben.send("/ideas")
    await ben.press("👍 #1")
    assert ben.callback_answers[-1] == ("Du unterstützt diese Idee (👍 1).", False)
    assert ben.last_message().button_texts() == ["✅ 👍 #1 (1)", "📜 Verlauf #1"]
    await cem.send("/ideas")
    await cem.press("👍 #1")
    assert cem.last_message().button_texts() == ["✅ 👍 #1 (2)", "📜 Verlauf #1"]
    assert await supporters(bot) == sorted([cem.user_id, ben.user_id])
    await ben.press("👍 #1")
    assert ben.callback_answers[-1] == ("Unterstützung zurückgenommen (👍 1).", False)
    assert ben.last_message().button_texts() == ["👍 #1 (1)", "📜 Verlauf #1"]
    assert await supporters(bot) == [cem.user_id]


async def test_forged_support_for_an_idea_of_a_foreign_team_is_refused(bot):
    anna = await bot.register(bot.user("Anna"))
    ben = await bot.register(bot.user("Ben"))
    await join_team(anna, "Daseinsvorsorge")
    await join_team(ben, "Fachkräfte")
    await submit_idea(ben, team="Aktions-Team Fachkräfte")
    await submit_idea(anna, text="Annas Idee für ihr eigenes Team", team="Aktions-Team Daseinsvorsorge")
    page = (await anna.send("/ideas"))[-1]
    before = page.text
    await anna.press_data("sup:1:1:0", message=page)
    assert anna.callback_answers[-1] == ("Diese Idee gibt es nicht oder sie gehört nicht zu deinen Teams.", True)
    assert page.text == before
    assert await supporters(bot) == []


async def supporters(bot) -> list[int]:
    async with bot.db.transaction() as s:
        rows = await s.execute(select(Person.telegram_id).join(IdeaSupport, IdeaSupport.person_id == Person.id))
        return sorted(rows.scalars())
