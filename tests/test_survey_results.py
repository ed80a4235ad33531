"""/feedback: leads see their teams' survey results, the manager all teams, figures only from 5 answers on."""

from datetime import timedelta

from sqlalchemy import select

from models.tables import Meeting, SurveyAnswer, Team
from tests.meeting_helpers import in_days, schedule, team_with_members


async def add_answers(bot, meeting_id: int, values, factors=("short_distances",), obstacles=()):
    """Answers as the survey stores them (the answering itself is tested in test_survey.py)."""
    async with bot.db.transaction() as s:
        for v in values:
            s.add(
                SurveyAnswer(
                    meeting_id=meeting_id,
                    person_id=None,
                    person_group="citizen",
                    person_town="saalfeld",
                    usefulness=v,
                    factors=list(factors),
                    obstacles=list(obstacles),
                    created_at=bot.clock.now(),
                    updated_at=bot.clock.now(),
                )
            )


async def team_meeting(bot, title="Werkstatt Mobilität", days=1, setup=None):
    team, lead, members = setup or await team_with_members(bot)
    meeting = await schedule(bot, lead, team, in_days(bot, days), title=title)
    return team, lead, members, meeting


async def test_a_lead_sees_too_few_answers_below_five(bot):
    team, lead, _, meeting = await team_meeting(bot)
    await add_answers(bot, meeting.id, [5, 4, 4, 3])
    [screen] = await lead.send("/feedback")
    assert "Rückmeldungen aus den Umfragen nach Treffen" in screen.text
    assert f"{team.name_de}\nNoch zu wenige Antworten (weniger als 5)." in screen.text
    assert "Nützlichkeit" not in screen.text and "Kurze Wege" not in screen.text


async def test_a_lead_sees_the_mean_with_n_and_the_most_named_codes_from_five_answers(bot):
    team, lead, _, meeting = await team_meeting(bot)
    await add_answers(bot, meeting.id, [5, 4, 4, 3], obstacles=("travel_time",))
    await add_answers(bot, meeting.id, [None], factors=("shared_goal",))
    [screen] = await lead.send("/feedback")
    assert "Insgesamt: Nützlichkeit 4,0 von 5 (n = 4) · 5 Antworten" in screen.text
    # each code named by fewer than 5 people: named, but how many stays hidden
    assert "👍 Geholfen: Kurze Wege (•) · Gemeinsames Ziel (•)" in screen.text
    assert "👎 Im Weg: Lange Fahrzeit (•)" in screen.text
    assert "„•“: von weniger als 5 Personen genannt – Zahl nicht gezeigt" in screen.text
    assert "• „Werkstatt Mobilität“, Do., 26. Nov. 2026: 4,0 von 5 (n = 4)" in screen.text


async def test_a_meeting_that_could_be_worked_out_by_subtraction_is_held_back(bot):
    team, lead, members, first = await team_meeting(bot)
    _, _, _, second = await team_meeting(bot, "Zweites Treffen", days=2, setup=(team, lead, members))
    await add_answers(bot, first.id, [5, 5, 5, 5, 5])
    await add_answers(bot, second.id, [1])  # alone it is hidden; total minus the first would reveal it
    [screen] = await lead.send("/feedback")
    assert "n = 6" in screen.text
    assert "„Werkstatt Mobilität“, Do., 26. Nov. 2026: noch zu wenige Antworten" in screen.text
    assert "„Zweites Treffen“, Fr., 27. Nov. 2026: noch zu wenige Antworten" in screen.text


async def test_a_lead_sees_only_the_teams_she_leads(bot):
    team, lead, _, meeting = await team_meeting(bot)
    async with bot.db.transaction() as s:
        other = (await s.execute(select(Team).where(Team.id != team.id).order_by(Team.id))).scalars().first()
        s.add(
            Meeting(team_id=other.id, title="Fremdes Treffen", starts_at=bot.clock.now() - timedelta(days=1),
                    duration_min=60, status="scheduled", sequence=0, reminder_offsets=[],
                    created_at=bot.clock.now(), updated_at=bot.clock.now(), guests=0)
        )  # fmt: skip
    [screen] = await lead.send("/feedback")
    assert team.name_de in screen.text and other.name_de not in screen.text


