"""The demo's clock: real time plus an offset, so the JobQueue's real waits and the bot's clock move together,
and a button can move it forward (+1 hour, +1 day)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from models.clock import Clock


class DemoClock(Clock):
    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def set(self, when: datetime) -> None:
        """Move to `when` (never backwards: what was sent stays sent)."""
        self.offset += max(timedelta(0), when - self.now())
