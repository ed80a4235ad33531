"""Team stories: members see the action teams, join and leave them, and share invitation links."""

from sqlalchemy import func, select

from models.tables import Draft, Membership, Person, Team


async def memberships(bot, user=None) -> list[tuple[str, str]]:
    """(team slug, role) of `user` (or of everyone), in team order."""
    async with bot.db.transaction() as s:
        q = select(Team.slug, Membership.role).join(Membership, Membership.team_id == Team.id)
        if user is not None:
            q = q.join(Person, Person.id == Membership.person_id).where(Person.telegram_id == user.user_id)
        return [(slug, role) for slug, role in await s.execute(q.order_by(Team.id))]


async def test_teams_lists_the_three_teams_with_field_description_and_member_count(bot):
    anna = await bot.register(bot.user("Anna"))
    [teams] = await anna.send("/teams")
    assert teams.text.startswith("Die Aktions-Teams")
    for name, field, description in [
        ("Aktions-Team Daseinsvorsorge", "Daseinsvorsorge", "Versorgung, Mobilität und Gesundheit"),
        ("Aktions-Team Fachkräfte", "Fachkräfte", "Fachkräfte gewinnen, halten"),
        ("Aktions-Team Bürgerschaftliches Engagement", "Bürgerschaftliches Engagement", "Ehrenamt stärken"),
    ]:
        assert f"{name}\n{field}\n{description}" in teams.text
    assert teams.text.count("Noch keine Mitglieder.") == 3
    assert teams.button_texts() == [
        "➕ Beitreten: Aktions-Team Daseinsvorsorge",
        "➕ Beitreten: Aktions-Team Fachkräfte",
        "➕ Beitreten: Aktions-Team Bürgerschaftliches Engagement",
    ]


async def test_join_button_joins_and_redraws_the_list(bot):
    anna = await bot.register(bot.user("Anna"), town="Rudolstadt")
    [teams] = await anna.send("/teams")
    replies = await anna.press("Beitreten: Aktions-Team Fachkräfte")
    assert replies == [teams]
    assert anna.callback_answers[-1] == ("Willkommen im Aktions-Team Fachkräfte!", False)
    assert "Aktions-Team Fachkräfte (Mitglied)" in teams.text
    assert "1 Mitglied: Rudolstadt 1" in teams.text
    assert "➖ Verlassen: Aktions-Team Fachkräfte" in teams.button_texts()
    assert await memberships(bot, anna) == [("fachkraefte", "member")]


async def test_leave_button_leaves_and_redraws_the_list(bot):
    anna = await bot.register(bot.user("Anna"))
    [teams] = await anna.send("/teams")
    await anna.press("Beitreten: Aktions-Team Fachkräfte")
    await anna.press("Verlassen: Aktions-Team Fachkräfte")
    assert anna.callback_answers[-1] == ("Du hast das Aktions-Team Fachkräfte verlassen.", False)
    assert "➕ Beitreten: Aktions-Team Fachkräfte" in teams.button_texts()
    assert teams.text.count("Noch keine Mitglieder.") == 3
    assert await memberships(bot, anna) == []


async def test_pressing_join_twice_on_the_old_message_keeps_one_membership(bot):
    anna = await bot.register(bot.user("Anna"))
    [teams] = await anna.send("/teams")
    join = next(b.callback_data for b in teams.flat_buttons() if "Fachkräfte" in b.text)
    await anna.press_data(join, message=teams)
    await anna.press_data(join, message=teams)
    assert anna.callback_answers[-1] == ("Du bist schon im Aktions-Team Fachkräfte.", False)
    assert await memberships(bot, anna) == [("fachkraefte", "member")]


