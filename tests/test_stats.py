"""The project manager's numbers, computed from a small project seeded through the domain."""

from collections import Counter
from datetime import timedelta

import pytest

from models.announcements import core as announcements
from models.errors import Refusal
from models.reports import stats
from models.tables import Person
from tests.report_helpers import AFTER, T0, config, seed

CFG = config()
TZ = CFG.time_zone


@pytest.fixture
async def seeded(db):
    return await seed(db, config(db.url))


async def overview(db, scope=None, now=AFTER):
    async with db.transaction() as s:
        scope = scope or stats.Scope()
        return await stats.overview(s, stats.OPERATOR, scope, now, TZ)


async def test_members_are_counted_by_town_and_group_without_unfinished_registrations(db, seeded):
    o = await overview(db)
    assert o.members.total == 6
    assert o.members.by_town_group == Counter(
        {
            ("saalfeld", "administration"): 1,
            ("bad_blankenburg", "citizen"): 1,
            ("saalfeld", "citizen"): 1,
            ("rudolstadt", "entrepreneur"): 1,
            ("rudolstadt", "citizen"): 1,
            ("saalfeld", "entrepreneur"): 1,
        }
    )
    assert o.members.by_town() == Counter({"saalfeld": 3, "rudolstadt": 2, "bad_blankenburg": 1})


async def test_each_team_has_its_size_leads_and_town_mix(db, seeded):
    teams = {t.slug: t for t in (await overview(db)).members.teams}
    assert (teams["daseinsvorsorge"].members, teams["daseinsvorsorge"].leads) == (5, 1)
    assert teams["daseinsvorsorge"].by_town == Counter({"saalfeld": 2, "rudolstadt": 2, "bad_blankenburg": 1})
    assert (teams["fachkraefte"].members, teams["fachkraefte"].by_town) == (1, Counter({"saalfeld": 1}))
    assert teams["engagement"].members == 0


async def test_ideas_are_counted_by_field_and_status(db, seeded):
    o = await overview(db)
    assert o.ideas.total == 4
    assert o.ideas.by_field_status == Counter(
        {
            ("public_services", "accepted"): 1,
            ("public_services", "submitted"): 1,
            ("skilled_workers", "submitted"): 1,
            ("civic_engagement", "submitted"): 1,
        }
    )


async def test_meetings_held_cancelled_and_ahead(db, seeded):
    m = (await overview(db)).meetings
    assert (m.held, m.scheduled, m.cancelled, m.recorded) == (1, 2, 1, 1)


async def test_attendance_rate_and_town_mix_of_those_present(db, seeded):
    m = (await overview(db)).meetings
    assert (m.invited, m.attended, m.guests) == (5, 2, 3)
    assert m.attendance_rate == pytest.approx(0.4)
    assert m.attended_by_town == Counter({"saalfeld": 1, "bad_blankenburg": 1})
    assert [(x.month, x.meetings, x.attended_by_town) for x in m.months] == [
        ("2026-11", 1, Counter({"saalfeld": 1, "bad_blankenburg": 1}))
    ]


async def test_absence_reasons_and_yes_without_coming(db, seeded):
    a = (await overview(db)).absences
    assert a.declined == 2
    assert a.reasons == Counter({"travel": 1, "none": 1})
    assert a.absent_after_yes == 1


async def test_announcement_reach_counts_delivered_unreachable_failed_and_open(db, seeded):
    [reach] = (await overview(db)).reach.announcements
    assert (reach.recipients, reach.delivered, reach.unreachable, reach.failed, reach.open) == (6, 1, 1, 1, 3)


async def _plan_and_call_off(db, seeded, call_off: bool) -> None:
    async with db.transaction() as s:
        manager = await s.get(Person, seeded.person["manager"])
        planned = await announcements.create(
            s,
            manager,
            announcements.Content("Vorsicht, Termin folgt"),
            announcements.Audience(everyone=True),
            T0,
            towns=[t.key for t in CFG.towns],
            groups=[g.key for g in CFG.groups],
            scheduled_at=T0 + timedelta(days=5),
        )
        if call_off:
            await announcements.cancel_scheduled(s, manager, planned.id, T0 + timedelta(hours=1))


async def test_called_off_and_planned_announcements_are_not_counted_as_sent(db, seeded):
    await _plan_and_call_off(db, seeded, call_off=True)
    await _plan_and_call_off(db, seeded, call_off=False)
    reach = (await overview(db)).reach
    assert [a.id for a in reach.announcements] == [seeded.announcement]
    assert (reach.scheduled, reach.called_off) == (1, 1)
    assert (reach.total("delivered"), reach.total("open")) == (1, 3)  # the planned one's rows are not "open"


async def test_team_filter_counts_only_that_team(db, seeded):
    async with db.transaction() as s:
        scope = await stats.resolve_scope(s, None, "fachkraefte")
    o = await overview(db, scope)
    assert o.members.total == 1
    assert o.ideas.by_field_status == Counter({("skilled_workers", "submitted"): 1})
    assert o.meetings.held == 0


async def test_since_filter_leaves_out_what_came_before(db, seeded):
    o = await overview(db, stats.Scope(since=T0 + timedelta(days=2)), now=T0 + timedelta(days=50))
    assert (o.ideas.total, o.members.total, o.meetings.held, o.meetings.scheduled) == (0, 0, 1, 1)


async def test_unknown_team_is_refused(db, seeded):
    async with db.transaction() as s:
        with pytest.raises(Refusal) as refused:
            await stats.resolve_scope(s, None, "gibt-es-nicht")
    assert refused.value.key == "reports.unknown_team"


async def test_only_a_project_manager_may_read_the_statistics(db, seeded):
    async with db.transaction() as s:
        lead = await s.get(Person, seeded.person["lead"])
        with pytest.raises(Refusal) as refused:
            await stats.overview(s, lead, stats.Scope(), AFTER, TZ)
    assert refused.value.key == "errors.managers_only"
