"""The monthly digest: last month's figures for the project manager (every team) and each lead (their teams).

Nothing here touches Telegram. On the first day of a month, from the configured local time on, `plan` puts one
outbox row per recipient with the dedupe key `digest:<YYYY-MM>:<person>`, so the digest goes out once even
across restarts and with two processes; the figures are computed when the row is sent (`month_figures`).
A bot that was stopped on the first still sends in the first days of the month (`LATE_DAYS`), not later:
a digest of October arriving in mid-November would only confuse.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import outbox
from models.ideas.core import MERGED
from models.meetings.core import CANCELLED
from models.outbox import NewMessage
from models.reports.suppression import min_people
from models.tables import Idea, IdeaCode, IdeaEvent, Meeting, Membership, Person, Rsvp, SurveyAnswer
from models.teams import LEAD

DIGEST = "digest"  # the outbox kind
LATE_DAYS = 3  # a digest not planned by the end of the month's third day is skipped


@dataclass(frozen=True)
class Month:
    """A local calendar month as UTC instants [start, end)."""

    key: str  # "2026-11"
    first: date
    start: datetime
    end: datetime


def month_of(first: date, tz: ZoneInfo) -> Month:
    first = first.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    start = datetime.combine(first, time(), tz)
    end = datetime.combine(following, time(), tz)
    return Month(first.strftime("%Y-%m"), first, start, end)


def month_by_key(key: str, tz: ZoneInfo) -> Month | None:
    try:
        year, month = (int(x) for x in key.split("-"))
        return month_of(date(year, month, 1), tz)
    except ValueError:
        return None


def due_month(now: datetime, tz: ZoneInfo, at: time) -> Month | None:
    """The month whose digest is due now (the previous local month), or None outside the sending window."""
    local = now.astimezone(tz)
    if local.day > LATE_DAYS or (local.day == 1 and local.time() < at):
        return None
    return month_of((local.date().replace(day=1) - timedelta(days=1)), tz)


async def recipients(s: AsyncSession) -> list[Person]:
    """Managers and team leads who did not switch the digest off, each once."""
    leads = select(Membership.person_id).where(Membership.role == LEAD)
    query = (
        select(Person)
        .where(Person.digest_opt_out.is_(False), (Person.is_manager.is_(True)) | Person.id.in_(leads))
        .order_by(Person.id)
    )
    return list((await s.execute(query)).scalars())


async def plan(s: AsyncSession, now: datetime, tz: ZoneInfo, at: time, expiry: timedelta) -> int:
    """Plan the due month's digest for every recipient; returns the rows added (0 when already planned)."""
    month = due_month(now, tz, at)
    if month is None:
        return 0
    people = await recipients(s)
    messages = [
        NewMessage(
            DIGEST,
            p.telegram_id,
            now,
            person_id=p.id,
            payload={"month": month.key},
            dedupe_key=f"{DIGEST}:{month.key}:{p.id}",
            priority=6,
            expires_at=now + expiry,
        )
        for p in people
    ]
    return await outbox.enqueue(s, messages, now)


def set_opt_out(person: Person, value: bool) -> bool:
    """Switch the digest off (True) or on; False when it already was so."""
    changed = person.digest_opt_out != value
    person.digest_opt_out = value
    return changed


async def scope_of(s: AsyncSession, person: Person) -> list[int] | None:
    """The teams a digest covers: None (all) for a manager, the led teams for a lead ([] for neither)."""
    if person.is_manager:
        return None
    rows = await s.execute(select(Membership.team_id).where(Membership.person_id == person.id, Membership.role == LEAD))
    return sorted(rows.scalars())


@dataclass
class MonthFigures:
    """What a digest shows; `by_bar` feeds its one chart (label → attendees incl. guests)."""

    meetings: int = 0
    attendees: int = 0  # present members plus guests, summed over meetings
    hours: float = 0.0  # attendees × duration
    new_ideas: int = 0
    implemented: int = 0
    top_factor: tuple[str, int] | None = None
    top_obstacle: tuple[str, int] | None = None
    coded_sources: int = 0  # survey answers and ideas that named codes
    by_bar: list[tuple[str, int]] = field(default_factory=list)


def _in_scope(column, teams: Sequence[int] | None):  # type: ignore[no-untyped-def]
    return True if teams is None else column.in_(list(teams))


