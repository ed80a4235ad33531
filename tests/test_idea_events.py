"""An idea's path (models/ideas/events.py): each step is written where it happens, status stays follow from it,
and migration 0007 rebuilds the path of ideas stored before it. Also a team's gaps (models/teams.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam, select, text

from models.db import Database, UTCDateTime
from models.ideas import answers as idea_answers
from models.ideas import core as ideas
from models.ideas import events
from models.migrate import upgrade
from models.tables import IdeaEvent
from models.teams import team_gaps
from tests.conftest import START
from tests.test_idea_answers_domain import meeting, world
from tests.test_ideas_domain import person, submit, team

LATER = START + timedelta(hours=1)


async def steps(s, idea_id: int) -> list[tuple[str, str | None]]:
    return [(e.kind, e.status) for e in await events.timeline(s, idea_id)]


async def test_submitting_answering_and_linking_a_meeting_are_steps_on_the_path(db):
    async with db.transaction() as s:
        _, lea, _, _, a, idea = await world(s)
        assert await steps(s, idea.id) == [("submitted", "submitted")]
        past = await meeting(s, a.id, START - timedelta(days=1))
        await idea_answers.save_draft(s, lea, idea.id, "accepted", "Ja", START, past.id)
        await idea_answers.save_draft(s, lea, idea.id, "accepted", "Ja, sicher", START, past.id)  # same link: one step
        await idea_answers.publish(s, lea, None, LATER)
        path = await events.timeline(s, idea.id)
        assert [(e.kind, e.status) for e in path] == [
            ("submitted", "submitted"),
            ("discussed", None),
            ("status", "accepted"),
        ]
        assert path[1].meeting_id == past.id and path[2].actor_id == lea.id


async def test_giving_a_teamless_idea_a_team_is_a_step_naming_the_team(db):
    async with db.transaction() as s:
        anna, maria = await person(s, 1), await person(s, 2)
        maria.is_manager = True
        t = await team(s, "mobil")
        idea = await submit(s, anna)
        await ideas.assign_team(s, maria, idea.id, t.id, LATER)
        path = await events.timeline(s, idea.id)
        assert [(e.kind, e.details) for e in path] == [("submitted", {}), ("team", {"team": "mobil"})]


async def test_status_stays_end_where_the_next_status_begins(db):
    async with db.transaction() as s:
        _, lea, _, _, _, idea = await world(s)
        await idea_answers.save_draft(s, lea, idea.id, "in_review", "Wir prüfen", START)
        await idea_answers.publish(s, lea, None, START + timedelta(days=3))
        await idea_answers.save_draft(s, lea, idea.id, "accepted", "Ja", START)
        await idea_answers.publish(s, lea, None, START + timedelta(days=10))
        got = sorted((st.status, st.since, st.until) for st in await events.status_stays(s, [idea.id]))
        assert got == [
            ("accepted", START + timedelta(days=10), None),
            ("in_review", START + timedelta(days=3), START + timedelta(days=10)),
            ("submitted", START, START + timedelta(days=3)),
        ]


async def test_team_gaps_name_the_missing_towns_groups_and_pairs(db):
    async with db.transaction() as s:
        members = [await person(s, 1, "citizen", "saalfeld"), await person(s, 2, "administration", "rudolstadt")]
        t = await team(s, "mix", *members)
        gaps = await team_gaps(s, t.id, ["saalfeld", "rudolstadt", "bad_blankenburg"], ["citizen", "administration"])
        assert gaps.towns == ("bad_blankenburg",) and gaps.groups == ()
        assert ("saalfeld", "administration") in gaps.pairs and ("saalfeld", "citizen") not in gaps.pairs
        assert len(gaps.pairs) == 4 and bool(gaps)
        empty = await team(s, "leer")
        assert (await team_gaps(s, empty.id, ["saalfeld"], ["citizen"])).towns == ("saalfeld",)


async def test_migration_0007_rebuilds_the_path_of_earlier_ideas(empty_db_url):
    """Ideas stored before 0007 get 'submitted' at their creation, a 'status' step per published answer and a
    'discussed' step for a linked meeting, so status durations cover the time before the upgrade too."""
    url = empty_db_url
    made = datetime(2025, 3, 1, 8, 30, tzinfo=UTC)
    answered = made + timedelta(days=5)
    at = bindparam("at", type_=UTCDateTime())
    later = bindparam("later", type_=UTCDateTime())
    await upgrade(url, "0006_consent_history")
    db = Database(url)
    async with db.transaction() as s:
        await s.execute(
            text(
                "INSERT INTO teams (id, slug, field, name_de, name_en, description_de, description_en, created_at)"
                " VALUES (1, 't', 'f', 't', 't', '', '', :at)"
            ).bindparams(at),
            {"at": made},
        )
        await s.execute(
            text(
                "INSERT INTO meetings (id, team_id, title, starts_at, duration_min, status, sequence,"
                " reminder_offsets, created_at, updated_at, guests) VALUES (1, 1, 'M', :at, 90, 'scheduled', 0,"
                " '[]', :at, :at, 0)"
            ).bindparams(at),
            {"at": made + timedelta(days=1)},
        )
        await s.execute(
            text(
                "INSERT INTO ideas (id, text, field, status, created_at, updated_at, meeting_id, team_id)"
                " VALUES (7, 'Ein Bürgerbus bitte', 'f', 'accepted', :at, :later, 1, 1)"
            ).bindparams(at, later),
            {"at": made, "later": answered},
        )
        await s.execute(
            text(
                "INSERT INTO idea_answers (idea_id, status, text, created_at, published_at)"
                " VALUES (7, 'accepted', 'Ja', :at, :later), (7, 'rejected', 'Entwurf', :at, NULL)"
            ).bindparams(at, later),
            {"at": made, "later": answered},
        )
    await db.dispose()
    await upgrade(url)
    db = Database(url)
    async with db.transaction() as s:
        rows = (await s.execute(select(IdeaEvent).order_by(IdeaEvent.at, IdeaEvent.id))).scalars().all()
        got = [(e.idea_id, e.kind, e.status, e.at, e.meeting_id, e.details) for e in rows]
    await db.dispose()
    assert got == [
        (7, "submitted", "submitted", made, None, {}),
        (7, "discussed", None, made + timedelta(days=1), 1, {}),
        (7, "status", "accepted", answered, None, {}),
    ]
