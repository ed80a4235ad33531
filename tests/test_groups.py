"""A team's Telegram group: /linkgroup by a lead, meeting messages in the group, supergroup moves."""

from datetime import timedelta

from sqlalchemy import select

from models.meetings import core as meetings
from models.tables import Person, Rsvp, Team, TeamGroup
from tests.meeting_helpers import in_days, person_of, schedule, team_with_members

LINK = "/linkgroup@actionbot_test_bot"


async def linked_groups(bot):
    async with bot.db.transaction() as s:
        return [(g.team_id, g.chat_id, g.title) for g in (await s.execute(select(TeamGroup))).scalars()]


def reminders(chat):
    return [m for m in chat.messages if m.text.startswith("⏰ Erinnerung")]


def invitations(chat):
    return [m for m in chat.messages if m.text.startswith("📨 Einladung")]


async def linked_team_and_group(bot):
    team, lead, members = await team_with_members(bot)
    group = bot.fake.group("Daseinsvorsorge Saalfeld")
    await lead.send_in(group, LINK)
    return team, lead, members, group


async def make_lead_of_second_team(bot, lead):
    async with bot.db.transaction() as s:
        second = (await s.execute(select(Team).where(Team.slug != "daseinsvorsorge").order_by(Team.id))).scalars()
        second = second.first()
    await lead.send("/teams")
    await lead.press(f"Beitreten: {second.name_de}")
    manager = bot.manager()
    await manager.send("/makelead")
    await manager.press(second.name_de)
    await manager.press("Lea")
    return second


async def test_lead_links_the_group_with_linkgroup(bot):
    team, _, _, group = await linked_team_and_group(bot)
    assert "jetzt mit dem" in group.last_message().text and team.name_de in group.last_message().text
    assert await linked_groups(bot) == [(team.id, group.chat_id, "Daseinsvorsorge Saalfeld")]


async def test_linked_group_gets_the_invitation_and_the_reminder(bot):
    team, lead, _, group = await linked_team_and_group(bot)
    meeting = await schedule(bot, lead, team, in_days(bot, 3))
    await bot.deliver()
    assert "Werkstatt Mobilität" in invitations(group)[-1].text
    bot.clock.set(meeting.starts_at - timedelta(hours=24))
    await bot.deliver()
    assert len(reminders(group)) == 1


async def test_linked_group_gets_change_and_cancel_notices(bot):
    team, lead, _, group = await linked_team_and_group(bot)
    meeting = await schedule(bot, lead, team, in_days(bot, 3))
    towns = [t.key for t in bot.config.towns]
    async with bot.db.transaction() as s:
        actor = await person_of(bot, lead)
        await meetings.change_meeting(
            s, actor, meeting.id, {"agenda": "Neu"}, bot.clock.now(), bot.config.meetings, towns
        )
    await bot.deliver()
    assert any("geändert" in m.text for m in group.messages)
    async with bot.db.transaction() as s:
        await meetings.cancel_meeting(s, await person_of(bot, lead), meeting.id, bot.clock.now())
    await bot.deliver()
    assert "Abgesagt" in group.last_message().text


async def test_group_linked_after_scheduling_gets_the_upcoming_meetings(bot):
    team, lead, _ = await team_with_members(bot)
    meeting = await schedule(bot, lead, team, in_days(bot, 3))
    await bot.deliver()
    group = bot.fake.group("Spät verbunden")
    await lead.send_in(group, LINK)
    assert "(1)" in group.last_message().text
    await bot.deliver()
    assert len(invitations(group)) == 1
    bot.clock.set(meeting.starts_at - timedelta(hours=2))
    await bot.deliver()
    assert len(reminders(group)) == 1


async def test_member_who_is_not_lead_is_refused(bot):
    _, _, (anna, _) = await team_with_members(bot)
    group = bot.fake.group()
    await anna.send_in(group, LINK)
    assert "nur die Teamleitung" in group.last_message().text
    assert await linked_groups(bot) == []


async def test_unregistered_person_is_asked_to_register_privately(bot):
    stranger = bot.user("Fremd")
    group = bot.fake.group()
    await stranger.send_in(group, LINK)
    hint = group.last_message()
    assert "privat" in hint.text
    assert hint.flat_buttons()[0].url == "https://t.me/actionbot_test_bot"
    assert await linked_groups(bot) == []


