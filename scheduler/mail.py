"""Sending e-mail: the one piece every e-mail of the bot goes out through (aiosmtplib).

A renderer makes a `Mail` (plain text, optionally HTML and attachments such as an .ics invitation) for an outbox
row of the mail channel (`models/mail.py`); the dispatcher hands it to `Mailer.send` instead of Telegram and records
the outcome like any other: a temporary SMTP answer (4xx) or no connection waits and is tried again until the row's
expiry, a permanent one (5xx) fails the row at once, and a failed row tells the project managers. The Message-ID is
fixed per outbox row, so a receiving server can recognise a retried message whose first outcome was unknown.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import aiosmtplib

from core.config_mail import MailConfig

log = logging.getLogger("actionbot.mail")


@dataclass(frozen=True)
class Attachment:
    data: bytes
    filename: str
    mime: str  # e.g. "text/calendar; method=REQUEST"


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str
    html: str | None = None
    attachments: tuple[Attachment, ...] = ()
    reply_to: str | None = None  # where an answer goes (a meeting's host), when not to the bot's own address


class MailError(Exception):
    """An e-mail did not go out: `permanent` (the server refused it for good) or worth another try;
    `unknown` when the server may have taken it before the connection broke."""

    def __init__(self, message: str, permanent: bool = False, unknown: bool = False) -> None:
        super().__init__(message)
        self.permanent, self.unknown = permanent, unknown


class Mailer:
    def __init__(self, config: MailConfig) -> None:
        self.config = config

    def build(self, mail: Mail, key: str) -> EmailMessage:
        """The message as it goes out; `key` (the outbox row) makes its Message-ID."""
        msg = EmailMessage()
        msg["From"] = self.config.from_address
        msg["To"] = mail.to
        msg["Subject"] = mail.subject
        if mail.reply_to:
            msg["Reply-To"] = mail.reply_to
        msg["Date"] = formatdate(localtime=False)
        domain = self.config.from_address.rsplit("@", 1)[-1]
        msg["Message-ID"] = make_msgid(idstring=f"actionbot-{key}", domain=domain)
        msg["Auto-Submitted"] = "auto-generated"
        msg.set_content(mail.text)
        if mail.html is not None:
            msg.add_alternative(mail.html, subtype="html")
        for a in mail.attachments:
            maintype, _, rest = a.mime.partition("/")
            subtype, _, rest = rest.partition(";")
            params = dict(p.strip().split("=", 1) for p in rest.split(";") if "=" in p)  # method=REQUEST
            msg.add_attachment(a.data, maintype=maintype, subtype=subtype.strip(), filename=a.filename, params=params)
        return msg

    async def send(self, mail: Mail, key: str) -> None:
        """Hand one e-mail to the SMTP server; raises `MailError`."""
        c = self.config
        try:
            await aiosmtplib.send(
                self.build(mail, key),
                hostname=c.host,
                port=c.port,
                username=c.user or None,
                password=c.password or None,
                use_tls=c.security == "tls",
                start_tls=True if c.security == "starttls" else False,
                timeout=c.timeout_seconds,
                cert_bundle=c.ca_file or None,
            )
        except (aiosmtplib.SMTPRecipientsRefused, aiosmtplib.SMTPRecipientRefused) as exc:
            raise MailError(f"recipient refused: {exc}", permanent=not _temporary(exc)) from exc
        except aiosmtplib.SMTPResponseException as exc:
            raise MailError(f"smtp {exc.code} {exc.message}"[:180], permanent=not _temporary(exc)) from exc
        except (aiosmtplib.SMTPConnectError, aiosmtplib.SMTPConnectTimeoutError) as exc:
            raise MailError(f"no connection: {exc}"[:180]) from exc
        except (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError) as exc:
            raise MailError(f"outcome unknown: {exc}"[:180], unknown=True) from exc
        except aiosmtplib.SMTPException as exc:
            raise MailError(f"smtp: {exc}"[:180]) from exc
        except OSError as exc:
            raise MailError(f"no connection: {exc}"[:180]) from exc


def _temporary(exc: Exception) -> bool:
    code = getattr(exc, "code", None)
    if code is None and getattr(exc, "recipients", None):
        code = getattr(exc.recipients[0], "code", None)  # type: ignore[attr-defined]
    return isinstance(code, int) and 400 <= code < 500
