"""Obstacles and success factors on ideas: the lead who answered is asked after a rejection, a forwarding or an
implementation, leads are asked about ideas that stalled, and the ticks land in the database; nobody else can tick,
and forged buttons change nothing."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from models.tables import IdeaCode, IdeaEvent, Outbox
from scheduler import stalled_ideas
from tests.meeting_helpers import person_of, team_with_members
from tests.test_idea_answers import answer, manager, publish, team_idea
from tests.test_ideas import submit_idea

PROMPT = "idea_codes_prompt"


async def codes(bot) -> set[tuple[int, str, str]]:
    async with bot.db.transaction() as s:
        return {(c.idea_id, c.kind, c.code) for c in (await s.execute(select(IdeaCode))).scalars()}


async def coded_steps(bot) -> list[IdeaEvent]:
    async with bot.db.transaction() as s:
        q = select(IdeaEvent).where(IdeaEvent.kind == "coded").order_by(IdeaEvent.id)
        return list((await s.execute(q)).scalars())


async def prompts(bot) -> list[Outbox]:
    async with bot.db.transaction() as s:
        return list((await s.execute(select(Outbox).where(Outbox.kind == PROMPT).order_by(Outbox.id))).scalars())


def question(user, words: str):
    """The newest message of `user` holding `words` (the question with its chips)."""
    return next(m for m in reversed(user.messages) if words in m.text)


async def rejected_idea(bot):
    """Lea (lead) rejects Mitglied0's idea #1 and publishes; everything due is delivered."""
    team, lea, author, other = await team_idea(bot)
    await answer(lea, 1, "abgelehnt", "Leider nicht machbar.")
    await publish(lea)
    assert await bot.deliver() == 2  # the answer to the author, the question to Lea
    return lea, author, other


async def test_a_rejection_asks_the_lead_for_obstacles_and_the_ticks_are_stored(bot):
    lea, author, _ = await rejected_idea(bot)
    asked = question(lea, "Du hast Idee #1 abgelehnt")
    assert "Was stand oder steht im Weg?" in asked.text
    assert "Keine Finanzierung" in asked.button_texts() and "✔️ Fertig" in asked.button_texts()
    await lea.press("Keine Finanzierung", message=asked)
    await lea.press("Rechtliche Hürden", message=asked)
    assert "✅ Keine Finanzierung" in asked.button_texts() and "✅ Rechtliche Hürden" in asked.button_texts()
    await lea.press("✔️ Fertig", message=asked)
    assert "Gespeichert für Idee #1" in asked.text
    assert "Hemmnisse: Keine Finanzierung, Rechtliche Hürden" in asked.text
    assert await codes(bot) == {(1, "obstacle", "no_funding"), (1, "obstacle", "legal_hurdles")}
    [step] = await coded_steps(bot)  # one step for the sitting, not one per tap
    lead_person = await person_of(bot, lea)
    assert (step.actor_id, step.details) == (
        lead_person.id,
        {"kind": "obstacle", "codes": ["no_funding", "legal_hurdles"]},
    )


async def test_the_question_comes_once_even_when_planned_again(bot):
    lea, _, _ = await rejected_idea(bot)
    [row] = await prompts(bot)
    assert row.dedupe_key == f"{PROMPT}:rejected:1:{row.payload['ref']}:{(await person_of(bot, lea)).id}"
    from models.ideas import codes as domain
    from models.tables import Idea, Person

    async with bot.db.transaction() as s:  # a second planning of the same occasion (a retry, a second process)
        idea, person = await s.get(Idea, 1), await s.get(Person, row.person_id)
        assert idea is not None and person is not None
        assert await domain.ask_after_answer(s, person, idea, "rejected", row.payload["ref"], bot.clock.now()) == 0
    assert len(await prompts(bot)) == 1


async def test_implemented_asks_for_the_success_factors(bot):
    _, lea, _, _ = await team_idea(bot)
    await answer(lea, 1, "angenommen", "Machen wir.")
    await publish(lea)
    await lea.send("/answer")
    await lea.press("Angenommene/weitergeleitete Ideen")
    await lea.press("#1 ·")
    await lea.press("→ umgesetzt")
    await lea.send("Der Bus fährt.")
    await publish(lea)
    await bot.deliver()
    asked = question(lea, "Idee #1 ist umgesetzt")
    assert "Was hat geholfen?" in asked.text
    await lea.press("Kurze Wege", message=asked)
    await lea.press("Engagierte Einzelne", message=asked)
    assert await codes(bot) == {(1, "factor", "short_distances"), (1, "factor", "committed_people")}
    assert [r.payload["occasion"] for r in await prompts(bot)] == ["implemented"]  # "angenommen" asks nothing


