"""The dispatcher as it recorded outcomes before each row got its own commits: the baseline of bench.announce.

A group of rows (at most 8, two groups at a time) was marked `sending` in one statement, sent concurrently,
and its outcomes committed together once the whole group was answered: cheaper per message, but a kill -9
left up to 16 rows of unknown outcome, each one a possible duplicate. Kept here only to measure the per-row
commits against it in the same run.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from models import outbox
from models.tables import Outbox
from scheduler.dispatcher import Dispatcher, Outgoing, _Outcome


async def start_sending_many(s: AsyncSession, row_ids: Sequence[int], worker: str, now: datetime) -> list[Outbox]:
    """Move claimed rows to `sending` in one statement (counting the attempt); returns those still ours, in the
    order of `row_ids` (formerly models/outbox.py)."""
    if not row_ids:
        return []
    marked = (
        update(Outbox)
        .where(Outbox.id.in_(list(row_ids)), Outbox.status == outbox.CLAIMED, Outbox.claimed_by == worker)
        .values(status=outbox.SENDING, attempts=Outbox.attempts + 1, claimed_at=now)
        .returning(Outbox)
    )
    options = {"synchronize_session": False, "populate_existing": True}
    rows = {row.id: row for row in (await s.scalars(marked, execution_options=options)).all()}
    return [rows[i] for i in row_ids if i in rows]


class GroupCommitDispatcher(Dispatcher):
    async def _send_group(self, row_ids: list[int]) -> None:
        ready: list[tuple[Outbox, Outgoing]] = []
        async with self._transaction() as s:
            rows = await start_sending_many(s, row_ids, self.worker, self.clock.now())
            outs = await self._render(s, rows)
            skipped = [row.id for row, out in zip(rows, outs, strict=True) if out is None]
            ready = [(row, out) for row, out in zip(rows, outs, strict=True) if out is not None]
            if skipped:
                await outbox.finish_many(s, skipped, outbox.SKIPPED, self.clock.now(), "not needed any more")
            for row in rows:
                s.expunge(row)

        async def deliver(row: Outbox, out: Outgoing) -> _Outcome:
            async with self.limiter.slot(row.chat_id):
                return await self._call(row, out)

        outcomes = await asyncio.gather(*(deliver(row, out) for row, out in ready))
        await self._record([(row, outcome) for (row, _), outcome in zip(ready, outcomes, strict=True)])
