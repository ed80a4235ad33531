"""The short survey after a meeting: who gets it, answering in three taps, the sentence, reminder and limits."""

from datetime import timedelta

from sqlalchemy import select

from models.tables import Person, SurveyAnswer
from scheduler import surveys as survey_job
from tests.meeting_helpers import person_of
from tests.survey_helpers import (
    answer_row,
    ended_meeting,
    record,
    reminders_of,
    run_sweep,
    survey_rows,
    surveys_of,
    sweep_only,
)


async def test_present_member_answers_usefulness_chip_and_done_in_three_taps(bot):
    meeting, lead, (anna, ben), _ = await ended_meeting(bot)
    await record(bot, lead, present=("Mitglied0",))
    [survey] = surveys_of(anna)
    assert "Werkstatt Mobilität" in survey.text and "Wie nützlich war das Treffen" in survey.text
    assert survey.button_texts() == ["1", "2", "3", "4", "5"]
    await anna.press("4", message=survey)
    assert "👍 Kurze Wege" in survey.button_texts() and "👎 Lange Fahrzeit" in survey.button_texts()
    await anna.press("👍 Kurze Wege", message=survey)
    await anna.press("✔ Fertig", message=survey)
    assert survey.text.startswith("✅ Danke!")
    assert "Nützlichkeit: 4 von 5" in survey.text and "👍 Kurze Wege" in survey.text
    row = await answer_row(bot, meeting.id, anna)
    assert (row.usefulness, row.factors, row.obstacles, row.comment) == (4, ["short_distances"], [], None)
    assert (row.person_group, row.person_town) == ("citizen", "saalfeld")
    await anna.press("✏️ Ändern", message=survey)
    assert survey.button_texts()[:5] == ["1", "2", "3", "• 4", "5"] and "✅ Kurze Wege" in survey.button_texts()


async def test_absent_members_get_no_survey(bot):
    meeting, lead, (anna, ben), _ = await ended_meeting(bot)
    await record(bot, lead, present=("Mitglied0",))
    assert surveys_of(ben) == [] and surveys_of(lead) == []


async def test_present_member_without_evaluation_consent_gets_no_survey(bot):
    meeting, lead, _, (nora,) = await ended_meeting(bot, extra=[("Nora", "Nein")])
    await record(bot, lead, present=("Nora",))
    assert surveys_of(nora) == []
    assert await survey_rows(bot, meeting.id) == []


async def test_present_member_who_switched_the_survey_off_gets_none(bot):
    meeting, lead, (anna, _), _ = await ended_meeting(bot)
    await anna.send("/settings")
    await anna.press("⬜ Umfrage nach Treffen abschalten")
    assert "✅ Umfrage nach Treffen abschalten" in anna.last_message().button_texts()
    assert (await person_of(bot, anna)).survey_opt_out is True
    await record(bot, lead, present=("Mitglied0",))
    assert surveys_of(anna) == []


async def test_switching_the_survey_off_drops_the_waiting_reminder(bot):
    meeting, lead, (anna, _), _ = await ended_meeting(bot)
    await record(bot, lead, present=("Mitglied0",))
    await anna.send("/settings")
    await anna.press("⬜ Umfrage nach Treffen abschalten")
    await bot.deliver(advance=timedelta(days=3))
    assert reminders_of(anna) == []


async def test_one_reminder_two_days_later_when_unanswered_and_never_a_second(bot):
    meeting, lead, (anna, _), _ = await ended_meeting(bot)
    await record(bot, lead, present=("Mitglied0",))
    await bot.deliver(advance=timedelta(days=1))
    assert reminders_of(anna) == []
    await bot.deliver(advance=timedelta(days=1, hours=1))
    [reminder] = reminders_of(anna)
    assert "Werkstatt Mobilität" in reminder.text and reminder.button_texts() == ["1", "2", "3", "4", "5"]
    for _ in range(4):
        await bot.deliver(advance=timedelta(days=1))
        await run_sweep(bot)
    assert len(reminders_of(anna)) == 1 and len(surveys_of(anna)) == 2  # the survey and its reminder


