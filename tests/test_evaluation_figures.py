"""The cooperation figures, computed from three months of a project seeded through the domain.

tests/evaluation_helpers.py describes the project; the numbers below follow from it. (That the documented SQL
gives the same numbers is tests/test_evaluation_queries.py.)
"""

from datetime import UTC, datetime

import pytest

from handlers.reports.evaluation_words import vocabulary
from models import people
from models.evaluation import figures
from models.privacy.core import erase_person
from models.reports.suppression import too_few
from models.tables import Person
from tests.evaluation_helpers import seed
from tests.report_helpers import config

CFG = config()
DE = vocabulary(CFG, "de")


@pytest.fixture
async def seeded(db):
    return await seed(db, config(db.url))


async def all_figures(db, since=None, until=None, suppress=True, vocab=DE) -> figures.Figures:
    async with db.transaction() as s:
        return await figures.all_figures(s, since, until, vocab, suppress=suppress)


def values(t: figures.Table) -> dict[tuple[str, ...], tuple]:
    """Each row's cells as shown: the number, or the marker "•"."""
    return {r.keys: tuple(figures.SUPPRESSED if c.suppressed else c.value for c in r.cells) for r in t.rows}


def raw(t: figures.Table) -> dict[tuple[str, ...], tuple]:
    return {r.keys: tuple((c.value, c.n) for c in r.cells) for r in t.rows}


async def test_where_people_travel_counts_presences_and_people_per_home_and_meeting_town(db, seeded):
    travel = (await all_figures(db, suppress=False)).cross_town.travel
    got = raw(travel)
    assert got[("saalfeld", "saalfeld")] == ((9, 6), (6, 6))  # L1 S1..S5 at M1, L1 S1 S2 at M4
    assert got[("rudolstadt", "online")] == ((6, 6), (6, 6))  # L2 R1..R5 at M3
    assert ("rudolstadt", "rudolstadt") in got and travel.people == figures.Cell(14, 14)  # X was erased


async def test_small_cells_are_shown_as_less_than_five_and_large_ones_as_numbers(db, seeded):
    travel = (await all_figures(db)).cross_town.travel
    shown = values(travel)
    assert shown[("saalfeld", "saalfeld")] == (9, 6)
    assert shown[("rudolstadt", "online")] == (6, 6)
    assert shown[("bad_blankenburg", "saalfeld")] == ("•", "•")
    cell = travel.rows[0].cells[0]
    assert cell.suppressed and (cell.value, cell.n) == (None, None) and cell.text() == "•"
    assert all(c.n is None or c.n >= 5 or c.n == 0 for r in travel.rows for c in r.cells)


async def test_every_figure_hides_every_cell_behind_fewer_than_five_people(db, seeded):
    f = await all_figures(db)
    tables = figures_of(f)
    assert len(tables) == 20
    for t in tables:
        for row in t.rows:
            for c in row.cells:
                assert c.suppressed or c.n is None or c.n == 0 or c.n >= 5, (t.key, row.keys)
                assert not c.suppressed or (c.value is None and c.n is None)
    assert any(c.suppressed for t in tables for r in t.rows for c in r.cells)


def figures_of(f: figures.Figures) -> list[figures.Table]:
    return f.tables()


async def test_ideas_and_meetings_across_towns_with_their_share(db, seeded):
    c = (await all_figures(db, suppress=False)).cross_town
    assert raw(c.ideas)[("all",)] == ((10, 10), (4, 4), (40.0, 4))  # I1 I3 I5 I8
    assert raw(c.ideas)[("public_services",)] == ((6, 6), (3, 3), (50.0, 3))
    # M3 (online) had only people from Rudolstadt, M5 people from Rudolstadt and Bad Blankenburg
    assert raw(c.meetings)[("fachkraefte",)] == ((2, 7), (1, 4), (50.0, 4))


async def test_the_team_mix_counts_todays_members_from_the_month_they_joined(db, seeded):
    mix = (await all_figures(db, suppress=False)).cross_town.team_mix
    got = raw(mix)
    assert got[("daseinsvorsorge", "2026-09", "saalfeld", "citizen")] == ((6, 6),)
    assert got[("daseinsvorsorge", "2026-09", "rudolstadt", "entrepreneur")] == ((2, 2),)
    assert got[("daseinsvorsorge", "2026-10", "rudolstadt", "entrepreneur")] == ((3, 3),)  # R3 joined; X erased
    assert ("daseinsvorsorge", "2026-11", "saalfeld", "citizen") not in got  # nobody joined in November
    assert "Team verlässt" in mix.note


