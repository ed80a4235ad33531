"""Invitations, RSVPs and reminders through the real bot and the dispatcher, with a clock tests move."""

from datetime import timedelta

from sqlalchemy import select

from models.tables import Outbox, Rsvp
from tests.meeting_helpers import in_days, person_of, schedule, team_with_members


def invitations(user):
    return [m for m in user.messages if "Einladung" in m.text]


async def test_members_get_the_invitation_with_details_and_rsvp_buttons(bot):
    team, lead, (anna, ben) = await team_with_members(bot)
    await schedule(bot, lead, team, in_days(bot, 3), agenda="Bürgerbus")
    await bot.deliver()
    inv = invitations(anna)[-1]
    assert "Werkstatt Mobilität" in inv.text and "Markt 1, Saalfeld" in inv.text and "Bürgerbus" in inv.text
    assert "18:00 Uhr" in inv.text  # 17:00 UTC is 18:00 in Berlin in November
    assert {"✅ Zusage", "🤔 Vielleicht", "❌ Absage"} <= set(inv.button_texts())
    assert invitations(ben) and not invitations(lead)  # the lead who planned it has her confirmation


async def test_answer_is_stored_and_can_be_changed(bot):
    team, lead, (anna, _) = await team_with_members(bot)
    meeting = await schedule(bot, lead, team, in_days(bot, 3))
    await bot.deliver()
    await anna.press("Zusage", message=invitations(anna)[-1])
    await anna.press("Vielleicht")
    p = await person_of(bot, anna)
    async with bot.db.transaction() as s:
        assert (await s.get(Rsvp, (meeting.id, p.id))).answer == "maybe"
    assert "Deine Antwort: 🤔 Vielleicht" in anna.last_message().text


async def test_decline_offers_reasons_and_stops_reminders(bot):
    team, lead, (anna, ben) = await team_with_members(bot)
    meeting = await schedule(bot, lead, team, in_days(bot, 3))
    await bot.deliver()
    await anna.press("Absage", message=invitations(anna)[-1])
    assert "Anfahrt" in anna.last_message().button_texts()
    await anna.press("Anfahrt")
    p = await person_of(bot, anna)
    async with bot.db.transaction() as s:
        rsvp = await s.get(Rsvp, (meeting.id, p.id))
    assert (rsvp.answer, rsvp.reason) == ("no", "travel")
    before = len(anna.messages)
    bot.clock.set(meeting.starts_at - timedelta(hours=24) + timedelta(minutes=1))
    await bot.deliver()
    assert len(anna.messages) == before
    assert any(m.text.startswith("⏰ Erinnerung") for m in ben.messages)


async def test_the_chosen_reason_stays_on_the_invitation_and_in_meetings(bot):
    team, lead, (anna, _) = await team_with_members(bot)
    await schedule(bot, lead, team, in_days(bot, 3))
    await bot.deliver()
    invitation = invitations(anna)[-1]
    await anna.press("Absage", message=invitation)
    assert "Grund:" not in invitation.text
    await anna.press("Anfahrt", message=invitation)
    assert "Deine Antwort: ❌ Absage\nGrund: Anfahrt" in invitation.text
    assert "Anfahrt" not in invitation.button_texts()  # the reason chips are gone once one is chosen
    [_, card] = await anna.send("/meetings")
    assert "Grund: Anfahrt" in card.text
    await anna.press("Zusage", message=invitation)
    assert "Grund:" not in invitation.text


async def test_reminders_arrive_24h_and_2h_before(bot):
    team, lead, (anna, _) = await team_with_members(bot)
    meeting = await schedule(bot, lead, team, in_days(bot, 3))  # Sat 17:00 UTC
    await bot.deliver()

    def reminders():
        return len([m for m in anna.messages if m.text.startswith("⏰ Erinnerung")])

    bot.clock.set(meeting.starts_at - timedelta(hours=24, minutes=1))
    await bot.deliver()
    assert reminders() == 0
    await bot.deliver(advance=timedelta(minutes=2))
    assert reminders() == 1
    bot.clock.set(meeting.starts_at - timedelta(hours=2))
    await bot.deliver()
    assert reminders() == 2
    await bot.deliver(advance=timedelta(hours=5))
    assert reminders() == 2


async def test_cancelled_meeting_drops_reminders_and_old_buttons_say_cancelled(bot):
    team, lead, (anna, _) = await team_with_members(bot)
    meeting = await schedule(bot, lead, team, in_days(bot, 3))
    await bot.deliver()
    from models.meetings import core as meetings

    async with bot.db.transaction() as s:
        await meetings.cancel_meeting(s, await person_of(bot, lead), meeting.id, bot.clock.now())
    await bot.deliver()
    assert "Abgesagt" in anna.last_message().text
    await anna.press("Zusage", message=invitations(anna)[-1])
    assert "abgesagt" in anna.callback_answers[-1][0]
    await bot.deliver(advance=timedelta(days=3))
    assert not [m for m in anna.messages if m.text.startswith("⏰ Erinnerung")]
    async with bot.db.transaction() as s:
        open_rows = (await s.execute(select(Outbox).where(Outbox.status == "pending"))).scalars().all()
    assert open_rows == []


async def test_mydata_holds_rsvp_and_attendance_and_deleteme_removes_them(bot):
    import json

    team, lead, (anna, _) = await team_with_members(bot)
    meeting = await schedule(bot, lead, team, in_days(bot, 3))
    await bot.deliver()
    await anna.press("Absage", message=invitations(anna)[-1])
    await anna.press("Betreuung")
    p = await person_of(bot, anna)
    async with bot.db.transaction() as s:
        (await s.get(Rsvp, (meeting.id, p.id))).attended = False
    await anna.send("/mydata")
    data = json.loads(anna.last_message().document[1])
    [rsvp] = data["rsvps"]
    assert (rsvp["meeting_id"], rsvp["answer"], rsvp["reason"], rsvp["attended"]) == (meeting.id, "no", "care", False)
    await anna.send("/deleteme")
    await anna.press("Ja, alles löschen")
    async with bot.db.transaction() as s:
        assert (await s.execute(select(Rsvp).where(Rsvp.person_id == p.id))).first() is None
        assert (await s.execute(select(Outbox).where(Outbox.person_id == p.id))).first() is None
