"""Routing to the administrations through the real bot: a lead forwards an idea to Saalfeld and Rudolstadt, each
town's contacts get it with buttons, one takes it on, one declines with reasons, and the author and followers see
each step; /ideas, /myideas and the database show the answers."""

from __future__ import annotations

from sqlalchemy import select

from models.reports import exports, stats
from models.tables import AuditEntry, Idea, Person
from tests.conftest import MANAGER_ID
from tests.meeting_helpers import person_of
from tests.routing_helpers import NOTE, SAALFELD_TWO_ID, events, forward, requests, routes, rows, story
from tests.routing_helpers import rbot as rbot  # the fixture

REASON = "Der Haushalt 2027 ist schon beschlossen."
QUESTION = "Wer würde die Fahrer stellen?"


async def decline(user, *reasons: str, sentence: str | None = REASON, message=None) -> None:
    await user.press("Ablehnen", message=message)
    for reason in reasons:
        await user.press(reason)
    await user.press("Weiter ▶")
    if sentence is None:
        await user.press("Ohne Satz ablehnen")
    else:
        await user.send(sentence)


async def test_a_forwarded_idea_is_answered_by_two_towns_and_everyone_sees_each_step(rbot):
    bot = rbot
    lea, author, follower, sabine, rolf, _ = await story(bot)
    await forward(lea)
    summary = lea.last_message().text
    assert "Weitergeleitet an: Saalfeld, Rudolstadt. 2 Ansprechpersonen bekommen die Idee" in summary
    assert "bis Mi., 23. Dez. 2026" in summary
    assert f"Saalfeld: 1 Ansprechperson ist noch nicht beim Bot angemeldet (Telegram-Id {SAALFELD_TWO_ID})" in summary
    await bot.deliver()

    [to_sabine], [to_rolf] = requests(sabine), requests(rolf)
    assert "Eine Idee für die Verwaltung Saalfeld" in to_sabine.text and "Ein Bürgerbus" in to_sabine.text
    assert NOTE in to_sabine.text and "bis Mi., 23. Dez. 2026" in to_sabine.text
    assert to_sabine.button_texts() == ["✅ Übernehmen", "❓ Rückfrage", "✋ Ablehnen"]
    assert "Eine Idee für die Verwaltung Rudolstadt" in to_rolf.text
    told = "Weitergeleitet an die Verwaltung: Saalfeld, Rudolstadt. Antwort erbeten bis Mi., 23. Dez. 2026."
    assert told in author.last_message().text and told in follower.last_message().text
    manager = bot.fake.users[MANAGER_ID]
    assert "Idee #1 ging an Saalfeld, aber 1 Ansprechperson ist noch nicht beim Bot angemeldet" in manager.texts()[-1]

    await sabine.press("Übernehmen", message=to_sabine)
    assert "Die Antwort der Verwaltung Saalfeld auf Idee #1 ist gespeichert" in sabine.last_message().text
    await decline(rolf, "Keine Finanzierung", "Rechtliche Hürden", message=to_rolf)
    assert "✋ lehnt ab. Gründe: Keine Finanzierung, Rechtliche Hürden. „Der Haushalt" in rolf.last_message().text
    assert await bot.deliver() == 6  # two answers to author, follower and Lea, who forwarded it

    mine = [t for t in author.texts() if "hat auf deine Idee #1 geantwortet" in t]
    assert len(mine) == 2
    assert "Saalfeld" in mine[0] and "✅ übernimmt die Idee." in mine[0]
    assert "Rudolstadt" in mine[1] and "Gründe: Keine Finanzierung, Rechtliche Hürden." in mine[1]
    assert f"„{REASON}“" in mine[1]
    follows = [t for t in follower.texts() if t.startswith("🏛 Neues zur Idee #1")]
    assert len(follows) == 2 and "Antwort der Verwaltung Rudolstadt" in follows[1]
    assert len([t for t in lea.texts() if t.startswith("🏛 Neues zur Idee #1")]) == 2

    saalfeld, rudolstadt = sorted(await routes(bot), key=lambda r: r.town != "saalfeld")
    sabine_p, rolf_p = await person_of(bot, sabine), await person_of(bot, rolf)
    assert (saalfeld.status, saalfeld.answered_by, saalfeld.obstacles, saalfeld.text) == (
        "taken",
        sabine_p.id,
        [],
        None,
    )
    assert (rudolstadt.status, rudolstadt.answered_by, rudolstadt.obstacles, rudolstadt.text) == (
        "declined",
        rolf_p.id,
        ["no_funding", "legal_hurdles"],
        REASON,
    )
    assert rudolstadt.deadline_at == rudolstadt.forwarded_at + bot.config.routing.answer_time
    assert sorted(e.town for e in await events(bot, "forwarded")) == ["rudolstadt", "saalfeld"]
    answers = [(e.town, e.details["answer"], e.details["obstacles"]) for e in await events(bot, "town_answer")]
    assert answers == [("saalfeld", "taken", []), ("rudolstadt", "declined", ["no_funding", "legal_hurdles"])]
    async with bot.db.transaction() as s:
        entry = (await s.execute(select(AuditEntry).where(AuditEntry.action == "forward_idea"))).scalar_one()
        idea = await s.get(Idea, 1)
    assert entry.details == {"idea": 1, "towns": ["rudolstadt", "saalfeld"], "told": 2, "unreached": ["saalfeld"]}
    assert idea is not None and idea.status == "forwarded"

    mine = (await author.send("/myideas"))[-1].text
    assert "🏛 Saalfeld: ✅ übernimmt die Idee." in mine
    assert "🏛 Rudolstadt: ✋ lehnt ab. Gründe: Keine Finanzierung, Rechtliche Hürden." in mine
    assert "🏛 Saalfeld: ✅ übernimmt die Idee." in (await follower.send("/ideas"))[-1].text


