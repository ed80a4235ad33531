"""What the project manager reports: participation by town and group, ideas, meetings, absences, reach.

Nothing here touches Telegram: the chat, the command line and the HTML report get the same plain dataclasses.
Only a project manager may read them (`require_reader`); the command line passes `OPERATOR`, because whoever
can run it on the server can read the database file anyway. Counts are of people still registered (an
erased person is gone) and of ideas (which keep their author's group and town after erasure).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import outbox
from models.announcements import core as announcements
from models.announcements.reports import Tally
from models.errors import Refusal
from models.meetings.core import CANCELLED
from models.tables import Announcement, Idea, Meeting, Membership, Outbox, Person, Rsvp, Team
from models.teams import LEAD

UNKNOWN = "unknown"
NO_REASON = "none"  # an Absage without a reason
DELIVERY_STATES = (outbox.SENT, outbox.UNREACHABLE, outbox.FAILED)


class Operator:
    """The person at the command line: trusted like the database file they can read."""


OPERATOR = Operator()
Viewer = Person | Operator


def require_reader(viewer: Viewer) -> None:
    """Statistics, exports and the audit log are for project managers (and the operator) only."""
    if isinstance(viewer, Operator):
        return
    if not viewer.is_manager:
        raise Refusal("errors.managers_only")


@dataclass(frozen=True)
class Scope:
    """Optional filters: rows from `since` on (meetings by start, the rest by creation) and one team."""

    since: datetime | None = None
    team_slug: str | None = None
    team_id: int | None = None

    @property
    def empty(self) -> bool:
        return self.since is None and self.team_slug is None


async def resolve_scope(s: AsyncSession, since: datetime | None, team_slug: str | None) -> Scope:
    """Check the filters once: an unknown team is refused instead of silently exporting nothing."""
    if since is not None and since.tzinfo is None:
        raise ValueError("since must be an aware datetime")
    if not team_slug:
        return Scope(since=since)
    team_id = (await s.execute(select(Team.id).where(Team.slug == team_slug))).scalar_one_or_none()
    if team_id is None:
        raise Refusal("reports.unknown_team", team=team_slug)
    return Scope(since=since, team_slug=team_slug, team_id=team_id)


@dataclass
class TeamMix:
    slug: str
    field_of_action: str
    members: int = 0
    leads: int = 0
    by_town: Counter[str] = field(default_factory=Counter)


@dataclass
class MemberStats:
    total: int = 0
    by_town_group: Counter[tuple[str, str]] = field(default_factory=Counter)
    teams: list[TeamMix] = field(default_factory=list)

    def by_town(self) -> Counter[str]:
        out: Counter[str] = Counter()
        for (town, _group), n in self.by_town_group.items():
            out[town] += n
        return out

    def by_group(self) -> Counter[str]:
        out: Counter[str] = Counter()
        for (_town, group), n in self.by_town_group.items():
            out[group] += n
        return out


@dataclass
class IdeaStats:
    total: int = 0
    by_field_status: Counter[tuple[str, str]] = field(default_factory=Counter)

    def by_status(self) -> Counter[str]:
        out: Counter[str] = Counter()
        for (_field, status), n in self.by_field_status.items():
            out[status] += n
        return out


@dataclass
class MonthAttendance:
    month: str  # "2026-11", in the project's time zone
    meetings: int = 0
    attended_by_town: Counter[str] = field(default_factory=Counter)
    guests: int = 0


@dataclass
class MeetingStats:
    scheduled: int = 0  # not cancelled, all times
    held: int = 0  # not cancelled and started
    cancelled: int = 0
    recorded: int = 0  # held, with attendance recorded by the lead
    invited: int = 0  # invitations to recorded meetings
    attended: int = 0
    guests: int = 0
    attended_by_town: Counter[str] = field(default_factory=Counter)
    months: list[MonthAttendance] = field(default_factory=list)

    @property
    def attendance_rate(self) -> float | None:
        """Share of invited members who came, over meetings whose attendance was recorded."""
        return self.attended / self.invited if self.invited else None


@dataclass
class AbsenceStats:
    declined: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    absent_after_yes: int = 0  # said yes, recorded as not there


@dataclass
class AnnouncementReach:
    id: int
    created_at: datetime
    status: str
    recipients: int
    delivered: int = 0
    unreachable: int = 0
    failed: int = 0
    open: int = 0


@dataclass
class ReachStats:
    announcements: list[AnnouncementReach] = field(default_factory=list)  # sent (or being sent) only
    scheduled: int = 0  # planned, not yet due
    called_off: int = 0  # planned, then called off: nothing went out

    def total(self, what: str) -> int:
        return sum(int(getattr(a, what)) for a in self.announcements)


@dataclass
class Overview:
    generated_at: datetime
    scope: Scope
    members: MemberStats
    ideas: IdeaStats
    meetings: MeetingStats
    absences: AbsenceStats
    reach: ReachStats


def _since(q: Any, column: Any, scope: Scope) -> Any:
    return q.where(column >= scope.since) if scope.since is not None else q


async def member_stats(s: AsyncSession, scope: Scope) -> MemberStats:
    """Complete registrations by town × group, and every team's size, leads and town mix."""
    q = select(Person.town, Person.stakeholder_group, func.count()).where(
        Person.town.is_not(None), Person.stakeholder_group.is_not(None)
    )
    if scope.team_id is not None:
        q = q.where(Person.id.in_(select(Membership.person_id).where(Membership.team_id == scope.team_id)))
    q = _since(q, Person.created_at, scope).group_by(Person.town, Person.stakeholder_group)
    out = MemberStats()
    for town, group, n in await s.execute(q):
        out.by_town_group[(town, group)] += n
        out.total += n
    teams = select(Team.id, Team.slug, Team.field).order_by(Team.id)
    if scope.team_id is not None:
        teams = teams.where(Team.id == scope.team_id)
    mixes = {tid: TeamMix(slug, fld) for tid, slug, fld in await s.execute(teams)}
    rows = (
        select(Membership.team_id, Membership.role, Person.town, func.count())
        .join(Person, Person.id == Membership.person_id)
        .group_by(Membership.team_id, Membership.role, Person.town)
    )
    for team_id, role, town, n in await s.execute(_since(rows, Membership.joined_at, scope)):
        mix = mixes.get(team_id)
        if mix is not None:
            mix.members += n
            mix.leads += n if role == LEAD else 0
            mix.by_town[town or UNKNOWN] += n
    out.teams = list(mixes.values())
    return out


