"""models/polls.py without Telegram: who may create, vote and pick, the slot and deadline rules, the tally,
and the outbox rows a poll plans."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from models import polls
from models.errors import Refusal
from models.meetings.core import MeetingPolicy
from models.tables import AuditEntry, Membership, Outbox, PollVote
from tests.conftest import START
from tests.test_ideas_domain import person, team

DAY = timedelta(days=1)
SLOTS = [START + 8 * DAY, START + 9 * DAY]
DEADLINE = START + 2 * DAY


def refused(key: str):
    return pytest.raises(Refusal, match=f"^{key}$")


async def setup(s):
    """A team with lead Lea and members Anna and Ben; Eve is in no team."""
    lea, anna, ben, eve = [await person(s, i) for i in (1, 2, 3, 4)]
    t = await team(s, "daseinsvorsorge", lea, anna, ben)
    (await s.get(Membership, (lea.id, t.id))).role = "lead"
    await s.flush()
    return t, lea, anna, ben, eve


async def make(s, lead, t, slots=SLOTS, deadline=DEADLINE, **kw):
    return await polls.create_poll(s, lead, t.id, "Planungstreffen", slots, deadline, START, **kw)


# -- checks ----------------------------------------------------------------------------------------------


def test_slots_are_sorted_and_two_to_five_are_allowed():
    assert polls.check_slots(list(reversed(SLOTS)), START) == SLOTS
    assert len(polls.check_slots([START + i * DAY for i in range(1, 6)], START)) == 5


@pytest.mark.parametrize(
    ("slots", "key"),
    [
        ([START + DAY], "polls.too_few"),
        ([START + i * DAY for i in range(1, 7)], "polls.too_many"),
        ([START + DAY, START - DAY], "dates.past"),
        ([START + DAY, START], "dates.past"),
        ([START + DAY, START + DAY], "polls.duplicate"),
    ],
)
def test_bad_slot_lists_are_refused(slots, key):
    with refused(key):
        polls.check_slots(slots, START)


@pytest.mark.parametrize(
    ("deadline", "key"),
    [
        (START, "polls.deadline_past"),
        (SLOTS[0], "polls.deadline_after_slot"),
        (SLOTS[0] + DAY, "polls.deadline_after_slot"),
    ],
)
def test_the_deadline_lies_between_now_and_the_first_slot(deadline, key):
    with refused(key):
        polls.check_deadline(deadline, SLOTS[0], START)


def test_the_nudge_comes_a_day_before_the_deadline_or_halfway_if_that_is_later():
    assert polls.nudge_due(START + 7 * DAY, START) == START + 6 * DAY
    assert polls.nudge_due(START + timedelta(hours=10), START) == START + timedelta(hours=5)


def test_a_nudge_in_quiet_hours_waits_for_the_morning_unless_that_passes_the_deadline():
    policy = MeetingPolicy(ZoneInfo("Europe/Berlin"), quiet_start=time(21, 0), quiet_end=time(8, 0))
    night = START.replace(hour=22)  # 23:00 in Berlin
    assert polls.nudge_due(night + DAY, START, policy) == START.replace(hour=7) + DAY  # 08:00 Berlin
    assert polls.nudge_due(night + timedelta(hours=1), night - timedelta(hours=1), policy) == night


# -- creating --------------------------------------------------------------------------------------------


async def test_create_plans_invitations_nudges_and_the_deadline_tally(db):
    async with db.transaction() as s:
        t, lea, anna, ben, _ = await setup(s)
        poll = await make(s, lea, t)
        rows = list((await s.execute(select(Outbox).order_by(Outbox.id))).scalars())
    assert (poll.status, poll.created_by, poll.deadline_at) == ("open", lea.id, DEADLINE)
    plan = sorted((r.kind, r.person_id, r.due_at, r.expires_at) for r in rows)
    assert plan == sorted(
        [("poll_invite", p.id, START, DEADLINE) for p in (anna, ben)]
        + [("poll_nudge", p.id, DEADLINE - DAY, DEADLINE) for p in (anna, ben)]
        + [("poll_deadline", lea.id, DEADLINE, None)]
    )
    assert len({r.dedupe_key for r in rows}) == 5


async def test_only_a_lead_or_manager_may_create(db):
    async with db.transaction() as s:
        t, _, anna, _, eve = await setup(s)
        with refused("meetings.not_lead"):
            await make(s, anna, t)
        eve.is_manager = True
        poll = await make(s, eve, t)
    assert poll.created_by == eve.id


async def test_a_poll_with_a_bad_title_is_refused(db):
    async with db.transaction() as s:
        t, lea, *_ = await setup(s)
        with refused("meetings.title_short"):
            await polls.create_poll(s, lea, t.id, " x ", SLOTS, DEADLINE, START)


# -- voting ----------------------------------------------------------------------------------------------


async def test_votes_are_idempotent_and_changeable(db):
    async with db.transaction() as s:
        t, lea, anna, *_ = await setup(s)
        poll = await make(s, lea, t)
        slot = (await polls.slots_of(s, poll.id))[0]
        assert (await polls.vote(s, anna, slot.id, "yes", START))[1] is True
        assert (await polls.vote(s, anna, slot.id, "yes", START))[1] is False
        assert (await polls.vote(s, anna, slot.id, "no", START + DAY))[1] is True
        vote = await s.get(PollVote, (slot.id, anna.id))
    assert (vote.answer, vote.voted_at) == ("no", START + DAY)


@pytest.mark.parametrize("who", ["lea", "eve"])
async def test_only_team_members_other_than_the_proposer_vote(db, who):
    async with db.transaction() as s:
        t, lea, _, _, eve = await setup(s)
        poll = await make(s, lea, t)
        slot = (await polls.slots_of(s, poll.id))[0]
        with refused("polls.not_invited"):
            await polls.vote(s, {"lea": lea, "eve": eve}[who], slot.id, "yes", START)


async def test_no_votes_at_the_deadline_after_closing_or_with_an_unknown_answer(db):
    async with db.transaction() as s:
        t, lea, anna, *_ = await setup(s)
        poll = await make(s, lea, t)
        slot = (await polls.slots_of(s, poll.id))[0]
        with refused("polls.deadline_passed"):
            await polls.vote(s, anna, slot.id, "yes", DEADLINE)
        with refused("errors.unknown_choice"):
            await polls.vote(s, anna, slot.id, "perhaps", START)
        with refused("polls.not_found"):
            await polls.vote(s, anna, 9999, "yes", START)
        await polls.pick(s, lea, poll.id, slot.id, START)
        with refused("polls.closed"):
            await polls.vote(s, anna, slot.id, "yes", START)


async def test_the_tally_counts_current_members_and_lists_who_has_not_voted(db):
    async with db.transaction() as s:
        t, lea, anna, ben, _ = await setup(s)
        poll = await make(s, lea, t)
        first, second = await polls.slots_of(s, poll.id)
        await polls.vote(s, anna, first.id, "yes", START)
        await polls.vote(s, anna, second.id, "maybe", START)
        result = await polls.tally(s, poll.id)
        assert [(c.yes, c.maybe, c.no) for c in result.slots] == [(1, 0, 0), (0, 1, 0)]
        assert result.not_voted == [ben.id]
        await s.delete(await s.get(Membership, (anna.id, t.id)))
        await s.flush()
        result = await polls.tally(s, poll.id)
    assert [(c.yes, c.maybe, c.no) for c in result.slots] == [(0, 0, 0), (0, 0, 0)]
    assert result.not_voted == [ben.id]


# -- picking ---------------------------------------------------------------------------------------------


async def test_pick_closes_the_poll_drops_its_open_messages_and_plans_the_result(db):
    async with db.transaction() as s:
        t, lea, anna, ben, _ = await setup(s)
        poll = await make(s, lea, t)
        second = (await polls.slots_of(s, poll.id))[1]
        assert (await polls.pick(s, lea, poll.id, second.id, START + 3 * DAY)).id == second.id
        rows = set((await s.execute(select(Outbox.kind, Outbox.status, Outbox.person_id, Outbox.expires_at))).all())
        entry = (await s.execute(select(AuditEntry).where(AuditEntry.action == "poll_pick"))).scalar_one()
    assert (poll.status, poll.chosen_slot_id) == ("closed", second.id)
    planned = {r for r in rows if r[1] != "cancelled"}
    assert planned == {("poll_result", "pending", p.id, second.starts_at) for p in (anna, ben)}
    assert {r[0] for r in rows if r[1] == "cancelled"} == {"poll_invite", "poll_nudge", "poll_deadline"}
    assert (entry.actor_id, entry.details) == (lea.id, {"poll": poll.id, "slot": second.id, "told": 2})


async def test_pick_is_for_the_lead_once_with_a_slot_of_this_poll_still_ahead(db):
    async with db.transaction() as s:
        t, lea, anna, *_ = await setup(s)
        poll = await make(s, lea, t)
        other = await make(s, lea, t, slots=[START + 20 * DAY, START + 21 * DAY])
        first = (await polls.slots_of(s, poll.id))[0]
        with refused("meetings.not_lead"):
            await polls.pick(s, anna, poll.id, first.id, START)
        with refused("errors.unknown_choice"):
            await polls.pick(s, lea, poll.id, (await polls.slots_of(s, other.id))[0].id, START)
        with refused("dates.past"):
            await polls.pick(s, lea, poll.id, first.id, first.starts_at)
        await polls.pick(s, lea, poll.id, first.id, START)
        with refused("polls.closed"):
            await polls.pick(s, lea, poll.id, first.id, START)


# -- deadlines and calling off -----------------------------------------------------------------------------

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    ("now", "key", "deadline"),
    [
        (datetime(2026, 11, 25, 9, 37, tzinfo=UTC), "2d", datetime(2026, 11, 27, 17, 0, tzinfo=UTC)),
        (datetime(2026, 11, 25, 22, 50, tzinfo=UTC), "2d", datetime(2026, 11, 27, 17, 0, tzinfo=UTC)),  # 23:50 local
        (datetime(2026, 11, 25, 23, 10, tzinfo=UTC), "2d", datetime(2026, 11, 28, 17, 0, tzinfo=UTC)),  # Thu 00:10
        (datetime(2026, 11, 25, 9, 37, tzinfo=UTC), "1w", datetime(2026, 12, 2, 17, 0, tzinfo=UTC)),
        (datetime(2026, 3, 26, 9, 37, tzinfo=UTC), "1w", datetime(2026, 4, 2, 16, 0, tzinfo=UTC)),  # into summer time
    ],
)
def test_relative_deadlines_end_at_six_pm_local(now, key, deadline):
    assert polls.deadline_choice(key, now, now + 30 * DAY, BERLIN) == deadline


def test_a_day_before_the_first_slot_keeps_its_wall_time_across_the_clock_change():
    first = datetime(2026, 3, 29, 16, 0, tzinfo=UTC)  # Sun 18:00 summer time
    assert polls.deadline_choice("1b", START, first, BERLIN) == datetime(2026, 3, 28, 17, 0, tzinfo=UTC)  # Sat 18:00


def test_an_unknown_deadline_choice_is_a_stale_button():
    with refused("errors.stale_button"):
        polls.deadline_choice("3y", START, START + 30 * DAY, BERLIN)


async def test_calling_off_ends_the_poll_for_the_lead_only_and_plans_the_result(db):
    async with db.transaction() as s:
        t, lea, anna, ben, _ = await setup(s)
        poll = await make(s, lea, t)
        with refused("meetings.not_lead"):
            await polls.call_off(s, anna, poll.id, START)
        assert await polls.call_off(s, lea, poll.id, START) == 2
        with refused("polls.called_off"):
            await polls.call_off(s, lea, poll.id, START)
        with refused("polls.called_off"):
            await polls.pick(s, lea, poll.id, (await polls.slots_of(s, poll.id))[0].id, START)
        with refused("polls.called_off"):
            await polls.vote(s, anna, (await polls.slots_of(s, poll.id))[0].id, "yes", START)
        rows = set((await s.execute(select(Outbox.kind, Outbox.person_id).where(Outbox.status == "pending"))).all())
    assert poll.status == "cancelled"
    assert rows == {("poll_result", anna.id), ("poll_result", ben.id)}
