"""/saetze: the project manager reads each survey sentence as it would leave the project (names replaced, with
its codes and team), includes it or leaves it out, and may change that later; every change is audited, nobody
else may decide, and an old, repeated or forged button changes nothing. Only included sentences reach the
evaluation report (which counts the others) and the pseudonymised export, with as much of their origin as
`min_people` allows."""

from __future__ import annotations

from sqlalchemy import select

from models.tables import AuditEntry, SurveyAnswer
from tests.conftest import START
from tests.evaluation_report_helpers import SENTENCE, pdf_text, seed_evaluation
from tests.meeting_helpers import team_with_members
from tests.survey_helpers import answer_row, ended_meeting, record, surveys_of

NOT_MANAGER = "Das darf nur das Projektmanagement."
REDACTED = SENTENCE.replace("Anneliese Quast", "[Name]")
TEAM = "Aktions-Team Daseinsvorsorge"


async def the_answer(bot) -> SurveyAnswer:
    async with bot.db.transaction() as s:
        return (await s.execute(select(SurveyAnswer).where(SurveyAnswer.comment.is_not(None)))).scalar_one()


async def reviews(bot) -> list[dict]:
    async with bot.db.transaction() as s:
        rows = await s.execute(select(AuditEntry.details).where(AuditEntry.action == "sentence_review")
                               .order_by(AuditEntry.id))
        return list(rows.scalars())


def data_of(message, label: str) -> str:
    return next(b.callback_data for b in message.flat_buttons() if b.text == label)


async def test_the_manager_includes_a_sentence_shown_redacted_with_its_codes_and_team(bot):
    await seed_evaluation(bot.db, bot.config, START, review=None)
    maria = await bot.register(bot.manager())
    [screen] = await maria.send("/saetze")
    assert "offen: 1 · geprüft: 0" in screen.text and "Offen – Satz 1 von 1" in screen.text
    assert f"„{REDACTED}“" in screen.text and "Anneliese" not in screen.text
    assert f"Team: {TEAM}" in screen.text
    assert "Codes: 👎 Lange Fahrzeit, 👍 Gemeinsames Ziel" in screen.text
    assert "Stand: noch nicht geprüft" in screen.text
    assert screen.button_texts() == ["✅ Aufnehmen", "🚫 Weglassen", "📋 Geprüfte (0)"]
    await maria.press("✅ Aufnehmen", message=screen)
    assert maria.callback_answers[-1] == ("Aufgenommen: Der Satz kommt in den Bericht.", False)
    assert "Keine Sätze warten auf Prüfung." in screen.text and screen.button_texts() == ["📋 Geprüfte (1)"]
    answer = await the_answer(bot)
    assert (answer.comment_review, answer.comment_reviewed_at is not None) == ("released", True)
    [entry] = await reviews(bot)
    assert entry == {"answer": answer.id, "meeting": answer.meeting_id, "decision": "released", "before": None}
    [audit] = await maria.send("/audit")
    assert "Satz aus der Umfrage geprüft" in audit.text and "noch nicht geprüft → ✅ aufgenommen" in audit.text
    assert "Fahrt war zu lang" not in audit.text  # the audit log never holds the sentence


async def test_the_english_name_and_the_english_texts(bot):
    await seed_evaluation(bot.db, bot.config, START, review=None)
    maria = await bot.register(bot.manager())
    await maria.send("/language")
    await maria.press("English")
    [screen] = await maria.send("/sentences")
    assert "Sentences from the short survey" in screen.text and "Open – sentence 1 of 1" in screen.text
    assert "Codes: 👎 Travel time, 👍 A shared goal" in screen.text and "Status: not reviewed yet" in screen.text
    await maria.press("🚫 Leave out", message=screen)
    assert maria.callback_answers[-1] == ("Left out: the sentence stays out.", False)
    assert "No sentences are waiting for review." in screen.text
    assert (await the_answer(bot)).comment_review == "left_out"


async def test_the_managers_menu_opens_the_review(bot):
    await seed_evaluation(bot.db, bot.config, START, review=None)
    maria = await bot.register(bot.manager())
    [menu] = await maria.send("/start")
    replies = await maria.press("🗒 Sätze prüfen", message=menu)
    assert f"„{REDACTED}“" in replies[-1].text


