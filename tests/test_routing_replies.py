"""Answers both ways through the real bot: a town asks back, whoever forwarded the idea and the team's lead get the
question with a button, one of them types the answer (/cancel works), every contact of the town gets it with the
decision buttons, the deadline moves on by the time the question waited, and the town then decides. The question
and the answer are on the idea's path, in the writers' /mydata and in the export."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select, update

from models.outbox import CANCELLED, PENDING
from models.reports import exports, stats
from models.tables import AuditEntry, Draft, Idea, RouteNote
from tests.conftest import MANAGER_ID
from tests.meeting_helpers import person_of
from tests.routing_helpers import events, forward, requests, routes, rows, story
from tests.routing_helpers import rbot as rbot  # the fixture

QUESTION = "Wer würde die Fahrer stellen?"
REPLY = "Der Seniorenbeirat hat zwölf Ehrenamtliche, die fahren würden."


def replies_to(user) -> list:
    return [m for m in user.messages if "Antwort auf eure Rückfrage zu Idee #1" in m.text]


async def ask(bot, sabine) -> None:
    await sabine.press("Rückfrage", message=requests(sabine)[0])
    await sabine.send(QUESTION)


async def test_the_forwarder_or_a_lead_answers_the_question_and_the_town_decides_after(rbot):
    bot = rbot
    lea, author, follower, sabine, rolf, sven = await story(bot, register_second=True)
    maria = bot.fake.users[MANAGER_ID]  # registered by the story
    await forward(maria)  # the manager forwards; Lea leads the idea's team
    await bot.deliver()
    [saalfeld_before, _] = sorted(await routes(bot), key=lambda r: r.town != "saalfeld")
    await ask(bot, sabine)
    await bot.deliver()

    question_to_maria = maria.last_message()
    assert f"❓ hat eine Rückfrage: {QUESTION}" in question_to_maria.text
    assert question_to_maria.button_texts() == ["💬 Rückfrage beantworten"]
    question_to_lea = lea.last_message()
    assert question_to_lea.button_texts() == ["💬 Rückfrage beantworten"]
    assert f"❓ hat eine Rückfrage: {QUESTION}" in author.last_message().text
    assert author.last_message().button_texts() == [] and follower.last_message().button_texts() == []

    # the author may not answer for the project, even with a forged button
    await author.press_data(question_to_lea.buttons[0][0].callback_data, message=author.last_message())
    assert author.callback_answers[-1][0].startswith("Diese Rückfrage kannst du nicht beantworten")

    bot.clock.advance(timedelta(days=3))
    await lea.press("Rückfrage beantworten", message=question_to_lea)
    assert "Schreib jetzt deine Antwort auf die Rückfrage der Verwaltung Saalfeld zu Idee #1" in lea.last_message().text
    assert QUESTION in lea.last_message().text
    await lea.send("/cancel")
    assert lea.last_message().text.startswith("Abgebrochen.")
    async with bot.db.transaction() as s:
        assert (await s.execute(select(Draft))).first() is None
    await lea.press("Rückfrage beantworten", message=question_to_lea)
    await lea.send("   ")
    assert lea.last_message().text == "Die Nachricht ist leer. Bitte schreib ein paar Worte."
    await lea.send(REPLY)
    done = lea.last_message().text
    assert "Deine Antwort auf die Rückfrage der Verwaltung Saalfeld zu Idee #1 geht an 2 Ansprechpersonen" in done
    assert "Sa., 26. Dez. 2026" in done  # 23 December + the three days the question waited

    [saalfeld, rudolstadt] = sorted(await routes(bot), key=lambda r: r.town != "saalfeld")
    assert (saalfeld.status, saalfeld.reply, saalfeld.replied_at) == ("replied", REPLY, bot.clock.now())
    assert saalfeld.deadline_at == saalfeld_before.deadline_at + timedelta(days=3)
    assert rudolstadt.status == "open" and rudolstadt.reply is None

    # Maria's copy of the question: her button now says it is answered, and nothing changes
    await maria.press("Rückfrage beantworten", message=question_to_maria)
    assert maria.callback_answers[-1][0] == "Diese Rückfrage ist schon beantwortet."
    assert await bot.deliver() == 2  # Sabine and Sven, Saalfeld's contacts; Rolf (Rudolstadt) gets nothing
    assert replies_to(rolf) == []
    for clerk in (sabine, sven):
        [reply] = replies_to(clerk)
        assert f"Eure Frage: {QUESTION}" in reply.text
        assert REPLY in reply.text and "Bitte entscheidet bis Sa., 26. Dez. 2026" in reply.text
        assert reply.button_texts() == ["✅ Übernehmen", "✋ Ablehnen"]
    assert (
        "💬 Rückfrage beantwortet; Entscheidung erbeten bis Sa., 26. Dez. 2026"
        in (await author.send("/myideas"))[-1].text
    )

    # the reminder and the overdue notice moved with the deadline; the old ones are cancelled
    saalfeld_rows = [r for r in await rows(bot, "route_reminder") if r.payload["route"] == saalfeld.id]
    assert {r.due_at for r in saalfeld_rows if r.status == PENDING} == {saalfeld.deadline_at - timedelta(days=7)}
    assert len([r for r in saalfeld_rows if r.status == PENDING]) == 2
    overdue = [r for r in await rows(bot, "route_overdue") if r.payload["route"] == saalfeld.id]
    assert {r.due_at for r in overdue if r.status == PENDING} == {saalfeld.deadline_at}
    assert {r.due_at for r in overdue if r.status == CANCELLED} == {saalfeld_before.deadline_at}

    await sven.press("Übernehmen", message=replies_to(sven)[0])
    assert "Die Antwort der Verwaltung Saalfeld auf Idee #1 ist gespeichert" in sven.last_message().text
    await sabine.press("Ablehnen", message=replies_to(sabine)[0])
    assert sabine.callback_answers[-1][0].startswith("Diese Idee hat schon eine Antwort eurer Verwaltung.")
    saalfeld = next(r for r in await routes(bot) if r.town == "saalfeld")
    assert (saalfeld.status, saalfeld.question, saalfeld.reply) == ("taken", QUESTION, REPLY)

    # the path holds the question and the answer, in order
    await author.send("/myideas")
    await author.press("📜 Verlauf #1")
    path = author.last_message().text
    steps = [
        f"🏛 Antwort der Verwaltung von Saalfeld\n    Rückfrage\n    „{QUESTION}“",
        f"💬 Rückfrage von Saalfeld beantwortet\n    „{REPLY}“",
        "🏛 Antwort der Verwaltung von Saalfeld\n    Wird übernommen",
    ]
    for step in steps:
        assert step in path, path
    assert [path.index(step) for step in steps] == sorted(path.index(step) for step in steps)
    assert [e.details["deadline"] for e in await events(bot, "question_answered")] == [saalfeld.deadline_at.isoformat()]

    # each note is its writer's: Lea's /mydata holds her answer, Sabine's her question
    lea_p, sabine_p = await person_of(bot, lea), await person_of(bot, sabine)
    async with bot.db.transaction() as s:
        notes = list((await s.execute(select(RouteNote).order_by(RouteNote.id))).scalars())
        audit_rows = list((await s.execute(select(AuditEntry).where(AuditEntry.action == "route_reply"))).scalars())
    assert [(n.kind, n.person_id, n.text) for n in notes] == [
        ("question", sabine_p.id, QUESTION),
        ("reply", lea_p.id, REPLY),
    ]
    assert [(a.actor_id, a.details["town"], a.details["told"], a.details["waited_hours"]) for a in audit_rows] == [
        (lea_p.id, "saalfeld", 2, 72.0)
    ]
    data = json.loads((await lea.send("/mydata"))[-1].document[1])
    assert [n["text"] for n in data["route_notes"]] == [REPLY]
    data = json.loads((await sabine.send("/mydata"))[-1].document[1])
    assert [n["text"] for n in data["route_notes"]] == [QUESTION]

    async with bot.db.transaction() as s:
        full = await exports.table(s, stats.OPERATOR, "idea_routes", stats.Scope())
        got = [row async for chunk in full.chunks() for row in chunk]
        pseudo = await exports.table(s, stats.OPERATOR, "idea_routes", stats.Scope(), pseudonymised=True)
    reply_at = full.header.index("reply")
    assert [row[reply_at] for row in got] == [None, REPLY]  # rudolstadt, saalfeld
    assert "reply" not in pseudo.header and "replied_at" in pseudo.header


async def test_an_erased_replier_leaves_the_answer_without_a_name_and_a_decision_without_reply_still_works(rbot):
    bot = rbot
    lea, _, _, sabine, rolf, _ = await story(bot)
    await forward(lea)
    await bot.deliver()
    await ask(bot, sabine)
    await bot.deliver()
    await lea.press("Rückfrage beantworten", message=lea.last_message())
    await lea.send(REPLY)
    await lea.send("/deleteme")
    await lea.press("Ja, alles löschen")
    async with bot.db.transaction() as s:
        [question, reply] = list((await s.execute(select(RouteNote).order_by(RouteNote.id))).scalars())
    assert reply.person_id is None and reply.text == REPLY and question.person_id is not None
    # Rudolstadt asked nothing and decides right away; its route never saw a reply
    await rolf.press("Übernehmen", message=requests(rolf)[0])
    statuses = {r.town: r.status for r in await routes(bot)}
    assert statuses == {"saalfeld": "replied", "rudolstadt": "taken"}


async def test_a_question_still_open_is_answered_by_nobody_once_the_idea_moved_on(rbot):
    bot = rbot
    lea, _, _, sabine, _, _ = await story(bot)
    await forward(lea)
    await bot.deliver()
    await ask(bot, sabine)
    await bot.deliver()
    question = lea.last_message()
    await lea.press("Rückfrage beantworten", message=question)
    async with bot.db.transaction() as s:  # the idea is implemented meanwhile
        await s.execute(update(Idea).where(Idea.id == 1).values(status="implemented"))
    await lea.send(REPLY)
    assert lea.last_message().text == "Diese Idee wartet nicht mehr auf eine Antwort der Verwaltung."
    await lea.press("Rückfrage beantworten", message=question)
    assert lea.callback_answers[-1][0] == "Diese Idee wartet nicht mehr auf eine Antwort der Verwaltung."
    assert await rows(bot, "route_reply") == []
    assert [r.status for r in await routes(bot)] == ["open", "question"]
