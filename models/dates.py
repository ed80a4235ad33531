"""Dates, times and durations as people type them (German and English), resolved in the team's time zone.

The clock is always passed in as an aware `now`, so tests and the scheduler decide what "today" is.
Instants leave this module as aware UTC datetimes; local wall times only exist at input and output.
`zoneinfo` silently shifts a wall time in the March gap and silently picks one reading of the doubled
October hour, so both are detected here and surfaced as a `DateProblem` the user can answer.

Interpretation rules (the choices a user might wonder about):
- A time without a date ("18 Uhr") means today if that moment is still ahead, otherwise tomorrow.
- A weekday ("Do 18 Uhr") means the next such day whose moment is strictly ahead: today if today is that
  weekday and the time has not passed, otherwise the one 7 days on. "nächsten Do" / "next Thu" never means
  today: it is the next such day from tomorrow on (1 to 7 days ahead).
- A date without a year is its next occurrence that is not in the past (03.12. typed on 04.12. is next year).
- A bare "d.m" pair alone ("3.12") is a date when it is a valid calendar date (and then lacks a time),
  otherwise a time ("18.30"). With a date word next to it ("morgen 18.30") it is a time.
- A bare number is an hour ("übermorgen 9"); "am"/"pm" after a number is the 12-hour clock.
- A weekday in front of an explicit date ("Do, 3.12. 18 Uhr") must match that date.
- The doubled October hour is asked about unless `fold` is given, or only one of its two readings is
  still in the future (then that one is meant).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from models.errors import Refusal

MAX_YEARS_AHEAD = 2
MIN_DURATION_MINUTES = 5
MAX_DURATION_MINUTES = 720
_MAX_TEXT_LENGTH = 100  # nobody types a date longer than this; spares the regexes from pasted essays

_TIME_CHOICES = (
    time(9, 0),
    time(10, 0),
    time(14, 0),
    time(16, 0),
    time(17, 0),
    time(18, 0),
    time(18, 30),
    time(19, 0),
    time(19, 30),
    time(20, 0),
)


class DateProblem(Refusal):
    """The typed date cannot be used; `key` is a text-catalogue key, `params` fill in the text.

    Keys: dates.unparseable, dates.past, dates.nonexistent, dates.ambiguous (params: options = [first, second]
    as UTC instants), dates.too_far, dates.no_time (params: day = the resolved local date, so the
    caller can offer time buttons for it), dates.bad_duration (params: min, max in minutes).
    It is a `Refusal`, so handlers that already answer refusals answer this one too.
    """

    key: str
    params: dict[str, Any]


@dataclass(frozen=True)
class ParsedWhen:
    """One resolved moment: `start` to store and schedule (UTC), `local` to show back to the user."""

    start: datetime
    local: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.local.tzinfo is None:
            raise ValueError("ParsedWhen needs aware datetimes")


class _Invalid(Exception):
    """This reading of the text is not a real calendar date or clock time; try the next reading."""


def _words(groups: list[tuple[str, ...]]) -> dict[str, int]:
    return {word: index for index, words in enumerate(groups) for word in words}


_WEEKDAYS = _words(
    [
        ("montag", "mo", "monday", "mon"),
        ("dienstag", "di", "tuesday", "tue", "tues"),
        ("mittwoch", "mi", "wednesday", "wed"),
        ("donnerstag", "do", "thursday", "thu", "thur", "thurs"),
        ("freitag", "fr", "friday", "fri"),
        ("samstag", "sonnabend", "sa", "saturday", "sat"),
        ("sonntag", "so", "sunday", "sun"),
    ]
)
_MONTHS = {
    word: index + 1
    for word, index in _words(
        [
            ("januar", "jänner", "jan", "january"),
            ("februar", "feb", "february"),
            ("märz", "maerz", "mär", "mrz", "march", "mar"),
            ("april", "apr"),
            ("mai", "may"),
            ("juni", "jun", "june"),
            ("juli", "jul", "july"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("oktober", "okt", "october", "oct"),
            ("november", "nov"),
            ("dezember", "dez", "december", "dec"),
        ]
    ).items()
}
_RELATIVE = {
    "heute": 0,
    "today": 0,
    "morgen": 1,
    "tomorrow": 1,
    "übermorgen": 2,
    "uebermorgen": 2,
    "day after tomorrow": 2,
}
_DIGITS = frozenset("0123456789")
_FILLERS = frozenset({"um", "ab", "at", "on", "den", "the", "of", "gegen"})


def _alternation(words: Iterable[str]) -> str:
    return "|".join(sorted((re.escape(word) for word in words), key=len, reverse=True))


_WD = _alternation(_WEEKDAYS)
_MON = _alternation(_MONTHS)
_WD_PREFIX = rf"(?:(?P<wd>{_WD})\.? )?"
_DATE_PATTERNS = (
    # 2026-12-03
    rf"{_WD_PREFIX}(?P<y>[0-9]{{4}})-(?P<m>[0-9]{{1,2}})-(?P<d>[0-9]{{1,2}})",
    # 3.12 / 03.12. / 3.12.26 / 3.12.2026
    rf"{_WD_PREFIX}(?P<d>[0-9]{{1,2}})\.(?P<m>[0-9]{{1,2}})(?:\.(?P<y>[0-9]{{4}}|[0-9]{{2}})?)?",
    # 3. Dezember / 3 Dec / 3. Dez. 2026 / 3rd december
    rf"{_WD_PREFIX}(?P<d>[0-9]{{1,2}})(?:\.|st|nd|rd|th)? ?(?P<mon>{_MON})\.?(?: (?P<y>[0-9]{{4}}))?",
    # December 3 / Dec 3rd 2026
    rf"{_WD_PREFIX}(?P<mon>{_MON})\.? (?P<d>[0-9]{{1,2}})(?:\.|st|nd|rd|th)?(?: (?P<y>[0-9]{{4}}))?",
    # heute / morgen / übermorgen / today / tomorrow
    rf"(?P<rel>{_alternation(_RELATIVE)})",
    # Do / do. / Donnerstag / nächsten Donnerstag / next thursday / diesen Donnerstag
    rf"(?:(?P<next>nächste[nrs]?|naechste[nrs]?|kommende[nrs]?|next) |(?:diese[nrs]?|this) )?(?P<wd>{_WD})\.?",
)
_TIME_PATTERN = r"(?P<h>[0-9]{1,2})(?:[:.](?P<mi>[0-9]{2}))?(?: ?(?P<mer>am|pm))?(?: ?(?:uhr|h))?"

# Readings in order of preference; the first one that is a real date and time decides.
_READINGS = tuple(
    re.compile(pattern)
    for pattern in (
        *(f"{d} {_TIME_PATTERN}" for d in _DATE_PATTERNS),
        *(f"{_TIME_PATTERN} {d}" for d in _DATE_PATTERNS),
        *_DATE_PATTERNS,
        _TIME_PATTERN,
    )
)


def _normalise(text: str) -> str:
    """Lower case, single spaces, no commas, no fillers ("um", "am" before a date), "6 p.m." -> "6 pm"."""
    s = unicodedata.normalize("NFC", text).lower().replace(",", " ")
    s = " ".join(s.split())
    s = re.sub(r"([0-9]{4}-[0-9]{1,2}-[0-9]{1,2})t(?=[0-9])", r"\1 ", s)
    s = re.sub(r"(?<=[0-9]) ?([ap])\.? ?m\.?(?= |$)", r" \1m", s)
    s = s.rstrip(".!? ")
    tokens = s.split(" ")
    kept: list[str] = []
    for index, token in enumerate(tokens):
        if token in _FILLERS:
            continue
        if token == "am":
            after_number = bool(kept) and kept[-1][-1:] in _DIGITS
            before_number = index + 1 < len(tokens) and tokens[index + 1][:1] in _DIGITS
            if not after_number or before_number:
                continue  # German "am Donnerstag", not the 12-hour "6 am"
        kept.append(token)
    return " ".join(kept)


def _wall(instant: datetime, tz: ZoneInfo) -> datetime:
    return instant.astimezone(tz).replace(tzinfo=None)


def _readings_utc(local_naive: datetime, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """Both UTC readings of a wall time (equal unless it is in the gap or the doubled hour)."""
    first = local_naive.replace(tzinfo=tz, fold=0).astimezone(UTC)
    second = local_naive.replace(tzinfo=tz, fold=1).astimezone(UTC)
    return first, second


def _is_ahead(local_naive: datetime, tz: ZoneInfo, now: datetime) -> bool:
    return any(reading > now for reading in _readings_utc(local_naive, tz))


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime")


def to_utc_checked(local_naive: datetime, tz: ZoneInfo, fold: int | None = None) -> datetime:
    """The UTC instant of a local wall time, refusing the times zoneinfo would silently bend.

    A time in the spring gap does not exist (DateProblem "dates.nonexistent"); a time in the doubled autumn
    hour exists twice (DateProblem "dates.ambiguous" with both instants) unless `fold` chooses:
    0 = the first (summer time), 1 = the second (winter time). Both are found by round-tripping via UTC.
    """
    if local_naive.tzinfo is not None:
        raise ValueError("to_utc_checked needs a naive local datetime")
    if fold not in (None, 0, 1):
        raise ValueError("fold must be None, 0 or 1")
    first, second = _readings_utc(local_naive, tz)
    if _wall(first, tz) != local_naive or _wall(second, tz) != local_naive:
        raise DateProblem("dates.nonexistent")
    if first != second:
        if fold is None:
            raise DateProblem("dates.ambiguous", options=sorted([first, second]))
        return second if fold == 1 else first
    return first


def _years_later(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + years, day=28)


def _finish(local_naive: datetime, tz: ZoneInfo, now: datetime, fold: int | None) -> ParsedWhen:
    """Shared checks for every way of naming a moment: past, too far, gap, doubled hour."""
    now_local = now.astimezone(tz)
    # Far-off years are judged before any arithmetic that could overflow near year 1 or 9999.
    if local_naive.year < now_local.year - 1:
        raise DateProblem("dates.past")
    if local_naive.year > now_local.year + MAX_YEARS_AHEAD + 1:
        raise DateProblem("dates.too_far")
    limit = _years_later(now_local, MAX_YEARS_AHEAD)
    readings = _readings_utc(local_naive, tz)
    if all(reading <= now for reading in readings):
        raise DateProblem("dates.past")
    if all(reading > limit for reading in readings):
        raise DateProblem("dates.too_far")
    try:
        start = to_utc_checked(local_naive, tz, fold)
    except DateProblem as problem:
        if problem.key != "dates.ambiguous":
            raise
        # Only one reading still ahead: there is nothing to ask.
        usable = [reading for reading in readings if now < reading <= limit]
        if len(usable) != 1:
            raise
        start = usable[0]
    if start <= now:
        raise DateProblem("dates.past")
    if start > limit:
        raise DateProblem("dates.too_far")
    return ParsedWhen(start=start, local=start.astimezone(tz))


def _time_of(groups: dict[str, str | None]) -> time:
    hour = int(groups["h"] or "")
    minute = int(groups["mi"] or 0)
    meridiem = groups["mer"]
    if meridiem is not None:
        if not 1 <= hour <= 12:
            raise _Invalid
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise _Invalid
    return time(hour, minute)


def _next_occurrence(month: int, day: int, at: time | None, today: date, tz: ZoneInfo, now: datetime) -> date:
    """The first date month/day from today on that is not in the past (with `at`, strictly ahead)."""
    try:
        date(2000, month, day)  # a leap year: 29.02. exists in some years
    except ValueError:
        raise _Invalid from None
    for year in range(today.year, today.year + 9):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if at is None and candidate >= today:
            return candidate
        if at is not None and _is_ahead(datetime.combine(candidate, at), tz, now):
            return candidate
    raise _Invalid  # unreachable: some year in any 9 contains a valid 29.02.


def _day_of(groups: dict[str, str | None], at: time | None, tz: ZoneInfo, now: datetime) -> date:
    today = now.astimezone(tz).date()
    if groups.get("rel") is not None:
        return today + timedelta(days=_RELATIVE[groups["rel"] or ""])
    if groups.get("d") is not None:
        day = int(groups["d"] or "")
        month = _MONTHS[groups["mon"] or ""] if groups.get("mon") else int(groups["m"] or "")
        year_text = groups.get("y")
        if year_text is None:
            resolved = _next_occurrence(month, day, at, today, tz, now)
        else:
            year = int(year_text) + (2000 if len(year_text) == 2 else 0)
            try:
                resolved = date(year, month, day)
            except ValueError:
                raise _Invalid from None
        if groups.get("wd") is not None and _WEEKDAYS[groups["wd"] or ""] != resolved.weekday():
            raise _Invalid  # "Fr 3.12." when the 3rd is a Thursday: better ask again than guess
        return resolved
    if groups.get("wd") is not None:
        weekday = _WEEKDAYS[groups["wd"] or ""]
        first = 1 if groups.get("next") is not None else 0
        for offset in range(first, first + 8):
            candidate = today + timedelta(days=offset)
            if candidate.weekday() != weekday:
                continue
            if offset == 0 and at is not None and not _is_ahead(datetime.combine(candidate, at), tz, now):
                continue
            return candidate
        raise _Invalid  # unreachable: every weekday occurs within 8 days
    # A time alone: today if still ahead, else tomorrow.
    assert at is not None
    if _is_ahead(datetime.combine(today, at), tz, now):
        return today
    return today + timedelta(days=1)


def parse_when(text: str, now: datetime, tz: ZoneInfo, *, fold: int | None = None) -> ParsedWhen:
    """Read a typed date and time ("Do 18 Uhr", "3.12. 18:30", "tomorrow 6pm") as a future moment.

    Raises DateProblem with one of: dates.unparseable, dates.past, dates.too_far, dates.no_time,
    dates.nonexistent, dates.ambiguous. After "ambiguous", call again with `fold` set to the user's choice.
    """
    _require_aware(now, "now")
    now = now.astimezone(UTC)
    normalised = _normalise(text) if len(text) <= _MAX_TEXT_LENGTH else ""
    if normalised:
        for reading in _READINGS:
            match = reading.fullmatch(normalised)
            if match is None:
                continue
            groups = match.groupdict()
            try:
                at = _time_of(groups) if groups.get("h") is not None else None
                day = _day_of(groups, at, tz, now)
            except _Invalid:
                continue
            if at is None:
                raise DateProblem("dates.no_time", day=day)
            return _finish(datetime.combine(day, at), tz, now, fold)
    raise DateProblem("dates.unparseable", **example_dates(now, tz))


def combine_local(day: date, at: time, tz: ZoneInfo, now: datetime, fold: int | None = None) -> ParsedWhen:
    """A moment picked with buttons (a day and a time), checked exactly like a typed one."""
    _require_aware(now, "now")
    if at.tzinfo is not None:
        raise ValueError("combine_local needs a naive local time")
    return _finish(datetime.combine(day, at), tz, now.astimezone(UTC), fold)


_HOURS_UNIT = r"(?:h|std|stunden?|hours?|hrs?|hr)\.?"
_MINUTES_UNIT = r"(?:m|min|mins|minuten?|minutes?)\.?"
_DURATION_PATTERNS = (
    re.compile(rf"(?P<h>[0-9]+(?:[.,][0-9]+)?) ?{_HOURS_UNIT}(?: ?(?P<m>[0-9]{{1,2}}) ?(?:{_MINUTES_UNIT})?)?"),
    re.compile(rf"(?P<h>[0-9]{{1,2}}):(?P<m>[0-9]{{2}})(?: ?{_HOURS_UNIT})?"),
    re.compile(rf"(?P<m>[0-9]+) ?(?:{_MINUTES_UNIT})?"),
)


def parse_duration(text: str) -> int:
    """Minutes from "90", "90 min", "1,5 h", "2 Std", "1:30", "1 h 30"; a bare number means minutes.

    Accepts 5 to 720 minutes (a meeting, not a festival); anything else is DateProblem "dates.bad_duration".
    """
    problem = DateProblem("dates.bad_duration", min=MIN_DURATION_MINUTES, max=MAX_DURATION_MINUTES)
    s = " ".join(unicodedata.normalize("NFC", text).lower().split()) if len(text) <= _MAX_TEXT_LENGTH else ""
    for pattern in _DURATION_PATTERNS:
        match = pattern.fullmatch(s)
        if match is None:
            continue
        hours_text, minutes_text = match.group("h") if "h" in pattern.groupindex else None, match.group("m")
        minutes = int(minutes_text) if minutes_text is not None else 0
        total = Decimal(minutes)
        if hours_text is not None:
            if minutes_text is not None and (minutes >= 60 or not hours_text.isdigit()):
                raise problem  # "1 h 75" or "1,5 h 30"
            try:
                total += Decimal(hours_text.replace(",", ".")) * 60
            except InvalidOperation:
                raise problem from None
        if total != total.to_integral_value() or not MIN_DURATION_MINUTES <= total <= MAX_DURATION_MINUTES:
            raise problem
        return int(total)
    raise problem


def day_choices(now: datetime, tz: ZoneInfo, days: int = 14) -> list[date]:
    """The next `days` local dates starting today, for a row of day buttons."""
    _require_aware(now, "now")
    if days < 0:
        raise ValueError("days must not be negative")
    today = now.astimezone(tz).date()
    return [today + timedelta(days=offset) for offset in range(days)]


EXAMPLE_DAYS_AHEAD = 7


def example_dates(now: datetime, tz: ZoneInfo) -> dict[str, str]:
    """The example dates a prompt shows ("10.12.2026", "10.12."): a week from today, so never in the past
    however long the text has been in the catalogue. Placeholders `example` and `example_short`."""
    _require_aware(now, "now")
    day = now.astimezone(tz).date() + timedelta(days=EXAMPLE_DAYS_AHEAD)
    return {"example": f"{day:%d.%m.%Y}", "example_short": f"{day.day}.{day.month}."}


def time_choices() -> list[time]:
    """Typical meeting times for buttons; anything else can be typed."""
    return list(_TIME_CHOICES)


def is_quiet(at: datetime, tz: ZoneInfo, start: time, end: time) -> bool:
    """Whether the local wall time of `at` lies in [start, end); the window may wrap midnight (21:00-08:00).

    start == end means no quiet hours at all.
    """
    _require_aware(at, "at")
    wall = at.astimezone(tz).time()
    if start == end:
        return False
    if start < end:
        return start <= wall < end
    return wall >= start or wall < end


def _instants_of(local_naive: datetime, tz: ZoneInfo) -> list[datetime]:
    """Every UTC instant at which the wall clock reaches `local_naive`: one, two (October) or the March jump."""
    first, second = _readings_utc(local_naive, tz)
    if first == second:
        return [first]
    if _wall(first, tz) == local_naive:
        return sorted([first, second])
    # In the gap the clock jumps over this wall time; the jump is the first moment at or after it.
    low, high = int(min(first, second).timestamp()), int(max(first, second).timestamp())
    while high - low > 1:
        middle = (low + high) // 2
        if _wall(datetime.fromtimestamp(middle, UTC), tz) >= local_naive:
            high = middle
        else:
            low = middle
    return [datetime.fromtimestamp(high, UTC)]


def shift_out_of_quiet(due: datetime, tz: ZoneInfo, start: time, end: time) -> datetime:
    """When a message due now may be sent: `due` unchanged if not quiet, else the next end of quiet hours (UTC)."""
    if not is_quiet(due, tz, start, end):
        return due
    local_day = due.astimezone(tz).date()
    for offset in range(3):
        for instant in _instants_of(datetime.combine(local_day + timedelta(days=offset), end), tz):
            if instant > due:
                return instant
    raise AssertionError("quiet hours always end within two days")  # pragma: no cover
