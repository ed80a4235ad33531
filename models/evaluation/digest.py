"""The monthly digest: last month's figures for the project manager (every team) and each lead (their teams).

Nothing here touches Telegram. On the first day of a month, from the configured local time on, `plan` puts one
outbox row per recipient with the dedupe key `digest:<YYYY-MM>:<person>`, so the digest goes out once even
across restarts and with two processes; the figures are computed when the row is sent (`month_figures`).
A bot that was stopped on the first still sends in the first days of the month (`LATE_DAYS`), not later:
a digest of October arriving in mid-November would only confuse.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import outbox
from models.evaluation import releases
from models.evaluation.common import half_up
from models.evaluation.disclosure import Sum, protect
from models.evaluation.shapes import Cell
from models.ideas.core import MERGED
from models.meetings.core import CANCELLED
from models.outbox import NewMessage
from models.reports.suppression import min_people
from models.tables import Idea, IdeaCode, IdeaEvent, Meeting, Membership, Person, Rsvp, SurveyAnswer
from models.teams import LEAD

DIGEST = "digest"  # the outbox kind
HIDDEN = Cell(None, None, True)
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


ZERO = Cell(0, 0)


@dataclass
class MonthFigures:
    """What a digest shows, each number with the people behind it (`Cell`, hidden: `suppressed`); `by_bar` feeds
    its one chart (label → attendees incl. guests). A released figure (docs/evaluation.md, "Who sees what")."""

    meetings: Cell = ZERO  # people: members present and guests, as for the attendees
    attendees: Cell = ZERO  # present members plus guests, summed over meetings
    hours: Cell = ZERO  # attendees × duration
    new_ideas: Cell = ZERO  # people: the authors (an idea without a known author counts as one)
    implemented: Cell = ZERO
    top_factor: tuple[str, int] | None = None
    top_obstacle: tuple[str, int] | None = None
    coded_sources: int = 0  # survey answers and ideas that named codes
    by_bar: list[tuple[str, Cell]] = field(default_factory=list)


def _in_scope(column, teams: Sequence[int] | None):  # type: ignore[no-untyped-def]
    return True if teams is None else column.in_(list(teams))


@dataclass
class _Group:
    """Meetings counted together (the whole scope, a team, a meeting day): attendances, hours, people."""

    meetings: int = 0
    attendees: int = 0
    hours: float = 0.0
    guests: int = 0
    members: set[int] = field(default_factory=set)

    def add(self, m: Meeting, present: set[int]) -> None:
        came = len(present) + (m.guests or 0)
        self.meetings += 1
        self.attendees += came
        self.hours += came * (m.duration_min or 0) / 60
        self.guests += m.guests or 0
        self.members |= present

    @property
    def people(self) -> int:
        return len(self.members) + self.guests


def scope_key(teams: Sequence[int] | None) -> str:
    """How a digest's figures are named in the release memory: "all", or the teams ("t3", "t3,5")."""
    return "all" if teams is None else "t" + ",".join(str(t) for t in sorted(teams))


