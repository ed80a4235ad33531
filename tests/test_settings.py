"""/settings: muting meeting reminders, while invitations, changes and cancellations still arrive."""

from datetime import timedelta

from sqlalchemy import select

from models.meetings import core as meetings
from models.tables import Outbox
from tests.announce_helpers import copies, send_now
from tests.meeting_helpers import in_days, person_of, schedule, team_with_members

MUTE = "Erinnerungen an Treffen stummschalten"


def reminders(user):
    return [m for m in user.messages if m.text.startswith("⏰ Erinnerung")]


async def through_both_reminders(bot, meeting):
    """Deliver at the 24 h and at the 2 h reminder (each is dropped if more than 30 min late)."""
    for before in (timedelta(hours=24), timedelta(hours=2)):
        bot.clock.set(meeting.starts_at - before)
        await bot.deliver()


async def mute(user):
    await user.send("/settings")
    await user.press(MUTE)


async def test_settings_show_reminders_unmuted_at_first(bot):
    anna = await bot.register()
    await anna.send("/settings")
    screen = anna.last_message()
    assert "Einstellungen" in screen.text and "Einladungen, Änderungen und Absagen kommen weiterhin" in screen.text
    assert screen.button_texts() == [
        f"⬜ {MUTE}",
        "⬜ Ankündigungen stummschalten",
        "⬜ Umfrage nach Treffen abschalten",  # tests/test_survey.py
        "⬜ Frage nach dem Wegbleiben abschalten",  # tests/test_away.py
    ]


async def test_muting_is_stored_and_shown_as_checked(bot):
    anna = await bot.register()
    await mute(anna)
    assert anna.last_message().button_texts()[0] == f"✅ {MUTE}"
    assert anna.callback_answers[-1][0] == "Gespeichert."
    assert (await person_of(bot, anna)).mute_reminders is True


async def test_unmuting_is_stored(bot):
    anna = await bot.register()
    await mute(anna)
    await anna.press(MUTE)
    assert anna.last_message().button_texts()[0] == f"⬜ {MUTE}"
    assert (await person_of(bot, anna)).mute_reminders is False


async def test_a_repeated_tap_changes_nothing(bot):
    anna = await bot.register()
    await anna.send("/settings")
    screen = anna.last_message()
    await anna.press_data("set:1:mute_reminders:on", message=screen)
    await anna.press_data("set:1:mute_reminders:on", message=screen)
    assert anna.callback_answers[-1][0] == "Das war schon so eingestellt."
    assert (await person_of(bot, anna)).mute_reminders is True


async def test_a_forged_settings_button_is_refused(bot):
    anna = await bot.register()
    await anna.send("/settings")
    await anna.press_data("set:1:everything:on", message=anna.last_message())
    assert "nicht mehr aktuell" in anna.callback_answers[-1][0]


async def test_muted_member_gets_the_invitation_but_no_reminder(bot):
    team, lead, (anna, ben) = await team_with_members(bot)
    await mute(anna)
    meeting = await schedule(bot, lead, team, in_days(bot, 3))
    await bot.deliver()
    assert any("Einladung" in m.text for m in anna.messages)
    await through_both_reminders(bot, meeting)
    assert reminders(anna) == [] and len(reminders(ben)) == 2


async def test_muted_member_still_gets_change_and_cancel_notices(bot):
    team, lead, (anna, _) = await team_with_members(bot)
    await mute(anna)
    meeting = await schedule(bot, lead, team, in_days(bot, 3))
    towns = [t.key for t in bot.config.towns]
    async with bot.db.transaction() as s:
        actor = await person_of(bot, lead)
        await meetings.change_meeting(
            s, actor, meeting.id, {"agenda": "Neu"}, bot.clock.now(), bot.config.meetings, towns
        )
    await bot.deliver()
    assert any("geändert" in m.text for m in anna.messages)
    async with bot.db.transaction() as s:
        await meetings.cancel_meeting(s, await person_of(bot, lead), meeting.id, bot.clock.now())
    await bot.deliver(advance=timedelta(days=3))
    assert "Abgesagt" in anna.last_message().text and reminders(anna) == []


async def test_muting_after_the_invitation_drops_the_planned_reminders(bot):
    team, lead, (anna, _) = await team_with_members(bot)
    meeting = await schedule(bot, lead, team, in_days(bot, 3))
    await bot.deliver()
    await mute(anna)
    anna_id = (await person_of(bot, anna)).id
    async with bot.db.transaction() as s:
        planned = await s.execute(
            select(Outbox.status).where(Outbox.person_id == anna_id, Outbox.kind == meetings.REMINDER)
        )
        assert set(planned.scalars()) == {"cancelled"}
    await through_both_reminders(bot, meeting)
    assert reminders(anna) == []


async def test_unmuting_brings_the_reminders_back(bot):
    team, lead, (anna, _) = await team_with_members(bot)
    await mute(anna)
    meeting = await schedule(bot, lead, team, in_days(bot, 3))
    await bot.deliver()
    await anna.send("/settings")
    await anna.press(MUTE)
    await through_both_reminders(bot, meeting)
    assert len(reminders(anna)) == 2



async def test_muted_announcements_skip_the_member_but_others_get_them(bot):
    anna = await bot.register(bot.user("Anna"))
    ben = await bot.register(bot.user("Ben"))
    await anna.send("/settings")
    await anna.press("Ankündigungen stummschalten")
    assert (await person_of(bot, anna)).announcements_opt_out is True
    manager = await bot.register(bot.manager())
    await send_now(bot, manager, "Alle")
    assert copies(ben) == 1
    assert copies(anna) == 0
