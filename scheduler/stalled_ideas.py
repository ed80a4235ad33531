"""The daily job asking leads about stalled ideas: it only plans outbox rows (models/ideas/codes.py).

It runs at 10:00 local time and once shortly after the start, so a bot restarted every night still asks; a
question planned in the quiet hours (`[meetings] quiet_hours`) waits for their end. The rows' dedupe keys make
every run idempotent: two processes or a second run the same day plan nothing new.
"""

from __future__ import annotations

import logging
from datetime import time
from typing import Any

from telegram.ext import Application

from core.services import Services
from models.dates import shift_out_of_quiet
from models.ideas import codes
from scheduler.jobs import guarded, planned

log = logging.getLogger("actionbot.stalled_ideas")
DAILY_AT = time(10, 0)
FIRST_AFTER = 90.0  # seconds after the start


async def plan(svc: Services) -> int:
    """Plan the questions about ideas stalled for `[evaluation] stalled_weeks`; returns how many were added."""
    now, quiet = svc.clock.now(), svc.config.meetings
    due = now
    if quiet.quiet_start is not None and quiet.quiet_end is not None:  # a run at start-up may fall into the night
        due = shift_out_of_quiet(now, quiet.tz, quiet.quiet_start, quiet.quiet_end)
    async with svc.db.transaction() as s:
        added = await codes.ask_about_stalled(s, now, svc.config.evaluation.stalled_weeks, due)
    if added:
        log.info("stalled ideas asked about questions=%s", added)
    return planned(svc, added)


job = guarded(plan, "stalled ideas run")


def schedule(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Run the job daily at 10:00 local time and once shortly after the start."""
    assert app.job_queue is not None
    svc: Services = app.bot_data["services"]
    app.job_queue.run_daily(job, DAILY_AT.replace(tzinfo=svc.config.time_zone), name="stalled-ideas")
    app.job_queue.run_once(job, FIRST_AFTER, name="stalled-ideas-start")
