"""The lead's survey entry for a member without Telegram: the score and the member's own chips (success factors
and obstacles), marked entered by proxy and audited; refused kindly without evaluation consent or presence; and
the evaluation's figures counting her once."""

from datetime import timedelta

from sqlalchemy import func, select, text

from handlers.reports.evaluation_words import vocabulary
from models import audit
from models.evaluation import attendance as attendance_data
from models.evaluation import figures
from models.evaluation import survey as survey_figures
from models.tables import AuditEntry, SurveyAnswer
from tests.meeting_helpers import in_days, schedule
from tests.test_proxy_members import person_named, two_proxies

PROXY_BUTTON = "📞 Ohne Telegram (2): eintragen"


async def _after_meeting_with_both_coming(bot, erna_says="✅ Zusage"):
    """Erna (evaluation consent) and Kurt (none) answered (Kurt yes); the meeting is over; the lead is in
    /attendance."""
    team, lead, members = await two_proxies(bot)
    erna, kurt = await person_named(bot, "Erna Beispiel"), await person_named(bot, "Kurt Muster")
    meeting = await schedule(bot, lead, team, in_days(bot, 3))
    await bot.deliver()
    await lead.send("/meetings")
    await lead.press(PROXY_BUTTON)
    for name, says in (("Erna Beispiel", erna_says), ("Kurt Muster", "✅ Zusage")):
        await lead.press(f"{name}: ❔ offen")
        await lead.press(says)
    bot.clock.set(meeting.starts_at + timedelta(minutes=meeting.duration_min))
    await lead.send("/attendance")
    await lead.press("Werkstatt Mobilität")
    return team, lead, members, meeting, erna, kurt


async def _answers(bot, meeting_id):
    async with bot.db.transaction() as s:
        return list((await s.execute(select(SurveyAnswer).where(SurveyAnswer.meeting_id == meeting_id))).scalars())


async def _audited(bot) -> int:
    async with bot.db.transaction() as s:
        return await s.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == audit.PROXY_SURVEY)
        )


def _data(message, label):
    return next(b.callback_data for b in message.flat_buttons() if b.text == label)


async def test_the_lead_enters_score_factor_and_obstacle_by_proxy_and_double_presses_change_nothing(bot):
    _, lead, (anna, _), meeting, erna, _ = await _after_meeting_with_both_coming(bot)
    await lead.press("◻ Erna Beispiel")
    await lead.press(PROXY_BUTTON)
    await lead.press("Erna Beispiel: ✅ Zusage")
    screen = lead.last_message()
    assert screen.button_texts()[:5] == ["1", "2", "3", "4", "5"]
    assert not any(t.startswith("👍") for t in screen.button_texts())  # chips only once the score is given
    await lead.press("4")
    assert lead.callback_answers[-1][0] == "Umfrage-Antwort für Erna Beispiel eingetragen."
    screen = lead.last_message()
    assert "Einen Satz trägst du nicht ein" in screen.text and "• 4" in screen.button_texts()
    factor = _data(screen, "👍 Kurze Wege")
    await lead.press("👍 Kurze Wege")
    assert "✅ Kurze Wege" in lead.last_message().button_texts()
    await lead.press("👎 Lange Fahrzeit")
    assert "👎 ✅" not in lead.last_message().text and "👍 Kurze Wege" in lead.last_message().text
    assert "👎 Lange Fahrzeit" in lead.last_message().text  # the summary lines of the member's own survey
    [row] = await _answers(bot, meeting.id)
    assert (row.person_id, row.usefulness, row.factors, row.obstacles, row.entered_by_proxy, row.comment) == (
        erna.id, 4, ["short_distances"], ["travel_time"], True, None,
    )  # fmt: skip
    assert await _audited(bot) == 3

    # the same press again (a double tap, or the old message's button) changes and records nothing
    await lead.press("• 4")
    assert lead.callback_answers[-1][0] == "Das war schon so gespeichert."
    await lead.press_data(factor)
    assert lead.callback_answers[-1][0] == "Das war schon so gespeichert."
    [same] = await _answers(bot, meeting.id)
    assert (same.usefulness, same.factors, same.obstacles, same.updated_at) == (
        4, ["short_distances"], ["travel_time"], row.updated_at,
    )  # fmt: skip
    assert await _audited(bot) == 3

    # a member of the team (not its lead) cannot enter for her, even with a forged button
    await anna.send("/start")
    await anna.press_data(factor.replace("short_distances", "shared_goal"), message=anna.last_message())
    assert anna.callback_answers[-1][0] != "Umfrage-Antwort für Erna Beispiel eingetragen."

    # a forged chip outside the config, and a chip after the survey closed, are refused and change nothing
    await lead.press_data(factor.replace("short_distances", "bribery"))
    assert lead.callback_answers[-1][0] == "Dieser Knopf ist nicht mehr aktuell. Tippe /start für das Menü."
    bot.clock.set(meeting.starts_at + timedelta(days=30))
    await lead.press_data(factor[:-1] + "0")  # untick: refused, the survey is closed
    assert lead.callback_answers[-1][0].startswith("Die Umfrage zu diesem Treffen ist geschlossen")
    [after] = await _answers(bot, meeting.id)
    assert after.factors == ["short_distances"] and await _audited(bot) == 3


