"""Announcements: who may send to whom, the audience, and the outcome per recipient.

Nothing here touches Telegram: handlers, the progress job and tests get a verdict without an update in hand.
Guarantees: a project manager may address everyone or any mix of teams, towns and stakeholder groups; a team
lead only their own teams (narrowed by town or group if they like). To fill a team's gaps (its mix lacks a town or a
stakeholder group) the manager, or that team's own lead, may address exactly the people who could fill them: those
of a town × group pair no member of the team comes from (so never a member), narrowed by town or group if chosen.
Each recipient gets one outbox row, created in the same transaction as the announcement and its audit entry, so a
person in two chosen teams gets one copy and a restart never re-creates rows. Members who opted out get no row;
members already known to be unreachable get a row that is unreachable from the start, so the report can name them.
Figures and the list of past announcements are in models/announcements/reports.py.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, false, func, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import audit, outbox
from models.errors import Refusal
from models.people import OTHER_TOWN
from models.tables import Announcement, Membership, Outbox, Person, Team
from models.teams import led_team_ids, team_gaps
from models.text import require_visible

KIND = "announcement"
PRIORITY = 10  # after reminders (0) and meeting notices (1..6)
PHOTO, DOCUMENT = "photo", "document"
TEXT_LIMIT, CAPTION_LIMIT = 4096, 1024
SCHEDULED, SENDING, DONE, CANCELLED = "scheduled", "sending", "done", "cancelled"
UNREACHABLE_BEFORE = "unreachable before sending"
_TAG = re.compile(r"<[^>]*>")


class CountChanged(Refusal):
    """The audience changed since the sender saw the number: they confirm the new number first."""

    def __init__(self, count: int) -> None:
        super().__init__("announce.count_changed", count=count)
        self.count = count


@dataclass(frozen=True)
class Audience:
    """Everyone, or people matching every chosen kind (teams OR-ed among themselves, likewise towns, groups).

    `gap`: the people who could fill the gaps of this team (not with everyone or teams; towns and groups narrow it).
    """

    everyone: bool = False
    teams: tuple[int, ...] = ()
    towns: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    gap: int | None = None

    @property
    def empty(self) -> bool:
        return not (self.everyone or self.teams or self.towns or self.groups or self.gap is not None)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "all": self.everyone,
            "teams": list(self.teams),
            "towns": list(self.towns),
            "groups": list(self.groups),
        }
        if self.gap is not None:
            out["gap"] = self.gap
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Audience:
        data = data or {}
        return cls(
            everyone=bool(data.get("all")),
            teams=tuple(sorted(int(t) for t in data.get("teams", []))),
            towns=tuple(sorted(str(t) for t in data.get("towns", []))),
            groups=tuple(sorted(str(g) for g in data.get("groups", []))),
            gap=int(data["gap"]) if data.get("gap") is not None else None,
        )


@dataclass(frozen=True)
class Content:
    """What recipients get: Telegram HTML as the sender typed it, optionally with a photo or document."""

    text_html: str
    media_kind: str | None = None
    media_file_id: str | None = None


@dataclass(frozen=True)
class Scope:
    """Whom an actor may address: a manager everyone, a lead the teams they lead."""

    manager: bool
    team_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class AudienceCount:
    recipients: int  # who will get it
    opted_out: int
    unreachable: int
    offline: int = 0  # proxy members in the audience: no Telegram, their leads reach them by letter, e-mail, phone


def plain_text(text_html: str) -> str:
    """The text without its formatting, as Telegram shows it."""
    return html.unescape(_TAG.sub("", text_html))


def visible_length(text_html: str) -> int:
    """Length as Telegram checks it: after HTML parsing, in UTF-16 code units."""
    return len(plain_text(text_html).encode("utf-16-le")) // 2


def check_content(content: Content, reserve: int = 0) -> None:
    """Refuse what Telegram would refuse or what shows nothing; `reserve` characters are kept for the header."""
    if content.media_kind not in (None, PHOTO, DOCUMENT):
        raise Refusal("announce.unsupported")
    if content.media_kind and not content.media_file_id:
        raise Refusal("announce.unsupported")
    if content.media_file_id and len(content.media_file_id) > 256:
        raise Refusal("announce.unsupported")
    limit = (CAPTION_LIMIT if content.media_kind else TEXT_LIMIT) - reserve
    length = visible_length(content.text_html)
    if length > limit:
        raise Refusal("announce.too_long", limit=limit, length=length)
    plain = plain_text(content.text_html).strip()
    if not content.media_kind and not plain:
        raise Refusal("announce.empty")
    if plain:  # a caption too: typed text that shows nothing is refused, not silently sent
        require_visible(plain)


async def scope_of(s: AsyncSession, actor: Person) -> Scope:
    """A manager may address anyone, a lead their teams; anyone else may not announce."""
    if actor.is_manager:
        return Scope(manager=True)
    led = await led_team_ids(s, actor)
    if not led:
        raise Refusal("announce.not_allowed")
    return Scope(manager=False, team_ids=tuple(sorted(led)))


async def check_audience(
    s: AsyncSession,
    scope: Scope,
    audience: Audience,
    towns: Iterable[str],
    groups: Iterable[str],
    *,
    partial: bool = False,
) -> None:
    """Refuses an empty audience, unknown keys, and a lead's audience beyond their own teams.

    `partial`: a choice still being made (may be empty; a lead may pick a town before the team).
    """
    if audience.empty and not partial:
        raise Refusal("announce.no_audience")
    if not set(audience.towns) <= {*towns, OTHER_TOWN} or not set(audience.groups) <= set(groups):
        raise Refusal("errors.unknown_choice")
    if audience.teams:
        known = set((await s.execute(select(Team.id).where(Team.id.in_(audience.teams)))).scalars())
        if known != set(audience.teams):
            raise Refusal("teams.not_found")
    if audience.gap is not None:
        if audience.everyone or audience.teams:
            raise Refusal("errors.unknown_choice")
        if await s.get(Team, audience.gap) is None:
            raise Refusal("teams.not_found")
        if not scope.manager and audience.gap not in scope.team_ids:
            raise Refusal("announce.own_team_only")
        return
    if scope.manager:
        return
    if audience.everyone or not set(audience.teams) <= set(scope.team_ids) or not (audience.teams or partial):
        raise Refusal("announce.own_team_only")


async def _matching(s: AsyncSession, audience: Audience, towns: Iterable[str], groups: Iterable[str]) -> list[Any]:
    """Conditions for people in the audience (registration complete; opt-outs are the caller's business).

    `towns` and `groups` are the configured ones: a team's gaps are measured against them.
    """
    conds: list[Any] = [Person.stakeholder_group.is_not(None), Person.town.is_not(None)]
    if audience.everyone:
        return conds
    if audience.gap is not None:
        conds += await _gap_conditions(s, audience.gap, list(towns), list(groups))
    if audience.teams:
        conds.append(Person.id.in_(select(Membership.person_id).where(Membership.team_id.in_(audience.teams))))
    if audience.towns:
        conds.append(Person.town.in_(audience.towns))
    if audience.groups:
        conds.append(Person.stakeholder_group.in_(audience.groups))
    return conds


async def _gap_conditions(s: AsyncSession, team_id: int, towns: list[str], groups: list[str]) -> list[Any]:
    """People of a town × group pair nobody in the team comes from, and not in the team."""
    pairs = (await team_gaps(s, team_id, towns, groups)).pairs
    covers = or_(*(and_(Person.town == t, Person.stakeholder_group == g) for t, g in pairs)) if pairs else false()
    members = select(Membership.person_id).where(Membership.team_id == team_id)
    return [covers, Person.id.not_in(members)]


async def count_audience(
    s: AsyncSession, audience: Audience, *, towns: Iterable[str] = (), groups: Iterable[str] = ()
) -> AudienceCount:
    """The exact number who would get it now, and who is left out (opted out, unreachable).

    `towns` and `groups` are the configured ones (a team's gaps are measured against them)."""
    if audience.empty:
        return AudienceCount(0, 0, 0)
    online = Person.telegram_id.is_not(None)
    opted = Person.announcements_opt_out.is_(True) & online
    gone = Person.unreachable_at.is_not(None) & Person.announcements_opt_out.is_(False) & online
    row = (
        await s.execute(
            select(
                func.count(),
                func.coalesce(func.sum(case((opted, 1), else_=0)), 0),
                func.coalesce(func.sum(case((gone, 1), else_=0)), 0),
                func.coalesce(func.sum(case((Person.telegram_id.is_(None), 1), else_=0)), 0),
            ).where(*await _matching(s, audience, towns, groups))
        )
    ).one()
    total, opted_out, unreachable, offline = int(row[0]), int(row[1]), int(row[2]), int(row[3])
    return AudienceCount(total - opted_out - unreachable - offline, opted_out, unreachable, offline)


async def create(
    s: AsyncSession,
    actor: Person,
    content: Content,
    audience: Audience,
    now: datetime,
    *,
    towns: Iterable[str],
    groups: Iterable[str],
    scheduled_at: datetime | None = None,
    expected: int | None = None,
) -> Announcement:
    """Store the announcement, one outbox row per recipient (due now or at `scheduled_at`) and the audit entry.

    `expected` is the number the sender confirmed; if the audience changed since, nothing is stored and
    `CountChanged` says the new number.
    """
    towns, groups = list(towns), list(groups)
    scope = await scope_of(s, actor)
    await check_audience(s, scope, audience, towns, groups)
    check_content(content)
    if scheduled_at is not None and scheduled_at <= now:
        raise Refusal("dates.past")
    people = (
        await s.execute(
            select(Person.id, Person.telegram_id, Person.unreachable_at)
            .where(
                *await _matching(s, audience, towns, groups),
                Person.announcements_opt_out.is_(False),
                Person.telegram_id.is_not(None),  # proxy members: their leads pass it on (docs/proxy-members.md)
            )
            .order_by(Person.id)
        )
    ).all()
    reachable = [p for p in people if p.unreachable_at is None]
    if expected is not None and len(reachable) != expected:
        raise CountChanged(len(reachable))
    if not reachable:
        raise Refusal("announce.nobody")
    ann = Announcement(
        sender_id=actor.id,
        text_html=content.text_html,
        media_kind=content.media_kind,
        media_file_id=content.media_file_id,
        audience=audience.to_json(),
        status=SCHEDULED if scheduled_at else SENDING,
        recipients=len(reachable),
        scheduled_at=scheduled_at,
        created_at=now,
        started_at=None if scheduled_at else now,
    )
    s.add(ann)
    await s.flush()
    due = scheduled_at or now
    rows = [
        {
            "kind": KIND,
            "priority": PRIORITY,
            "chat_id": p.telegram_id,
            "person_id": p.id,
            "announcement_id": ann.id,
            "payload": {},
            "due_at": due,
            "status": outbox.PENDING if p.unreachable_at is None else outbox.UNREACHABLE,
            "last_error": None if p.unreachable_at is None else UNREACHABLE_BEFORE,
            "attempts": 0,
            "created_at": now,
        }
        for p in people
    ]
    for i in range(0, len(rows), 2000):
        await s.execute(insert(Outbox), rows[i : i + 2000])
    action = audit.ANNOUNCE_SCHEDULED if scheduled_at else audit.ANNOUNCE
    await audit.record(s, actor, action, now, announcement=ann.id, recipients=len(reachable), audience=ann.audience)
    return ann


def set_progress_message(ann: Announcement, chat_id: int, message_id: int) -> None:
    """The sender's message that shows progress and, at the end, the report."""
    ann.progress_chat_id, ann.progress_message_id = chat_id, message_id


async def get_visible(s: AsyncSession, viewer: Person, ann_id: int) -> Announcement:
    """An announcement the viewer may see: a manager all, a lead their own and those to their teams."""
    ann = await s.get(Announcement, ann_id)
    if ann is None or not may_see(ann, await scope_of(s, viewer), viewer):
        raise Refusal("announce.not_found")
    return ann


def may_see(ann: Announcement, scope: Scope, viewer: Person) -> bool:
    if scope.manager or ann.sender_id == viewer.id:
        return True
    audience = Audience.from_json(ann.audience)
    return audience.everyone or bool(set(audience.teams) & set(scope.team_ids)) or audience.gap in scope.team_ids


async def cancel_scheduled(s: AsyncSession, actor: Person, ann_id: int, now: datetime) -> Announcement:
    """Call off a scheduled announcement before it goes out (its sender or a manager)."""
    ann = await get_visible(s, actor, ann_id)
    if not (actor.is_manager or ann.sender_id == actor.id):
        raise Refusal("announce.not_allowed")
    if ann.status != SCHEDULED:
        raise Refusal("announce.not_scheduled")
    await outbox.cancel_open(s, Outbox.announcement_id == ann.id, reason="announcement cancelled")
    ann.status, ann.finished_at = CANCELLED, now
    return ann


def set_announcements_opt_out(person: Person, value: bool) -> bool:
    """Opt out of announcements (meeting messages still come) or back in; returns whether it changed.

    Rows already planned for the person are skipped at send time, so opting out works mid-send too.
    """
    if person.announcements_opt_out == value:
        return False
    person.announcements_opt_out = value
    return True
