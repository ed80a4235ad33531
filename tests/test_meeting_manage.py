"""/meetings: members see their answers and change them; leads change the time, place or agenda, or cancel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from core.texts import t
from models.tables import Meeting, Outbox, Rsvp
from tests.meeting_helpers import person_of, schedule, team_with_members

START_AT = datetime(2026, 12, 3, 17, 0, tzinfo=UTC)  # Thu 18:00 in Berlin


def reminders(user) -> list:
    return [m for m in user.messages if m.text.startswith("⏰ Erinnerung")]


async def planned(bot) -> tuple:
    """A team, its lead, members (invitations delivered) and a meeting in Saalfeld."""
    team, lead, members = await team_with_members(bot)
    meeting = await schedule(bot, lead, team, START_AT)
    await bot.deliver()
    return team, lead, members, meeting


async def card(user, title: str = "Werkstatt Mobilität"):
    await user.send("/meetings")
    return next(m for m in reversed(user.messages) if title in m.text)


async def pending_reminder_times(bot, meeting_id: int) -> set:
    async with bot.db.transaction() as s:
        rows = await s.execute(
            select(Outbox.due_at).where(
                Outbox.meeting_id == meeting_id, Outbox.kind == "reminder", Outbox.status == "pending"
            )
        )
        return {due.astimezone(UTC) for due in rows.scalars()}


async def current(bot, meeting_id: int) -> Meeting:
    async with bot.db.transaction() as s:
        meeting = await s.get(Meeting, meeting_id)
        assert meeting is not None
        return meeting


async def test_members_meetings_show_their_answer_and_let_them_change_it(bot):
    _, _, (anna, _), meeting = await planned(bot)
    shown = await card(anna)
    assert "Du hast noch nicht geantwortet." in shown.text
    await anna.press("Zusage", message=shown)
    shown = await card(anna)
    assert "Deine Antwort: ✅ Zusage" in shown.text
    assert "Ändern" not in " ".join(shown.button_texts())
    await anna.press("Vielleicht", message=shown)
    async with bot.db.transaction() as s:
        rsvp = await s.get(Rsvp, (meeting.id, (await person_of(bot, anna)).id))
    assert rsvp.answer == "maybe"


async def test_member_without_meetings_is_told_so(bot):
    anna = await bot.register(bot.user("Anna"))
    [reply] = await anna.send("/meetings")
    assert reply.text == t("de", "meeting_flow.none")


async def test_lead_meetings_offer_change_and_cancel(bot):
    _, lead, _, _ = await planned(bot)
    shown = await card(lead)
    assert {"✏️ Ändern", "❌ Absagen", "• ✅ Zusage"} <= set(shown.button_texts())


async def test_lead_changes_the_place_and_members_are_told(bot):
    _, lead, (anna, ben), meeting = await planned(bot)
    await lead.press("Ändern", message=await card(lead))
    await lead.press("Ort")
    assert "Wo findet das Treffen statt?" in lead.last_message().text
    await lead.press("Rudolstadt")
    [reply] = await lead.send("Schlossstraße 5")
    assert changes_of(reply.text) == ["Ort: Markt 1, Saalfeld → Schlossstraße 5, Rudolstadt"]
    await bot.deliver()
    for member in (anna, ben):
        notice = member.last_message().text
        assert notice.startswith("✏️ Das Treffen wurde geändert:")
        assert changes_of(notice) == ["Ort: Markt 1, Saalfeld → Schlossstraße 5, Rudolstadt"]
        assert "📍 Schlossstraße 5, Rudolstadt" in notice
    changed = await current(bot, meeting.id)
    assert (changed.town, changed.address, changed.sequence) == ("rudolstadt", "Schlossstraße 5", 1)


def changes_of(text: str) -> list[str]:
    """The "field: old → new" lines of a change confirmation or notice."""
    return [line for line in text.splitlines() if " → " in line]


async def test_a_move_online_is_one_place_line_and_an_address_alone_stays_one_line(bot):
    _, lead, (anna, _), meeting = await planned(bot)
    await lead.press("Ändern", message=await card(lead))
    await lead.press("Ort")
    await lead.press("Saalfeld")
    [reply] = await lead.send("Rathaus, Markt 7")
    assert changes_of(reply.text) == ["Ort: Markt 1 → Rathaus, Markt 7"]
    await lead.press("Ändern", message=await card(lead))
    await lead.press("Ort")
    await lead.press("Online")
    [reply] = await lead.send("https://meet.example.org/werkstatt")
    assert changes_of(reply.text) == ["Ort: Rathaus, Markt 7, Saalfeld → Online (https://meet.example.org/werkstatt)"]
    await bot.deliver()
    assert changes_of(anna.last_message().text) == [
        "Ort: Rathaus, Markt 7, Saalfeld → Online (https://meet.example.org/werkstatt)"
    ]
    changed = await current(bot, meeting.id)
    assert (changed.town, changed.address, changed.online_url) == (None, None, "https://meet.example.org/werkstatt")


async def test_the_lead_who_changes_or_cancels_gets_only_her_confirmation(bot):
    _, lead, (anna, _), _ = await planned(bot)
    await lead.press("Ändern", message=await card(lead))
    await lead.press("Tagesordnung")
    before = len(lead.messages)
    await lead.send("Fahrplan Bürgerbus")
    await bot.deliver()
    assert len(lead.messages) == before + 1 and lead.last_message().text.startswith("✅ Geändert.")
    assert anna.last_message().text.startswith("✏️ Das Treffen wurde geändert:")
    await lead.press("Absagen", message=await card(lead))
    before = len(lead.messages)
    await lead.press("Ja, absagen")
    await bot.deliver()
    assert len(lead.messages) == before and lead.last_message().text.startswith("Abgesagt:")
    assert anna.last_message().text.startswith("❌ Abgesagt:")


async def test_reminder_after_a_place_change_comes_once_and_shows_the_new_place(bot):
    _, lead, (anna, _), meeting = await planned(bot)
    await lead.press("Ändern", message=await card(lead))
    await lead.press("Ort")
    await lead.press("Rudolstadt")
    await lead.send("Schlossstraße 5")
    await bot.deliver()
    bot.clock.set(START_AT - timedelta(hours=24))
    await bot.deliver()
    assert len(reminders(anna)) == 1
    assert "Schlossstraße 5, Rudolstadt" in reminders(anna)[0].text


async def test_lead_changes_the_time_and_reminders_move(bot):
    _, lead, (anna, _), meeting = await planned(bot)
    assert START_AT - timedelta(hours=24) in await pending_reminder_times(bot, meeting.id)
    await lead.press("Ändern", message=await card(lead))
    await lead.press("Zeit")
    [reply] = await lead.send("04.12.2026 19:00")
    assert "Zeit: Do., 3. Dez. 2026, 18:00 Uhr → Fr., 4. Dez. 2026, 19:00 Uhr" in reply.text
    new_start = datetime(2026, 12, 4, 18, 0, tzinfo=UTC)
    assert await pending_reminder_times(bot, meeting.id) == {
        new_start - timedelta(hours=24),
        new_start - timedelta(hours=2),
    }
    await bot.deliver()
    assert "Zeit: Do., 3. Dez. 2026, 18:00 Uhr → Fr., 4. Dez. 2026, 19:00 Uhr" in anna.last_message().text
    await bot.deliver(advance=START_AT - timedelta(hours=23) - bot.clock.now())
    assert reminders(anna) == []
    bot.clock.set(new_start - timedelta(hours=24))
    await bot.deliver()
    assert len(reminders(anna)) == 1


async def test_time_change_to_the_past_is_refused_and_nothing_changes(bot):
    _, lead, _, meeting = await planned(bot)
    await lead.press("Ändern", message=await card(lead))
    await lead.press("Zeit")
    [reply] = await lead.send("01.11.2026 18:00")
    assert reply.text == t("de", "dates.past")
    assert (await current(bot, meeting.id)).starts_at == START_AT


async def test_lead_changes_the_agenda(bot):
    _, lead, (anna, _), meeting = await planned(bot)
    await lead.press("Ändern", message=await card(lead))
    await lead.press("Tagesordnung")
    await lead.send("Fahrplan Bürgerbus")
    assert (await current(bot, meeting.id)).agenda == "Fahrplan Bürgerbus"
    await bot.deliver()
    assert "Tagesordnung: – → Fahrplan Bürgerbus" in anna.last_message().text


async def test_cancel_asks_first_then_members_are_told_and_reminders_are_dropped(bot):
    _, lead, (anna, ben), meeting = await planned(bot)
    invitation = anna.last_message()
    await lead.press("Absagen", message=await card(lead))
    assert "Dieses Treffen wirklich absagen?" in lead.last_message().text
    assert (await current(bot, meeting.id)).status == "scheduled"
    await lead.press("Ja, absagen")
    assert lead.last_message().text == "Abgesagt: „Werkstatt Mobilität“. 2 Eingeladene bekommen Bescheid."
    await bot.deliver()
    assert "Abgesagt" in anna.last_message().text and "Abgesagt" in ben.last_message().text
    await anna.press("Zusage", message=invitation)
    assert "abgesagt" in anna.callback_answers[-1][0]
    await bot.deliver(advance=timedelta(days=9))
    assert reminders(anna) == [] and reminders(ben) == []
    assert await pending_reminder_times(bot, meeting.id) == set()


async def test_cancelled_meeting_disappears_from_meetings(bot):
    _, lead, (anna, _), _ = await planned(bot)
    await lead.press("Absagen", message=await card(lead))
    await lead.press("Ja, absagen")
    [reply] = await anna.send("/meetings")
    assert reply.text == t("de", "meeting_flow.none")


async def test_confirm_cancel_pressed_twice_cancels_once(bot):
    _, lead, (anna, _), _ = await planned(bot)
    await lead.press("Absagen", message=await card(lead))
    ask = lead.last_message()
    data = next(b.callback_data for b in ask.flat_buttons() if b.text == "Ja, absagen")
    await lead.press_data(data, message=ask)
    await lead.press_data(data, message=ask)
    assert lead.callback_answers[-1] == (t("de", "meetings.cancelled"), True)
    await bot.deliver()
    assert len([m for m in anna.messages if "Abgesagt" in m.text]) == 1


async def test_member_forging_a_cancel_button_is_refused(bot):
    _, _, (anna, _), meeting = await planned(bot)
    await anna.press_data(f"me:1:cx:{meeting.id}", message=anna.last_message())
    assert anna.callback_answers[-1] == (t("de", "meetings.not_lead"), True)
    assert (await current(bot, meeting.id)).status == "scheduled"


async def test_old_change_buttons_of_a_cancelled_meeting_answer_cancelled(bot):
    _, lead, _, _ = await planned(bot)
    shown = await card(lead)
    change = next(b.callback_data for b in shown.flat_buttons() if b.text == "✏️ Ändern")
    await lead.press("Absagen", message=shown)
    await lead.press("Ja, absagen")
    await lead.press_data(change, message=shown)
    assert lead.callback_answers[-1] == (t("de", "meetings.cancelled"), True)