async def month_figures(
    s: AsyncSession,
    month: Month,
    teams: Sequence[int] | None,
    team_names: dict[int, str],
    tz: ZoneInfo,
    now: datetime | None = None,
) -> MonthFigures:
    """Last month's meetings, attendance, engagement hours, ideas and the most named codes for the teams, under
    disclosure control: a number behind fewer than min_people people is hidden, the total of the chart's bars
    never gives a hidden bar away (models/evaluation/disclosure.py), the hours (attendees × each meeting's
    known duration) are hidden with any bar. With `now` (a digest being sent), a number already released for
    the month changes only when at least min_people people stand behind the change (models/evaluation/
    releases.py)."""
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
    present: dict[int, set[int]] = defaultdict(set)
    if meetings:
        rows = await s.execute(
            select(Rsvp.meeting_id, Rsvp.person_id).where(
                Rsvp.meeting_id.in_([m.id for m in meetings]), Rsvp.attended.is_(True)
            )
        )
        for meeting_id, person_id in rows:
            present[meeting_id].add(person_id)
    per_team = teams is None or len(teams) > 1
    whole = _Group()
    bars: dict[str, _Group] = {}
    bar_keys: dict[str, str] = {}
    for m in meetings:
        whole.add(m, present[m.id])
        if per_team:
            label, key = team_names.get(m.team_id, "?"), f"t{m.team_id}"
        else:
            label = m.starts_at.astimezone(tz).strftime("%d.%m.")
            key = f"{scope_key(teams)}:{m.starts_at.astimezone(tz).date().isoformat()}"
        bars.setdefault(label, _Group()).add(m, present[m.id])
        bar_keys[label] = key
    order = list(bars) if not per_team else sorted(bars, key=lambda label: (-bars[label].attendees, label))
    ideas = await _ideas(s, month, teams)
    memory = await releases.recall(s, f"{DIGEST}:{month.key}") if now is not None else releases.Memory("")
    own = scope_key(teams)

    def released(key: str, value: float, people: int) -> Cell:
        return memory.decide(key, Cell(value, people)) if now is not None else Cell(value, people)

    cells = [
        released(f"{own}:meetings", whole.meetings, whole.people),
        released(f"{own}:attendees", whole.attendees, whole.people),
        released(f"{own}:hours", half_up(whole.hours, 2), whole.people),
        released(f"{own}:new_ideas", *ideas[0]),
        released(f"{own}:implemented", *ideas[1]),
        *(released(f"{bar_keys[label]}:attendees", bars[label].attendees, bars[label].people) for label in order),
    ]
    if now is not None:
        await releases.keep(s, memory, now)
    cells = [Cell.of(c.value, c.n) if not c.suppressed and c.n is not None else c for c in cells]  # primary
    bar_cells = list(range(5, len(cells)))
    sums = [Sum(1, tuple(bar_cells))] if bar_cells else []
    hidden = protect([c.value for c in cells], [c.suppressed for c in cells], sums)
    cells = [HIDDEN if h else c for c, h in zip(cells, hidden, strict=True)]
    if any(cells[i].suppressed for i in (1, *bar_cells)):
        cells[2] = HIDDEN  # the hours would tell a hidden bar: each meeting's duration is known to the reader
    out = MonthFigures(
        meetings=cells[0],
        attendees=cells[1],
        hours=cells[2],
        new_ideas=cells[3],
        implemented=cells[4],
        by_bar=[(label, cells[5 + i]) for i, label in enumerate(order)],
    )
    await _top_codes(s, out, month, teams, [m.id for m in meetings])
    return out


async def _ideas(
    s: AsyncSession, month: Month, teams: Sequence[int] | None
) -> tuple[tuple[int, int], tuple[int, int]]:
    """New ideas of the month and ideas implemented in it, each with its authors (one per unknown author)."""
    in_month = and_(Idea.created_at >= month.start, Idea.created_at < month.end, Idea.status != MERGED)
    new = list(
        (await s.execute(select(Idea.id, Idea.author_id).where(in_month, _in_scope(Idea.team_id, teams)))).all()
    )
    done = list(
        (
            await s.execute(
                select(Idea.id, Idea.author_id)
                .join(IdeaEvent, Idea.id == IdeaEvent.idea_id)
                .where(
                    IdeaEvent.kind == "status",
                    IdeaEvent.status == "implemented",
                    IdeaEvent.at >= month.start,
                    IdeaEvent.at < month.end,
                    Idea.status != MERGED,
                    _in_scope(Idea.team_id, teams),
                )
                .distinct()
            )
        ).all()
    )

    def counted(rows: list[Any]) -> tuple[int, int]:
        authors = {("person", a) if a is not None else ("idea", i) for i, a in rows}
        return len(rows), len(authors)

    return counted(new), counted(done)


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
