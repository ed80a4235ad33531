"""The daily retention run ([privacy] in the config): in the bot via PTB's JobQueue, and on the command line.

`actionbot privacy enforce [--dry-run]` shows (and without --dry-run does) what the daily job does; the rules
themselves are in models/privacy/retention.py. The job runs at 03:30 local time and once shortly after the start (a bot
restarted every night still runs it); it is recorded in the audit log per local day, so it runs once a day.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
from datetime import time
from typing import Any

from telegram.ext import Application, ContextTypes

from core.config import Config
from core.services import Services
from handlers.commands import publish_person_commands
from models.clock import Clock
from models.db import Database
from models.migrate import upgrade
from models.privacy import retention

log = logging.getLogger("actionbot.retention")
DAILY_AT = time(3, 30)
FIRST_AFTER = 60.0  # seconds after the start


async def run_daily(svc: Services) -> retention.Outcome | None:
    """Enforce the rules unless today's run is already recorded; None when it was."""
    policy, now = svc.config.retention, svc.clock.now()
    async with svc.db.transaction() as s:
        if await retention.ran_on(s, retention.local_day(policy, now)):
            return None
    outcome = await retention.enforce(svc.db, policy, now)
    log.info(
        "retention done day=%s project_ended=%s people_erased=%s audit_deleted=%s voices_deleted=%s",
        outcome.day,
        outcome.project_ended,
        outcome.people_erased,
        outcome.audit_deleted,
        outcome.voices_deleted,
    )
    return outcome


async def job(context: ContextTypes.DEFAULT_TYPE) -> None:
    try:
        outcome = await run_daily(context.application.bot_data["services"])
    except Exception:  # the next run tries again; the bot goes on
        log.exception("retention run failed")
        return
    for chat in outcome.erased_chats if outcome else ():  # as after /deleteme: no leftover personal menu
        await publish_person_commands(context.bot, chat, None, "de")


def schedule(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Run the retention job daily at 03:30 local time and once a minute after the start."""
    assert app.job_queue is not None
    svc: Services = app.bot_data["services"]
    app.job_queue.run_daily(job, DAILY_AT.replace(tzinfo=svc.config.time_zone), name="privacy-retention")
    app.job_queue.run_once(job, FIRST_AFTER, name="privacy-retention-start")


def add_parser(sub: Any) -> None:
    p = sub.add_parser("privacy", help="privacy tasks")
    p.add_argument("action", choices=["enforce"], help="apply the retention rules of [privacy] now")
    p.add_argument("--dry-run", action="store_true", help="only show what would be erased, change nothing")


async def _enforce(config: Config, dry_run: bool, clock: Clock) -> str:
    await upgrade(config.database_url)
    db = Database(config.database_url)
    policy, now = config.retention, clock.now()
    try:
        if dry_run:
            async with db.transaction() as s:
                o = await retention.preview(s, policy, now)
            verb = "would erase"
        else:
            o = await retention.enforce(db, policy, now)
            verb = "erased"
    finally:
        await db.dispose()
    end = policy.erase_all_from()
    rule = (
        f"inactive for {policy.inactive_days} days"
        if not o.project_ended
        else f"everyone (the project ended; kept until {end.date().isoformat() if end else '?'})"
    )
    return (
        f"{verb} {o.people_erased} people ({rule}) and {'would delete' if dry_run else 'deleted'} "
        f"{o.audit_deleted} audit entries older than {policy.audit_days} days, "
        f"{'would delete' if dry_run else 'deleted'} {o.voices_deleted} voice messages "
        f"({policy.voice_days} days after their idea's answer)"
    )


def run(config: Config, args: argparse.Namespace, clock: Clock | None = None) -> int:
    """`actionbot privacy enforce [--dry-run]`: one line saying what was (or would be) done."""
    print(asyncio.run(_enforce(config, args.dry_run, clock or Clock())))
    return 0
