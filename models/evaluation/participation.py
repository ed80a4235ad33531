"""Figures from who came to which meeting: across towns, engagement hours, staying power (data: attendance.py).

A member counts as present when the lead recorded them at a meeting that took place (not cancelled, attendance
recorded), as in the view v_attendance; guests without Telegram come from the meeting's headcount.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.evaluation import ideas as idea_figures
from models.evaluation.attendance import Attendance, Held, Presence, load
from models.evaluation.common import add_row, half_up, month, set_people, share, within
from models.evaluation.shapes import (
    ALL,
    GUESTS,
    NO_REASON,
    NO_SHOW,
    UNKNOWN,
    CrossTown,
    Engagement,
    StayingPower,
    Table,
    table,
)
from models.reports.codebook import Vocabulary
from models.tables import Membership, Person, Team


async def cross_town(
    s: AsyncSession,
    since: datetime | None,
    until: datetime | None,
    vocab: Vocabulary,
    suppress: bool,
    loaded: Attendance | None = None,
) -> CrossTown:
    _held, present = (loaded or await load(s)).period(since, until)
    return CrossTown(
        ideas=await idea_figures.ideas_towns(s, since, until, vocab, suppress),
        meetings=_meetings_towns(present, vocab, suppress),
        team_mix=await _team_mix(s, since, until, vocab, suppress),
        travel=_travel(present, vocab, suppress),
    )


def _meetings_towns(present: list[Presence], vocab: Vocabulary, suppress: bool) -> Table:
    """Meetings with members present, and those whose present members live in two or more towns."""
    t = table("meetings_towns", ("team",), ("meetings", "multi_town", "share_pct"), vocab)
    by_meeting: dict[Held, list[Presence]] = defaultdict(list)
    for p in present:
        by_meeting[p.meeting].append(p)
    teams: dict[str, list[tuple[Held, list[Presence]]]] = defaultdict(list)
    for meeting, people in by_meeting.items():
        teams[meeting.team].append((meeting, people))
        teams[ALL].append((meeting, people))
    for team in _ordered(teams):
        meetings = teams[team]
        multi = [(m, ps) for m, ps in meetings if len({p.town for p in ps if p.town != UNKNOWN}) >= 2]
        n_all = len({p.person for _, ps in meetings for p in ps})
        n_multi = len({p.person for _, ps in multi for p in ps})
        cells = [(len(meetings), n_all), (len(multi), n_multi), (share(len(multi), len(meetings)), n_multi)]
        add_row(t, (team,), cells, vocab, suppress)
    set_people(t, len({p.person for p in present}), suppress)
    return t


async def _team_mix(
    s: AsyncSession, since: datetime | None, until: datetime | None, vocab: Vocabulary, suppress: bool
) -> Table:
    """Each team's members by home town × group at the end of every month in which someone joined it.

    Leaving deletes the membership, so only today's members are counted, from the month they joined."""
    t = table("team_mix", ("team", "month", "town", "group"), ("members",), vocab, "left_not_recorded")
    rows = await s.execute(
        select(Team.slug, Membership.person_id, Membership.joined_at, Person.town, Person.stakeholder_group)
        .join(Team, Team.id == Membership.team_id)
        .join(Person, Person.id == Membership.person_id)
    )
    members: dict[str, list[tuple[str, int, str, str]]] = defaultdict(list)
    changes: dict[str, set[str]] = defaultdict(set)  # team -> months in which someone joined, within the period
    for slug, pid, joined, town, group in rows:
        members[slug].append((month(joined), pid, town or UNKNOWN, group or UNKNOWN))
        if within(joined, since, until):
            changes[slug].add(month(joined))
    seen: set[int] = set()
    for team in sorted(changes):
        for at in sorted(changes[team]):
            cells: dict[tuple[str, str], set[int]] = defaultdict(set)
            for joined_month, pid, town, group in members[team]:
                if joined_month <= at:
                    cells[(town, group)].add(pid)
                    seen.add(pid)
            for (town, group), people in sorted(cells.items()):
                add_row(t, (team, at, town, group), [(len(people), len(people))], vocab, suppress)
    set_people(t, len(seen), suppress)
    return t


def _travel(present: list[Presence], vocab: Vocabulary, suppress: bool) -> Table:
    """Home town × meeting town ('online' for online meetings): attendances and the people behind them."""
    t = table("travel", ("home_town", "meeting_town"), ("attendances", "people"), vocab)
    cells: dict[tuple[str, str], list[int]] = defaultdict(list)
    for p in present:
        cells[(p.town, p.meeting.town)].append(p.person)
    for key, people in sorted(cells.items()):
        n = len(set(people))
        add_row(t, key, [(len(people), n), (n, n)], vocab, suppress)
    set_people(t, len({p.person for p in present}), suppress)
    return t


def _ordered(keys: Iterable[str]) -> list[str]:
    """Codes sorted, the total row last."""
    return [*sorted(k for k in keys if k != ALL), *([ALL] if ALL in keys else [])]


