"""Team mix: a team lacking a town or a stakeholder group shows it in /members (to its lead and the manager), and
an announcement can reach exactly the people who could fill the gap: of a town × group pair nobody in the team
comes from, never a member, never someone who opted out."""

from __future__ import annotations

from sqlalchemy import select

from models.tables import AuditEntry, Person
from tests.announce_helpers import ANNOUNCE_TEXT, compose, copies, rows
from tests.meeting_helpers import team_with_members
from tests.test_roles import make_lead, member_of

DASEIN = "Aktions-Team Daseinsvorsorge"
FACH = "Aktions-Team Fachkräfte"
GAP = f"🧩 Lücken füllen: {DASEIN}"
NO_BB = "🧩 Aus Bad Blankenburg ist noch niemand dabei."
NO_ADMIN = "🧩 Noch niemand aus der Verwaltung dabei."
NO_ENTREPRENEURS = "🧩 Noch keine Unternehmer*innen dabei."


async def test_members_shows_the_gaps_to_the_lead_until_someone_fills_them(bot):
    maria = await bot.register(bot.manager())
    anna = await member_of(bot, "Anna", group="Bürger*in", town="Saalfeld")
    await member_of(bot, "Ben", group="Unternehmer*in", town="Rudolstadt")
    await make_lead(maria, "Anna")
    text = (await anna.send("/members"))[-1].text
    assert NO_BB in text and NO_ADMIN in text and NO_ENTREPRENEURS not in text
    assert "Gezielt einladen: „📣 Lücken füllen“" in text
    cleo = await member_of(bot, "Cleo", group="Verwaltung", town="Bad Blankenburg")
    text = (await anna.send("/members"))[-1].text
    assert "🧩" not in text and "Cleo – Verwaltung, Bad Blankenburg" in text
    await cleo.send("/teams")
    await cleo.press(f"Verlassen: {FACH}")
    assert NO_BB in (await anna.send("/members"))[-1].text  # the gap is back
    text = (await maria.send("/members"))[-1].text  # the manager sees every team's gaps
    empty = text.split(f"{DASEIN} (0)")[1].split("\n\n")[0]
    assert "Aus Saalfeld, Rudolstadt und Bad Blankenburg ist noch niemand dabei." in empty
    assert "Noch keine Bürger*innen dabei." in empty and NO_ENTREPRENEURS in empty


async def test_english_hints_name_the_missing_town_and_group(bot):
    maria = await bot.register(bot.manager())
    john = await bot.register(bot.user("John", "en"), evaluation="Yes", group="Citizen", town="Saalfeld")
    await john.send("/teams")
    await john.press("Join: Action team skilled workers")
    await make_lead(maria, "John")
    text = (await john.send("/members"))[-1].text
    assert "🧩 Nobody from Rudolstadt and Bad Blankenburg has joined yet." in text
    assert "🧩 No entrepreneurs have joined yet." in text


async def people_around_the_team(bot):
    """Daseinsvorsorge has only citizens (Lea from Bad Blankenburg leads, members from Saalfeld and Rudolstadt) and
    one entrepreneur from Rudolstadt. Around it: who could fill a gap, and who could not."""
    team, lead, members = await team_with_members(bot)
    paul = await member_of(bot, "Paul", team=DASEIN, group="Unternehmer*in", town="Rudolstadt")
    people = {
        "uwe": await bot.register(bot.user("Uwe"), group="Unternehmer*in", town="Saalfeld"),  # a gap
        "vera": await bot.register(bot.user("Vera"), group="Verwaltung", town="Rudolstadt"),  # a gap
        "otto": await bot.register(bot.user("Otto"), group="Verwaltung", town="Saalfeld"),  # a gap, opted out
        "rolf": await bot.register(bot.user("Rolf"), group="Unternehmer*in", town="Rudolstadt"),  # Paul covers it
        "carla": await bot.register(bot.user("Carla"), town="Saalfeld"),  # citizens from Saalfeld are there
        "andi": await bot.register(bot.user("Andi"), group="Unternehmer*in", town="anderer Ort"),  # no gap there
    }
    async with bot.db.transaction() as s:
        otto = (await s.execute(select(Person).where(Person.telegram_id == people["otto"].user_id))).scalar_one()
        otto.announcements_opt_out = True
    return team, lead, [*members, paul], people


