"""The one mail sender (scheduler/mail.py), as a later feature will use it for meeting invitations: plain text,
HTML and an .ics attachment reach a real SMTP server (aiosmtpd) as one multipart message; SMTP answers are sorted
into temporary, permanent and unknown outcomes."""

from __future__ import annotations

import pytest

from core.config_mail import MailConfig
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


@pytest.fixture
def tls_smtp(tmp_path):
    """aiosmtpd that requires STARTTLS, with a certificate of its own (given to the client as its CA)."""
    import ssl
    import subprocess

    from aiosmtpd.controller import Controller

    from tests.mail_helpers import Mailbox, free_port

    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
         "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    box, port = Mailbox(), free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True)
    controller.start()
    try:
        yield box, port, str(cert)
    finally:
        controller.stop()


async def test_starttls_with_the_servers_own_certificate(tls_smtp):
    box, port, cert = tls_smtp
    secure = MailConfig(
        "127.0.0.1", port, "starttls", from_address="bot@saalebogen.de", timeout_seconds=5, ca_file=cert
    )
    await Mailer(secure).send(Mail("anna@example.org", "Über TLS", "Hallo"), "7")
    [got] = box.to("anna@example.org")
    assert got["Subject"] == "Über TLS"
    plain = MailConfig("127.0.0.1", port, "none", from_address="bot@saalebogen.de", timeout_seconds=5)
    with pytest.raises(MailError) as caught:  # the server refuses mail without STARTTLS
        await Mailer(plain).send(Mail("anna@example.org", "Ohne TLS", "Hallo"), "8")
    assert str(caught.value).startswith("smtp 530") and caught.value.permanent  # a setup error: the managers hear
    assert len(box.messages) == 1