async def month_figures(
    s: AsyncSession, month: Month, teams: Sequence[int] | None, team_names: dict[int, str], tz: ZoneInfo
) -> MonthFigures:
    """Last month's meetings, attendance, engagement hours, ideas and the most named codes for the teams."""
    out = MonthFigures()
    meetings = list(
        (
            await s.execute(
                select(Meeting)
                .where(
                    Meeting.starts_at >= month.start,
                    Meeting.starts_at < month.end,
                    Meeting.status != CANCELLED,
                    _in_scope(Meeting.team_id, teams),
                )
                .order_by(Meeting.starts_at, Meeting.id)
            )
        ).scalars()
    )
    present: dict[int, int] = {}
    if meetings:
        present = dict(
            (
                await s.execute(
                    select(Rsvp.meeting_id, func.count())
                    .where(Rsvp.meeting_id.in_([m.id for m in meetings]), Rsvp.attended.is_(True))
                    .group_by(Rsvp.meeting_id)
                )
            ).all()
        )
    bars: Counter[str] = Counter()
    per_team = teams is None or len(teams) > 1
    for m in meetings:
        came = present.get(m.id, 0) + (m.guests or 0)
        out.meetings += 1
        out.attendees += came
        out.hours += came * (m.duration_min or 0) / 60
        label = team_names.get(m.team_id, "?") if per_team else m.starts_at.astimezone(tz).strftime("%d.%m.")
        bars[label] += came
    out.by_bar = list(bars.items()) if not per_team else sorted(bars.items(), key=lambda kv: (-kv[1], kv[0]))
    in_month = and_(Idea.created_at >= month.start, Idea.created_at < month.end, Idea.status != MERGED)
    out.new_ideas = int(
        (
            await s.execute(select(func.count()).select_from(Idea).where(in_month, _in_scope(Idea.team_id, teams)))
        ).scalar_one()
    )
    out.implemented = int(
        (
            await s.execute(
                select(func.count(func.distinct(IdeaEvent.idea_id)))
                .join(Idea, Idea.id == IdeaEvent.idea_id)
                .where(
                    IdeaEvent.kind == "status",
                    IdeaEvent.status == "implemented",
                    IdeaEvent.at >= month.start,
                    IdeaEvent.at < month.end,
                    Idea.status != MERGED,
                    _in_scope(Idea.team_id, teams),
                )
            )
        ).scalar_one()
    )
    await _top_codes(s, out, month, teams, [m.id for m in meetings])
    return out


async def _top_codes(
    s: AsyncSession, out: MonthFigures, month: Month, teams: Sequence[int] | None, meeting_ids: list[int]
) -> None:
    """The most named factor and obstacle from last month's survey answers and coded ideas, each shown only when
    at least min_people people stand behind it (respondents; the authors of coded ideas, an unknown one per idea),
    as in the report: a code one person named is theirs alone."""
    named: dict[str, Counter[str]] = {"factor": Counter(), "obstacle": Counter()}
    people: dict[tuple[str, str], set[tuple[str, int]]] = {}
    if meeting_ids:
        rows = await s.execute(
            select(SurveyAnswer.id, SurveyAnswer.person_id, SurveyAnswer.factors, SurveyAnswer.obstacles).where(
                SurveyAnswer.meeting_id.in_(meeting_ids)
            )
        )
        for answer_id, person_id, factors, obstacles in rows:
            who = ("person", person_id) if person_id is not None else ("answer", answer_id)
            for kind, codes in (("factor", factors or []), ("obstacle", obstacles or [])):
                named[kind].update(codes)
                for code in codes:
                    people.setdefault((kind, code), set()).add(who)
    coded = await s.execute(
        select(IdeaCode.idea_id, IdeaCode.kind, IdeaCode.code, Idea.author_id)
        .join(Idea, Idea.id == IdeaCode.idea_id)
        .where(
            IdeaCode.created_at >= month.start,
            IdeaCode.created_at < month.end,
            Idea.status != MERGED,
            _in_scope(Idea.team_id, teams),
        )
    )
    for idea_id, kind, code, author_id in coded:
        if kind in named:
            named[kind][code] += 1
            who = ("person", author_id) if author_id is not None else ("idea", idea_id)
            people.setdefault((kind, code), set()).add(who)
    out.coded_sources = len(set().union(*people.values())) if people else 0
    for kind, counter in named.items():
        shown = [(code, n) for code, n in counter.items() if len(people.get((kind, code), ())) >= min_people()]
        if shown:
            top = sorted(shown, key=lambda kv: (-kv[1], kv[0]))[0]
            if kind == "factor":
                out.top_factor = top
            else:
                out.top_obstacle = top
