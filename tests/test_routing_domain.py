"""models/ideas/routing.py without Telegram: the rules, forwarding plans every message at once, one answer per
route by a contact of its town, an answer cancels what is still planned; and the strict [routing] config."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from core.config import ConfigError, parse_config
from models.ideas import answers as idea_answers
from models.ideas import routing
from models.tables import AuditEntry, IdeaEvent, IdeaRoute, Outbox
from tests.conftest import START
from tests.test_config import example
from tests.test_ideas_domain import person, refused, submit

POLICY = routing.RoutingPolicy(
    answer_weeks=4, remind_days_before=7, contacts={"saalfeld": (501, 502), "rudolstadt": (601,)}
)
OBSTACLES = ("no_funding", "legal_hurdles", "travel_time")
LATER = START + timedelta(hours=1)


async def forwarded(s, towns=("saalfeld", "rudolstadt")):
    """Maria (manager) forwards Anna's idea; 501 (Saalfeld) and 601 (Rudolstadt) are registered, 502 is not."""
    anna, maria = await person(s, 1), await person(s, 2)
    maria.is_manager = True
    saal, rudo = await person(s, 501, group="administration"), await person(s, 601, group="administration")
    idea = await submit(s, anna, towns=("saalfeld", "rudolstadt"))
    await idea_answers.save_draft(s, maria, idea.id, "forwarded", "Bitte prüfen.", START, towns=list(towns))
    done = await idea_answers.publish(s, maria, None, START, POLICY)
    return anna, maria, saal, rudo, idea, done


async def outbox(s, kind: str) -> list[Outbox]:
    return list((await s.execute(select(Outbox).where(Outbox.kind == kind).order_by(Outbox.id))).scalars())


# -- the rules ----------------------------------------------------------------------------------------------


def test_towns_must_be_chosen_and_configured():
    assert routing.check_towns(["saalfeld", "rudolstadt", "saalfeld"], ["saalfeld", "rudolstadt"]) == [
        "rudolstadt",
        "saalfeld",
    ]
    with refused("routing.need_town"):
        routing.check_towns([], ["saalfeld"])
    with refused("errors.stale_button"):
        routing.check_towns(["erfurt"], ["saalfeld"])


def test_a_refusal_needs_a_configured_obstacle_and_keeps_the_config_order():
    assert routing.check_obstacles(["travel_time", "no_funding"], OBSTACLES) == ["no_funding", "travel_time"]
    with refused("routing.need_obstacle"):
        routing.check_obstacles([], OBSTACLES)
    with refused("errors.stale_button"):
        routing.check_obstacles(["bogus"], OBSTACLES)


def test_a_question_needs_text_and_a_sentence_may_be_left_out():
    assert routing.clean_text("  Wer zahlt? ", required=True) == "Wer zahlt?"
    assert routing.clean_text("   ", required=False) is None
    with refused("routing.text_empty"):
        routing.clean_text("", required=True)
    with refused("routing.text_long") as info:
        routing.clean_text("x" * 1001, required=False)
    assert info.value.params == {"max": 1000, "length": 1001}


# -- forwarding ------------------------------------------------------------------------------------------------


async def test_forwarding_plans_requests_reminders_and_overdue_notices_at_once(db):
    async with db.transaction() as s:
        _, maria, saal, rudo, idea, done = await forwarded(s)
        [fwd] = done.forwarded
        assert (fwd.told, fwd.missing) == (2, {"saalfeld": [502]})
        routes = {r.town: r for r in fwd.routes}
        assert routes["saalfeld"].deadline_at == START + timedelta(weeks=4)
        requests = await outbox(s, routing.REQUEST)
        assert [(r.chat_id, r.due_at) for r in requests] == [(601, START), (501, START)]  # rudolstadt first
        reminders = await outbox(s, routing.REMINDER)
        assert {(r.chat_id, r.due_at, r.expires_at) for r in reminders} == {
            (501, START + timedelta(weeks=3), START + timedelta(weeks=4)),
            (601, START + timedelta(weeks=3), START + timedelta(weeks=4)),
        }
        overdue = await outbox(s, routing.OVERDUE)
        assert [(r.person_id, r.due_at) for r in overdue] == [(maria.id, START + timedelta(weeks=4))] * 2
        assert await outbox(s, routing.UNREACHED) == []  # Maria forwarded it herself and sees it on her screen
        kinds = [(e.kind, e.town) for e in (await s.execute(select(IdeaEvent).order_by(IdeaEvent.id))).scalars()]
        assert kinds[-3:] == [("status", None), ("forwarded", "rudolstadt"), ("forwarded", "saalfeld")]
        entry = (await s.execute(select(AuditEntry).where(AuditEntry.action == "forward_idea"))).scalar_one()
        assert entry.details["unreached"] == ["saalfeld"]


