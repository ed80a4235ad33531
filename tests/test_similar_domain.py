"""Alike ideas without Telegram: how alike two German texts are (the threshold is measured on the labelled set in
tests/similar_pairs.py, see tests/test_similar_labelled.py), flagging after a
submit or an import, and merging one idea into another."""

from __future__ import annotations

import random
import string

import pytest
from sqlalchemy import select

from models.ideas import likeness
from models.ideas import similar as domain
from models.tables import Idea, IdeaSimilar
from tests.conftest import START
from tests.test_ideas_domain import person, refused, submit, team

# (text, text, alike?) -- the first examples behind likeness.THRESHOLD: every alike pair scores above it, every
# different pair at least 3 points below
EXAMPLES = [
    ("Mehr Sitzbänke im Stadtpark aufstellen", "Im Stadtpark sollten mehr Bänke zum Sitzen aufgestellt werden!", True),
    ("Mehr Sitzbänke im Stadtpark aufstellen", "MEHR SITZBAENKE IM STADTPARK AUFSTELLEN.", True),
    ("Ein Bürgerbus zwischen Saalfeld und Rudolstadt", "Bürgerbus Saalfeld – Rudolstadt einrichten", True),
    (
        "Kita-Öffnungszeiten an Schichtarbeit anpassen",
        "Die Öffnungszeiten der Kitas an die Schichtarbeit anpassen",
        True,
    ),
    ("Ein Repair-Café im Jugendclub eröffnen", "Repaircafe im Jugendclub", True),
    (
        "Azubi-Börse für die Region mit allen Betrieben",
        "Eine gemeinsame Ausbildungsbörse der Betriebe in der Region",
        True,
    ),
    (
        "Wir brauchen einen Treffpunkt für ältere Menschen in der Innenstadt, wo man Kaffee trinken und sich "
        "austauschen kann. Am besten mit barrierefreiem Zugang.",
        "Ein Treffpunkt für Senioren in der Innenstadt zum Kaffeetrinken und Austauschen, barrierefrei erreichbar.",
        True,
    ),
    (
        "Die Stadt sollte leerstehende Läden in der Innenstadt günstig an junge Gründerinnen und Gründer vermieten.",
        "Leerstehende Geschäfte in der Innenstadt günstig an Start-ups und junge Gründer vermieten",
        True,
    ),
    ("Mehr Sitzbänke im Stadtpark aufstellen", "Mehr Fahrradständer am Bahnhof aufstellen", False),
    ("Ein Bürgerbus zwischen Saalfeld und Rudolstadt", "Ein Rufbus zwischen Bad Blankenburg und Rudolstadt", False),
    ("Kita-Öffnungszeiten an Schichtarbeit anpassen", "Die Öffnungszeiten des Bürgerbüros verlängern", False),
    (
        "Die Stadt sollte leerstehende Läden in der Innenstadt günstig an junge Gründerinnen und Gründer vermieten.",
        "Die Stadt sollte die Innenstadt für Radfahrer sicherer machen und mehr Radwege in der Innenstadt bauen.",
        False,
    ),
    ("Ein Bürgerbus zwischen den drei Städten, auch am Wochenende.", "Mehr Ärztinnen und Ärzte aufs Land holen", False),
    # a very short idea is not "alike" to every longer one that contains its words
    ("Mehr Bänke", "Mehr Bänke am Saaleufer und im Stadtpark, damit ältere Menschen Pausen machen können", False),
]


@pytest.mark.parametrize(("a", "b", "alike"), EXAMPLES)
def test_the_threshold_separates_the_examples_with_a_margin(a, b, alike):
    value = likeness.score(a, b)
    assert (value >= likeness.THRESHOLD) == alike, value
    assert value > likeness.THRESHOLD if alike else value <= likeness.THRESHOLD - 3  # not just across the line
    assert likeness.score(b, a) == value


