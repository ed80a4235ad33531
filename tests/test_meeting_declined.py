"""A member who declined gets no reminder. Three places keep this, each tested here on its own:

- `answer()` drops her pending reminders when she declines (models/meetings/core.py, "reason=declined");
- `plan_timed()` plans none for her when the reminders are planned again: the meeting moves, someone else
  changes his answer, a newcomer joins (models/meetings/core.py, `r.answer == "no"`);
- the reminder renderer skips a row still left for her at send time (handlers/meetings/views.py).

Each test asserts on the layer it guards (the outbox rows, or what is sent), so it turns red when just that
layer is removed, even though the others would still keep the reminder from her.
"""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from models.tables import Outbox, Rsvp
from tests.meeting_helpers import person_of, schedule, team_with_members

START_AT = datetime(2026, 12, 3, 17, 0, tzinfo=UTC)  # Thu 18:00 in Berlin
REMINDER = "⏰ Erinnerung"


def reminders(user) -> list:
    return [m for m in user.messages if m.text.startswith(REMINDER)]


def invitation(user):
    return [m for m in user.messages if "Einladung" in m.text][-1]


async def reminder_rows(bot, user, status: str = "pending") -> list[datetime]:
    """Due times of the user's reminder rows in the outbox with `status`."""
    person = await person_of(bot, user)
    async with bot.db.transaction() as s:
        rows = await s.execute(
            select(Outbox.due_at).where(
                Outbox.person_id == person.id, Outbox.kind == "reminder", Outbox.status == status
            )
        )
        return sorted(due.astimezone(UTC) for due in rows.scalars())


async def through_the_reminders(bot, start: datetime) -> None:
    """Let the clock pass each reminder time (24 h and 2 h before `start`) and send what is due."""
    for before in (timedelta(hours=24), timedelta(hours=2)):
        await bot.deliver(advance=start - before - bot.clock.now())


async def planned(bot):
    team, lead, (anna, ben) = await team_with_members(bot)
    meeting = await schedule(bot, lead, team, START_AT)
    await bot.deliver()
    return lead, anna, ben, meeting


async def test_declining_without_a_reason_drops_her_pending_reminders(bot):
    """Guards answer(): the Absage button cancels her reminder rows at once."""
    _, anna, ben, _ = await planned(bot)
    assert len(await reminder_rows(bot, anna)) == 2
    await anna.press("Absage", message=invitation(anna))  # and no reason chip
    assert await reminder_rows(bot, anna) == []
    assert len(await reminder_rows(bot, anna, "cancelled")) == 2
    assert len(await reminder_rows(bot, ben)) == 2
    await through_the_reminders(bot, START_AT)
    assert reminders(anna) == [] and len(reminders(ben)) == 2


async def test_a_meeting_moved_after_she_declined_plans_no_reminders_for_her(bot):
    """Guards plan_timed(): moving the meeting re-plans every reminder, but none for her."""
    lead, anna, ben, _ = await planned(bot)
    await anna.press("Absage", message=invitation(anna))
    await lead.send("/meetings")
    await lead.press("Ändern", message=lead.last_message())
    await lead.press("Zeit")
    await lead.send("04.12.2026 19:00")
    new_start = datetime(2026, 12, 4, 18, 0, tzinfo=UTC)
    assert await reminder_rows(bot, ben) == [new_start - timedelta(hours=24), new_start - timedelta(hours=2)]
    assert await reminder_rows(bot, anna) == []
    await bot.deliver()
    assert anna.last_message().text.startswith("✏️ Das Treffen wurde geändert:")  # she is still told
    await through_the_reminders(bot, new_start)
    assert reminders(anna) == [] and len(reminders(ben)) == 2


async def test_someone_else_changing_his_answer_plans_no_reminders_for_her(bot):
    """Guards plan_timed() too: Ben's way back from Absage to Zusage re-plans the meeting's reminders."""
    _, anna, ben, _ = await planned(bot)
    await anna.press("Absage", message=invitation(anna))
    await ben.press("Absage", message=invitation(ben))
    await ben.press("Zusage", message=invitation(ben))
    assert await reminder_rows(bot, ben) == [START_AT - timedelta(hours=24), START_AT - timedelta(hours=2)]
    assert await reminder_rows(bot, anna) == []


async def test_a_reminder_row_still_left_for_her_is_skipped_at_send_time(bot):
    """Guards the renderer: her answer is written behind the other layers' backs (as an Absage committed while
    the row was already being sent would be), so only the send-time check stands between her and it."""
    _, anna, ben, meeting = await planned(bot)
    person = await person_of(bot, anna)
    async with bot.db.transaction() as s:
        (await s.get(Rsvp, (meeting.id, person.id))).answer = "no"
    assert len(await reminder_rows(bot, anna)) == 2
    await bot.deliver(advance=START_AT - timedelta(hours=24) - bot.clock.now())
    assert reminders(anna) == [] and len(reminders(ben)) == 1
    assert await reminder_rows(bot, anna, "skipped") == [START_AT - timedelta(hours=24)]
