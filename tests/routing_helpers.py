"""A bot whose config names contacts for Saalfeld and Rudolstadt, and the story up to a forwarded idea."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from models.clock import FrozenClock
from models.tables import IdeaEvent, IdeaRoute, Outbox
from tests.conftest import START, Harness, start_bot, stop_bot
from tests.meeting_helpers import team_with_members
from tests.test_ideas import join_team, submit_idea

SAALFELD_ID, RUDOLSTADT_ID, SAALFELD_TWO_ID = 7001, 7002, 7003
CONTACTS = {"saalfeld": [SAALFELD_ID, SAALFELD_TWO_ID], "rudolstadt": [RUDOLSTADT_ID]}
TEAM = "Aktions-Team Daseinsvorsorge"
NOTE = "Bitte prüft, ob das in euren Nahverkehrsplan passt."


@pytest.fixture
async def rbot(fake, db) -> AsyncIterator[Harness]:
    """The running bot with administration contacts (Saalfeld: two, Rudolstadt: one)."""
    h = await start_bot(fake, db, FrozenClock(START), routing__contacts=CONTACTS)
    try:
        yield h
    finally:
        await stop_bot(h)


async def contact(bot, user_id: int, name: str, town: str):
    return await bot.register(bot.user(name, user_id=user_id), group="Verwaltung", town=town)


async def story(bot, register_second: bool = False):
    """Lea leads Daseinsvorsorge; Mitglied0 wrote idea #1 (Saalfeld, Rudolstadt); Fritz follows it; the
    contacts Sabine (Saalfeld) and Rolf (Rudolstadt) are registered (Saalfeld's second only if asked)."""
    team, lead, (author, other) = await team_with_members(bot)
    await submit_idea(author, towns=("Saalfeld", "Rudolstadt"), team=TEAM)
    follower = await bot.register(bot.user("Fritz"))
    await join_team(follower)
    await follower.send("/follow")
    await follower.press("🔔 #1")
    sabine = await contact(bot, SAALFELD_ID, "Sabine", "Saalfeld")
    rolf = await contact(bot, RUDOLSTADT_ID, "Rolf", "Rudolstadt")
    second = await contact(bot, SAALFELD_TWO_ID, "Sven", "Saalfeld") if register_second else None
    return lead, author, follower, sabine, rolf, second


async def forward(user, idea_id: int = 1, untick: tuple[str, ...] = (), tick: tuple[str, ...] = ()) -> None:
    """Forward the idea through /answer: keep the preselected towns (or change some), type the note, publish."""
    await user.send("/answer")
    await user.press(f"#{idea_id} ·")
    await user.press("→ an Stadt weitergeleitet")
    for town in (*untick, *tick):
        await user.press(town)
    await user.press("Weiter ▶")
    await user.send(NOTE)
    await user.press("Alle veröffentlichen")


async def routes(bot) -> list[IdeaRoute]:
    async with bot.db.transaction() as s:
        return list((await s.execute(select(IdeaRoute).order_by(IdeaRoute.town))).scalars())


async def events(bot, kind: str) -> list[IdeaEvent]:
    async with bot.db.transaction() as s:
        q = select(IdeaEvent).where(IdeaEvent.kind == kind).order_by(IdeaEvent.id)
        return list((await s.execute(q)).scalars())


async def rows(bot, kind: str) -> list[Outbox]:
    async with bot.db.transaction() as s:
        return list((await s.execute(select(Outbox).where(Outbox.kind == kind).order_by(Outbox.id))).scalars())


def requests(user) -> list:
    return [m for m in user.messages if "Eine Idee für die Verwaltung" in m.text]


def reminders(user) -> list:
    return [m for m in user.messages if m.text.startswith("⏰ Erinnerung: Idee")]
