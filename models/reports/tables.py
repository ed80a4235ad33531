"""What each exported table holds: its columns (with their meaning, for the codebook) and its query.

This file has the shared pieces and the tables about people (members, teams, memberships);
models/reports/activity.py has meetings, RSVPs, ideas, announcements and absence reasons.

A builder returns a query in a stable order plus a function shaping one row. For the pseudonymised variant it
drops every column marked `pseudonymised=False` (names, Telegram ids, free texts other than the idea text)
and keeps rows about a person only for people with `evaluation_consent` true.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from sqlalchemy import func, select

from models.meetings.core import CANCELLED
from models.reports.stats import Scope
from models.tables import (
    Idea,
    Meeting,
    Membership,
    Person,
    Team,
)
from models.teams import LEAD

Shape = Callable[[Sequence[Any]], tuple[Any, ...]]
Query = Any  # a Select of any row shape (SQLAlchemy 2.1 types each column; these builders mix many)
Builder = Callable[[Scope, bool], tuple[Query, Shape]]


@dataclass(frozen=True)
class Column:
    """One exported column: its name, what it means and which code list its values come from."""

    name: str
    doc: str
    codes: str | None = None
    pseudonymised: bool = True  # also in the pseudonymised variant
    redacted: bool = False  # a free sentence: names, phone numbers, e-mail addresses replaced when exported


C = Column


def keep(columns: Sequence[Column], pseudo: bool) -> list[int]:
    return [i for i, c in enumerate(columns) if c.pseudonymised or not pseudo]


def picker(columns: Sequence[Column], pseudo: bool, **convert: Callable[[Any], Any] | None) -> Shape:
    """Pick the kept columns of a row (in column order), converting some by name (e.g. a time to a day)."""
    idx = keep(columns, pseudo)
    conv = [(pos, f) for pos, i in enumerate(idx) if (f := convert.get(columns[i].name))]
    if len(idx) == len(columns) and not conv:
        return tuple
    pick = itemgetter(*idx)
    if not conv and len(idx) > 1:
        return pick

    def shape(row: Sequence[Any]) -> tuple[Any, ...]:
        out = list(pick(row)) if len(idx) > 1 else [pick(row)]
        for pos, f in conv:
            out[pos] = f(out[pos])
        return tuple(out)

    return shape


def sorted_keys(value: Any) -> Any:
    return ";".join(sorted(value.split(";"))) if value else value


def day(value: Any) -> Any:
    return value.date() if value is not None else None


def consented() -> Any:
    return Person.evaluation_consent.is_(True)


def scoped(q: Query, scope: Scope, when: Any = None, team: Any = None) -> Query:
    if scope.since is not None and when is not None:
        q = q.where(when >= scope.since)
    if scope.team_id is not None and team is not None:
        q = q.where(team == scope.team_id)
    return q


def count(model: Any, *where: Any) -> Any:
    return select(func.count()).select_from(model).where(*where).scalar_subquery()


MEMBERS = [
    C("person", "Stable random code of the person (people.pseudonym); the same in every table."),
    C("display_name", "Name from Telegram at registration.", pseudonymised=False),
    C("telegram_id", "Telegram user id.", pseudonymised=False),
    C("stakeholder_group", "Stakeholder group chosen at registration; empty = not chosen yet.", "group"),
    C("town", "Town chosen at registration; empty = not chosen yet.", "town"),
    C("language", "Language of the bot's texts.", "language"),
    C("is_manager", "Project manager.", pseudonymised=False),
    C("evaluation_consent", "Agreed to the pseudonymised evaluation (empty = not answered).", pseudonymised=False),
    C("registered", "Registration (pseudonymised: the day only)."),
    C("teams", "Number of teams the person is in."),
    C("teams_led", "Number of teams the person leads."),
    C("unreachable_since", "Telegram refused messages since then (blocked the bot).", pseudonymised=False),
]


def members(scope: Scope, pseudo: bool) -> tuple[Query, Shape]:
    mine = Membership.person_id == Person.id
    q = (
        select(
            Person.pseudonym,
            Person.display_name,
            Person.telegram_id,
            Person.stakeholder_group,
            Person.town,
            Person.language,
            Person.is_manager,
            Person.evaluation_consent,
            Person.created_at,
            count(Membership, mine),
            count(Membership, mine, Membership.role == LEAD),
            Person.unreachable_at,
        )
        .select_from(Person)
        .order_by(Person.id)
    )
    q = scoped(q, scope, Person.created_at)
    if scope.team_id is not None:
        q = q.where(Person.id.in_(select(Membership.person_id).where(Membership.team_id == scope.team_id)))
    if pseudo:
        q = q.where(consented())
    return q, picker(MEMBERS, pseudo, registered=day if pseudo else None)


TEAMS = [
    C("team", "Team key (teams.slug).", "team"),
    C("team_id", "Internal team id."),
    C("field", "Field of action of the team.", "field"),
    C("name_de", "Team name (German)."),
    C("members", "Members now."),
    C("leads", "Team leads now."),
    C("town_mix", "Members per town, e.g. 'rudolstadt=2;saalfeld=3'.", "town"),
    C("ideas", "Ideas submitted for the team."),
    C("meetings", "Meetings not cancelled."),
]


def teams(scope: Scope, pseudo: bool) -> tuple[Query, Shape]:
    in_team = Membership.team_id == Team.id
    mix = (
        select(func.aggregate_strings(func.coalesce(Person.town, "unknown"), ";"))
        .select_from(Membership)
        .join(Person, Person.id == Membership.person_id)
        .where(in_team)
        .scalar_subquery()
    )
    q = (
        select(
            Team.slug,
            Team.id,
            Team.field,
            Team.name_de,
            count(Membership, in_team),
            count(Membership, in_team, Membership.role == LEAD),
            mix,
            count(Idea, Idea.team_id == Team.id),
            count(Meeting, Meeting.team_id == Team.id, Meeting.status != CANCELLED),
        )
        .select_from(Team)
        .order_by(Team.id)
    )

    def shape(r: Sequence[Any]) -> tuple[Any, ...]:
        towns: dict[str, int] = {}
        for town in (r[6] or "").split(";"):
            if town:
                towns[town] = towns.get(town, 0) + 1
        return (*r[:6], ";".join(f"{k}={v}" for k, v in sorted(towns.items())), r[7], r[8])

    return scoped(q, scope, team=Team.id), shape


MEMBERSHIPS = [
    C("person", "Person code (people.pseudonym)."),
    C("display_name", "Name from Telegram.", pseudonymised=False),
    C("team", "Team key.", "team"),
    C("role", "Role in the team.", "role"),
    C("joined", "When the person joined (pseudonymised: the day only)."),
]


def memberships(scope: Scope, pseudo: bool) -> tuple[Query, Shape]:
    q = (
        select(Person.pseudonym, Person.display_name, Team.slug, Membership.role, Membership.joined_at)
        .select_from(Membership)
        .join(Person, Person.id == Membership.person_id)
        .join(Team, Team.id == Membership.team_id)
        .order_by(Membership.team_id, Membership.person_id)
    )
    q = scoped(q, scope, Membership.joined_at, Membership.team_id)
    if pseudo:
        q = q.where(consented())
    return q, picker(MEMBERSHIPS, pseudo, joined=day if pseudo else None)
