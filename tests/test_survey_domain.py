"""The survey's rules without Telegram: presence, timing and quiet hours, the sentence, the small-group rule."""

import tomllib
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.config import ConfigError, parse_config
from handlers.codec import MAX_BYTES, encode
from models.errors import Refusal
from models.meetings.core import MeetingPolicy
from models.surveys import core as surveys
from models.surveys.answers import clean_comment
from models.surveys.figures import Figures
from models.surveys.results import MeetingFigures, hold_back
from models.tables import Meeting, Person, Rsvp
from tests.conftest import CONFIG_EXAMPLE

BERLIN = ZoneInfo("Europe/Berlin")
POLICY = MeetingPolicy(BERLIN, quiet_start=time(21, 0), quiet_end=time(8, 0))
START = datetime(2026, 11, 26, 17, 0, tzinfo=UTC)  # 18:00 in Berlin, until 19:30


def meeting(recorded: bool = False, status: str = "scheduled") -> Meeting:
    return Meeting(
        id=1, starts_at=START, duration_min=90, status=status, attendance_recorded_at=START if recorded else None
    )


def rsvp(answer: str | None = None, attended: bool | None = None) -> Rsvp:
    return Rsvp(meeting_id=1, person_id=1, answer=answer, attended=attended)


@pytest.mark.parametrize(
    ("recorded", "answer", "attended", "present"),
    [
        (True, "yes", None, False),  # the list is the truth once recorded
        (True, None, True, True),
        (True, "yes", False, False),
        (False, "yes", None, True),  # nobody recorded: a yes counts
        (False, "yes", False, False),  # ... unless ticked absent
        (False, "maybe", None, False),
        (False, None, True, True),
    ],
)
def test_who_counts_as_present(recorded, answer, attended, present):
    assert surveys.is_present(meeting(recorded), rsvp(answer, attended)) is present


def test_only_consenting_reachable_people_who_did_not_opt_out_want_the_survey():
    base = {"evaluation_consent": True, "survey_opt_out": False, "unreachable_at": None}
    assert surveys.wants_survey(Person(**base))
    assert not surveys.wants_survey(Person(**{**base, "evaluation_consent": None}))
    assert not surveys.wants_survey(Person(**{**base, "survey_opt_out": True}))
    assert not surveys.wants_survey(Person(**{**base, "unreachable_at": START}))


def test_the_survey_is_due_after_recording_or_after_the_configured_hours_and_open_for_seven_days():
    end = START + timedelta(minutes=90)
    after = timedelta(hours=24)
    assert not surveys.is_due(meeting(True), after, end - timedelta(minutes=1))
    assert surveys.is_due(meeting(True), after, end)
    assert not surveys.is_due(meeting(False), after, end + timedelta(hours=23))
    assert surveys.is_due(meeting(False), after, end + after)
    assert not surveys.is_due(meeting(True), after, end + timedelta(days=7))
    assert not surveys.is_due(meeting(True, status="cancelled"), after, end)


def test_a_survey_planned_in_quiet_hours_goes_at_their_end_and_expires_when_they_begin_again():
    late = datetime(2026, 11, 26, 21, 30, tzinfo=UTC)  # 22:30 in Berlin
    due, expires = surveys._when(late, meeting(True), POLICY)
    assert due == datetime(2026, 11, 27, 7, 0, tzinfo=UTC)  # 08:00
    assert expires == datetime(2026, 11, 27, 20, 0, tzinfo=UTC)  # 21:00


def test_without_quiet_hours_the_survey_waits_until_it_closes():
    policy = MeetingPolicy(BERLIN, quiet_start=None, quiet_end=None)
    now = datetime(2026, 11, 26, 21, 30, tzinfo=UTC)
    assert surveys._when(now, meeting(True), policy) == (now, surveys.closes_at(meeting(True)))


def test_the_last_evening_before_closing_expires_at_the_close():
    m = meeting(True)
    close = surveys.closes_at(m)
    due, expires = surveys._when(close - timedelta(hours=2), m, POLICY)
    assert expires == close


