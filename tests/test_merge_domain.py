"""models/ideas/merge.py without Telegram: supports and followers combined without duplicates, the merged idea
gone from lists and statistics, steps, audit entry and messages; every wrong merge refused with nothing changed."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from models.errors import Refusal
from models.ideas import core as ideas
from models.ideas import events, merge
from models.ideas import similar as domain
from models.reports import stats
from models.tables import AuditEntry, Idea, IdeaEvent, IdeaFollower, IdeaSupport, IdeaTown, Outbox, Person
from tests.conftest import START
from tests.test_ideas_domain import person, refused, submit, team


async def setup(s):
    """Maria (manager); Anna's idea A (Saalfeld) with supports of Ben and Cem and Ben following; Dora's alike
    idea B (Rudolstadt) with supports of Ben and Anna and Eva following."""
    maria, anna, ben, cem, dora, eva = [await person(s, n) for n in (9, 1, 2, 3, 4, 5)]
    maria.is_manager = True
    t = await team(s, "t", anna, ben, cem, dora, eva)
    a = await submit(s, anna, text="Mehr Sitzbänke im Stadtpark aufstellen", team_id=t.id)
    b = await submit(s, dora, text="Im Stadtpark mehr Sitzbänke aufstellen", towns=("rudolstadt",), team_id=t.id)
    s.add_all(IdeaSupport(idea_id=a.id, person_id=p.id, created_at=START) for p in (ben, cem))
    s.add_all(IdeaSupport(idea_id=b.id, person_id=p.id, created_at=START) for p in (ben, anna))
    s.add(IdeaFollower(idea_id=a.id, person_id=ben.id, created_at=START))
    s.add(IdeaFollower(idea_id=b.id, person_id=eva.id, created_at=START))
    await s.flush()
    await domain.flag_new(s, [b.id], START)
    return maria, anna, ben, cem, dora, eva, a, b


async def people_of(s, table, idea_id: int) -> set[int]:
    return set((await s.execute(select(table.person_id).where(table.idea_id == idea_id))).scalars())


async def snapshot(s) -> tuple:
    """Everything a merge could change."""
    rows = []
    for table in (Idea, IdeaSupport, IdeaFollower, IdeaTown, IdeaEvent, AuditEntry, Outbox):
        rows.append((await s.execute(select(func.count()).select_from(table))).scalar_one())
    statuses = (await s.execute(select(Idea.id, Idea.status, Idea.merged_into_id).order_by(Idea.id))).all()
    return tuple(rows), [tuple(r) for r in statuses]


async def test_merging_combines_supports_and_followers_once_and_never_as_own_support(db):
    async with db.transaction() as s:
        maria, anna, ben, cem, dora, eva, a, b = await setup(s)
        done = await merge.merge(s, maria, b.id, a.id, START)
        assert (done.merged.id, done.kept.id) == (b.id, a.id)
        # Ben supported both: once; Anna supported B but A is her own: not counted; Dora (B's author) now supports A
        assert await people_of(s, IdeaSupport, a.id) == {ben.id, cem.id, dora.id}
        assert await people_of(s, IdeaSupport, b.id) == set()
        assert await people_of(s, IdeaFollower, a.id) == {ben.id, eva.id, dora.id}
        assert await people_of(s, IdeaFollower, b.id) == set()
        assert (done.supports, done.followers) == (1, 2)
        towns = (await s.execute(select(IdeaTown.town).where(IdeaTown.idea_id == a.id))).scalars().all()
        assert sorted(towns) == ["rudolstadt", "saalfeld"]
        await s.refresh(b)
        assert (b.status, b.merged_into_id) == ("merged", a.id)


async def test_a_merge_is_a_step_of_both_ideas_an_audit_entry_and_a_message_to_each_author_and_follower(db):
    async with db.transaction() as s:
        maria, anna, ben, cem, dora, eva, a, b = await setup(s)
        await merge.merge(s, maria, b.id, a.id, START)
        steps = [(e.idea_id, e.kind, e.status, e.details) for e in await events.timeline(s, b.id)]
        assert steps[-1] == (b.id, "merged", "merged", {"into": a.id})
        steps = [(e.idea_id, e.kind, e.details) for e in await events.timeline(s, a.id)]
        assert steps[-1] == (a.id, "merged", {"from": b.id})
        stays = {(x.idea_id, x.status): x.until for x in await events.status_stays(s, [a.id, b.id])}
        assert stays == {(a.id, "submitted"): None, (b.id, "submitted"): START, (b.id, "merged"): None}
        [entry] = (await s.execute(select(AuditEntry).where(AuditEntry.action == "merge_ideas"))).scalars()
        assert entry.actor_id == maria.id
        assert entry.details == {"idea": b.id, "into": a.id, "supports": 1, "followers": 2, "told": 3}
        rows = (await s.execute(select(Outbox.person_id, Outbox.payload, Outbox.dedupe_key))).all()
        assert sorted((p, d["role"], k) for p, d, k in rows) == [
            (anna.id, "into", f"idea_merged:{b.id}:{anna.id}"),
            (dora.id, "from", f"idea_merged:{b.id}:{dora.id}"),
            (eva.id, "follower", f"idea_merged:{b.id}:{eva.id}"),
        ]


async def test_the_merged_idea_leaves_lists_and_statistics_and_its_buttons_are_refused(db):
    async with db.transaction() as s:
        maria, anna, ben, cem, dora, eva, a, b = await setup(s)
        before = await stats.idea_stats(s, stats.Scope())
        await merge.merge(s, maria, b.id, a.id, START)
        after = await stats.idea_stats(s, stats.Scope())
        assert (before.total, after.total) == (2, 1)
        assert after.by_status() == {"submitted": 1}
        views, _ = await ideas.team_ideas_page(s, ben, 0)
        assert [v.idea.id for v in views] == [a.id]
        assert [v.idea.id for v in await ideas.my_ideas(s, dora)] == [b.id]  # the author still finds it
        with refused("similar.support_merged"):
            await ideas.toggle_support(s, cem, b.id, START)
        assert await domain.open_count(s) == 0


async def test_only_the_manager_merges_and_wrong_merges_change_nothing(db):
    async with db.transaction() as s:
        maria, anna, ben, cem, dora, eva, a, b = await setup(s)
        c = await submit(s, cem, text="Ein Bürgerbus zwischen den drei Städten")
        c.status = "rejected"
        before = await snapshot(s)
        with refused("errors.managers_only"):
            await merge.merge(s, anna, b.id, a.id, START)
        with refused("similar.same_idea"):
            await merge.merge(s, maria, a.id, a.id, START)
        with refused("ideas.not_found"):
            await merge.merge(s, maria, 999, a.id, START)
        with refused("similar.rejected"):
            await merge.merge(s, maria, a.id, c.id, START)
        with refused("similar.rejected"):
            await merge.merge(s, maria, c.id, a.id, START)
        assert await snapshot(s) == before



async def test_a_forwarded_idea_is_not_merged_away_but_another_may_be_merged_into_it(db):
    """Its towns' requests, reminders and answers belong to it: it may keep, not disappear."""
    async with db.transaction() as s:
        maria, anna, ben, cem, dora, eva, a, b = await setup(s)
        a.status = "forwarded"
        before = await snapshot(s)
        with refused("similar.forwarded"):
            await merge.merge(s, maria, a.id, b.id, START)
        assert await snapshot(s) == before
        await merge.merge(s, maria, b.id, a.id, START)
        assert (await s.get(Idea, b.id)).merged_into_id == a.id