async def test_forwarding_asks_the_manager_who_answered(bot):
    await team_idea(bot)
    maria = await manager(bot)
    await answer(maria, 1, "an Stadt weitergeleitet", "Geht an Saalfeld.")
    await publish(maria)
    await bot.deliver()
    asked = question(maria, "an die Stadtverwaltung weitergeleitet")
    await maria.press("Unklare Zuständigkeit", message=asked)
    assert await codes(bot) == {(1, "obstacle", "unclear_responsibility")}


async def test_the_codes_can_be_changed_later_from_answer(bot):
    lea, _, _ = await rejected_idea(bot)
    asked = question(lea, "Du hast Idee #1 abgelehnt")
    await lea.press("Keine Finanzierung", message=asked)
    await lea.press("Lange Fahrzeit", message=asked)
    await lea.send("/answer")
    await lea.press("Abgeschlossene Ideen")
    await lea.press("#1 ·")
    assert "Für diese Idee gibt es keinen weiteren Stand." in lea.last_message().text
    await lea.press("🏷 Hemmnisse/Erfolgsfaktoren")
    await lea.press("✅ Lange Fahrzeit")
    await lea.press("Erfolgsfaktoren →")
    await lea.press("Engagierte Einzelne")
    await lea.press("✔️ Fertig")
    shown = lea.last_message().text
    assert "Hemmnisse: Keine Finanzierung" in shown and "Erfolgsfaktoren: Engagierte Einzelne" in shown
    assert await codes(bot) == {(1, "obstacle", "no_funding"), (1, "factor", "committed_people")}
    steps = await coded_steps(bot)
    assert [s.details for s in steps] == [
        {"kind": "obstacle", "codes": ["no_funding"]},
        {"kind": "factor", "codes": ["committed_people"]},
    ]


async def test_a_member_who_is_not_lead_cannot_tick_and_nothing_changes(bot):
    lea, author, other = await rejected_idea(bot)
    asked = question(lea, "Du hast Idee #1 abgelehnt")
    for user in (author, other):
        await user.press_data("ic:1:1:o:t:no_funding:1", message=asked)
        assert user.callback_answers[-1][0].startswith("Hemmnisse und Erfolgsfaktoren einer Idee können nur")
        await user.press_data("ic:1:1:o", message=asked)
        assert user.callback_answers[-1][1] is True
    assert await codes(bot) == set()
    assert await coded_steps(bot) == []


async def test_the_lead_of_another_team_is_refused(bot):
    lea, _, _ = await rejected_idea(bot)
    otto = await bot.register(bot.user("Otto"))
    await otto.send("/teams")
    await otto.press("Beitreten: Aktions-Team Fachkräfte")
    maria = await manager(bot)
    await maria.send("/makelead")
    await maria.press("Fachkräfte")
    await maria.press("Otto")
    await otto.press_data("ic:1:1:o:t:no_funding:1", message=question(lea, "Du hast Idee #1"))
    assert "können nur das Projektmanagement" in otto.callback_answers[-1][0]
    assert await codes(bot) == set()


async def test_forged_buttons_are_answered_politely_and_change_nothing(bot):
    lea, _, _ = await rejected_idea(bot)
    asked = question(lea, "Du hast Idee #1 abgelehnt")
    forged = {
        "ic:1:1:o:t:made_up_code:1": "Diesen Punkt gibt es nicht",
        "ic:1:1:f:t:no_funding:1": "Diesen Punkt gibt es nicht",  # an obstacle key ticked as a factor
        "ic:1:1:x": "",  # no such kind
        "ic:1:99:o:t:no_funding:1": "können nur das Projektmanagement",  # no such idea
        "ic:1:1:o:z": "",  # no such action
        "ic:1:abc:o": "",
        "ic:1:99999999999:o": "",
    }
    for data, words in forged.items():
        await lea.press_data(data, message=asked)
        text, alert = lea.callback_answers[-1]
        assert alert is True and words in text, data
    assert await codes(bot) == set()
    assert await coded_steps(bot) == []


async def test_a_stalled_idea_asks_its_lead_once(bot):
    team, lea, (author, _) = await team_with_members(bot)
    await submit_idea(author, team="Aktions-Team Daseinsvorsorge")
    svc = bot.app.bot_data["services"]
    bot.clock.advance(timedelta(weeks=7))
    assert await stalled_ideas.plan(svc) == 0  # not yet
    bot.clock.advance(timedelta(weeks=1, hours=1))
    assert await stalled_ideas.plan(svc) == 1
    assert await stalled_ideas.plan(svc) == 0  # the next run (or a restarted bot) plans nothing new
    assert await bot.deliver() == 1
    asked = question(lea, "Bei Idee #1 hat sich seit 8 Wochen nichts bewegt")
    await lea.press("Zu wenig Zeit fürs Ehrenamt", message=asked)
    assert await codes(bot) == {(1, "obstacle", "volunteer_time")}
    bot.clock.advance(timedelta(weeks=20))
    assert await stalled_ideas.plan(svc) == 0  # ticking codes is no step: still the same standstill


