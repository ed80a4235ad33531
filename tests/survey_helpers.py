"""Shared steps for survey tests: a team, a meeting that just ended, attendance recorded by the lead."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from models.tables import Outbox, SurveyAnswer
from scheduler.surveys import sweep
from tests.fakegram import SimUser
from tests.meeting_helpers import in_days, person_of, schedule, team_with_members

SURVEY = "📝 Kurze Umfrage zum Treffen"
REMINDER = "🔔 Erinnerung: Du hast die kurze Umfrage"


def surveys_of(user: SimUser) -> list:
    return [m for m in user.messages if SURVEY in m.text]


def reminders_of(user: SimUser) -> list:
    return [m for m in user.messages if m.text.startswith(REMINDER)]


async def ended_meeting(bot, extra=(), said_yes=()):
    """Lea leads, Mitglied0 (Saalfeld) and Mitglied1 (Rudolstadt) are members, plus `extra` (name, evaluation
    answer) registered and joined; a meeting tomorrow, the invitations sent, `said_yes` names answered Zusage,
    and the clock at the meeting's end (19:30 in Berlin)."""
    team, lead, members = await team_with_members(bot)
    others = []
    for name, evaluation in extra:
        user = await bot.register(bot.user(name), evaluation=evaluation, town="Rudolstadt")
        await user.send("/teams")
        await user.press(f"Beitreten: {team.name_de}")
        others.append(user)
    meeting = await schedule(bot, lead, team, in_days(bot, 1))
    await bot.deliver()
    for user in [*members, *others]:
        if user.first_name in said_yes:
            await user.press("Zusage", message=next(m for m in user.messages if "Werkstatt Mobilität" in m.text))
    bot.clock.set(meeting.starts_at + timedelta(minutes=meeting.duration_min))
    return meeting, lead, members, others


async def record(bot, lead: SimUser, present=("Mitglied0",)):
    """The lead ticks `present` on the attendance list and presses Fertig; due messages go out."""
    await lead.send("/attendance")
    await lead.press("Werkstatt Mobilität")
    for name in present:
        await lead.press(f"◻ {name}")
    await lead.press("✔ Fertig")
    await bot.deliver()


async def sweep_only(bot) -> int:
    """One run of the survey sweep job (scheduler/surveys.py); returns the rows planned."""
    return await sweep(bot.app.bot_data["services"])


async def run_sweep(bot) -> int:
    """The sweep, then everything due goes out."""
    planned = await sweep_only(bot)
    await bot.deliver()
    return planned


async def answer_row(bot, meeting_id: int, user: SimUser) -> SurveyAnswer | None:
    p = await person_of(bot, user)
    async with bot.db.transaction() as s:
        return (
            await s.execute(
                select(SurveyAnswer).where(SurveyAnswer.meeting_id == meeting_id, SurveyAnswer.person_id == p.id)
            )
        ).scalar_one_or_none()


async def survey_rows(bot, meeting_id: int) -> list[Outbox]:
    async with bot.db.transaction() as s:
        rows = await s.execute(
            select(Outbox).where(Outbox.meeting_id == meeting_id, Outbox.kind.in_(("survey", "survey_reminder")))
        )
        return list(rows.scalars())
