"""The answer deadline through the real bot and the dispatcher with a clock tests move: contacts are reminded
once before it, the project manager is told once when it passed, and an answer stops both for its town. The
messages are outbox rows planned when the idea is forwarded, so a restart in between loses nothing."""

from __future__ import annotations

from datetime import timedelta

from models.clock import FrozenClock
from scheduler import routing as routing_jobs
from tests.conftest import MANAGER_ID, start_bot, stop_bot
from tests.routing_helpers import CONTACTS, SAALFELD_TWO_ID, contact, forward, reminders, requests, routes, rows, story
from tests.routing_helpers import rbot as rbot  # the fixture


def overdue(user) -> list[str]:
    return [t for t in user.texts() if t.startswith("⌛ Die Verwaltung")]


async def test_contacts_are_reminded_once_before_the_deadline_and_the_manager_told_once_after(rbot):
    bot = rbot
    lea, _, _, sabine, rolf, sven = await story(bot, register_second=True)
    await forward(lea)
    await bot.deliver()
    [route, _] = await routes(bot)
    manager = bot.fake.users[MANAGER_ID]
    remind_at = route.deadline_at - timedelta(days=7)
    bot.clock.set(remind_at - timedelta(minutes=1))
    await bot.deliver()
    assert reminders(sabine) == reminders(rolf) == []
    await bot.deliver(advance=timedelta(minutes=2))
    assert [len(reminders(u)) for u in (sabine, sven, rolf)] == [1, 1, 1]
    reminder = reminders(rolf)[0]
    assert "wartet auf die Antwort der Verwaltung Rudolstadt" in reminder.text and "Mi., 23. Dez. 2026" in reminder.text
    assert reminder.button_texts() == ["✅ Übernehmen", "❓ Rückfrage", "✋ Ablehnen"]
    await bot.deliver(advance=timedelta(days=6, hours=23))
    assert overdue(manager) == []
    await bot.deliver(advance=timedelta(hours=2))
    assert sorted(overdue(manager)) == [
        "⌛ Die Verwaltung Rudolstadt hat Idee #1 nicht bis Mi., 23. Dez. 2026 beantwortet.\n"
        "Eingetragene Ansprechpersonen: 1. Vielleicht hilft ein Anruf.",
        "⌛ Die Verwaltung Saalfeld hat Idee #1 nicht bis Mi., 23. Dez. 2026 beantwortet.\n"
        "Eingetragene Ansprechpersonen: 2. Vielleicht hilft ein Anruf.",
    ]
    await bot.deliver(advance=timedelta(days=30))
    assert len(overdue(manager)) == 2 and [len(reminders(u)) for u in (sabine, sven, rolf)] == [1, 1, 1]


async def test_an_answer_stops_the_reminders_and_the_overdue_notice_of_its_town_only(rbot):
    bot = rbot
    lea, _, _, sabine, rolf, sven = await story(bot, register_second=True)
    await forward(lea)
    await bot.deliver()
    await sabine.press("Übernehmen", message=requests(sabine)[0])
    assert await bot.deliver() == 4  # the answer to the author, the follower and Lea; Sven's copy redrawn
    deadline = (await routes(bot))[0].deadline_at
    bot.clock.set(deadline - timedelta(days=6))
    await bot.deliver()
    assert reminders(sabine) == reminders(sven) == []  # Sven is Sabine's colleague: Saalfeld has answered
    assert len(reminders(rolf)) == 1
    bot.clock.set(deadline + timedelta(minutes=1))
    await bot.deliver()
    manager = bot.fake.users[MANAGER_ID]
    assert [t.split(" hat ")[0] for t in overdue(manager)] == ["⌛ Die Verwaltung Rudolstadt"]
    assert {r.status for r in await rows(bot, "route_reminder") if r.chat_id != rolf.user_id} == {"cancelled"}
    # Sven's request was redrawn without buttons; a tap that raced the redraw is refused: his town answered
    [to_sven] = requests(sven)
    assert to_sven.button_texts() == [] and "🏛 Sabine hat geantwortet: ✅ übernimmt die Idee." in to_sven.text
    saalfeld = next(r for r in await routes(bot) if r.town == "saalfeld")
    await sven.press_data(f"rt:1:d:{saalfeld.id}", message=to_sven)
    assert sven.callback_answers[-1][0].startswith("Diese Idee hat schon eine Antwort eurer Verwaltung.")