async def test_the_manager_sees_every_team_with_the_same_rule(bot):
    team, lead, _, meeting = await team_meeting(bot)
    await add_answers(bot, meeting.id, [2, 2, 3, 3, 5])
    manager = bot.manager()
    [screen] = await manager.send("/feedback")
    async with bot.db.transaction() as s:
        names = list((await s.execute(select(Team.name_de))).scalars())
    assert all(name in screen.text for name in names)
    assert "Insgesamt: Nützlichkeit 3,0 von 5 (n = 5)" in screen.text
    assert screen.text.count("Noch keine Antworten.") == len(names) - 1


async def test_a_member_is_told_who_sees_the_feedback(bot):
    team, lead, (anna, _), meeting = await team_meeting(bot)
    await add_answers(bot, meeting.id, [5, 5, 5, 5, 5])
    [screen] = await anna.send("/feedback")
    assert screen.text == "Die Rückmeldungen sieht die Teamleitung für ihre Teams und das Projektmanagement für alle."


async def test_feedback_is_in_the_leads_help_in_german_and_english(bot):
    team, lead, (anna, _), _ = await team_meeting(bot)
    [help_text] = await lead.send("/help")
    assert "/feedback – Rückmeldungen zu Treffen: Nützlichkeit, was half, was bremste (Teamleitung)" in help_text.text
    [member_help] = await anna.send("/help")
    assert "/feedback" not in member_help.text


async def test_one_more_answer_does_not_change_the_released_figure(bot):
    """A lead saw "4,2 (n = 6)"; after a meeting only Anton answered, "3,9 (n = 7)" would give his rating away
    (7 × 3,9 − 6 × 4,2). The figure stays until at least 5 new answers stand behind a change."""
    team, lead, members, first = await team_meeting(bot)
    _, _, _, second = await team_meeting(bot, "Zweites Treffen", days=2, setup=(team, lead, members))
    await add_answers(bot, first.id, [5, 5, 4, 4, 4, 3])  # 25 / 6 = 4.17
    [screen] = await lead.send("/feedback")
    assert "Insgesamt: Nützlichkeit 4,2 von 5 (n = 6) · 6 Antworten" in screen.text
    await add_answers(bot, second.id, [2])  # Anton alone
    [screen] = await lead.send("/feedback")
    assert "Insgesamt: Nützlichkeit 4,2 von 5 (n = 6) · 6 Antworten" in screen.text
    assert "3,9" not in screen.text and "n = 7" not in screen.text
    [screen] = await bot.manager().send("/feedback")  # the manager sees the same release
    assert "Nützlichkeit 4,2 von 5 (n = 6)" in screen.text
    await add_answers(bot, second.id, [4, 4, 4])  # 4 new answers since the release: still kept
    [screen] = await lead.send("/feedback")
    assert "(n = 6)" in screen.text
    await add_answers(bot, second.id, [3])  # the fifth new answer: now the change stands on 5 answers
    [screen] = await lead.send("/feedback")
    assert "Insgesamt: Nützlichkeit 3,8 von 5 (n = 11) · 11 Antworten" in screen.text  # 42 / 11 = 3.82


async def test_a_mean_is_rounded_half_up(bot):
    team, lead, _, meeting = await team_meeting(bot)
    await add_answers(bot, meeting.id, [5, 4, 4, 4, 5, 5, 4, 3])  # 34 / 8 = 4.25
    [screen] = await lead.send("/feedback")
    assert "Nützlichkeit 4,3 von 5 (n = 8)" in screen.text  # half to even would say 4,2


async def test_the_result_says_how_many_of_the_people_asked_answered(bot):
    """Results can be judged for bias only with the response: 6 of the 11 people the survey went to."""
    from models import people
    from models.tables import Outbox

    team, lead, _, meeting = await team_meeting(bot)
    async with bot.db.transaction() as s:
        for i in range(12):  # the twelfth survey never went out (switched off before): not asked
            p, _ = await people.register(s, telegram_id=9600000001 + i, display_name=f"Befragte {i}", language="de",
                                         privacy_version="1", now=bot.clock.now())
            s.add(Outbox(kind="survey", chat_id=p.telegram_id, person_id=p.id, meeting_id=meeting.id,
                         due_at=bot.clock.now(), dedupe_key=f"survey-test:{i}", payload={},
                         status="sent" if i < 11 else "cancelled", sent_at=bot.clock.now(), created_at=bot.clock.now()))
    await add_answers(bot, meeting.id, [5, 4, 4, 3, 5, 4])
    [screen] = await lead.send("/feedback")
    assert "Antworten von 6 der 11 Befragten (55 %)" in screen.text  # 54.5 rounds half up
    assert "4,2 von 5 (n = 6) · 6 von 11 Befragten" in screen.text  # the meeting's line says it too
