"""The dispatcher: sends due outbox rows through the rate limiter and records each outcome.

APScheduler (PTB's JobQueue) only wakes it: at the next due time and on a short safety interval. The
database holds the truth, so a restart resumes where the last process stopped, and two processes on
PostgreSQL never send the same row (see models/outbox.py for the per-phase guarantees).

Rows are claimed in batches and rendered a group at a time (a kind may render its rows set-based, see
`with_batch`); each row then waits for its rate limiter slot, is marked `sending` (a commit), sent, and its
outcome committed as soon as Telegram answers, one row at a time between the two commits: a kill -9 leaves at
most one row whose answer was lost, the only one that can arrive twice (Telegram's ~30 messages/s leave room
for one commit per message; bench/announce.py measures it against the floor). 403 → the chat is
unreachable and its open rows are cancelled; 429 → everyone waits as asked and the row goes back to pending
without counting an attempt; a 5xx or no connection → the row waits with a growing backoff (scheduler/retry.py)
while other rows keep flowing, until it is sent or its expiry comes (then failed, with a WARNING); a timeout
(the message may have arrived) → the same, but it counts as an attempt, failed after `MAX_ATTEMPTS`.
"""

from __future__ import annotations

import asyncio
import logging
import math
import uuid
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from telegram import Bot, InlineKeyboardMarkup, InputFile
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError

from models import mail as mail_channel
from models import outbox
from models.clock import Clock
from models.db import Database
from models.outage import is_database_outage
from models.people import mark_unreachable
from models.tables import Outbox, TeamGroup
from scheduler.comeback import Comeback
from scheduler.limiter import RateLimiter
from scheduler.mail import Mail, Mailer, MailError
from scheduler.replies import retry_seconds
from scheduler.retry import Backoff, surely_not_sent

log = logging.getLogger("actionbot.dispatcher")


@dataclass
class Outgoing:
    """What one row becomes at send time: rendered then, so it shows the meeting as it is now."""

    text: str
    reply_markup: InlineKeyboardMarkup | None = None
    document: tuple[bytes, str] | None = None
    media: tuple[str, str] | None = None  # ("photo" | "document", Telegram file_id), `text` is the caption
    photo: tuple[bytes, str] | None = None  # an image made at send time (a chart), `text` is the caption
    keep_id: bool = False  # store the sent message's id on the row (`Outbox.message_id`): it is redrawn later
    edit_message_id: int | None = None  # redraw this earlier message of the chat instead of sending a new one
    mail: Mail | None = None  # a row of the mail channel (models/mail.py): sent by e-mail, not Telegram


Renderer = Callable[[AsyncSession, Outbox], Awaitable[Outgoing | None]]
BatchRenderer = Callable[[AsyncSession, Sequence[Outbox]], Awaitable[Sequence[Outgoing | None]]]


def with_batch(renderer: Renderer, render_batch: BatchRenderer) -> Renderer:
    """An optional hook: `render_batch` renders several rows of the kind with a few set-based queries and
    returns one result per row, in order; the dispatcher uses it for a group of rows, `renderer` otherwise."""
    setattr(renderer, "render_batch", render_batch)  # noqa: B010
    return renderer


_MIGRATED = "migrated"
_MARKED, _NOT_OURS, _MARK_YOURSELF = "marked", "not ours", "mark yourself"  # what a row's turn starts with
_LONG_WAIT = 0.1  # seconds: a row whose slot is further away than this waits outside the turns


