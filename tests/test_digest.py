"""The monthly digest: planned once per month and person from the configured time on the first, sent with one
chart to the manager (all teams) and each lead (their teams), in their language, never to members, never twice."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update

from models.evaluation import digest
from models.tables import IdeaCode, Meeting, Outbox, Person, Rsvp
from scheduler import digest as digest_job
from tests.conftest import START, start_bot, stop_bot
from tests.meeting_helpers import in_days, person_of, schedule, team_with_members

BERLIN = ZoneInfo("Europe/Berlin")
FIRST_OF_DECEMBER_9 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # 09:00 in Berlin


def digests(user):
    """The digests a user got: a chart with its caption, or the text alone when every bar is hidden."""
    return [m for m in user.messages if "📊" in (m.text or "") and "Monatsrückblick" in (m.text or "")]


async def held_meeting(bot, lead, team, guests: int = 2):
    """A meeting in November with every invitee present and some guests."""
    meeting = await schedule(bot, lead, team, in_days(bot, 1), duration_min=120)
    async with bot.db.transaction() as s:
        await s.execute(update(Rsvp).where(Rsvp.meeting_id == meeting.id).values(attended=True))
        await s.execute(update(Meeting).where(Meeting.id == meeting.id).values(guests=guests))
    return meeting


async def digest_rows(bot) -> int:
    async with bot.db.transaction() as s:
        return (await s.execute(select(func.count()).select_from(Outbox).where(Outbox.kind == "digest"))).scalar_one()


def test_the_digest_is_due_on_the_first_from_its_time_for_three_days_and_covers_the_previous_month():
    at = time(9, 0)
    assert digest.due_month(datetime(2026, 12, 1, 7, 59, tzinfo=UTC), BERLIN, at) is None  # 08:59 local
    month = digest.due_month(FIRST_OF_DECEMBER_9, BERLIN, at)
    assert month is not None and month.key == "2026-11"
    assert (month.start, month.end) == (
        datetime(2026, 10, 31, 23, 0, tzinfo=UTC),
        datetime(2026, 11, 30, 23, 0, tzinfo=UTC),
    )
    assert digest.due_month(datetime(2026, 12, 3, 22, 0, tzinfo=UTC), BERLIN, at).key == "2026-11"  # 23:00 local
    assert digest.due_month(datetime(2026, 12, 3, 23, 0, tzinfo=UTC), BERLIN, at) is None  # the 4th: too late
    assert digest.due_month(datetime(2027, 1, 1, 10, 0, tzinfo=UTC), BERLIN, at).key == "2026-12"
    assert digest.month_by_key("2026-13", BERLIN) is None and digest.month_by_key("x", BERLIN) is None
    assert digest.month_of(date(2026, 2, 14), BERLIN).end == datetime(2026, 2, 28, 23, 0, tzinfo=UTC)


async def test_manager_and_lead_get_last_months_figures_with_a_chart_members_get_nothing(bot):
    team, lead, members = await team_with_members(bot, members=2)
    await held_meeting(bot, lead, team, guests=2)  # Lea and two members present, two guests: 5 × 2 h
    manager = bot.manager()
    bot.clock.set(FIRST_OF_DECEMBER_9 - timedelta(minutes=1))
    assert await digest_job.check(bot.app.bot_data["services"]) == 0  # 08:59: not yet
    bot.clock.set(FIRST_OF_DECEMBER_9)
    assert await digest_job.check(bot.app.bot_data["services"]) == 2  # the manager and Lea
    await bot.deliver()
    (mine,) = digests(manager)
    assert "Monatsrückblick November 2026" in mine.text and "Alle Aktions-Teams" in mine.text
    assert "Treffen: 1" in mine.text and "Teilnahmen (mit Gästen): 5" in mine.text
    assert "Engagement-Stunden: 10" in mine.text and "Abschalten: /settings" in mine.text
    assert mine.photo.startswith(b"\x89PNG")
    (leads,) = digests(lead)
    assert team.name_de in leads.text and "Alle Aktions-Teams" not in leads.text
    assert all(digests(m) == [] for m in members)


async def test_the_digest_is_planned_once_also_after_a_restart_and_a_later_check(fake, db):
    bot = await start_bot(fake, db, __import__("models.clock", fromlist=["FrozenClock"]).FrozenClock(START))
    try:
        manager = await bot.register(bot.manager())
        bot.clock.set(FIRST_OF_DECEMBER_9)
        assert await digest_job.check(bot.app.bot_data["services"]) == 1
        await bot.deliver()
    finally:
        await stop_bot(bot)
    from models.clock import FrozenClock

    again = await start_bot(fake, db, FrozenClock(FIRST_OF_DECEMBER_9 + timedelta(hours=5)))
    try:
        assert await digest_job.check(again.app.bot_data["services"]) == 0
        await again.deliver()
        assert len(digests(manager)) == 1 and await digest_rows(again) == 1
    finally:
        await stop_bot(again)


async def test_the_running_bot_checks_by_itself_and_respects_the_switch_in_the_config(fake, db):
    from models.clock import FrozenClock

    bot = await start_bot(fake, db, FrozenClock(FIRST_OF_DECEMBER_9))
    try:
        await bot.register(bot.manager())
        digest_job.schedule(bot.app)
        (job,) = bot.app.job_queue.get_jobs_by_name("monthly-digest")
        await job.run(bot.app)  # the job's own wake-up, as the JobQueue fires it
        job.schedule_removal()
        assert await digest_rows(bot) == 1
    finally:
        await stop_bot(bot)
    off = await start_bot(fake, db, FrozenClock(FIRST_OF_DECEMBER_9), digest__enabled=False)
    try:
        digest_job.schedule(off.app)
        assert off.app.job_queue.get_jobs_by_name("monthly-digest") == ()
        assert await digest_job.check(off.app.bot_data["services"]) == 0
    finally:
        await stop_bot(off)


async def test_an_opted_out_lead_gets_none_and_the_switch_is_shown_only_to_managers_and_leads(bot):
    team, lead, members = await team_with_members(bot, members=1)
    await members[0].send("/settings")
    assert not any("Monatsrückblick" in b for b in members[0].last_message().button_texts())
    await lead.send("/settings")
    await lead.press("⬜ Monatsrückblick abbestellen")
    assert "✅ Monatsrückblick abbestellen" in lead.last_message().button_texts()
    assert (await person_of(bot, lead)).digest_opt_out is True
    manager = bot.manager()
    bot.clock.set(FIRST_OF_DECEMBER_9)
    assert await digest_job.check(bot.app.bot_data["services"]) == 1  # the manager only
    await bot.deliver()
    assert digests(lead) == [] and len(digests(manager)) == 1


async def test_a_lead_who_switches_off_after_planning_gets_nothing(bot):
    team, lead, _ = await team_with_members(bot, members=1)
    bot.clock.set(FIRST_OF_DECEMBER_9)
    assert await digest_job.check(bot.app.bot_data["services"]) == 2
    async with bot.db.transaction() as s:
        await s.execute(update(Person).where(Person.telegram_id == lead.user_id).values(digest_opt_out=True))
    await bot.deliver()
    assert digests(lead) == []


async def test_team_mix_hints_name_missing_towns_and_groups_and_codes_need_five_answers(bot):
    team, lead, members = await team_with_members(bot, members=1, towns=("Saalfeld",))
    bot.clock.set(FIRST_OF_DECEMBER_9)
    await digest_job.check(bot.app.bot_data["services"])
    await bot.deliver()
    (text,) = [m.text for m in digests(lead)]
    assert f"{team.name_de}: Aus Rudolstadt ist noch niemand dabei." in text
    assert f"{team.name_de}: Noch keine Unternehmer*innen dabei." in text
    assert "noch zu wenige Angaben (von weniger als 5 Personen)" in text and "Meistgenannt" not in text


async def test_the_most_named_code_is_shown_only_with_five_people_behind_it(bot):
    """Shared goal: four respondents (hidden). Travel time: four respondents and the author of a coded idea = five
    people (shown)."""
    team, lead, members = await team_with_members(bot, members=1)
    meeting = await held_meeting(bot, lead, team)
    from models.tables import SurveyAnswer
    from tests.test_ideas_domain import submit

    async with bot.db.transaction() as s:
        author = await person_of(bot, members[0])
        for i in range(5):
            s.add(
                SurveyAnswer(
                    meeting_id=meeting.id,
                    person_id=None,
                    usefulness=4,
                    factors=["shared_goal"] if i < 4 else [],
                    obstacles=["travel_time"] if i else ["no_funding"],
                    created_at=START,
                    updated_at=START,
                )
            )
        author = await s.get(Person, author.id)
        idea = await submit(s, author, team_id=team.id)
        s.add(IdeaCode(idea_id=idea.id, kind="obstacle", code="travel_time", created_at=START))
    bot.clock.set(FIRST_OF_DECEMBER_9)
    await digest_job.check(bot.app.bot_data["services"])
    await bot.deliver()
    (text,) = [m.text for m in digests(lead)]
    assert "Meistgenanntes Hemmnis: Lange Fahrzeit (5×)" in text
    assert "Erfolgsfaktor" not in text  # shared goal: four people only


async def test_an_english_lead_reads_it_in_english(bot):
    team, lead, _ = await team_with_members(bot, members=1)
    async with bot.db.transaction() as s:
        await s.execute(update(Person).where(Person.telegram_id == lead.user_id).values(language="en"))
    bot.clock.set(FIRST_OF_DECEMBER_9)
    await digest_job.check(bot.app.bot_data["services"])
    await bot.deliver()
    (text,) = [m.text for m in lead.messages if m.photo is not None]
    assert "Monthly digest November 2026" in text and "Switch off: /settings" in text


async def test_a_lead_who_lost_the_lead_before_sending_gets_nothing(bot):
    from models.tables import Membership

    team, lead, _ = await team_with_members(bot, members=1)
    bot.clock.set(FIRST_OF_DECEMBER_9)
    assert await digest_job.check(bot.app.bot_data["services"]) == 2
    lea = await person_of(bot, lead)
    async with bot.db.transaction() as s:
        await s.execute(update(Membership).where(Membership.person_id == lea.id).values(role="member"))
    await bot.deliver()
    assert digests(lead) == []


async def test_the_chart_is_a_picture_of_attendance_per_meeting_for_a_lead(bot):
    team, lead, _ = await team_with_members(bot, members=2)
    await held_meeting(bot, lead, team, guests=3)
    bot.clock.set(FIRST_OF_DECEMBER_9)
    await digest_job.check(bot.app.bot_data["services"])
    await bot.deliver()
    (mine,) = digests(lead)
    assert len(mine.photo) > 5000  # a drawn chart, not an empty canvas