async def test_the_planned_reminder_survives_a_restart(fake, db, rbot):
    bot = rbot
    lea, _, _, _, rolf, _ = await story(bot)
    await forward(lea)
    await bot.deliver()
    deadline = (await routes(bot))[0].deadline_at
    await stop_bot(bot)
    again = await start_bot(fake, db, FrozenClock(deadline - timedelta(days=6)), routing__contacts=CONTACTS)
    try:
        await again.deliver()
        assert len(reminders(rolf)) == 1
    finally:
        await stop_bot(again)


async def test_a_contact_who_registers_later_gets_the_open_idea_from_the_sweep(rbot):
    bot = rbot
    lea, _, _, sabine, _, _ = await story(bot)
    await forward(lea)
    await bot.deliver()
    svc = bot.app.bot_data["services"]
    assert await routing_jobs.plan(svc) == 0  # everyone registered has the idea already
    sven = await contact(bot, SAALFELD_TWO_ID, "Sven", "Saalfeld")
    assert await routing_jobs.plan(svc) == 2  # his request now and his reminder later
    assert await routing_jobs.plan(svc) == 0
    await bot.deliver()
    [request] = requests(sven)
    assert "Eine Idee für die Verwaltung Saalfeld" in request.text and len(requests(sabine)) == 1
    await sven.press("Übernehmen", message=request)
    assert next(r for r in await routes(bot) if r.town == "saalfeld").status == "taken"


async def test_implementing_a_forwarded_idea_ends_what_the_other_towns_still_had_coming(rbot):
    """Saalfeld takes it on and the lead marks it implemented: Rudolstadt's reminder and the overdue notice are
    dropped, Rolf's old buttons say the idea waits no longer, and the path ends with the new status."""
    bot = rbot
    lea, author, _, sabine, rolf, _ = await story(bot)
    await forward(lea)
    await bot.deliver()
    await sabine.press("Übernehmen", message=requests(sabine)[0])
    await bot.deliver()
    await lea.send("/answer")
    await lea.press("Angenommene/weitergeleitete Ideen")
    await lea.press("#1 ·")
    await lea.press("→ umgesetzt")
    await lea.send("Der Bürgerbus fährt seit Montag.")
    await lea.press("Alle veröffentlichen")
    await bot.deliver()
    assert {r.status for r in await rows(bot, "route_reminder")} == {"cancelled"}
    assert {r.status for r in await rows(bot, "route_overdue")} == {"cancelled"}
    bot.clock.set((await routes(bot))[0].deadline_at + timedelta(days=1))
    await bot.deliver()
    assert overdue(bot.fake.users[MANAGER_ID]) == [] and reminders(rolf) == []
    await rolf.press("Übernehmen", message=requests(rolf)[0])
    assert rolf.callback_answers[-1][0] == "Diese Idee wartet nicht mehr auf eine Antwort der Verwaltung."
    assert await routing_jobs.plan(bot.app.bot_data["services"]) == 0  # no late contact gets it any more
    await author.send("/myideas")
    await author.press("📜 Verlauf #1")
    path = author.last_message().text
    assert path.index("🏛 Antwort der Verwaltung von Saalfeld") < path.index("🔄 Neuer Stand: umgesetzt")


async def test_a_question_without_a_decision_still_tells_the_manager_at_the_deadline(rbot):
    """A question stops the contacts' reminder, but it is no answer to the idea: the overdue notice stays."""
    bot = rbot
    lea, _, _, sabine, rolf, _ = await story(bot)
    await forward(lea)
    await bot.deliver()
    await sabine.press("Rückfrage", message=requests(sabine)[0])
    await sabine.send("Wer würde die Fahrer stellen?")
    await bot.deliver()
    deadline = (await routes(bot))[0].deadline_at
    bot.clock.set(deadline - timedelta(days=6))
    await bot.deliver()
    assert reminders(sabine) == [] and len(reminders(rolf)) == 1
    bot.clock.set(deadline + timedelta(minutes=1))
    await bot.deliver()
    told = sorted(t.split(" hat ")[0] for t in overdue(bot.fake.users[MANAGER_ID]))
    assert told == ["⌛ Die Verwaltung Rudolstadt", "⌛ Die Verwaltung Saalfeld"]
