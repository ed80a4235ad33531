"""The gap audience on its own (models/announcements/core.py Audience.gap): who counts, who may address it."""

from __future__ import annotations

from models.announcements import core as domain
from models.announcements.core import Audience, Content
from tests.conftest import START
from tests.test_announcements_domain import GROUPS, TOWNS, World
from tests.test_ideas_domain import refused


async def gap_count(s, team_id: int, **narrow) -> int:
    n = await domain.count_audience(s, Audience(gap=team_id, **narrow), towns=TOWNS, groups=GROUPS)
    return n.recipients


async def test_the_gap_audience_is_everyone_of_a_missing_pair_and_no_member(db):
    async with db.transaction() as s:
        w = World(s)
        a, b = await w.team("a"), await w.team("b")
        await w.person(teams=[a])  # citizen, Saalfeld
        await w.person(teams=[a], town="rudolstadt", group="entrepreneur")
        fits = [
            await w.person(group="administration"),
            await w.person(town="bad_blankenburg"),
            await w.person(town="saalfeld", group="entrepreneur", teams=[b]),  # in another team: still welcome
        ]
        await w.person()  # citizen, Saalfeld: that pair is covered
        await w.person(town="rudolstadt", group="entrepreneur")  # covered too
        await w.person(town="other", group="administration")  # an 'other' town is no gap
        await w.person(town="bad_blankenburg", announcements_opt_out=True)
        await w.person(town="bad_blankenburg", group=None)  # registration unfinished
        assert await gap_count(s, a.id) == len(fits)
        assert await gap_count(s, a.id, towns=("bad_blankenburg",)) == 1
        assert await gap_count(s, a.id, groups=("administration", "entrepreneur")) == 2
        n = await domain.count_audience(s, Audience(gap=a.id), towns=TOWNS, groups=GROUPS)
        assert n.opted_out == 1
        assert not Audience(gap=a.id).empty
        assert Audience.from_json(Audience(gap=a.id, towns=("saalfeld",)).to_json()) == Audience(
            gap=a.id, towns=("saalfeld",)
        )
        assert "gap" not in Audience(teams=(a.id,)).to_json()  # earlier audiences keep their JSON


async def test_a_team_with_every_pair_has_no_gap_audience(db):
    async with db.transaction() as s:
        w = World(s)
        a = await w.team("a")
        for town in TOWNS:
            for group in GROUPS:
                await w.person(town=town, group=group, teams=[a])
        await w.person(town="saalfeld", group="citizen")
        assert await gap_count(s, a.id) == 0


async def test_the_manager_may_address_any_teams_gap_a_lead_only_their_own(db):
    async with db.transaction() as s:
        w = World(s)
        a, b = await w.team("a"), await w.team("b")
        lead = await w.person(teams=[a], lead_of=[a])
        maria = await w.person(manager=True)
        await w.person(group="administration")
        manager_scope, lead_scope = await domain.scope_of(s, maria), await domain.scope_of(s, lead)
        for team in (a, b):
            await domain.check_audience(s, manager_scope, Audience(gap=team.id), TOWNS, GROUPS)
        await domain.check_audience(s, lead_scope, Audience(gap=a.id), TOWNS, GROUPS)
        with refused("announce.own_team_only"):
            await domain.check_audience(s, lead_scope, Audience(gap=b.id), TOWNS, GROUPS)
        with refused("teams.not_found"):
            await domain.check_audience(s, manager_scope, Audience(gap=999_999), TOWNS, GROUPS)
        for mixed in (Audience(gap=a.id, everyone=True), Audience(gap=a.id, teams=(a.id,))):
            with refused("errors.unknown_choice"):
                await domain.check_audience(s, manager_scope, mixed, TOWNS, GROUPS)
        ann = await domain.create(
            s, lead, Content("Komm ins Team!"), Audience(gap=a.id), START, towns=TOWNS, groups=GROUPS
        )
        assert ann.recipients == 1 and ann.audience["gap"] == a.id
        other_lead = await w.person(teams=[b], lead_of=[b])
        assert domain.may_see(ann, lead_scope, lead)
        assert not domain.may_see(ann, await domain.scope_of(s, other_lead), other_lead)
