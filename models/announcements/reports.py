"""Reporting on announcements: outcomes per recipient, totals, breakdowns, and the list a viewer may see.

Nothing here touches Telegram. Figures come from the outbox rows alone (one per recipient), so progress,
the final report and /announcements can never disagree; an announcement counts as done only once no row
is open and its report was shown (`finish`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from models import outbox
from models.announcements.core import DONE, SCHEDULED, SENDING, Audience, may_see, scope_of
from models.errors import Refusal
from models.tables import Announcement, Membership, Outbox, Person, Team
from models.teams import LEAD

PAGE_SIZE = 5


@dataclass
class Tally:
    """Outcomes of an announcement's rows."""

    delivered: int = 0
    unreachable: int = 0
    failed: int = 0
    skipped: int = 0
    open: int = 0

    def add(self, status: str, n: int) -> None:
        if status == outbox.SENT:
            self.delivered += n
        elif status == outbox.UNREACHABLE:
            self.unreachable += n
        elif status == outbox.FAILED:
            self.failed += n
        elif status in outbox.OPEN_STATES:
            self.open += n
        else:  # skipped (opted out or erased meanwhile), cancelled
            self.skipped += n


@dataclass
class Breakdown:
    """Outcomes by town, stakeholder group and team (a member of two teams counts in both teams)."""

    towns: dict[str, Tally] = field(default_factory=dict)
    groups: dict[str, Tally] = field(default_factory=dict)
    teams: dict[str, Tally] = field(default_factory=dict)  # team slug


@dataclass
class Progress:
    announcement: Announcement
    tally: Tally
    finished: bool


async def tally(s: AsyncSession, ann_id: int) -> Tally:
    out = Tally()
    rows = await s.execute(
        select(Outbox.status, func.count()).where(Outbox.announcement_id == ann_id).group_by(Outbox.status)
    )
    for status, n in rows.all():
        out.add(status, int(n))
    return out


async def breakdown(s: AsyncSession, ann: Announcement) -> Breakdown:
    """Outcomes by town, group and team; with teams chosen, only those teams are listed."""
    out = Breakdown()
    base = select(Outbox.status, func.count()).join(Person, Person.id == Outbox.person_id)
    mine = Outbox.announcement_id == ann.id
    for column, target in ((Person.town, out.towns), (Person.stakeholder_group, out.groups)):
        rows = await s.execute(base.add_columns(column).where(mine).group_by(column, Outbox.status))
        for status, n, key in rows.all():
            target.setdefault(key or "-", Tally()).add(status, int(n))
    chosen = Audience.from_json(ann.audience).teams
    team_q = (
        base.add_columns(Team.slug)
        .join(Membership, Membership.person_id == Outbox.person_id)
        .join(Team, Team.id == Membership.team_id)
        .where(mine)
        .group_by(Team.slug, Outbox.status)
    )
    if chosen:
        team_q = team_q.where(Team.id.in_(chosen))
    for status, n, slug in (await s.execute(team_q)).all():
        out.teams.setdefault(slug, Tally()).add(status, int(n))
    return out


async def advance(s: AsyncSession, now: datetime) -> list[Progress]:
    """Announcements under way: scheduled ones become `sending` when due; finished is when no row is open.

    Marking `done` is left to `finish`, so the report is shown before the announcement counts as done.
    """
    out = []
    anns = (
        await s.execute(
            select(Announcement).where(Announcement.status.in_((SCHEDULED, SENDING))).order_by(Announcement.id)
        )
    ).scalars()
    for ann in anns:
        if ann.status == SCHEDULED:
            if ann.scheduled_at is not None and ann.scheduled_at > now:
                continue
            ann.status, ann.started_at = SENDING, now
        counted = await tally(s, ann.id)
        out.append(Progress(ann, counted, counted.open == 0))
    return out


async def finish(s: AsyncSession, ann_id: int, now: datetime) -> None:
    ann = await s.get(Announcement, ann_id)
    if ann is not None and ann.status == SENDING:
        ann.status, ann.finished_at = DONE, now


async def page(s: AsyncSession, viewer: Person, number: int) -> tuple[list[Announcement], int, int]:
    """Announcements the viewer may see, newest first: (this page, page number used, pages)."""
    scope = await scope_of(s, viewer)
    anns = (
        await s.execute(select(Announcement).order_by(Announcement.created_at.desc(), Announcement.id.desc()))
    ).scalars()
    visible = [a for a in anns if may_see(a, scope, viewer)]
    pages = max(1, -(-len(visible) // PAGE_SIZE))
    number = min(max(number, 0), pages - 1)
    return visible[number * PAGE_SIZE : (number + 1) * PAGE_SIZE], number, pages


@dataclass
class Unreached:
    """Recipients of one team not reached, and the team's leads the viewer may ask to tell them."""

    slug: str  # '' = in no team
    names: list[str]
    leads: list[str] = field(default_factory=list)  # reachable leads other than the viewer


async def unreachable_by_team(s: AsyncSession, viewer: Person | None, ann: Announcement) -> list[Unreached]:
    """Names of recipients not reached, per team (slug order, people without a team last), so they can be
    reached otherwise. A lead sees only the teams they lead; a manager sees all, people without a team included.
    Nobody (the sender erased, or no longer a lead) sees no names.
    """
    if viewer is None:
        return []
    try:
        scope = await scope_of(s, viewer)
    except Refusal:
        return []
    rows = await s.execute(
        select(Team.slug, Person.display_name)
        .select_from(Outbox)
        .join(Person, Person.id == Outbox.person_id)
        .outerjoin(Membership, Membership.person_id == Person.id)
        .outerjoin(Team, Team.id == Membership.team_id)
        .where(Outbox.announcement_id == ann.id, Outbox.status == outbox.UNREACHABLE)
        .where(true() if scope.manager else Membership.team_id.in_(scope.team_ids))
        .order_by(Team.slug, Person.display_name)
    )
    by_slug: dict[str, Unreached] = {}
    for slug, name in rows.all():
        by_slug.setdefault(slug or "", Unreached(slug or "", [])).names.append(name)
    leads = await s.execute(
        select(Team.slug, Person.display_name)
        .join(Membership, Membership.team_id == Team.id)
        .join(Person, Person.id == Membership.person_id)
        .where(Team.slug.in_(list(by_slug)), Membership.role == LEAD, Person.unreachable_at.is_(None))
        .where(Person.id != viewer.id)
        .order_by(Person.display_name)
    )
    for slug, name in leads.all():
        by_slug[slug].leads.append(name)
    return sorted(by_slug.values(), key=lambda u: (u.slug == "", u.slug))
