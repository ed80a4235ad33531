"""A dialogue at the speed of the chat while a large announcement goes out, against the fake server's flood
limits as Telegram describes them (a short burst per chat, one a second over time, 30 a second overall).

Real seconds here (flood limits are about real time), kept short: a few hundred members instead of 10,000.
Nothing is timed (the machine may be busy): what is asserted is that every answer arrives, Telegram never
says 429, every member gets the announcement once, and replies took slots while announcement rows waited
(served first). How fast the answers come and how close the broadcast stays to its floor is measured by
`python -m bench --announce N` (bench/run.py).
"""

from __future__ import annotations

import asyncio

from sqlalchemy import insert, select

from models.tables import Membership, Outbox, Person, Team
from scheduler.limiter import Limits, RateLimiter
from tests.announce_helpers import compose, copies
from tests.meeting_helpers import team_with_members

MEMBERS = 360  # twelve seconds of announcement at 30 a second
THINK = 0.5  # seconds a person looks at an answer before the next tap (humans: 1-2 s; shorter is harder)


async def seed_members(bot, team_id: int, n: int) -> list:
    """`n` complete members of the team, straight into the database (the dialogue has its own tests)."""
    users = [bot.user(f"M{i}") for i in range(n)]
    now = bot.clock.now()
    async with bot.db.transaction() as s:
        rows = [
            {"telegram_id": u.user_id, "display_name": f"M{i}", "language": "de", "stakeholder_group": "citizen",
             "town": "saalfeld", "pseudonym": f"P-T{i:06d}", "consent_version": bot.config.privacy_version,
             "consent_at": now, "created_at": now}
            for i, u in enumerate(users)
        ]  # fmt: skip
        await s.execute(insert(Person), rows)
        ids = dict((await s.execute(select(Person.telegram_id, Person.id))).all())
        await s.execute(
            insert(Membership),
            [{"person_id": ids[u.user_id], "team_id": team_id, "role": "member", "joined_at": now} for u in users],
        )
    return users


async def announcement_rows(bot) -> int:
    async with bot.db.transaction() as s:
        return len((await s.execute(select(Outbox.id).where(Outbox.kind == "announcement"))).all())


async def tap(step) -> list:
    await asyncio.sleep(THINK)
    return await step


async def nora_registers_and_writes_an_idea(bot, nora) -> list[str]:
    """Every answer's text, in order: registration, joining the team, the /idea flow."""
    seen = []
    for step in (
        lambda: nora.send("/start"),
        lambda: nora.press("Einverstanden"),
        lambda: nora.press("Ja"),
        lambda: nora.press("Bürger*in"),
        lambda: nora.press("Saalfeld"),
        lambda: nora.send("/teams"),
        lambda: nora.press("Beitreten: Aktions-Team Daseinsvorsorge"),
        lambda: nora.send("/idea"),
        lambda: nora.send("Ein Bürgerbus zwischen den drei Städten, auch am Wochenende."),
        lambda: nora.press("Daseinsvorsorge"),
        lambda: nora.press("Saalfeld"),
        lambda: nora.press("Weiter"),
        lambda: nora.press("Aktions-Team Daseinsvorsorge"),
        lambda: nora.press("Einreichen"),
    ):
        answer = await tap(step())
        assert answer, f"no answer after {len(seen)} steps"
        seen.append(answer[-1].text)
    return seen


async def lea_plans_a_meeting(lea) -> str:
    for step in (
        lambda: lea.send("/meeting"),
        lambda: lea.send("Werkstatt Mobilität"),
        lambda: lea.send("03.12.2026 18:00"),
        lambda: lea.press("90 Min."),
        lambda: lea.press("Saalfeld"),
        lambda: lea.send("Markt 1"),
        lambda: lea.press("Überspringen"),
        lambda: lea.press("24 h + 2 h"),
        lambda: lea.press("Einladen ✅"),
    ):
        assert await tap(step())
    return str(lea.last_message().text)


async def test_a_dialogue_at_human_speed_gets_every_answer_while_an_announcement_goes_out(bot):
    team, lea, _ = await team_with_members(bot, slug="engagement", members=0)  # Nora joins another team
    async with bot.db.transaction() as s:
        third = (await s.execute(select(Team.id).where(Team.slug == "fachkraefte"))).scalar_one()
    members = await seed_members(bot, third, MEMBERS)
    manager = bot.manager()
    await compose(manager, "Alle")
    await manager.press("Jetzt senden")
    rows = await announcement_rows(bot)
    assert rows >= MEMBERS
    limiter = RateLimiter(Limits())  # the bot's real pace, against Telegram's limits
    bot.dispatcher.limiter = limiter
    bot.fake.enforce_limits(overall_per_second=30, per_chat_per_second=1, per_group_per_minute=20)
    nora = bot.user("Nora")

    broadcast = asyncio.create_task(bot.deliver())
    nora_saw, lea_saw = await asyncio.gather(nora_registers_and_writes_an_idea(bot, nora), lea_plans_a_meeting(lea))
    await broadcast

    assert "ist eingereicht" in nora_saw[-1]
    assert lea_saw.startswith("✅ „Werkstatt Mobilität“ ist geplant.")
    assert bot.fake.stats["429"] == 0
    assert all(copies(m) == 1 for m in members) and copies(lea) == 1
    assert limiter.replies_first > 0  # they overlapped: replies took slots while announcement rows waited
