"""What the demo's history seeding shares between its two parts (demo/history.py: people, meetings, surveys;
demo/history_ideas.py: ideas, towns' answers, the workshop): its own module, so neither imports the other."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from core.config import Config
from models.tables import Person, Team

MEETING_HOUR = 18  # local time


@dataclass
class History:
    """What the seeding made, for the ideas and the workshop that follow."""

    config: Config
    now: datetime
    begin: datetime
    rnd: random.Random
    manager: Person
    members: list[Person] = field(default_factory=list)
    team_members: dict[str, list[Person]] = field(default_factory=dict)
    leads: dict[str, Person] = field(default_factory=dict)
    teams: dict[str, Team] = field(default_factory=dict)
    meetings: dict[str, list[int]] = field(default_factory=dict)  # team slug -> meeting ids, oldest first

    def at(self, days: float, hour: int = MEETING_HOUR) -> datetime:
        """A local time of day, `days` after the history's begin."""
        day = (self.begin + timedelta(days=days)).astimezone(self.config.time_zone).date()
        return datetime(day.year, day.month, day.day, hour, tzinfo=self.config.time_zone)