async def test_a_step_starts_a_new_standstill_and_a_stale_question_is_not_sent(bot):
    team, lea, (author, _) = await team_with_members(bot)
    await submit_idea(author, team="Aktions-Team Daseinsvorsorge")
    svc = bot.app.bot_data["services"]
    bot.clock.advance(timedelta(weeks=9))
    assert await stalled_ideas.plan(svc) == 1
    await answer(lea, 1, "in Prüfung", "Wir schauen es uns an.")  # the idea moves before the question went out
    await publish(lea)
    await bot.deliver()
    assert not any("nichts bewegt" in t for t in lea.texts())
    bot.clock.advance(timedelta(weeks=9))
    assert await stalled_ideas.plan(svc) == 1  # a new standstill asks again
    await bot.deliver()
    assert "seit 8 Wochen nichts bewegt" in question(lea, "nichts bewegt").text


async def test_a_stalled_idea_without_team_asks_the_manager(bot):
    member = await bot.register(bot.user("Frieda"))
    await member.send("/idea")
    await member.send("Ein Bürgerbus für alle drei Städte.")
    await member.press("Daseinsvorsorge")
    await member.press("Saalfeld")
    await member.press("Weiter")
    await member.press("Einreichen")
    maria = await manager(bot)
    svc = bot.app.bot_data["services"]
    bot.clock.advance(timedelta(weeks=8, days=1))
    assert await stalled_ideas.plan(svc) == 1
    await bot.deliver()
    asked = question(maria, "Bei Idee #1 hat sich")
    await maria.press("Konkurrenz zwischen den Städten", message=asked)
    assert await codes(bot) == {(1, "obstacle", "town_rivalry")}


async def test_the_weeks_come_from_the_config(fake, db):
    from models.clock import FrozenClock
    from tests.conftest import START, start_bot, stop_bot

    bot = await start_bot(fake, db, FrozenClock(START), evaluation__stalled_weeks=2)
    try:
        team, lea, (author, _) = await team_with_members(bot)
        await submit_idea(author, team="Aktions-Team Daseinsvorsorge")
        bot.clock.advance(timedelta(weeks=2, hours=1))
        assert await stalled_ideas.plan(bot.app.bot_data["services"]) == 1
        await bot.deliver()
        assert "seit 2 Wochen nichts bewegt" in question(lea, "nichts bewegt").text
    finally:
        await stop_bot(bot)


async def test_a_run_in_the_night_asks_only_after_the_quiet_hours(bot):
    team, lea, (author, _) = await team_with_members(bot)
    await submit_idea(author, team="Aktions-Team Daseinsvorsorge")
    bot.clock.advance(timedelta(weeks=8, hours=12))  # 22:00 in Berlin: a bot restarted late at night
    assert await stalled_ideas.plan(bot.app.bot_data["services"]) == 1
    assert await bot.deliver() == 0
    assert await bot.deliver(timedelta(hours=9, minutes=59)) == 0  # 06:59 UTC = 07:59 in Berlin
    assert await bot.deliver(timedelta(minutes=1)) == 1
    assert "nichts bewegt" in question(lea, "nichts bewegt").text


async def test_a_question_is_not_sent_when_the_codes_were_ticked_meanwhile(bot):
    team, lea, (author, _) = await team_with_members(bot)
    await submit_idea(author, team="Aktions-Team Daseinsvorsorge")
    bot.clock.advance(timedelta(weeks=9))
    assert await stalled_ideas.plan(bot.app.bot_data["services"]) == 1
    await lea.send("/answer")
    await lea.press("#1 ·")
    await lea.press("🏷 Hemmnisse/Erfolgsfaktoren")
    await lea.press("Lange Fahrzeit")
    await bot.deliver()
    assert not any("nichts bewegt" in t for t in lea.texts())
    [row] = await prompts(bot)
    assert row.status == "skipped"
    assert await codes(bot) == {(1, "obstacle", "travel_time")}


async def test_a_double_tap_on_a_chip_leaves_it_ticked(bot):
    """The chip carries the state it sets: the same press arriving twice ticks once, it does not untick again."""
    lea, _, _ = await rejected_idea(bot)
    asked = question(lea, "Du hast Idee #1 abgelehnt")
    await lea.press_data("ic:1:1:o:t:no_funding:1", message=asked)
    await lea.press_data("ic:1:1:o:t:no_funding:1", message=asked)
    assert await codes(bot) == {(1, "obstacle", "no_funding")}
    assert "✅ Keine Finanzierung" in asked.button_texts()
    await lea.press("✅ Keine Finanzierung", message=asked)  # the ticked chip unticks
    assert await codes(bot) == set()
    await lea.press_data("ic:1:1:o:t:no_funding:x", message=asked)
    assert lea.callback_answers[-1][1] is True and await codes(bot) == set()
