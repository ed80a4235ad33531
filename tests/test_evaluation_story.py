"""Issue 8 end to end through the fake server: a lead records attendance, the present members answer the survey
in the chat, and the manager's evaluation report (PDF) shows exactly what they answered."""

from datetime import timedelta

from sqlalchemy import func, select

from models.tables import SurveyAnswer
from tests.evaluation_report_helpers import pdf_text
from tests.meeting_helpers import in_days, schedule, team_with_members
from tests.survey_helpers import surveys_of
from tests.test_evaluation_report import BUTTON

ANSWERS = (("5", "👍 Kurze Wege"), ("4", "👍 Kurze Wege"), ("4", "👎 Lange Fahrzeit"), ("3", None), ("5", None))


async def test_surveys_answered_in_the_chat_come_out_in_the_managers_pdf(bot):
    team, lead, members = await team_with_members(bot, members=5)
    meeting = await schedule(bot, lead, team, in_days(bot, 1), duration_min=120)
    await bot.deliver()
    bot.clock.set(meeting.starts_at + timedelta(minutes=120))
    await lead.send("/attendance")
    await lead.press("Werkstatt Mobilität")
    for member in members:
        await lead.press(f"◻ {member.first_name}")
    await lead.press("✔ Fertig")
    await bot.deliver()
    for member, (use, chip) in zip(members, ANSWERS, strict=True):
        [survey] = surveys_of(member)
        await member.press(use, message=survey)
        if chip:
            await member.press(chip, message=survey)
        await member.press("✔ Fertig", message=survey)
        assert survey.text.startswith("✅ Danke!")
    async with bot.db.transaction() as s:
        assert (await s.execute(select(func.count()).select_from(SurveyAnswer))).scalar_one() == 5

    manager = bot.manager()
    offer = (await manager.send("/report", timeout=60))[-1]
    replies = await manager.press(BUTTON, message=offer, timeout=90)
    (_, pdf, _) = replies[1].document
    words = " ".join(pdf_text(pdf).split())
    assert "5 Antworten der Kurzumfrage" in words
    assert "Rücklauf der Kurzumfrage: 5 von 5 Befragten (100 %)." in words  # the surveys the outbox sent
    assert "Rücklauf der Kurzumfrage: Befragte, Antworten und Rücklaufquote" in words  # the table of its own
    row = "Rücklauf (%) Aktions-Team Daseinsvorsorge 2026-11 5 5 100 Aktions-Team Daseinsvorsorge alle 5 5 100"
    assert row in words
    assert "4,2 Nutzen der Treffen (1–5)" in words  # (5 + 4 + 4 + 3 + 5) / 5
    assert "10,0 Stunden Engagement" in words  # five present (Lea not ticked) × 2 hours
    # two people named short distances, one travel time: the codes are named, their counts hidden (< 5 people)
    hidden = "Nennungen: nicht gezeigt (weniger als 5 Personen)"
    assert f"„Kurze Wege“, {hidden}" in words and f"„Lange Fahrzeit“, {hidden}" in words
    assert "< 5" not in words
