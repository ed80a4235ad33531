"""The one mail sender (scheduler/mail.py), as a later feature will use it for meeting invitations: plain text,
HTML and an .ics attachment reach a real SMTP server (aiosmtpd) as one multipart message; SMTP answers are sorted
into temporary, permanent and unknown outcomes."""

from __future__ import annotations

import pytest

from bot.config_mail import MailConfig
from scheduler.mail import Attachment, Mail, Mailer, MailError
from tests.mail_helpers import body
from tests.mail_helpers import smtp as smtp  # the fixture

ICS = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"


def mailer(port: int) -> Mailer:
    return Mailer(MailConfig("127.0.0.1", port, "none", from_address="bot@saalebogen.de", timeout_seconds=5))


async def test_text_html_and_an_invitation_arrive_as_one_message(smtp):
    box, port = smtp
    invitation = Attachment(ICS, "treffen.ics", "text/calendar; method=REQUEST")
    mail = Mail(
        "anna@example.org",
        "Einladung: Treffen am 3. Dezember",
        "Hallo Anna,\nbis bald.",
        "<p>Hallo Anna</p>",
        (invitation,),
    )
    await mailer(port).send(mail, "42")
    [got] = box.to("anna@example.org")
    assert got["Subject"] == "Einladung: Treffen am 3. Dezember" and got["From"] == "bot@saalebogen.de"
    assert "actionbot-42" in got["Message-ID"] and got["Auto-Submitted"] == "auto-generated"
    assert body(got, "plain").replace("\r\n", "\n").strip() == "Hallo Anna,\nbis bald." and "<p>Hallo Anna</p>" in body(
        got, "html"
    )
    [ics] = list(got.iter_attachments())
    assert ics.get_content_type() == "text/calendar" and ics.get_param("method") == "REQUEST"
    assert ics.get_filename() == "treffen.ics" and ics.get_content().encode() == ICS


@pytest.mark.parametrize(
    ("reply", "permanent"),
    [("451 4.3.0 Try again later", False), ("552 5.3.4 Message too big", True)],
)
async def test_smtp_answers_are_sorted_into_temporary_and_permanent(smtp, reply, permanent):
    box, port = smtp
    box.fail_next = [reply]
    with pytest.raises(MailError) as caught:
        await mailer(port).send(Mail("anna@example.org", "Hallo", "Text"), "1")
    assert (caught.value.permanent, caught.value.unknown) == (permanent, False)
    assert str(caught.value).startswith(f"smtp {reply[:3]}")


async def test_no_server_is_a_temporary_error_before_anything_was_sent():
    with pytest.raises(MailError) as caught:
        await mailer(1).send(Mail("anna@example.org", "Hallo", "Text"), "1")
    assert (caught.value.permanent, caught.value.unknown) == (False, False)
    assert str(caught.value).startswith("no connection")