async def test_a_member_and_a_lead_may_not_review_not_even_with_a_forged_button(bot):
    await seed_evaluation(bot.db, bot.config, START, review=None)
    _team, lead, [member, _] = await team_with_members(bot)
    answer = await the_answer(bot)
    for user in (member, lead):
        assert [m.text for m in await user.send("/saetze")] == [NOT_MANAGER]
        [teams] = await user.send("/teams")
        await user.press_data(f"st:1:d:{answer.id}:r:00000000:o:0", message=teams)
        assert user.callback_answers[-1] == (NOT_MANAGER, True)
        await user.press_data("st:1:l:r:0", message=teams)
        assert user.callback_answers[-1] == (NOT_MANAGER, True)
    assert (await the_answer(bot)).comment_review is None and await reviews(bot) == []
    menu = await member.send("/start")
    assert "Sätze prüfen" not in " ".join(menu[-1].button_texts())


async def test_a_decision_is_changed_in_the_reviewed_list_and_audited_each_time(bot):
    await seed_evaluation(bot.db, bot.config, START, review=None)
    maria = await bot.register(bot.manager())
    [screen] = await maria.send("/saetze")
    await maria.press("✅ Aufnehmen", message=screen)
    await maria.press("📋 Geprüfte (1)", message=screen)
    assert "Geprüft – Satz 1 von 1" in screen.text and "Stand: ✅ aufgenommen" in screen.text
    await maria.press("🚫 Weglassen", message=screen)
    assert "Stand: 🚫 weggelassen" in screen.text  # the reviewed list stays where it was
    assert (await the_answer(bot)).comment_review == "left_out"
    assert [(e["before"], e["decision"]) for e in await reviews(bot)] == [(None, "released"), ("released", "left_out")]
    await maria.press("📝 Offene (0)", message=screen)
    assert "Keine Sätze warten auf Prüfung." in screen.text


async def test_a_double_press_changes_nothing_and_writes_no_second_entry(bot):
    await seed_evaluation(bot.db, bot.config, START, review=None)
    maria = await bot.register(bot.manager())
    [screen] = await maria.send("/saetze")
    release = data_of(screen, "✅ Aufnehmen")
    await maria.press_data(release, message=screen)
    await maria.press_data(release, message=screen)
    assert maria.callback_answers[-1] == ("Schon so entschieden – nichts geändert.", False)
    assert len(await reviews(bot)) == 1 and (await the_answer(bot)).comment_review == "released"


async def test_forged_and_unknown_buttons_are_answered_politely(bot):
    await seed_evaluation(bot.db, bot.config, START, review=None)
    maria = await bot.register(bot.manager())
    [screen] = await maria.send("/saetze")
    answer = await the_answer(bot)
    for data, said in (
        (f"st:1:d:{answer.id}:x:00000000:o:0", "nicht mehr aktuell"),
        (f"st:1:d:{answer.id + 99}:r:00000000:o:0", "gibt es nicht mehr"),
        ("st:1:q:1", "nicht mehr aktuell"),
        ("st:1:l:z:0", "nicht mehr aktuell"),
        ("st:1:l:o:99999999999", "nicht mehr aktuell"),
    ):
        await maria.press_data(data, message=screen)
        assert said in maria.callback_answers[-1][0], data
    assert (await the_answer(bot)).comment_review is None and await reviews(bot) == []