async def test_no_reminder_after_answering(bot):
    meeting, lead, (anna, _), _ = await ended_meeting(bot)
    await record(bot, lead, present=("Mitglied0",))
    await anna.press("3", message=surveys_of(anna)[0])
    await bot.deliver(advance=timedelta(days=3))
    assert reminders_of(anna) == []
    assert {r.kind: r.status for r in await survey_rows(bot, meeting.id)} == {
        "survey": "sent",
        "survey_reminder": "cancelled",
    }


async def test_attendance_recorded_in_quiet_hours_sends_the_survey_at_eight(bot):
    meeting, lead, (anna, _), _ = await ended_meeting(bot)
    bot.clock.set(bot.clock.now().replace(hour=21, minute=30))  # 22:30 in Berlin
    await record(bot, lead, present=("Mitglied0",))
    assert surveys_of(anna) == []
    await bot.deliver(advance=timedelta(hours=8))  # 06:30 in Berlin: still quiet
    assert surveys_of(anna) == []
    await bot.deliver(advance=timedelta(hours=1, minutes=30))  # 08:00 in Berlin
    assert len(surveys_of(anna)) == 1


async def test_a_survey_not_sent_before_quiet_hours_waits_for_the_morning(bot):
    """The bot was stopped at 20:50 with the survey due: it never arrives at night, and comes the next day."""
    meeting, lead, (anna, _), _ = await ended_meeting(bot)
    await lead.send("/attendance")
    await lead.press("Werkstatt Mobilität")
    await lead.press("◻ Mitglied0")
    bot.clock.set(bot.clock.now().replace(hour=19, minute=50))  # 20:50 in Berlin
    await lead.press("✔ Fertig")
    await bot.deliver(advance=timedelta(minutes=40))  # 21:30 in Berlin: the row's time has passed
    assert surveys_of(anna) == []
    await run_sweep(bot)  # 21:30: planned again for the morning
    assert surveys_of(anna) == []
    await bot.deliver(advance=timedelta(hours=10, minutes=30))  # 08:00
    assert len(surveys_of(anna)) == 1
    await run_sweep(bot)
    await bot.deliver(advance=timedelta(hours=1))
    assert len(surveys_of(anna)) == 1


async def test_answers_can_be_changed_for_seven_days_then_the_survey_is_closed(bot):
    meeting, lead, (anna, _), _ = await ended_meeting(bot)
    await record(bot, lead, present=("Mitglied0",))
    survey = surveys_of(anna)[0]
    await anna.press("2", message=survey)
    bot.clock.advance(timedelta(days=6, hours=23))
    await anna.press("4", message=survey)
    assert (await answer_row(bot, meeting.id, anna)).usefulness == 4
    bot.clock.advance(timedelta(hours=2))
    await anna.press("5", message=survey)
    assert anna.callback_answers[-1] == (
        "Die Umfrage zu diesem Treffen ist geschlossen (7 Tage nach dem Treffen). Danke trotzdem!",
        True,
    )
    assert (await answer_row(bot, meeting.id, anna)).usefulness == 4


async def test_a_double_tap_on_a_chip_ticks_it_once(bot):
    meeting, lead, (anna, _), _ = await ended_meeting(bot)
    await record(bot, lead, present=("Mitglied0",))
    survey = surveys_of(anna)[0]
    await anna.press("5", message=survey)
    chip = next(b.callback_data for b in survey.flat_buttons() if b.text == "👎 Lange Fahrzeit")
    await anna.press_data(chip, message=survey)
    await anna.press_data(chip, message=survey)  # the same tap delivered again
    assert (await answer_row(bot, meeting.id, anna)).obstacles == ["travel_time"]
    assert anna.callback_answers[-1] == ("Das war schon so gespeichert.", False)
    await anna.press("✅ Lange Fahrzeit", message=survey)  # unticking
    assert (await answer_row(bot, meeting.id, anna)).obstacles == []


