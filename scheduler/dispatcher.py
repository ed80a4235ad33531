"""The dispatcher: sends due outbox rows through the rate limiter and records each outcome.

APScheduler (PTB's JobQueue) only wakes it: at the next due time and on a short safety interval. The
database holds the truth, so a restart resumes where the last process stopped, and two processes on
PostgreSQL never send the same row (see models/outbox.py for the per-phase guarantees).
"""

from __future__ import annotations

import asyncio
import logging
import math
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Bot, InlineKeyboardMarkup, InputFile
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from models import outbox
from models.clock import Clock
from models.db import Database
from models.people import mark_unreachable
from models.tables import Outbox, TeamGroup
from scheduler.limiter import RateLimiter

log = logging.getLogger("actionbot.dispatcher")


@dataclass
class Outgoing:
    """What one row becomes at send time: rendered then, so it shows the meeting as it is now."""

    text: str
    reply_markup: InlineKeyboardMarkup | None = None
    document: tuple[bytes, str] | None = None
    media: tuple[str, str] | None = None  # ("photo" | "document", Telegram file_id), `text` is the caption


Renderer = Callable[[AsyncSession, Outbox], Awaitable[Outgoing | None]]


class Dispatcher:
    def __init__(
        self,
        db: Database,
        bot: Bot,
        clock: Clock,
        renderers: dict[str, Renderer],
        limiter: RateLimiter | None = None,
        *,
        batch: int = 60,
        concurrency: int = 16,
        lease: timedelta = timedelta(minutes=2),
        safety_interval: float = 30.0,
    ) -> None:
        self.db, self.bot, self.clock, self.renderers = db, bot, clock, renderers
        self.limiter = limiter or RateLimiter()
        self.worker = f"w-{uuid.uuid4().hex[:12]}"
        self.batch, self.lease, self.safety_interval = batch, lease, safety_interval
        self._sem = asyncio.Semaphore(concurrency)
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._job_queue: Any = None
        self._db_lock = asyncio.Lock() if db.dialect == "sqlite" else None
        self.on_sent: Callable[[Outbox], None] | None = None  # benchmarks measure lag here

    # --- waking -------------------------------------------------------------------------------------
    def wake(self) -> None:
        """Something became due (a new row, a clock tick): look at the outbox soon."""
        self._wake.set()

    async def _wake_job(self, _context: Any) -> None:
        self.wake()

    def _plan_next(self, delay: float | None) -> None:
        if self._job_queue is None:
            return
        for job in self._job_queue.get_jobs_by_name("dispatcher-next"):
            job.schedule_removal()
        if delay is not None:
            self._job_queue.run_once(self._wake_job, when=max(0.0, delay), name="dispatcher-next")

    # --- lifecycle ----------------------------------------------------------------------------------
    async def start(self, job_queue: Any = None) -> None:
        """Recover rows of a crashed run, then loop in the background, woken by the JobQueue."""
        self._job_queue = job_queue
        async with self._transaction() as s:
            claimed, unknown = await outbox.recover(
                s, self.clock.now(), self.lease, everything=self.db.dialect == "sqlite"
            )
        if claimed or unknown:
            log.info("outbox recovered claimed=%s unknown_outcome=%s", claimed, unknown)
        if job_queue is not None:
            job_queue.run_repeating(self._wake_job, interval=self.safety_interval, name="dispatcher-safety")
        self._task = asyncio.create_task(self._loop(), name="dispatcher")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None

    async def _loop(self) -> None:
        ticks = 0
        while True:
            self._wake.clear()
            try:
                await self.drain()
                ticks += 1
                if ticks % 4 == 0:  # dead workers' rows on PostgreSQL go back after their lease
                    async with self._transaction() as s:
                        await outbox.recover(s, self.clock.now(), self.lease)
                async with self._transaction() as s:
                    due = await outbox.next_due(s)
                self._plan_next(None if due is None else (due - self.clock.now()).total_seconds())
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("dispatcher round failed; retrying at the next wake-up")
            await self._wake.wait()

    # --- sending ------------------------------------------------------------------------------------
    async def drain(self) -> int:
        """Send everything due now; returns how many rows were handled. One drain at a time.

        The next batch is claimed while the current one is still going out (when half of it is done), so the
        rate limiter always has rows ready and no send slot is lost between batches.
        """
        async with self._lock:
            handled = 0
            async with self._transaction() as s:
                for row_id, kind in await outbox.skip_expired(s, self.clock.now()):
                    log.info("message skipped row=%s kind=%s reason=late", row_id, kind)
            running: set[asyncio.Task[None]] = set()
            try:
                while True:
                    async with self._transaction() as s:
                        ids = await outbox.claim_due(s, self.worker, self.clock.now(), self.batch)
                    running |= {asyncio.create_task(self._send_guarded(i)) for i in ids}
                    handled += len(ids)
                    if not running:
                        return handled
                    refill_at = self.batch // 2 if ids else 0  # nothing more due: let the rest finish first
                    while len(running) > refill_at:
                        _, running = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            except asyncio.CancelledError:
                for task in running:  # claimed rows not yet sent go back after the lease (or at start-up)
                    task.cancel()
                raise

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[AsyncSession]:
        """The dispatcher's own transactions. SQLite has one writer at a time: its sends queue here rather than
        in SQLite's busy handler, whose sleeps (up to 100 ms) would leave send slots unused."""
        if self._db_lock is None:
            async with self.db.transaction() as s:
                yield s
            return
        async with self._db_lock, self.db.transaction() as s:
            yield s

    async def _send_guarded(self, row_id: int) -> None:
        async with self._sem:
            try:
                await self._send_one(row_id)
            except Exception:
                log.exception("sending row=%s failed unexpectedly", row_id)
                async with self._transaction() as s:
                    await outbox.finish(s, row_id, outbox.FAILED, self.clock.now(), "internal error")

    async def _send_one(self, row_id: int) -> None:
        async with self._transaction() as s:
            row = await outbox.start_sending(s, row_id, self.worker, self.clock.now())
            if row is None:
                return
            renderer = self.renderers.get(row.kind)
            out = await renderer(s, row) if renderer else None
            if out is None:
                await outbox.finish(s, row_id, outbox.SKIPPED, self.clock.now(), "not needed any more")
                log.info("message skipped row=%s kind=%s reason=not_needed", row_id, row.kind)
                return
            chat_id = row.chat_id
            s.expunge(row)
        try:
            async with self.limiter.slot(chat_id):
                await self._api_send(chat_id, out)
        except RetryAfter as exc:
            wait = _seconds(exc.retry_after)
            self.limiter.pause(wait)
            await self._record_retry(row_id, wait, f"429 retry after {wait}s", count=False)
        except Forbidden as exc:
            await self._record_unreachable(row, exc)
        except ChatMigrated as exc:
            await self._record_migration(row, exc.new_chat_id)
        except (TimedOut, NetworkError) as exc:  # ambiguous: the message may have arrived
            await self._record_retry(row_id, min(300.0, 2.0**row.attempts * 5), f"network: {exc}", count=True)
        except BadRequest as exc:
            async with self._transaction() as s:
                await outbox.finish(s, row_id, outbox.FAILED, self.clock.now(), f"400 {exc.message}")
            log.warning("message failed row=%s kind=%s reason=%s", row_id, row.kind, exc.message)
        except TelegramError as exc:
            await self._record_retry(row_id, 30.0, f"telegram: {exc}", count=True)
        else:
            async with self._transaction() as s:
                await outbox.finish(s, row_id, outbox.SENT, self.clock.now())
            if self.on_sent is not None:
                self.on_sent(row)

    async def _api_send(self, chat_id: int, out: Outgoing) -> None:
        if out.media is not None:
            kind, file_id = out.media
            send = self.bot.send_photo if kind == "photo" else self.bot.send_document
            await send(
                chat_id, file_id, caption=out.text or None, parse_mode=ParseMode.HTML, reply_markup=out.reply_markup
            )
        elif out.document is not None:
            data, name = out.document
            await self.bot.send_document(
                chat_id,
                InputFile(data, filename=name),
                caption=out.text or None,
                parse_mode=ParseMode.HTML,
                reply_markup=out.reply_markup,
            )
        else:
            await self.bot.send_message(
                chat_id,
                out.text,
                parse_mode=ParseMode.HTML,
                reply_markup=out.reply_markup,
                disable_web_page_preview=True,
            )

    async def _record_retry(self, row_id: int, wait: float, error: str, count: bool) -> None:
        async with self._transaction() as s:
            await outbox.retry_later(s, row_id, self.clock.now() + timedelta(seconds=wait), error, count)
        log.info("message retried later row=%s wait=%.0fs reason=%s", row_id, wait, error)
        self._plan_next(wait)

    async def _record_unreachable(self, row: Outbox, exc: Forbidden) -> None:
        now = self.clock.now()
        async with self._transaction() as s:
            await outbox.finish(s, row.id, outbox.UNREACHABLE, now, f"403 {exc.message}")
            if row.chat_id > 0:
                await mark_unreachable(s, row.chat_id, now)
            await outbox.cancel_open(s, Outbox.chat_id == row.chat_id, reason="chat unreachable")
        log.info("chat unreachable row=%s kind=%s", row.id, row.kind)

    async def _record_migration(self, row: Outbox, new_chat_id: int) -> None:
        """A group became a supergroup: follow it, then send this row again to the new id."""
        async with self._transaction() as s:
            await s.execute(update(TeamGroup).where(TeamGroup.chat_id == row.chat_id).values(chat_id=new_chat_id))
            await s.execute(
                update(Outbox)
                .where(Outbox.chat_id == row.chat_id, Outbox.status.in_(outbox.OPEN_STATES))
                .values(chat_id=new_chat_id)
            )
            await outbox.retry_later(s, row.id, self.clock.now(), "group migrated", count_attempt=False)
        log.info("group migrated old=%s new=%s", row.chat_id, new_chat_id)
        self.wake()


def _seconds(value: float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(math.ceil(value))