def test_case_umlauts_punctuation_stop_words_and_word_order_do_not_matter():
    assert likeness.key("Die BÄNKE im Park, bitte!") == likeness.key("park baenke")
    assert likeness.key("Repair-Café") == likeness.key("repaircafe")
    assert likeness.key("Straße") == likeness.key("strasse")
    assert likeness.key("Das ist eine Idee, die wir sollten!") == ""  # nothing but stop words: alike to nothing
    assert likeness.score("Das ist eine Idee!", "Das ist eine Idee!") == 0
    assert likeness.key("🚌🚌 Bus <b>nach</b> Jena") == "b bus jena"  # emoji and tags are no words


def test_many_against_many_finds_what_comparing_everything_finds():
    """The large-batch path (candidates by shared rare words) against comparing every pair, on ideas whose
    alike pairs share a word (as real duplicates do)."""
    base = [a for a, _b, _ in EXAMPLES] + [b for _a, b, _ in EXAMPLES]
    rnd = random.Random(7)
    word = lambda: "".join(rnd.choices(string.ascii_lowercase, k=rnd.randint(4, 11)))  # noqa: E731
    filler = [" ".join(word() for _ in range(rnd.randint(3, 9))) for _ in range(150)]  # alike to nothing
    texts = [likeness.key(t) for t in base + filler]
    exhaustive = likeness.pairs(texts, texts, exhaustive=True)
    sampled = likeness.pairs(texts, texts, exhaustive=False)
    assert sampled == exhaustive
    assert len([p for p in exhaustive if p[0] != p[1]]) > 20


# -- flagging ---------------------------------------------------------------------------------------------


async def pairs_in(s) -> list[tuple[int, int, int, bool]]:
    rows = await s.execute(
        select(IdeaSimilar.idea_id, IdeaSimilar.other_id, IdeaSimilar.score, IdeaSimilar.dismissed_at.is_not(None))
    )
    return sorted((a, b, c, bool(d)) for a, b, c, d in rows.all())


async def test_a_new_idea_is_flagged_against_alike_live_ideas_once(db):
    async with db.transaction() as s:
        anna, ben = await person(s, 1), await person(s, 2)
        old = await submit(s, anna, text="Mehr Sitzbänke im Stadtpark aufstellen")
        other = await submit(s, anna, text="Mehr Fahrradständer am Bahnhof aufstellen")
        gone = await submit(s, anna, text="Im Stadtpark mehr Sitzbänke aufstellen!")
        gone.status = "rejected"
        new = await submit(s, ben, text="Im Stadtpark sollten mehr Bänke zum Sitzen aufgestellt werden!")
        assert await domain.flag_new(s, [new.id], START) == 1
        assert await pairs_in(s) == [(new.id, old.id, 80, False)]
        assert await domain.flag_new(s, [new.id, old.id], START) == 0  # idempotent
        assert other.id not in {p[1] for p in await pairs_in(s)}


async def test_an_import_flags_alike_ideas_among_themselves_and_against_existing_ones(db):
    async with db.transaction() as s:
        anna = await person(s, 1)
        old = await submit(s, anna, text="Ein Bürgerbus zwischen Saalfeld und Rudolstadt")
        batch = [
            await submit(s, anna, text=t)
            for t in (
                "Bürgerbus Saalfeld – Rudolstadt einrichten",
                "Kita-Öffnungszeiten an Schichtarbeit anpassen",
                "Die Öffnungszeiten der Kitas an die Schichtarbeit anpassen",
                "Mehr Ärztinnen und Ärzte aufs Land holen",
            )
        ]
        assert await domain.flag_new(s, [i.id for i in batch], START) == 2
        assert [(a, b) for a, b, _, _ in await pairs_in(s)] == [(batch[0].id, old.id), (batch[2].id, batch[1].id)]



