"""Team-lead stories: the project manager makes a member team lead, and a lead sees the team's members."""

from sqlalchemy import select

from models.tables import Membership, Person, Team

NOT_MANAGER = "Das darf nur das Projektmanagement."
NOT_LEAD = "Das dürfen nur die Teamleitung oder das Projektmanagement."


async def role_of(bot, user, slug: str = "fachkraefte") -> str | None:
    async with bot.db.transaction() as s:
        return (
            await s.execute(
                select(Membership.role)
                .join(Person, Person.id == Membership.person_id)
                .join(Team, Team.id == Membership.team_id)
                .where(Person.telegram_id == user.user_id, Team.slug == slug)
            )
        ).scalar_one_or_none()


async def ids_of(bot, user, slug: str = "fachkraefte") -> tuple[int, int]:
    async with bot.db.transaction() as s:
        person = (await s.execute(select(Person.id).where(Person.telegram_id == user.user_id))).scalar_one()
        team = (await s.execute(select(Team.id).where(Team.slug == slug))).scalar_one()
    return team, person


async def member_of(bot, name: str, team: str = "Aktions-Team Fachkräfte", **register):
    user = await bot.register(bot.user(name), **register)
    await user.send("/teams")
    await user.press(f"Beitreten: {team}")
    return user


async def make_lead(manager, name: str, team: str = "Aktions-Team Fachkräfte"):
    await manager.send("/makelead")
    await manager.press(team)
    return await manager.press(name)


def chat_menu(bot, user) -> list[str]:
    return [c["command"] for c in bot.fake.commands_for({"type": "chat", "chat_id": user.user_id})]


async def test_manager_is_registered_with_the_manager_role_and_menu_entry(bot):
    maria = await bot.register(bot.manager())
    assert "🎖 Teamleitung vergeben" in maria.last_message().button_texts()
    async with bot.db.transaction() as s:
        assert (await s.execute(select(Person.is_manager))).scalar_one() is True


async def test_manager_gets_makelead_in_their_own_command_menu_on_registration(bot):
    maria = await bot.register(bot.manager())
    assert {"members", "makelead"} <= set(chat_menu(bot, maria))  # lead and manager commands grow


async def test_non_manager_cannot_open_makelead(bot):
    anna = await member_of(bot, "Anna")
    replies = await anna.send("/makelead")
    assert [m.text for m in replies] == [NOT_MANAGER]
    assert await role_of(bot, anna) == "member"


async def test_forged_makelead_button_by_a_non_manager_changes_nothing(bot):
    await bot.register(bot.manager())
    anna = await member_of(bot, "Anna")
    team_id, person_id = await ids_of(bot, anna)
    [teams] = await anna.send("/teams")
    requests_before = len(bot.fake.requests)
    await anna.press_data(f"ml:1:p:{team_id}:{person_id}:0", message=teams)
    assert anna.callback_answers[-1] == (NOT_MANAGER, True)
    assert await role_of(bot, anna) == "member"
    assert not any(name == "setMyCommands" for name, _ in bot.fake.requests[requests_before:])


async def test_manager_picks_team_then_member_and_that_member_becomes_lead(bot):
    maria = await bot.register(bot.manager())
    anna = await member_of(bot, "Anna")
    [picker] = await maria.send("/makelead")
    assert picker.button_texts() == [
        "Aktions-Team Daseinsvorsorge",
        "Aktions-Team Fachkräfte",
        "Aktions-Team Bürgerschaftliches Engagement",
    ]
    await maria.press("Aktions-Team Fachkräfte")
    assert "Aktions-Team Fachkräfte (Seite 1/1)" in picker.text
    assert picker.button_texts() == ["Anna"]
    await maria.press("Anna")
    assert maria.callback_answers[-1] == ("Anna leitet jetzt Aktions-Team Fachkräfte.", False)
    assert picker.button_texts() == ["⭐ Anna"]
    assert [m.text for m in anna.messages if "jetzt Teamleitung" in m.text] == [
        "⭐ Du bist jetzt Teamleitung im Aktions-Team Fachkräfte. Unter /members siehst du die Mitglieder."
    ]
    assert await role_of(bot, anna) == "lead"


async def test_new_lead_is_told_in_their_own_language(bot):
    maria = await bot.register(bot.manager())
    john = await bot.register(bot.user("John", language_code="en"), group="Citizen", town="Saalfeld", evaluation="Yes")
    await john.send("/teams")
    await john.press("Join: Action team skilled workers")
    await make_lead(maria, "John")
    assert john.last_message().text.startswith("⭐ You are now team lead of the Action team skilled workers.")
    assert "members" in chat_menu(bot, john)
    assert bot.fake.commands_for({"type": "chat", "chat_id": john.user_id})[0]["description"] == (
        "Sign up or main menu"
    )


async def test_making_someone_lead_sets_their_chat_command_menu(bot):
    maria = await bot.register(bot.manager())
    anna = await member_of(bot, "Anna")
    await make_lead(maria, "Anna")
    calls = [p for name, p in bot.fake.requests if name == "setMyCommands"]
    assert {"type": "chat", "chat_id": anna.user_id} in [p.get("scope") for p in calls]
    assert "members" in chat_menu(bot, anna)
    assert "makelead" not in chat_menu(bot, anna)


