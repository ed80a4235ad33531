"""The rules of ticking codes on ideas (models/ideas/codes.py) and the durations read from an idea's path
(models/ideas/durations.py), without Telegram."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from models.ideas import answers as idea_answers
from models.ideas import codes, durations, events
from models.tables import IdeaCode, IdeaEvent, Outbox
from tests.conftest import START
from tests.test_idea_answers_domain import world
from tests.test_ideas_domain import refused, submit

OBSTACLES = ["unclear_responsibility", "no_funding", "legal_hurdles"]
DAY = timedelta(days=1)


async def stored(s) -> set[tuple[int, str, str]]:
    return {(c.idea_id, c.kind, c.code) for c in (await s.execute(select(IdeaCode))).scalars()}


async def test_lead_and_manager_may_tick_others_may_not(db):
    async with db.transaction() as s:
        anna, lea, bob, maria, _, idea = await world(s)
        assert await codes.set_code(s, lea, idea.id, "obstacle", "no_funding", OBSTACLES, True, START) is True
        assert await codes.set_code(s, maria, idea.id, "obstacle", "legal_hurdles", OBSTACLES, True, START) is True
        for someone in (anna, bob):  # the author, the lead of another team
            with refused("idea_codes.not_allowed"):
                await codes.set_code(s, someone, idea.id, "obstacle", "unclear_responsibility", OBSTACLES, True, START)
        assert await stored(s) == {(idea.id, "obstacle", "no_funding"), (idea.id, "obstacle", "legal_hurdles")}


async def test_codes_not_in_the_config_and_unknown_kinds_are_refused(db):
    async with db.transaction() as s:
        _, lea, _, _, _, idea = await world(s)
        for kind, code in (("obstacle", "made_up"), ("obstacle", ""), ("mood", "no_funding")):
            with refused("idea_codes.unknown_code"):
                await codes.set_code(s, lea, idea.id, kind, code, OBSTACLES, True, START)
        with refused("errors.stale_button"):
            codes.kind_of("x")
        assert await stored(s) == set()


async def test_unticking_changes_a_second_tick_does_not_and_the_step_keeps_the_current_codes(db):
    async with db.transaction() as s:
        _, lea, _, maria, _, idea = await world(s)
        await codes.set_code(s, lea, idea.id, "obstacle", "no_funding", OBSTACLES, True, START)
        assert await codes.set_code(s, lea, idea.id, "obstacle", "no_funding", OBSTACLES, True, START) is False
        await codes.set_code(s, lea, idea.id, "obstacle", "unclear_responsibility", OBSTACLES, True, START + DAY)
        assert await codes.set_code(s, lea, idea.id, "obstacle", "no_funding", OBSTACLES, False, START + 2 * DAY)
        await codes.set_code(s, maria, idea.id, "obstacle", "legal_hurdles", OBSTACLES, True, START + 3 * DAY)
        coded = [e for e in await events.timeline(s, idea.id) if e.kind == events.CODED]
        assert [(e.actor_id, e.details, e.at) for e in coded] == [
            (lea.id, {"kind": "obstacle", "codes": ["unclear_responsibility"]}, START + 2 * DAY),
            (maria.id, {"kind": "obstacle", "codes": ["unclear_responsibility", "legal_hurdles"]}, START + 3 * DAY),
        ]


async def test_publishing_plans_a_question_only_for_the_statuses_that_call_for_one(db):
    async with db.transaction() as s:
        _, lea, _, _, _, idea = await world(s)
        await idea_answers.save_draft(s, lea, idea.id, "in_review", "Schauen wir", START)
        done = await idea_answers.publish(s, lea, None, START)
        assert done.prompts == 0
        await idea_answers.save_draft(s, lea, idea.id, "rejected", "Leider nein", START + DAY)
        done = await idea_answers.publish(s, lea, None, START + DAY)
        assert done.prompts == 1
        [row] = (await s.execute(select(Outbox).where(Outbox.kind == codes.PROMPT))).scalars()
        assert (row.person_id, row.payload["kind"], row.payload["occasion"]) == (lea.id, "obstacle", "rejected")


async def test_stalled_ideas_go_to_the_leads_or_to_the_managers_and_at_most_five_a_run(db):
    async with db.transaction() as s:
        anna, lea, _, maria, a, idea = await world(s)
        for _ in range(6):
            await submit(s, anna, team_id=a.id)
        teamless = await submit(s, anna)
        finished = await submit(s, anna, team_id=a.id)
        finished.status = "rejected"
        later = START + timedelta(weeks=8, days=1)
        assert await codes.ask_about_stalled(s, later, 8) == 5 + 1  # Lea: five of her seven; Maria: the teamless one
        rows = list((await s.execute(select(Outbox).where(Outbox.kind == codes.PROMPT))).scalars())
        assert {r.payload["idea"] for r in rows if r.person_id == maria.id} == {teamless.id}
        assert len([r for r in rows if r.person_id == lea.id]) == 5
        assert await codes.ask_about_stalled(s, later + DAY, 8) == 2  # the rest the next day
        assert await codes.ask_about_stalled(s, later + 2 * DAY, 8) == 0
        assert idea.id in {r.payload["idea"] for r in rows}


# --- durations ------------------------------------------------------------------------------------------------


async def test_days_in_each_status_add_up_and_an_open_stay_runs_until_now(db):
    async with db.transaction() as s:
        _, lea, _, _, _, idea = await world(s)
        other = await submit(s, lea, now=START + DAY)
        await idea_answers.save_draft(s, lea, idea.id, "in_review", "Schauen wir", START)
        await idea_answers.publish(s, lea, None, START + 2 * DAY)
        await idea_answers.save_draft(s, lea, idea.id, "accepted", "Ja", START)
        await idea_answers.publish(s, lea, None, START + timedelta(days=5, hours=12))
        now = START + timedelta(days=10)
        days = await durations.status_days(s, now)
        assert days[idea.id] == {"submitted": 2.0, "in_review": 3.5, "accepted": 4.5}
        assert days[other.id] == {"submitted": 9.0}
        assert await durations.status_days(s, now, [other.id]) == {other.id: {"submitted": 9.0}}


async def test_a_towns_answer_time_runs_from_the_forwarding_to_its_first_answer(db):
    async with db.transaction() as s:
        _, lea, _, _, _, idea = await world(s)
        second = await submit(s, lea)

        def step(idea_id: int, kind: str, town: str, days: float) -> None:
            events.record(s, idea_id, kind, START + timedelta(days=days), town=town)

        step(idea.id, events.FORWARDED, "saalfeld", 0)
        step(idea.id, events.FORWARDED, "rudolstadt", 0)
        step(idea.id, events.FORWARDED, "saalfeld", 1)  # forwarded again while waiting: still the first
        step(idea.id, events.TOWN_ANSWER, "saalfeld", 10)
        step(idea.id, events.TOWN_ANSWER, "saalfeld", 12)  # a second answer: no new wait
        step(second.id, events.TOWN_ANSWER, "rudolstadt", 3)  # an answer without forwarding: ignored
        step(second.id, events.FORWARDED, "saalfeld", 20)
        step(second.id, events.TOWN_ANSWER, "saalfeld", 24)
        step(second.id, events.FORWARDED, "saalfeld", 30)  # forwarded anew after the answer: a new wait
        await s.flush()
        now = START + timedelta(days=40)
        waits = await durations.town_waits(s)
        assert [(w.idea_id, w.town, w.days(now), w.answered_at is not None) for w in waits] == [
            (idea.id, "rudolstadt", 40.0, False),
            (idea.id, "saalfeld", 10.0, True),
            (second.id, "saalfeld", 4.0, True),
            (second.id, "saalfeld", 10.0, False),
        ]
        figures = durations.per_town(waits, now)
        assert figures["saalfeld"] == durations.TownFigures("saalfeld", 2, 7.0, 7.0, 1, 10.0)
        assert figures["rudolstadt"] == durations.TownFigures("rudolstadt", 0, None, None, 1, 40.0)
        in_period = await durations.town_waits(s, since=START + 15 * DAY, until=START + 25 * DAY)
        assert [(w.idea_id, w.forwarded_at) for w in in_period] == [(second.id, START + 20 * DAY)]
        assert await durations.town_waits(s, [second.id]) == waits[2:]


@pytest.mark.parametrize("kind", [events.CODED])
async def test_ticking_codes_is_no_step_that_ends_a_standstill(db, kind):
    async with db.transaction() as s:
        _, lea, _, _, _, idea = await world(s)
        await codes.set_code(s, lea, idea.id, "obstacle", "no_funding", OBSTACLES, True, START + timedelta(weeks=7))
        found = await codes.stalled(s, START + timedelta(weeks=8), 8)
        assert [(i.id, moved) for i, moved in found] == [(idea.id, START)]
        count = (await s.execute(select(func.count()).select_from(IdeaEvent).where(IdeaEvent.kind == kind))).scalar()
        assert count == 1


# --- config ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"stalled_weeks": 0}, "evaluation.stalled_weeks: expected a number of weeks from 1 to 520"),
        ({"stalled_weeks": "8"}, "evaluation.stalled_weeks: expected int"),
        ({"stalled_weeks": True}, "evaluation.stalled_weeks: expected int"),
        ({"stall_weeks": 8}, "evaluation.stall_weeks: unknown key"),
    ],
)
def test_bad_stalled_weeks_are_refused_naming_the_key(section, message):
    import tomllib

    from core.config import ConfigError, parse_config
    from tests.report_helpers import ROOT

    data = tomllib.loads((ROOT / "config.example.toml").read_text(encoding="utf-8"))
    data["evaluation"] = section
    with pytest.raises(ConfigError) as caught:
        parse_config(data, env={}, require_token=False)
    assert str(caught.value).startswith(message)


def test_stalled_weeks_default_to_eight_without_the_section():
    import tomllib

    from core.config import parse_config
    from tests.report_helpers import ROOT

    data = tomllib.loads((ROOT / "config.example.toml").read_text(encoding="utf-8"))
    assert parse_config(data, env={}, require_token=False).evaluation.stalled_weeks == 8
    del data["evaluation"]
    assert parse_config(data, env={}, require_token=False).evaluation.stalled_weeks == 8