async def test_no_reminder_is_planned_when_it_is_switched_off(db):
    async with db.transaction() as s:
        anna, maria = await person(s, 1), await person(s, 2)
        maria.is_manager = True
        await person(s, 601)
        idea = await submit(s, anna, towns=("rudolstadt",))
        await idea_answers.save_draft(s, maria, idea.id, "forwarded", "Bitte.", START, towns=["rudolstadt"])
        policy = routing.RoutingPolicy(1, 0, {"rudolstadt": (601,)})
        await idea_answers.publish(s, maria, None, START, policy)
        assert await outbox(s, routing.REMINDER) == []
        assert len(await outbox(s, routing.REQUEST)) == 1


async def test_a_forwarded_draft_without_towns_is_refused(db):
    async with db.transaction() as s:
        anna, maria = await person(s, 1), await person(s, 2)
        maria.is_manager = True
        idea = await submit(s, anna)
        with refused("routing.need_town"):
            await idea_answers.save_draft(s, maria, idea.id, "forwarded", "Bitte.", START)


# -- answering ------------------------------------------------------------------------------------------------


async def test_only_a_contact_of_the_town_answers_once_and_the_plan_is_cancelled(db):
    async with db.transaction() as s:
        anna, maria, saal, rudo, idea, done = await forwarded(s)
        routes = {r.town: r for r in done.forwarded[0].routes}
        with refused("routing.not_contact"):
            await routing.answer(s, rudo, routes["saalfeld"].id, routing.TAKEN, POLICY, LATER)
        with refused("routing.not_contact"):
            await routing.answer(s, maria, routes["saalfeld"].id, routing.TAKEN, POLICY, LATER)
        with refused("routing.not_contact"):
            await routing.answer(s, saal, 9999, routing.TAKEN, POLICY, LATER)
        with refused("errors.stale_button"):
            await routing.answer(s, saal, routes["saalfeld"].id, "maybe", POLICY, LATER)
        route, told = await routing.answer(
            s,
            saal,
            routes["saalfeld"].id,
            routing.DECLINED,
            POLICY,
            LATER,
            obstacles=["travel_time", "no_funding"],
            allowed_obstacles=OBSTACLES,
        )
        assert (route.status, route.obstacles, route.text, route.answered_by) == (
            "declined",
            ["no_funding", "travel_time"],
            None,
            saal.id,
        )
        assert told == 2  # Anna, and Maria who forwarded it
        with refused("routing.already_answered"):
            await routing.answer(s, saal, route.id, routing.TAKEN, POLICY, LATER)
        states = {(r.kind, r.chat_id): r.status for r in await outbox(s, routing.REMINDER)}
        assert states == {(routing.REMINDER, 501): "cancelled", (routing.REMINDER, 601): "pending"}
        overdue = {r.payload["route"]: r.status for r in await outbox(s, routing.OVERDUE)}
        assert overdue == {routes["saalfeld"].id: "cancelled", routes["rudolstadt"].id: "pending"}


async def test_a_question_comes_once_and_before_the_decision(db):
    async with db.transaction() as s:
        _, _, saal, rudo, _, done = await forwarded(s)
        routes = {r.town: r for r in done.forwarded[0].routes}
        with refused("routing.text_empty"):
            await routing.answer(s, saal, routes["saalfeld"].id, routing.QUESTION, POLICY, LATER, text=" ")
        await routing.answer(s, saal, routes["saalfeld"].id, routing.QUESTION, POLICY, LATER, text="Wer zahlt?")
        with refused("routing.already_asked"):
            await routing.answer(s, saal, routes["saalfeld"].id, routing.QUESTION, POLICY, LATER, text="Und wann?")
        route, _ = await routing.answer(
            s,
            saal,
            routes["saalfeld"].id,
            routing.DECLINED,
            POLICY,
            LATER,
            text="Kein Geld.",
            obstacles=["no_funding"],
            allowed_obstacles=OBSTACLES,
        )
        assert (route.status, route.question, route.text, route.asked_at, route.answered_at) == (
            "declined",
            "Wer zahlt?",
            "Kein Geld.",
            LATER,
            LATER,
        )
        await routing.answer(s, rudo, routes["rudolstadt"].id, routing.TAKEN, POLICY, LATER)
        with refused("routing.already_answered"):
            await routing.answer(s, rudo, routes["rudolstadt"].id, routing.QUESTION, POLICY, LATER, text="Doch?")
        keys = [r.dedupe_key for r in await outbox(s, routing.ANSWER)]
        assert len(keys) == len(set(keys)) == 6  # Anna and Maria: a question, then two decisions