async def test_engagement_hours_include_guests_per_month_group_and_town(db, seeded):
    e = (await all_figures(db, suppress=False)).engagement
    # September: 7 present × 2 h + 3 guests × 2 h
    assert raw(e.by_month)[("2026-09",)] == ((20.0, 10), (7, 7), (3, 3))
    assert raw(e.by_group)[("2026-09", "guest")] == ((6.0, 3),)
    assert raw(e.by_group)[("2026-09", "citizen")] == ((12.0, 6),)
    assert raw(e.by_town)[("2026-11", "bad_blankenburg")] == ((3.5, 2),)  # B1 at M4 (2 h), B2 at M5 (1.5 h)


async def test_staying_power_tells_first_time_from_returning_and_who_did_not_come_again(db, seeded):
    s = (await all_figures(db, suppress=False)).staying
    assert raw(s.months)[("2026-09",)] == ((7, 7), (7, 7), (0, 0), (3, 3))  # S3 S4 S5 never came again
    assert raw(s.months)[("2026-10",)] == ((10, 10), (6, 6), (4, 4), (2, 2))
    drop = raw(s.dropoff)
    assert drop[("schedule",)] == ((1, 1), (3, 1))  # S3: declined M2, M4 and the December meeting
    assert drop[("no_show",)] == ((3, 3), (3, 3))  # S5 at M2, R2 at M4, R5 at M5
    assert ("health",) in drop and drop[("all",)] == ((6, 6), (11, 6))


async def test_the_funnel_counts_ideas_reaching_each_stage_and_the_median_days(db, seeded):
    f = (await all_figures(db, suppress=False)).funnel
    got = raw(f.stages)
    # stays in 'submitted' that ended: 5, 10, 10, 12, 14, 17, 20, 21 days
    assert got[("all", "submitted")] == ((10, 10), (8, 8), (13.0, 8))
    assert got[("all", "accepted")] == ((3, 3), (1, 1), (31.0, 1))  # I1, I2, I5 (I1 accepted 31 days)
    assert got[("all", "implemented")] == ((1, 1), (0, 0), (None, 0))
    assert got[("saalfeld", "in_review")][0] == (4, 4)  # I1 I2 I7, and I5 went straight to accepted
    answers = raw(f.town_answers)
    assert answers[("rudolstadt",)] == ((2, 2), (2, 2), (8.5, 2))  # 14 and 3 days
    assert answers[("bad_blankenburg",)] == ((1, 1), (0, 0), (None, 0))


async def test_survey_counts_only_consenting_people_and_keeps_answers_of_the_erased(db, seeded):
    s = (await all_figures(db, suppress=False)).survey
    # October: M2 six answers (X erased, still counted) and M3 five (R5 never agreed: left out)
    assert raw(s.usefulness_by_month)[("2026-10",)] == ((3.82, 9), (11, 9))
    assert raw(s.usefulness_by_team)[("fachkraefte",)] == ((4.2, 5), (5, 5))
    assert ("survey", "obstacle", "town_rivalry", "2026-10") not in raw(s.codes_by_month)  # only R5 named it
    assert raw(s.codes_by_month)[("survey", "obstacle", "information_gap", "2026-10")] == ((1, 1),)  # X's


async def test_withdrawing_the_evaluation_consent_takes_the_answers_out(db, seeded):
    async with db.transaction() as s:
        l2 = await s.get(Person, seeded.person["L2"])
        await people.set_evaluation_consent(s, l2, False, datetime(2026, 11, 28, tzinfo=UTC))
    s = (await all_figures(db, suppress=False)).survey
    assert raw(s.usefulness_by_team)[("fachkraefte",)] == ((4.0, 4), (4, 4))


async def test_an_erased_author_still_counts_as_one_person_behind_their_idea(db, seeded):
    async with db.transaction() as s:
        await erase_person(s, await s.get(Person, seeded.person["S1"]))
    ideas = raw((await all_figures(db, suppress=False)).cross_town.ideas)
    assert ideas[("all",)] == ((10, 10), (4, 4), (40.0, 4))


async def test_a_period_keeps_its_own_months_and_still_knows_who_came_before(db, seeded):
    f = await all_figures(db, datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC), suppress=False)
    assert set(raw(f.staying.months)) == {("2026-10",)}
    assert raw(f.staying.months)[("2026-10",)][2] == (4, 4)  # L1 S1 S2 R1 came in September
    assert set(raw(f.engagement.by_month)) == {("2026-10",)}
    assert raw(f.cross_town.ideas)[("all",)][0] == (4, 4)  # I4 I5 I6 I10 submitted in October
    assert {k[1] for k in raw(f.cross_town.team_mix)} == {"2026-10"}


