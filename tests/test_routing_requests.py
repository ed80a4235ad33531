"""A town's contacts and their requests through the real bot: /anfragen lists the open requests (nearest deadline
first) with the idea, its path and the buttons, and the answered ones; when one clerk answers, the copies her
colleague holds are redrawn (the sent message ids are stored) with who answered and how."""

from __future__ import annotations

from datetime import timedelta

from models.outbox import SENT
from tests.routing_helpers import TEAM, forward, requests, rows, story
from tests.routing_helpers import rbot as rbot  # the fixture
from tests.test_ideas import submit_idea

QUESTION = "Wer würde die Fahrer stellen?"
SECOND = "Ein Mitfahrbänkle an jeder Bushaltestelle in Saalfeld."


async def test_anfragen_lists_open_requests_deadline_first_then_answered_ones(rbot):
    bot = rbot
    lea, author, _, sabine, rolf, sven = await story(bot, register_second=True)
    await submit_idea(author, text=SECOND, towns=("Saalfeld",), team=TEAM)
    await forward(lea, idea_id=2)  # idea #2 first: its deadline comes first
    await bot.deliver()
    bot.clock.advance(timedelta(days=1))
    await forward(lea, idea_id=1)
    await bot.deliver()

    replies = await sven.send("/anfragen")
    assert "Anfragen an die Verwaltung Saalfeld</b>: 2 offen, 0 beantwortet." in replies[0].html
    assert [m.text.split("(Idee #")[1][:1] for m in replies[1:]] == ["2", "1"]
    second, first = replies[1], replies[2]
    assert SECOND in second.text and "bis Mi., 23. Dez. 2026" in second.text
    assert "Weg der Idee (weitergeleitet am Mi., 25. Nov. 2026)" in second.text
    assert "🏛 Saalfeld: wartet auf Antwort (bis Mi., 23. Dez. 2026)" in second.text
    assert "🏛 Rudolstadt: wartet auf Antwort (bis Do., 24. Dez. 2026)" in first.text  # the other town's route
    assert first.button_texts() == ["✅ Übernehmen", "❓ Rückfrage", "✋ Ablehnen"]

    await sven.press("Übernehmen", message=second)  # the buttons of the list answer like the request's
    assert "Die Antwort der Verwaltung Saalfeld auf Idee #2 ist gespeichert" in sven.last_message().text
    await bot.deliver()
    [to_sabine] = [m for m in requests(sabine) if SECOND in m.text]
    assert to_sabine.edited and to_sabine.button_texts() == []
    assert "🏛 Sven hat geantwortet: ✅ übernimmt die Idee." in to_sabine.text

    replies = await sven.send("/anfragen")
    assert "1 offen, 1 beantwortet" in replies[0].text and len(replies) == 3
    assert "Ein Bürgerbus" in replies[1].text
    answered = replies[2].text
    assert answered.startswith("✔️ Zuletzt beantwortet") and "#2 Ein Mitfahrbänkle" in answered
    assert "🏛 Saalfeld: ✅ übernimmt die Idee. (Sven, Do., 26. Nov. 2026)" in answered

    assert (await rolf.send("/anfragen"))[0].text.startswith("📥 Anfragen an die Verwaltung Rudolstadt: 1 offen")
    [not_contact] = await author.send("/anfragen")
    assert not_contact.text.startswith("/anfragen ist für die Ansprechpersonen der Stadtverwaltungen.")
    assert (
        "/anfragen – Offene und beantwortete Anfragen an deine Stadtverwaltung" in (await rolf.send("/help"))[-1].text
    )
    assert "/anfragen" not in (await author.send("/help"))[-1].text


async def test_a_colleagues_copy_is_redrawn_after_a_question_and_again_after_the_decision(rbot):
    bot = rbot
    lea, _, _, sabine, rolf, sven = await story(bot, register_second=True)
    await forward(lea)
    await bot.deliver()
    [to_sabine], [to_sven], [to_rolf] = requests(sabine), requests(sven), requests(rolf)
    take = to_sven.buttons[0][0].callback_data
    sent = [r for r in await rows(bot, "route_request") if r.status == SENT]
    assert sorted(r.message_id for r in sent) == sorted(m.message_id for m in (to_sabine, to_sven, to_rolf))

    await sabine.press("Rückfrage", message=to_sabine)
    await sabine.send(QUESTION)
    await bot.deliver()
    assert f"🏛 Sabine hat geantwortet: ❓ hat eine Rückfrage: {QUESTION}" in to_sven.text
    assert to_sven.button_texts() == ["✅ Übernehmen", "✋ Ablehnen"]  # the decision is still open
    assert not to_rolf.edited  # Rudolstadt's own request is untouched
    await sabine.press("Übernehmen", message=sabine.last_message())
    await bot.deliver()
    assert "🏛 Sabine hat geantwortet: ✅ übernimmt die Idee." in to_sven.text and to_sven.button_texts() == []
    redraws = await rows(bot, "route_redraw")
    assert [(r.chat_id, r.status, r.payload["status"]) for r in redraws] == [
        (sven.user_id, "sent", "question"),
        (sven.user_id, "sent", "taken"),
    ]
    await sven.press_data(take, message=to_sven)  # a tap that raced the redraw
    assert sven.callback_answers[-1][0].startswith("Diese Idee hat schon eine Antwort eurer Verwaltung.")
