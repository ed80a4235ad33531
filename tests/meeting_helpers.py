"""Shared steps for meeting tests: a team with a lead and members, and a meeting made through the domain."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from models.meetings import core as meetings
from models.meetings.core import MeetingInput
from models.tables import Meeting, Person, Team
from tests.fakegram import SimUser


async def team_with_members(bot, slug: str = "daseinsvorsorge", members: int = 2, towns=("Saalfeld", "Rudolstadt")):
    """A registered lead (made lead by the manager) and members, all in the team with `slug`."""
    lead = await bot.register(bot.user("Lea"), town="Bad Blankenburg")
    people = [lead]
    for i in range(members):
        people.append(await bot.register(bot.user(f"Mitglied{i}"), town=towns[i % len(towns)]))
    async with bot.db.transaction() as s:
        team = (await s.execute(select(Team).where(Team.slug == slug))).scalar_one()
    for u in people:
        await u.send("/teams")
        await u.press(f"Beitreten: {team.name_de}")
    manager = await bot.register(bot.manager())
    await manager.send("/makelead")
    await manager.press(team.name_de)
    await manager.press("Lea")
    return team, lead, people[1:]


async def person_of(bot, user: SimUser) -> Person:
    async with bot.db.transaction() as s:
        return (await s.execute(select(Person).where(Person.telegram_id == user.user_id))).scalar_one()


async def schedule(bot, lead: SimUser, team: Team, starts_at: datetime, **kw) -> Meeting:
    """Create a meeting as the lead, through the domain (the /meeting dialogue has its own tests)."""
    data = MeetingInput(
        title=kw.pop("title", "Werkstatt Mobilität"),
        starts_at=starts_at,
        duration_min=kw.pop("duration_min", 90),
        address=kw.pop("address", "Markt 1"),
        town=kw.pop("town", "saalfeld"),
        online_url=kw.pop("online_url", None),
        agenda=kw.pop("agenda", None),
        reminder_offsets=kw.pop("reminder_offsets", None),
    )
    async with bot.db.transaction() as s:
        actor = (await s.execute(select(Person).where(Person.telegram_id == lead.user_id))).scalar_one()
        meeting = await meetings.create_meeting(
            s, actor, team.id, data, bot.clock.now(), bot.config.meetings, [t.key for t in bot.config.towns]
        )
    return meeting


def in_days(bot, days: float, hour: int = 17) -> datetime:
    base = bot.clock.now().replace(hour=hour, minute=0, second=0, microsecond=0)
    return base + timedelta(days=days)
