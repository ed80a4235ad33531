"""The survey sweep: plans the short survey after meetings whose attendance nobody recorded (and catches anyone
ticked present later), via PTB's JobQueue.

It only plans outbox rows (models/surveys/core.py `plan_due`); their dedupe keys make a second run, a restart or
a second process harmless. Runs every SWEEP_EVERY and once shortly after the start.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from telegram.ext import Application

from core.services import Services
from models.surveys import core as surveys
from scheduler.jobs import guarded, planned

log = logging.getLogger("actionbot.surveys")
SWEEP_EVERY = timedelta(minutes=15)
FIRST_AFTER = 45.0  # seconds after the start


async def sweep(svc: Services) -> int:
    """Plan every survey that is due now; returns the number of rows planned (and wakes the dispatcher)."""
    now = svc.clock.now()
    async with svc.db.transaction() as s:
        looked, rows = await surveys.plan_due(s, svc.config.meetings, svc.config.evaluation.survey_after, now)
    if rows:
        log.info("surveys planned meetings=%s rows=%s", looked, rows)
    return planned(svc, rows)


job = guarded(sweep, "survey sweep")


def schedule(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    assert app.job_queue is not None
    app.job_queue.run_repeating(job, SWEEP_EVERY, first=FIRST_AFTER, name="survey-sweep")
