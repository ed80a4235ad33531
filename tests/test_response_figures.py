"""The survey's response and the reasons for staying away as evaluation figures (models/evaluation/response.py):
raw, then released (folded to coarser groups before hiding, hidden under the threshold, no total beside one
hidden part). The project is tests/evaluation_helpers.py's."""

from __future__ import annotations

import pytest

from models.evaluation import figures
from models.reports.suppression import threshold
from tests.evaluation_helpers import seed
from tests.report_helpers import config
from tests.test_evaluation_figures import DE, all_figures, raw, values

DV, FK = "daseinsvorsorge", "fachkraefte"
HIDDEN = figures.SUPPRESSED


@pytest.fixture
async def seeded(db):
    return await seed(db, config(db.url))


async def test_raw_response_counts_surveys_sent_answers_and_the_rate_per_month_quarter_and_period(db, seeded):
    f = await all_figures(db, suppress=False)
    got = raw(f.survey.response)
    # September: 7 asked, 6 answered; November: 5 asked, L1 and S1 answered
    assert got[(DV, "2026-09")] == ((7, 7), (6, 6), (85.7, 6))
    assert got[(DV, "2026-11")] == ((5, 5), (2, 2), (40.0, 2))
    assert got[(DV, "2026-Q4")][0] == (12, 7)  # October's 7 and November's 5 surveys, 7 people
    assert got[(FK, "2026-11")] == ((4, 4), (0, 0), (0.0, 0))  # asked, nobody answered
    assert got[("all", "all")][:2] == ((28, 13), (19, 12))  # 13 people asked; 12 answered (X's answer as one)


async def test_released_response_folds_a_team_with_a_small_month_into_quarters(db, seeded):
    f = await all_figures(db)
    shown = values(f.survey.response)
    assert set(shown) == {
        (DV, "2026-Q3"), (DV, "2026-Q4"), (DV, "all"), (FK, "2026-Q4"), (FK, "all"), ("all", "all"),
    }  # fmt: skip
    assert shown[(DV, "2026-Q3")] == (7, 6, 85.7) and shown[(DV, "2026-Q4")] == (12, 8, 66.7)
    assert shown[("all", "all")] == (28, 19, 67.9)
    assert "Quartal" in f.survey.response.note


async def test_released_response_with_a_small_team_total_shows_only_all_teams_together(db, seeded):
    with threshold(6):  # Fachkräfte: 5 people answered in the whole period
        f = await all_figures(db)
    assert values(f.survey.response) == {("all", "all"): (28, 19, 67.9)}
    assert "nur alle Teams zusammen" in f.survey.response.note


async def test_reasons_for_staying_away_raw_and_released(db, seeded):
    f = await all_figures(db, suppress=False)
    # S3, S4 and the erased X answered (S5 was asked and did not; R5 never agreed): 3 people
    assert raw(f.survey.away_reasons) == {
        ("travel_time",): ((2, 2),), ("volunteer_time",): ((2, 2),), ("all",): ((3, 3),),
    }  # fmt: skip
    with threshold(3):
        released = await all_figures(db)
    reasons = released.survey.away_reasons
    assert values(reasons) == {("other",): (4,), ("all",): (3,)}  # mentions of the small reasons: S4 named both
    assert "andere Gründe" in reasons.note
    assert reasons.title == "Gründe fürs Wegbleiben" and DE.titles["figure_away_reasons"] == reasons.title


async def test_reasons_of_fewer_than_five_are_hidden_and_the_total_too(db, seeded):
    reasons = (await all_figures(db)).survey.away_reasons
    assert values(reasons) == {("all",): (HIDDEN,)}