def reached(people) -> set[str]:
    return {name for name, user in people.items() if copies(user)}


async def test_an_announcement_to_a_teams_gaps_reaches_exactly_those_who_could_fill_them(bot):
    team, lead, members, people = await people_around_the_team(bot)
    maria = bot.manager()
    await compose(maria, GAP)
    review = maria.last_message().text
    assert f"Lücken von {DASEIN} füllen" in review
    assert "Empfänger*innen: 2\nNicht dabei: 1 abgemeldet, 0 nicht erreichbar" in review
    await maria.press("Jetzt senden")
    await bot.deliver()
    assert reached(people) == {"uwe", "vera"}
    assert not any(copies(u) for u in (lead, *members)) and copies(maria) == 0
    async with bot.db.transaction() as s:
        entry = (await s.execute(select(AuditEntry).where(AuditEntry.action == "announce"))).scalar_one()
    assert entry.details["audience"] == {"all": False, "teams": [], "towns": [], "groups": [], "gap": team.id}
    assert entry.details["recipients"] == 2


async def test_a_gap_announcement_narrowed_to_a_town(bot):
    _, _, _, people = await people_around_the_team(bot)
    maria = bot.manager()
    await compose(maria, GAP, "Saalfeld")
    assert "Empfänger*innen: 1\n" in maria.last_message().text
    await maria.press("Jetzt senden")
    await bot.deliver()
    assert reached(people) == {"uwe"}


async def test_a_lead_may_fill_their_own_teams_gaps_but_not_another_teams(bot):
    team, lead, _, people = await people_around_the_team(bot)
    await lead.send("/announce")
    await lead.send(ANNOUNCE_TEXT)
    picker = lead.last_message()
    assert GAP in picker.button_texts() and "🧩 Lücken füllen: Aktions-Team Fachkräfte" not in picker.button_texts()
    await lead.press(GAP)
    buttons = lead.last_message().button_texts()
    assert f"✅ {GAP}" in buttons and f"✅ {DASEIN}" not in buttons  # instead of the own team, not besides it
    async with bot.db.transaction() as s:
        from models.tables import Team

        other = (await s.execute(select(Team).where(Team.slug == "fachkraefte"))).scalar_one()
    nonce = picker.flat_buttons()[0].callback_data.split(":")[2]
    for forged in (f"an:1:{nonce}:gap:{other.id}", f"an:1:{nonce}:gap:999999", f"an:1:{nonce}:gap:x"):
        await lead.press_data(forged, message=lead.last_message())
        assert lead.callback_answers[-1][1] is True
    assert f"✅ {GAP}" in lead.last_message().button_texts()
    await lead.press("Weiter")
    await lead.press("Jetzt senden")
    await bot.deliver()
    assert reached(people) == {"uwe", "vera"}
    assert len(await rows(bot)) == 2


async def test_the_gap_button_in_members_starts_an_announcement_to_those_who_could_fill_it(bot):
    team, lead, members, people = await people_around_the_team(bot)
    listing = (await lead.send("/members"))[-1]
    assert listing.button_texts() == [f"📣 Lücken füllen: {DASEIN}"]
    await lead.press(f"📣 Lücken füllen: {DASEIN}")
    assert "Neue Ankündigung" in lead.last_message().text
    assert f"An: Lücken von {DASEIN} füllen" in lead.last_message().text
    await lead.send(ANNOUNCE_TEXT)
    assert f"✅ {GAP}" in lead.last_message().button_texts()
    await lead.press("Weiter")
    await lead.press("Jetzt senden")
    await bot.deliver()
    assert reached(people) == {"uwe", "vera"}
    await members[0].press_data(f"tmx:1:{team.id}", message=listing)  # a member forging the button
    assert "nur das Projektmanagement und Teamleitungen" in members[0].callback_answers[-1][0]
