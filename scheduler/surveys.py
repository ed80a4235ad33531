"""The survey sweep: plans the short survey after meetings whose attendance nobody recorded (and catches anyone
ticked present later), via PTB's JobQueue.

It only plans outbox rows (models/surveys/core.py `plan_due`); their dedupe keys make a second run, a restart or
a second process harmless. Runs every SWEEP_EVERY and once shortly after the start.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from telegram.ext import Application, ContextTypes

from handlers.common import Services
from models.surveys import core as surveys

log = logging.getLogger("actionbot.surveys")
SWEEP_EVERY = timedelta(minutes=15)
FIRST_AFTER = 45.0  # seconds after the start


async def sweep(svc: Services) -> int:
    """Plan every survey that is due now; returns the number of rows planned (and wakes the dispatcher)."""
    now = svc.clock.now()
    async with svc.db.transaction() as s:
        looked, planned = await surveys.plan_due(s, svc.config.meetings, svc.config.evaluation.survey_after, now)
    if planned:
        log.info("surveys planned meetings=%s rows=%s", looked, planned)
        if svc.dispatcher is not None:
            svc.dispatcher.wake()
    return planned


async def job(context: ContextTypes.DEFAULT_TYPE) -> None:
    try:
        await sweep(context.application.bot_data["services"])
    except Exception:  # the next run tries again (a second process may have planned the same rows meanwhile)
        log.exception("survey sweep failed")


def schedule(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    assert app.job_queue is not None
    app.job_queue.run_repeating(job, SWEEP_EVERY, first=FIRST_AFTER, name="survey-sweep")