async def test_a_sentence_changed_by_its_writer_is_reviewed_again_and_the_old_button_refused(bot):
    meeting, lead, (anna, _), _ = await ended_meeting(bot)
    await record(bot, lead, present=("Mitglied0",))
    await anna.press("4", message=surveys_of(anna)[0])
    await anna.press("💬 Einen Satz dazu")
    await anna.send("Die Anfahrt war zu weit.")
    maria = bot.manager()
    [screen] = await maria.send("/saetze")
    assert "„Die Anfahrt war zu weit.“" in screen.text
    release = data_of(screen, "✅ Aufnehmen")
    await maria.press_data(release, message=screen)
    assert (await answer_row(bot, meeting.id, anna)).comment_review == "released"
    await maria.press("📋 Geprüfte (1)", message=screen)
    leave_out = data_of(screen, "🚫 Weglassen")
    await anna.press("✏️ Ändern")
    await anna.press("💬 Einen Satz dazu")
    await anna.send("Lea ruft mich an: 0151 2345678.")
    row = await answer_row(bot, meeting.id, anna)
    assert (row.comment_review, row.comment_reviewed_at) == (None, None)  # the new text waits for review
    await maria.press_data(leave_out, message=screen)  # the button of the old text
    assert maria.callback_answers[-1] == ("Der Satz wurde inzwischen geändert. Bitte prüf die neue Fassung.", True)
    assert (await answer_row(bot, meeting.id, anna)).comment_review is None
    assert "Noch kein Satz ist geprüft." in screen.text  # drawn again as it is now
    await maria.press("📝 Offene (1)", message=screen)
    assert "„[Name] ruft mich an: [Telefon].“" in screen.text and "Stand: noch nicht geprüft" in screen.text
    await anna.press("✏️ Ändern")
    await anna.press("💬 Einen Satz dazu")
    await anna.send("-")  # cleared: nothing to review any more
    await maria.press_data(leave_out, message=screen)
    assert maria.callback_answers[-1][0].startswith("Diesen Satz gibt es nicht mehr")
    assert len(await reviews(bot)) == 1


async def test_the_report_prints_only_included_sentences_with_their_origin_and_counts_the_others(bot):
    await seed_evaluation(bot.db, bot.config, START, review=None)
    async with bot.db.transaction() as s:  # two more sentences of the same meeting: one left out, one waiting
        rows = (await s.execute(select(SurveyAnswer).where(SurveyAnswer.comment.is_(None))
                                .order_by(SurveyAnswer.id))).scalars().all()
        rows[0].comment, rows[0].comment_review = "Das bleibt draußen.", "left_out"
        rows[1].comment = "Das wartet noch."
    maria = await bot.register(bot.manager())
    [screen] = await maria.send("/saetze")
    assert "offen: 2 · geprüft: 1" in screen.text and REDACTED in screen.text  # the oldest first
    await maria.press("✅ Aufnehmen", message=screen)
    replies = await maria.send("/report", timeout=60)
    made = await maria.press("🧾 Evaluationsbericht (PDF + HTML)", message=replies[-1], timeout=90)
    words = " ".join(pdf_text(made[1].document[1]).split())
    html = made[2].document[1].decode("utf-8")
    assert REDACTED.split(",")[0] in words and "Das bleibt draußen" not in words and "Das wartet" not in words
    assert "Das bleibt draußen" not in html and "Das wartet" not in html
    assert "1 Satz hat das Projektmanagement weggelassen, 1 wartet noch auf Prüfung" in words
    # six answered at the team's meeting in the 4th quarter: team, field and quarter may be named
    assert f"{TEAM} · Daseinsvorsorge · 4. Quartal 2026" in words


async def test_the_pseudonymised_export_carries_the_included_sentence_redacted(bot):
    pseudonyms = await seed_evaluation(bot.db, bot.config, START, review=None)
    maria = await bot.register(bot.manager())

    async def sentences() -> dict[str, str]:
        from models.reports import exports, stats

        async with bot.db.transaction() as s:
            table = await exports.table(s, stats.OPERATOR, "survey_answers", stats.Scope(), pseudonymised=True)
            rows = [dict(zip(table.header, r, strict=True)) async for part in table.chunks() for r in part]
        assert "comment" not in table.header
        return {r["person"]: r["sentence"] for r in rows if r["sentence"]}

    assert await sentences() == {}  # not reviewed: not released
    [screen] = await maria.send("/saetze")
    await maria.press("✅ Aufnehmen", message=screen)
    assert await sentences() == {pseudonyms["Bruno Brandt"]: REDACTED}
    await maria.press("📋 Geprüfte (1)", message=screen)
    await maria.press("🚫 Weglassen", message=screen)
    assert await sentences() == {}
