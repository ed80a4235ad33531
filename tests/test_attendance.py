"""After a meeting the lead records who came, guests without Telegram and short minutes."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from handlers.codec import MAX_BYTES
from models.errors import Refusal
from models.meetings import attendance
from models.people import register
from models.tables import Meeting, Outbox, Rsvp
from tests.meeting_helpers import in_days, person_of, schedule, team_with_members

NUDGE = "📋 Bitte trage noch ein"


async def past_meeting(bot, **kw):
    """A team, a meeting tomorrow, its invitations sent, and the clock moved to its end."""
    team, lead, members = await team_with_members(bot, **kw)
    meeting = await schedule(bot, lead, team, in_days(bot, 1))
    await bot.deliver()
    bot.clock.set(meeting.starts_at + timedelta(minutes=meeting.duration_min))
    return meeting, lead, members


async def open_list(bot, lead, meeting):
    await lead.send("/attendance")
    await lead.press("Werkstatt Mobilität")


async def stored(bot, meeting_id) -> Meeting:
    async with bot.db.transaction() as s:
        return await s.get(Meeting, meeting_id)


async def attended(bot, meeting_id, user) -> bool | None:
    p = await person_of(bot, user)
    async with bot.db.transaction() as s:
        return (await s.get(Rsvp, (meeting_id, p.id))).attended


async def test_the_nudge_two_hours_after_the_meeting_opens_the_attendance_list(bot):
    meeting, lead, (anna, ben) = await past_meeting(bot)
    await bot.deliver(advance=timedelta(hours=2))
    nudge = lead.last_message()
    assert nudge.text.startswith(NUDGE)
    await lead.press("Anwesenheit eintragen", message=nudge)
    screen = lead.last_message()
    assert "Anwesenheit: „Werkstatt Mobilität“" in screen.text
    assert "0 von 3 Eingeladenen dabei" in screen.text
    assert {"◻ Lea", "◻ Mitglied0", "◻ Mitglied1", "✔ Fertig"} <= set(screen.button_texts())
    assert not [m for m in anna.messages if m.text.startswith(NUDGE)]


async def test_ticking_a_name_marks_attendance_and_a_resent_tap_changes_nothing(bot):
    meeting, lead, (anna, ben) = await past_meeting(bot)
    await open_list(bot, lead, meeting)
    screen = lead.last_message()
    tick = next(b.callback_data for b in screen.flat_buttons() if b.text == "◻ Mitglied0")
    await lead.press("◻ Mitglied0")
    assert "✅ Mitglied0" in lead.last_message().button_texts()
    assert "1 von 3 Eingeladenen dabei" in lead.last_message().text
    await lead.press_data(tick)  # the same tap delivered again: still present, not toggled back
    assert await attended(bot, meeting.id, anna) is True
    await lead.press("✅ Mitglied0")
    assert await attended(bot, meeting.id, anna) is False
    assert await attended(bot, meeting.id, ben) is None


async def test_guests_without_telegram_are_counted_with_minus_and_plus(bot):
    meeting, lead, _ = await past_meeting(bot)
    await open_list(bot, lead, meeting)
    await lead.press("+")
    await lead.press("+")
    await lead.press("−")
    assert "👤 Gäste: 1" in lead.last_message().button_texts()
    assert (await stored(bot, meeting.id)).guests == 1
    await lead.press("−")
    await lead.press("−")  # never below zero
    assert (await stored(bot, meeting.id)).guests == 0


async def test_decisions_and_next_steps_are_typed_and_shown_on_the_list(bot):
    meeting, lead, _ = await past_meeting(bot)
    await open_list(bot, lead, meeting)
    await lead.press("📌 Beschlüsse")
    assert "Was wurde beschlossen?" in lead.last_message().text
    await lead.send("Bürgerbus <testweise> ab März")
    await lead.press("➡️ Nächste Schritte")
    replies = await lead.send("Anna fragt beim Landkreis an")
    assert replies[0].text == "Gespeichert."
    assert "📌 Beschlüsse: Bürgerbus <testweise> ab März" in replies[-1].text
    assert "➡️ Nächste Schritte: Anna fragt beim Landkreis an" in replies[-1].text
    m = await stored(bot, meeting.id)
    assert (m.decisions, m.next_steps) == ("Bürgerbus <testweise> ab März", "Anna fragt beim Landkreis an")
    await lead.press("📌 Beschlüsse")
    await lead.send("-")
    assert (await stored(bot, meeting.id)).decisions is None


async def test_minutes_that_are_too_long_are_refused_and_can_be_typed_again(bot):
    meeting, lead, _ = await past_meeting(bot)
    await open_list(bot, lead, meeting)
    await lead.press("➡️ Nächste Schritte")
    replies = await lead.send("x" * 1600)
    assert "zu lang" in replies[-1].text
    await lead.send("kürzer")
    assert (await stored(bot, meeting.id)).next_steps == "kürzer"


async def test_finishing_records_the_time_and_the_nudge_is_not_sent(bot):
    meeting, lead, _ = await past_meeting(bot)
    await open_list(bot, lead, meeting)
    await lead.press("✔ Fertig")
    assert "gespeichert" in lead.callback_answers[-1][0]
    assert "✔ Eingetragen am" in lead.last_message().text
    assert (await stored(bot, meeting.id)).attendance_recorded_at == bot.clock.now()
    await bot.deliver(advance=timedelta(hours=3))
    assert not [m for m in lead.messages if m.text.startswith(NUDGE)]
    replies = await lead.send("/attendance")
    assert "ist die Anwesenheit eingetragen" in replies[-1].text


async def test_after_fertig_the_card_is_the_saved_result_with_only_aendern(bot):
    meeting, lead, (anna, ben) = await past_meeting(bot)
    await open_list(bot, lead, meeting)
    card = lead.last_message()
    await lead.press("◻ Mitglied0", message=card)
    await lead.press("+", message=card)
    await lead.press("📌 Beschlüsse", message=card)
    await lead.send("Bürgerbus ab März")
    card = lead.last_message()
    await lead.press("✔ Fertig", message=card)
    assert card.button_texts() == ["✏️ Ändern"]
    lines = card.text.split("\n")
    assert lines[0] == "📋 Anwesenheit: „Werkstatt Mobilität“"
    assert "✅ 1 von 3 Eingeladenen dabei · 👤 1 Gast ohne Telegram" in lines
    assert "Dabei: Mitglied0" in lines
    assert "📌 Beschlüsse: Bürgerbus ab März" in lines
    assert lines[-1].startswith("✔ Eingetragen am")
    assert "Tippe auf einen Namen" not in card.text
    await lead.press("✏️ Ändern", message=card)
    assert "✔ Fertig" in card.button_texts() and "✅ Mitglied0" in card.button_texts()
    await lead.press("✅ Mitglied0", message=card)
    await lead.press("✔ Fertig", message=card)
    assert "Dabei: niemand, der über den Bot eingeladen war" in card.text
    assert card.button_texts() == ["✏️ Ändern"]
    assert await attended(bot, meeting.id, anna) is False


async def test_a_member_pressing_aendern_of_the_result_is_refused(bot):
    meeting, lead, (anna, _) = await past_meeting(bot)
    await open_list(bot, lead, meeting)
    await lead.press("✔ Fertig")
    await anna.press_data(f"att:1:{meeting.id}:show:0")
    assert "Teamleitung" in anna.callback_answers[-1][0]


async def test_attendance_command_lists_only_past_meetings_without_attendance(bot):
    team, lead, _ = await team_with_members(bot)
    await schedule(bot, lead, team, in_days(bot, 1), title="Vergangenes Treffen")
    await schedule(bot, lead, team, in_days(bot, 5), title="Künftiges Treffen")
    bot.clock.advance(timedelta(days=2))
    replies = await lead.send("/attendance")
    labels = replies[-1].button_texts()
    assert len(labels) == 1 and labels[0].startswith("Vergangenes Treffen")


async def test_a_member_cannot_open_or_change_the_attendance(bot):
    meeting, lead, (anna, ben) = await past_meeting(bot)
    ben_id = (await person_of(bot, ben)).id
    replies = await anna.send("/attendance")
    assert "Teamleitung" in replies[-1].text
    await anna.press_data(f"att:1:{meeting.id}:y:{ben_id}:0")
    assert "Teamleitung" in anna.callback_answers[-1][0]
    assert await attended(bot, meeting.id, ben) is None


async def test_attendance_before_the_meeting_started_is_refused(bot):
    team, lead, _ = await team_with_members(bot)
    meeting = await schedule(bot, lead, team, in_days(bot, 1))
    actor = await person_of(bot, lead)
    async with bot.db.transaction() as s:
        with pytest.raises(Refusal) as refused:
            await attendance.finish(s, actor, meeting.id, bot.clock.now())
    assert refused.value.key == "attendance.not_started"


async def test_only_invited_people_can_be_ticked(bot):
    meeting, lead, _ = await past_meeting(bot)
    stranger = bot.user("Fremd")
    actor = await person_of(bot, lead)
    async with bot.db.transaction() as s:
        p, _ = await register(s, telegram_id=stranger.user_id, display_name="Fremd", language="de",
                              privacy_version="1", now=bot.clock.now())
        with pytest.raises(Refusal) as refused:
            await attendance.set_attended(s, actor, meeting.id, p.id, True, bot.clock.now())
    assert refused.value.key == "attendance.not_invited"


async def test_a_long_list_is_paged_under_telegrams_button_limits(bot):
    meeting, lead, _ = await past_meeting(bot)
    async with bot.db.transaction() as s:
        for i in range(50):
            p, _ = await register(s, telegram_id=700000 + i, display_name=f"Gast{i:02d} mit langem Namen",
                                  language="de", privacy_version="1", now=bot.clock.now())
            s.add(Rsvp(meeting_id=meeting.id, person_id=p.id, invited_at=bot.clock.now()))
    await open_list(bot, lead, meeting)
    first = lead.last_message()
    assert "Seite 1 von 2" in first.text
    assert len(first.flat_buttons()) <= 100 and all(len(row) <= 8 for row in first.buttons)
    assert all(len(b.callback_data.encode()) <= MAX_BYTES for b in first.flat_buttons())
    await lead.press("▶")
    second = lead.last_message()
    assert "Seite 2 von 2" in second.text
    await lead.press("◻ Mitglied1")
    assert "Seite 2 von 2" in lead.last_message().text  # ticking stays on the page
    assert "✅ Mitglied1" in lead.last_message().button_texts()


async def test_a_long_saved_result_names_sixty_and_counts_the_rest(bot):
    meeting, lead, _ = await past_meeting(bot)
    async with bot.db.transaction() as s:
        for i in range(300):
            p, _ = await register(s, telegram_id=700000 + i, display_name=f"Gast{i:03d} mit sehr langem Namen",
                                  language="de", privacy_version="1", now=bot.clock.now())
            s.add(Rsvp(meeting_id=meeting.id, person_id=p.id, invited_at=bot.clock.now(), attended=True))
    await open_list(bot, lead, meeting)
    await lead.press("✔ Fertig")
    result = lead.last_message()
    assert len(result.text) <= 4096 and result.button_texts() == ["✏️ Ändern"]
    assert "✅ 300 von 303 Eingeladenen dabei" in result.text
    assert "Gast059 mit sehr langem Name und 240 weitere" in result.text  # names cut at 28


async def test_a_cancelled_meeting_has_no_attendance_nudge(bot):
    team, lead, _ = await team_with_members(bot)
    meeting = await schedule(bot, lead, team, in_days(bot, 1))
    from models.meetings import core as meetings

    async with bot.db.transaction() as s:
        await meetings.cancel_meeting(s, await person_of(bot, lead), meeting.id, bot.clock.now())
    await bot.deliver(advance=timedelta(days=2))
    assert not [m for m in lead.messages if m.text.startswith(NUDGE)]
    async with bot.db.transaction() as s:
        kinds = {r.kind for r in (await s.execute(select(Outbox).where(Outbox.status == "sent"))).scalars()}
    assert "attendance_nudge" not in kinds
