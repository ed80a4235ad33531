"""How a date poll ends: the lead picks a slot or ends it without a date, every member is told, old ballots
close; and deadlines picked as "in 2 Tagen" end at 18:00 local instead of the minute the lead was typing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from models.tables import AuditEntry, Outbox, PollVote
from tests.meeting_helpers import person_of, team_with_members
from tests.test_polls import TITLE, ballots, count, make_poll, poll_ready, the_poll

PICKED = "Der Termin steht fest: Fr., 4. Dez. 2026, 18:00 Uhr."
CALLED_OFF = "Die Abstimmung wurde ohne Termin beendet"


def results(user):
    return [m for m in user.messages if "Der Termin steht fest:" in m.text or CALLED_OFF in m.text]


async def outbox_rows(bot, kind: str) -> list[tuple[int | None, str]]:
    async with bot.db.transaction() as s:
        rows = await s.execute(select(Outbox.person_id, Outbox.status).where(Outbox.kind == kind).order_by(Outbox.id))
        return [(pid, status) for pid, status in rows.all()]


async def audit_of(bot, action: str) -> list[AuditEntry]:
    async with bot.db.transaction() as s:
        return list((await s.execute(select(AuditEntry).where(AuditEntry.action == action))).scalars())


# -- picking a slot ----------------------------------------------------------------------------------------


async def test_picking_a_slot_tells_every_member_the_date_and_their_own_answer(bot):
    _, lead, (anna, ben) = await poll_ready(bot)
    await anna.press("2: ✅", message=ballots(anna)[-1])
    await lead.press("Diesen Termin nehmen: Fr. 4.12.")
    assert lead.callback_answers[-1] == ("Die Eingeladenen werden benachrichtigt.", False)
    assert results(anna) == [] and results(ben) == []
    await bot.deliver()
    [to_anna], [to_ben] = results(anna), results(ben)
    assert TITLE in to_anna.text and PICKED in to_anna.text
    assert "Deine Antwort zu diesem Termin: ✅ passt" in to_anna.text
    assert PICKED in to_ben.text and "Deine Antwort" not in to_ben.text  # Ben never voted
    assert to_anna.buttons == [] and results(lead) == []
    people = [(await person_of(bot, u)).id for u in (anna, ben)]
    assert await outbox_rows(bot, "poll_result") == [(pid, "sent") for pid in people]
    [entry] = await audit_of(bot, "poll_pick")
    assert entry.actor_id == (await person_of(bot, lead)).id and entry.details["told"] == 2
    await bot.deliver(advance=timedelta(days=3))
    assert len(results(anna)) == 1  # told once; the nudges and the deadline tally were dropped
    assert not [m for m in lead.messages if "ist zu Ende" in m.text]


async def test_a_manager_picking_for_the_lead_tells_the_lead_too_and_english_members_read_english(bot):
    team, lead, (anna, _) = await team_with_members(bot)
    john = await bot.register(bot.user("John", "en"), evaluation="Yes", group="Citizen")
    await john.send("/teams")
    await john.press(f"Join: {team.name_en}")
    await make_poll(lead)
    await bot.deliver()
    maria = bot.manager()
    pick = next(b for b in lead.last_message().flat_buttons() if b.text.startswith("Diesen Termin nehmen: Fr."))
    await maria.send("/help")
    await maria.press_data(pick.callback_data, message=maria.last_message())
    assert (await the_poll(bot)).status == "closed"
    await bot.deliver()
    assert PICKED in results(lead)[-1].text and PICKED in results(anna)[-1].text
    assert "The date is fixed: Fri, 4 Dec 2026, 6:00 PM." in john.last_message().text
    assert results(maria) == []


# -- ending without a date ---------------------------------------------------------------------------------


async def test_the_lead_ends_a_poll_without_a_date_after_confirming_and_everyone_is_told(bot):
    _, lead, (anna, ben) = await poll_ready(bot)
    await anna.press("1: 🤔", message=ballots(anna)[-1])
    tally = lead.last_message()
    await lead.press("Ohne Termin beenden", message=tally)
    assert "ohne Termin beenden?" in tally.text and "Alle Eingeladenen erfahren" in tally.text
    assert tally.button_texts() == ["Ja, ohne Termin beenden", "◀ Zurück"]
    await lead.press("◀ Zurück", message=tally)
    assert "noch nicht abgestimmt: 1" in tally.text and (await the_poll(bot)).status == "open"
    await lead.press("Ohne Termin beenden", message=tally)
    await lead.press("Ja, ohne Termin beenden", message=tally)
    assert lead.callback_answers[-1] == ("Die Eingeladenen werden benachrichtigt.", False)
    assert "Die Abstimmung ist ohne Termin beendet." in tally.text and tally.buttons == []
    poll = await the_poll(bot)
    assert (poll.status, poll.chosen_slot_id) == ("cancelled", None)
    assert {status for _, status in await outbox_rows(bot, "poll_nudge")} == {"cancelled"}
    assert await outbox_rows(bot, "poll_deadline") == [((await person_of(bot, lead)).id, "cancelled")]
    await bot.deliver()
    for user in (anna, ben):
        [told] = results(user)
        assert CALLED_OFF in told.text and TITLE in told.text
    [entry] = await audit_of(bot, "poll_cancel")
    assert entry.details == {"poll": poll.id, "told": 2}
    ballot = ballots(anna)[0]
    await anna.press("2: ✅", message=ballot)
    assert anna.callback_answers[-1] == ("Die Abstimmung ist beendet – ohne Termin.", False)
    assert "Die Abstimmung ist ohne Termin beendet." in ballot.text and ballot.buttons == []
    assert "1. Do., 3. Dez. 2026, 18:00 Uhr – 🤔 vielleicht" in ballot.text
    assert await count(bot, PollVote) == 1


async def test_an_ended_poll_cannot_be_ended_or_picked_again(bot):
    _, lead, _ = await poll_ready(bot)
    tally = lead.last_message()
    pick = next(b.callback_data for b in tally.flat_buttons() if b.text.startswith("Diesen Termin"))
    await lead.press("Ohne Termin beenden", message=tally)
    confirm = next(b.callback_data for b in tally.flat_buttons() if b.text.startswith("Ja"))
    await lead.press_data(confirm, message=tally)
    await lead.press_data(confirm, message=tally)
    assert lead.callback_answers[-1] == ("Diese Abstimmung wurde ohne Termin beendet.", True)
    await lead.press_data(pick, message=tally)
    assert lead.callback_answers[-1] == ("Diese Abstimmung wurde ohne Termin beendet.", True)
    assert (await the_poll(bot)).status == "cancelled"
    assert len(await outbox_rows(bot, "poll_result")) == 2 and len(await audit_of(bot, "poll_cancel")) == 1


async def test_a_member_cannot_end_a_poll_even_with_a_forged_button(bot):
    _, lead, (anna, _) = await poll_ready(bot)
    poll = await the_poll(bot)
    await anna.send("/help")
    for data in (f"pl:1:c:{poll.id}", f"pl:1:x:{poll.id}"):
        await anna.press_data(data, message=anna.last_message())
        assert anna.callback_answers[-1][0].startswith("Treffen planen kann nur die Teamleitung")
    assert (await the_poll(bot)).status == "open"
    assert await outbox_rows(bot, "poll_result") == [] and await audit_of(bot, "poll_cancel") == []


# -- the deadline ------------------------------------------------------------------------------------------

TYPING = datetime(2026, 11, 25, 9, 37, tzinfo=UTC)  # Wed 10:37 in Berlin


async def deadline_after(bot, pick_or_type: str, typed: bool = False) -> datetime:
    """The poll dialogue at 10:37; the deadline pressed (a button) or typed; returns the stored deadline."""
    _, lead, _ = await team_with_members(bot)
    bot.clock.set(TYPING)
    await lead.send("/poll")
    await lead.send(TITLE)
    await lead.send("3.12. 18 Uhr")
    await lead.press("Weiteren Termin")
    await lead.send("4.12. 18 Uhr")
    await lead.press("Fertig")
    if typed:
        await lead.send(pick_or_type)
    else:
        await lead.press(pick_or_type)
    assert "Bitte prüfen" in lead.last_message().text
    await lead.press("Abstimmung starten")
    return (await the_poll(bot)).deadline_at


async def test_in_two_days_ends_at_six_pm_on_the_day_after_tomorrow_not_at_the_current_minute(bot):
    assert await deadline_after(bot, "in 2 Tagen") == datetime(2026, 11, 27, 17, 0, tzinfo=UTC)  # Fri 18:00


async def test_in_one_week_ends_at_six_pm_a_week_from_today(bot):
    assert await deadline_after(bot, "in 1 Woche") == datetime(2026, 12, 2, 17, 0, tzinfo=UTC)


async def test_typing_the_words_of_a_choice_means_that_choice(bot):
    assert await deadline_after(bot, "In 2  Tagen", typed=True) == datetime(2026, 11, 27, 17, 0, tzinfo=UTC)


async def test_a_deadline_typed_as_a_day_without_time_ends_at_six_pm(bot):
    assert await deadline_after(bot, "Montag", typed=True) == datetime(2026, 11, 30, 17, 0, tzinfo=UTC)


async def test_a_deadline_typed_with_a_time_keeps_that_time(bot):
    assert await deadline_after(bot, "Montag 9:15", typed=True) == datetime(2026, 11, 30, 8, 15, tzinfo=UTC)


async def test_the_deadline_buttons_show_what_they_mean(bot):
    _, lead, _ = await team_with_members(bot)
    bot.clock.set(TYPING)
    await lead.send("/poll")
    await lead.send(TITLE)
    await lead.send("3.12. 18 Uhr")
    await lead.press("Weiteren Termin")
    await lead.send("4.12. 18 Uhr")
    await lead.press("Fertig")
    assert lead.last_message().button_texts()[:3] == [
        "in 2 Tagen · Fr. 27.11. 18:00",
        "in 1 Woche · Mi. 2.12. 18:00",
        "1 Tag vor dem ersten Termin · Mi. 2.12. 18:00",
    ]
    await lead.press("in 2 Tagen")
    assert "Abstimmung bis: Fr., 27. Nov. 2026, 18:00 Uhr" in lead.last_message().text
