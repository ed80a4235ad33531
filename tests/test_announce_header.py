"""Every announcement arrives under a header naming its sender and her role, in the recipient's language."""

from sqlalchemy import select

from models.tables import Person
from tests.announce_helpers import ANNOUNCE_TEXT, MANAGER_HEADER, send_now
from tests.meeting_helpers import team_with_members

DASEIN = "Aktions-Team Daseinsvorsorge"


def announcement(user):
    return [m for m in user.messages if m.text.endswith(ANNOUNCE_TEXT)][-1]


async def test_the_managers_announcement_names_her_and_the_project_management(bot):
    team, lead, (anna, _) = await team_with_members(bot)
    await send_now(bot, bot.manager(), DASEIN)
    assert announcement(anna).text == f"{MANAGER_HEADER}\n\n{ANNOUNCE_TEXT}"
    assert announcement(lead).text.split("\n")[0] == "📣 Mitteilung von Maria, Projektmanagement"


async def test_a_leads_announcement_names_her_as_the_teams_lead(bot):
    team, lead, (anna, ben) = await team_with_members(bot)
    await send_now(bot, lead)  # a lead of one team addresses it without choosing
    header = "📣 Mitteilung von Lea, Teamleitung Aktions-Team Daseinsvorsorge"
    assert announcement(anna).text == f"{header}\n\n{ANNOUNCE_TEXT}"
    assert announcement(ben).text.startswith(header)


async def test_an_english_member_reads_the_header_in_english(bot):
    team, lead, (anna, _) = await team_with_members(bot)
    async with bot.db.transaction() as s:
        person = (await s.execute(select(Person).where(Person.telegram_id == anna.user_id))).scalar_one()
        person.language = "en"
    await send_now(bot, bot.manager(), DASEIN)
    assert announcement(anna).text.split("\n")[0] == "📣 Announcement from Maria, project management"
    assert announcement(lead).text.split("\n")[0] == MANAGER_HEADER


async def test_the_preview_and_test_to_me_show_the_header_too(bot):
    team, lead, _ = await team_with_members(bot)
    await lead.send("/announce")
    await lead.send(ANNOUNCE_TEXT)
    await lead.press("Weiter")
    header = "📣 Mitteilung von Lea, Teamleitung Aktions-Team Daseinsvorsorge"
    assert lead.texts()[-2] == f"{header}\n\n{ANNOUNCE_TEXT}"
    await lead.press("🧪 Test an mich")
    assert lead.texts()[-1] == f"{header}\n\n{ANNOUNCE_TEXT}"