async def test_a_member_not_sent_the_survey_cannot_answer_with_a_forged_button(bot):
    meeting, lead, (anna, ben), _ = await ended_meeting(bot)
    await record(bot, lead, present=("Mitglied0",))
    await ben.press_data(f"sv:1:{meeting.id}:u:5", message=ben.messages[-1])
    assert ben.callback_answers[-1] == ("Diese Umfrage ist nicht für dich.", True)
    async with bot.db.transaction() as s:
        assert (await s.execute(select(SurveyAnswer))).first() is None


async def test_forged_values_on_the_own_survey_are_refused(bot):
    meeting, lead, (anna, _), _ = await ended_meeting(bot)
    await record(bot, lead, present=("Mitglied0",))
    survey = surveys_of(anna)[0]
    stale = ("Dieser Knopf ist nicht mehr aktuell. Tippe /start für das Menü.", True)
    for data in (
        f"sv:1:{meeting.id}:u:9",
        f"sv:1:{meeting.id}:f:bogus:1",
        f"sv:1:{meeting.id}:o:travel_time:7",
        f"sv:1:{meeting.id}:x",
        f"sv:1:{meeting.id}:u:99999999999999999999",
        "sv:1:2147483648:u:3",
    ):
        await anna.press_data(data, message=survey)
        assert anna.callback_answers[-1] == stale, data
    await anna.press_data("sv:1:999999:u:3", message=survey)
    assert anna.callback_answers[-1] == ("Dieses Treffen gibt es nicht mehr.", True)
    async with bot.db.transaction() as s:
        assert (await s.execute(select(SurveyAnswer))).first() is None


async def test_done_before_any_answer_asks_for_the_usefulness_first(bot):
    meeting, lead, (anna, _), _ = await ended_meeting(bot)
    await record(bot, lead, present=("Mitglied0",))
    await anna.press_data(f"sv:1:{meeting.id}:done", message=surveys_of(anna)[0])
    assert anna.callback_answers[-1] == ("Tippe zuerst an, wie nützlich das Treffen war.", True)


async def test_someone_ticked_absent_after_the_survey_went_out_cannot_answer(bot):
    meeting, lead, (anna, ben), _ = await ended_meeting(bot, said_yes=("Mitglied0", "Mitglied1"))
    bot.clock.advance(timedelta(hours=24))
    await run_sweep(bot)
    assert len(surveys_of(ben)) == 1  # said yes, nobody recorded attendance: counted as present
    await record(bot, lead, present=("Mitglied0",))  # the list says: Ben was not there
    await ben.press("3", message=surveys_of(ben)[0])
    assert ben.callback_answers[-1][0].startswith("Du warst bei diesem Treffen nicht als anwesend eingetragen")
    assert await answer_row(bot, meeting.id, ben) is None


async def test_without_recorded_attendance_those_who_said_yes_get_it_after_the_configured_hours(bot):
    meeting, lead, (anna, ben), (otto,) = await ended_meeting(bot, extra=[("Otto", "Ja")], said_yes=("Mitglied0",))
    bot.clock.advance(timedelta(hours=23))
    assert await run_sweep(bot) == 0
    bot.clock.advance(timedelta(hours=1))
    await run_sweep(bot)
    assert len(surveys_of(anna)) == 1
    assert len(surveys_of(lead)) == 1  # the planner counts as coming
    assert surveys_of(ben) == [] and surveys_of(otto) == []  # no answer: not counted as present


async def test_the_sweep_and_a_second_fertig_plan_the_survey_only_once(bot):
    meeting, lead, (anna, _), _ = await ended_meeting(bot)
    await record(bot, lead, present=("Mitglied0",))
    await lead.press("✏️ Ändern")  # the saved result opens the list again
    await lead.press("✔ Fertig")
    assert await run_sweep(bot) == 0
    bot.clock.advance(timedelta(days=1))
    assert await run_sweep(bot) == 0
    assert len(surveys_of(anna)) == 1
    assert sorted(r.dedupe_key for r in await survey_rows(bot, meeting.id)) == [
        f"survey:{meeting.id}:{(await person_of(bot, anna)).id}:0",
        f"survey_rem:{meeting.id}:{(await person_of(bot, anna)).id}",
    ]


