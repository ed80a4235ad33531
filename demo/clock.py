"""The demo's clock: real time plus an offset, so the JobQueue's real waits and the bot's clock move together,
and a button can move it forward (+1 hour, +1 day)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from models.clock import Clock


class DemoClock(Clock):
    """`start` pins the demo's present to a chosen instant (tests do, so nothing depends on the hour they run at)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.offset = timedelta(0) if start is None else start - datetime.now(UTC)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def set(self, when: datetime) -> None:
        """Move to `when` (never backwards: what was sent stays sent)."""
        self.offset += max(timedelta(0), when - self.now())