async def test_a_second_merge_of_the_same_idea_or_into_a_merged_one_is_refused(db):
    async with db.transaction() as s:
        maria, anna, ben, cem, dora, eva, a, b = await setup(s)
        c = await submit(s, cem, text="Sitzbänke für den Stadtpark")
        await merge.merge(s, maria, b.id, a.id, START)
        before = await snapshot(s)
        with refused("similar.already_merged"):  # a double click
            await merge.merge(s, maria, b.id, a.id, START)
        with refused("similar.already_merged"):
            await merge.merge(s, maria, b.id, c.id, START)
        with refused("similar.into_merged"):
            await merge.merge(s, maria, c.id, b.id, START)
        assert await snapshot(s) == before


async def test_an_erased_author_leaves_nobody_to_tell_and_the_manager_is_not_told_of_her_own_merge(db):
    async with db.transaction() as s:
        maria, anna, ben, cem, dora, eva, a, b = await setup(s)
        own = await submit(s, maria, text="Im Stadtpark Sitzbänke aufstellen, bitte")
        a.author_id = None
        await s.flush()
        done = await merge.merge(s, maria, own.id, a.id, START)
        assert done.told == 0  # A's author is erased, Maria merged her own idea, nobody followed it
        assert (await s.execute(select(Outbox.id))).first() is None
        assert await people_of(s, IdeaSupport, a.id) == {ben.id, cem.id, maria.id}


async def test_two_managers_merging_at_once_crosswise_or_twice_leave_exactly_one_merge(db):
    """Two transactions at the same moment (two bot processes, or a double click handled in parallel): the rows
    are locked in id order, so one merge wins and the other is refused, never a deadlock or a half merge."""
    async with db.transaction() as s:
        maria, anna, ben, cem, dora, eva, a, b = await setup(s)
        manager_id, a_id, b_id = maria.id, a.id, b.id

    async def attempt(from_id: int, into_id: int) -> str:
        try:
            async with db.transaction() as s:
                actor = await s.get(Person, manager_id)
                await merge.merge(s, actor, from_id, into_id, START)
            return "merged"
        except Refusal as refusal:
            return refusal.key

    results = await asyncio.gather(attempt(b_id, a_id), attempt(a_id, b_id))
    assert sorted(results) in (["merged", "similar.already_merged"], ["merged", "similar.into_merged"])
    again = await asyncio.gather(attempt(b_id, a_id), attempt(a_id, b_id))  # both pairs are done with
    assert "merged" not in again
    async with db.transaction() as s:
        statuses = sorted((await s.execute(select(Idea.status))).scalars())
        merges = (await s.execute(select(func.count()).select_from(AuditEntry))).scalar_one()
    assert (statuses, merges) == (["merged", "submitted"], 1)