@dataclass(frozen=True)
class _Outcome:
    """What Telegram answered for one row: its next status (PENDING: retry after `wait`), and why."""

    status: str
    error: str | None = None
    wait: float = 0.0
    count: bool = True
    new_chat_id: int | None = None
    message_id: int | None = None  # the sent message, kept for a later redraw (`Outgoing.keep_id`)


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
        expiry: timedelta = outbox.DEFAULT_LIMIT,
        mailer: Mailer | None = None,
    ) -> None:
        self.db, self.bot, self.clock, self.renderers = db, bot, clock, renderers
        self.limiter = limiter or RateLimiter()
        self.expiry = expiry  # a row without its own expiry is given up this long after it was due
        self.mailer = mailer  # the mail channel ([mail]); None: mail rows fail, and the managers hear of it
        self.backoff = Backoff()
        self.comeback = Comeback(bot, self._network_back)  # Telegram back after an outage: waiting rows go at once
        self.worker = f"w-{uuid.uuid4().hex[:12]}"
        self.batch, self.lease, self.safety_interval = batch, lease, safety_interval
        self._group_size = max(1, concurrency // 2)  # two groups in flight: at most `concurrency` rows sending
        self._groups = asyncio.Semaphore(2 if concurrency > 1 else 1)
        # the one row between its `sending` mark and its recorded outcome, and the rows waiting (see `_send_row`)
        self._turn_busy = False
        self._turn_conn: AsyncConnection | None = None  # PostgreSQL: the drain's connection for those rows' writes
        self._waiting: deque[tuple[Outbox, asyncio.Future[str]]] = deque()
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._job_queue: Any = None
        self._db_lock = asyncio.Lock() if db.dialect == "sqlite" else None
        # no other process can be sending (SQLite; the active process of a hot standby, bot/standby.py): rows
        # another worker left `claimed` or `sending` are dead and are taken back at start, without waiting for the lease
        self.sole_worker = db.dialect == "sqlite"
        self.on_sent: Callable[[Outbox], None] | None = None  # benchmarks measure lag here
        # metrics (core/metrics.py): (kind, outcome, seconds from due to sent or None) per finished or retried row
        self.on_outcome: Callable[[str, str, float | None], None] | None = None

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
                s, self.clock.now(), self.lease, everything=self.sole_worker
            )
            await outbox.wake_waiting(s, self.clock.now())  # rows waiting out an outage: try them at start
        if claimed or unknown:
            log.info("outbox recovered claimed=%s unknown_outcome=%s", claimed, unknown)
        if job_queue is not None:
            job_queue.run_repeating(self._wake_job, interval=self.safety_interval, name="dispatcher-safety")
        self.comeback.start()
        self._task = asyncio.create_task(self._loop(), name="dispatcher")

    async def stop(self) -> None:
        await self.comeback.stop()
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None
        await self._release_turn_connection()

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
            except Exception as exc:
                if not is_database_outage(exc):  # an outage: logged once by the database's Outage (models/outage.py)
                    log.exception("dispatcher round failed; retrying at the next wake-up")
            await self._wake.wait()

    # --- sending ------------------------------------------------------------------------------------
    async def drain(self) -> int:
        """Send everything due now; returns how many rows were handled. One drain at a time.

        Claimed rows go out in groups of at most `concurrency // 2` rows, two groups at a time, so at most
        `concurrency` rows wait for their rate limiter slots at once. Per group: one transaction renders the
        rows, then each row, once its slot has come, is marked `sending`, sent and its outcome recorded, a
        commit on either side of the API call, with one row at a time between the two. The next
        batch is claimed while the current one is still going out (when half of it is done), so the rate
        limiter always has rows ready and no send slot is lost between batches.
        """
        async with self._lock:
            handled = 0
            async with self._transaction() as s:
                expired = await outbox.skip_expired(s, self.clock.now(), self.expiry)
            await self._tell_mail_failures([row.id for row in expired if row.status == outbox.FAILED])
            for row in expired:
                self.backoff.forget(row.id)
                self._observe(row.kind, row.status)
                if row.status == outbox.FAILED:
                    log.warning("message failed row=%s kind=%s reason=%s", row.id, row.kind, row.reason)
                else:
                    log.info("message skipped row=%s kind=%s reason=%s", row.id, row.kind, row.reason)
            running: set[asyncio.Task[None]] = set()
            size = self._group_size
            try:
                while True:
                    async with self._transaction() as s:
                        ids = await outbox.claim_due(s, self.worker, self.clock.now(), self.batch)
                    groups = [ids[i : i + size] for i in range(0, len(ids), size)]
                    running |= {asyncio.create_task(self._send_group_guarded(g)) for g in groups}
                    handled += len(ids)
                    if not running:
                        return handled
                    # nothing more due: let the rest finish first
                    refill_at = max(1, math.ceil(self.batch / size) // 2) if ids else 0
                    while len(running) > refill_at:
                        _, running = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            except asyncio.CancelledError:
                for task in running:  # claimed rows not yet sent go back after the lease (or at start-up)
                    task.cancel()
                raise
            finally:
                await asyncio.shield(self._release_turn_connection())

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

    @asynccontextmanager
    async def _statement(self) -> AsyncIterator[AsyncConnection]:
        """Where the one write per message runs (the step between two API calls that cannot be spread over a
        group of rows), as cheaply as it can: one statement, committed by itself. PostgreSQL: on a connection
        kept for the drain in autocommit mode (one round trip: no pool check-out with its ping, no BEGIN and
        COMMIT); SQLite: a transaction of its own on a bare connection (its one pooled connection is shared)."""
        if self._db_lock is not None:
            async with self._db_lock, self.db.engine.begin() as conn:
                yield conn
            return
        if self._turn_conn is None:
            conn = await self.db.engine.connect()
            self._turn_conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        try:
            yield self._turn_conn
        except BaseException:  # the connection may be broken or mid-statement: the pool makes a new one
            broken, self._turn_conn = self._turn_conn, None
            if broken is not None:
                await asyncio.shield(broken.invalidate())
            raise

    async def _release_turn_connection(self) -> None:
        conn, self._turn_conn = self._turn_conn, None
        if conn is not None:
            await conn.close()

    async def _send_group_guarded(self, row_ids: list[int]) -> None:
        async with self._groups:
            await self._send_group(row_ids)

    async def _send_one(self, row_id: int) -> None:
        """Send one claimed row (a group of one), outside a drain."""
        try:
            await self._send_group([row_id])
        finally:
            await self._release_turn_connection()

    async def _send_group(self, row_ids: list[int]) -> None:
        try:
            prepared = await self._prepare(row_ids)
        except Exception:
            if len(row_ids) > 1:  # one row's renderer broke the group's transaction: isolate it
                for row_id in row_ids:
                    await self._send_group([row_id])
                return
            log.exception("sending row=%s failed unexpectedly", row_ids[0])
            async with self._transaction() as s:
                await outbox.finish(s, row_ids[0], outbox.FAILED, self.clock.now(), "internal error")
            return
        results = await asyncio.gather(*(self._send_row(row, out) for row, out in prepared), return_exceptions=True)
        for result in results:  # the database failed under a row (it stays claimed): the round fails, calmly
            if isinstance(result, BaseException):
                raise result

    async def _send_row(self, row: Outbox, out: Outgoing) -> None:
        """One row, committed on both sides of its API call: marked `sending` just before it and its outcome
        committed as soon as Telegram answers. Rows take turns for this (`_take_turn`): one row at a time is
        between the two commits, so a crash leaves at most one row whose outcome is unknown. A sent row's
        closing commit also marks the next waiting row `sending`: one commit per message, so the turns keep
        pace with Telegram's 30 messages/s. The rate limiter slot is taken within the turn (the limiter then
        sees each request's true start, and the slots' even spacing paces the turns; a turn that comes late,
        after a slow commit, takes the slot it missed, so the commits' time does not add up); a row whose chat must
        wait longer (its per-chat pace, a 429's pause) waits for that before it queues for a turn."""
        while out.mail is None and (early := self.limiter.delay(row.chat_id)) > _LONG_WAIT:  # noqa: ASYNC110
            await asyncio.sleep(early)  # the limiter has no event to wait for
        outcome: _Outcome | None = None
        mine = await self._take_turn(row)
        try:
            if mine and out.mail is not None:  # an e-mail: the SMTP server's pace, not Telegram's limiter
                outcome = await self._deliver_mail(row, out.mail)
            elif mine:
                async with self.limiter.slot(row.chat_id):  # in the turn: the slot's start is the call's start
                    outcome = await self._call(row, out)
        except BaseException:
            self._pass_turn()
            raise
        await self._end_turn(row, outcome)
        telegram_sent = outcome is not None and outcome.status == outbox.SENT and out.mail is None
        if telegram_sent and self.comeback.down_since is not None:
            try:
                await self.comeback.answered()  # the first send after an outage: wake every waiting row
            except Exception:
                log.exception("waking the rows after Telegram's return failed; they go out at their backoff")

    async def _take_turn(self, row: Outbox) -> bool:
        """Wait for this row's turn; True when it is marked `sending` (by the previous row's closing commit, or
        here), False when it is not ours any more (cancelled, taken back). Either way the turn is ours until
        `_end_turn`; an exception here has passed it on."""
        if self._turn_busy:
            turn: asyncio.Future[str] = asyncio.get_running_loop().create_future()
            self._waiting.append((row, turn))
            try:
                got = await turn
            except asyncio.CancelledError:
                if turn.done() and not turn.cancelled():  # handed to us just as we were cancelled
                    self._pass_turn()
                raise
            if got != _MARK_YOURSELF:
                if got == _MARKED:
                    row.attempts += 1
                return got == _MARKED
        self._turn_busy = True
        try:
            async with self._statement() as conn:
                marked = await outbox.mark_sending(conn, row.id, self.worker, self.clock.now())
        except BaseException:
            self._pass_turn()
            raise
        if marked:
            row.attempts += 1
        return marked

    def _pass_turn(self) -> None:
        """Give the turn to the next waiting row (it marks itself), or free it."""
        while self._waiting:
            _, turn = self._waiting.popleft()
            if not turn.done():
                turn.set_result(_MARK_YOURSELF)
                return
        self._turn_busy = False

    async def _end_turn(self, row: Outbox, outcome: _Outcome | None) -> None:
        """Commit the row's outcome (None: it was not sent), then hand the turn on; after a sent row, in the same
        commit as marking the next waiting row `sending`."""
        following: tuple[Outbox, asyncio.Future[str]] | None = None
        if outcome is not None and outcome.status == outbox.SENT:
            while self._waiting and following is None:
                following = self._waiting.popleft()
                if following[1].done():
                    following = None
        handover = _MARK_YOURSELF
        try:
            if outcome is None:
                pass
            elif outcome.status == outbox.SENT:
                now = self.clock.now()
                nxt = None if following is None else following[0].id
                async with self._statement() as conn:
                    marked = await outbox.sent_and_next(conn, row.id, nxt, self.worker, now)
                    if outcome.message_id is not None:  # only the few kinds redrawn later
                        await conn.execute(
                            update(Outbox).where(Outbox.id == row.id).values(message_id=outcome.message_id)
                        )
                handover = _MARKED if marked else _NOT_OURS
                self._sent(row, now)
            else:
                await self._record([(row, outcome)])
        except Exception:  # the row stays `sending`: recovery retries it once after the lease
            handover = _MARK_YOURSELF
            log.exception("recording the outcome of row=%s failed", row.id)
        finally:
            if following is not None and not following[1].done():
                following[1].set_result(handover)
            else:  # nobody was waiting, or the one chosen was cancelled meanwhile (its mark: recovery's)
                self._pass_turn()

    def _sent(self, row: Outbox, now: datetime) -> None:
        self.backoff.forget(row.id)
        self._observe(row.kind, outbox.SENT, (now - row.due_at).total_seconds())
        if self.on_sent is not None:
            self.on_sent(row)

    async def _prepare(self, row_ids: list[int]) -> list[tuple[Outbox, Outgoing]]:
        """Render the group's claimed rows in one transaction (they stay `claimed` until each one's send
        begins); rows that render to nothing are skipped in it too. Returns the rows to send with their messages."""
        skipped: list[Outbox] = []
        ready: list[tuple[Outbox, Outgoing]] = []
        async with self._transaction() as s:
            rows = await outbox.claimed_rows(s, row_ids, self.worker)
            if not rows:
                return []
            outs = await self._render(s, rows)
            for row, out in zip(rows, outs, strict=True):
                if out is None:
                    skipped.append(row)
                else:
                    ready.append((row, out))
            if skipped:
                await outbox.finish_many(
                    s, [r.id for r in skipped], outbox.SKIPPED, self.clock.now(), "not needed any more"
                )
            for row in rows:
                s.expunge(row)
        for row in skipped:
            log.info("message skipped row=%s kind=%s reason=not_needed", row.id, row.kind)
            self._observe(row.kind, outbox.SKIPPED)
        return ready

    async def _render(self, s: AsyncSession, rows: list[Outbox]) -> list[Outgoing | None]:
        """Each row's message: a kind's set-based `render_batch` hook (see `with_batch`) renders all of its rows
        of the group at once; otherwise its renderer runs row by row."""
        outs: dict[int, Outgoing | None] = {}
        by_kind: dict[str, list[Outbox]] = {}
        for row in rows:
            by_kind.setdefault(row.kind, []).append(row)
        for kind, of_kind in by_kind.items():
            renderer = self.renderers.get(kind)
            if renderer is None:
                outs.update((row.id, None) for row in of_kind)
                continue
            batch: BatchRenderer | None = getattr(renderer, "render_batch", None)
            if batch is not None and len(of_kind) > 1:
                outs.update(zip((row.id for row in of_kind), await batch(s, of_kind), strict=True))
            else:
                for row in of_kind:
                    outs[row.id] = await renderer(s, row)
        return [outs[row.id] for row in rows]

    async def _call(self, row: Outbox, out: Outgoing) -> _Outcome:
        """The API call of one row, its answer (or failure) turned into the row's outcome."""
        try:
            sent_id = await self._api_send(row.chat_id, out)
        except RetryAfter as exc:
            wait = retry_seconds(exc)
            self.limiter.pause(wait)
            return _Outcome(outbox.PENDING, f"429 retry after {wait}s", wait=wait, count=False)
        except Forbidden as exc:
            return _Outcome(outbox.UNREACHABLE, f"403 {exc.message}")
        except ChatMigrated as exc:
            return _Outcome(_MIGRATED, "group migrated", new_chat_id=exc.new_chat_id)
        except BadRequest as exc:  # before NetworkError, its base class in PTB
            return _Outcome(outbox.FAILED, f"400 {exc.message}")
        except NetworkError as exc:  # 5xx, no connection, timeouts: wait and try again, until the row's expiry
            self.comeback.failed()
            if surely_not_sent(exc):
                return _Outcome(outbox.PENDING, f"not sent: {exc.message}", self.backoff.next(row.id), count=False)
            return _Outcome(outbox.PENDING, f"outcome unknown: {exc.message}", self.backoff.next(row.id))
        except TelegramError as exc:
            return _Outcome(outbox.PENDING, f"telegram: {exc}", wait=30.0, count=True)
        except Exception:
            log.exception("sending row=%s failed unexpectedly", row.id)
            return _Outcome(outbox.FAILED, "internal error")
        return _Outcome(outbox.SENT, message_id=sent_id if out.keep_id else None)

    async def _deliver_mail(self, row: Outbox, mail: Mail) -> _Outcome:
        """One e-mail through the SMTP server (not Telegram's limiter): 4xx or no connection waits and tries again
        (until the row's expiry), 5xx fails at once; a broken connection after sending counts as an attempt."""
        if self.mailer is None:
            return _Outcome(outbox.FAILED, "mail not configured ([mail])")
        try:
            await self.mailer.send(mail, f"{row.id}")
        except MailError as exc:
            if exc.permanent:
                return _Outcome(outbox.FAILED, str(exc))
            return _Outcome(outbox.PENDING, str(exc), self.backoff.next(row.id), count=exc.unknown)
        except Exception:
            log.exception("mailing row=%s failed unexpectedly", row.id)
            return _Outcome(outbox.FAILED, "internal error")
        return _Outcome(outbox.SENT)

    async def _tell_mail_failures(self, row_ids: list[int]) -> None:
        """Failed rows of the mail channel tell the project managers (models/mail.py)."""
        if not row_ids:
            return
        async with self._transaction() as s:
            told = await mail_channel.notify_failures(s, row_ids, self.clock.now())
        if told:
            log.warning("e-mail not delivered rows=%s; managers told", row_ids)
            self.wake()

    async def _network_back(self, down_for: float) -> None:
        """Telegram answers again: every row waiting for the network is due now, whatever its backoff."""
        async with self._transaction() as s:
            woken = await outbox.wake_waiting(s, self.clock.now())
        log.info("Telegram answers again after %.0f s; %s waiting messages go out now", down_for, woken)
        self.wake()

    async def _record(self, results: list[tuple[Outbox, _Outcome]]) -> None:
        """Every outcome of a group in one transaction: one UPDATE per (outcome, error); retries, 403s and
        migrations (rare) row by row."""
        now = self.clock.now()
        finished: dict[tuple[str, str | None], list[int]] = {}
        retries = [(row, o) for row, o in results if o.status == outbox.PENDING]
        unreachable = [(row, o) for row, o in results if o.status == outbox.UNREACHABLE]
        migrated = [(row, o) for row, o in results if o.status == _MIGRATED]
        for row, o in results:
            if o.status in (outbox.SENT, outbox.FAILED, outbox.UNREACHABLE):
                finished.setdefault((o.status, o.error), []).append(row.id)
        given_up: list[tuple[Outbox, _Outcome]] = []
        next_try: list[datetime] = []
        async with self._transaction() as s:
            for (status, error), ids in finished.items():
                await outbox.finish_many(s, ids, status, now, error)
            for row, o in retries:
                due = await outbox.retry_later(
                    s, row.id, now, timedelta(seconds=o.wait), o.error or "", o.count, self.expiry
                )
                if due is None:
                    given_up.append((row, o))
                else:
                    next_try.append(due)
            for chat_id in dict.fromkeys(row.chat_id for row, _ in unreachable):
                if chat_id > 0:
                    await mark_unreachable(s, chat_id, now)
                await outbox.cancel_open(s, Outbox.chat_id == chat_id, reason="chat unreachable")
            for row, o in migrated:
                assert o.new_chat_id is not None
                await self._migrate(s, row, o.new_chat_id)
        gone = {row.id for row, _ in given_up}
        failed = [row.id for row, o in results if row.chat_id == 0 and (row.id in gone or o.status == outbox.FAILED)]
        await self._tell_mail_failures(failed)  # mail rows (chat 0) that failed tell the managers
        for row, o in results:
            outcome = outbox.FAILED if row.id in gone else "retry" if o.status == outbox.PENDING else o.status
            self._observe(row.kind, outcome, (now - row.due_at).total_seconds() if o.status == outbox.SENT else None)
            if o.status != outbox.PENDING:
                self.backoff.forget(row.id)
            if o.status == outbox.SENT:
                if self.on_sent is not None:
                    self.on_sent(row)
            elif o.status == outbox.FAILED:
                log.warning("message failed row=%s kind=%s reason=%s", row.id, row.kind, o.error)
            elif o.status == outbox.UNREACHABLE:
                log.info("chat unreachable row=%s kind=%s", row.id, row.kind)
        for row, o in given_up:
            self.backoff.forget(row.id)
            why = f"{row.attempts} attempts" if o.count and row.attempts >= outbox.MAX_ATTEMPTS else "its expiry"
            log.warning("message failed row=%s kind=%s reason=%s; gave up after %s", row.id, row.kind, o.error, why)
        for row, o in retries:
            if row.id not in gone:
                log.info("message retried later row=%s wait=%.0fs reason=%s", row.id, o.wait, o.error)
        if next_try:
            self._plan_next((min(next_try) - now).total_seconds())
        if migrated:
            self.wake()

    def _observe(self, kind: str, outcome: str, lag: float | None = None) -> None:
        if self.on_outcome is not None:
            self.on_outcome(kind, outcome, lag)

    async def _api_send(self, chat_id: int, out: Outgoing) -> int | None:
        """Send (or redraw) one message; returns the id of a message sent as text, when there is one."""
        if out.edit_message_id is not None:
            await self.bot.edit_message_text(
                out.text,
                chat_id=chat_id,
                message_id=out.edit_message_id,
                parse_mode=ParseMode.HTML,
                reply_markup=out.reply_markup,
                disable_web_page_preview=True,
            )
            return out.edit_message_id
        if out.media is not None:
            kind, file_id = out.media
            send = self.bot.send_photo if kind == "photo" else self.bot.send_document
            await send(
                chat_id, file_id, caption=out.text or None, parse_mode=ParseMode.HTML, reply_markup=out.reply_markup
            )
        elif out.photo is not None:
            data, name = out.photo
            await self.bot.send_photo(
                chat_id,
                InputFile(data, filename=name),
                caption=out.text or None,
                parse_mode=ParseMode.HTML,
                reply_markup=out.reply_markup,
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
            message = await self.bot.send_message(
                chat_id,
                out.text,
                parse_mode=ParseMode.HTML,
                reply_markup=out.reply_markup,
                disable_web_page_preview=True,
            )
            return message.message_id
        return None

    async def _migrate(self, s: AsyncSession, row: Outbox, new_chat_id: int) -> None:
        """A group became a supergroup: follow it, then send this row again to the new id."""
        await s.execute(update(TeamGroup).where(TeamGroup.chat_id == row.chat_id).values(chat_id=new_chat_id))
        await s.execute(
            update(Outbox)
            .where(Outbox.chat_id == row.chat_id, Outbox.status.in_(outbox.OPEN_STATES))
            .values(chat_id=new_chat_id)
        )
        await outbox.retry_later(
            s, row.id, self.clock.now(), timedelta(0), "group migrated", count_attempt=False, limit=self.expiry
        )
        log.info("group migrated old=%s new=%s", row.chat_id, new_chat_id)

