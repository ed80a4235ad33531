"""The mail channel of the outbox: rows with `chat_id` MAIL_CHAT go out as e-mail (scheduler/mail.py), every other
row through Telegram. The address is in the row's payload ("to"). A mail row that finally failed (refused for
good, or not delivered before its expiry) tells the project managers in Telegram, once per row and manager.
Nothing here touches Telegram or SMTP.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models import outbox
from models.outbox import NewMessage
from models.tables import Outbox, Person

MAIL_CHAT = 0  # no Telegram chat has id 0
FAILED_NOTICE = "mail_failed"  # to the project managers: an e-mail could not be delivered


def is_mail(row: Outbox) -> bool:
    return row.chat_id == MAIL_CHAT


async def notify_failures(s: AsyncSession, row_ids: Sequence[int], now: datetime) -> int:
    """Tell the managers about the mail rows among `row_ids` that have failed."""
    if not row_ids:
        return 0
    q = select(Outbox).where(Outbox.id.in_(list(row_ids)), Outbox.chat_id == MAIL_CHAT, Outbox.status == outbox.FAILED)
    failed = list((await s.execute(q)).scalars())
    if not failed:
        return 0
    managers = list((await s.execute(select(Person).where(Person.is_manager.is_(True)))).scalars())
    messages = [
        NewMessage(
            FAILED_NOTICE,
            m.telegram_id,
            now,
            person_id=m.id,
            payload={"row": row.id},
            dedupe_key=f"{FAILED_NOTICE}:{row.id}:{m.id}",
            priority=3,
        )
        for row in failed
        for m in managers
    ]
    return await outbox.enqueue(s, messages, now)