async def test_an_idea_that_moved_on_takes_no_answer(db):
    async with db.transaction() as s:
        _, _, _, rudo, idea, done = await forwarded(s)
        idea.status = "implemented"
        await s.flush()
        rudolstadt = next(r for r in done.forwarded[0].routes if r.town == "rudolstadt")
        with refused("routing.moved_on"):
            await routing.answer(s, rudo, rudolstadt.id, routing.TAKEN, POLICY, LATER)
        assert (await s.get(IdeaRoute, rudolstadt.id)).status == "open"


# -- the config ---------------------------------------------------------------------------------------------------


def test_the_example_config_has_the_routing_defaults():
    policy = parse_config(example(), env={}).routing
    assert (policy.answer_weeks, policy.remind_days_before) == (4, 7)
    assert policy.contacts == {"saalfeld": (), "rudolstadt": (), "bad_blankenburg": ()}


def test_contacts_are_read_by_town():
    data = example()
    data["routing"] = {"answer_weeks": 2, "remind_days_before": 3, "contacts": {"saalfeld": [5, 6, 5]}}
    policy = parse_config(data, env={}).routing
    assert (policy.answer_time, policy.remind_before, policy.contacts_of("saalfeld")) == (
        timedelta(weeks=2),
        timedelta(days=3),
        (5, 6),
    )
    assert policy.contacts_of("rudolstadt") == ()


@pytest.mark.parametrize(
    ("routing_table", "key"),
    [
        ({"contacts": {"erfurt": [1]}}, "routing.contacts.erfurt: unknown town"),
        ({"contacts": {"saalfeld": ["@sabine"]}}, "routing.contacts.saalfeld: expected Telegram user ids"),
        ({"contacts": {"saalfeld": ["sabine@saalfeld.de"]}}, "routing.contacts.saalfeld: e-mail contacts need [mail]"),
        ({"contacts": {"saalfeld": 5}}, "routing.contacts.saalfeld: expected list"),
        ({"answer_weeks": 0}, "routing.answer_weeks"),
        ({"answer_weeks": True}, "routing.answer_weeks"),
        ({"remind_days_before": 28}, "routing.remind_days_before"),
        ({"remind_days_before": -1}, "routing.remind_days_before"),
        ({"deadline": 3}, "routing.deadline: unknown key"),
        ({"contacts": []}, "routing.contacts: expected a table"),
    ],
)
def test_a_bad_routing_config_names_the_key(routing_table, key):
    data = example()
    data["routing"] = routing_table
    with pytest.raises(ConfigError) as err:
        parse_config(data, env={})
    assert str(err.value).startswith(key)


async def test_the_sweep_plans_for_late_contacts_and_managers_once_and_never_for_unreachable_ones(db):
    async with db.transaction() as s:
        _, _, _, _, _, done = await forwarded(s)
        assert await routing.plan_late_contacts(s, POLICY, LATER) == 0
        late = await person(s, 502, group="administration")
        boss = await person(s, 3)
        boss.is_manager = True
        blocked = await person(s, 503)
        blocked.unreachable_at = LATER
        policy = routing.RoutingPolicy(4, 7, {**POLICY.contacts, "saalfeld": (501, 502, 503)})
        assert await routing.plan_late_contacts(s, policy, LATER) == 4  # 502: request, reminder; boss: 2 overdue
        assert await routing.plan_late_contacts(s, policy, LATER) == 0
        assert {r.chat_id for r in await outbox(s, routing.REQUEST)} == {501, 502, 601}
        assert late.id in {r.person_id for r in await outbox(s, routing.REMINDER)}
        assert boss.id in {r.person_id for r in await outbox(s, routing.OVERDUE)}
        deadline = done.forwarded[0].routes[0].deadline_at
        assert await routing.plan_late_contacts(s, policy, deadline) == 0  # past the deadline: nothing new


async def test_a_reminder_and_the_overdue_notice_due_at_night_wait_for_the_morning(db):
    night = datetime(2026, 11, 25, 22, 30, tzinfo=UTC)  # 23:30 in Berlin
    policy = dataclasses.replace(parse_config(example(), env={}).routing, contacts=POLICY.contacts)
    assert policy.quiet == (ZoneInfo("Europe/Berlin"), time(21, 0), time(8, 0))
    async with db.transaction() as s:
        anna, maria = await person(s, 1), await person(s, 2)
        maria.is_manager = True
        await person(s, 601)
        idea = await submit(s, anna, towns=("rudolstadt",))
        await idea_answers.save_draft(s, maria, idea.id, "forwarded", "Bitte.", night, towns=["rudolstadt"])
        await idea_answers.publish(s, maria, None, night, policy)
        morning = datetime(2026, 12, 17, 7, 0, tzinfo=UTC)  # 08:00 in Berlin, the morning after 3 weeks
        assert [r.due_at for r in await outbox(s, routing.REMINDER)] == [morning]
        assert [r.due_at for r in await outbox(s, routing.OVERDUE)] == [morning + timedelta(weeks=1)]
