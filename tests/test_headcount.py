"""24 hours before a meeting the lead gets the headcount and can remind exactly those who have not answered."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from models.meetings import core as meetings
from models.tables import Outbox, Team
from tests.meeting_helpers import in_days, person_of, schedule, team_with_members

HEADCOUNT = "👥 Rückmeldungen"
NUDGE = "🙋 Kommst du?"


async def team_of_six(bot):
    """Lea leads; five members from different towns and groups."""
    lead = await bot.register(bot.user("Lea"), town="Bad Blankenburg")
    who = {
        "anna": ("Anna", "Bürger*in", "Saalfeld"),
        "ben": ("Ben", "Unternehmer*in", "Rudolstadt"),
        "carl": ("Carl", "Verwaltung", "Saalfeld"),
        "dora": ("Dora", "Bürger*in", "Rudolstadt"),
        "eve": ("Eve", "Verwaltung", "Rudolstadt"),
    }
    members = {k: await bot.register(bot.user(name), group=g, town=town) for k, (name, g, town) in who.items()}
    async with bot.db.transaction() as s:
        team = (await s.execute(select(Team).where(Team.slug == "daseinsvorsorge"))).scalar_one()
    for u in [lead, *members.values()]:
        await u.send("/teams")
        await u.press(f"Beitreten: {team.name_de}")
    manager = await bot.register(bot.manager())
    await manager.send("/makelead")
    await manager.press(team.name_de)
    await manager.press("Lea")
    return team, lead, members


def invitation(user):
    return [m for m in user.messages if "Einladung" in m.text][-1]


def latest(user, prefix):
    return [m for m in user.messages if m.text.startswith(prefix)][-1]


def count(user, prefix):
    return len([m for m in user.messages if m.text.startswith(prefix)])


async def answered_meeting(bot):
    """A meeting in three days: Lea (who planned it), Anna and Ben come, Eve maybe, Carl cannot (travel),
    Dora is silent."""
    team, lead, m = await team_of_six(bot)
    meeting = await schedule(bot, lead, team, in_days(bot, 3))
    await bot.deliver()
    for user in (m["anna"], m["ben"]):
        await user.press("Zusage", message=invitation(user))
    await m["eve"].press("Vielleicht", message=invitation(m["eve"]))
    await m["carl"].press("Absage", message=invitation(m["carl"]))
    await m["carl"].press("Anfahrt")
    return meeting, lead, m


async def test_lead_gets_the_headcount_24_hours_before_with_the_mix(bot):
    meeting, lead, m = await answered_meeting(bot)
    bot.clock.set(meeting.starts_at - timedelta(hours=24, minutes=1))
    await bot.deliver()
    assert count(lead, HEADCOUNT) == 0
    await bot.deliver(advance=timedelta(minutes=2))
    assert count(lead, HEADCOUNT) == 1
    text = latest(lead, HEADCOUNT).text
    assert "✅ 3 Zusagen · 🤔 1 vielleicht · ❌ 1 Absage · ⏳ 1 offen" in text
    towns = text.split("Zusagen nach Ort: ")[1].split("\n")[0]
    assert sorted(towns.split(" · ")) == ["Bad Blankenburg 1", "Rudolstadt 1", "Saalfeld 1"]
    assert "Zusagen nach Gruppe: Bürger*in 2 · Unternehmer*in 1" in text
    assert "Absagegründe: Anfahrt 1" in text
    assert latest(lead, HEADCOUNT).button_texts() == ["Offene erinnern (1)"]
    assert all(count(u, HEADCOUNT) == 0 for u in m.values())
    await bot.deliver(advance=timedelta(hours=1))
    assert count(lead, HEADCOUNT) == 1


async def test_the_nudge_reaches_exactly_the_open_members_once(bot):
    meeting, lead, m = await answered_meeting(bot)
    bot.clock.set(meeting.starts_at - timedelta(hours=24))
    await bot.deliver()
    await lead.press("Offene erinnern (1)", message=latest(lead, HEADCOUNT))
    assert lead.callback_answers[-1][0].startswith("1 Person wird erinnert")
    await bot.deliver()
    assert count(m["dora"], NUDGE) == 1
    assert {k: count(u, NUDGE) for k, u in m.items() if k != "dora"} == dict.fromkeys(["anna", "ben", "carl", "eve"], 0)
    assert count(lead, NUDGE) == 0
    await lead.press("Offene erinnern (1)", message=latest(lead, HEADCOUNT))
    assert lead.callback_answers[-1] == (
        "Die Offenen wurden in den letzten 24 Stunden schon erinnert. Wieder möglich ab Sa., 28. Nov. 2026, 18:00 Uhr.",
        True,
    )
    await bot.deliver(advance=timedelta(minutes=5))
    assert count(m["dora"], NUDGE) == 1


async def test_the_nudge_is_dropped_for_someone_who_answers_before_it_goes_out(bot):
    meeting, lead, m = await answered_meeting(bot)
    bot.clock.set(meeting.starts_at - timedelta(hours=24))
    await bot.deliver()
    await lead.press("Offene erinnern (1)", message=latest(lead, HEADCOUNT))
    await m["dora"].press("Zusage", message=invitation(m["dora"]))
    await bot.deliver()
    assert count(m["dora"], NUDGE) == 0


async def test_the_nudge_button_is_only_for_the_lead_and_only_before_the_start(bot):
    meeting, lead, m = await answered_meeting(bot)
    await m["anna"].press_data(f"nudge:1:{meeting.id}")
    assert "Teamleitung" in m["anna"].callback_answers[-1][0]
    bot.clock.set(meeting.starts_at - timedelta(hours=24))
    await bot.deliver()
    headcount = latest(lead, HEADCOUNT)
    bot.clock.set(meeting.starts_at + timedelta(minutes=1))
    await lead.press("Offene erinnern (1)", message=headcount)
    assert "schon begonnen" in lead.callback_answers[-1][0]
    await bot.deliver()
    assert count(m["dora"], NUDGE) == 0


async def test_no_headcount_and_no_nudge_for_a_cancelled_meeting(bot):
    meeting, lead, m = await answered_meeting(bot)
    await lead.press_data(f"nudge:1:{meeting.id}")  # a lead may remind the open ones early, too
    actor = await person_of(bot, lead)
    async with bot.db.transaction() as s:
        await meetings.cancel_meeting(s, actor, meeting.id, bot.clock.now())
    await bot.deliver(advance=timedelta(days=3))
    assert count(lead, HEADCOUNT) == 0
    assert count(m["dora"], NUDGE) == 0


async def headcount_times(bot, meeting_id: int) -> list[datetime]:
    """When the pending headcounts of a meeting are due (UTC)."""
    async with bot.db.transaction() as s:
        rows = await s.execute(
            select(Outbox.due_at).where(
                Outbox.meeting_id == meeting_id, Outbox.kind == "headcount", Outbox.status == "pending"
            )
        )
        return [due.astimezone(UTC) for due in rows.scalars()]


async def test_a_meeting_planned_at_short_notice_gets_its_headcount_halfway_not_at_once(bot):
    team, lead, (anna, _) = await team_with_members(bot)
    meeting = await schedule(bot, lead, team, bot.clock.now() + timedelta(hours=4))  # 14:00 in Berlin
    halfway = bot.clock.now() + timedelta(hours=2)
    assert await headcount_times(bot, meeting.id) == [halfway]
    await bot.deliver()
    assert count(lead, HEADCOUNT) == 0
    await anna.press("Zusage", message=invitation(anna))
    await bot.deliver(advance=timedelta(hours=2) - timedelta(minutes=1))
    assert count(lead, HEADCOUNT) == 0
    await bot.deliver(advance=timedelta(minutes=1))
    assert count(lead, HEADCOUNT) == 1
    assert "✅ 2 Zusagen · 🤔 0 vielleicht · ❌ 0 Absagen · ⏳ 1 offen" in latest(lead, HEADCOUNT).text


async def test_no_headcount_for_a_meeting_planned_less_than_an_hour_ahead(bot):
    team, lead, _ = await team_with_members(bot)
    meeting = await schedule(bot, lead, team, bot.clock.now() + timedelta(minutes=50))
    assert await headcount_times(bot, meeting.id) == []
    await bot.deliver()
    await bot.deliver(advance=timedelta(minutes=50))
    assert count(lead, HEADCOUNT) == 0


async def test_a_headcount_halfway_in_the_night_waits_for_the_morning(bot):
    team, lead, _ = await team_with_members(bot)
    bot.clock.set(datetime(2026, 11, 25, 19, 0, tzinfo=UTC))  # 20:00 in Berlin
    meeting = await schedule(bot, lead, team, datetime(2026, 11, 26, 9, 0, tzinfo=UTC))  # 10:00 next morning
    # halfway is 03:00 in Berlin, inside the quiet hours (21:00-08:00): it comes at 08:00 instead
    assert await headcount_times(bot, meeting.id) == [datetime(2026, 11, 26, 7, 0, tzinfo=UTC)]


async def test_moving_a_meeting_to_short_notice_does_not_send_the_headcount_at_once(bot):
    team, lead, (anna, _) = await team_with_members(bot)
    meeting = await schedule(bot, lead, team, in_days(bot, 3))
    await bot.deliver()
    await lead.send("/meetings")
    await lead.press("Ändern", message=latest(lead, "🗓 Anstehendes Treffen"))
    await lead.press("Zeit")
    await lead.send("25.11.2026 18:00")  # it is 10:00 in Berlin: eight hours ahead
    assert await headcount_times(bot, meeting.id) == [datetime(2026, 11, 25, 13, 0, tzinfo=UTC)]
    await bot.deliver()
    assert count(lead, HEADCOUNT) == 0
    await anna.press("Absage", message=latest(anna, "✏️ Das Treffen wurde geändert"))
    await bot.deliver(advance=timedelta(hours=4))
    assert count(lead, HEADCOUNT) == 1
    assert "✅ 1 Zusage · 🤔 0 vielleicht · ❌ 1 Absage · ⏳ 1 offen" in latest(lead, HEADCOUNT).text


async def test_a_newcomer_does_not_push_the_short_notice_headcount_later(bot):
    team, lead, _ = await team_with_members(bot)
    meeting = await schedule(bot, lead, team, bot.clock.now() + timedelta(hours=6))
    halfway = bot.clock.now() + timedelta(hours=3)
    bot.clock.advance(timedelta(hours=1))
    carla = await bot.register(bot.user("Carla"))
    await carla.send("/teams")
    await carla.press(f"Beitreten: {team.name_de}")
    assert await headcount_times(bot, meeting.id) == [halfway]
