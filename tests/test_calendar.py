"""Calendar files: /calendar and the invitation's 📆 button, checked by parsing the .ics with icalendar."""

from datetime import UTC, datetime, timedelta

from icalendar import Calendar
from sqlalchemy import delete

from models.meetings import core as meetings
from models.tables import Meeting
from tests.meeting_helpers import in_days, person_of, schedule, team_with_members


def invitation(user):
    return [m for m in user.messages if "Einladung" in m.text][-1]


def parsed(message) -> Calendar:
    assert message.document is not None, message
    return Calendar.from_ical(message.document[1])


def events(message):
    return parsed(message).walk("VEVENT")


async def ics_from_button(bot, user):
    await user.press("In den Kalender", message=invitation(user))
    return user.last_message()


async def test_invitation_button_sends_the_meetings_ics_file(bot):
    team, lead, (anna, _) = await team_with_members(bot)
    meeting = await schedule(bot, lead, team, in_days(bot, 3), agenda="Bürgerbus")
    await bot.deliver()
    msg = await ics_from_button(bot, anna)
    name, _, mime = msg.document
    assert name == f"treffen-{meeting.id}.ics" and mime == "text/calendar"
    (event,) = events(msg)
    assert str(event["uid"]) == f"meeting-{meeting.id}@actionbot"
    assert str(event["summary"]) == "Werkstatt Mobilität"
    assert str(event["location"]) == "Markt 1, Saalfeld"
    assert str(event["status"]) == "CONFIRMED"
    assert "Bürgerbus" in str(event["description"]) and team.name_de in str(event["description"])


async def test_file_times_are_berlin_local_with_a_timezone_and_right_in_utc(bot):
    team, lead, (anna, _) = await team_with_members(bot)
    meeting = await schedule(bot, lead, team, in_days(bot, 3), duration_min=120)
    await bot.deliver()
    msg = await ics_from_button(bot, anna)
    (event,) = events(msg)
    start, end = event.decoded("dtstart"), event.decoded("dtend")
    assert event["dtstart"].params["TZID"] == "Europe/Berlin"
    assert start.astimezone(UTC) == meeting.starts_at
    assert end - start == timedelta(minutes=120)
    assert start.utcoffset() == timedelta(hours=1)  # November: CET
    assert [str(tz["tzid"]) for tz in parsed(msg).walk("VTIMEZONE")] == ["Europe/Berlin"]


async def test_summer_meeting_has_plus_two_hours(bot):
    team, lead, (anna, _) = await team_with_members(bot)
    july = datetime(2027, 7, 15, 16, 0, tzinfo=UTC)
    await schedule(bot, lead, team, july)
    await bot.deliver()
    msg = await ics_from_button(bot, anna)
    (event,) = events(msg)
    assert event.decoded("dtstart").utcoffset() == timedelta(hours=2)
    assert event.decoded("dtstart").astimezone(UTC) == july
    assert b"DTSTART;TZID=Europe/Berlin:20270715T180000" in msg.document[1]


async def test_uid_stays_and_sequence_grows_when_the_meeting_changes(bot):
    team, lead, (anna, _) = await team_with_members(bot)
    meeting = await schedule(bot, lead, team, in_days(bot, 3))
    await bot.deliver()
    (before,) = events(await ics_from_button(bot, anna))
    later = meeting.starts_at + timedelta(hours=1)
    async with bot.db.transaction() as s:
        await meetings.change_meeting(
            s,
            await person_of(bot, lead),
            meeting.id,
            {"starts_at": later},
            bot.clock.now(),
            bot.config.meetings,
            [t.key for t in bot.config.towns],
        )
    await bot.deliver()
    (after,) = events(await ics_from_button(bot, anna))
    assert after["uid"] == before["uid"]
    assert int(after["sequence"]) > int(before["sequence"])
    assert after.decoded("dtstart").astimezone(UTC) == later


async def test_cancelled_meetings_file_says_cancelled(bot):
    team, lead, (anna, _) = await team_with_members(bot)
    meeting = await schedule(bot, lead, team, in_days(bot, 3))
    await bot.deliver()
    async with bot.db.transaction() as s:
        await meetings.cancel_meeting(s, await person_of(bot, lead), meeting.id, bot.clock.now())
    msg = await ics_from_button(bot, anna)
    (event,) = events(msg)
    assert str(event["status"]) == "CANCELLED" and int(event["sequence"]) == 1
    assert "abgesagt" in msg.text


async def test_online_meeting_has_the_link_as_location_and_url(bot):
    team, lead, (anna, _) = await team_with_members(bot)
    await schedule(bot, lead, team, in_days(bot, 3), online_url="https://meet.example.org/werkstatt")
    await bot.deliver()
    (event,) = events(await ics_from_button(bot, anna))
    assert str(event["location"]) == "https://meet.example.org/werkstatt"
    assert str(event["url"]) == "https://meet.example.org/werkstatt"


async def test_calendar_command_sends_all_my_upcoming_meetings(bot):
    team, lead, (anna, _) = await team_with_members(bot)
    first = await schedule(bot, lead, team, in_days(bot, 3))
    second = await schedule(bot, lead, team, in_days(bot, 10), title="Zweites Treffen")
    past = await schedule(bot, lead, team, in_days(bot, 1), title="Bald vorbei")
    bot.clock.set(past.starts_at + timedelta(hours=3))
    await anna.send("/calendar")
    msg = anna.last_message()
    assert msg.document[0] == "treffen.ics" and "(2)" in msg.text
    assert [str(e["uid"]) for e in events(msg)] == [f"meeting-{first.id}@actionbot", f"meeting-{second.id}@actionbot"]


async def test_calendar_command_without_meetings_says_so(bot):
    anna = await bot.register()
    await anna.send("/calendar")
    assert anna.last_message().document is None
    assert "keine anstehenden Treffen" in anna.last_message().text


async def test_someone_not_invited_gets_no_file(bot):
    team, lead, _ = await team_with_members(bot)
    meeting = await schedule(bot, lead, team, in_days(bot, 3))
    outsider = await bot.register(bot.user("Otto"))
    await outsider.press_data(f"ics:1:{meeting.id}", message=outsider.last_message())
    assert "nur die zu diesem Treffen Eingeladenen" in outsider.callback_answers[-1][0]
    assert not [m for m in outsider.messages if m.document]


async def test_stale_button_of_a_deleted_meeting_answers_politely(bot):
    team, lead, (anna, _) = await team_with_members(bot)
    meeting = await schedule(bot, lead, team, in_days(bot, 3))
    await bot.deliver()
    async with bot.db.transaction() as s:
        await s.execute(delete(Meeting).where(Meeting.id == meeting.id))
    await anna.press("In den Kalender", message=invitation(anna))
    assert "gibt es nicht mehr" in anna.callback_answers[-1][0]
    await anna.press_data("ics:1:999999", message=invitation(anna))
    assert "gibt es nicht mehr" in anna.callback_answers[-1][0]
    assert not [m for m in anna.messages if m.document]
