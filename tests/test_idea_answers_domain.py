"""models/ideas/answers.py without Telegram: who may answer, legal status changes, drafts, publishing, following."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from models.ideas import answers as idea_answers
from models.ideas import rights
from models.tables import AuditEntry, Idea, IdeaAnswer, Meeting, Membership, Outbox, Team
from tests.conftest import START
from tests.test_ideas_domain import person, refused, submit, team

LATER = START + timedelta(hours=1)


async def world(s):
    """Lea leads team a (with Anna, who wrote the idea); Bob leads team b; Maria is the project manager."""
    anna, lea, bob, maria = [await person(s, n) for n in (1, 2, 3, 4)]
    maria.is_manager = True
    a = await team(s, "a", anna, lea)
    b = await team(s, "b", bob)
    for p, t in ((lea, a), (bob, b)):
        (await s.get(Membership, (p.id, t.id))).role = "lead"
    idea = await submit(s, anna, team_id=a.id)
    await s.flush()
    return anna, lea, bob, maria, a, idea


async def count(s, model, *where) -> int:
    return (await s.execute(select(func.count()).select_from(model).where(*where))).scalar_one()


# -- the rules -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "ok"),
    [
        ("submitted", "in_review", True),
        ("submitted", "accepted", True),
        ("submitted", "rejected", True),
        ("submitted", "forwarded", True),
        ("submitted", "implemented", False),
        ("in_review", "accepted", True),
        ("in_review", "submitted", False),
        ("accepted", "implemented", True),
        ("accepted", "rejected", False),
        ("rejected", "accepted", False),
        ("implemented", "accepted", False),
        ("forwarded", "accepted", False),
        ("submitted", "bogus", False),
    ],
)
def test_status_changes_follow_the_table(old, new, ok):
    if ok:
        idea_answers.check_transition(old, new)
    else:
        with refused("idea_answers.bad_transition"):
            idea_answers.check_transition(old, new)


def test_answer_text_is_one_to_a_thousand_characters():
    assert idea_answers.clean_text("  ja  ") == "ja"
    assert idea_answers.clean_text("x" * 1000) == "x" * 1000
    with refused("idea_answers.text_empty"):
        idea_answers.clean_text(" \n ")
    with refused("idea_answers.text_long"):
        idea_answers.clean_text("x" * 1001)


async def test_manager_may_answer_any_idea_lead_only_their_teams(db):
    async with db.transaction() as s:
        anna, lea, bob, maria, _, idea = await world(s)
        no_team = await submit(s, anna)
        assert await rights.may_answer(s, maria, idea) and await rights.may_answer(s, maria, no_team)
        assert await rights.may_answer(s, lea, idea)
        assert not await rights.may_answer(s, lea, no_team)
        assert not await rights.may_answer(s, bob, idea)
        assert not await rights.may_answer(s, anna, idea)
        with refused("idea_answers.not_allowed"):
            await idea_answers.save_draft(s, bob, idea.id, "accepted", "Nein", START)
        with refused("idea_answers.not_allowed"):
            await idea_answers.answerable_idea(s, lea, 999)
        assert await count(s, IdeaAnswer) == 0


async def test_answer_lists_show_only_what_the_person_may_answer(db):
    async with db.transaction() as s:
        anna, lea, bob, maria, _, idea = await world(s)
        no_team = await submit(s, anna)
        assert [i.id for i in (await idea_answers.ideas_page(s, maria, "w", 0))[0]] == [idea.id, no_team.id]
        assert [i.id for i in (await idea_answers.ideas_page(s, lea, "w", 0))[0]] == [idea.id]
        assert (await idea_answers.ideas_page(s, bob, "w", 0))[0] == []
        assert (await idea_answers.ideas_page(s, lea, "a", 0))[0] == []


# -- drafts and publishing -------------------------------------------------------------------------------


async def test_a_second_draft_for_the_same_idea_replaces_the_first(db):
    async with db.transaction() as s:
        _, lea, _, _, _, idea = await world(s)
        first = await idea_answers.save_draft(s, lea, idea.id, "accepted", "Ja", START)
        second = await idea_answers.save_draft(s, lea, idea.id, "rejected", "Doch nicht", LATER)
        assert first.id == second.id
        assert [(a.status, a.text) for a in await idea_answers.drafts_of(s, lea)] == [("rejected", "Doch nicht")]
        assert (await s.get(Idea, idea.id)).status == "submitted"


async def test_publish_sets_the_status_plans_a_message_per_recipient_and_audits(db):
    async with db.transaction() as s:
        anna, lea, bob, _, _, idea = await world(s)
        await idea_answers.toggle_follow(s, lea, idea.id, START)  # the actor is not told her own answer
        draft = await idea_answers.save_draft(s, lea, idea.id, "accepted", "Ja", START)
        done = await idea_answers.publish(s, lea, None, LATER)
        assert [a.id for a in done.answers] == [draft.id] and done.recipients == 1
        assert ((await s.get(Idea, idea.id)).status, draft.published_at) == ("accepted", LATER)
        rows = list((await s.execute(select(Outbox))).scalars())
        assert [(r.kind, r.person_id, r.payload) for r in rows] == [("idea_answer", anna.id, {"answer": draft.id})]
        entry = (await s.execute(select(AuditEntry))).scalar_one()
        assert (entry.action, entry.actor_id, entry.details["new"]) == ("answer_idea", lea.id, "accepted")
        again = await idea_answers.publish(s, lea, None, LATER)
        assert (again.answers, again.dropped) == ([], [])
        assert await count(s, Outbox) == 1


async def test_a_follower_who_wrote_the_idea_is_told_once(db):
    async with db.transaction() as s:
        anna, lea, _, _, _, idea = await world(s)
        await idea_answers.toggle_follow(s, anna, idea.id, START)
        await idea_answers.save_draft(s, lea, idea.id, "in_review", "Wir schauen", START)
        assert (await idea_answers.publish(s, lea, None, LATER)).recipients == 1


async def test_publish_only_the_named_drafts(db):
    async with db.transaction() as s:
        anna, lea, _, _, a, idea = await world(s)
        other = await submit(s, anna, team_id=a.id)
        keep = await idea_answers.save_draft(s, lea, idea.id, "accepted", "Ja", START)
        send = await idea_answers.save_draft(s, lea, other.id, "rejected", "Nein", START)
        done = await idea_answers.publish(s, lea, [send.id], LATER)
        assert [x.id for x in done.answers] == [send.id]
        assert [x.id for x in await idea_answers.drafts_of(s, lea)] == [keep.id]


async def test_a_draft_overtaken_by_another_answer_is_dropped_not_sent(db):
    async with db.transaction() as s:
        _, lea, _, maria, _, idea = await world(s)
        await idea_answers.save_draft(s, lea, idea.id, "in_review", "Wir schauen", START)
        await idea_answers.save_draft(s, maria, idea.id, "accepted", "Angenommen", START)
        await idea_answers.publish(s, maria, None, LATER)
        done = await idea_answers.publish(s, lea, None, LATER)
        assert done.answers == [] and len(done.dropped) == 1
        assert (await s.get(Idea, idea.id)).status == "accepted"
        assert await count(s, IdeaAnswer) == 1 and await count(s, Outbox) == 1


async def test_an_erased_author_gets_no_message(db):
    async with db.transaction() as s:
        anna, lea, _, _, _, idea = await world(s)
        idea.author_id = None
        await idea_answers.save_draft(s, lea, idea.id, "accepted", "Ja", START)
        done = await idea_answers.publish(s, lea, None, LATER)
        assert len(done.answers) == 1 and done.recipients == 0 and await count(s, Outbox) == 0


# -- meetings and following ------------------------------------------------------------------------------


async def meeting(s, team_id: int, starts_at) -> Meeting:
    m = Meeting(team_id=team_id, title="Treffen", starts_at=starts_at, created_at=START, updated_at=START)
    s.add(m)
    await s.flush()
    return m


async def test_only_a_past_meeting_of_the_ideas_team_can_be_linked(db):
    async with db.transaction() as s:
        _, lea, _, _, a, idea = await world(s)
        b_id = (await s.execute(select(Team.id).where(Team.slug == "b"))).scalar_one()
        past, future = (
            await meeting(s, a.id, START - timedelta(days=1)),
            await meeting(s, a.id, START + timedelta(days=1)),
        )
        foreign = await meeting(s, b_id, START - timedelta(days=1))
        for bad in (future, foreign):
            with refused("idea_answers.bad_meeting"):
                await idea_answers.save_draft(s, lea, idea.id, "accepted", "Ja", START, bad.id)
        await idea_answers.save_draft(s, lea, idea.id, "accepted", "Ja", START, past.id)
        assert (await s.get(Idea, idea.id)).meeting_id == past.id
        assert list(await idea_answers.meetings_of(s, [idea])) == [idea.id]


async def test_following_is_for_ideas_of_my_teams_and_toggles(db):
    async with db.transaction() as s:
        anna, _, bob, _, _, idea = await world(s)
        assert await idea_answers.toggle_follow(s, anna, idea.id, START) is True
        assert await idea_answers.followed(s, anna, [idea.id]) == {idea.id}
        assert await idea_answers.toggle_follow(s, anna, idea.id, START) is False
        assert await idea_answers.followed(s, anna, [idea.id]) == set()
        with refused("ideas.not_found"):
            await idea_answers.toggle_follow(s, bob, idea.id, START)
