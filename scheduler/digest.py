"""The monthly digest's clock: a check every few minutes whether this month's digest is to be planned.

Planning only adds outbox rows with a dedupe key per month and person (models/evaluation/digest.py), so a
restart, a missed check or a second process never sends a digest twice; the dispatcher does the sending.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.exc import IntegrityError

from models.evaluation import digest
from scheduler.jobs import guarded, planned

log = logging.getLogger("actionbot.digest")
CHECK_INTERVAL = 300.0  # seconds between "is the digest due?" checks
FIRST_AFTER = 15.0  # seconds after the start


async def check(svc: Any) -> int:
    """Plan the due digest (if any); returns the rows added. Wakes the dispatcher when it planned something."""
    config = svc.config
    if not config.digest.enabled:
        return 0
    try:
        async with svc.db.transaction() as s:
            added = await digest.plan(s, svc.clock.now(), config.time_zone, config.digest.at, config.delivery_expiry)
    except IntegrityError:  # another process planned the same rows a moment earlier
        log.info("digest already planned by another process")
        return 0
    if added:
        log.info("digest planned rows=%s", added)
    return planned(svc, added)


def schedule(app: Any) -> None:
    """Check shortly after the start and then every few minutes (PTB JobQueue)."""
    svc = app.bot_data["services"]
    if not svc.config.digest.enabled:
        return

    assert app.job_queue is not None
    job = guarded(check, "digest check")
    app.job_queue.run_repeating(job, CHECK_INTERVAL, first=FIRST_AFTER, name="monthly-digest")
