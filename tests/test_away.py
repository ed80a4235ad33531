"""The one question to members who stopped coming: who is asked, when, once; answering; refusals; the switch."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from sqlalchemy import select

from models import people
from models.meetings import attendance
from models.surveys import away
from models.tables import AwayAnswer, Outbox, Person
from scheduler import away as away_job
from tests.meeting_helpers import in_days, person_of, schedule, team_with_members

ASKED = "Wir haben dich vermisst"


def questions_of(user) -> list:
    return [m for m in user.messages if ASKED in m.text]


async def history(bot, absent_from: int = 2, meetings: int = 5):
    """Lea leads Mitglied0 (Anna) and Mitglied1 (Ben); `meetings` meetings a week apart with attendance recorded:
    Ben at every one, Anna at those before `absent_from`. The clock ends at 11:00 in Berlin, two days after the last."""
    team, lead, (anna, ben) = await team_with_members(bot)
    lea = await person_of(bot, lead)
    ids = {anna: (await person_of(bot, anna)).id, ben: (await person_of(bot, ben)).id}
    for i in range(meetings):
        meeting = await schedule(bot, lead, team, in_days(bot, 1), title=f"Treffen {i}")
        bot.clock.set(meeting.starts_at + timedelta(hours=2))
        present = [ben] if i >= absent_from else [anna, ben]
        async with bot.db.transaction() as s:
            for user in present:
                await attendance.set_attended(s, lea, meeting.id, ids[user], True, bot.clock.now())
            await attendance.finish(s, lea, meeting.id, bot.clock.now())
        await bot.deliver()
        bot.clock.advance(timedelta(days=6))
    bot.clock.set(bot.clock.now().replace(hour=10, minute=0))  # 11:00 in Berlin
    return team, lead, anna, ben


async def run_job(bot) -> None:
    """One run of the daily job, as the JobQueue calls it; then everything due goes out."""
    await away_job.job(SimpleNamespace(application=bot.app, bot=bot.app.bot))
    await bot.deliver()


async def rows(bot) -> list[AwayAnswer]:
    async with bot.db.transaction() as s:
        return list((await s.execute(select(AwayAnswer))).scalars())


async def test_present_twice_then_absent_three_times_is_asked_once_and_answers_with_chips(bot):
    team, lead, anna, ben = await history(bot)
    await run_job(bot)
    [question] = questions_of(anna)
    assert team.name_de in question.text and "Was hat dich abgehalten" in question.text
    assert questions_of(ben) == [] and questions_of(lead) == []  # Ben kept coming, Lea was never ticked present
    await anna.press("👎 Lange Fahrzeit", message=question)
    assert "✅ Lange Fahrzeit" in question.button_texts()
    await anna.press("✔ Fertig", message=question)
    assert question.text.startswith("✅ Danke!") and "Lange Fahrzeit" in question.text
    [row] = await rows(bot)
    assert row.obstacles == ["travel_time"] and row.answered_at is not None
    seen = len(anna.messages)
    bot.clock.advance(timedelta(days=1))
    await run_job(bot)
    assert len(anna.messages) == seen and len(await rows(bot)) == 1  # once per person and team


async def test_absent_only_twice_or_present_only_once_is_not_asked(bot):
    await history(bot, absent_from=2, meetings=4)  # two presences, then two absences
    await run_job(bot)
    assert await rows(bot) == []


async def test_a_member_present_once_then_away_is_not_asked(bot):
    await history(bot, absent_from=1, meetings=4)  # one presence, then three absences
    await run_job(bot)
    assert await rows(bot) == []


async def test_found_in_quiet_hours_the_question_waits_for_the_morning(bot):
    team, lead, anna, ben = await history(bot)
    bot.clock.set(bot.clock.now().replace(hour=21, minute=30))  # 22:30 in Berlin
    await run_job(bot)
    assert questions_of(anna) == []
    await bot.deliver(advance=timedelta(hours=8))  # 06:30 in Berlin: still quiet
    assert questions_of(anna) == []
    await bot.deliver(advance=timedelta(hours=1, minutes=30))  # 08:00
    assert len(questions_of(anna)) == 1


async def test_without_evaluation_consent_nobody_is_asked(bot):
    team, lead, anna, ben = await history(bot)
    pid = (await person_of(bot, anna)).id
    async with bot.db.transaction() as s:
        p = await s.get(Person, pid)
        await people.set_evaluation_consent(s, p, False, bot.clock.now())
    await run_job(bot)
    assert questions_of(anna) == [] and await rows(bot) == []


async def test_switched_off_in_settings_nobody_is_asked(bot):
    team, lead, anna, ben = await history(bot)
    await anna.send("/settings")
    await anna.press("⬜ Frage nach dem Wegbleiben abschalten")
    assert (await person_of(bot, anna)).away_opt_out is True
    await run_job(bot)
    assert questions_of(anna) == []


async def test_switching_off_drops_a_waiting_question(bot):
    team, lead, anna, ben = await history(bot)
    bot.clock.set(bot.clock.now().replace(hour=21, minute=30))  # planned for the morning
    await away_job.plan(bot.app.bot_data["services"])
    await anna.send("/settings")
    await anna.press("⬜ Frage nach dem Wegbleiben abschalten")
    await bot.deliver(advance=timedelta(hours=11))
    assert questions_of(anna) == []
    async with bot.db.transaction() as s:
        [status] = (await s.execute(select(Outbox.status).where(Outbox.kind == away.AWAY))).scalars()
    assert status == "cancelled"


async def test_a_double_tap_changes_nothing(bot):
    team, lead, anna, ben = await history(bot)
    await run_job(bot)
    [question] = questions_of(anna)
    [row] = await rows(bot)
    data = f"aw:1:{row.id}:o:travel_time:1"
    await anna.press_data(data, message=question)
    await anna.press_data(data, message=question)
    assert anna.callback_answers[-1][0] == "Das war schon so gespeichert."
    assert (await rows(bot))[0].obstacles == ["travel_time"]


async def test_after_leaving_the_team_a_tap_is_answered_kindly_and_changes_nothing(bot):
    team, lead, anna, ben = await history(bot)
    await run_job(bot)
    [question] = questions_of(anna)
    await anna.send("/teams")
    await anna.press(f"Verlassen: {team.name_de}")
    await anna.press("👎 Lange Fahrzeit", message=question)
    assert "nicht mehr in diesem Team" in anna.callback_answers[-1][0]
    [row] = await rows(bot)
    assert row.obstacles == [] and row.answered_at is None


async def test_after_withdrawing_consent_the_answer_is_gone_and_a_tap_changes_nothing(bot):
    team, lead, anna, ben = await history(bot)
    await run_job(bot)
    [question] = questions_of(anna)
    await anna.press("👎 Lange Fahrzeit", message=question)
    [row] = await rows(bot)
    pid = (await person_of(bot, anna)).id
    async with bot.db.transaction() as s:
        p = await s.get(Person, pid)
        await people.set_evaluation_consent(s, p, False, bot.clock.now())
    assert await rows(bot) == []
    await anna.press_data(f"aw:1:{row.id}:o:travel_time:0", message=question)
    assert "gibt es nicht mehr" in anna.callback_answers[-1][0]
    assert await rows(bot) == []


async def test_someone_else_pressing_the_button_is_refused(bot):
    team, lead, anna, ben = await history(bot)
    await run_job(bot)
    [row] = await rows(bot)
    await ben.send("/settings")
    await ben.press_data(f"aw:1:{row.id}:o:travel_time:1", message=ben.last_message())
    assert ben.callback_answers[-1][0] == "Diese Frage ist nicht für dich."
    assert (await rows(bot))[0].obstacles == []


async def test_a_sentence_can_be_added_and_the_question_closes_after_two_weeks(bot):
    team, lead, anna, ben = await history(bot)
    await run_job(bot)
    [question] = questions_of(anna)
    await anna.press("💬 Einen Satz dazu", message=question)
    await anna.send("Die Treffen lagen zu spät am Abend.")
    assert "Die Treffen lagen zu spät am Abend." in anna.last_message().text
    assert (await rows(bot))[0].comment == "Die Treffen lagen zu spät am Abend."
    bot.clock.advance(away.OPEN_FOR)
    await anna.press("👎 Lange Fahrzeit", message=question)
    assert "geschlossen" in anna.callback_answers[-1][0]


async def test_mydata_shows_the_answer_and_deleteme_keeps_it_unlinked_without_the_sentence(bot):
    import json

    team, lead, anna, ben = await history(bot)
    await run_job(bot)
    [question] = questions_of(anna)
    await anna.press("👎 Lange Fahrzeit", message=question)
    await anna.press("💬 Einen Satz dazu", message=question)
    await anna.send("Zu weit weg.")
    [reply] = await anna.send("/mydata")
    [mine] = json.loads(reply.document[1])["away_answers"]
    assert mine["obstacles"] == ["travel_time"] and mine["comment"] == "Zu weit weg."
    pid = (await person_of(bot, anna)).id
    async with bot.db.transaction() as s:
        from models.privacy.core import erase_person

        await erase_person(s, await s.get(Person, pid))
    [row] = await rows(bot)
    assert row.person_id is None and row.comment is None and row.obstacles == ["travel_time"]


async def test_the_job_runs_daily_and_once_after_the_start(bot):
    away_job.schedule(bot.app)
    [daily] = bot.app.job_queue.get_jobs_by_name("stayed-away")
    assert daily.next_t.astimezone(bot.config.time_zone).time().isoformat() == "11:00:00"
    assert bot.app.job_queue.get_jobs_by_name("stayed-away-start")
    for job in (daily, *bot.app.job_queue.get_jobs_by_name("stayed-away-start")):
        job.schedule_removal()


async def test_the_question_is_in_english_for_english_speakers(bot):
    team, lead, anna, ben = await history(bot)
    await anna.send("/language")
    await anna.press("English")
    await run_job(bot)
    [question] = [m for m in anna.messages if "We missed you" in m.text]
    assert "What kept you away?" in question.text and "👎 Travel time" in question.button_texts()


async def test_the_answers_are_a_figure_of_their_own_in_the_report_hidden_below_five_people(bot):
    from tests.evaluation_report_helpers import pdf_text
    from tests.test_evaluation_report import BUTTON

    team, lead, anna, ben = await history(bot)
    await run_job(bot)
    [question] = questions_of(anna)
    await anna.press("👎 Lange Fahrzeit", message=question)
    manager = bot.manager()
    offer = (await manager.send("/report", timeout=60))[-1]
    replies = await manager.press(BUTTON, message=offer, timeout=90)
    words = " ".join(pdf_text(replies[1].document[1]).split())
    assert "Gründe fürs Wegbleiben Grund Personen alle •" in words  # one person: hidden, the marker explained
    assert "Lange Fahrzeit 1" not in words


async def test_a_question_not_sent_before_quiet_hours_is_planned_again_for_the_morning(bot):
    team, lead, anna, ben = await history(bot)
    bot.clock.set(bot.clock.now().replace(hour=19, minute=50))  # 20:50 in Berlin: due now, quiet from 21:00
    await away_job.plan(bot.app.bot_data["services"])
    bot.clock.advance(timedelta(minutes=40))  # the bot was down: at 21:30 the row has expired unsent
    await bot.deliver()
    assert questions_of(anna) == []
    await run_job(bot)  # 21:30: planned again, for the morning
    assert questions_of(anna) == []
    await bot.deliver(advance=timedelta(hours=10, minutes=30))  # 08:00
    assert len(questions_of(anna)) == 1
    await run_job(bot)
    await bot.deliver(advance=timedelta(hours=1))
    assert len(questions_of(anna)) == 1 and len(await rows(bot)) == 1


async def test_someone_who_left_the_team_before_the_question_went_out_gets_none(bot):
    team, lead, anna, ben = await history(bot)
    bot.clock.set(bot.clock.now().replace(hour=21, minute=30))  # planned for the morning
    await away_job.plan(bot.app.bot_data["services"])
    await anna.send("/teams")
    await anna.press(f"Verlassen: {team.name_de}")
    await bot.deliver(advance=timedelta(hours=11))
    assert questions_of(anna) == []
