"""Ideas without a team are seen and supported by every member, the project manager gives them a team,
and nobody supports their own idea (no 👍 button on it, a forged one is refused)."""

from __future__ import annotations

from sqlalchemy import func, select

from models.tables import AuditEntry, Idea, IdeaSupport, Outbox, Person, Team
from tests.test_ideas import IDEA, all_ideas, join_team, submit_idea, supporters

NO_TEAM = "Kein bestimmtes Team"
OWN_REFUSED = ("Das ist deine eigene Idee – unterstützen können sie nur die anderen. 🙂", True)


async def audit_entries(bot, action: str) -> list[AuditEntry]:
    async with bot.db.transaction() as s:
        return list((await s.execute(select(AuditEntry).where(AuditEntry.action == action))).scalars())


async def outbox_kinds(bot) -> list[str]:
    async with bot.db.transaction() as s:
        return sorted((await s.execute(select(Outbox.kind))).scalars())


async def team_id(bot, slug: str) -> int:
    async with bot.db.transaction() as s:
        return (await s.execute(select(Team.id).where(Team.slug == slug))).scalar_one()


async def teamless_list(user):
    """/ideas, then the button to the ideas without a team; returns that screen."""
    await user.send("/ideas")
    await user.press("Ideen ohne Team")
    return user.last_message()


# -- one's own idea ---------------------------------------------------------------------------------------


async def test_no_support_button_on_my_own_idea_but_its_count_is_shown(bot):
    anna = await bot.register(bot.user("Anna"))
    ben = await bot.register(bot.user("Ben"))
    await join_team(anna)
    await join_team(ben)
    await submit_idea(anna, team="Aktions-Team Daseinsvorsorge")
    await submit_idea(ben, text="Bens Idee: ein Repair-Café im Rathaus.", team="Aktions-Team Daseinsvorsorge")
    await ben.send("/ideas")
    assert ben.last_message().button_texts() == ["📜 Verlauf #2", "👍 #1 (0)", "📜 Verlauf #1"]  # not on his own #2
    await ben.press("👍 #1")
    page = (await anna.send("/ideas"))[-1]
    assert page.button_texts() == ["👍 #2 (0)", "📜 Verlauf #2", "📜 Verlauf #1"]
    assert "💡 deine Idee · 👍 1" in page.text
    assert await supporters(bot) == [ben.user_id]


async def test_a_forged_support_of_my_own_idea_is_refused_and_changes_nothing(bot):
    anna = await bot.register(bot.user("Anna"))
    await join_team(anna)
    await submit_idea(anna, team="Aktions-Team Daseinsvorsorge")
    await submit_idea(anna, text="Annas Idee ohne bestimmtes Team", team=NO_TEAM)
    page = (await anna.send("/ideas"))[-1]
    before = page.text
    await anna.press_data("sup:1:1:0", message=page)
    assert anna.callback_answers[-1] == OWN_REFUSED
    assert page.text == before
    await anna.press_data("sup:1:2:0:n", message=page)  # the team-less one, from the other list
    assert anna.callback_answers[-1] == OWN_REFUSED
    assert await supporters(bot) == []


# -- ideas without a team -----------------------------------------------------------------------------------


async def test_every_member_sees_ideas_without_a_team_and_can_support_them(bot):
    anna = await bot.register(bot.user("Anna"))  # in no team at all
    ben = await bot.register(bot.user("Ben"), group="Verwaltung", town="Rudolstadt")
    await join_team(ben)
    await submit_idea(ben, text="Bens Idee ohne bestimmtes Team", team=NO_TEAM)
    replies = await anna.send("/ideas")
    assert "In deinen Teams gibt es noch keine Ideen" in replies[-1].text
    assert replies[-1].button_texts() == ["💭 Ideen ohne Team (1)"]
    await anna.press("Ideen ohne Team")
    screen = anna.last_message()
    assert "Ideen ohne Team</b> (Seite 1/1)" in screen.html
    assert "Alle sehen sie" in screen.text
    assert "Bens Idee ohne bestimmtes Team" in screen.text and "von Verwaltung aus Rudolstadt" in screen.text
    assert "Ben" not in screen.text.replace("Bens Idee", "")
    # no "Team zuordnen" for members
    assert screen.button_texts() == ["👍 #1 (0)", "📜 Verlauf #1", "◀ Ideen deiner Teams"]
    await anna.press("👍 #1", message=screen)
    assert anna.callback_answers[-1] == ("Du unterstützt diese Idee (👍 1).", False)
    assert screen.button_texts()[0] == "✅ 👍 #1 (1)" and "Ideen ohne Team" in screen.text
    assert await supporters(bot) == [anna.user_id]
    await anna.press("◀ Ideen deiner Teams", message=screen)
    assert "In deinen Teams gibt es noch keine Ideen" in screen.text