async def test_a_file_of_near_copies_flags_each_idea_with_its_few_most_alike_only(db):
    """Twenty near-identical rows would be 190 pairs; each new idea keeps its PARTNERS most alike partners."""
    async with db.transaction() as s:
        anna = await person(s, 1)
        batch = [await submit(s, anna, text=f"Treffpunkte für Jung und Alt am Abend {'x' * i}") for i in range(20)]
        flagged = await domain.flag_new(s, [i.id for i in batch], START)
        partners: dict[int, int] = {}
        for a, _b, _, _ in await pairs_in(s):
            partners[a] = partners.get(a, 0) + 1
    assert domain.PARTNERS == 3
    assert 20 <= flagged <= 20 * domain.PARTNERS
    assert len(partners) >= 10 and max(partners.values()) <= 2 * domain.PARTNERS

async def test_a_dismissed_pair_is_never_flagged_again_and_a_second_dismissal_is_refused(db):
    async with db.transaction() as s:
        anna, maria = await person(s, 1), await person(s, 9)
        maria.is_manager = True
        a = await submit(s, anna, text="Mehr Sitzbänke im Stadtpark aufstellen")
        b = await submit(s, anna, text="Im Stadtpark mehr Sitzbänke aufstellen")
        await domain.flag_new(s, [b.id], START)
        assert await domain.open_count(s) == 1
        with refused("errors.managers_only"):
            await domain.dismiss(s, anna, a.id, b.id, START)
        await domain.dismiss(s, maria, a.id, b.id, START)  # either order of the two ids
        with refused("similar.no_pair"):
            await domain.dismiss(s, maria, b.id, a.id, START)
        assert await domain.flag_new(s, [b.id], START) == 0
        assert await pairs_in(s) == [(b.id, a.id, 100, True)]
        assert await domain.open_count(s) == 0
        assert await domain.open_pairs(s, maria, 0) == ([], 1)


async def test_members_see_only_alike_ideas_of_their_teams_or_without_a_team(db):
    async with db.transaction() as s:
        anna, ben, cem = await person(s, 1), await person(s, 2), await person(s, 3)
        t1, t2 = await team(s, "t1", anna), await team(s, "t2", ben)
        mine = await submit(s, anna, text="Mehr Sitzbänke im Stadtpark aufstellen", team_id=t1.id)
        theirs = await submit(s, ben, text="Mehr Sitzbänke im Stadtpark aufstellen!", team_id=t2.id)
        free = await submit(s, cem, text="Sitzbänke im Stadtpark aufstellen")
        text = "Im Stadtpark mehr Sitzbänke aufstellen"
        assert {m.idea.id for m in await domain.find_similar(s, text, anna)} == {mine.id, free.id}
        assert {m.idea.id for m in await domain.find_similar(s, text)} == {mine.id, theirs.id, free.id}
        with refused("similar.not_shown"):  # not one she can see: a forged button
            await domain.support_instead(s, anna, theirs.id, text, START)
        with refused("ideas.own_idea"):
            await domain.support_instead(s, anna, mine.id, text, START)
        with refused("similar.not_shown"):  # shown for another text, not for this one
            await domain.support_instead(s, anna, free.id, "Ein Bürgerbus zwischen den Städten", START)
        assert await domain.support_instead(s, anna, free.id, text, START) == (free, 1)
        assert await domain.support_instead(s, anna, free.id, text, START) == (free, 1)  # twice: still one


async def test_rejected_and_merged_ideas_are_never_suggested(db):
    async with db.transaction() as s:
        anna = await person(s, 1)
        a = await submit(s, anna, text="Mehr Sitzbänke im Stadtpark aufstellen")
        b = await submit(s, anna, text="Mehr Sitzbänke im Stadtpark aufstellen!")
        a.status, b.status, b.merged_into_id = "rejected", "merged", a.id
        await s.flush()
        assert await domain.find_similar(s, "Sitzbänke im Stadtpark aufstellen") == []
        stored = (await s.execute(select(Idea.status).order_by(Idea.id))).scalars().all()
        assert stored == ["rejected", "merged"]