@pytest.mark.parametrize(
    ("raw", "stored"),
    [("  Mehr   Zeit\nfür Fragen ", "Mehr Zeit für Fragen"), ("-", None), ("–", None), ("<b>😀</b>", "<b>😀</b>")],
)
def test_a_sentence_is_cleaned(raw, stored):
    assert clean_comment(raw) == stored


@pytest.mark.parametrize(
    ("raw", "key"),
    [("", "survey.comment_empty"), ("\u200b\u2800", "errors.invisible_text"), ("x" * 301, "survey.comment_long")],
)
def test_a_bad_sentence_is_refused(raw, key):
    with pytest.raises(Refusal) as refused:
        clean_comment(raw)
    assert refused.value.key == key


def test_figures_need_five_answers_and_name_the_most_frequent_codes_first():
    f = Figures()
    for i, (v, codes) in enumerate(((5, ["a", "b"]), (3, ["b"]), (None, ["b", "b"]), (4, ["c"]))):
        f.add(("person", i), v, codes, [])
    assert not f.shown and (f.answers, f.rated, f.mean) == (4, 3, 4.0)
    assert f.top("factor") == [("b", 3), ("a", 1), ("c", 1)]
    f.add(("answer", 99), 1, [], ["x"])  # an erased person's answer: one more person
    assert f.shown and f.top("obstacle") == [("x", 1)]


def test_five_answers_of_fewer_than_five_people_are_not_shown():
    f = Figures()
    for _meeting in range(3):
        for person in (1, 2):
            f.add(("person", person), 4, [], [])
    assert f.answers == 6 and not f.shown


def _figures(n: int) -> Figures:
    f = Figures()
    for i in range(n):
        f.add(("person", i), 3, [], [])
    return f


@pytest.mark.parametrize(
    ("sizes", "shown"),
    [
        ([5, 5], [True, True]),
        ([5, 4], [False, False]),  # 9 - 5 = 4: the small meeting could be worked out
        ([6, 5, 2], [True, False, False]),  # holding back the smaller large one leaves 7
        ([5, 5, 5], [True, True, True]),
        ([3, 3], [False, False]),
    ],
)
def test_meetings_are_held_back_when_subtraction_would_reveal_a_small_group(sizes, shown):
    meetings = [MeetingFigures(Meeting(id=i), _figures(n)) for i, n in enumerate(sizes)]
    overall = _figures(sum(sizes))
    hold_back(overall, meetings)
    assert [m.shown for m in meetings] == shown


def test_the_longest_survey_button_fits_telegrams_limit():
    data = encode("sv", 2**31 - 1, "o", "k" * 32, 1)
    assert len(data.encode()) <= MAX_BYTES


def _config(**evaluation):
    data = tomllib.loads(CONFIG_EXAMPLE.read_text(encoding="utf-8"))
    data["telegram"]["token"] = "123456:ABCdef"
    data["evaluation"] = dict(evaluation)
    return parse_config(data, env={})


def test_the_config_reads_survey_after_hours_and_defaults_to_a_day():
    assert _config().evaluation.survey_after == timedelta(hours=24)
    assert _config(survey_after_hours=6.5).evaluation.survey_after == timedelta(hours=6, minutes=30)


@pytest.mark.parametrize(
    ("evaluation", "message"),
    [
        ({"survey_after_hours": -1}, "evaluation.survey_after_hours: expected a number of hours from 0 to 144"),
        ({"survey_after_hours": 200}, "evaluation.survey_after_hours: expected a number of hours from 0 to 144"),
        ({"survey_after_hours": True}, "evaluation.survey_after_hours: expected a number of hours from 0 to 144"),
        ({"survey_after_hours": "24"}, "evaluation.survey_after_hours: expected int or float, got str"),
        ({"survey_hours": 3}, "evaluation.survey_hours: unknown key"),
    ],
)
def test_a_bad_survey_after_hours_is_refused_naming_the_key(evaluation, message):
    with pytest.raises(ConfigError) as refused:
        _config(**evaluation)
    assert str(refused.value) == message