async def engagement(
    s: AsyncSession,
    since: datetime | None,
    until: datetime | None,
    vocab: Vocabulary,
    suppress: bool,
    loaded: Attendance | None = None,
) -> Engagement:
    held, present = (loaded or await load(s)).period(since, until)
    by_month = table("hours_by_month", ("month",), ("hours", "members", "guests"), vocab)
    months: dict[str, list[Held]] = defaultdict(list)
    for m in held:
        months[m.month].append(m)
    presences: dict[str, list[Presence]] = defaultdict(list)
    for p in present:
        presences[p.meeting.month].append(p)
    for at in sorted(months):
        here = presences[at]
        members = len({p.person for p in here})
        guests = sum(m.guests for m in months[at])
        hours = sum(p.meeting.duration_min / 60 for p in here) + sum(m.guest_hours for m in months[at])
        cells = [(half_up(hours, 2), members + guests), (members, members), (guests, guests)]
        add_row(by_month, (at,), cells, vocab, suppress)
    set_people(by_month, len({p.person for p in present}) + sum(m.guests for m in held), suppress)
    return Engagement(
        by_month=by_month,
        by_group=_hours_by(held, present, "group", vocab, suppress),
        by_town=_hours_by(held, present, "town", vocab, suppress),
    )


def _hours_by(held: list[Held], present: list[Presence], what: str, vocab: Vocabulary, suppress: bool) -> Table:
    """Hours per month × group (or home town), and per group over the whole period (month ALL); guests without
    Telegram are a group and a town of their own."""
    t = table(f"hours_by_{what}", ("month", what), ("hours",), vocab)
    hours: dict[tuple[str, str], float] = defaultdict(float)
    people: dict[tuple[str, str], set[int]] = defaultdict(set)
    for p in present:
        key = (p.meeting.month, p.group if what == "group" else p.town)
        hours[key] += p.meeting.duration_min / 60
        people[key].add(p.person)
    guests: dict[tuple[str, str], int] = defaultdict(int)
    for m in held:
        if m.guests:
            hours[(m.month, GUESTS)] += m.guest_hours
            guests[(m.month, GUESTS)] += m.guests
    for key in list(hours):  # the period's total per group (or town): the report's sums, protected like a cell
        total = (ALL, key[1])
        hours[total] += hours[key]
        people[total] |= people[key]
        guests[total] += guests[key]
    for key in sorted(hours, key=lambda k: (k[0] == ALL, k)):
        n = guests[key] if key[1] == GUESTS else len(people[key])
        add_row(t, key, [(half_up(hours[key], 2), n)], vocab, suppress)
    set_people(t, len({p.person for p in present}) + sum(m.guests for m in held), suppress)
    return t


async def staying_power(
    s: AsyncSession,
    since: datetime | None,
    until: datetime | None,
    vocab: Vocabulary,
    suppress: bool,
    loaded: Attendance | None = None,
) -> StayingPower:
    data = loaded or await load(s)
    every = data.present
    first: dict[int, str] = {}
    last: dict[int, str] = {}
    for p in every:
        first[p.person] = min(first.get(p.person, p.meeting.month), p.meeting.month)
        last[p.person] = max(last.get(p.person, p.meeting.month), p.meeting.month)
    _held, present = data.period(since, until)
    t = table("active_by_month", ("month",), ("active", "first_time", "returners", "not_again"), vocab)
    months: dict[str, set[int]] = defaultdict(set)
    for p in present:
        months[p.meeting.month].add(p.person)
    for at in sorted(months):
        people = months[at]
        new = len([x for x in people if first[x] == at])
        back = len([x for x in people if first[x] < at])
        gone = len([x for x in people if last[x] == at])
        add_row(t, (at,), [(len(people), len(people)), (new, new), (back, back), (gone, gone)], vocab, suppress)
    set_people(t, len({p.person for p in present}), suppress)
    return StayingPower(months=t, dropoff=_dropoff(data, since, until, vocab, suppress))


def _dropoff(
    data: Attendance, since: datetime | None, until: datetime | None, vocab: Vocabulary, suppress: bool
) -> Table:
    """Absences of people after their last attendance (they had come before), by the reason they gave.

    An absence: declined (with its reason, or none), or not declined and recorded as not there ('no_show')."""
    t = table("dropoff_reasons", ("reason",), ("people", "absences"), vocab)
    first: dict[int, datetime] = {}
    last: dict[int, datetime] = {}
    for p in data.present:
        at = p.meeting.starts_at
        first[p.person] = min(first.get(p.person, at), at)
        last[p.person] = max(last.get(p.person, at), at)
    absences: list[tuple[int, str, datetime]] = []
    for i in data.invitations:
        if not i.attended and (i.answer == "no" or i.recorded):
            absences.append((i.person, (i.reason or NO_REASON) if i.answer == "no" else NO_SHOW, i.starts_at))
    reasons: dict[str, list[int]] = defaultdict(list)
    for pid, reason, starts_at in absences:
        after_last = pid in first and first[pid] < starts_at and not last[pid] > starts_at
        if after_last and within(starts_at, since, until):
            reasons[reason].append(pid)
            reasons[ALL].append(pid)
    for reason in _ordered(reasons):
        n = len(set(reasons[reason]))
        add_row(t, (reason,), [(n, n), (len(reasons[reason]), n)], vocab, suppress)
    set_people(t, len(set(reasons.get(ALL, []))), suppress)
    return t