async def test_someone_ticked_present_after_fertig_gets_the_survey_at_the_next_sweep(bot):
    meeting, lead, (anna, ben), _ = await ended_meeting(bot)
    await record(bot, lead, present=("Mitglied0",))
    await lead.press("✏️ Ändern")
    await lead.press("◻ Mitglied1")
    await run_sweep(bot)
    assert len(surveys_of(ben)) == 1


async def test_a_sentence_is_cleaned_limited_and_stored(bot):
    meeting, lead, (anna, _), _ = await ended_meeting(bot)
    await record(bot, lead, present=("Mitglied0",))
    survey = surveys_of(anna)[0]
    await anna.press("4", message=survey)
    await anna.press("💬 Einen Satz dazu", message=survey)
    asked = "Schreib einen Satz (oder sprich ihn als Sprachnachricht), bitte ohne andere Personen beim Namen zu nennen"
    assert f"{asked} (höchstens 300 Zeichen" in anna.last_message().text
    replies = await anna.send("x" * 301)
    assert replies[-1].text == "Das ist zu lang: höchstens 300 Zeichen, bitte kürzer."
    replies = await anna.send("\u200b \u2800")
    assert "unsichtbaren Zeichen" in replies[-1].text
    replies = await anna.send("Mehr <b>Zeit</b>   für Fragen 😀")
    assert replies[0].text == "Danke, dein Satz ist gespeichert."
    assert "💬 Mehr <b>Zeit</b> für Fragen 😀" in replies[-1].text
    assert (await answer_row(bot, meeting.id, anna)).comment == "Mehr <b>Zeit</b> für Fragen 😀"


async def test_withdrawing_the_evaluation_consent_deletes_the_answer(bot):
    meeting, lead, (anna, _), _ = await ended_meeting(bot)
    await record(bot, lead, present=("Mitglied0",))
    await anna.press("2", message=surveys_of(anna)[0])
    await anna.press("💬 Einen Satz dazu")
    await anna.send("Zu lange Anfahrt")
    assert (await answer_row(bot, meeting.id, anna)).comment == "Zu lange Anfahrt"
    await anna.send("/privacy")
    await anna.press("Auswertung widerrufen")
    async with bot.db.transaction() as s:
        rows = (await s.execute(select(SurveyAnswer))).scalars().all()
        person = (await s.execute(select(Person).where(Person.telegram_id == anna.user_id))).scalar_one()
    assert rows == []  # "Deine Angaben kommen in keine künftige Auswertung"
    assert person.evaluation_consent is False
    await anna.press("4", message=surveys_of(anna)[0])
    assert anna.callback_answers[-1][0].startswith("Die Umfrage ist nur für alle, die der pseudonymisierten")


async def test_the_survey_is_in_english_for_english_speakers(bot):
    meeting, lead, (anna, _), _ = await ended_meeting(bot)
    await anna.send("/language")
    await anna.press("English")
    await record(bot, lead, present=("Mitglied0",))
    survey = [m for m in anna.messages if "Short survey on the meeting" in m.text]
    assert len(survey) == 1
    await anna.press("5", message=survey[0])
    assert "👍 Short distances" in survey[0].button_texts()


async def test_the_sweep_is_scheduled_at_the_start_and_repeats(bot):
    survey_job.schedule(bot.app)
    [job] = [j for j in bot.app.job_queue.jobs() if j.name == "survey-sweep"]
    assert job.trigger.interval == survey_job.SWEEP_EVERY
    job.schedule_removal()


