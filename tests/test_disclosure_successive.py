"""Successive evaluation reports (docs/evaluation.md, "Over time"): a report handed out after another one of the
same start shows a figure's new value only when at least 5 people stand behind the change (in the time between
the two reports' ends); else the value released before, so that the difference of two reports never tells one
person's contribution."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from handlers.reports.evaluation_words import vocabulary
from models.evaluation import figures
from models.reports.suppression import threshold
from models.tables import Idea, IdeaTown, Person
from tests.report_helpers import config
from tests.test_disclosure_report import walkthrough

FIRST, SECOND, THIRD = (datetime(2026, 12, d, 12, tzinfo=UTC) for d in (18, 24, 31))


async def ideas_by(db, authors: int, at: datetime, skip: int = 0) -> None:
    """Ideas for public services, one each by `authors` people of the walk-through (after the first `skip`)."""
    async with db.transaction() as s:
        people = list((await s.execute(select(Person).order_by(Person.id))).scalars())[skip:skip + authors]
        for p in people:
            idea = Idea(author_id=p.id, author_group="citizen", author_town=p.town, text="Noch eine Idee",
                        field="public_services", status="submitted", created_at=at, updated_at=at)
            s.add(idea)
            await s.flush()
            s.add(IdeaTown(idea_id=idea.id, town="saalfeld"))


async def report(db, cfg, until: datetime, release: bool = True):
    with threshold(5):
        async with db.transaction() as s:
            return await figures.all_figures(s, None, until, vocabulary(cfg, "de"),
                                             release_at=until if release else None)


def field_ideas(fig) -> figures.Cell:
    return next(r for r in fig.cross_town.ideas.rows if r.keys[0] == "public_services").cells[0]


async def test_one_more_idea_after_a_report_does_not_change_the_next_one(db):
    """5 ideas released; one more by one person: the next report still says 5 (6 − 5 would be that person's
    idea and its field); five more people later: 11."""
    cfg = config(db.url)
    await walkthrough(db, cfg)
    first = await report(db, cfg, FIRST)
    assert field_ideas(first).value == 5 and first.summary.ideas_new.value == 5
    await ideas_by(db, 1, datetime(2026, 12, 20, tzinfo=UTC))
    assert field_ideas(await report(db, cfg, SECOND, release=False)).value == 6  # the number as it is: 6 people
    second = await report(db, cfg, SECOND)
    assert field_ideas(second).value == 5 and second.summary.ideas_new.value == 5  # what was released
    assert second.kept > 0
    await ideas_by(db, 5, datetime(2026, 12, 28, tzinfo=UTC), skip=1)
    third = await report(db, cfg, THIRD)
    assert field_ideas(third).value == 11 and third.summary.ideas_new.value == 11  # 5 more since the 2nd report


async def release(db, cfg, since: datetime | None, until: datetime):
    with threshold(5):
        async with db.transaction() as s:
            return await figures.all_figures(s, since, until, vocabulary(cfg, "de"), release_at=until)


async def test_moving_the_start_does_not_get_round_the_rule(db):
    """A start on 1 November covers the same ideas as the report from the beginning: still 5."""
    cfg = config(db.url)
    await walkthrough(db, cfg)
    await report(db, cfg, FIRST)
    await ideas_by(db, 1, datetime(2026, 12, 20, tzinfo=UTC))
    other = await release(db, cfg, datetime(2026, 11, 1, tzinfo=UTC), SECOND)
    assert field_ideas(other).value == 5 and other.kept > 0


async def test_a_report_of_a_period_after_the_last_one_shows_its_own_numbers(db):
    """Reports of periods side by side (not overlapping) differ by everyone in them: nothing is held."""
    cfg = config(db.url)
    await walkthrough(db, cfg)
    await report(db, cfg, FIRST)
    await ideas_by(db, 6, datetime(2026, 12, 20, tzinfo=UTC))
    later = await release(db, cfg, FIRST, THIRD)
    assert field_ideas(later).value == 6 and later.summary.ideas_new.value == 6


async def test_the_period_before_shown_beside_a_report_keeps_what_its_own_report_released(db):
    """November's report said 5 new ideas; one more November idea is entered later (imported from a workshop).
    December's report shows November as its period before: still 5, else 6 − 5 would be that one idea."""
    cfg = config(db.url)
    await walkthrough(db, cfg)
    nov, dec, jan = (datetime(y, m, 1, tzinfo=UTC) for y, m in ((2026, 11), (2026, 12), (2027, 1)))
    assert (await release(db, cfg, nov, dec)).summary.ideas_new.value == 5
    await ideas_by(db, 1, datetime(2026, 11, 20, tzinfo=UTC))
    with threshold(5):
        async with db.transaction() as s:
            vocab = vocabulary(cfg, "de")
            assert (await figures.summary(s, nov, dec, vocab)).ideas_new.value == 6  # the number as it is
            before = await figures.summary(s, nov, dec, vocab, release_at=jan)
    assert before.ideas_new.value == 5