async def test_rows_carry_the_words_of_the_vocabulary(db, seeded):
    f = await all_figures(db)
    row = next(r for r in f.engagement.by_group.rows if r.keys == ("2026-09", "guest"))
    assert row.labels == ("2026-09", "Gäste")
    travel = next(r for r in f.cross_town.travel.rows if r.keys == ("rudolstadt", "online"))
    assert travel.labels == ("Rudolstadt", "online")
    assert f.cross_town.travel.title == "Wohnort und Ort des Treffens"
    assert f.cross_town.travel.headings == ("Wohnort", "Ort des Treffens", "Teilnahmen", "Personen")
    en = await all_figures(db, vocab=vocabulary(CFG, "en"))
    assert en.survey.codes_by_field.title == "Success factors and obstacles per field of action"


async def test_naive_times_are_refused(db, seeded):
    with pytest.raises(ValueError):
        await all_figures(db, since=datetime(2026, 10, 1))


async def test_an_empty_project_gives_empty_figures(db):
    f = await all_figures(db)
    assert all(t.rows == [] and t.people == figures.Cell(0, 0) for t in figures_of(f))


def test_the_rule_hides_one_to_four_people_and_shows_none_and_five():
    assert [too_few(n) for n in (0, 1, 4, 5, 50)] == [False, True, True, False, False]
    assert figures.Cell.of(3.5, 4).text() == "•"  # a sign, not a number
    assert figures.Cell.of(3.456, 5).text(2) == "3,46"
    assert figures.Cell.of(3.456, 5).text(1, decimal=".") == "3.5"
    assert figures.Cell.of(None, 7).text() == "–"  # e.g. a median of nothing
    assert figures.Cell.of(2, 2, suppress=False) == figures.Cell(2, 2)


async def test_the_summary_gives_the_headline_numbers_with_the_people_behind_them(db, seeded):
    async with db.transaction() as s:
        got = await figures.summary(s, None, None, DE)
    assert (got.meetings.value, got.attendances.value, got.active.value) == (5, 29, 14)
    assert (got.guests.value, got.hours.value) == (6, 56.0)
    assert (got.ideas_new.value, got.ideas_implemented.text()) == (10, "•")  # I1, by one author
    assert (got.answers.value, got.answers.n) == (19, 12)  # R5 left out; X erased counts as one
    assert got.top_obstacle is not None and (got.top_obstacle.code, got.top_obstacle.label) == (
        "travel_time",
        "Lange Fahrzeit",
    )
    assert (got.top_obstacle.mentions.value, got.top_obstacle.mentions.n) == (6, 5)
    assert got.top_factor is not None and got.top_factor.code == "shared_goal"
    assert got.top_factor.mentions.text() == "•"  # six mentions, but by four people


async def test_the_summary_of_one_team(db, seeded):
    async with db.transaction() as s:
        got = await figures.summary(s, None, None, DE, team="fachkraefte", suppress=False)
    assert (got.meetings.value, got.attendances.value, got.active.value, got.guests.value) == (2, 10, 7, 3)
    assert got.hours.value == 15.5
    assert (got.ideas_new.value, got.answers.value) == (2, 5)
    assert got.team == "fachkraefte"


def test_a_code_named_by_many_people_in_small_teams_keeps_its_total():
    """Three people in each of four teams name short distances: every team cell hides (•), the total shows 12,
    counted from the mentions (adding up hidden cells would give 0)."""
    from models.evaluation import survey as survey_figures

    mentions = [
        survey_figures.Mention("survey", "factor", "short_distances", "2026-10", team, "public_services", ("p", i))
        for i, team in enumerate(t for t in ("a", "b", "c", "d") for _ in range(3))
    ]
    by_team = survey_figures._codes(mentions, "team", DE, suppress=True)
    total = survey_figures._codes(mentions, None, DE, suppress=True)
    assert all(r.cells[0].suppressed for r in by_team.rows) and len(by_team.rows) == 4
    [row, both] = total.rows  # the survey's, and survey and ideas together
    assert (row.keys, row.cells[0].value, row.cells[0].n) == (("survey", "factor", "short_distances"), 12, 12)
    assert (both.keys, both.cells[0].value, both.cells[0].n) == (("all", "factor", "short_distances"), 12, 12)
