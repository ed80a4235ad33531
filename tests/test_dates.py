"""Typed dates in German and English, resolved in Europe/Berlin; DST gaps and doubled hours are asked about."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from models.dates import (
    DateProblem,
    ParsedWhen,
    combine_local,
    day_choices,
    is_quiet,
    parse_duration,
    parse_when,
    shift_out_of_quiet,
    time_choices,
    to_utc_checked,
)
from models.errors import Refusal

BERLIN = ZoneInfo("Europe/Berlin")


def berlin(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, fold: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=BERLIN, fold=fold)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# Wednesday 25 November 2026, 10:00 in Berlin (09:00 UTC).
NOW = berlin(2026, 11, 25, 10, 0).astimezone(UTC)


def when(text: str, now: datetime = NOW, fold: int | None = None) -> datetime:
    """The local wall time parse_when resolved, naive, for compact expectations."""
    return parse_when(text, now, BERLIN, fold=fold).local.replace(tzinfo=None)


def problem(text: str, now: datetime = NOW, fold: int | None = None) -> DateProblem:
    with pytest.raises(DateProblem) as caught:
        parse_when(text, now, BERLIN, fold=fold)
    return caught.value


def test_now_is_a_wednesday_at_ten() -> None:
    assert NOW == utc(2026, 11, 25, 9, 0)
    assert NOW.astimezone(BERLIN).strftime("%A %H:%M") == "Wednesday 10:00"


DEC3_18 = datetime(2026, 12, 3, 18, 0)
DEC3_1830 = datetime(2026, 12, 3, 18, 30)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # explicit dates
        ("03.12.2026 18:00", DEC3_18),
        ("3.12.2026 18 Uhr", DEC3_18),
        ("3.12.26 18:00", DEC3_18),
        ("03.12. 18:00", DEC3_18),
        ("3.12. 18 Uhr", DEC3_18),
        ("3.12 18.30", DEC3_1830),
        ("3.12. 18:30 Uhr", DEC3_1830),
        ("3.12. 18h", DEC3_18),
        ("2026-12-03 18:00", DEC3_18),
        ("2026-12-03T18:00", DEC3_18),
        ("3. Dezember 18 Uhr", DEC3_18),
        ("3. Dez. 2026 18:30", DEC3_1830),
        ("3 Dec 18:00", DEC3_18),
        ("3rd December 2026 18:00", DEC3_18),
        ("December 3 6pm", DEC3_18),
        ("Dec 3, 2026, 6:30 p.m.", DEC3_1830),
        ("am 3.12. um 18 Uhr", DEC3_18),
        ("Donnerstag, den 3.12. um 18 Uhr", DEC3_18),
        ("Do 3.12. 18:00", DEC3_18),
        ("thu dec 3 6pm", DEC3_18),
        ("18 Uhr am 3.12.", DEC3_18),
        ("3.12 am 18:00", DEC3_18),  # "am" before a number is German, not the 12-hour clock
        ("12.1. 9", datetime(2027, 1, 12, 9, 0)),
        ("1. März 2027 19:30", datetime(2027, 3, 1, 19, 30)),
        ("1. Maerz 2027 19:30", datetime(2027, 3, 1, 19, 30)),
        ("15. Mai 2027 14 Uhr", datetime(2027, 5, 15, 14, 0)),
        ("May 15 2027 2pm", datetime(2027, 5, 15, 14, 0)),
        # relative days
        ("heute 18 Uhr", datetime(2026, 11, 25, 18, 0)),
        ("morgen 18:30", datetime(2026, 11, 26, 18, 30)),
        ("übermorgen 9", datetime(2026, 11, 27, 9, 0)),
        ("uebermorgen 9", datetime(2026, 11, 27, 9, 0)),
        ("today 18:00", datetime(2026, 11, 25, 18, 0)),
        ("tomorrow 6:30 pm", datetime(2026, 11, 26, 18, 30)),
        ("tomorrow 6 am", datetime(2026, 11, 26, 6, 0)),
        ("tomorrow 12am", datetime(2026, 11, 26, 0, 0)),
        ("tomorrow 12pm", datetime(2026, 11, 26, 12, 0)),
        ("morgen ab 19 Uhr", datetime(2026, 11, 26, 19, 0)),
        ("18 Uhr morgen", datetime(2026, 11, 26, 18, 0)),
        # weekdays (today is Wednesday)
        ("Do 18 Uhr", datetime(2026, 11, 26, 18, 0)),
        ("Donnerstag 18:00", datetime(2026, 11, 26, 18, 0)),
        ("do. 18 uhr", datetime(2026, 11, 26, 18, 0)),
        ("am Donnerstag um 18 Uhr", datetime(2026, 11, 26, 18, 0)),
        ("Thu 18:00", datetime(2026, 11, 26, 18, 0)),
        ("thursday 6pm", datetime(2026, 11, 26, 18, 0)),
        ("Di 19:30", datetime(2026, 12, 1, 19, 30)),
        ("So 10 Uhr", datetime(2026, 11, 29, 10, 0)),
        ("Sa. 14 Uhr", datetime(2026, 11, 28, 14, 0)),
        # times alone
        ("18 Uhr", datetime(2026, 11, 25, 18, 0)),
        ("um 18:30", datetime(2026, 11, 25, 18, 30)),
        ("18.30", datetime(2026, 11, 25, 18, 30)),
        ("um 18.30.", datetime(2026, 11, 25, 18, 30)),  # a sentence's full stop
        ("6pm", datetime(2026, 11, 25, 18, 0)),
        ("9 Uhr", datetime(2026, 11, 26, 9, 0)),
        # case, spacing, punctuation
        ("  MORGEN   18:30  ", datetime(2026, 11, 26, 18, 30)),
        ("Morgen, 18:30 Uhr.", datetime(2026, 11, 26, 18, 30)),
        ("morgen\u00a018:30", datetime(2026, 11, 26, 18, 30)),
        ("u\u0308bermorgen 9", datetime(2026, 11, 27, 9, 0)),  # decomposed umlaut
    ],
)
def test_accepted_inputs(text: str, expected: datetime) -> None:
    assert when(text) == expected


def test_results_are_aware_utc_and_local_berlin() -> None:
    parsed = parse_when("3.12. 18 Uhr", NOW, BERLIN)
    assert parsed.start == utc(2026, 12, 3, 17, 0)
    assert parsed.start.utcoffset() == timedelta(0)
    assert parsed.local.tzinfo is BERLIN
    assert parsed.local.utcoffset() == timedelta(hours=1)
    assert parsed.local == parsed.start


def test_summer_time_is_two_hours_ahead_of_utc() -> None:
    parsed = parse_when("3.7.2027 18:00", NOW, BERLIN)
    assert parsed.start == utc(2027, 7, 3, 16, 0)
    assert parsed.local.utcoffset() == timedelta(hours=2)


def test_now_may_be_given_in_any_zone() -> None:
    assert parse_when("18 Uhr", NOW.astimezone(BERLIN), BERLIN).start == utc(2026, 11, 25, 17, 0)


# --- weekdays, times alone, year rollover: the documented choices -------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mi 11 Uhr", datetime(2026, 11, 25, 11, 0)),  # today is Wednesday and 11:00 is still ahead
        ("Mi 9 Uhr", datetime(2026, 12, 2, 9, 0)),  # 9:00 has passed: next week
        ("Mi 10 Uhr", datetime(2026, 12, 2, 10, 0)),  # exactly now is not ahead
        ("Mi 10:01", datetime(2026, 11, 25, 10, 1)),
        ("nächsten Mittwoch 11 Uhr", datetime(2026, 12, 2, 11, 0)),  # "next" never means today
        ("next wed 11:00", datetime(2026, 12, 2, 11, 0)),
        ("diesen Mittwoch 11 Uhr", datetime(2026, 11, 25, 11, 0)),
        ("nächsten Donnerstag 18 Uhr", datetime(2026, 11, 26, 18, 0)),  # the next Thursday from tomorrow on
        ("kommenden Di 18 Uhr", datetime(2026, 12, 1, 18, 0)),
    ],
)
def test_weekday_choice(text: str, expected: datetime) -> None:
    assert when(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10:01", datetime(2026, 11, 25, 10, 1)),
        ("10 Uhr", datetime(2026, 11, 26, 10, 0)),  # exactly now: tomorrow
        ("9:59", datetime(2026, 11, 26, 9, 59)),
        ("0:00", datetime(2026, 11, 26, 0, 0)),
        ("23:59", datetime(2026, 11, 25, 23, 59)),
    ],
)
def test_time_alone_is_today_if_ahead_else_tomorrow(text: str, expected: datetime) -> None:
    assert when(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5.1. 18 Uhr", datetime(2027, 1, 5, 18, 0)),
        ("5. Januar 18 Uhr", datetime(2027, 1, 5, 18, 0)),
        ("Jan 5 6pm", datetime(2027, 1, 5, 18, 0)),
        ("25.11. 11 Uhr", datetime(2026, 11, 25, 11, 0)),  # later today
        ("25.11. 9 Uhr", datetime(2027, 11, 25, 9, 0)),  # earlier today: next year
        ("24.11. 18 Uhr", datetime(2027, 11, 24, 18, 0)),
        ("29.2. 18 Uhr", datetime(2028, 2, 29, 18, 0)),  # next 29 February
    ],
)
def test_date_without_year_is_its_next_occurrence(text: str, expected: datetime) -> None:
    assert when(text) == expected


def test_date_without_year_typed_in_december_after_the_day_is_next_year() -> None:
    december = berlin(2026, 12, 10, 12, 0).astimezone(UTC)
    assert when("03.12. 18:00", now=december) == datetime(2027, 12, 3, 18, 0)
    assert when("10.12. 18:00", now=december) == datetime(2026, 12, 10, 18, 0)


def test_year_end_today_tomorrow_roll_over() -> None:
    new_years_eve = berlin(2026, 12, 31, 20, 0).astimezone(UTC)
    assert when("morgen 18 Uhr", now=new_years_eve) == datetime(2027, 1, 1, 18, 0)
    assert when("19 Uhr", now=new_years_eve) == datetime(2027, 1, 1, 19, 0)
    assert when("Fr 18 Uhr", now=new_years_eve) == datetime(2027, 1, 1, 18, 0)


def test_today_is_the_berlin_day_not_the_utc_day() -> None:
    # 23:30 UTC on the 25th is already 00:30 on the 26th in Berlin.
    late = utc(2026, 11, 25, 23, 30)
    assert when("heute 18 Uhr", now=late) == datetime(2026, 11, 26, 18, 0)
    assert when("Do 18 Uhr", now=late) == datetime(2026, 11, 26, 18, 0)


# --- problems -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "irgendwann",
        "nächste Woche",
        "31.02.2026 18:00",
        "30.2. 18 Uhr",
        "3.13. 18 Uhr",
        "0.12. 18 Uhr",
        "2026-02-30 18:00",
        "25:00",
        "24:00",
        "18:61",
        "morgen 25 Uhr",
        "morgen 18:60",
        "0pm",
        "13pm",
        "18 am",
        "3. Foo 18 Uhr",
        "Fr 3.12. 18 Uhr",  # the 3rd is a Thursday
        "Do morgen 18 Uhr",
        "18 Uhr 19 Uhr",
        "3.12. 18:00 " + "x" * 200,
        "morgen " * 30 + "18 Uhr",
        "١٨:٠٠",  # non-ASCII digits
    ],
)
def test_unparseable(text: str) -> None:
    caught = problem(text)
    assert caught.key == "dates.unparseable"
    assert caught.params == {"example": "02.12.2026", "example_short": "2.12."}  # a week after NOW, for the text


@pytest.mark.parametrize(
    "text",
    [
        "heute 9 Uhr",
        "heute 10 Uhr",
        "today 9:59",
        "25.11.2026 9:00",
        "1.1.2020 18:00",
        "3.12.1999 18 Uhr",
        "0001-01-01 00:30",
    ],
)
def test_past(text: str) -> None:
    caught = problem(text)
    assert caught.key == "dates.past"
    assert caught.params == {}


@pytest.mark.parametrize(
    "text", ["3.12.2029 18:00", "26.11.2028 09:00", "25.11.2028 10:01", "9999-12-31 23:00", "3.12.99 18 Uhr"]
)
def test_too_far(text: str) -> None:
    assert problem(text).key == "dates.too_far"


def test_exactly_two_years_ahead_is_allowed() -> None:
    assert when("25.11.2028 10:00") == datetime(2028, 11, 25, 10, 0)


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("3.12.", date(2026, 12, 3)),
        ("3.12", date(2026, 12, 3)),  # a valid calendar date alone is a date, not 03:12
        ("03.12.2026", date(2026, 12, 3)),
        ("2026-12-03", date(2026, 12, 3)),
        ("3. Dezember", date(2026, 12, 3)),
        ("am 3.12.", date(2026, 12, 3)),
        ("morgen", date(2026, 11, 26)),
        ("übermorgen", date(2026, 11, 27)),
        ("Do", date(2026, 11, 26)),
        ("Mittwoch", date(2026, 11, 25)),
        ("nächsten Mittwoch", date(2026, 12, 2)),
        ("5.1.", date(2027, 1, 5)),
        ("25.11.", date(2026, 11, 25)),
        ("24.11.", date(2027, 11, 24)),
    ],
)
def test_date_without_time(text: str, day: date) -> None:
    caught = problem(text)
    assert caught.key == "dates.no_time"
    assert caught.params == {"day": day}


def test_date_problem_is_a_refusal_with_key_and_params() -> None:
    caught = problem("quatsch")
    assert isinstance(caught, Refusal)
    assert caught.key == "dates.unparseable"
    assert str(caught) == "dates.unparseable"


def test_naive_now_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        parse_when("18 Uhr", datetime(2026, 11, 25, 10, 0), BERLIN)
    with pytest.raises(ValueError):
        combine_local(date(2026, 12, 3), time(18), BERLIN, datetime(2026, 11, 25, 10, 0))


def test_parsed_when_refuses_naive_datetimes() -> None:
    with pytest.raises(ValueError):
        ParsedWhen(start=datetime(2026, 12, 3, 17), local=berlin(2026, 12, 3, 18))


# --- daylight saving time -----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["28.3.2027 2:30", "28.03.2027 02:00", "2027-03-28 02:59", "28. März 2027 2:30"])
def test_spring_gap_does_not_exist(text: str) -> None:
    assert problem(text).key == "dates.nonexistent"


@pytest.mark.parametrize(
    ("text", "expected_utc", "offset_hours"),
    [
        ("28.3.2027 1:59", utc(2027, 3, 28, 0, 59), 1),
        ("28.3.2027 3:00", utc(2027, 3, 28, 1, 0), 2),
        ("28.3.2027 18:00", utc(2027, 3, 28, 16, 0), 2),
        ("27.3.2027 18:00", utc(2027, 3, 27, 17, 0), 1),
    ],
)
def test_around_the_spring_gap(text: str, expected_utc: datetime, offset_hours: int) -> None:
    parsed = parse_when(text, NOW, BERLIN)
    assert parsed.start == expected_utc
    assert parsed.local.utcoffset() == timedelta(hours=offset_hours)


def test_fold_does_not_rescue_a_time_in_the_gap() -> None:
    for fold in (0, 1):
        assert problem("28.3.2027 2:30", fold=fold).key == "dates.nonexistent"


OCTOBER_1 = berlin(2026, 10, 1, 12, 0).astimezone(UTC)


@pytest.mark.parametrize(
    ("text", "now", "first", "second"),
    [
        ("25.10.2026 2:30", OCTOBER_1, utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 1, 30)),
        ("2026-10-25 02:00", OCTOBER_1, utc(2026, 10, 25, 0, 0), utc(2026, 10, 25, 1, 0)),
        ("31.10.2027 2:30", NOW, utc(2027, 10, 31, 0, 30), utc(2027, 10, 31, 1, 30)),
        ("So 2:30", berlin(2026, 10, 20, 12, 0).astimezone(UTC), utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 1, 30)),
    ],
)
def test_autumn_hour_is_ambiguous_and_offers_both(text: str, now: datetime, first: datetime, second: datetime) -> None:
    caught = problem(text, now=now)
    assert caught.key == "dates.ambiguous"
    assert caught.params == {"options": [first, second]}
    summer = parse_when(text, now, BERLIN, fold=0)
    winter = parse_when(text, now, BERLIN, fold=1)
    assert summer.start == first
    assert summer.local.utcoffset() == timedelta(hours=2)
    assert winter.start == second
    assert winter.local.utcoffset() == timedelta(hours=1)
    assert summer.local.replace(tzinfo=None) == winter.local.replace(tzinfo=None)


@pytest.mark.parametrize(
    ("text", "expected_utc"),
    [("25.10.2026 1:59", utc(2026, 10, 24, 23, 59)), ("25.10.2026 3:00", utc(2026, 10, 25, 2, 0))],
)
def test_just_outside_the_autumn_hour_is_not_ambiguous(text: str, expected_utc: datetime) -> None:
    assert parse_when(text, OCTOBER_1, BERLIN).start == expected_utc


def test_fold_is_ignored_for_ordinary_times() -> None:
    assert parse_when("3.12. 18 Uhr", NOW, BERLIN, fold=1).start == utc(2026, 12, 3, 17, 0)


def test_autumn_hour_with_only_one_reading_left_takes_that_one() -> None:
    # 02:45 summer time: the first 02:30 has passed, the second (winter time) is still ahead.
    during_first_pass = utc(2026, 10, 25, 0, 45)
    parsed = parse_when("heute 2:30", during_first_pass, BERLIN)
    assert parsed.start == utc(2026, 10, 25, 1, 30)
    assert parse_when("2:30", during_first_pass, BERLIN).start == utc(2026, 10, 25, 1, 30)
    # Asking explicitly for the first one is asking for the past.
    assert problem("heute 2:30", now=during_first_pass, fold=0).key == "dates.past"
    # The chosen reading being exactly now is not in the future either.
    assert problem("heute 2:30", now=utc(2026, 10, 25, 0, 30), fold=0).key == "dates.past"
    # During the second pass both are gone.
    assert problem("heute 2:30", now=utc(2026, 10, 25, 1, 45)).key == "dates.past"


def test_to_utc_checked() -> None:
    assert to_utc_checked(datetime(2026, 12, 3, 18, 0), BERLIN) == utc(2026, 12, 3, 17, 0)
    assert to_utc_checked(datetime(2026, 7, 3, 18, 0), BERLIN) == utc(2026, 7, 3, 16, 0)
    with pytest.raises(DateProblem) as gap:
        to_utc_checked(datetime(2027, 3, 28, 2, 30), BERLIN)
    assert gap.value.key == "dates.nonexistent"
    with pytest.raises(DateProblem) as fold:
        to_utc_checked(datetime(2026, 10, 25, 2, 30), BERLIN)
    assert fold.value.key == "dates.ambiguous"
    assert fold.value.params["options"] == [utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 1, 30)]
    assert to_utc_checked(datetime(2026, 10, 25, 2, 30), BERLIN, fold=0) == utc(2026, 10, 25, 0, 30)
    assert to_utc_checked(datetime(2026, 10, 25, 2, 30), BERLIN, fold=1) == utc(2026, 10, 25, 1, 30)
    assert to_utc_checked(datetime(2026, 10, 25, 2, 30), BERLIN, fold=1).tzinfo is UTC


def test_to_utc_checked_rejects_misuse() -> None:
    with pytest.raises(ValueError):
        to_utc_checked(berlin(2026, 12, 3, 18, 0), BERLIN)
    with pytest.raises(ValueError):
        to_utc_checked(datetime(2026, 10, 25, 2, 30), BERLIN, fold=2)


# --- buttons: day and time picked separately -----------------------------------------------------------------


def test_combine_local_ordinary() -> None:
    parsed = combine_local(date(2026, 12, 3), time(18, 0), BERLIN, NOW)
    assert parsed.start == utc(2026, 12, 3, 17, 0)
    assert parsed.local == berlin(2026, 12, 3, 18, 0)


@pytest.mark.parametrize(
    ("day", "at", "now", "key"),
    [
        (date(2026, 11, 25), time(9, 0), NOW, "dates.past"),
        (date(2026, 11, 25), time(10, 0), NOW, "dates.past"),
        (date(2029, 1, 1), time(18, 0), NOW, "dates.too_far"),
        (date(2027, 3, 28), time(2, 30), NOW, "dates.nonexistent"),
        (date(2027, 10, 31), time(2, 30), NOW, "dates.ambiguous"),
        (date(2026, 10, 25), time(2, 30), OCTOBER_1, "dates.ambiguous"),
    ],
)
def test_combine_local_problems(day: date, at: time, now: datetime, key: str) -> None:
    with pytest.raises(DateProblem) as caught:
        combine_local(day, at, BERLIN, now)
    assert caught.value.key == key


def test_combine_local_with_fold() -> None:
    day, at = date(2027, 10, 31), time(2, 30)
    assert combine_local(day, at, BERLIN, NOW, fold=0).start == utc(2027, 10, 31, 0, 30)
    assert combine_local(day, at, BERLIN, NOW, fold=1).start == utc(2027, 10, 31, 1, 30)


def test_day_choices_start_today_in_berlin() -> None:
    days = day_choices(NOW, BERLIN)
    assert len(days) == 14
    assert days[0] == date(2026, 11, 25)
    assert days[-1] == date(2026, 12, 8)
    assert all(later - earlier == timedelta(days=1) for earlier, later in zip(days, days[1:], strict=False))
    assert day_choices(utc(2026, 11, 25, 23, 30), BERLIN, days=3) == [
        date(2026, 11, 26),
        date(2026, 11, 27),
        date(2026, 11, 28),
    ]
    assert day_choices(NOW, BERLIN, days=0) == []


def test_day_choices_across_the_autumn_change() -> None:
    days = day_choices(utc(2026, 10, 24, 22, 30), BERLIN, days=2)  # 00:30 summer time on the 25th
    assert days == [date(2026, 10, 25), date(2026, 10, 26)]


def test_time_choices() -> None:
    times = time_choices()
    assert times[0] == time(9, 0)
    assert times[-1] == time(20, 0)
    assert times == sorted(set(times))
    assert {time(18, 0), time(18, 30), time(19, 0)} <= set(times)
    assert all(t.tzinfo is None for t in times)
    times.clear()
    assert time_choices(), "callers must not be able to change the shared list"


def test_every_time_choice_combines_with_every_day_choice() -> None:
    later = berlin(2027, 3, 20, 8, 0).astimezone(UTC)  # the next 14 days include the spring change
    for day in day_choices(later, BERLIN):
        for at in time_choices():
            assert combine_local(day, at, BERLIN, later).local.time() == at


# --- durations ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("90", 90),
        ("90 min", 90),
        ("90min", 90),
        ("90 Minuten", 90),
        ("45 minutes", 45),
        ("1,5 h", 90),
        ("1.5h", 90),
        ("1,5 Stunden", 90),
        ("2 Std", 120),
        ("2 Std.", 120),
        ("2 Stunden", 120),
        ("1 Stunde", 60),
        ("2 hours", 120),
        ("1 hour", 60),
        ("1:30", 90),
        ("1:30 h", 90),
        ("0:45", 45),
        ("1 h 30", 90),
        ("1h30", 90),
        ("1 Std. 30 Min.", 90),
        ("1 h 5 min", 65),
        ("0,25 h", 15),
        ("  2   STD ", 120),
        ("5", 5),
        ("720", 720),
        ("12 h", 720),
    ],
)
def test_parse_duration(text: str, minutes: int) -> None:
    assert parse_duration(text) == minutes


@pytest.mark.parametrize(
    "text",
    [
        "",
        "lang",
        "4",
        "0",
        "721",
        "13 h",
        "12 h 1",
        "1:60",
        "1 h 60",
        "1,5 h 30",
        "1,33 h",
        "-30",
        "1.5.h.",
        "90 sekunden",
        "99999999999999999999999",
        "1" * 200,
    ],
)
def test_bad_duration(text: str) -> None:
    with pytest.raises(DateProblem) as caught:
        parse_duration(text)
    assert caught.value.key == "dates.bad_duration"
    assert caught.value.params == {"min": 5, "max": 720}


# --- quiet hours --------------------------------------------------------------------------------------------

QUIET_START, QUIET_END = time(21, 0), time(8, 0)


@pytest.mark.parametrize(
    ("local", "quiet"),
    [
        (berlin(2026, 11, 25, 20, 59), False),
        (berlin(2026, 11, 25, 21, 0), True),
        (berlin(2026, 11, 25, 23, 59), True),
        (berlin(2026, 11, 26, 0, 0), True),
        (berlin(2026, 11, 26, 7, 59), True),
        (berlin(2026, 11, 26, 8, 0), False),
        (berlin(2026, 11, 26, 12, 0), False),
        (berlin(2026, 7, 1, 21, 30), True),
        (berlin(2026, 7, 1, 20, 30), False),
    ],
)
def test_is_quiet_wraps_midnight(local: datetime, quiet: bool) -> None:
    assert is_quiet(local.astimezone(UTC), BERLIN, QUIET_START, QUIET_END) is quiet


def test_is_quiet_uses_berlin_wall_time_not_utc() -> None:
    # 20:30 UTC is 21:30 in Berlin in winter (quiet) but 22:30 in summer; 07:30 UTC in winter is 08:30 (not quiet).
    assert is_quiet(utc(2026, 11, 25, 20, 30), BERLIN, QUIET_START, QUIET_END)
    assert not is_quiet(utc(2026, 11, 26, 7, 30), BERLIN, QUIET_START, QUIET_END)
    assert is_quiet(utc(2026, 7, 1, 5, 30), BERLIN, QUIET_START, QUIET_END)  # 07:30 summer time


def test_is_quiet_window_within_one_day_and_empty_window() -> None:
    assert is_quiet(berlin(2026, 11, 25, 13, 0), BERLIN, time(12, 0), time(14, 0))
    assert not is_quiet(berlin(2026, 11, 25, 14, 0), BERLIN, time(12, 0), time(14, 0))
    assert not is_quiet(berlin(2026, 11, 25, 11, 59), BERLIN, time(12, 0), time(14, 0))
    assert not is_quiet(berlin(2026, 11, 25, 13, 0), BERLIN, time(8, 0), time(8, 0))


def test_is_quiet_rejects_naive() -> None:
    with pytest.raises(ValueError):
        is_quiet(datetime(2026, 11, 25, 22, 0), BERLIN, QUIET_START, QUIET_END)


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        (berlin(2026, 11, 25, 22, 30), utc(2026, 11, 26, 7, 0)),  # 08:00 next day, winter time
        (berlin(2026, 11, 25, 21, 0), utc(2026, 11, 26, 7, 0)),
        (berlin(2026, 11, 26, 0, 0), utc(2026, 11, 26, 7, 0)),
        (berlin(2026, 11, 26, 7, 0), utc(2026, 11, 26, 7, 0)),  # 08:00 the same day
        (berlin(2026, 11, 26, 7, 59), utc(2026, 11, 26, 7, 0)),
        (berlin(2026, 7, 1, 22, 30), utc(2026, 7, 2, 6, 0)),  # 08:00 summer time
        (berlin(2026, 10, 24, 22, 30), utc(2026, 10, 25, 7, 0)),  # overnight into winter time
        (berlin(2027, 3, 27, 22, 30), utc(2027, 3, 28, 6, 0)),  # overnight into summer time
        (berlin(2026, 12, 31, 23, 0), utc(2027, 1, 1, 7, 0)),
    ],
)
def test_shift_out_of_quiet(due: datetime, expected: datetime) -> None:
    shifted = shift_out_of_quiet(due.astimezone(UTC), BERLIN, QUIET_START, QUIET_END)
    assert shifted == expected
    assert shifted.tzinfo is UTC
    assert not is_quiet(shifted, BERLIN, QUIET_START, QUIET_END)
    assert is_quiet(shifted - timedelta(seconds=1), BERLIN, QUIET_START, QUIET_END)


@pytest.mark.parametrize(
    "due", [berlin(2026, 11, 25, 12, 0), berlin(2026, 11, 25, 8, 0), berlin(2026, 11, 25, 20, 59, 59)]
)
def test_shift_out_of_quiet_leaves_other_times_unchanged(due: datetime) -> None:
    assert shift_out_of_quiet(due.astimezone(UTC), BERLIN, QUIET_START, QUIET_END) == due
    assert shift_out_of_quiet(due, BERLIN, QUIET_START, QUIET_END) is due


def test_quiet_hours_ending_inside_the_spring_gap_end_at_the_jump() -> None:
    # Quiet until 02:30 on 2027-03-28: the clocks jump from 02:00 to 03:00 at 01:00 UTC.
    due = berlin(2027, 3, 28, 1, 30).astimezone(UTC)
    assert shift_out_of_quiet(due, BERLIN, time(1, 0), time(2, 30)) == utc(2027, 3, 28, 1, 0)


def test_quiet_hours_ending_inside_the_autumn_hour_end_at_its_first_pass() -> None:
    due = berlin(2026, 10, 25, 1, 30).astimezone(UTC)
    assert shift_out_of_quiet(due, BERLIN, time(1, 0), time(2, 30)) == utc(2026, 10, 25, 0, 30)
    # Back in the window during the second pass (02:10 winter time): ends at the second 02:30.
    second_pass = berlin(2026, 10, 25, 2, 10, fold=1).astimezone(UTC)
    assert second_pass == utc(2026, 10, 25, 1, 10)
    assert shift_out_of_quiet(second_pass, BERLIN, time(1, 0), time(2, 30)) == utc(2026, 10, 25, 1, 30)