async def idea_stats(s: AsyncSession, scope: Scope) -> IdeaStats:
    q = select(Idea.field, Idea.status, func.count()).group_by(Idea.field, Idea.status)
    q = q.where(Idea.status != "merged")  # a merged idea lives on in the one it was merged into: counted once
    if scope.team_id is not None:
        q = q.where(Idea.team_id == scope.team_id)
    out = IdeaStats()
    for fld, status, n in await s.execute(_since(q, Idea.created_at, scope)):
        out.by_field_status[(fld, status)] = n
        out.total += n
    return out


def _meetings_query(scope: Scope) -> Any:
    q = select(Meeting.id, Meeting.status, Meeting.starts_at, Meeting.guests, Meeting.attendance_recorded_at)
    if scope.team_id is not None:
        q = q.where(Meeting.team_id == scope.team_id)
    return _since(q, Meeting.starts_at, scope).order_by(Meeting.starts_at)


async def meeting_stats(s: AsyncSession, scope: Scope, now: datetime, tz: ZoneInfo) -> MeetingStats:
    """Meetings held, and attendance (rate, town mix, per month) where the lead recorded it."""
    out = MeetingStats()
    months: dict[str, MonthAttendance] = {}
    month_of: dict[int, str] = {}
    for mid, status, starts_at, guests, recorded_at in await s.execute(_meetings_query(scope)):
        if status == CANCELLED:
            out.cancelled += 1
            continue
        out.scheduled += 1
        if starts_at > now:
            continue
        out.held += 1
        month = starts_at.astimezone(tz).strftime("%Y-%m")
        slot = months.setdefault(month, MonthAttendance(month))
        slot.meetings += 1
        if recorded_at is not None:
            out.recorded += 1
            out.guests += guests
            slot.guests += guests
            month_of[mid] = month
    if month_of:
        rows = await s.execute(
            select(Rsvp.meeting_id, Rsvp.attended, Person.town)
            .join(Person, Person.id == Rsvp.person_id)
            .where(Rsvp.meeting_id.in_(list(month_of)))
        )
        for mid, attended, town in rows:
            out.invited += 1
            if attended:
                out.attended += 1
                out.attended_by_town[town or UNKNOWN] += 1
                months[month_of[mid]].attended_by_town[town or UNKNOWN] += 1
    out.months = [months[m] for m in sorted(months)]
    return out