async def test_leaving_twice_says_not_a_member(bot):
    anna = await bot.register(bot.user("Anna"))
    [teams] = await anna.send("/teams")
    await anna.press("Beitreten: Aktions-Team Fachkräfte")
    leave = next(b.callback_data for b in teams.flat_buttons() if "Verlassen" in b.text)
    await anna.press_data(leave, message=teams)
    await anna.press_data(leave, message=teams)
    assert anna.callback_answers[-1] == ("Du bist nicht im Aktions-Team Fachkräfte.", False)
    assert await memberships(bot, anna) == []


async def test_a_person_can_be_in_several_teams(bot):
    anna = await bot.register(bot.user("Anna"))
    await anna.send("/teams")
    await anna.press("Beitreten: Aktions-Team Daseinsvorsorge")
    await anna.press("Beitreten: Aktions-Team Bürgerschaftliches Engagement")
    assert await memberships(bot, anna) == [("daseinsvorsorge", "member"), ("engagement", "member")]
    [mine] = await anna.send("/myteams")
    assert "Aktions-Team Daseinsvorsorge (Mitglied)" in mine.text
    assert "Aktions-Team Bürgerschaftliches Engagement (Mitglied)" in mine.text
    assert "Fachkräfte" not in mine.text


async def test_member_mix_counts_people_by_town(bot):
    for name, town in [("Anna", "Saalfeld"), ("Ben", "Rudolstadt"), ("Cleo", "Saalfeld"), ("Dan", "anderer Ort")]:
        user = await bot.register(bot.user(name), town=town)
        await user.send("/teams")
        await user.press("Beitreten: Aktions-Team Daseinsvorsorge")
    eve = await bot.register(bot.user("Eve"), town="Bad Blankenburg")
    await eve.send("/teams")
    await eve.press("Beitreten: Aktions-Team Fachkräfte")
    [teams] = await eve.send("/teams")
    assert "4 Mitglieder: Saalfeld 2 · Rudolstadt 1 · anderer Ort 1" in teams.text
    assert "1 Mitglied: Bad Blankenburg 1" in teams.text
    async with bot.db.transaction() as s:
        assert (await s.execute(select(func.count()).select_from(Membership))).scalar_one() == 5


async def test_myteams_lists_my_teams_with_the_invitation_link(bot):
    anna = await bot.register(bot.user("Anna"))
    await anna.send("/teams")
    await anna.press("Beitreten: Aktions-Team Fachkräfte")
    [mine] = await anna.send("/myteams")
    assert "Deine Aktions-Teams" in mine.text
    assert "Aktions-Team Fachkräfte (Mitglied)" in mine.text
    assert f"https://t.me/{bot.fake.bot_username}?start=team-fachkraefte" in mine.text
    assert bot.fake.bot_username == "actionbot_test_bot"
    assert mine.button_texts() == ["➖ Verlassen: Aktions-Team Fachkräfte"]


async def test_myteams_without_teams_points_to_the_team_list(bot):
    anna = await bot.register(bot.user("Anna"))
    [mine] = await anna.send("/myteams")
    assert mine.text == "Du bist noch in keinem Aktions-Team."
    await anna.press("Aktions-Teams")
    assert "Die Aktions-Teams" in anna.last_message().text


async def test_deep_link_carries_through_registration_and_joins_at_the_end(bot):
    anna = bot.user("Anna")
    replies = await anna.send("/start team-fachkraefte")
    assert "Datenschutz" in replies[-1].text
    await anna.press("Einverstanden")
    assert await memberships(bot, anna) == []
    await anna.press("Ja")
    await anna.press("Bürger*in")
    replies = await anna.press("Saalfeld")
    texts = [m.text for m in replies]
    assert "Willkommen im Aktions-Team Fachkräfte!" in texts
    assert texts[-1] == "Was möchtest du tun?"
    assert await memberships(bot, anna) == [("fachkraefte", "member")]
    async with bot.db.transaction() as s:
        assert (await s.execute(select(func.count()).select_from(Draft))).scalar_one() == 0


