"""A real SMTP server (aiosmtpd) inside the test process, and a bot whose config sends e-mail through it.

The server keeps every message it accepted (parsed); `fail_next` makes it answer the next DATA commands with a
given SMTP reply (451: try again later, 550: refused for good).
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from models.clock import FrozenClock
from tests.conftest import START, Harness, start_bot, stop_bot
from tests.routing_helpers import CONTACTS

CLERK = "clerk@bad-blankenburg.de"
PUBLIC_URL = "https://bot.example.org/antwort"
SECRET = "test-secret-for-the-answer-page-links"


@dataclass
class Mailbox:
    messages: list[EmailMessage] = field(default_factory=list)
    fail_next: list[str] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        if self.fail_next:
            return self.fail_next.pop(0)
        msg = message_from_bytes(envelope.original_content, policy=policy.default)
        assert isinstance(msg, EmailMessage)
        self.messages.append(msg)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, int]]:
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


def mail_config(port: int):
    def mutate(data: dict[str, Any]) -> None:
        data["mail"] = {"host": "127.0.0.1", "port": port, "security": "none", "from_address": "bot@saalebogen.de"}
        data["web"] = {"public_url": PUBLIC_URL, "secret": SECRET, "port": free_port()}
        data.setdefault("routing", {})["contacts"] = {**CONTACTS, "bad_blankenburg": [CLERK]}

    return mutate


@pytest.fixture
async def mbot(fake, db, smtp) -> AsyncIterator[Harness]:
    """The running bot with Telegram contacts for Saalfeld and Rudolstadt and an e-mail contact for Bad Blankenburg."""
    h = await start_bot(fake, db, FrozenClock(START), mutate=mail_config(smtp[1]))
    try:
        yield h
    finally:
        await stop_bot(h)


def body(msg: EmailMessage, subtype: str) -> str:
    part = msg.get_body(preferencelist=(subtype,))
    assert part is not None
    return str(part.get_content())
