"""Retention over time: the daily job erases inactive people (as /deleteme does), everyone after the project's
end, and old audit entries; it records counts only, once a day; `actionbot privacy enforce` does the same."""

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot import retention as retention_job
from models import audit
from models.clock import FrozenClock
from models.db import Database
from models.migrate import upgrade
from models.tables import AuditEntry, Idea, Person
from tests.conftest import START, start_bot, stop_bot
from tests.report_helpers import ROOT, config, seed
from tests.test_cli_queries import actionbot
from tests.test_privacy import anna_with_a_bit_of_everything, person_id, traces


def svc(bot):
    return bot.app.bot_data["services"]


async def retention_entries(bot) -> list[AuditEntry]:
    async with bot.db.transaction() as s:
        q = select(AuditEntry).where(AuditEntry.action == audit.RETENTION).order_by(AuditEntry.id)
        return list((await s.execute(q)).scalars())


async def last_seen(bot, user) -> datetime:
    async with bot.db.transaction() as s:
        return (await s.execute(select(Person.last_seen_at).where(Person.telegram_id == user.user_id))).scalar_one()


async def test_an_inactive_person_is_erased_by_the_daily_job_as_deleteme_would_and_an_active_one_stays(bot):
    anna, ben = await anna_with_a_bit_of_everything(bot)
    bot.clock.advance(timedelta(days=200))
    await ben.send("/help")  # Ben uses the bot now and then, Anna does not
    bot.clock.advance(timedelta(days=166))  # Anna: 366 days without a word, Ben: 166
    outcome = await retention_job.run_daily(svc(bot))
    assert (outcome.people_erased, outcome.project_ended) == (1, False)
    assert await person_id(bot, anna) is None
    assert await traces(bot, anna, "Quenstedt") == []
    assert await person_id(bot, ben) is not None
    async with bot.db.transaction() as s:  # as with /deleteme, her idea stays without her name
        authors = (await s.execute(select(Idea.author_id).order_by(Idea.id))).scalars().all()
    assert authors == [None, await person_id(bot, ben)]
    [entry] = await retention_entries(bot)
    assert entry.actor_id is None
    assert entry.details == {
        "day": "2027-11-26",
        "project_ended": False,
        "people_erased": 1,
        "audit_deleted": 0,
        "voices_deleted": 0,
    }
    [screen] = await ben.send("/teams")  # Ben goes on as before
    assert "Aktions-Team" in screen.text


async def test_a_person_at_the_limit_is_kept_one_day_longer_is_erased(bot):
    anna = await bot.register(bot.user("Anna"))
    bot.clock.advance(timedelta(days=365))
    assert (await retention_job.run_daily(svc(bot))).people_erased == 0
    bot.clock.advance(timedelta(days=1))
    assert (await retention_job.run_daily(svc(bot))).people_erased == 1
    assert await person_id(bot, anna) is None


async def test_activity_is_written_at_most_once_a_day(bot):
    anna = await bot.register(bot.user("Anna"))
    assert await last_seen(bot, anna) == START
    bot.clock.advance(timedelta(hours=3))
    await anna.send("/help")
    await anna.send("/teams")
    assert await last_seen(bot, anna) == START  # the same day: no write
    bot.clock.advance(timedelta(days=1))
    await anna.press("Beitreten: Aktions-Team Daseinsvorsorge")  # a button counts as much as a command
    assert await last_seen(bot, anna) == START + timedelta(days=1, hours=3)


async def test_after_the_project_end_and_its_limit_everyone_is_erased(fake, db):
    bot = await start_bot(fake, db, FrozenClock(START), project__end_date="2027-06-30", privacy__after_end_days=30)
    try:
        anna = await bot.register(bot.user("Anna"))
        await bot.register(bot.manager())
        bot.clock.set(datetime(2027, 7, 30, 21, 59, tzinfo=UTC))  # 23:59 on 30 July in Berlin: still kept
        await anna.send("/help")
        assert (await retention_job.run_daily(svc(bot))).people_erased == 0
        bot.clock.set(datetime(2027, 7, 30, 22, 0, tzinfo=UTC))  # 31 July, 00:00 in Berlin
        outcome = await retention_job.run_daily(svc(bot))
        assert (outcome.people_erased, outcome.project_ended) == (2, True)
        async with bot.db.transaction() as s:
            assert (await s.execute(select(func.count()).select_from(Person))).scalar_one() == 0
        assert [e.details["project_ended"] for e in await retention_entries(bot)] == [False, True]
    finally:
        await stop_bot(bot)


