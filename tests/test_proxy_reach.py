"""The issue's walk-through across the pieces: a lead adds two members without Telegram in the chat (one with an
e-mail address, one with a postal address), plans a meeting; the first gets the invitation by e-mail with the
.ics through a real SMTP server, the second a letter with her address in the window; the lead records both
answers and the call list shows them; nothing goes to Telegram for either."""

from __future__ import annotations

from sqlalchemy import func, select

from models.tables import Outbox
from tests.mail_helpers import body
from tests.mail_helpers import mbot as mbot  # the fixture
from tests.mail_helpers import smtp as smtp  # the fixture
from tests.meeting_helpers import in_days, schedule, team_with_members
from tests.test_meeting_letters import in_window, letters_pdf, words
from tests.test_meeting_mail import event_of
from tests.test_proxy_members import PHONE, add_proxy, person_named

KURT = "kurt@example.de"


async def test_two_members_without_telegram_are_invited_by_email_and_by_letter(mbot, smtp):
    bot, (box, _) = mbot, smtp
    team, lead, _ = await team_with_members(bot)
    await add_proxy(lead, "Erna Beispiel", phone="03671 123456", address="Markt 1, 07318 Saalfeld")
    await add_proxy(lead, "Kurt Muster", consent=PHONE, evaluation="Nein", town="Rudolstadt", group="Unternehmer*in",
                    email=KURT)  # fmt: skip
    meeting = await schedule(bot, lead, team, in_days(bot, 3), agenda="Bürgerbus am Abend")
    await bot.deliver()

    [mail] = box.to(KURT)  # Kurt: by e-mail, the calendar entry attached
    assert mail["Subject"].startswith("Einladung: ")
    assert "Guten Tag Kurt Muster," in body(mail, "plain") and "Bürgerbus am Abend" in body(mail, "plain")
    event = event_of(mail)
    assert event.decoded("dtstart") == meeting.starts_at.astimezone(event.decoded("dtstart").tzinfo)
    assert str(event.decoded("dtstart").tzinfo) == "Europe/Berlin"

    pdf = await letters_pdf(lead)  # Erna: by letter, her address in the window
    placed = [(text, x, top) for text, x, top, _ in words(pdf, 0)]
    assert any("Erna Beispiel" in text and in_window(x, top) for text, x, top in placed)
    assert any("Markt 1" in text and in_window(x, top) for text, x, top in placed)

    erna, kurt = await person_named(bot, "Erna Beispiel"), await person_named(bot, "Kurt Muster")
    async with bot.db.transaction() as s:  # neither has a Telegram chat: no Telegram row for them at all
        rows = await s.scalar(select(func.count()).select_from(Outbox).where(
            Outbox.person_id.in_([erna.id, kurt.id]), Outbox.kind.not_like("meeting_mail_%")))
    assert rows == 0