async def test_guests_without_telegram_only_count_and_get_nothing(bot):
    meeting, lead, (anna, _), _ = await ended_meeting(bot)
    await lead.send("/attendance")
    await lead.press("Werkstatt Mobilität")
    await lead.press("+")
    await lead.press("+")
    await lead.press("◻ Mitglied0")
    await lead.press("✔ Fertig")
    await bot.deliver()
    rows = await survey_rows(bot, meeting.id)
    assert {r.chat_id for r in rows} == {anna.user_id}  # the survey and its reminder, both to Anna only


async def test_withdrawing_consent_before_the_survey_went_out_drops_it(bot):
    meeting, lead, (anna, _), _ = await ended_meeting(bot)
    bot.clock.set(bot.clock.now().replace(hour=21, minute=30))  # quiet: the survey waits for the morning
    await record(bot, lead, present=("Mitglied0",))
    await anna.send("/privacy")
    await anna.press("Auswertung widerrufen")
    await bot.deliver(advance=timedelta(hours=10))
    await run_sweep(bot)
    await bot.deliver(advance=timedelta(days=3))
    assert surveys_of(anna) == [] and reminders_of(anna) == []


async def test_erasure_keeps_the_coded_answer_without_the_person_and_the_sentence(bot):
    meeting, lead, (anna, _), _ = await ended_meeting(bot)
    await record(bot, lead, present=("Mitglied0",))
    await anna.press("5", message=surveys_of(anna)[0])
    await anna.press("💬 Einen Satz dazu")
    await anna.send("Anna aus Saalfeld fand es gut")
    await anna.send("/deleteme")
    await anna.press("Ja, alles löschen")
    async with bot.db.transaction() as s:
        [row] = (await s.execute(select(SurveyAnswer))).scalars().all()
    assert (row.person_id, row.comment, row.usefulness) == (None, None, 5)


async def test_a_sticker_instead_of_the_sentence_is_refused_politely(bot):
    meeting, lead, (anna, _), _ = await ended_meeting(bot)
    await record(bot, lead, present=("Mitglied0",))
    await anna.press("4", message=surveys_of(anna)[0])
    await anna.press("💬 Einen Satz dazu")
    replies = await anna.send_sticker()
    assert [m.text for m in replies] == ["Bitte schick mir deinen Satz als Text oder als Sprachnachricht."]
    assert (await answer_row(bot, meeting.id, anna)).comment is None


async def test_a_survey_missed_three_evenings_is_not_planned_a_fourth_time(bot):
    """Each evening the bot was down when the survey was due: three tries, then the sweep gives up."""
    meeting, lead, (anna, _), _ = await ended_meeting(bot)
    await lead.send("/attendance")
    await lead.press("Werkstatt Mobilität")
    await lead.press("◻ Mitglied0")
    bot.clock.set(bot.clock.now().replace(hour=19, minute=50))  # 20:50 in Berlin: due now, until 21:00
    await lead.press("✔ Fertig")
    for _ in range(3):
        await bot.deliver(advance=timedelta(minutes=40))  # 21:30: too late, the row is skipped
        await sweep_only(bot)  # planned again for 08:00 (while tries are left)
        bot.clock.advance(timedelta(hours=23, minutes=20))  # the bot "sleeps" through the day until 20:50
    await bot.deliver(advance=timedelta(minutes=40))
    assert await sweep_only(bot) == 0
    await bot.deliver(advance=timedelta(hours=11))
    assert surveys_of(anna) == []
    assert [r.status for r in await survey_rows(bot, meeting.id) if r.kind == "survey"] == ["skipped"] * 3


async def test_factor_and_obstacle_chips_never_share_a_row(bot):
    meeting, lead, (anna, _), _ = await ended_meeting(bot)
    await record(bot, lead, present=("Mitglied0",))
    survey = surveys_of(anna)[0]
    await anna.press("3", message=survey)
    rows = [{b.text[0] for b in row} for row in survey.buttons[1:-1]]
    assert all(len(icons) == 1 for icons in rows) and len(rows) == 8  # 7 factors and 7 obstacles, two per row
