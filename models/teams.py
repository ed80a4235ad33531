"""Action teams: seeding from the config, joining and leaving, and who leads which team.

Only a project manager may make or unmake a team lead; the lead must be a member of that team.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import audit
from models.errors import Refusal
from models.tables import Membership, Person, Team

MEMBER = "member"
LEAD = "lead"


class TeamSeedLike(Protocol):
    """A team as the config describes it (models/ does not import the config module)."""

    @property
    def slug(self) -> str: ...
    @property
    def field(self) -> str: ...
    @property
    def names(self) -> dict[str, str]: ...
    @property
    def descriptions(self) -> dict[str, str]: ...


@dataclass
class TeamSummary:
    team: Team
    members: int
    by_town: Counter[str] = field(default_factory=Counter)
    my_role: str | None = None


async def seed_teams(s: AsyncSession, seeds: Iterable[TeamSeedLike], now: datetime) -> None:
    """Create the configured teams, or update their texts; never delete a team (history points at it)."""
    existing = {t.slug: t for t in (await s.execute(select(Team))).scalars()}
    for seed in seeds:
        team = existing.get(seed.slug) or Team(slug=seed.slug, created_at=now)
        team.field = seed.field
        team.name_de = seed.names["de"]
        team.name_en = seed.names.get("en", seed.names["de"])
        team.description_de = seed.descriptions["de"]
        team.description_en = seed.descriptions.get("en", seed.descriptions["de"])
        if team.id is None:
            s.add(team)
    await s.flush()


async def get_team(s: AsyncSession, team_id: int) -> Team | None:
    return await s.get(Team, team_id)


async def get_team_by_slug(s: AsyncSession, slug: str) -> Team | None:
    return (await s.execute(select(Team).where(Team.slug == slug))).scalar_one_or_none()


async def list_teams(s: AsyncSession, person: Person | None = None) -> list[TeamSummary]:
    """All teams with member count, the mix by town, and the viewer's role."""
    teams = list((await s.execute(select(Team).order_by(Team.id))).scalars())
    rows = await s.execute(
        select(Membership.team_id, Person.town, func.count())
        .join(Person, Person.id == Membership.person_id)
        .group_by(Membership.team_id, Person.town)
    )
    mix: dict[int, Counter[str]] = {}
    for team_id, town, n in rows:
        mix.setdefault(team_id, Counter())[town or "other"] += n
    mine: dict[int, str] = {}
    if person is not None:
        own = await s.execute(select(Membership.team_id, Membership.role).where(Membership.person_id == person.id))
        mine = {team_id: role for team_id, role in own}
    return [
        TeamSummary(t, sum(mix.get(t.id, Counter()).values()), mix.get(t.id, Counter()), mine.get(t.id)) for t in teams
    ]


async def my_teams(s: AsyncSession, person: Person) -> list[tuple[Team, str]]:
    rows = await s.execute(
        select(Team, Membership.role)
        .join(Membership, Membership.team_id == Team.id)
        .where(Membership.person_id == person.id)
        .order_by(Team.id)
    )
    return [(t, r) for t, r in rows]


async def membership(s: AsyncSession, person_id: int, team_id: int) -> Membership | None:
    return await s.get(Membership, (person_id, team_id))


async def join(s: AsyncSession, person: Person, team_id: int, now: datetime) -> tuple[Team, bool]:
    """Join a team; joining twice changes nothing and says so (False)."""
    team = await get_team(s, team_id)
    if team is None:
        raise Refusal("teams.not_found")
    if await membership(s, person.id, team_id) is not None:
        return team, False
    s.add(Membership(person_id=person.id, team_id=team_id, role=MEMBER, joined_at=now))
    await s.flush()
    return team, True


async def leave(s: AsyncSession, person: Person, team_id: int) -> tuple[Team, bool]:
    """Leave a team (a lead stops leading it too); leaving twice changes nothing (False)."""
    team = await get_team(s, team_id)
    if team is None:
        raise Refusal("teams.not_found")
    result = await s.execute(delete(Membership).where(Membership.person_id == person.id, Membership.team_id == team_id))
    return team, bool(getattr(result, "rowcount", 0))


async def team_members(s: AsyncSession, team_id: int) -> Sequence[tuple[Person, str]]:
    rows = await s.execute(
        select(Person, Membership.role)
        .join(Membership, Membership.person_id == Person.id)
        .where(Membership.team_id == team_id)
        .order_by(Person.display_name, Person.id)
    )
    return [(p, r) for p, r in rows]


@dataclass(frozen=True)
class TeamGaps:
    """What a team's mix lacks: configured towns and stakeholder groups none of its members comes from, and the
    town × group pairs nobody in the team covers (an announcement can target exactly those people)."""

    towns: tuple[str, ...]
    groups: tuple[str, ...]
    pairs: tuple[tuple[str, str], ...]

    def __bool__(self) -> bool:
        return bool(self.towns or self.groups)


async def team_gaps(s: AsyncSession, team_id: int, towns: Sequence[str], groups: Sequence[str]) -> TeamGaps:
    """The team's gaps against the configured towns and groups (in config order); 'other' towns are no gap."""
    rows = (
        await s.execute(
            select(Person.town, Person.stakeholder_group)
            .join(Membership, Membership.person_id == Person.id)
            .where(Membership.team_id == team_id)
        )
    ).all()
    have_towns = {t for t, _ in rows}
    have_groups = {g for _, g in rows}
    have_pairs = {(t, g) for t, g in rows}
    return TeamGaps(
        towns=tuple(t for t in towns if t not in have_towns),
        groups=tuple(g for g in groups if g not in have_groups),
        pairs=tuple((t, g) for t in towns for g in groups if (t, g) not in have_pairs),
    )


async def led_team_ids(s: AsyncSession, person: Person) -> list[int]:
    rows = await s.execute(select(Membership.team_id).where(Membership.person_id == person.id, Membership.role == LEAD))
    return list(rows.scalars())


def require_manager(actor: Person) -> None:
    """Only a project manager may hand out or take back a team lead (a lead may not)."""
    if not actor.is_manager:
        raise Refusal("errors.managers_only")


async def set_lead(
    s: AsyncSession, actor: Person, person_id: int, team_id: int, lead: bool, now: datetime
) -> tuple[Person, Team]:
    """Make a member team lead or take it back. Only a project manager may; idempotent."""
    require_manager(actor)
    team = await get_team(s, team_id)
    target = await s.get(Person, person_id)
    if team is None or target is None:
        raise Refusal("teams.not_found")
    m = await membership(s, person_id, team_id)
    if m is None:
        raise Refusal("lead.not_member")
    if lead and target.telegram_id is None:
        raise Refusal("lead.proxy_member")  # a lead acts in the bot: a member without Telegram cannot
    m.role = LEAD if lead else MEMBER
    await s.flush()
    await audit.record(
        s, actor, audit.MAKE_LEAD if lead else audit.UNMAKE_LEAD, now, person=target.pseudonym, team=team.slug
    )
    return target, team
