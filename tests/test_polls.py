"""/poll end to end: a lead proposes dates, members vote with buttons, nudges and the deadline tally arrive
through the dispatcher, and the lead picks the date that becomes the meeting."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from models.tables import Draft, Membership, Outbox, Person, Poll, PollSlot, PollVote
from tests.conftest import start_bot, stop_bot
from tests.meeting_helpers import person_of, team_with_members

TITLE = "Planungstreffen Bürgerbus"
DEC3, DEC4 = datetime(2026, 12, 3, 17, 0, tzinfo=UTC), datetime(2026, 12, 4, 17, 0, tzinfo=UTC)  # 18:00 Berlin


async def make_poll(lead, title=TITLE, slots=("3.12. 18 Uhr", "4.12. 18 Uhr"), deadline="in 2 Tagen") -> None:
    """The whole /poll dialogue with typed slots; the deadline by button."""
    await lead.send("/poll")
    await lead.send(title)
    for i, slot in enumerate(slots):
        if i:
            await lead.press("Weiteren Termin")
        await lead.send(slot)
    await lead.press("Fertig")
    await lead.press(deadline)
    await lead.press("Abstimmung starten")


def ballots(user):
    return [m for m in user.messages if "Terminabstimmung" in m.text or "noch nicht abgestimmt:" in m.text]


def nudges(user):
    return [m for m in user.messages if "Du hast noch nicht abgestimmt" in m.text]


async def count(bot, model, *where) -> int:
    async with bot.db.transaction() as s:
        return (await s.execute(select(func.count()).select_from(model).where(*where))).scalar_one()


async def the_poll(bot) -> Poll:
    async with bot.db.transaction() as s:
        return (await s.execute(select(Poll))).scalar_one()


async def draft_slots(bot, user) -> list[str]:
    async with bot.db.transaction() as s:
        draft = (
            await s.execute(
                select(Draft).join(Person, Person.id == Draft.person_id).where(Person.telegram_id == user.user_id)
            )
        ).scalar_one()
    return list(draft.data.get("slots", []))


async def poll_ready(bot, **kw):
    team, lead, members = await team_with_members(bot)
    await make_poll(lead, **kw)
    await bot.deliver()
    return team, lead, members


# -- creating a poll -------------------------------------------------------------------------------------


async def test_lead_creates_a_poll_with_a_typed_and_a_button_slot(bot):
    team, lead, _ = await team_with_members(bot)
    await lead.send("/poll")
    await lead.send(TITLE)
    assert "Termin 1" in lead.last_message().text
    await lead.send("3.12. 18:30")
    assert "Do., 3. Dez. 2026, 18:30 Uhr" in lead.last_message().text
    await lead.press("Weiteren Termin")
    await lead.press("Fr. 4.12.")
    await lead.press("19:00")
    await lead.press("Fertig")
    assert lead.last_message().button_texts() == [
        "in 2 Tagen · Fr. 27.11. 18:00",
        "in 1 Woche · Mi. 2.12. 18:00",
        "1 Tag vor dem ersten Termin · Mi. 2.12. 18:30",
        "Abbrechen",
    ]
    await lead.press("1 Tag vor dem ersten Termin")
    confirm = lead.last_message().text
    assert "Bitte prüfen" in confirm and TITLE in confirm and "Abstimmung bis: Mi., 2. Dez. 2026, 18:30 Uhr" in confirm
    await lead.press("Abstimmung starten")
    poll = await the_poll(bot)
    async with bot.db.transaction() as s:
        slots = list((await s.execute(select(PollSlot.starts_at).order_by(PollSlot.starts_at))).scalars())
        kinds = sorted((await s.execute(select(Outbox.kind))).scalars())
    assert (poll.team_id, poll.title, poll.status) == (team.id, TITLE, "open")
    assert slots == [DEC3 + timedelta(minutes=30), DEC4 + timedelta(hours=1)]
    assert poll.deadline_at == DEC3 + timedelta(minutes=30) - timedelta(days=1)
    assert kinds == ["poll_deadline"] + ["poll_invite"] * 2 + ["poll_nudge"] * 2
    assert "noch nicht abgestimmt: 2" in lead.last_message().text


async def test_members_get_a_ballot_with_three_buttons_per_slot(bot):
    _, lead, (anna, ben) = await poll_ready(bot)
    ballot = ballots(anna)[-1]
    assert TITLE in ballot.text and "1. Do., 3. Dez. 2026, 18:00 Uhr – noch offen" in ballot.text
    assert ballot.button_texts() == ["1: ✅", "1: 🤔", "1: ❌", "2: ✅", "2: 🤔", "2: ❌"]
    assert ballots(ben) and not [m for m in lead.messages if "Wann kannst du?" in m.text]


async def test_finishing_with_one_slot_is_refused(bot):
    _, lead, _ = await team_with_members(bot)
    await lead.send("/poll")
    await lead.send(TITLE)
    await lead.send("3.12. 18 Uhr")
    await lead.press("Fertig")
    assert lead.callback_answers[-1] == ("Bitte schlage mindestens 2 Termine vor.", True)
    assert len(await draft_slots(bot, lead)) == 1 and await count(bot, Poll) == 0


async def test_a_sixth_slot_is_refused(bot):
    _, lead, _ = await team_with_members(bot)
    await lead.send("/poll")
    await lead.send(TITLE)
    for day in range(1, 6):
        await lead.send(f"{day}.12. 18 Uhr")
    assert "Weiteren Termin" not in " ".join(lead.last_message().button_texts())
    replies = await lead.send("6.12. 18 Uhr")
    assert replies[-1].text == "Höchstens 5 Termine – mehr passen nicht in eine Abstimmung."
    assert len(await draft_slots(bot, lead)) == 5


async def test_a_past_slot_is_refused(bot):
    _, lead, _ = await team_with_members(bot)
    await lead.send("/poll")
    await lead.send(TITLE)
    replies = await lead.send("24.11.2026 18 Uhr")
    assert "in der Vergangenheit" in replies[-1].text
    assert await draft_slots(bot, lead) == []


async def test_a_duplicate_slot_is_refused(bot):
    _, lead, _ = await team_with_members(bot)
    await lead.send("/poll")
    await lead.send(TITLE)
    await lead.send("3.12. 18 Uhr")
    replies = await lead.send("Do 3.12. 18:00")
    assert replies[-1].text == "Diesen Termin hast du schon vorgeschlagen."
    assert len(await draft_slots(bot, lead)) == 1


async def test_a_garbage_date_is_refused(bot):
    _, lead, _ = await team_with_members(bot)
    await lead.send("/poll")
    await lead.send(TITLE)
    replies = await lead.send("irgendwann nächste Woche vielleicht")
    assert "Dieses Datum verstehe ich nicht" in replies[-1].text
    assert await draft_slots(bot, lead) == []


async def test_a_deadline_after_the_first_slot_is_refused(bot):
    _, lead, _ = await team_with_members(bot)
    await lead.send("/poll")
    await lead.send(TITLE)
    await lead.send("morgen 18 Uhr")
    await lead.send("3.12. 18 Uhr")
    await lead.press("Fertig")
    assert "in 1 Woche" not in lead.last_message().button_texts()
    replies = await lead.send("1.12. 12 Uhr")
    assert replies[-1].text == "Das Abstimmungsende muss vor dem ersten Termin liegen."
    assert await count(bot, Poll) == 0


async def test_a_member_cannot_start_a_poll(bot):
    _, _, (anna, _) = await team_with_members(bot)
    replies = await anna.send("/poll")
    assert replies[-1].text.startswith("Terminabstimmungen kann nur die Teamleitung")
    assert await count(bot, Draft) == 0


async def test_html_in_the_title_is_shown_escaped(bot):
    _, lead, (anna, _) = await poll_ready(bot, title="<b>Treffen</b> & mehr")
    assert "<b>Treffen</b> & mehr" in ballots(anna)[-1].text
    assert "&lt;b&gt;Treffen&lt;/b&gt; &amp; mehr" in lead.last_message().html


async def test_the_poll_draft_survives_a_restart(bot, fake, db):
    _, lead, _ = await team_with_members(bot)
    await lead.send("/poll")
    await lead.send(TITLE)
    await stop_bot(bot)
    restarted = await start_bot(fake, db, bot.clock)
    try:
        await lead.send("3.12. 18 Uhr")
        assert "1. Do., 3. Dez. 2026, 18:00 Uhr" in lead.last_message().text
        assert len(await draft_slots(restarted, lead)) == 1
    finally:
        await stop_bot(restarted)


async def test_a_manager_first_picks_the_team(bot):
    team, _, (anna, _) = await team_with_members(bot)
    maria = bot.manager()  # registered by team_with_members
    replies = await maria.send("/poll")
    assert replies[-1].text == "Für welches Team soll ein Termin gefunden werden?"
    await maria.press(team.name_de)
    await maria.send(TITLE)
    await maria.send("3.12. 18 Uhr")
    await maria.send("4.12. 18 Uhr")
    await maria.press("Fertig")
    await maria.press("in 2 Tagen")
    await maria.press("Abstimmung starten")
    assert (await the_poll(bot)).team_id == team.id
    await bot.deliver()
    assert ballots(anna)


async def test_cancel_drops_the_draft_and_old_buttons_go_stale(bot):
    _, lead, _ = await team_with_members(bot)
    await lead.send("/poll")
    await lead.send(TITLE)
    await lead.send("3.12. 18 Uhr")
    done = next(b.callback_data for b in lead.last_message().flat_buttons() if b.text == "Fertig")
    await lead.press("Abbrechen")
    assert lead.last_message().text == "Abgebrochen. Es wurde keine Abstimmung angelegt."
    assert await count(bot, Draft) == 0
    await lead.send("/poll")
    await lead.press_data(done)
    assert lead.callback_answers[-1] == ("Dieser Knopf ist nicht mehr aktuell. Tippe /start für das Menü.", True)
    assert await draft_slots(bot, lead) == []


async def test_a_forged_time_button_changes_nothing(bot):
    _, lead, _ = await team_with_members(bot)
    await lead.send("/poll")
    await lead.send(TITLE)
    await lead.press("Fr. 4.12.")
    nonce = lead.last_message().flat_buttons()[0].callback_data.split(":")[3]
    await lead.press_data(f"pl:1:f:{nonce}:time:20261204:2599")
    assert lead.callback_answers[-1][1] is True
    assert await draft_slots(bot, lead) == []


# -- voting ----------------------------------------------------------------------------------------------


async def test_members_vote_and_change_their_votes(bot):
    _, _, (anna, _) = await poll_ready(bot)
    await anna.press("1: ✅", message=ballots(anna)[-1])
    assert anna.callback_answers[-1] == ("Gespeichert: ✅ passt", False)
    await anna.press("1: ❌", message=ballots(anna)[-1])
    await anna.press("1: ❌", message=ballots(anna)[-1])
    assert anna.callback_answers[-1] == ("Deine Antwort war schon: ❌ passt nicht", False)
    await anna.press("2: 🤔", message=ballots(anna)[-1])
    text = ballots(anna)[-1].text
    assert "1. Do., 3. Dez. 2026, 18:00 Uhr – ❌ passt nicht" in text and "– 🤔 vielleicht" in text
    assert "• 1: ❌" in ballots(anna)[-1].button_texts()
    me = await person_of(bot, anna)
    async with bot.db.transaction() as s:
        votes = sorted((await s.execute(select(PollVote.answer).where(PollVote.person_id == me.id))).scalars())
    assert votes == ["maybe", "no"]


async def test_the_lead_sees_the_tally_live(bot):
    _, lead, (anna, ben) = await poll_ready(bot)
    await anna.press("1: ✅", message=ballots(anna)[-1])
    await anna.press("2: ❌", message=ballots(anna)[-1])
    await ben.press("1: 🤔", message=ballots(ben)[-1])
    await lead.press("Aktualisieren")
    text = lead.last_message().text
    assert "1. Do., 3. Dez. 2026, 18:00 Uhr\n✅ 1 · 🤔 1 · ❌ 0" in text
    assert "2. Fr., 4. Dez. 2026, 18:00 Uhr\n✅ 0 · 🤔 0 · ❌ 1" in text
    assert "noch nicht abgestimmt: 0" in text
    assert "Diesen Termin nehmen: Do. 3.12. 18:00" in lead.last_message().button_texts()


async def test_a_member_of_another_team_cannot_vote(bot):
    _, _, (anna, _) = await poll_ready(bot)
    eve = await bot.register(bot.user("Eve"))
    slot = ballots(anna)[-1].flat_buttons()[0].callback_data
    await eve.send("/help")
    await eve.press_data(slot, message=eve.last_message())
    assert eve.callback_answers[-1][0].startswith("Bei dieser Abstimmung kannst du nicht mitmachen")
    assert await count(bot, PollVote) == 0


async def test_a_member_who_left_the_team_cannot_vote(bot):
    team, _, (anna, _) = await poll_ready(bot)
    ballot = ballots(anna)[-1]
    await anna.send("/teams")
    await anna.press(f"Verlassen: {team.name_de}")
    await anna.press("1: ✅", message=ballot)
    assert anna.callback_answers[-1][0].startswith("Bei dieser Abstimmung kannst du nicht mitmachen")
    assert await count(bot, PollVote) == 0


async def test_voting_after_the_deadline_is_refused_and_the_ballot_closes(bot):
    _, _, (anna, _) = await poll_ready(bot)
    bot.clock.set((await the_poll(bot)).deadline_at)
    ballot = ballots(anna)[-1]
    await anna.press("1: ✅", message=ballot)
    assert anna.callback_answers[-1] == ("Die Abstimmung ist vorbei: Die Frist ist abgelaufen.", False)
    assert "Die Teamleitung wählt jetzt einen Termin" in ballot.text and ballot.buttons == []
    assert "1. Do., 3. Dez. 2026, 18:00 Uhr – noch offen" in ballot.text
    assert await count(bot, PollVote) == 0


# -- nudges and the deadline -----------------------------------------------------------------------------


async def test_a_poll_nobody_answers_nudges_once_and_tells_the_lead_at_the_deadline(bot):
    _, lead, (anna, ben) = await poll_ready(bot)
    deadline = (await the_poll(bot)).deadline_at
    bot.clock.set(deadline - timedelta(hours=24, minutes=1))
    await bot.deliver()
    assert nudges(anna) == [] and nudges(ben) == []
    await bot.deliver(advance=timedelta(minutes=2))
    assert len(nudges(anna)) == 1 and len(nudges(ben)) == 1
    assert "1: ✅" in nudges(anna)[0].button_texts()
    assert not [m for m in lead.messages if "ist zu Ende" in m.text]
    bot.clock.set(deadline)
    await bot.deliver()
    end = [m for m in lead.messages if "ist zu Ende" in m.text]
    assert len(end) == 1 and "noch nicht abgestimmt: 2" in end[0].text
    assert "Diesen Termin nehmen: Fr. 4.12. 18:00" in end[0].button_texts()
    await bot.deliver(advance=timedelta(days=2))
    assert len(nudges(anna)) == 1 and len(nudges(ben)) == 1


async def test_a_member_who_voted_gets_no_nudge(bot):
    _, _, (anna, ben) = await poll_ready(bot)
    await anna.press("2: 🤔", message=ballots(anna)[-1])
    bot.clock.set((await the_poll(bot)).deadline_at - timedelta(hours=1))
    await bot.deliver()
    assert nudges(anna) == [] and len(nudges(ben)) == 1


# -- picking ---------------------------------------------------------------------------------------------


async def test_picking_a_slot_closes_the_poll_and_continues_with_the_meeting(bot):
    _, lead, (anna, _) = await poll_ready(bot)
    await lead.press("Diesen Termin nehmen: Fr. 4.12.")
    poll = await the_poll(bot)
    async with bot.db.transaction() as s:
        chosen = await s.get(PollSlot, poll.chosen_slot_id)
        open_rows = await s.scalar(select(func.count()).select_from(Outbox).where(Outbox.status == "pending"))
    assert (poll.status, chosen.starts_at) == ("closed", DEC4)
    assert open_rows == 2  # the result for each member, nothing else
    assert any("Der Termin steht fest – Fr., 4. Dez. 2026, 18:00 Uhr" in m.text for m in lead.messages)
    assert "Wie lange dauert das Treffen?" in lead.last_message().text


async def test_old_vote_buttons_say_the_poll_is_closed_and_the_ballot_loses_its_buttons(bot):
    _, lead, (anna, _) = await poll_ready(bot)
    await anna.press("2: ❌", message=ballots(anna)[-1])
    await lead.press("Diesen Termin nehmen: Do. 3.12.")
    ballot = ballots(anna)[0]
    await anna.press("1: ✅", message=ballot)
    assert anna.callback_answers[-1] == ("Die Abstimmung ist beendet – der Termin steht fest.", False)
    assert "Die Abstimmung ist beendet. Termin: Do., 3. Dez. 2026, 18:00 Uhr." in ballot.text
    assert "📌 1. Do., 3. Dez. 2026, 18:00 Uhr – noch offen" in ballot.text
    assert "2. Fr., 4. Dez. 2026, 18:00 Uhr – ❌ passt nicht" in ballot.text
    assert ballot.buttons == []
    async with bot.db.transaction() as s:
        assert list((await s.execute(select(PollVote.answer))).scalars()) == ["no"]


async def test_a_member_cannot_pick_a_slot(bot):
    _, lead, (anna, _) = await poll_ready(bot)
    pick = next(b for b in lead.last_message().flat_buttons() if b.text.startswith("Diesen Termin"))
    await anna.send("/help")
    await anna.press_data(pick.callback_data, message=anna.last_message())
    assert anna.callback_answers[-1][0].startswith("Treffen planen kann nur die Teamleitung")
    assert (await the_poll(bot)).status == "open"


# -- privacy ---------------------------------------------------------------------------------------------


async def test_mydata_lists_my_poll_votes_and_deleteme_removes_them(bot):
    _, _, (anna, ben) = await poll_ready(bot)
    await anna.press("1: ✅", message=ballots(anna)[-1])
    await ben.press("1: ❌", message=ballots(ben)[-1])
    replies = await anna.send("/mydata")
    data = json.loads(replies[-1].document[1])
    assert [v["answer"] for v in data["poll_votes"]] == ["yes"]
    me = await person_of(bot, anna)
    await anna.send("/deleteme")
    await anna.press("Ja, alles löschen")
    assert await count(bot, PollVote, PollVote.person_id == me.id) == 0
    assert await count(bot, Membership, Membership.person_id == me.id) == 0
    assert await count(bot, PollVote) == 1
