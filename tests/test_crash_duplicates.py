"""A crash costs at most one duplicate: kill -9 at random moments in broadcasts and reminder bursts.

Real `actionbot run` processes on PostgreSQL (tests/crash_helpers.py): each round a 200-recipient broadcast or
a burst of invitations and reminders to a 200-member team, the active process killed after a seeded random
number of its messages, the standby sending the rest. Each row's outcome is committed as soon as Telegram
answers, one row at a time between its two commits, so at most the one row whose answer the kill cut off can
arrive twice. `python -m bench.crash` runs the same with 20 kills.
"""

from __future__ import annotations

import pytest

from tests.conftest import PG_URL
from tests.crash_helpers import kill_rounds

postgres_only = pytest.mark.skipif(not PG_URL, reason="two processes on one database need PostgreSQL")


@postgres_only
async def test_kill_9_at_random_moments_repeats_at_most_one_message_per_kill_and_misses_nobody(fake, db, tmp_path):
    rounds = await kill_rounds(fake, db, tmp_path, rounds=2, seed=19)
    assert [r.kind for r in rounds] == ["broadcast", "reminders"]
    for r in rounds:
        assert r.killed_after > 0
        assert r.missed == 0, r
        assert r.twice <= 1, r  # members with two copies: at most the one row whose answer the kill cut off
        assert r.unknown <= 1, r  # the next process found at most one row `sending`