async def test_lead_of_several_teams_picks_the_team(bot):
    _, lead, _ = await team_with_members(bot)
    second = await make_lead_of_second_team(bot, lead)
    group = bot.fake.group()
    await lead.send_in(group, LINK)
    assert "Mit welchem deiner Teams" in group.last_message().text
    await lead.press(second.name_de, chat=group)
    assert second.name_de in group.last_message().text
    assert [(t, c) for t, c, _ in await linked_groups(bot)] == [(second.id, group.chat_id)]


async def test_only_the_lead_who_asked_can_pick_the_team(bot):
    _, lead, (anna, _) = await team_with_members(bot)
    second = await make_lead_of_second_team(bot, lead)
    group = bot.fake.group()
    await lead.send_in(group, LINK)
    await anna.press(second.name_de, chat=group)
    assert "gehört zu der Person" in anna.callback_answers[-1][0]
    assert await linked_groups(bot) == []


async def test_linking_a_second_group_replaces_the_first(bot):
    team, lead, _, first = await linked_team_and_group(bot)
    second = bot.fake.group("Neue Gruppe")
    await lead.send_in(second, LINK)
    assert "Daseinsvorsorge Saalfeld" in second.last_message().text and "nichts mehr" in second.last_message().text
    assert await linked_groups(bot) == [(team.id, second.chat_id, "Neue Gruppe")]
    await schedule(bot, lead, team, in_days(bot, 3))
    await bot.deliver()
    assert invitations(second) and not invitations(first)


async def test_unlinkgroup_removes_the_link(bot):
    team, lead, _, group = await linked_team_and_group(bot)
    await lead.send_in(group, "/unlinkgroup@actionbot_test_bot")
    assert "Verbindung" in group.last_message().text and "gelöst" in group.last_message().text
    assert await linked_groups(bot) == []
    await schedule(bot, lead, team, in_days(bot, 3))
    await bot.deliver()
    assert invitations(group) == []


async def test_group_that_became_a_supergroup_gets_the_next_reminder_at_the_new_id(bot):
    team, lead, _, group = await linked_team_and_group(bot)
    meeting = await schedule(bot, lead, team, in_days(bot, 3))
    await bot.deliver()
    supergroup = bot.fake.migrate_group(group.chat_id, -1001234567890)
    bot.clock.set(meeting.starts_at - timedelta(hours=24))
    await bot.deliver()
    assert len(reminders(supergroup)) == 1 and reminders(group) == []
    assert [c for _, c, _ in await linked_groups(bot)] == [supergroup.chat_id]


async def test_migration_service_message_moves_the_link(bot):
    team, lead, _, group = await linked_team_and_group(bot)
    new_id = -1009876543210
    update = {
        "message": {
            "message_id": group.next_message_id(),
            "from": lead.user_json(),
            "chat": group.chat_json,
            "date": 0,
            "migrate_to_chat_id": new_id,
        }
    }
    await bot.fake.dispatch(update, group.chat_id)
    assert [c for _, c, _ in await linked_groups(bot)] == [new_id]
    supergroup = bot.fake.migrate_group(group.chat_id, new_id)
    await schedule(bot, lead, team, in_days(bot, 3))
    await bot.deliver()
    assert invitations(supergroup) and not invitations(group)


async def test_calendar_button_in_the_group_sends_the_file_privately(bot):
    team, lead, (anna, _), group = await linked_team_and_group(bot)
    await schedule(bot, lead, team, in_days(bot, 3))
    await bot.deliver()
    await anna.press("In den Kalender", chat=group)
    assert "privat" in anna.callback_answers[-1][0]
    assert anna.last_message().document is not None
    assert not [m for m in group.messages if m.document]


async def test_help_tells_leads_about_linkgroup(bot):
    _, lead, (anna, _) = await team_with_members(bot)
    await lead.send("/help")
    assert "/linkgroup" in lead.last_message().text
    await anna.send("/help")
    assert "/linkgroup" not in anna.last_message().text


async def test_answering_under_the_groups_invitation_records_it_without_editing_the_shared_message(bot):
    team, lead, (anna, _), group = await linked_team_and_group(bot)
    meeting = await schedule(bot, lead, team, in_days(bot, 3))
    await bot.deliver()
    shared = invitations(group)[-1]
    before = shared.text
    await anna.press("Absage", message=shared, chat=group)
    assert shared.text == before and not shared.edited
    assert "Absage" in anna.callback_answers[-1][0]
    async with bot.db.transaction() as s:
        person = (await s.execute(select(Person).where(Person.telegram_id == anna.user_id))).scalar_one()
        assert (await s.get(Rsvp, (meeting.id, person.id))).answer == "no"