async def absence_stats(s: AsyncSession, scope: Scope) -> AbsenceStats:
    """Why people said no (the evidence on obstacles), and how many said yes but did not come."""
    q = select(Rsvp.answer, Rsvp.reason, Rsvp.attended, Meeting.attendance_recorded_at).join(
        Meeting, Meeting.id == Rsvp.meeting_id
    )
    q = q.where(Meeting.status != CANCELLED)
    if scope.team_id is not None:
        q = q.where(Meeting.team_id == scope.team_id)
    out = AbsenceStats()
    for answer, reason, attended, recorded_at in await s.execute(_since(q, Meeting.starts_at, scope)):
        if answer == "no":
            out.declined += 1
            out.reasons[reason or NO_REASON] += 1
        elif answer == "yes" and recorded_at is not None and not attended:
            out.absent_after_yes += 1
    return out


async def reach_stats(s: AsyncSession, scope: Scope) -> ReachStats:
    """Per sent announcement: delivered, unreachable (blocked the bot), failed, still open.

    Planned and called-off announcements sent nothing: they are only counted, so their rows never pass as
    open (planned) or as an audience that got nothing (called off).
    """
    q = select(Announcement).order_by(Announcement.created_at, Announcement.id)
    result: dict[int, AnnouncementReach] = {}
    out = ReachStats()
    for a in (await s.execute(_since(q, Announcement.created_at, scope))).scalars():
        if scope.team_id is not None and scope.team_id not in (a.audience or {}).get("teams", []):
            continue
        if a.status == announcements.SCHEDULED:
            out.scheduled += 1
        elif a.status == announcements.CANCELLED:
            out.called_off += 1
        else:
            result[a.id] = AnnouncementReach(a.id, a.created_at, a.status, a.recipients)
    if result:
        rows = await s.execute(
            select(Outbox.announcement_id, Outbox.status, func.count())
            .where(Outbox.announcement_id.in_(list(result)))
            .group_by(Outbox.announcement_id, Outbox.status)
        )
        tallies: dict[int, Tally] = {aid: Tally() for aid in result}
        for aid, status, n in rows:
            tallies[aid or 0].add(status, n)  # one classification of outcomes, shared with /announcements
        for aid, tally in tallies.items():
            reach = result[aid]
            reach.delivered, reach.unreachable, reach.failed, reach.open = (
                tally.delivered,
                tally.unreachable,
                tally.failed,
                tally.open,
            )
    out.announcements = list(result.values())
    return out


async def overview(s: AsyncSession, viewer: Viewer, scope: Scope, now: datetime, tz: ZoneInfo) -> Overview:
    """Everything at once, for /stats, /report and `actionbot stats`."""
    require_reader(viewer)
    return Overview(
        generated_at=now,
        scope=scope,
        members=await member_stats(s, scope),
        ideas=await idea_stats(s, scope),
        meetings=await meeting_stats(s, scope, now, tz),
        absences=await absence_stats(s, scope),
        reach=await reach_stats(s, scope),
    )
