"""Configuration: one TOML file plus a few environment variables, checked strictly at start.

A bad config must end the program with one line naming the key, never a traceback, so every
value passes through the small typed readers below and problems raise `ConfigError`.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from core.config_mail import MailConfig, WebConfig, is_address, parse_mail, parse_web
from models.errors import Refusal
from models.ideas import likeness
from models.ideas.routing import RoutingPolicy
from models.meetings.core import REMINDER_EARLIEST, REMINDER_LATEST, REMINDERS_MAX, MeetingPolicy, check_reminders
from models.privacy.retention import RetentionPolicy

LANGUAGES = ("de", "en")
OTHER_TOWN = "other"
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class ConfigError(Exception):
    """A config problem, phrased for one line of output."""


@dataclass(frozen=True)
class Named:
    """Something with a stable key and a name per language (towns, groups, fields)."""

    key: str
    names: dict[str, str]

    def name(self, lang: str) -> str:
        return self.names.get(lang) or self.names["de"]


def _defaults(*items: tuple[str, str, str]) -> tuple[Named, ...]:
    return tuple(Named(key, {"de": de, "en": en}) for key, de, en in items)


# The codes of the evaluation (what helped, what got in the way), used by the survey after meetings, on ideas
# and in the routing answers of the towns. Keys are stable: stored in the database and in exports.
DEFAULT_FACTORS = _defaults(
    ("administration_involved", "Die Verwaltung macht mit", "The administration takes part"),
    ("clear_responsibility", "Klare Zuständigkeit", "Clear responsibility"),
    ("shared_goal", "Gemeinsames Ziel", "A shared goal"),
    ("short_distances", "Kurze Wege", "Short distances"),
    ("committed_people", "Engagierte Einzelne", "Committed individuals"),
    ("businesses_involved", "Unternehmen sind beteiligt", "Businesses involved"),
    ("funding_found", "Förderung gefunden", "Funding found"),
)
DEFAULT_OBSTACLES = _defaults(
    ("unclear_responsibility", "Unklare Zuständigkeit", "Unclear responsibility"),
    ("town_rivalry", "Konkurrenz zwischen den Städten", "Rivalry between the towns"),
    ("travel_time", "Lange Fahrzeit", "Travel time"),
    ("no_funding", "Keine Finanzierung", "No funding"),
    ("legal_hurdles", "Rechtliche Hürden", "Legal hurdles"),
    ("volunteer_time", "Zu wenig Zeit fürs Ehrenamt", "Not enough volunteer time"),
    ("information_gap", "Informationen kommen nicht an", "Information does not reach people"),
)


@dataclass(frozen=True)
class TeamSeed:
    slug: str
    field: str
    names: dict[str, str]
    descriptions: dict[str, str]


@dataclass(frozen=True)
class WebhookConfig:
    listen: str = "127.0.0.1"
    port: int = 8443
    public_url: str = ""
    secret_token: str = ""

    @property
    def path(self) -> str:
        return urlparse(self.public_url).path or "/"


@dataclass(frozen=True)
class BackupConfig:
    """[backup]: the daily backup; off while `folder` is empty."""

    folder: str = ""
    keep: int = 14
    at: time = time(3, 30)  # local time of day

    @property
    def enabled(self) -> bool:
        return bool(self.folder)


@dataclass(frozen=True)
class DigestConfig:
    """[digest]: the monthly digest to the manager and the leads, on the first of a month at `at` (local)."""

    enabled: bool = True
    at: time = time(9, 0)


@dataclass(frozen=True)
class HealthConfig:
    """`[health]`: the local /healthz and /metrics endpoint (off while `port` is 0) and its thresholds."""

    port: int = 0
    listen: str = "127.0.0.1"
    outbox_delay_minutes: float = 10  # a due message waiting longer: the dispatcher is stuck or Telegram refuses
    polling_silence_minutes: float = 5  # no successful getUpdates for this long: Telegram unreachable or token bad
    backup_age_hours: float = 26  # the last backup is older: the daily backup did not run


@dataclass(frozen=True)
class LoggingConfig:
    """`[logging]`: the level and the line format (`text` for people, `json` for log collectors)."""

    level: str = "INFO"
    format: str = "text"


@dataclass(frozen=True)
class EvaluationConfig:
    """`[evaluation]`: when an idea counts as stalled (its lead is then asked what is in the way), and when the
    survey goes out after a meeting whose attendance nobody recorded."""

    stalled_weeks: int = 8  # no step on the idea's path for this long: ask for the obstacles
    survey_after: timedelta = timedelta(hours=24)  # survey_after_hours
    min_people: int = 5  # released figures hide a cell behind fewer people (models/reports/suppression.py)


@dataclass(frozen=True)
class Config:
    token: str
    api_base_url: str
    mode: str
    webhook: WebhookConfig
    database_url: str
    project_name: str
    controller: str
    contact: str
    time_zone: ZoneInfo
    managers: tuple[int, ...]
    privacy_version: str
    towns: tuple[Named, ...]
    groups: tuple[Named, ...]
    fields: tuple[Named, ...]
    teams: tuple[TeamSeed, ...]
    success_factors: tuple[Named, ...] = DEFAULT_FACTORS
    obstacles: tuple[Named, ...] = DEFAULT_OBSTACLES
    meetings: MeetingPolicy = field(default_factory=lambda: MeetingPolicy(ZoneInfo("Europe/Berlin")))
    delivery_expiry: timedelta = timedelta(hours=24)  # [delivery] expiry_hours
    database_wait: timedelta | None = None  # [database] wait_minutes: give up on an unreachable database (None: never)
    reply_expiry: timedelta = timedelta(minutes=5)  # [delivery] reply_expiry_minutes
    backup: BackupConfig = field(default_factory=BackupConfig)
    retention: RetentionPolicy = field(default_factory=lambda: RetentionPolicy(ZoneInfo("Europe/Berlin")))
    health: HealthConfig = field(default_factory=HealthConfig)
    digest: DigestConfig = field(default_factory=DigestConfig)
    logging: LoggingConfig = field(default_factory=LoggingConfig)
    evaluation: EvaluationConfig = field(default_factory=EvaluationConfig)
    routing: RoutingPolicy = field(default_factory=RoutingPolicy)
    mail: MailConfig | None = None  # [mail]: without it nothing goes out by e-mail
    web: WebConfig = field(default_factory=WebConfig)  # [web]: the answer page the e-mails link to

    def town(self, key: str) -> Named | None:
        return next((t for t in self.towns if t.key == key), None)

    def group(self, key: str) -> Named | None:
        return next((g for g in self.groups if g.key == key), None)

    def field_of_action(self, key: str) -> Named | None:
        return next((f for f in self.fields if f.key == key), None)

    def codes(self, kind: str) -> tuple[Named, ...]:
        """The evaluation codes of one kind: 'factor' (success factors) or 'obstacle'."""
        return self.success_factors if kind == "factor" else self.obstacles

    def code(self, kind: str, key: str) -> Named | None:
        return next((c for c in self.codes(kind) if c.key == key), None)


class _Reader:
    """Reads one TOML table, remembering the dotted path for messages and refusing unknown keys."""

    def __init__(self, data: Any, path: str) -> None:
        if not isinstance(data, dict):
            raise ConfigError(f"{path or 'config'}: expected a table")
        self.data = data
        self.path = path
        self.seen: set[str] = set()

    def _key(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def get(self, key: str, kind: type, default: Any = ..., required: bool = False) -> Any:
        self.seen.add(key)
        if key not in self.data:
            if default is ... or required:
                raise ConfigError(f"{self._key(key)}: missing required key")
            return default
        value = self.data[key]
        ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
        if not ok:
            expected = " or ".join(k.__name__ for k in kind) if isinstance(kind, tuple) else kind.__name__
            raise ConfigError(f"{self._key(key)}: expected {expected}, got {type(value).__name__}")
        return value

    def table(self, key: str, required: bool = True) -> _Reader:
        self.seen.add(key)
        if key not in self.data:
            if required:
                raise ConfigError(f"{self._key(key)}: missing required table")
            return _Reader({}, self._key(key))
        return _Reader(self.data[key], self._key(key))

    def tables(self, key: str) -> list[_Reader]:
        self.seen.add(key)
        items = self.data.get(key)
        if not isinstance(items, list) or not items:
            raise ConfigError(f"{self._key(key)}: expected at least one [[{self._key(key)}]] entry")
        return [_Reader(item, f"{self._key(key)}[{i}]") for i, item in enumerate(items)]

    def names(self, key: str) -> dict[str, str]:
        value = self.get(key, (dict, str))  # type: ignore[arg-type]
        if isinstance(value, str):
            value = {"de": value}
        for lang, text in value.items():
            if lang not in LANGUAGES:
                raise ConfigError(f"{self._key(key)}.{lang}: unknown language (use de or en)")
            if not isinstance(text, str) or not text.strip():
                raise ConfigError(f"{self._key(key)}.{lang}: expected a non-empty string")
        if "de" not in value:
            raise ConfigError(f"{self._key(key)}.de: missing required key")
        return dict(value)

    def done(self) -> None:
        unknown = sorted(set(self.data) - self.seen)
        if unknown:
            raise ConfigError(f"{self._key(unknown[0])}: unknown key")


def _check_url(key: str, value: str, schemes: tuple[str, ...]) -> str:
    parsed = urlparse(value)
    if parsed.scheme not in schemes or not parsed.netloc:
        raise ConfigError(f"{key}: bad URL {value!r} (expected {' or '.join(schemes)}://host...)")
    return value.rstrip("/")


# what SQLAlchemy's SQLite driver takes from the URL, and what SQLite itself takes with `uri=true`
_SQLITE_DRIVER_OPTIONS = {"uri", "timeout", "isolation_level", "detect_types", "check_same_thread", "cached_statements"}
_SQLITE_URI_OPTIONS = {"vfs", "mode", "cache", "psow", "nolock", "immutable", "modeof"}


def _check_database_url(value: str, from_env: bool) -> str:
    """A database the bot can keep its data in: a SQLite file, or a named PostgreSQL database on a named host.

    Without a host libpq's defaults would pick some local server; without a path SQLite keeps everything in
    memory and loses it at the next stop. The URL is never echoed (it may hold a password)."""
    key = "database.url (from DATABASE_URL)" if from_env else "database.url"
    try:
        url = make_url(value)
    except (ArgumentError, ValueError):
        url = None
    if url is None or url.drivername not in ("sqlite+aiosqlite", "postgresql+asyncpg"):
        raise ConfigError(f"{key}: expected sqlite+aiosqlite:///file.db or postgresql+asyncpg://user:pw@host/db")
    if url.drivername == "sqlite+aiosqlite":
        if not url.database or url.database == ":memory:" or url.query.get("mode") == "memory":
            raise ConfigError(f"{key}: names no file; expected sqlite+aiosqlite:///path/to/file.db")
        known = _SQLITE_DRIVER_OPTIONS | (_SQLITE_URI_OPTIONS if url.query.get("uri") == "true" else set())
        unknown = sorted(set(url.query) - known)
        if unknown:  # SQLAlchemy would only warn and drop them: a typo (`timout=`) must not go unnoticed
            raise ConfigError(
                f"{key}: unknown query parameter(s) {', '.join(unknown)} for SQLite; known: "
                f"{', '.join(sorted(known))}"
            )
        return value
    if not (url.host or url.query.get("host")):
        raise ConfigError(f"{key}: names no host; expected postgresql+asyncpg://user:pw@host:5432/db")
    if not url.database:
        raise ConfigError(f"{key}: names no database; expected postgresql+asyncpg://user:pw@host:5432/db")
    return value


def _named_list(root: _Reader, key: str) -> tuple[Named, ...]:
    out: list[Named] = []
    for r in root.tables(key):
        k = r.get("key", str)
        if not KEY_RE.match(k) or k == OTHER_TOWN:
            raise ConfigError(f"{r._key('key')}: {k!r} must be a-z, 0-9, _ and not {OTHER_TOWN!r}")
        out.append(Named(k, r.names("name")))
        r.done()
    if len({n.key for n in out}) != len(out):
        raise ConfigError(f"{key}: keys must be unique")
    return tuple(out)


def _codes(root: _Reader, key: str, defaults: tuple[Named, ...]) -> tuple[Named, ...]:
    """An evaluation code list: the config's when given, else the defaults for three towns working together."""
    if key not in root.data:
        root.seen.add(key)
        return defaults
    return _named_list(root, key)


