"""What every planning job shares. A job only adds outbox rows (deduplicated, so a run twice or in two processes
adds nothing new); it runs guarded, because an error must never stop the bot (the next run tries again), and it
wakes the dispatcher when it planned something, so the rows go out now and not at the next safety wake-up."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from models.outage import is_database_outage

log = logging.getLogger("actionbot.jobs")

Plan = Callable[[Any], Awaitable[int]]  # takes the bot's Services, returns the rows planned


def planned(svc: Any, added: int) -> int:
    """Wake the dispatcher for rows just planned; returns `added`."""
    if added and svc.dispatcher is not None:
        svc.dispatcher.wake()
    return added


def guarded(plan: Plan, name: str) -> Callable[[Any], Coroutine[Any, Any, None]]:
    """A JobQueue callback running `plan` with the bot's services; an error is logged, the bot goes on."""

    async def job(context: Any) -> None:
        try:
            await plan(context.application.bot_data["services"])
        except Exception as exc:  # the next run tries again; a second process may have planned the same rows
            if not is_database_outage(exc):  # an outage is logged once, by the database's Outage
                log.exception("%s failed", name)

    return job
