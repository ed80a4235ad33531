"""A released sentence names its team, field of action and quarter only as far as at least `min_people`
respondents stand behind that combination (models/reports/evaluation/origins.py), and the report prints
exactly that much."""

from __future__ import annotations

from datetime import UTC, datetime

from core.texts import t
from handlers.reports.evaluation_words import vocabulary
from models.reports.evaluation import content
from models.reports.evaluation.document import Paragraph, Quotes
from models.reports.evaluation.origins import (
    FIELD,
    FIELD_QUARTER,
    FIELD_YEAR,
    NOTHING,
    TEAM_QUARTER,
    Origin,
    Where,
    levels,
    origins,
)
from models.reports.evaluation.sources import Sentence, Sources
from tests.evaluation_report_helpers import sample_figures
from tests.report_helpers import config

Q1, Q2, Q4 = datetime(2026, 2, 10, tzinfo=UTC), datetime(2026, 5, 10, tzinfo=UTC), datetime(2026, 11, 3, tzinfo=UTC)
LAST_YEAR = datetime(2025, 11, 3, tzinfo=UTC)


def answers(team: str, field: str, at: datetime, *people: str) -> list[Where]:
    return [Where(p, team, field, at) for p in people]


def test_five_respondents_of_the_team_in_the_quarter_name_team_field_and_quarter():
    everyone = answers("jugend", "civic", Q4, "a", "b", "c", "d", "e")
    [origin] = origins([Where("a", "jugend", "civic", Q4)], everyone, 5)
    assert origin == Origin("jugend", "civic", 2026, 4)


def test_a_small_team_falls_back_to_its_field_of_action_in_the_quarter():
    everyone = answers("jugend", "civic", Q4, "a", "b", "c") + answers("vereine", "civic", Q4, "d", "e")
    assert levels([Where("a", "jugend", "civic", Q4)], everyone, 5) == [FIELD_QUARTER]
    assert origins([Where("a", "jugend", "civic", Q4)], everyone, 5) == [Origin(None, "civic", 2026, 4)]


def test_a_thin_quarter_falls_back_to_the_year_then_to_the_field_then_to_nothing():
    year = answers("jugend", "civic", Q1, "a", "b", "c") + answers("jugend", "civic", Q2, "d", "e")
    assert levels([Where("a", "jugend", "civic", Q1)], year, 5) == [FIELD_YEAR]
    period = answers("jugend", "civic", Q1, "a", "b", "c") + answers("jugend", "civic", LAST_YEAR, "d", "e")
    assert levels([Where("a", "jugend", "civic", Q1)], period, 5) == [FIELD]
    few = answers("jugend", "civic", Q1, "a", "b") + answers("pflege", "care", Q1, "c", "d", "e", "f")
    assert levels([Where("a", "jugend", "civic", Q1)], few, 5) == [NOTHING]
    assert origins([Where("a", "jugend", "civic", Q1)], few, 5) == [Origin()]


def test_the_threshold_is_the_configured_one():
    everyone = answers("jugend", "civic", Q4, "a", "b", "c")
    assert levels([Where("a", "jugend", "civic", Q4)], everyone, 3) == [TEAM_QUARTER]
    assert levels([Where("a", "jugend", "civic", Q4)], everyone, 4) == [NOTHING]


def test_one_writers_quotes_together_must_not_narrow_the_writer_below_min_people():
    """P wrote in two teams' quarters; each has five respondents, but only P is in both: a reader matching the
    pseudonym would find P. The finest labels go up until what is left names a group of five."""
    everyone = answers("jugend", "civic", Q1, "P", "a", "b", "c", "d") + answers("pflege", "care", Q2, "P", "e", "f",
                                                                                  "g", "h")
    said = [Where("P", "jugend", "civic", Q1), Where("P", "pflege", "care", Q2)]
    assert levels(said[:1], everyone, 5) == [TEAM_QUARTER] and levels(said[1:], everyone, 5) == [TEAM_QUARTER]
    assert levels(said, everyone, 5) == [NOTHING, FIELD]
    shared = everyone + answers("pflege", "care", Q2, "a", "b", "c", "d")  # four more answered in both
    assert levels(said, shared, 5) == [TEAM_QUARTER, TEAM_QUARTER]
    two = [Where("P", "jugend", "civic", Q1), Where("Q", "pflege", "care", Q2)]  # two writers: nothing to link
    assert levels(two, everyone + answers("pflege", "care", Q2, "Q"), 5) == [TEAM_QUARTER, TEAM_QUARTER]


def test_the_report_prints_the_origin_it_was_given_in_both_languages():
    cfg = config()
    at = datetime(2026, 11, 3, tzinfo=UTC)
    said = [
        Sentence("P-AAAAAAAA", "Mit Team.", (), ("travel_time",), at, Origin("daseinsvorsorge", "public_services",
                                                                               2026, 4)),
        Sentence("P-BBBBBBBB", "Nur Feld.", (), ("travel_time",), at, Origin(None, "public_services", 2026)),
        Sentence("P-CCCCCCCC", "Nichts.", (), ("travel_time",), at, Origin()),
    ]
    for lang, quarter, field, team in (("de", "4. Quartal 2026", "Daseinsvorsorge", "Aktions-Team Daseinsvorsorge"),
                                       ("en", "Q4 2026", "Public services", "Action team public services")):
        vocab = vocabulary(cfg, lang)
        def say(key: str, lang: str = lang, **params: object) -> str:
            return t(lang, f"evaluation_report.{key}", **params)

        frame = content.Frame(lang, cfg.project_name, "", "", "", say, vocab)
        doc = content.build(sample_figures(vocab), Sources(10, 10, None, said, 2, 1), frame)
        limits = next(s for s in doc.sections if s.key == "limits")
        [quotes] = [b for b in limits.blocks if isinstance(b, Quotes)]
        who = dict((text, writer) for writer, text in quotes.items)
        assert who["Mit Team."] == f"P-AAAAAAAA · {team} · {field} · {quarter}"
        assert who["Nur Feld."] == f"P-BBBBBBBB · {field} · 2026"
        assert who["Nichts."] == "P-CCCCCCCC"
        notes = [b.text for b in limits.blocks if isinstance(b, Paragraph) and b.note]
        assert any("5" in n and (("Quartal" in n) if lang == "de" else ("quarter" in n)) for n in notes)
        held = {"de": "2 Sätze hat das Projektmanagement weggelassen, 1 wartet noch auf Prüfung",
                "en": "The project management left out 2 sentences; 1 is still waiting for review"}[lang]
        assert any(held in n for n in notes)