async def test_audit_entries_older_than_their_limit_are_deleted_once_a_day(bot):
    async with bot.db.transaction() as s:
        await audit.record(s, None, audit.EXPORT, START - timedelta(days=731), what="ideas")
        await audit.record(s, None, audit.EXPORT, START - timedelta(days=729, hours=12), what="people")
    outcome = await retention_job.run_daily(svc(bot))
    assert (outcome.people_erased, outcome.audit_deleted) == (0, 1)
    async with bot.db.transaction() as s:
        kept = (await s.execute(select(AuditEntry.action, AuditEntry.details).order_by(AuditEntry.id))).all()
    assert [(a, d.get("what")) for a, d in kept] == [("export", "people"), ("retention", None)]
    bot.clock.advance(timedelta(hours=12))  # later the same day (Berlin): the job does not run again
    assert await retention_job.run_daily(svc(bot)) is None
    bot.clock.advance(timedelta(hours=12))
    outcome = await retention_job.run_daily(svc(bot))
    assert outcome.audit_deleted == 1  # the entry 729.5 days old is now 730.5 days old
    assert [e.details["day"] for e in await retention_entries(bot)] == ["2026-11-25", "2026-11-26"]


@pytest.fixture
def project_ended(tmp_path: Path) -> tuple[Path, int]:
    """A config file whose project ended long ago and a SQLite database with the seeded project's people."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    text = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    text = text.replace('url = "sqlite+aiosqlite:///actionbot.db"', f'url = "{url}"')
    text = text.replace('end_date = ""', 'end_date = "2026-01-01"').replace("after_end_days = 90", "after_end_days = 1")
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")

    async def prepare() -> int:
        await upgrade(url)
        db = Database(url)
        try:
            await seed(db, config(url))
            async with db.transaction() as s:
                return (await s.execute(select(func.count()).select_from(Person))).scalar_one()
        finally:
            await db.dispose()

    return path, asyncio.run(prepare())


def test_cli_shows_what_it_would_do_and_then_does_it(project_ended):
    path, people = project_ended
    dry = actionbot(path, "privacy", "enforce", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.startswith(f"would erase {people} people (everyone (the project ended")
    again = actionbot(path, "privacy", "enforce", "--dry-run")
    assert again.stdout == dry.stdout  # a dry run changed nothing
    done = actionbot(path, "privacy", "enforce")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"erased {people} people")
    after = actionbot(path, "privacy", "enforce", "--dry-run")
    assert after.stdout.startswith("would erase 0 people")


async def test_mydata_states_the_rule_and_holds_the_consent_history(bot):
    anna = await bot.register(bot.user("Anna", language_code="en"), evaluation="Yes", group="Citizen")
    [reply] = await anna.send("/mydata")
    data = json.loads(reply.document[1])
    assert data["retention"].startswith("If you don't use the bot for 365 days (no command, button or message)")
    assert "You last used the bot on Wed, 25 Nov 2026." in data["retention"]
    assert data["person"]["last_seen_at"] == START.isoformat()
    assert [(c["purpose"], c["version"], c["withdrawn_at"]) for c in data["consents"]] == [
        ("privacy", "2026-11", None),
        ("evaluation", "2026-11", None),
    ]
    await anna.send("/privacy")
    await anna.press("Withdraw evaluation consent")
    [reply] = await anna.send("/mydata")
    withdrawn = [c["withdrawn_at"] for c in json.loads(reply.document[1])["consents"]]
    assert withdrawn == [None, START.isoformat()]


async def test_the_bot_plans_the_job_daily_at_half_past_three_berlin_time(bot):
    retention_job.schedule(bot.app)
    [daily] = bot.app.job_queue.get_jobs_by_name("privacy-retention")
    assert daily.next_t.astimezone(bot.config.time_zone).time().isoformat() == "03:30:00"
    assert bot.app.job_queue.get_jobs_by_name("privacy-retention-start")


async def test_the_job_clears_the_command_menu_of_an_erased_manager_as_deleteme_does(bot):
    from types import SimpleNamespace

    manager = await bot.register(bot.manager())
    chat_scope = {"type": "chat", "chat_id": manager.user_id}
    assert "stats" in [c["command"] for c in bot.fake.commands_for(chat_scope)]
    bot.clock.advance(timedelta(days=366))
    await retention_job.job(SimpleNamespace(application=bot.app, bot=bot.app.bot))
    assert await person_id(bot, manager) is None
    assert bot.fake.commands_for(chat_scope) == []
