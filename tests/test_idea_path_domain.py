"""models/ideas/path.py and the linking rule (models/ideas/answers.py link_meeting) without Telegram."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from models.ideas import answers as idea_answers
from models.ideas import events, path
from models.meetings import attendance
from models.tables import IdeaEvent, Membership
from tests.conftest import START
from tests.test_idea_answers_domain import LATER, meeting, world
from tests.test_ideas_domain import person, refused, submit


async def discussed(s, idea_id: int) -> list[int | None]:
    q = select(IdeaEvent.meeting_id).where(IdeaEvent.idea_id == idea_id, IdeaEvent.kind == events.DISCUSSED)
    return list((await s.execute(q.order_by(IdeaEvent.id))).scalars())


async def test_who_sees_an_ideas_path_is_who_sees_the_idea(db):
    async with db.transaction() as s:
        anna, lea, bob, maria, a, idea = await world(s)
        teamless = await submit(s, bob)
        stranger = await person(s, 9)
        for viewer in (anna, lea, maria):
            assert (await path.visible_idea(s, viewer, idea.id)).id == idea.id
        for viewer in (bob, stranger):
            with refused("ideas.not_found"):
                await path.visible_idea(s, viewer, idea.id)
        for viewer in (anna, bob, stranger, maria):  # an idea without a team: every member sees it
            assert (await path.visible_idea(s, viewer, teamless.id)).id == teamless.id
        with refused("ideas.not_found"):
            await path.visible_idea(s, maria, 999_999)
        await s.delete(await s.get(Membership, (anna.id, a.id)))
        await s.flush()
        assert (await path.visible_idea(s, anna, idea.id)).id == idea.id  # the author, after leaving the team


async def test_the_path_loads_team_meeting_and_published_answer_of_its_steps(db):
    async with db.transaction() as s:
        _, lea, _, maria, a, idea = await world(s)
        past = await meeting(s, a.id, START - timedelta(days=1))
        past.decisions = "Ja"
        await idea_answers.save_draft(s, lea, idea.id, "accepted", "Machen wir", START, past.id)
        await idea_answers.publish(s, lea, None, LATER)
        got = await path.idea_path(s, maria, idea.id)
        assert [e.kind for e in got.steps] == ["submitted", "discussed", "status"]
        assert got.meetings[past.id].decisions == "Ja" and got.team is not None and got.team.slug == "a"
        assert [x.text for x in got.answers.values()] == ["Machen wir"]


async def test_linking_is_for_the_teams_lead_or_a_manager_and_a_past_meeting_of_the_team(db):
    async with db.transaction() as s:
        anna, lea, bob, maria, a, idea = await world(s)
        b_id = (await s.execute(select(Membership.team_id).where(Membership.person_id == bob.id))).scalar_one()
        past = await meeting(s, a.id, START - timedelta(days=1))
        future = await meeting(s, a.id, START + timedelta(days=1))
        cancelled = await meeting(s, a.id, START - timedelta(days=2))
        cancelled.status = "cancelled"
        foreign = await meeting(s, b_id, START - timedelta(days=1))
        for actor in (anna, bob):
            with refused("idea_answers.not_allowed"):
                await idea_answers.link_meeting(s, actor, idea.id, past.id, True, START)
        for m in (future, cancelled, foreign):
            with refused("idea_answers.bad_meeting"):
                await idea_answers.link_meeting(s, lea, idea.id, m.id, True, START)
        with refused("idea_answers.bad_meeting"):
            await idea_answers.link_meeting(s, lea, idea.id, 999_999, True, START)
        assert await discussed(s, idea.id) == [] and idea.meeting_id is None
        assert await idea_answers.link_meeting(s, maria, idea.id, past.id, True, START)
        assert await discussed(s, idea.id) == [past.id] and idea.meeting_id == past.id


async def test_linking_again_changes_nothing_and_taking_back_restores_the_earlier_meeting(db):
    async with db.transaction() as s:
        _, lea, _, _, a, idea = await world(s)
        first = await meeting(s, a.id, START - timedelta(days=8))
        second = await meeting(s, a.id, START - timedelta(days=1))
        assert await idea_answers.link_meeting(s, lea, idea.id, first.id, True, START)
        assert await idea_answers.link_meeting(s, lea, idea.id, second.id, True, START)
        assert not await idea_answers.link_meeting(s, lea, idea.id, second.id, True, START)
        assert await discussed(s, idea.id) == [first.id, second.id] and idea.meeting_id == second.id
        assert await idea_answers.link_meeting(s, lea, idea.id, second.id, False, START)
        assert not await idea_answers.link_meeting(s, lea, idea.id, second.id, False, START)
        assert await discussed(s, idea.id) == [first.id] and idea.meeting_id == first.id
        # /answer links through the same rule: the same meeting again is no second step
        await idea_answers.save_draft(s, lea, idea.id, "accepted", "Ja", START, first.id)
        assert await discussed(s, idea.id) == [first.id]


async def test_the_attendance_list_offers_the_teams_open_ideas_and_those_linked(db):
    async with db.transaction() as s:
        anna, lea, _, _, a, idea = await world(s)
        done = await submit(s, anna, team_id=a.id, now=START + timedelta(minutes=1))
        done.status = "rejected"
        other_team = await submit(s, anna)
        past = await meeting(s, a.id, START - timedelta(days=1))
        got = await attendance.discussable_ideas(s, lea, past.id, START, 0)
        assert [i.id for i in got.ideas] == [idea.id] and got.linked == set()
        assert await attendance.link_idea(s, lea, past.id, idea.id, True, START)
        idea.status = "implemented"  # linked ideas stay on the list, whatever became of them
        got = await attendance.discussable_ideas(s, lea, past.id, START, 5)
        assert [i.id for i in got.ideas] == [idea.id] and got.linked == {idea.id} and got.page == 0
        assert other_team.id not in {i.id for i in got.ideas}
        with refused("attendance.not_lead"):
            await attendance.discussable_ideas(s, anna, past.id, START, 0)
