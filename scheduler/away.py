"""The daily job asking members who stopped coming what kept them away: it only plans outbox rows
(models/surveys/away.py `plan`).

It runs at 11:00 local time and once shortly after the start, so a bot restarted every night still asks; quiet
hours are respected by the rows themselves (due at their end). The question's row (once per person and team) and
the outbox rows' dedupe keys make every run idempotent: a second run or a second process plans nothing new.
"""

from __future__ import annotations

import logging
from datetime import time
from typing import Any

from telegram.ext import Application

from core.services import Services
from models.surveys import away
from scheduler.jobs import guarded, planned

log = logging.getLogger("actionbot.away")
DAILY_AT = time(11, 0)
FIRST_AFTER = 120.0  # seconds after the start


async def plan(svc: Services) -> int:
    """Ask who stayed away; returns the outbox rows added (and wakes the dispatcher)."""
    async with svc.db.transaction() as s:
        added = await away.plan(s, svc.config.meetings, svc.clock.now())
    if added:
        log.info("stayed-away questions planned rows=%s", added)
    return planned(svc, added)


job = guarded(plan, "stayed-away run")


def schedule(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Run the job daily at 11:00 local time and once shortly after the start."""
    assert app.job_queue is not None
    svc: Services = app.bot_data["services"]
    app.job_queue.run_daily(job, DAILY_AT.replace(tzinfo=svc.config.time_zone), name="stayed-away")
    app.job_queue.run_once(job, FIRST_AFTER, name="stayed-away-start")
