"""The demo's e-mail contact: Rudolstadt's town hall is reached by e-mail, through a real SMTP server (aiosmtpd)
that the demo starts on 127.0.0.1 and that keeps what it received in memory for the page's "Posteingang".

The bot sends exactly as in production (`[mail]`, the outbox, scheduler/mail.py); its links lead to the answer
page (bot/answer_page.py), which the demo serves on a free local port. The mails live as long as the demo
process: after a restart the Posteingang starts empty (the database still knows every answer).
"""

from __future__ import annotations

import asyncio
import dataclasses
import secrets
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from core.config import Config
from core.config_mail import MailConfig, WebConfig

TOWN = "rudolstadt"
ADDRESS = "rathaus@rudolstadt.example"
SENDER = "actionbot@saalebogen.example"


@dataclass(frozen=True)
class Received:
    id: int
    at: datetime  # on the demo's clock
    sender: str
    to: str
    subject: str
    text: str


@dataclass
class Mailbox:
    """aiosmtpd's handler: runs in the server's thread and hands each message to the demo's loop."""

    clock: Callable[[], datetime]
    on_arrival: Callable[[], None] = lambda: None
    loop: asyncio.AbstractEventLoop | None = None
    messages: list[Received] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        msg = message_from_bytes(envelope.original_content, policy=policy.default)
        assert isinstance(msg, EmailMessage)
        part = msg.get_body(preferencelist=("plain",))
        text = str(part.get_content()) if part is not None else ""
        received = Received(len(self.messages) + 1, self.clock(), str(msg["From"] or ""), str(msg["To"] or ""),
                            str(msg["Subject"] or ""), text)
        if self.loop is not None:
            self.loop.call_soon_threadsafe(self._arrived, received)
        else:
            self._arrived(received)
        return "250 Message accepted for delivery"

    def _arrived(self, received: Received) -> None:
        self.messages.append(received)
        self.on_arrival()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start_server(box: Mailbox) -> Controller:
    """The SMTP server on a free local port (`controller.port`); `controller.stop()` ends it."""
    box.loop = asyncio.get_running_loop()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    return controller


def with_mail(config: Config, smtp_port: int, web_port: int) -> Config:
    """The demo's config with Rudolstadt's contact by e-mail, `[mail]` at the demo's SMTP server and `[web]` (the
    answer page) on a local port with a secret of this run."""
    routing = dataclasses.replace(config.routing, mail_contacts={TOWN: (ADDRESS,)})  # no real address gets mail
    return dataclasses.replace(
        config,
        routing=routing,
        mail=MailConfig(host="127.0.0.1", port=smtp_port, security="none", from_address=SENDER),
        web=WebConfig(host="127.0.0.1", port=web_port, public_url=f"http://127.0.0.1:{web_port}",
                      secret=secrets.token_urlsafe(32)),
    )