async def test_new_lead_sees_members_in_help(bot):
    maria = await bot.register(bot.manager())
    anna = await member_of(bot, "Anna")
    await make_lead(maria, "Anna")
    [help_text] = await anna.send("/help")
    assert "/members – Mitglieder meiner Teams (Teamleitung)" in help_text.text
    assert "/makelead" not in help_text.text


async def test_pressing_again_takes_the_lead_role_back(bot):
    maria = await bot.register(bot.manager())
    anna = await member_of(bot, "Anna")
    await make_lead(maria, "Anna")
    await maria.press("Anna")
    assert maria.callback_answers[-1] == ("Anna leitet Aktions-Team Fachkräfte nicht mehr.", False)
    assert anna.last_message().text == "Du bist nicht mehr Teamleitung im Aktions-Team Fachkräfte."
    assert await role_of(bot, anna) == "member"
    assert "members" not in chat_menu(bot, anna)
    replies = await anna.send("/members")
    assert [m.text for m in replies] == [NOT_LEAD]


async def test_members_lists_the_team_of_a_lead_with_group_and_town(bot):
    maria = await bot.register(bot.manager())
    anna = await member_of(bot, "Anna", group="Bürger*in", town="Saalfeld")
    await member_of(bot, "Ben", group="Unternehmer*in", town="Rudolstadt")
    await member_of(bot, "Cleo", team="Aktions-Team Daseinsvorsorge")
    await make_lead(maria, "Anna")
    [members] = await anna.send("/members")
    assert members.text.startswith(
        "Aktions-Team Fachkräfte (2)\n⭐ Anna – Bürger*in, Saalfeld\n• Ben – Unternehmer*in, Rudolstadt\n"
    )
    assert "🧩 Aus Bad Blankenburg ist noch niemand dabei." in members.text  # the team mix (tests/test_team_mix.py)


async def test_manager_sees_members_of_every_team(bot):
    maria = await bot.register(bot.manager())
    await member_of(bot, "Anna")
    await member_of(bot, "Cleo", team="Aktions-Team Daseinsvorsorge", town="anderer Ort")
    [members] = await maria.send("/members")
    assert "Aktions-Team Daseinsvorsorge (1)\n• Cleo – Bürger*in, anderer Ort" in members.text
    assert "Aktions-Team Fachkräfte (1)\n• Anna – Bürger*in, Saalfeld" in members.text
    assert "Aktions-Team Bürgerschaftliches Engagement (0)" in members.text


async def test_member_who_is_not_lead_cannot_list_members(bot):
    anna = await member_of(bot, "Anna")
    replies = await anna.send("/members")
    assert [m.text for m in replies] == [NOT_LEAD]


async def test_member_not_in_the_team_cannot_be_made_lead(bot):
    maria = await bot.register(bot.manager())
    anna = await member_of(bot, "Anna", team="Aktions-Team Daseinsvorsorge")
    await maria.send("/makelead")
    await maria.press("Aktions-Team Fachkräfte")
    assert "noch keine Mitglieder" in maria.last_message().text
    team_id, person_id = await ids_of(bot, anna, "fachkraefte")
    await maria.press_data(f"ml:1:p:{team_id}:{person_id}:0", message=maria.last_message())
    assert maria.callback_answers[-1] == ("Diese Person ist nicht (mehr) im Team.", True)
    assert await role_of(bot, anna, "fachkraefte") is None
    assert await role_of(bot, anna, "daseinsvorsorge") == "member"
    assert anna.last_message().text.startswith("Die Aktions-Teams")  # she was told nothing


async def test_lead_who_leaves_the_team_loses_the_members_command(bot):
    maria = await bot.register(bot.manager())
    anna = await member_of(bot, "Anna")
    await make_lead(maria, "Anna")
    await anna.send("/teams")
    await anna.press("Verlassen: Aktions-Team Fachkräfte")
    assert await role_of(bot, anna) is None
    assert "members" not in chat_menu(bot, anna)


async def test_member_list_shows_html_names_escaped(bot):
    maria = await bot.register(bot.manager())
    mallory = await member_of(bot, "<script>alert(1)</script>")
    await make_lead(maria, "<script>alert(1)</script>")
    [members] = await mallory.send("/members")
    assert "⭐ <script>alert(1)</script> – Bürger*in, Saalfeld" in members.text
    assert "&lt;script&gt;" in members.html


async def test_making_a_member_who_blocked_the_bot_lead_still_works(bot):
    maria = await bot.register(bot.manager())
    anna = await member_of(bot, "Anna")
    bot.fake.block(anna.user_id)
    await make_lead(maria, "Anna")
    assert maria.callback_answers[-1] == ("Anna leitet jetzt Aktions-Team Fachkräfte.", False)
    assert await role_of(bot, anna) == "lead"
    async with bot.db.transaction() as s:
        unreachable = (
            await s.execute(select(Person.unreachable_at).where(Person.telegram_id == anna.user_id))
        ).scalar_one()
    assert unreachable is not None


async def test_makelead_for_a_missing_team_answers_politely(bot):
    maria = await bot.register(bot.manager())
    [picker] = await maria.send("/makelead")
    await maria.press_data("ml:1:t:999:0", message=picker)
    assert maria.callback_answers[-1] == ("Dieses Team gibt es nicht (mehr).", True)
