"""Shared steps for announcement tests: compose through the real dialogue, read rows back."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from handlers.announcements import progress as announcements_progress
from models.tables import Announcement, Outbox
from tests.fakegram import SimUser

ANNOUNCE_TEXT = "Liebe Aktive, am Samstag ist Demografie-Werkstatt!"
MANAGER_HEADER = "📣 Mitteilung von Maria, Projektmanagement"  # the line above every announcement of the manager


def body(text: str | None) -> str | None:
    """An announcement without its header line (the header has its own tests in test_announce_header.py)."""
    head, sep, rest = (text or "").partition("\n\n")
    return rest if sep and head.startswith("📣 ") else text


async def compose(sender: SimUser, *choices: str, text: str = ANNOUNCE_TEXT) -> None:
    """/announce, type the text, toggle `choices` in the audience picker, then "Weiter" to the review."""
    await sender.send("/announce")
    await sender.send(text)
    for label in choices:
        await sender.press(label)
    await sender.press("Weiter")


async def send_now(bot: Any, sender: SimUser, *choices: str, text: str = ANNOUNCE_TEXT) -> None:
    """Compose, press "Jetzt senden", deliver everything and let the progress job write the report."""
    await compose(sender, *choices, text=text)
    await sender.press("Jetzt senden")
    await bot.deliver()
    await announcements_progress.tick(bot.app)


def copies(user: SimUser, text: str = ANNOUNCE_TEXT) -> int:
    """How often `text` arrived as an announcement (the sender's own preview, shown above the review, not counted)."""
    msgs = user.messages

    def is_review(i: int) -> bool:
        return i < len(msgs) and any("Bereit zum Senden" in x for x in (msgs[i].text, *msgs[i].history))

    return sum(1 for i, m in enumerate(msgs) if body(m.text) == text and not is_review(i + 1))


async def rows(bot: Any) -> list[Outbox]:
    async with bot.db.transaction() as s:
        return list((await s.execute(select(Outbox).where(Outbox.kind == "announcement"))).scalars())


async def announcements(bot: Any) -> list[Announcement]:
    async with bot.db.transaction() as s:
        return list((await s.execute(select(Announcement).order_by(Announcement.id))).scalars())
