"""Meeting notices by e-mail: every invited member with an e-mail address (`member_contacts.email`) gets the
invitation, changes, the cancellation and the reminders by e-mail too, as rows of the outbox's mail channel
(models/mail.py) beside the Telegram rows, never instead of them.

They are planned in the same transaction as their Telegram twins (models/meetings/core.py calls in here), with
dedupe keys of their own (`<kind>:<meeting>:<person>:<sequence>`), so a row is never doubled and is retried and
given up like every outbox row. The row holds no address: the renderer reads the address at send time, so a
changed or removed address counts, and an erased person takes her rows and her address with her. Nothing here
touches Telegram or SMTP.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.mail import MAIL_CHAT
from models.outbox import NewMessage
from models.tables import Meeting, MemberContact

MAIL_INVITATION = "meeting_mail_invitation"
MAIL_CHANGE = "meeting_mail_change"
MAIL_CANCEL = "meeting_mail_cancel"
MAIL_REMINDER = "meeting_mail_reminder"
# the Telegram kind (models/meetings/core.py) -> its e-mail twin
TWIN = {"invitation": MAIL_INVITATION, "change": MAIL_CHANGE, "cancel": MAIL_CANCEL, "reminder": MAIL_REMINDER}
KINDS = tuple(TWIN.values())


async def addresses(s: AsyncSession, person_ids: Iterable[int]) -> dict[int, str]:
    """The e-mail address of each of these people who gave one (blank addresses count as none)."""
    ids = list(set(person_ids))
    if not ids:
        return {}
    rows = await s.execute(
        select(MemberContact.person_id, MemberContact.email).where(
            MemberContact.person_id.in_(ids), MemberContact.email.is_not(None)
        )
    )
    return {pid: email.strip() for pid, email in rows.all() if email and email.strip()}


async def address_of(s: AsyncSession, person_id: int) -> str | None:
    return (await addresses(s, [person_id])).get(person_id)


def notice(
    kind: str,
    person_id: int,
    meeting: Meeting,
    due: datetime,
    expires: datetime,
    payload: dict[str, Any] | None = None,
    key: str = "",
    priority: int = 1,
) -> NewMessage:
    """One e-mail row about a meeting to one person; `key` adds to the dedupe key (a reminder's offset)."""
    mail_kind = TWIN[kind]
    extra = f":{key}" if key else ""
    return NewMessage(
        mail_kind,
        MAIL_CHAT,
        due,
        person_id=person_id,
        meeting_id=meeting.id,
        payload=dict(payload or {}),
        dedupe_key=f"{mail_kind}:{meeting.id}:{person_id}{extra}:{meeting.sequence}",
        expires_at=expires,
        priority=priority,
    )