async def test_deep_link_while_half_registered_joins_at_the_end(bot):
    anna = bot.user("Anna")
    await anna.send("/start")
    await anna.press("Einverstanden")
    replies = await anna.send("/start team-daseinsvorsorge")
    [question] = replies  # the open question again
    assert question.text.startswith("Dürfen deine Angaben pseudonymisiert")
    assert question.button_texts() == ["Ja", "Nein"]
    await anna.press("Nein", message=replies[-1])
    await anna.press("Verwaltung")
    await anna.press("Rudolstadt")
    assert await memberships(bot, anna) == [("daseinsvorsorge", "member")]


async def test_deep_link_joins_a_registered_member_directly(bot):
    anna = await bot.register(bot.user("Anna"))
    replies = await anna.send("/start team-engagement")
    assert [m.text for m in replies] == [
        "Willkommen im Aktions-Team Bürgerschaftliches Engagement!",
        "Was möchtest du tun?",
    ]
    assert await memberships(bot, anna) == [("engagement", "member")]


async def test_deep_link_for_a_member_already_in_the_team_says_so(bot):
    anna = await bot.register(bot.user("Anna"))
    await anna.send("/start team-engagement")
    replies = await anna.send("/start team-engagement")
    assert replies[0].text == "Du bist schon im Aktions-Team Bürgerschaftliches Engagement."
    assert await memberships(bot, anna) == [("engagement", "member")]


async def test_deep_link_keeps_an_open_idea_draft(bot):
    anna = await bot.register(bot.user("Anna"))
    await anna.send("/idea")
    async with bot.db.transaction() as s:
        before = (await s.execute(select(Draft.flow))).scalar_one_or_none()
    await anna.send("/start team-engagement")
    async with bot.db.transaction() as s:
        after = (await s.execute(select(Draft.flow))).scalar_one_or_none()
    assert before == after == "idea"
    assert await memberships(bot, anna) == [("engagement", "member")]


async def test_deep_link_to_an_unknown_team_says_so_and_changes_nothing(bot):
    anna = await bot.register(bot.user("Anna"))
    replies = await anna.send("/start team-gibtsnicht")
    assert replies[0].text.startswith("Das Team aus diesem Link gibt es nicht (mehr).")
    assert replies[-1].text == "Was möchtest du tun?"
    assert await memberships(bot, anna) == []


async def test_deep_link_to_an_unknown_team_before_registration_stores_nothing(bot):
    anna = bot.user("Anna")
    replies = await anna.send("/start team-gibtsnicht")
    assert replies[0].text.startswith("Das Team aus diesem Link gibt es nicht (mehr).")
    assert "Datenschutz" in replies[-1].text
    assert replies[-1].flat_buttons()[0].callback_data == "consent:1:yes"
    async with bot.db.transaction() as s:
        assert (await s.execute(select(func.count()).select_from(Person))).scalar_one() == 0


async def test_forged_join_for_a_missing_team_is_refused(bot):
    anna = await bot.register(bot.user("Anna"))
    [teams] = await anna.send("/teams")
    await anna.press_data("team:1:join:999", message=teams)
    assert anna.callback_answers[-1] == ("Dieses Team gibt es nicht (mehr).", True)
    assert await memberships(bot) == []


async def test_team_button_with_garbage_id_answers_politely(bot):
    anna = await bot.register(bot.user("Anna"))
    [teams] = await anna.send("/teams")
    await anna.press_data("team:1:join:abc", message=teams)
    assert anna.callback_answers[-1] == ("Dieser Knopf ist nicht mehr aktuell. Tippe /start für das Menü.", True)
    assert await memberships(bot) == []


async def test_teams_are_shown_in_english_for_english_members(bot):
    john = await bot.register(bot.user("John", language_code="en"), group="Citizen", town="Saalfeld", evaluation="Yes")
    [teams] = await john.send("/teams")
    assert "Action team public services\nPublic services\nSecuring supply" in teams.text
    await john.press("Join: Action team public services")
    assert john.callback_answers[-1] == ("Welcome to the Action team public services!", False)
    assert "1 member: Saalfeld 1" in teams.text
