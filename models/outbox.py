"""The outbox: every message due later is a row first; these are its state changes.

Guarantees, phase by phase:
- *enqueue*: a row with a `dedupe_key` is created at most once, so re-planning reminders cannot double them.
- *claim*: one atomic UPDATE moves due rows to `claimed` for one worker (FOR UPDATE SKIP LOCKED on
  PostgreSQL; SQLite has one writer at a time), so two dispatchers never get the same row.
- *sending*: a row is marked `sending` (`mark_sending`, committed) just before its API call, once its rate
  limiter slot has come; the dispatcher has one such row at a time (`in_flight`), so a crash leaves at most
  one row with an unknown outcome; recovery retries such a row once (at most one duplicate per crash).
- *record*: the row's outcome (sent, failed, unreachable, or back to pending after a 429 or a 5xx) is
  committed as soon as Telegram answers, before the next row is marked `sending`.
- *retry*: a row Telegram did not take stays pending (`retry_later`) until it is sent or its expiry has
  come; only then is it failed (`skip_expired`). Every row has an expiry: its own `expires_at` (when it loses
  its point: a reminder's grace period, a meeting's start …) or, without one, `limit` after it was first due
  (`[delivery] expiry_hours`: announcements, idea answers, a poll's result).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from models.tables import Outbox

PENDING, CLAIMED, SENDING = "pending", "claimed", "sending"
SENT, FAILED, SKIPPED, CANCELLED, UNREACHABLE = "sent", "failed", "skipped", "cancelled", "unreachable"
OPEN_STATES = (PENDING, CLAIMED, SENDING)
MAX_ATTEMPTS = 3  # API calls that may have delivered the message (timeouts, crashes); surely failed ones do not count
DEFAULT_LIMIT = timedelta(hours=24)  # expiry of a row without `expires_at`, counted from its first due time
NOT_DELIVERED = "not delivered before its expiry"
LATE = "late beyond the grace period"


@dataclass(frozen=True)
class NewMessage:
    """One message to plan. `chat_id` None: the person has no Telegram account (a proxy member kept by a lead,
    docs/proxy-members.md); `enqueue` drops such messages, so every fan-out skips them in one place."""

    kind: str
    chat_id: int | None
    due_at: datetime
    person_id: int | None = None
    meeting_id: int | None = None
    poll_id: int | None = None
    payload: dict[str, Any] | None = None
    dedupe_key: str | None = None
    expires_at: datetime | None = None
    priority: int = 5


async def enqueue(s: AsyncSession, messages: Sequence[NewMessage], now: datetime) -> int:
    """Add rows in the caller's transaction; rows whose dedupe key already exists are left alone, and messages to
    nobody in Telegram (`chat_id` None) are dropped."""
    messages = [m for m in messages if m.chat_id is not None]
    keys = [m.dedupe_key for m in messages if m.dedupe_key]
    existing: set[str] = set()
    if keys:
        for i in range(0, len(keys), 500):
            chunk = keys[i : i + 500]
            found = (await s.execute(select(Outbox.dedupe_key).where(Outbox.dedupe_key.in_(chunk)))).scalars()
            existing |= {k for k in found if k}
    rows = [
        Outbox(
            kind=m.kind,
            priority=m.priority,
            chat_id=m.chat_id,
            person_id=m.person_id,
            meeting_id=m.meeting_id,
            poll_id=m.poll_id,
            payload=dict(m.payload or {}),
            dedupe_key=m.dedupe_key,
            due_at=m.due_at,
            expires_at=m.expires_at,
            status=PENDING,
            attempts=0,
            created_at=now,
        )
        for m in messages
        if not (m.dedupe_key and m.dedupe_key in existing)
    ]
    s.add_all(rows)
    await s.flush()
    return len(rows)


async def cancel_open(s: AsyncSession, *conditions: Any, reason: str = "cancelled") -> int:
    """Drop open rows matching `conditions` (e.g. a cancelled meeting's reminders), in the caller's transaction.

    Rows already `sending` are left alone: their API call is under way.
    """
    result = await s.execute(
        update(Outbox)
        .where(Outbox.status.in_((PENDING, CLAIMED)), *conditions)
        .values(status=CANCELLED, last_error=reason[:200], dedupe_key=None)
    )
    return int(getattr(result, "rowcount", 0) or 0)


@dataclass(frozen=True)
class Expired:
    """A pending row whose expiry came: skipped (never tried: it lost its point while the bot was down) or
    failed (Telegram did not take it in time, or it had no point to lose)."""

    id: int
    kind: str
    status: str
    reason: str


async def skip_expired(s: AsyncSession, now: datetime, limit: timedelta = DEFAULT_LIMIT) -> list[Expired]:
    """Close pending rows whose expiry has come (`expires_at`, or `limit` after the due time without one).

    A row with a failed attempt behind it, or one without its own expiry (an announcement must not silently
    count as "skipped"), is failed with its last error; a reminder late beyond its grace period is skipped.
    """
    late = or_(Outbox.expires_at <= now, and_(Outbox.expires_at.is_(None), Outbox.due_at <= now - limit))
    fail = or_(Outbox.last_error.is_not(None), Outbox.expires_at.is_(None))
    rows = (
        await s.execute(
            update(Outbox)
            .where(Outbox.status == PENDING, late)
            .values(
                status=case((fail, FAILED), else_=SKIPPED),
                last_error=case((fail, func.coalesce(Outbox.last_error, NOT_DELIVERED)), else_=LATE),
            )
            .returning(Outbox.id, Outbox.kind, Outbox.status, Outbox.last_error)
        )
    ).all()
    return [Expired(i, kind, st, _expired(err) if st == FAILED else "late") for i, kind, st, err in rows]


def _expired(error: str | None) -> str:
    return "expired, never sent" if error == NOT_DELIVERED else f"expired after: {error}"


async def claim_due(s: AsyncSession, worker: str, now: datetime, limit: int) -> list[int]:
    """Atomically take up to `limit` due rows for `worker`, most urgent first."""
    due = (
        select(Outbox.id)
        .where(Outbox.status == PENDING, Outbox.due_at <= now)
        .order_by(Outbox.priority, Outbox.due_at, Outbox.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = list((await s.execute(due)).scalars())
    if not ids:
        return []
    await s.execute(
        update(Outbox)
        .where(Outbox.id.in_(ids), Outbox.status == PENDING)
        .values(status=CLAIMED, claimed_by=worker, claimed_at=now)
    )
    return ids


async def claimed_rows(s: AsyncSession, row_ids: Sequence[int], worker: str) -> list[Outbox]:
    """The rows of `row_ids` still claimed by `worker`, in the order of `row_ids` (to render them)."""
    if not row_ids:
        return []
    query = select(Outbox).where(Outbox.id.in_(list(row_ids)), Outbox.status == CLAIMED, Outbox.claimed_by == worker)
    rows = {row.id: row for row in (await s.scalars(query)).all()}
    return [rows[i] for i in row_ids if i in rows]


async def mark_sending(s: AsyncSession | AsyncConnection, row_id: int, worker: str, now: datetime) -> bool:
    """Move one claimed row to `sending` (counting the attempt) right before its API call; False if it is no
    longer ours (cancelled, or taken back after the lease). Commit before the call."""
    result = await s.execute(
        update(Outbox)
        .where(Outbox.id == row_id, Outbox.status == CLAIMED, Outbox.claimed_by == worker)
        .values(status=SENDING, attempts=Outbox.attempts + 1, claimed_at=now)
    )
    return bool(getattr(result, "rowcount", 0))


async def sent_and_next(
    s: AsyncSession | AsyncConnection, row_id: int, following: int | None, worker: str, now: datetime
) -> bool:
    """Record `row_id` as sent and mark `following` (claimed by `worker`) `sending`, in one statement: the
    dispatcher's one write per message. Returns whether `following` was marked (False: no longer ours)."""
    if following is None:
        await finish(s, row_id, SENT, now)
        return False
    done = Outbox.id == row_id
    result = await s.execute(
        update(Outbox)
        .where(or_(done, and_(Outbox.id == following, Outbox.status == CLAIMED, Outbox.claimed_by == worker)))
        .values(
            status=case((done, SENT), else_=SENDING),
            sent_at=case((done, literal(now, Outbox.sent_at.type)), else_=Outbox.sent_at),
            last_error=case((done, None), else_=Outbox.last_error),
            attempts=case((done, Outbox.attempts), else_=Outbox.attempts + 1),
            claimed_at=case((done, Outbox.claimed_at), else_=literal(now, Outbox.claimed_at.type)),
        )
    )
    return int(getattr(result, "rowcount", 0) or 0) > 1


async def finish(
    s: AsyncSession | AsyncConnection, row_id: int, status: str, now: datetime, error: str | None = None
) -> None:
    values: dict[str, Any] = {"status": status, "last_error": (error or None) and error[:200]}
    if status == SENT:
        values["sent_at"] = now
    await s.execute(update(Outbox).where(Outbox.id == row_id).values(**values))


async def finish_many(
    s: AsyncSession, row_ids: Sequence[int], status: str, now: datetime, error: str | None = None
) -> None:
    """Record one outcome for many rows in one statement."""
    values: dict[str, Any] = {"status": status, "last_error": (error or None) and error[:200]}
    if status == SENT:
        values["sent_at"] = now
    ids = list(row_ids)
    for i in range(0, len(ids), 500):
        await s.execute(update(Outbox).where(Outbox.id.in_(ids[i : i + 500])).values(**values))


async def retry_later(
    s: AsyncSession,
    row_id: int,
    now: datetime,
    wait: timedelta,
    error: str,
    count_attempt: bool = True,
    limit: timedelta = DEFAULT_LIMIT,
) -> datetime | None:
    """Back to pending after `wait` (a 429, a network error or 5xx, a migrated group), but not past the row's
    expiry; returns when it is due again. None: failed instead – MAX_ATTEMPTS counted attempts, or its expiry
    has come. A row without `expires_at` gets one here, `limit` after the due time it failed at first."""
    row = await s.get(Outbox, row_id, populate_existing=True)
    if row is None:
        return None
    if not count_attempt:
        row.attempts = max(0, row.attempts - 1)
    if row.expires_at is None:
        row.expires_at = row.due_at + limit
    if row.attempts >= MAX_ATTEMPTS or row.expires_at <= now:
        row.status, row.last_error = FAILED, error[:200]
        return None
    due = min(now + wait, row.expires_at)
    row.status, row.due_at, row.last_error, row.claimed_by = PENDING, due, error[:200], None
    return due


NETWORK_WAITS = ("not sent:", "outcome unknown:")  # how the dispatcher begins `last_error` of such a wait


async def wake_waiting(s: AsyncSession, now: datetime) -> int:
    """Make every pending row that waits out a network failure (5xx, no connection, timeout) due now: Telegram
    is back. Rows waiting for a 429's `retry_after` keep their time."""
    result = await s.execute(
        update(Outbox)
        .where(
            Outbox.status == PENDING,
            Outbox.due_at > now,
            or_(*(Outbox.last_error.startswith(prefix, autoescape=True) for prefix in NETWORK_WAITS)),
        )
        .values(due_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def release_claims(s: AsyncSession, worker: str, ids: Sequence[int]) -> None:
    """Give claimed-but-untouched rows back (e.g. on shutdown)."""
    if ids:
        await s.execute(
            update(Outbox)
            .where(Outbox.id.in_(list(ids)), Outbox.status == CLAIMED, Outbox.claimed_by == worker)
            .values(status=PENDING, claimed_by=None)
        )


async def recover(s: AsyncSession, now: datetime, lease: timedelta, everything: bool = False) -> tuple[int, int]:
    """Requeue rows whose worker died: `claimed` rows go back as they were; `sending` rows (outcome unknown)
    are retried once more at most. `everything` (SQLite start-up: only one process) ignores the lease."""
    stale = Outbox.claimed_at < now - lease
    cond = (lambda st: Outbox.status == st) if everything else (lambda st: and_(Outbox.status == st, stale))
    back = await s.execute(update(Outbox).where(cond(CLAIMED)).values(status=PENDING, claimed_by=None))
    unknown = await s.execute(
        update(Outbox)
        .where(cond(SENDING))
        .values(
            status=PENDING,
            claimed_by=None,
            last_error="outcome unknown after a crash; retried once",
            attempts=MAX_ATTEMPTS - 1,
        )
    )
    return int(getattr(back, "rowcount", 0) or 0), int(getattr(unknown, "rowcount", 0) or 0)


async def next_due(s: AsyncSession, after: datetime | None = None) -> datetime | None:
    """The earliest due time of a pending row (`after`: only later ones, as the demo's clock steps forward)."""
    later = () if after is None else (Outbox.due_at > after,)
    value: datetime | None = (
        await s.execute(select(func.min(Outbox.due_at)).where(Outbox.status == PENDING, *later))
    ).scalar_one_or_none()
    return value


async def counts(s: AsyncSession, *conditions: Any) -> dict[str, int]:
    rows = await s.execute(select(Outbox.status, func.count()).where(*conditions).group_by(Outbox.status))
    return {status: n for status, n in rows.all()}


def open_rows_of(meeting_id: int | None = None, person_id: int | None = None) -> Any:
    """A condition for open rows of a meeting and/or person (for cancel_open)."""
    parts = []
    if meeting_id is not None:
        parts.append(Outbox.meeting_id == meeting_id)
    if person_id is not None:
        parts.append(Outbox.person_id == person_id)
    return and_(*parts) if parts else or_(False)
