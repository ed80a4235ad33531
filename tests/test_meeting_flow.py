"""/meeting: a team lead schedules a meeting in the chat, typed in German or with buttons; members get invited."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from telegram.ext import CommandHandler

from core.texts import t
from handlers.common import MEMBER
from handlers.gate import handler
from handlers.meetings.flow import start_meeting_draft
from models.clock import FrozenClock
from models.tables import Draft, Meeting, Person, Rsvp
from tests.conftest import START, start_bot, stop_bot
from tests.meeting_helpers import person_of, schedule, team_with_members

PAST = t("de", "dates.past")
UNPARSEABLE = t("de", "dates.unparseable", example="02.12.2026", example_short="2.12.")  # a week after START


async def meetings_in_db(bot) -> list[Meeting]:
    async with bot.db.transaction() as s:
        return list((await s.execute(select(Meeting).order_by(Meeting.id))).scalars())


async def draft_of(bot, user) -> Draft | None:
    async with bot.db.transaction() as s:
        query = select(Draft).join(Person, Person.id == Draft.person_id).where(Person.telegram_id == user.user_id)
        return (await s.execute(query)).scalar_one_or_none()


async def at_when_step(bot):
    team, lead, members = await team_with_members(bot)
    await lead.send("/meeting")
    await lead.send("Werkstatt Mobilität")
    return team, lead, members


async def finish(lead, town: str = "Saalfeld", address: str = "Markt 1") -> None:
    """From the duration step to the invitation, with the defaults."""
    await lead.press("90 Min.")
    await lead.press(town)
    await lead.send(address)
    await lead.press("Überspringen")
    await lead.press("24 h + 2 h")
    await lead.press("Einladen ✅")


async def test_lead_schedules_by_typed_date_and_members_get_the_invitation(bot):
    _, lead, (anna, ben) = await at_when_step(bot)
    await lead.send("03.12.2026 18:00")
    await finish(lead)
    assert lead.last_message().text.startswith("✅ „Werkstatt Mobilität“ ist geplant. Eingeladen: 2 Mitglieder.")
    [meeting] = await meetings_in_db(bot)
    assert meeting.starts_at == datetime(2026, 12, 3, 17, 0, tzinfo=UTC)
    assert (meeting.duration_min, meeting.town, meeting.address, meeting.agenda) == (90, "saalfeld", "Markt 1", None)
    assert meeting.reminder_offsets == [1440, 120]
    await bot.deliver()
    for member in (anna, ben):
        invitation = member.last_message()
        assert "Einladung" in invitation.text and "Markt 1, Saalfeld" in invitation.text
        assert "Do., 3. Dez. 2026, 18:00 Uhr" in invitation.text
        assert "✅ Zusage" in invitation.button_texts()


async def test_lead_schedules_by_day_and_time_buttons(bot):
    _, lead, _ = await at_when_step(bot)
    await lead.press("Morgen")
    assert "Um wie viel Uhr am Donnerstag, 26. November 2026?" in lead.last_message().text
    await lead.press("18:30")
    assert "Wie lange" in lead.last_message().text
    await finish(lead)
    [meeting] = await meetings_in_db(bot)
    assert meeting.starts_at == datetime(2026, 11, 26, 17, 30, tzinfo=UTC)


async def test_time_typed_after_picking_a_day_is_on_that_day(bot):
    _, lead, _ = await at_when_step(bot)
    await lead.press("Morgen")
    await lead.send("18:45")
    assert (await draft_of(bot, lead)).data["starts_at"] == "2026-11-26T17:45:00+00:00"


async def test_typed_day_without_time_offers_time_buttons(bot):
    _, lead, _ = await at_when_step(bot)
    [reply] = await lead.send("3.12.")
    assert "Um wie viel Uhr am Donnerstag, 3. Dezember 2026?" in reply.text
    assert "19:00" in reply.button_texts()


async def test_past_date_is_refused_and_the_step_stays(bot):
    _, lead, _ = await at_when_step(bot)
    [reply] = await lead.send("24.11.2026 18:00")
    assert reply.text == PAST
    assert (await draft_of(bot, lead)).step == "when"


async def test_past_time_button_today_is_refused(bot):
    _, lead, _ = await at_when_step(bot)
    await lead.press("Heute")
    await lead.press("09:00")  # it is 10:00 in Berlin
    assert lead.callback_answers[-1] == (PAST, True)
    assert (await draft_of(bot, lead)).step == "time"


async def test_31_february_is_refused_with_examples(bot):
    _, lead, _ = await at_when_step(bot)
    [reply] = await lead.send("31.02.2026 18:00")
    assert reply.text == UNPARSEABLE
    assert "„02.12.2026 18:00“, „2.12. 18 Uhr“" in reply.text
    assert (await draft_of(bot, lead)).step == "when"


async def test_the_date_examples_are_a_week_from_today_in_berlin(bot):
    """The examples move with the clock (here past midnight in Berlin while UTC is still on the day before)."""
    team, lead, _ = await team_with_members(bot)
    bot.clock.set(datetime(2027, 6, 30, 22, 30, tzinfo=UTC))  # Thu 1 July 2027, 00:30 in Berlin
    await lead.send("/meeting")
    [prompt] = await lead.send("Werkstatt Mobilität")
    assert "„08.07.2027 18:00“, „8.7. 18 Uhr“" in prompt.text
    [reply] = await lead.send("Quatsch")
    assert "„08.07.2027 18:00“, „8.7. 18 Uhr“" in reply.text
    assert (await draft_of(bot, lead)).step == "when"


async def test_gibberish_date_is_refused(bot):
    _, lead, _ = await at_when_step(bot)
    [reply] = await lead.send("Quatsch")
    assert reply.text == UNPARSEABLE
    assert (await draft_of(bot, lead)).step == "when"


async def test_time_skipped_by_the_spring_clock_change_is_refused(bot):
    _, lead, _ = await at_when_step(bot)
    [reply] = await lead.send("28.03.2027 02:30")
    assert reply.text == t("de", "dates.nonexistent")
    assert (await draft_of(bot, lead)).step == "when"


async def test_doubled_october_hour_offers_summer_and_winter_time(bot):
    _, lead, _ = await at_when_step(bot)
    [reply] = await lead.send("31.10.2027 02:30")
    assert reply.text.startswith(t("de", "dates.ambiguous"))
    assert reply.button_texts()[:2] == [
        "02:30 Uhr Sommerzeit (MESZ, die erste)",
        "02:30 Uhr Winterzeit (MEZ, die zweite)",
    ]
    await lead.press("Winterzeit")
    assert (await draft_of(bot, lead)).data["starts_at"] == "2027-10-31T01:30:00+00:00"


async def test_summer_time_choice_is_the_first_of_the_doubled_hour(bot):
    _, lead, _ = await at_when_step(bot)
    await lead.send("31.10.2027 02:30")
    await lead.press("Sommerzeit")
    assert (await draft_of(bot, lead)).data["starts_at"] == "2027-10-31T00:30:00+00:00"


async def test_empty_title_is_refused(bot):
    _, lead, _ = await team_with_members(bot)
    await lead.send("/meeting")
    [reply] = await lead.send("  ")
    assert reply.text == t("de", "meetings.title_short")
    assert (await draft_of(bot, lead)).step == "title"


async def test_huge_title_is_refused(bot):
    _, lead, _ = await team_with_members(bot)
    await lead.send("/meeting")
    [reply] = await lead.send("Werkstatt " * 30)
    assert reply.text == "Der Titel ist zu lang (höchstens 200 Zeichen)."
    assert (await draft_of(bot, lead)).step == "title"


async def test_html_in_title_and_agenda_is_shown_escaped(bot):
    _, lead, _ = await team_with_members(bot)
    await lead.send("/meeting")
    await lead.send("<b>Bus</b> & Bahn")
    await lead.send("03.12.2026 18:00")
    await lead.press("90 Min.")
    await lead.press("Saalfeld")
    await lead.send("Markt 1")
    await lead.send("1. <script>alert(1)</script>")
    await lead.press("24 h + 2 h")
    confirm = lead.last_message()
    assert "<b>Bus</b> & Bahn" in confirm.text and "<script>alert(1)</script>" in confirm.text
    assert [e for e in confirm.entities if e["type"] not in ("bold", "italic")] == []
    await lead.press("Einladen ✅")
    [meeting] = await meetings_in_db(bot)
    assert (meeting.title, meeting.agenda) == ("<b>Bus</b> & Bahn", "1. <script>alert(1)</script>")


async def test_non_https_link_is_refused_and_the_step_stays(bot):
    _, lead, _ = await at_when_step(bot)
    await lead.send("03.12.2026 18:00")
    await lead.press("90 Min.")
    await lead.press("Online")
    [reply] = await lead.send("http://meet.example.org/werkstatt")
    assert reply.text == t("de", "meetings.bad_link")
    assert (await draft_of(bot, lead)).step == "link"
    await lead.send("https://meet.example.org/werkstatt")
    assert (await draft_of(bot, lead)).step == "agenda"


async def test_online_meeting_shows_the_link(bot):
    _, lead, (anna, _) = await at_when_step(bot)
    await lead.send("03.12.2026 18:00")
    await lead.send("1,5 h")
    await lead.press("Online")
    await lead.send("https://meet.example.org/werkstatt")
    await lead.press("Überspringen")
    await lead.press("nur 2 h")
    await lead.press("Einladen ✅")
    [meeting] = await meetings_in_db(bot)
    assert (meeting.online_url, meeting.town, meeting.reminder_offsets) == (
        "https://meet.example.org/werkstatt",
        None,
        [120],
    )
    await bot.deliver()
    assert "Online: https://meet.example.org/werkstatt" in anna.last_message().text


async def test_sticker_instead_of_the_title_asks_for_text(bot):
    _, lead, _ = await team_with_members(bot)
    await lead.send("/meeting")
    [reply] = await lead.send_sticker()
    assert reply.text == "Bitte schick mir das als Text."
    assert (await draft_of(bot, lead)).step == "title"


async def test_text_at_a_button_step_repeats_the_question(bot):
    _, lead, _ = await at_when_step(bot)
    await lead.send("03.12.2026 18:00")
    await lead.press("90 Min.")
    replies = await lead.send("irgendwo")
    assert "Bitte wähle mit den Knöpfen" in replies[0].text
    assert "Wo findet das Treffen statt?" in replies[-1].text
    assert (await draft_of(bot, lead)).step == "place"


async def test_command_mid_flow_works_and_keeps_the_draft(bot):
    _, lead, _ = await at_when_step(bot)
    replies = await lead.send("/teams")
    assert "Die Aktions-Teams" in replies[-1].text
    [reply] = await lead.send("03.12.2026 18:00")
    assert "Wie lange" in reply.text


async def test_member_who_leads_no_team_is_refused(bot):
    _, _, (anna, _) = await team_with_members(bot)
    [reply] = await anna.send("/meeting")
    assert reply.text == t("de", "meetings.not_lead")
    assert await draft_of(bot, anna) is None


async def test_manager_picks_the_team_first(bot):
    await team_with_members(bot)
    maria = bot.fake.user(first_name="Maria", user_id=900001)
    [reply] = await maria.send("/meeting")
    assert reply.text.startswith("📅 Für welches Team")
    await maria.press("Aktions-Team Fachkräfte")
    assert "Wie heißt das Treffen?" in maria.last_message().text


async def test_draft_survives_a_restart(fake, db):
    bot = await start_bot(fake, db, FrozenClock(START))
    try:
        _, lead, _ = await at_when_step(bot)
        await lead.send("03.12.2026 18:00")
        duration_question = lead.last_message()
    finally:
        await stop_bot(bot)
    bot = await start_bot(fake, db, FrozenClock(START))
    try:
        await lead.press("120 Min.", message=duration_question)
        assert "Wo findet das Treffen statt?" in lead.last_message().text
        await lead.press("Rudolstadt")
        await lead.send("Schlossstraße 5")
        await lead.press("Überspringen")
        await lead.press("keine")
        await lead.press("Einladen ✅")
        [meeting] = await meetings_in_db(bot)
        assert (meeting.title, meeting.duration_min, meeting.reminder_offsets) == ("Werkstatt Mobilität", 120, [])
    finally:
        await stop_bot(bot)


async def test_meeting_command_resumes_the_open_draft(bot):
    _, lead, _ = await at_when_step(bot)
    replies = await lead.send("/meeting")
    assert replies[0].text == "Du hattest schon ein Treffen angefangen – hier geht es weiter."
    assert replies[-1].text.startswith("Wann?")


async def test_double_press_of_invite_creates_one_meeting(bot):
    _, lead, _ = await at_when_step(bot)
    await lead.send("03.12.2026 18:00")
    await lead.press("90 Min.")
    await lead.press("Saalfeld")
    await lead.send("Markt 1")
    await lead.press("Überspringen")
    await lead.press("24 h + 2 h")
    confirm = lead.last_message()
    data = next(b.callback_data for b in confirm.flat_buttons() if b.text == "Einladen ✅")
    await lead.press_data(data, message=confirm)
    await lead.press_data(data, message=confirm)
    assert len(await meetings_in_db(bot)) == 1
    assert lead.callback_answers[-1] == (t("de", "meeting_flow.no_draft"), True)


async def test_button_of_an_earlier_run_is_answered_politely(bot):
    _, lead, _ = await at_when_step(bot)
    days = lead.last_message()
    await lead.send("/cancel")
    await lead.send("/meeting")
    await lead.press("Morgen", message=days)
    assert lead.callback_answers[-1] == (t("de", "errors.stale_button"), True)
    assert (await draft_of(bot, lead)).step == "title"


def last_places_line(message) -> str:
    return next(line for line in message.text.splitlines() if line.startswith("Die letzten Treffen:"))


async def test_place_step_shows_only_meetings_that_took_place_newest_first(bot):
    team, lead, _ = await team_with_members(bot)
    await schedule(bot, lead, team, datetime(2026, 11, 26, 17, tzinfo=UTC), town="rudolstadt")
    await schedule(bot, lead, team, datetime(2026, 11, 27, 17, tzinfo=UTC), town="bad_blankenburg")
    await schedule(bot, lead, team, datetime(2026, 12, 1, 17, tzinfo=UTC), town="saalfeld")  # still to come
    bot.clock.set(datetime(2026, 11, 28, 9, tzinfo=UTC))
    await lead.send("/meeting")
    await lead.send("Werkstatt Mobilität")
    await lead.send("03.12.2026 18:00")
    await lead.press("90 Min.")
    assert last_places_line(lead.last_message()) == "Die letzten Treffen: Bad Blankenburg (27.11.), Rudolstadt (26.11.)"


async def test_place_step_of_an_edit_leaves_out_the_meeting_being_edited(bot):
    team, lead, _ = await team_with_members(bot)
    await schedule(bot, lead, team, datetime(2026, 11, 26, 17, tzinfo=UTC), town="rudolstadt")
    await schedule(bot, lead, team, datetime(2026, 12, 1, 17, tzinfo=UTC), town="saalfeld")
    bot.clock.set(datetime(2026, 11, 28, 9, tzinfo=UTC))
    await lead.send("/meetings")
    await lead.press("Ändern", message=next(m for m in lead.messages if "1. Dez." in m.text))
    await lead.press("Ort")
    assert "Wo findet das Treffen statt?" in lead.last_message().text
    assert last_places_line(lead.last_message()) == "Die letzten Treffen: Rudolstadt (26.11.)"


async def test_the_planner_counts_as_coming_and_gets_one_message_that_is_her_invitation(bot):
    _, lead, (anna, ben) = await at_when_step(bot)
    await lead.send("03.12.2026 18:00")
    await lead.press("90 Min.")
    await lead.press("Saalfeld")
    await lead.send("Markt 1")
    await lead.press("Überspringen")
    await lead.press("24 h + 2 h")
    before = len(lead.messages)
    await lead.press("Einladen ✅")
    confirmation = lead.last_message()
    await bot.deliver()
    assert len(lead.messages) == before
    assert not [m for m in lead.messages if "Einladung" in m.text]
    assert "Einladung" in anna.last_message().text and "Einladung" in ben.last_message().text
    assert "Deine Antwort: ✅ Zusage" in confirmation.text and "Markt 1, Saalfeld" in confirmation.text
    buttons = set(confirmation.button_texts())
    assert {"• ✅ Zusage", "🤔 Vielleicht", "❌ Absage", "📆 In den Kalender (.ics)"} <= buttons
    [meeting] = await meetings_in_db(bot)
    async with bot.db.transaction() as s:
        rsvps = {r.person_id: r for r in (await s.execute(select(Rsvp))).scalars()}
    lea = await person_of(bot, lead)
    assert (rsvps[lea.id].answer, rsvps[lea.id].answered_at) == ("yes", bot.clock.now())
    assert [r.answer for pid, r in rsvps.items() if pid != lea.id] == [None, None]
    await lead.press("Vielleicht", message=confirmation)
    async with bot.db.transaction() as s:
        assert (await s.get(Rsvp, (meeting.id, lea.id))).answer == "maybe"


async def test_a_manager_planning_for_a_team_she_is_not_in_is_told_she_is_not_invited(bot):
    _, _, (anna, _) = await team_with_members(bot)
    maria = bot.manager()
    await maria.send("/meeting")
    await maria.press("Aktions-Team Daseinsvorsorge")
    await maria.send("Werkstatt Mobilität")
    await maria.send("03.12.2026 18:00")
    await finish(maria)
    confirmation = maria.last_message()
    before = len(maria.messages)
    assert confirmation.text.startswith("✅ „Werkstatt Mobilität“ ist geplant. Eingeladen: 3 Mitglieder.")
    assert t("de", "meeting_flow.not_in_team") in confirmation.text
    assert confirmation.button_texts() == []
    await bot.deliver()
    assert len(maria.messages) == before
    assert "Einladung" in anna.last_message().text
    maria_id = (await person_of(bot, maria)).id
    async with bot.db.transaction() as s:
        rsvps = list((await s.execute(select(Rsvp))).scalars())
    assert len(rsvps) == 3 and maria_id not in {r.person_id for r in rsvps}
    assert {r.answer for r in rsvps} == {None}


async def test_a_slot_picked_elsewhere_starts_the_flow_at_the_duration_step(bot):
    team, lead, _ = await team_with_members(bot)

    async def pick_slot(req) -> None:  # what the poll feature does once the lead picked the winning slot
        await start_meeting_draft(req, team.id, "Werkstatt aus der Umfrage", datetime(2026, 12, 3, 17, tzinfo=UTC))

    bot.app.handlers[0].insert(0, CommandHandler("slot", handler(MEMBER)(pick_slot)))
    [reply] = await lead.send("/slot")
    assert "Wie lange" in reply.text
    await finish(lead)
    [meeting] = await meetings_in_db(bot)
    assert (meeting.title, meeting.starts_at) == ("Werkstatt aus der Umfrage", datetime(2026, 12, 3, 17, tzinfo=UTC))


async def test_a_slot_for_a_team_one_does_not_lead_is_refused(bot):
    team, _, (anna, _) = await team_with_members(bot)

    async def pick_slot(req) -> None:
        await start_meeting_draft(req, team.id, "Werkstatt", datetime(2026, 12, 3, 17, tzinfo=UTC))

    bot.app.handlers[0].insert(0, CommandHandler("slot", handler(MEMBER)(pick_slot)))
    [reply] = await anna.send("/slot")
    assert reply.text == t("de", "meetings.not_lead")
    assert await draft_of(bot, anna) is None


async def test_unreadable_duration_is_refused_and_the_step_stays(bot):
    _, lead, _ = await at_when_step(bot)
    await lead.send("03.12.2026 18:00")
    [reply] = await lead.send("den ganzen Tag")
    assert reply.text == t("de", "dates.bad_duration", min=5, max=720)
    assert (await draft_of(bot, lead)).step == "duration"