async def test_a_question_comes_first_and_the_decision_follows_once(rbot):
    bot = rbot
    lea, author, follower, sabine, _, _ = await story(bot)
    await forward(lea)
    await bot.deliver()
    [request] = requests(sabine)
    ask = request.buttons[1][0].callback_data
    await sabine.press("Rückfrage", message=request)
    assert "Schreib jetzt deine Rückfrage zu Idee #1" in sabine.last_message().text
    await sabine.send("   ")
    assert sabine.last_message().text == "Die Nachricht ist leer. Bitte schreib ein paar Worte."
    await sabine.send(QUESTION)
    asked = sabine.last_message()
    assert f"❓ hat eine Rückfrage: {QUESTION}" in asked.text and "Sobald ihr Bescheid wisst" in asked.text
    assert asked.button_texts() == ["✅ Übernehmen", "✋ Ablehnen"]
    assert await bot.deliver() == 3
    assert f"❓ hat eine Rückfrage: {QUESTION}" in author.last_message().text
    mine = (await author.send("/myideas"))[-1].text
    assert f"🏛 Saalfeld: ❓ hat eine Rückfrage: {QUESTION}" in mine and "🏛 Rudolstadt: wartet auf Antwort" in mine
    await sabine.press_data(ask, message=request)  # a second question
    assert sabine.callback_answers[-1][0].startswith("Eure Rückfrage zu dieser Idee ist schon gestellt.")
    saalfeld = next(r for r in await routes(bot) if r.town == "saalfeld")
    assert (saalfeld.status, saalfeld.question, saalfeld.answered_at) == ("question", QUESTION, None)

    take = asked.buttons[0][0].callback_data
    await sabine.press("Übernehmen", message=asked)
    await sabine.press_data(take, message=asked)
    assert sabine.callback_answers[-1][0].startswith("Diese Idee hat schon eine Antwort eurer Verwaltung.")
    assert await bot.deliver() == 3
    assert "✅ übernimmt die Idee." in author.last_message().text
    assert "✅ übernimmt die Idee." in follower.last_message().text
    saalfeld = next(r for r in await routes(bot) if r.town == "saalfeld")
    assert (saalfeld.status, saalfeld.question, saalfeld.answered_at) == ("taken", QUESTION, bot.clock.now())
    assert [e.details["answer"] for e in await events(bot, "town_answer")] == ["question", "taken"]


async def test_an_english_author_and_contact_read_their_own_language(rbot):
    bot = rbot
    john = await bot.register(bot.user("John", "en"), evaluation="Yes", group="Citizen")
    await john.send("/idea")
    await john.send("A shuttle bus between the three towns on weekends.")
    await john.press("Civic engagement")
    await john.press("Rudolstadt")
    await john.press("Next")
    await john.press("Submit")
    rachel = await bot.register(bot.user("Rachel", "en", user_id=7002), evaluation="Yes", group="Administration")
    maria = await bot.register(bot.manager())
    await forward(maria)
    assert "Weitergeleitet an: Rudolstadt. 1 Ansprechperson bekommt die Idee" in maria.last_message().text
    await bot.deliver()
    request = rachel.last_message()
    assert "An idea for the administration of Rudolstadt" in request.text
    assert request.button_texts() == ["✅ Take it on", "❓ Ask back", "✋ Decline"]
    assert "Forwarded to the administration: Rudolstadt." in john.last_message().text
    await rachel.press("Take it on")
    await bot.deliver()
    told = john.last_message().text
    assert "The administration of Rudolstadt answered your idea #1" in told and "✅ takes the idea on." in told
    assert "🏛 Rudolstadt: ✅ takes the idea on." in (await john.send("/myideas"))[-1].text
    teamless = (await maria.press_data("idn:1:0", message=maria.last_message()))[-1].text  # ideas without a team
    assert "#1" in teamless and "🏛 Rudolstadt: ✅ übernimmt die Idee." in teamless