async def test_without_evaluation_consent_or_presence_the_entry_is_refused_kindly(bot):
    _, lead, _, meeting, erna, kurt = await _after_meeting_with_both_coming(bot, "🤔 Vielleicht")
    await lead.press("◻ Kurt Muster")  # present, but no consent to the evaluation
    await lead.press(PROXY_BUTTON)
    await lead.press("Erna Beispiel: 🤔 Vielleicht")  # consent, but not ticked present
    chip = _data(lead.last_message(), "4").replace(":s:4", ":f:short_distances:1")
    await lead.press("4")
    assert lead.callback_answers[-1][0].startswith("Nur wer als anwesend eingetragen ist")
    await lead.press_data(chip)
    assert lead.callback_answers[-1][0].startswith("Nur wer als anwesend eingetragen ist")
    await lead.press("◀ Zurück")
    await lead.press("Kurt Muster: ✅ Zusage")
    await lead.press("4")
    assert (
        lead.callback_answers[-1][0]
        == "Ohne Einwilligung zur Auswertung kann keine Umfrage-Antwort eingetragen werden."
    )
    await lead.press_data(chip.replace(f":{erna.id}:", f":{kurt.id}:"))
    assert lead.callback_answers[-1][0].startswith("Ohne Einwilligung zur Auswertung")
    assert await _answers(bot, meeting.id) == [] and await _audited(bot) == 0


async def test_the_evaluation_counts_a_consenting_proxy_member_once_and_not_one_without_consent(bot):
    _, lead, _, meeting, erna, kurt = await _after_meeting_with_both_coming(bot)
    await lead.press("◻ Erna Beispiel")
    await lead.press("◻ Kurt Muster")
    await lead.press(PROXY_BUTTON)
    await lead.press("Erna Beispiel: ✅ Zusage")
    await lead.press("4")
    await lead.press("👍 Kurze Wege")
    await lead.press("👎 Lange Fahrzeit")
    await lead.send("/attendance")
    await lead.press("Werkstatt Mobilität")
    await lead.press("✔ Fertig")  # the attendance is recorded: the meeting counts as held
    async with bot.db.transaction() as s:
        # a row for Kurt slipped in (say, consent withdrawn on paper later): the figures leave it out all the same
        s.add(
            SurveyAnswer(
                meeting_id=meeting.id, person_id=kurt.id, person_group=kurt.stakeholder_group,
                person_town=kurt.town, usefulness=1, factors=[], obstacles=["no_funding"], entered_by_proxy=True,
                created_at=bot.clock.now(), updated_at=bot.clock.now(),
            )
        )  # fmt: skip
    async with bot.db.transaction() as s:
        said = await survey_figures.answers(s, None, None)
        loaded = await attendance_data.load(s)
        fig = await figures.all_figures(s, None, None, vocabulary(bot.config, "de"), suppress=False)
    assert [(a.person, a.usefulness, a.factors, a.obstacles) for a in said] == [
        (erna.id, 4, ("short_distances",), ("travel_time",))
    ]
    mine = [p for p in loaded.present if p.meeting.id == meeting.id]
    assert sorted(p.person for p in mine) == sorted([erna.id, kurt.id])  # attendance counts everyone present
    head = fig.summary
    assert (head.meetings.value, head.attendances.value, head.active.value, head.guests.value) == (1, 2, 2, 0)
    assert head.hours.value == 3.0  # two people × 90 minutes, each once
    assert (head.answers.value, head.answers.n, head.usefulness.value) == (1, 1, 4.0)  # Erna's, not Kurt's
    assert (head.top_factor.code, head.top_factor.mentions.value) == ("short_distances", 1)
    assert (head.top_obstacle.code, head.top_obstacle.mentions.value) == ("travel_time", 1)
    [month] = fig.engagement.by_month.rows
    assert [c.value for c in month.cells][:2] == [3.0, 2]
    assert [(r.keys, [c.value for c in r.cells]) for r in fig.survey.usefulness_by_team.rows] == [
        (("daseinsvorsorge",), [4.0, 1])
    ]
    codes = {r.keys: r.cells[0].value for r in fig.survey.codes_total.rows}
    assert codes == {
        ("survey", "factor", "short_distances"): 1, ("survey", "obstacle", "travel_time"): 1,
        ("all", "factor", "short_distances"): 1, ("all", "obstacle", "travel_time"): 1,
    }  # fmt: skip
    # the lead asked Erna in person: her answer entered by proxy counts as asked and answered in the response,
    # in the figure and in the analysts' view alike
    response = {r.keys: [c.value for c in r.cells] for r in fig.survey.response.rows}
    assert response[("all", "all")][:3] == [1, 1, 100]
    async with bot.db.transaction() as s:
        viewed = (await s.execute(text("SELECT person FROM v_survey_sent"))).scalars().all()
    assert viewed == [erna.pseudonym]