async def test_the_author_sees_their_team_less_idea_without_a_support_button(bot):
    ben = await bot.register(bot.user("Ben"))
    await submit_idea(ben, text="Bens Idee ohne bestimmtes Team")
    screen = await teamless_list(ben)
    assert "Bens Idee ohne bestimmtes Team" in screen.text and "💡 deine Idee · 👍 0" in screen.text
    assert screen.button_texts() == ["📜 Verlauf #1", "◀ Ideen deiner Teams"]


async def test_ideas_without_a_team_are_paged(bot):
    anna = await bot.register(bot.user("Anna"))
    ben = await bot.register(bot.user("Ben"))
    for n in range(1, 7):
        await submit_idea(ben, text=f"Team-lose Idee Nummer {n} für die Region")
    screen = await teamless_list(anna)
    assert "(Seite 1/2)" in screen.text
    assert screen.button_texts() == [b for n in (6, 5, 4, 3, 2) for b in (f"👍 #{n} (0)", f"📜 Verlauf #{n}")] + [
        "▶",
        "◀ Ideen deiner Teams",
    ]
    await anna.press("▶", message=screen)
    assert "(Seite 2/2)" in screen.text and "Nummer 1 " in screen.text
    await anna.press("👍 #1", message=screen)
    assert "(Seite 2/2)" in screen.text and screen.button_texts()[0] == "✅ 👍 #1 (1)"


# -- the project manager gives an idea a team ---------------------------------------------------------------


async def test_the_manager_assigns_a_team_the_author_is_told_and_the_team_sees_it(bot):
    ben = await bot.register(bot.user("Ben"))
    cem = await bot.register(bot.user("Cem"))
    await join_team(cem, "Fachkräfte")
    await submit_idea(ben, text=IDEA)
    maria = await bot.register(bot.manager())
    screen = await teamless_list(maria)
    assert screen.button_texts() == ["👍 #1 (0)", "🏷 #1 Team zuordnen", "📜 Verlauf #1", "◀ Ideen deiner Teams"]
    await maria.press("Team zuordnen", message=screen)
    assert "Welchem Aktions-Team soll die Idee #1 gehören?" in screen.text and IDEA in screen.text
    assert screen.button_texts() == [
        "Aktions-Team Daseinsvorsorge",
        "Aktions-Team Fachkräfte",
        "Aktions-Team Bürgerschaftliches Engagement",
        "◀ Zurück",
    ]
    assert await audit_entries(bot, "assign_idea") == []
    await maria.press("Aktions-Team Fachkräfte", message=screen)
    assert maria.callback_answers[-1] == ("Idee #1 gehört jetzt zu: Aktions-Team Fachkräfte.", False)
    assert screen.text == "Zurzeit gibt es keine Ideen ohne Team."
    [idea] = await all_ideas(bot)
    assert idea.team_id == await team_id(bot, "fachkraefte")
    [entry] = await audit_entries(bot, "assign_idea")
    async with bot.db.transaction() as s:
        manager_id = (await s.execute(select(Person.id).where(Person.telegram_id == maria.user_id))).scalar_one()
    assert entry.actor_id == manager_id
    assert entry.details == {"idea": 1, "team": "fachkraefte", "told_author": True}
    assert await outbox_kinds(bot) == ["idea_assigned"]
    await bot.deliver()
    notice = ben.last_message().text
    assert "Deine Idee #1 hat jetzt ein Team: Aktions-Team Fachkräfte" in notice and IDEA in notice
    assert "Unter /teams kannst du beitreten" in notice  # Ben is not in that team
    page = (await cem.send("/ideas"))[-1]
    assert IDEA in page.text and page.button_texts() == ["👍 #1 (0)", "📜 Verlauf #1"]


