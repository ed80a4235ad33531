"""models/ideas/core.py without Telegram: text rules, submission checks, listing and one support per person."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from models.errors import Refusal
from models.ideas import core as ideas
from models.people import register
from models.tables import AuditEntry, Idea, IdeaSupport, IdeaTown, Membership, Outbox, Person, Team
from tests.conftest import START

FIELDS = ["public_services", "skilled_workers", "civic_engagement"]
TOWNS = ["saalfeld", "rudolstadt", "bad_blankenburg"]
TEXT = "Ein Bürgerbus zwischen den drei Städten."


async def person(s, telegram_id: int, group: str = "citizen", town: str = "saalfeld") -> Person:
    p, _ = await register(
        s, telegram_id=telegram_id, display_name=f"P{telegram_id}", language="de", privacy_version="v1", now=START
    )
    p.stakeholder_group, p.town = group, town
    await s.flush()
    return p


async def team(s, slug: str, *members: Person) -> Team:
    t = Team(slug=slug, field="public_services", name_de=slug, name_en=slug, description_de="", description_en="")
    t.created_at = START
    s.add(t)
    await s.flush()
    s.add_all(Membership(person_id=m.id, team_id=t.id, role="member", joined_at=START) for m in members)
    await s.flush()
    return t


async def submit(
    s, author: Person, *, text=TEXT, field="public_services", towns=("saalfeld",), team_id=None, now=START
):
    return await ideas.submit(
        s, author, text=text, field=field, towns=towns, team_id=team_id, now=now, fields=FIELDS, allowed_towns=TOWNS
    )


async def idea_count(s) -> int:
    return (await s.execute(select(func.count()).select_from(Idea))).scalar_one()


def refused(key: str):
    return pytest.raises(Refusal, match=f"^{key}$")


# -- the text --------------------------------------------------------------------------------------------


def test_text_is_stripped_and_ten_characters_are_enough():
    assert ideas.clean_text("  Parkbänke!  \n") == "Parkbänke!"


def test_nine_characters_are_too_short_and_say_how_long_it_was():
    with refused("ideas.too_short") as info:
        ideas.clean_text("Parkbänke")
    assert info.value.params == {"min": 10, "length": 9}


@pytest.mark.parametrize("raw", [None, "", "   \n\t "])
def test_missing_or_blank_text_is_too_short(raw):
    with refused("ideas.too_short"):
        ideas.clean_text(raw)


def test_two_thousand_characters_are_allowed_but_not_one_more():
    assert len(ideas.clean_text("a" * 2000)) == 2000
    with refused("ideas.too_long") as info:
        ideas.clean_text("a" * 2001)
    assert info.value.params == {"max": 2000, "length": 2001}


@pytest.mark.parametrize("raw", ["🚌🚲🏥🌳🎉🚌🚲🏥🌳🎉", "!!!???...---", "👍👍👍 !!! 👍👍👍"])
def test_text_without_letters_or_digits_is_refused(raw):
    with refused("ideas.no_words"):
        ideas.clean_text(raw)


def test_markup_is_kept_verbatim():
    assert ideas.clean_text("<b>Mehr</b> Bänke & <script>") == "<b>Mehr</b> Bänke & <script>"


# -- submitting ------------------------------------------------------------------------------------------


async def test_submit_copies_group_and_town_of_the_author_and_stores_towns_once(db):
    async with db.transaction() as s:
        anna = await person(s, 1, group="entrepreneur", town="rudolstadt")
        t = await team(s, "daseinsvorsorge", anna)
        idea = await submit(s, anna, towns=["saalfeld", "rudolstadt", "saalfeld"], team_id=t.id)
        towns = list((await s.execute(select(IdeaTown.town).where(IdeaTown.idea_id == idea.id))).scalars())
    assert (idea.author_id, idea.author_group, idea.author_town) == (anna.id, "entrepreneur", "rudolstadt")
    assert (idea.text, idea.field, idea.team_id, idea.status) == (TEXT, "public_services", t.id, "submitted")
    assert idea.created_at == idea.updated_at == START
    assert sorted(towns) == ["rudolstadt", "saalfeld"]


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"text": "zu kurz"}, "ideas.too_short"),
        ({"field": "weather"}, "errors.unknown_choice"),
        ({"towns": []}, "ideas.need_town"),
        ({"towns": ["saalfeld", "jena"]}, "ideas.need_town"),
    ],
)
async def test_submit_checks_every_value_again_and_stores_nothing_when_refused(db, changes, key):
    async with db.transaction() as s:
        anna = await person(s, 1)
        with refused(key):
            await submit(s, anna, **changes)
        assert await idea_count(s) == 0


async def test_submit_refuses_a_team_the_author_is_not_in(db):
    async with db.transaction() as s:
        anna, ben = await person(s, 1), await person(s, 2)
        bens_team = await team(s, "fachkraefte", ben)
        with refused("ideas.not_in_team"):
            await submit(s, anna, team_id=bens_team.id)
        assert await idea_count(s) == 0


# -- listing ---------------------------------------------------------------------------------------------


async def test_my_ideas_are_mine_only_and_newest_first(db):
    async with db.transaction() as s:
        anna, ben = await person(s, 1), await person(s, 2)
        first = await submit(s, anna, text="Annas erste Idee", now=START)
        await submit(s, ben, text="Bens einzige Idee", now=START + timedelta(minutes=1))
        second = await submit(s, anna, text="Annas zweite Idee", now=START + timedelta(minutes=2))
        views = await ideas.my_ideas(s, anna)
    assert [v.idea.id for v in views] == [second.id, first.id]
    assert [v.towns for v in views] == [["saalfeld"], ["saalfeld"]]


async def test_team_ideas_are_those_of_my_teams_only(db):
    async with db.transaction() as s:
        anna, ben = await person(s, 1), await person(s, 2)
        mine = await team(s, "daseinsvorsorge", anna, ben)
        other = await team(s, "fachkraefte", ben)
        visible = await submit(s, ben, team_id=mine.id)
        await submit(s, ben, team_id=other.id)
        await submit(s, ben, team_id=None)
        views, pages = await ideas.team_ideas_page(s, anna, 0)
    assert [v.idea.id for v in views] == [visible.id]
    assert pages == 1


async def test_team_ideas_come_five_per_page_and_a_page_out_of_range_is_clamped(db):
    async with db.transaction() as s:
        anna = await person(s, 1)
        t = await team(s, "daseinsvorsorge", anna)
        made = [await submit(s, anna, team_id=t.id, now=START + timedelta(minutes=n)) for n in range(7)]
        first, pages = await ideas.team_ideas_page(s, anna, 0)
        second, _ = await ideas.team_ideas_page(s, anna, 1)
        beyond, _ = await ideas.team_ideas_page(s, anna, 99)
        before, _ = await ideas.team_ideas_page(s, anna, -3)
    newest_first = [i.id for i in reversed(made)]
    assert pages == 2
    assert [v.idea.id for v in first] == newest_first[:5]
    assert [v.idea.id for v in second] == [v.idea.id for v in beyond] == newest_first[5:]
    assert [v.idea.id for v in before] == newest_first[:5]


async def test_no_ideas_is_one_empty_page(db):
    async with db.transaction() as s:
        anna = await person(s, 1)
        assert await ideas.team_ideas_page(s, anna, 0) == ([], 1)
        assert await ideas.my_ideas(s, anna) == []


# -- support ---------------------------------------------------------------------------------------------


async def test_support_toggles_on_and_off(db):
    async with db.transaction() as s:
        anna, ben = await person(s, 1), await person(s, 2)
        t = await team(s, "daseinsvorsorge", anna, ben)
        idea = await submit(s, ben, team_id=t.id)
        assert await ideas.toggle_support(s, anna, idea.id, START) == (True, 1)
        [view], _ = await ideas.team_ideas_page(s, anna, 0)
        assert (view.supports, view.supported_by_me, view.own) == (1, True, False)
        assert await ideas.toggle_support(s, anna, idea.id, START) == (False, 0)
        [view], _ = await ideas.team_ideas_page(s, anna, 0)
        assert (view.supports, view.supported_by_me) == (0, False)


async def test_each_person_supports_once_and_counts_are_per_idea(db):
    async with db.transaction() as s:
        anna, ben, cem = await person(s, 1), await person(s, 2), await person(s, 3)
        t = await team(s, "daseinsvorsorge", anna, ben, cem)
        idea = await submit(s, anna, team_id=t.id)
        other = await submit(s, anna, text="Eine zweite Idee dazu", team_id=t.id)
        assert await ideas.toggle_support(s, ben, idea.id, START) == (True, 1)
        assert await ideas.toggle_support(s, cem, idea.id, START) == (True, 2)
        assert await ideas.toggle_support(s, cem, other.id, START) == (True, 1)
        views, _ = await ideas.team_ideas_page(s, anna, 0)
        rows = (await s.execute(select(func.count()).select_from(IdeaSupport))).scalar_one()
    assert {v.idea.id: (v.supports, v.supported_by_me) for v in views} == {idea.id: (2, False), other.id: (1, False)}
    assert rows == 3


@pytest.mark.parametrize("which", ["foreign team", "missing"])
async def test_support_outside_my_teams_is_refused_and_changes_nothing(db, which):
    async with db.transaction() as s:
        anna, ben = await person(s, 1), await person(s, 2)
        await team(s, "daseinsvorsorge", anna)
        bens = await team(s, "fachkraefte", ben)
        idea = await submit(s, ben, team_id=bens.id)
        idea_id = idea.id if which != "missing" else idea.id + 100
        with refused("ideas.not_found"):
            await ideas.toggle_support(s, anna, idea_id, START)
        assert (await s.execute(select(func.count()).select_from(IdeaSupport))).scalar_one() == 0


@pytest.mark.parametrize("with_team", [True, False])
async def test_nobody_supports_their_own_idea(db, with_team):
    async with db.transaction() as s:
        anna = await person(s, 1)
        t = await team(s, "daseinsvorsorge", anna)
        idea = await submit(s, anna, team_id=t.id if with_team else None)
        with refused("ideas.own_idea"):
            await ideas.toggle_support(s, anna, idea.id, START)
        assert (await s.execute(select(func.count()).select_from(IdeaSupport))).scalar_one() == 0


async def test_ideas_without_a_team_are_seen_and_supported_by_anyone(db):
    async with db.transaction() as s:
        anna, ben = await person(s, 1), await person(s, 2)
        bens = await team(s, "fachkraefte", ben)
        loose = await submit(s, ben, team_id=None)
        await submit(s, ben, team_id=bens.id)
        assert await ideas.toggle_support(s, anna, loose.id, START) == (True, 1)
        views, pages = await ideas.teamless_ideas_page(s, anna, 0)
        assert [(v.idea.id, v.supports, v.supported_by_me, v.own) for v in views] == [(loose.id, 1, True, False)]
        assert (pages, await ideas.teamless_count(s)) == (1, 1)
        [mine], _ = await ideas.teamless_ideas_page(s, ben, 0)
        assert mine.own


# -- giving an idea a team -------------------------------------------------------------------------------


async def test_only_the_manager_gives_a_team_less_idea_a_team(db):
    async with db.transaction() as s:
        anna, maria = await person(s, 1), await person(s, 2)
        maria.is_manager = True
        t = await team(s, "daseinsvorsorge", anna)
        loose = await submit(s, anna, team_id=None)
        with refused("errors.managers_only"):
            await ideas.assign_team(s, anna, loose.id, t.id, START)
        with refused("teams.not_found"):
            await ideas.assign_team(s, maria, loose.id, t.id + 100, START)
        with refused("ideas.not_found"):
            await ideas.assign_team(s, maria, loose.id + 100, t.id, START)
        later = START + timedelta(hours=1)
        idea, got = await ideas.assign_team(s, maria, loose.id, t.id, later)
        assert (idea.team_id, idea.updated_at, got.id) == (t.id, later, t.id)
        with refused("ideas.has_team"):
            await ideas.assign_team(s, maria, loose.id, t.id, later)
        rows = list((await s.execute(select(Outbox.kind, Outbox.person_id, Outbox.payload))).all())
        entries = list((await s.execute(select(AuditEntry.action, AuditEntry.details))).all())
    assert rows == [("idea_assigned", anna.id, {"idea": loose.id})]
    assert entries == [("assign_idea", {"idea": loose.id, "team": "daseinsvorsorge", "told_author": True})]