async def test_unticked_and_added_towns_decide_where_it_goes_and_a_town_without_contacts_is_reported(rbot):
    bot = rbot
    lea, _, _, sabine, rolf, _ = await story(bot)
    await lea.send("/answer")
    await lea.press("#1 ·")
    await lea.press("→ an Stadt weitergeleitet")
    picker = lea.last_message()
    assert picker.button_texts() == ["✅ Saalfeld", "✅ Rudolstadt", "▫️ Bad Blankenburg", "Weiter ▶"]
    untick = picker.buttons[0][0].callback_data
    await lea.press_data(untick, message=picker)
    await lea.press_data(untick, message=picker)  # a double tap unticks once, it does not tick again
    assert lea.last_message().button_texts()[0] == "▫️ Saalfeld"
    await lea.press("Rudolstadt")
    await lea.press("Weiter ▶")
    assert lea.callback_answers[-1] == ("Bitte wähle mindestens eine Stadt aus.", True)
    await lea.press("Bad Blankenburg")
    await lea.press("Rudolstadt")
    await lea.press("Weiter ▶")
    await lea.send(NOTE)
    await lea.press("Alle veröffentlichen")
    assert "Bad Blankenburg: Für diese Stadt sind keine Ansprechpersonen eingetragen" in lea.last_message().text
    await bot.deliver()
    assert [r.town for r in await routes(bot)] == ["bad_blankenburg", "rudolstadt"]
    assert requests(sabine) == [] and len(requests(rolf)) == 1
    manager = bot.fake.users[MANAGER_ID]
    assert "Idee #1 ging an Bad Blankenburg, aber für diese Stadt sind keine Ansprechpersonen" in manager.texts()[-1]


async def test_an_export_holds_the_routes_and_the_pseudonymised_one_drops_the_free_text(rbot):
    bot = rbot
    lea, _, _, _, rolf, _ = await story(bot)
    await forward(lea)
    await bot.deliver()
    await decline(rolf, "Lange Fahrzeit", sentence=None, message=requests(rolf)[0])
    async with bot.db.transaction() as s:
        full = await exports.table(s, stats.OPERATOR, "idea_routes", stats.Scope())
        got = [row async for chunk in full.chunks() for row in chunk]
        pseudo = await exports.table(s, stats.OPERATOR, "idea_routes", stats.Scope(), pseudonymised=True)
        got_pseudo = [row async for chunk in pseudo.chunks() for row in chunk]
    assert full.header == [
        "idea_id",
        "town",
        "forwarded_at",
        "deadline_at",
        "status",
        "asked_at",
        "question",
        "answered_at",
        "obstacles",
        "text",
        "replied_at",
        "reply",
    ]
    assert [(r[0], r[1], r[4], r[8], r[9]) for r in got] == [
        (1, "rudolstadt", "declined", "travel_time", None),
        (1, "saalfeld", "open", "", None),
    ]
    assert "text" not in pseudo.header and "question" not in pseudo.header
    assert len(got_pseudo) == 2  # the author agreed to the evaluation


async def test_an_erased_contact_leaves_the_answer_without_a_name(rbot):
    bot = rbot
    lea, _, _, sabine, _, _ = await story(bot)
    await forward(lea)
    await bot.deliver()
    await sabine.press("Übernehmen", message=requests(sabine)[0])
    await sabine.send("/deleteme")
    await sabine.press("Ja, alles löschen")
    saalfeld = next(r for r in await routes(bot) if r.town == "saalfeld")
    assert (saalfeld.status, saalfeld.answered_by) == ("taken", None)
    async with bot.db.transaction() as s:
        assert (await s.execute(select(Person).where(Person.telegram_id == sabine.user_id))).first() is None
    assert [r.status for r in await rows(bot, "route_answer")] == ["pending"] * 3


async def test_the_ideas_path_shows_every_step_from_submission_to_both_towns_answers(rbot):
    """Issue 9's whole path in one timeline: submitted → forwarded to Saalfeld and Rudolstadt → answered by each."""
    bot = rbot
    lea, author, _, sabine, rolf, _ = await story(bot)
    await forward(lea)
    await bot.deliver()
    [to_sabine], [to_rolf] = requests(sabine), requests(rolf)
    await sabine.press("Übernehmen", message=to_sabine)
    await decline(rolf, "Keine Finanzierung", message=to_rolf)
    await author.send("/myideas")
    await author.press("📜 Verlauf #1")
    path = author.last_message().text
    steps = [
        "📝 Eingereicht",
        "🔄 Neuer Stand: an Stadt weitergeleitet",
        "📨 An die Verwaltung von Rudolstadt weitergeleitet",
        "📨 An die Verwaltung von Saalfeld weitergeleitet",
        "🏛 Antwort der Verwaltung von Saalfeld\n    Wird übernommen",
        "🏛 Antwort der Verwaltung von Rudolstadt\n    Abgelehnt\n    Hemmnisse: Keine Finanzierung",
    ]
    for step in steps:
        assert step in path, step
    assert [path.index(step) for step in steps] == sorted(path.index(step) for step in steps)
