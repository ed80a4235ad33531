"""Buttons of routing that must not act: a contact of another town, someone who is no contact, a forged id or
code, a second answer, an idea that moved on, a refusal without a reason. Each gets a friendly answer and
nothing changes: no route answered, no event, no message planned."""

from __future__ import annotations

from sqlalchemy import update

from models.tables import Idea
from tests.routing_helpers import events, forward, requests, routes, rows, story
from tests.routing_helpers import rbot as rbot  # the fixture

NOT_CONTACT = (
    "Diese Idee kannst du nicht beantworten: Das dürfen nur die Ansprechpersonen der Verwaltung, an die sie ging."
)


async def forwarded(bot):
    lea, author, follower, sabine, rolf, _ = await story(bot)
    await forward(lea)
    await bot.deliver()
    by_town = {r.town: r for r in await routes(bot)}
    return lea, author, sabine, rolf, by_town


async def nothing_changed(bot) -> None:
    assert {r.status for r in await routes(bot)} == {"open"}
    assert await events(bot, "town_answer") == []
    assert await rows(bot, "route_answer") == []


async def test_a_contact_of_another_town_and_a_member_cannot_answer(rbot):
    bot = rbot
    lea, author, sabine, rolf, by_town = await forwarded(bot)
    saalfeld = by_town["saalfeld"].id
    await rolf.press_data(f"rt:1:t:{saalfeld}", message=requests(rolf)[0])
    assert rolf.callback_answers[-1] == (NOT_CONTACT, True)
    await author.press_data(f"rt:1:d:{saalfeld}", message=author.last_message())
    assert author.callback_answers[-1] == (NOT_CONTACT, True)
    await lea.press_data(f"rt:1:q:{saalfeld}", message=lea.last_message())
    assert lea.callback_answers[-1] == (NOT_CONTACT, True)
    await lea.send("Ich frage einfach mal zurück.")  # no question dialogue was opened
    await nothing_changed(bot)


async def test_forged_ids_codes_and_actions_are_refused(rbot):
    bot = rbot
    _, _, sabine, _, by_town = await forwarded(bot)
    request = requests(sabine)[0]
    saalfeld = by_town["saalfeld"].id
    for data in ("rt:1:t:999", "rt:1:t:x", f"rt:1:zz:{saalfeld}", "rt:1:t:99999999999999999999", "rt:1"):
        await sabine.press_data(data, message=request)
        assert sabine.callback_answers[-1][1] is True, data
    await sabine.press("Ablehnen", message=request)
    chips = sabine.last_message()
    await sabine.press_data(f"rt:1:o:{saalfeld}:bogus:1", message=chips)
    assert sabine.callback_answers[-1][1] is True
    await sabine.press("Weiter ▶")
    assert sabine.callback_answers[-1] == ("Bitte wähle mindestens einen Grund.", True)
    await sabine.press_data(f"rt:1:s:{saalfeld}", message=chips)  # sending before the sentence step
    assert sabine.callback_answers[-1] == ("Diese Antwort ist schon abgeschlossen oder abgebrochen.", True)
    await sabine.send("Ein Satz, bevor ein Grund gewählt ist.")
    assert "Bitte wähle die Gründe mit den Knöpfen." in sabine.texts()[-2]
    chips = sabine.last_message()
    tick = next(b.callback_data for b in chips.flat_buttons() if b.text.endswith("Lange Fahrzeit"))
    await sabine.press_data(tick, message=chips)
    await sabine.press_data(tick, message=chips)  # the same chip pressed twice stays ticked
    assert "✅ Lange Fahrzeit" in sabine.last_message().button_texts()
    await nothing_changed(bot)


async def test_a_double_tap_answers_once(rbot):
    bot = rbot
    _, _, sabine, _, _ = await forwarded(bot)
    request = requests(sabine)[0]
    take = request.buttons[0][0].callback_data
    await sabine.press("Übernehmen", message=request)
    await sabine.press_data(take, message=request)  # the same button again, as a client re-sends it
    assert sabine.callback_answers[-1][0].startswith("Diese Idee hat schon eine Antwort eurer Verwaltung.")
    assert [e.details["answer"] for e in await events(bot, "town_answer")] == ["taken"]
    assert len(await rows(bot, "route_answer")) == 3


async def test_an_idea_that_moved_on_takes_no_answer(rbot):
    bot = rbot
    _, _, _, rolf, _ = await forwarded(bot)
    async with bot.db.transaction() as s:
        await s.execute(update(Idea).where(Idea.id == 1).values(status="implemented"))
    await rolf.press("Übernehmen", message=requests(rolf)[0])
    assert rolf.callback_answers[-1] == ("Diese Idee wartet nicht mehr auf eine Antwort der Verwaltung.", True)
    await nothing_changed(bot)


async def test_huge_and_html_text_in_a_refusal(rbot):
    bot = rbot
    _, author, _, rolf, _ = await forwarded(bot)
    await rolf.press("Ablehnen", message=requests(rolf)[0])
    await rolf.press("Keine Finanzierung")
    await rolf.press("Weiter ▶")
    replies = await rolf.send("x" * 1500)
    assert replies[-1].text == "Die Nachricht ist zu lang (1.500 Zeichen). Bitte fasse dich in höchstens 1.000 Zeichen."
    await nothing_changed(bot)
    await rolf.send("<b>Nein</b> & <script>alert(1)</script> 🚌")
    await bot.deliver()
    told = author.last_message()
    assert "„<b>Nein</b> & <script>alert(1)</script> 🚌“" in told.text and "&lt;script&gt;" in told.html


async def test_a_colleagues_answer_ends_an_open_refusal_dialogue(rbot):
    bot = rbot
    lea, _, _, sabine, _, sven = await story(bot, register_second=True)
    await forward(lea)
    await bot.deliver()
    await sabine.press("Ablehnen", message=requests(sabine)[0])
    await sabine.press("Lange Fahrzeit")
    await sabine.press("Weiter ▶")
    await sven.press("Übernehmen", message=requests(sven)[0])
    replies = await sabine.send("Das ist zu weit weg.")
    assert replies[-1].text == "Diese Idee hat schon eine Antwort eurer Verwaltung. Eine zweite ist nicht möglich."
    replies = await sabine.send("Noch ein Satz.")
    assert "Lange Fahrzeit" not in replies[-1].text and "Antwort eurer Verwaltung" not in replies[-1].text
    saalfeld = next(r for r in await routes(bot) if r.town == "saalfeld")
    assert (saalfeld.status, saalfeld.text, saalfeld.obstacles) == ("taken", None, [])