async def test_an_author_in_the_chosen_team_gets_no_join_hint_and_an_english_one_reads_english(bot):
    anna = await bot.register(bot.user("Anna"))
    john = await bot.register(bot.user("John", "en"), evaluation="Yes", group="Citizen")
    await join_team(anna)
    await submit_idea(anna, text="Annas Idee ohne bestimmtes Team", team=NO_TEAM)
    await john.send("/idea")
    await john.send("A shuttle bus between the three towns on weekends.")
    await john.press("Civic engagement")
    await john.press("All three towns")
    await john.press("Submit")
    maria = await bot.register(bot.manager())
    await teamless_list(maria)
    for number in (2, 1):
        await maria.press(f"🏷 #{number} Team zuordnen")
        await maria.press("Aktions-Team Daseinsvorsorge")
    await bot.deliver()
    assert "Deine Idee #1 hat jetzt ein Team" in anna.last_message().text
    assert "/teams" not in anna.last_message().text
    assert "Your idea #2 now has a team: Action team public services" in john.last_message().text
    assert "Join it in /teams" in john.last_message().text


async def test_a_member_cannot_assign_a_team_even_with_a_forged_button(bot):
    anna = await bot.register(bot.user("Anna"))
    ben = await bot.register(bot.user("Ben"))
    await submit_idea(ben, text="Bens Idee ohne bestimmtes Team")
    screen = await teamless_list(anna)
    await anna.press_data("ida:1:1:0", message=screen)
    assert anna.callback_answers[-1] == ("Das darf nur das Projektmanagement.", True)
    await anna.press_data(f"ida:1:1:0:{await team_id(bot, 'fachkraefte')}", message=screen)
    assert anna.callback_answers[-1] == ("Das darf nur das Projektmanagement.", True)
    assert (await all_ideas(bot))[0].team_id is None
    assert await audit_entries(bot, "assign_idea") == [] and await outbox_kinds(bot) == []


async def test_an_idea_that_has_a_team_cannot_be_assigned_again(bot):
    ben = await bot.register(bot.user("Ben"))
    await join_team(ben)
    await submit_idea(ben, text="Bens Idee für sein Team", team="Aktions-Team Daseinsvorsorge")
    await submit_idea(ben, text="Bens Idee ohne bestimmtes Team", team=NO_TEAM)
    maria = await bot.register(bot.manager())
    await teamless_list(maria)
    await maria.press("🏷 #2 Team zuordnen")
    picker = maria.last_message()
    second = next(b.callback_data for b in picker.flat_buttons() if b.text == "Aktions-Team Fachkräfte")
    await maria.press("Aktions-Team Daseinsvorsorge", message=picker)
    await maria.press_data(second, message=picker)  # the same picker pressed again
    assert maria.callback_answers[-1] == ("Diese Idee gehört schon zu einem Team.", True)
    fachkraefte = await team_id(bot, "fachkraefte")
    await maria.press_data(f"ida:1:1:0:{fachkraefte}", message=picker)  # forged, for the team idea #1
    assert maria.callback_answers[-1] == ("Diese Idee gehört schon zu einem Team.", True)
    await maria.press_data("ida:1:99:0:1", message=picker)
    assert maria.callback_answers[-1][1] is True
    daseinsvorsorge = await team_id(bot, "daseinsvorsorge")
    assert [i.team_id for i in await all_ideas(bot)] == [daseinsvorsorge, daseinsvorsorge]
    assert len(await audit_entries(bot, "assign_idea")) == 1
    assert await outbox_kinds(bot) == ["idea_assigned"]


async def test_an_idea_of_an_erased_author_gets_a_team_without_a_message(bot):
    ben = await bot.register(bot.user("Ben"))
    await submit_idea(ben, text="Bens Idee ohne bestimmtes Team")
    await ben.send("/deleteme")
    await ben.press("Ja, alles löschen")
    maria = await bot.register(bot.manager())
    await teamless_list(maria)
    await maria.press("🏷 #1 Team zuordnen")
    await maria.press("Aktions-Team Fachkräfte")
    assert (await all_ideas(bot))[0].team_id == await team_id(bot, "fachkraefte")
    [entry] = await audit_entries(bot, "assign_idea")
    assert entry.details["told_author"] is False
    assert await outbox_kinds(bot) == []
    async with bot.db.transaction() as s:
        assert (await s.execute(select(func.count()).select_from(IdeaSupport))).scalar_one() == 0
        assert (await s.execute(select(Idea.author_id))).scalar_one() is None