def _meeting_policy(r: _Reader, tz: ZoneInfo) -> MeetingPolicy:
    hours = r.get("reminder_hours", list, [24, 2])
    rule = (
        f"meetings.reminder_hours: expected up to {REMINDERS_MAX} numbers of hours, each from "
        f"{REMINDER_EARLIEST} minutes ({REMINDER_EARLIEST / 60:.2f} h) to {REMINDER_LATEST // 60} h before the meeting"
    )
    if not all(isinstance(h, int | float) and not isinstance(h, bool) and 0 < h < 10_000 for h in hours):
        raise ConfigError(rule)
    offsets = tuple(sorted({round(h * 60) for h in hours}, reverse=True))
    try:
        check_reminders(offsets)  # the meeting dialogue's own rule: what passes here, it accepts
    except Refusal:
        raise ConfigError(rule) from None
    quiet = r.get("quiet_hours", str, "21:00-08:00").strip()
    quiet_start = quiet_end = None
    if quiet:
        m = re.match(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$", quiet)
        if not m or int(m[1]) > 23 or int(m[3]) > 23 or int(m[2]) > 59 or int(m[4]) > 59:
            raise ConfigError(f"meetings.quiet_hours: expected HH:MM-HH:MM, got {quiet!r}")
        quiet_start, quiet_end = time(int(m[1]), int(m[2])), time(int(m[3]), int(m[4]))
        if quiet_start == quiet_end:  # would read as "no quiet hours" while it looks like a full day of them
            raise ConfigError(
                f"meetings.quiet_hours: {quiet!r} is a range of zero length; to switch quiet hours off write "
                'quiet_hours = ""'
            )
    numbers = {}
    for key, default in (("grace_minutes", 30), ("headcount_hours", 24), ("attendance_nudge_hours", 2)):
        value = r.get(key, (int, float), default)  # type: ignore[arg-type]
        if isinstance(value, bool) or not 0 <= value <= 10_000:
            raise ConfigError(f"meetings.{key}: expected a number from 0 to 10000")
        numbers[key] = float(value)
    show_rsvps = r.get("show_rsvps_to_members", bool, False)
    r.done()
    return MeetingPolicy(
        tz=tz,
        reminder_offsets=offsets,
        quiet_start=quiet_start,
        quiet_end=quiet_end,
        grace=timedelta(minutes=numbers["grace_minutes"]),
        headcount_before=timedelta(hours=numbers["headcount_hours"]),
        attendance_nudge_after=timedelta(hours=numbers["attendance_nudge_hours"]),
        show_rsvps_to_members=show_rsvps,
    )


def _delivery_expiry(r: _Reader) -> tuple[timedelta, timedelta]:
    """How long a message without an expiry of its own (announcements, idea answers, a poll's result) is
    retried while Telegram does not take it; and a direct reply handed to the outbox in an outage."""
    hours = r.get("expiry_hours", (int, float), 24)  # type: ignore[arg-type]
    if isinstance(hours, bool) or not 0 < hours <= 720:
        raise ConfigError("delivery.expiry_hours: expected a number of hours above 0 and at most 720")
    minutes = r.get("reply_expiry_minutes", (int, float), 5)  # type: ignore[arg-type]
    if isinstance(minutes, bool) or not 0 < minutes <= 60:
        raise ConfigError("delivery.reply_expiry_minutes: expected a number of minutes above 0 and at most 60")
    r.done()
    return timedelta(hours=hours), timedelta(minutes=minutes)


def _backup(r: _Reader) -> BackupConfig:
    folder = r.get("folder", str, "").strip()
    keep = r.get("keep", int, 14)
    if not 1 <= keep <= 3650:
        raise ConfigError("backup.keep: expected a number of backups from 1 to 3650")
    at = _hhmm(r, "time", "03:30")
    r.done()
    return BackupConfig(folder=folder, keep=keep, at=at)


def _hhmm(r: _Reader, key: str, default: str) -> time:
    """A local time of day written HH:MM."""
    at = r.get(key, str, default).strip()
    m = re.match(r"^(\d{1,2}):(\d{2})$", at)
    if not m or int(m[1]) > 23 or int(m[2]) > 59:
        raise ConfigError(f"{r._key(key)}: expected HH:MM, got {at!r}")
    return time(int(m[1]), int(m[2]))


def _digest(r: _Reader) -> DigestConfig:
    config = DigestConfig(enabled=r.get("enabled", bool, True), at=_hhmm(r, "time", "09:00"))
    r.done()
    return config


def _retention(r: _Reader, end_date: str, tz: ZoneInfo) -> RetentionPolicy:
    """[privacy]: the retention limits in days and the text telling people what changed in the notice."""
    days = {}
    for key, default in (("inactive_days", 365), ("after_end_days", 90), ("audit_days", 730), ("voice_days", 30)):
        value = r.get(key, int, default)
        if not 1 <= value <= 3650:
            raise ConfigError(f"privacy.{key}: expected a number of days from 1 to 3650")
        days[key] = value
    changes = r.names("changes") if "changes" in r.data else {}
    r.done()
    end = None
    if end_date:
        try:
            end = date.fromisoformat(end_date)
        except ValueError:
            raise ConfigError(f"project.end_date: expected a date YYYY-MM-DD, got {end_date!r}") from None
    return RetentionPolicy(tz, end_date=end, changes=changes, **days)


def _health(r: _Reader) -> HealthConfig:
    port = r.get("port", int, 0)
    if not 0 <= port < 65536:
        raise ConfigError("health.port: expected 0 (off) or 1-65535")
    listen = r.get("listen", str, "127.0.0.1")
    numbers = {}
    for key, default in (("outbox_delay_minutes", 10), ("polling_silence_minutes", 5), ("backup_age_hours", 26)):
        value = r.get(key, (int, float), default)  # type: ignore[arg-type]
        if isinstance(value, bool) or not 0 < value <= 10_000:
            raise ConfigError(f"health.{key}: expected a number above 0 and at most 10000")
        numbers[key] = float(value)
    r.done()
    return HealthConfig(port=port, listen=listen, **numbers)


def _routing(r: _Reader, towns: tuple[Named, ...], meetings: MeetingPolicy) -> RoutingPolicy:
    """[routing]: answer deadline, reminder lead time and `[routing.contacts]` town key = [Telegram ids]."""
    weeks = r.get("answer_weeks", int, 4)
    if not 1 <= weeks <= 52:
        raise ConfigError("routing.answer_weeks: expected a number of weeks from 1 to 52")
    days = r.get("remind_days_before", int, 7)
    if not 0 <= days < weeks * 7:
        raise ConfigError("routing.remind_days_before: expected days from 0 (no reminder) to less than the deadline")
    c = r.table("contacts", required=False)
    known = {t.key for t in towns}
    contacts: dict[str, tuple[int, ...]] = {}
    mail_contacts: dict[str, tuple[str, ...]] = {}
    for key in c.data:
        if key not in known:
            raise ConfigError(f"routing.contacts.{key}: unknown town (use a key of [[towns]])")
        items = c.get(key, list)
        ids = [i for i in items if isinstance(i, int) and not isinstance(i, bool) and i > 0]
        addresses = [a.strip().lower() for a in items if isinstance(a, str) and is_address(a.strip())]
        if len(ids) + len(addresses) != len(items):
            raise ConfigError(
                f'routing.contacts.{key}: expected Telegram user ids (numbers) or e-mail addresses ("a@b.de")'
            )
        contacts[key] = tuple(dict.fromkeys(ids))
        if addresses:
            mail_contacts[key] = tuple(dict.fromkeys(addresses))
    c.done()
    r.done()
    start, end = meetings.quiet_start, meetings.quiet_end  # [meetings] quiet_hours hold routing reminders too
    quiet = (meetings.tz, start, end) if start is not None and end is not None else None
    return RoutingPolicy(
        answer_weeks=weeks, remind_days_before=days, contacts=contacts, quiet=quiet, mail_contacts=mail_contacts
    )


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def _logging(r: _Reader) -> LoggingConfig:
    level = r.get("level", str, "INFO").upper()
    if level not in LOG_LEVELS:
        raise ConfigError(f"logging.level: expected one of {', '.join(LOG_LEVELS)}, got {level!r}")
    fmt = r.get("format", str, "text")
    if fmt not in ("text", "json"):
        raise ConfigError(f"logging.format: expected 'text' or 'json', got {fmt!r}")
    r.done()
    return LoggingConfig(level=level, format=fmt)


def _evaluation(r: _Reader) -> EvaluationConfig:
    """[evaluation]: when an idea counts as stalled, and when the survey goes out after a meeting whose attendance
    nobody recorded (to those who said yes), counted from the meeting's end."""
    weeks = r.get("stalled_weeks", int, 8)
    if not 1 <= weeks <= 520:
        raise ConfigError("evaluation.stalled_weeks: expected a number of weeks from 1 to 520")
    hours = r.get("survey_after_hours", (int, float), 24)  # type: ignore[arg-type]
    if isinstance(hours, bool) or not 0 <= hours <= 144:
        raise ConfigError("evaluation.survey_after_hours: expected a number of hours from 0 to 144")
    min_people = r.get("min_people", int, 5)
    if isinstance(min_people, bool) or not 3 <= min_people <= 100:
        raise ConfigError("evaluation.min_people: expected a number of people from 3 to 100")
    r.done()
    return EvaluationConfig(stalled_weeks=weeks, survey_after=timedelta(hours=hours), min_people=min_people)


def parse_config(data: dict[str, Any], env: dict[str, str] | None = None, require_token: bool = True) -> Config:
    """Turn parsed TOML plus environment into a `Config`, or raise `ConfigError`."""
    env = dict(os.environ) if env is None else env
    root = _Reader(data, "")
    tg = root.table("telegram")
    file_token = tg.get("token", str, "")
    token = env.get("TELEGRAM_BOT_TOKEN") or file_token
    if not token and require_token:
        raise ConfigError(
            "telegram.token: missing. Get a token from @BotFather in Telegram (/newbot), then put it into "
            'config.toml as token = "123456:ABC..." under [telegram], or export TELEGRAM_BOT_TOKEN=... '
            "(to try the bot without one: actionbot demo)"
        )
    if token and not re.match(r"^\d+:[A-Za-z0-9_-]+$", token):
        raise ConfigError("telegram.token: does not look like a bot token (digits:letters from @BotFather)")
    api = _check_url(
        "telegram.api_base_url", tg.get("api_base_url", str, "https://api.telegram.org"), ("http", "https")
    )
    mode = tg.get("mode", str, "polling")
    if mode not in ("polling", "webhook"):
        raise ConfigError(f"telegram.mode: expected 'polling' or 'webhook', got {mode!r}")
    wh = tg.table("webhook", required=False)
    webhook = WebhookConfig(
        listen=wh.get("listen", str, "127.0.0.1"),
        port=wh.get("port", int, 8443),
        public_url=wh.get("public_url", str, ""),
        secret_token=wh.get("secret_token", str, ""),
    )
    wh.done()
    if env.get("TELEGRAM_WEBHOOK_SECRET"):
        webhook = WebhookConfig(webhook.listen, webhook.port, webhook.public_url, env["TELEGRAM_WEBHOOK_SECRET"])
    if not 0 < webhook.port < 65536:
        raise ConfigError("telegram.webhook.port: expected 1-65535")
    if mode == "webhook":
        _check_url("telegram.webhook.public_url", webhook.public_url, ("https", "http"))
        if not SECRET_RE.match(webhook.secret_token):
            raise ConfigError("telegram.webhook.secret_token: required in webhook mode (A-Z a-z 0-9 _ -)")
    tg.done()

    db = root.table("database", required=False)
    file_url = db.get("url", str, "sqlite+aiosqlite:///actionbot.db")
    db_url = _check_database_url(env.get("DATABASE_URL") or file_url, from_env=bool(env.get("DATABASE_URL")))
    wait = db.get("wait_minutes", (int, float), 0)  # type: ignore[arg-type]
    if isinstance(wait, bool) or not 0 <= wait <= 525_600:
        raise ConfigError("database.wait_minutes: expected a number of minutes from 0 (never give up) to 525600")
    db.done()

    pr = root.table("project")
    tz_name = pr.get("time_zone", str, "Europe/Berlin")
    try:
        tz = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"project.time_zone: unknown time zone {tz_name!r}") from None
    managers = pr.get("managers", list, [])
    if not all(isinstance(m, int) and not isinstance(m, bool) and m > 0 for m in managers):
        raise ConfigError("project.managers: expected a list of Telegram user ids (numbers)")
    project = dict(
        project_name=pr.get("name", str),
        controller=pr.get("controller", str),
        contact=pr.get("contact", str),
        privacy_version=pr.get("privacy_version", str, "1"),
    )
    end_date = pr.get("end_date", str, "").strip()
    pr.done()

    meetings = _meeting_policy(root.table("meetings", required=False), tz)
    delivery_expiry, reply_expiry = _delivery_expiry(root.table("delivery", required=False))
    backup = _backup(root.table("backup", required=False))
    retention = _retention(root.table("privacy", required=False), end_date, tz)
    health = _health(root.table("health", required=False))
    digest = _digest(root.table("digest", required=False))
    log_config = _logging(root.table("logging", required=False))
    evaluation = _evaluation(root.table("evaluation", required=False))
    towns = _named_list(root, "towns")
    groups = _named_list(root, "groups")
    fields = _named_list(root, "fields")
    success_factors = _codes(root, "success_factors", DEFAULT_FACTORS)
    obstacles = _codes(root, "obstacles", DEFAULT_OBSTACLES)
    routing = _routing(root.table("routing", required=False), towns, meetings)
    mail = parse_mail(root.table("mail", required=False), env, ConfigError)
    web = parse_web(root.table("web", required=False), env, ConfigError)
    if routing.mail_contacts and (mail is None or not web.enabled):
        town = next(iter(routing.mail_contacts))
        raise ConfigError(
            f"routing.contacts.{town}: e-mail contacts need [mail] (the SMTP server) and [web] public_url with "
            "ACTIONBOT_WEB_SECRET (the answer page their e-mails link to)"
        )
    field_keys = {f.key for f in fields}
    teams: list[TeamSeed] = []
    for r in root.tables("teams"):
        slug = r.get("slug", str)
        if not SLUG_RE.match(slug):
            raise ConfigError(f"{r._key('slug')}: {slug!r} must be a-z, 0-9, - (at most 40 characters)")
        fk = r.get("field", str)
        if fk not in field_keys:
            raise ConfigError(f"{r._key('field')}: unknown field of action {fk!r}")
        teams.append(TeamSeed(slug, fk, r.names("name"), r.names("description")))
        r.done()
    if len({t.slug for t in teams}) != len(teams):
        raise ConfigError("teams: slugs must be unique")
    root.done()
    return Config(
        token=token,
        api_base_url=api,
        mode=mode,
        webhook=webhook,
        database_url=db_url,
        database_wait=timedelta(minutes=wait) if wait else None,
        time_zone=tz,
        managers=tuple(managers),
        towns=towns,
        groups=groups,
        fields=fields,
        teams=tuple(teams),
        success_factors=success_factors,
        obstacles=obstacles,
        meetings=meetings,
        delivery_expiry=delivery_expiry,
        reply_expiry=reply_expiry,
        backup=backup,
        retention=retention,
        health=health,
        digest=digest,
        logging=log_config,
        evaluation=evaluation,
        routing=routing,
        mail=mail,
        web=web,
        **project,
    )


def load_config(path: str | Path | None, env: dict[str, str] | None = None, require_token: bool = True) -> Config:
    """Read the TOML file (if any) and the environment; raise `ConfigError` on any problem."""
    data: dict[str, Any] = {}
    if path is not None:
        p = Path(path)
        if not p.exists():
            raise ConfigError(f"{p}: config file not found (copy config.example.toml to config.toml)")
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{p}: not valid TOML ({exc})") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{p}: cannot read ({exc})") from None
    config = parse_config(data, env, require_token)
    # the configured places and fields make no two ideas alike (models/ideas/likeness.py)
    likeness.know_names(n for item in (*config.towns, *config.fields) for n in (item.key, *item.names.values()))
    return config
