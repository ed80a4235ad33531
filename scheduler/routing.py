"""The routing sweep in the bot: PTB's JobQueue runs it on an interval and shortly after the start.

It only plans outbox rows (models/ideas/routing.py `plan_late_contacts`): a contact of a town who registered
after an idea went to that town gets the idea then. Dedupe keys make every run idempotent, so restarts, a
second process or a missed run lose nothing and double nothing.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram.ext import Application

from core.services import Services
from models.ideas import routing
from scheduler.jobs import guarded, planned

log = logging.getLogger("actionbot.routing")
INTERVAL = 15 * 60.0  # seconds between sweeps
FIRST_AFTER = 30.0  # seconds after the start


async def plan(svc: Services) -> int:
    """Plan the open routes' messages for contacts who have none yet; returns how many rows were added."""
    async with svc.db.transaction() as s:
        added = await routing.plan_late_contacts(s, svc.config.routing, svc.clock.now())
    if added:
        log.info("routing sweep planned messages=%s", added)
    return planned(svc, added)


job = guarded(plan, "routing sweep")


def schedule(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Sweep every 15 minutes, the first time half a minute after the start."""
    assert app.job_queue is not None
    app.job_queue.run_repeating(job, INTERVAL, first=FIRST_AFTER, name="routing-sweep")
