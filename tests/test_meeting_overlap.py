"""Planning or moving a meeting into the time of another meeting of the same team or of the lead warns; she may
go on all the same."""

from datetime import UTC, datetime

from sqlalchemy import func, select

from models.tables import Meeting, Team
from tests.meeting_helpers import schedule, team_with_members

SAALFELD_1700 = datetime(2026, 12, 3, 16, 0, tzinfo=UTC)  # Thu 17:00 in Berlin, 90 minutes: until 18:30
WARNING = "⚠️ Überschneidung: Zur selben Zeit ist schon ein Treffen geplant:"


async def plan_until_confirm(lead, when: str, town: str = "Rudolstadt", title: str = "Bürgerbus-Runde"):
    """/meeting typed through to the confirmation screen (before "Einladen")."""
    await lead.send("/meeting")
    await lead.send(title)
    await lead.send(when)
    await lead.press("90 Min.")
    await lead.press(town)
    await lead.send("Schlossstraße 5")
    await lead.press("Überspringen")
    await lead.press("24 h + 2 h")
    return lead.last_message()


async def meetings_count(bot) -> int:
    async with bot.db.transaction() as s:
        return (await s.execute(select(func.count()).select_from(Meeting))).scalar_one()


async def test_planning_into_the_teams_meeting_warns_and_she_may_go_on(bot):
    team, lead, _ = await team_with_members(bot)
    await schedule(bot, lead, team, SAALFELD_1700, title="Werkstatt Mobilität")
    confirm = await plan_until_confirm(lead, "03.12.2026 18:00")
    assert WARNING in confirm.text
    assert (
        "• „Werkstatt Mobilität“ (Aktions-Team Daseinsvorsorge): Do., 3. Dez. 2026, 17:00 Uhr bis 18:30 Uhr, "
        "📍 Markt 1, Saalfeld" in confirm.text
    )
    assert "Du kannst trotzdem einladen." in confirm.text
    await lead.press("Einladen ✅", message=confirm)
    assert lead.last_message().text.startswith("✅ „Bürgerbus-Runde“ ist geplant.")
    assert await meetings_count(bot) == 2


async def test_a_meeting_right_after_the_other_ends_does_not_warn(bot):
    team, lead, _ = await team_with_members(bot)
    await schedule(bot, lead, team, SAALFELD_1700)
    confirm = await plan_until_confirm(lead, "03.12.2026 18:30")
    assert "Überschneidung" not in confirm.text
    assert "Einladen ✅" in confirm.button_texts()


async def test_a_meeting_of_another_team_she_leads_warns_but_not_one_of_a_foreign_team(bot):
    team, lead, _ = await team_with_members(bot)
    async with bot.db.transaction() as s:
        other = (await s.execute(select(Team).where(Team.slug == "fachkraefte"))).scalar_one()
        third = (await s.execute(select(Team).where(Team.slug == "engagement"))).scalar_one()
    manager = bot.manager()
    await lead.send("/teams")
    await lead.press(f"Beitreten: {other.name_de}")
    await manager.send("/makelead")
    await manager.press(other.name_de)
    await manager.press("Lea")
    await schedule(bot, manager, third, SAALFELD_1700, title="Fremdes Treffen")  # Lea is not in this team
    await schedule(bot, lead, other, SAALFELD_1700, title="Fachkräfte-Stammtisch")
    await lead.send("/meeting")
    await lead.press(team.name_de)
    await lead.send("Bürgerbus-Runde")
    await lead.send("03.12.2026 18:00")
    await lead.press("90 Min.")
    await lead.press("Online")
    await lead.send("https://meet.example.org/bus")
    await lead.press("Überspringen")
    await lead.press("24 h + 2 h")
    text = lead.last_message().text
    assert WARNING in text and "„Fachkräfte-Stammtisch“ (Aktions-Team Fachkräfte)" in text
    assert "Fremdes Treffen" not in text


async def test_moving_a_meeting_into_another_warns_after_the_change(bot):
    team, lead, _ = await team_with_members(bot)
    await schedule(bot, lead, team, SAALFELD_1700, title="Werkstatt Mobilität")
    await schedule(bot, lead, team, datetime(2026, 12, 4, 16, 0, tzinfo=UTC), title="Bürgerbus-Runde")
    await lead.send("/meetings")
    card = [m for m in lead.messages if "Bürgerbus-Runde" in m.text][-1]
    await lead.press("✏️ Ändern", message=card)
    await lead.press("🕕 Zeit", message=card)
    [reply] = await lead.send("03.12.2026 18:00")
    assert reply.text.startswith("✅ Geändert.")
    assert WARNING in reply.text and "„Werkstatt Mobilität“" in reply.text
    assert "Die Zeit kannst du unter /meetings noch einmal ändern." in reply.text
    await lead.send("/meetings")
    card = [m for m in lead.messages if "Werkstatt Mobilität" in m.text and "Anstehendes" in m.text][-1]
    await lead.press("✏️ Ändern", message=card)
    await lead.press("📍 Ort", message=card)
    await lead.press("Saalfeld", message=card)
    [reply] = await lead.send("Markt 2")
    assert "Überschneidung" not in reply.text  # only a change of time warns
