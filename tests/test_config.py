"""A bad config ends the program with one line naming the key and exit code 2, never a traceback."""

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.cli import main
from core.config import ConfigError, load_config, parse_config
from models.clock import FrozenClock
from models.errors import Refusal
from models.meetings.core import check_reminders
from models.tables import Meeting
from tests.conftest import START, start_bot, stop_bot
from tests.meeting_helpers import team_with_members

EXAMPLE = Path(__file__).resolve().parent.parent / "config.example.toml"
TOKEN = "123456:ABCdef_-x"


def example() -> dict:
    data = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    data["telegram"]["token"] = TOKEN
    return data


def test_example_config_is_complete_and_valid():
    config = parse_config(example(), env={})
    assert [t.name("de") for t in config.towns] == ["Saalfeld", "Rudolstadt", "Bad Blankenburg"]
    assert {g.key for g in config.groups} == {"citizen", "entrepreneur", "administration"}
    assert [t.field for t in config.teams] == ["public_services", "skilled_workers", "civic_engagement"]
    assert config.database_url == "sqlite+aiosqlite:///actionbot.db"
    assert str(config.time_zone) == "Europe/Berlin"


def test_the_delivery_limit_is_read_and_defaults_to_a_day():
    from datetime import timedelta

    data = example()
    assert parse_config(data, env={}).delivery_expiry == timedelta(hours=24)
    data["delivery"]["expiry_hours"] = 1.5
    assert parse_config(data, env={}).delivery_expiry == timedelta(minutes=90)
    del data["delivery"]
    assert parse_config(data, env={}).delivery_expiry == timedelta(hours=24)


def test_the_retention_rules_are_read_with_defaults():
    from datetime import UTC, date, datetime

    data = example()
    r = parse_config(data, env={}).retention
    assert (r.inactive_days, r.after_end_days, r.audit_days, r.end_date, r.changes) == (365, 90, 730, None, {})
    assert r.erase_all_from() is None
    data["project"]["end_date"] = "2028-10-31"
    data["privacy"].update(after_end_days=30, changes="Neu: Löschfristen")
    r = parse_config(data, env={}).retention
    assert (r.end_date, r.changes) == (date(2028, 10, 31), {"de": "Neu: Löschfristen"})
    assert r.erase_all_from() == datetime(2028, 11, 30, 23, 0, tzinfo=UTC)  # 1 December, 00:00 in Berlin
    del data["privacy"]
    assert parse_config(data, env={}).retention.inactive_days == 365


def test_environment_overrides_token_and_database():
    data = example()
    data["telegram"]["token"] = ""
    config = parse_config(data, env={"TELEGRAM_BOT_TOKEN": "999:zz", "DATABASE_URL": "postgresql+asyncpg://x@h/db"})
    assert (config.token, config.database_url) == ("999:zz", "postgresql+asyncpg://x@h/db")


def test_the_threshold_of_released_figures_is_read_and_defaults_to_five():
    data = example()
    assert parse_config(data, env={}).evaluation.min_people == 5
    data["evaluation"]["min_people"] = 3
    assert parse_config(data, env={}).evaluation.min_people == 3
    del data["evaluation"]["min_people"]
    assert parse_config(data, env={}).evaluation.min_people == 5


@pytest.mark.parametrize(
    ("change", "key"),
    [
        (lambda d: d["telegram"].update(token=""), "telegram.token"),
        (lambda d: d["telegram"].update(tokn="x"), "telegram.tokn"),
        (lambda d: d["telegram"].update(api_base_url="not a url"), "telegram.api_base_url"),
        (lambda d: d["telegram"].update(mode="carrier-pigeon"), "telegram.mode"),
        (lambda d: d["telegram"]["webhook"].update(port="8443"), "telegram.webhook.port"),
        (lambda d: d["telegram"].update(mode="webhook"), "telegram.webhook.secret_token"),
        (lambda d: d["database"].update(url="mysql://x"), "database.url"),
        (lambda d: d["database"].update(url="postgresql+asyncpg://"), "database.url"),
        (lambda d: d["database"].update(url="postgresql+asyncpg://actionbot:pw@/actionbot"), "database.url"),
        (lambda d: d["database"].update(url="postgresql+asyncpg://actionbot:pw@db.example.org"), "database.url"),
        (lambda d: d["database"].update(url="postgresql+asyncpg://u:p@[::1/db"), "database.url"),
        (lambda d: d["database"].update(url="sqlite+aiosqlite://"), "database.url"),
        (lambda d: d["database"].update(url="sqlite+aiosqlite:///"), "database.url"),
        (lambda d: d["database"].update(url="sqlite+aiosqlite:///:memory:"), "database.url"),
        (lambda d: d["database"].update(url="sqlite+aiosqlite:///file:x?mode=memory&uri=true"), "database.url"),
        (lambda d: d["meetings"].update(reminder_hours=[24, 0.07]), "meetings.reminder_hours"),  # 4 minutes
        (lambda d: d["meetings"].update(reminder_hours=[336.5]), "meetings.reminder_hours"),
        (lambda d: d["meetings"].update(reminder_hours=[48, 24, 12, 2, 1]), "meetings.reminder_hours"),
        (lambda d: d["meetings"].update(reminder_hours=[float("inf")]), "meetings.reminder_hours"),
        (lambda d: d["meetings"].update(reminder_hours=["24"]), "meetings.reminder_hours"),
        (lambda d: d["project"].update(time_zone="Mars/Olympus"), "project.time_zone"),
        (lambda d: d["project"].update(managers=["anna"]), "project.managers"),
        (lambda d: d["project"].pop("name"), "project.name"),
        (lambda d: d["teams"][0].update(field="space"), "teams[0].field"),
        (lambda d: d["teams"][1].update(slug="Bad Slug!"), "teams[1].slug"),
        (lambda d: d["towns"][0].update(name=3), "towns[0].name"),
        (lambda d: d.update(surprise=True), "surprise"),
        (lambda d: d["delivery"].update(expiry_hours=0), "delivery.expiry_hours"),
        (lambda d: d["delivery"].update(expiry_hours="24"), "delivery.expiry_hours"),
        (lambda d: d["delivery"].update(expiry_hourz=24), "delivery.expiry_hourz"),
        (lambda d: d["privacy"].update(inactive_days=0), "privacy.inactive_days"),
        (lambda d: d["privacy"].update(after_end_days=1.5), "privacy.after_end_days"),
        (lambda d: d["privacy"].update(audit_days="730"), "privacy.audit_days"),
        (lambda d: d["privacy"].update(keep_days=30), "privacy.keep_days"),
        (lambda d: d["privacy"].update(changes={"fr": "Nouveau"}), "privacy.changes.fr"),
        (lambda d: d["privacy"].update(changes={"en": "New"}), "privacy.changes.de"),
        (lambda d: d["project"].update(end_date="31.12.2028"), "project.end_date"),
        (lambda d: d["evaluation"].update(min_people=2), "evaluation.min_people"),
        (lambda d: d["evaluation"].update(min_people="5"), "evaluation.min_people"),
    ],
)
def test_bad_config_names_the_key(change, key):
    data = example()
    change(data)
    with pytest.raises(ConfigError) as err:
        parse_config(data, env={})
    assert str(err.value).startswith(key)


@pytest.mark.parametrize("quiet", ["08:00-08:00", "0:00-00:00", "21:30 - 21:30"])
def test_quiet_hours_of_zero_length_are_refused_naming_the_key_and_the_way_to_switch_them_off(quiet):
    data = example()
    data["meetings"]["quiet_hours"] = quiet
    with pytest.raises(ConfigError) as err:
        parse_config(data, env={})
    assert str(err.value).startswith("meetings.quiet_hours: ")
    assert "zero length" in str(err.value) and 'quiet_hours = ""' in str(err.value)
    data["meetings"]["quiet_hours"] = ""  # the documented way: no quiet hours
    config = parse_config(data, env={})
    assert (config.meetings.quiet_start, config.meetings.quiet_end) == (None, None)


@pytest.mark.parametrize(
    ("url", "named"),
    [
        ("sqlite+aiosqlite:///actionbot.db?timout=30", "timout"),
        ("sqlite+aiosqlite:///actionbot.db?mode=ro", "mode"),  # a SQLite URI option without uri=true is dropped
        ("sqlite+aiosqlite:///actionbot.db?journal=wal&timeout=30&zz=1", "journal, zz"),
        ("sqlite+aiosqlite:///file:actionbot.db?uri=true&mode=rw&cachesize=5", "cachesize"),
    ],
)
def test_a_sqlite_url_with_unknown_query_parameters_is_refused_naming_them(url, named):
    data = example()
    data["database"]["url"] = url
    with pytest.raises(ConfigError) as err:
        parse_config(data, env={})
    assert str(err.value).startswith(f"database.url: unknown query parameter(s) {named} for SQLite; known: ")


@pytest.mark.parametrize(
    "url", ["sqlite+aiosqlite:///actionbot.db?timeout=30", "sqlite+aiosqlite:///file:actionbot.db?uri=true&mode=rw"]
)
def test_a_sqlite_url_with_known_query_parameters_passes(url):
    data = example()
    data["database"]["url"] = url
    assert parse_config(data, env={}).database_url == url


def test_a_database_url_from_the_environment_is_checked_and_named_so():
    with pytest.raises(ConfigError) as err:
        parse_config(example(), env={"DATABASE_URL": "postgresql+asyncpg://"})
    assert str(err.value).startswith("database.url (from DATABASE_URL): names no host")


def test_a_database_url_error_never_shows_the_password():
    data = example()
    data["database"]["url"] = "postgresql+asyncpg://actionbot:s3cr3t@/actionbot"
    with pytest.raises(ConfigError) as err:
        parse_config(data, env={})
    assert "s3cr3t" not in str(err.value)


@pytest.mark.parametrize(
    "url",
    [
        "sqlite+aiosqlite:///actionbot.db",
        "sqlite+aiosqlite:////var/lib/actionbot/actionbot.db",
        "postgresql+asyncpg://actionbot:pw@127.0.0.1:5432/actionbot",
        "postgresql+asyncpg://actionbot@/actionbot?host=/run/postgresql",  # a Unix socket names its host so
    ],
)
def test_complete_database_urls_pass(url):
    data = example()
    data["database"]["url"] = url
    assert parse_config(data, env={}).database_url == url


def test_missing_file_and_broken_toml_are_config_errors(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.toml", env={})
    broken = tmp_path / "broken.toml"
    broken.write_text("[telegram\ntoken = 1", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(broken, env={})


def test_cli_exits_2_with_one_line_for_a_bad_config(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    path = tmp_path / "config.toml"
    path.write_text(EXAMPLE.read_text(encoding="utf-8").replace('mode = "polling"', "mode = 5"), encoding="utf-8")
    path.write_text(path.read_text(encoding="utf-8").replace('token = ""', f'token = "{TOKEN}"'), encoding="utf-8")
    assert main(["--config", str(path), "run"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "telegram.mode" in err and "Traceback" not in err


def test_missing_token_starts_the_demo_and_tells_how_to_go_live(tmp_path):
    """No token, as `make run` calls it: the demo (its own database, not the live one) and where a token goes."""
    import signal
    import socket

    path = tmp_path / "config.toml"
    path.write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    root = Path(__file__).resolve().parent.parent
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYTHONPATH": str(root), "ACTIONBOT_DEMO_PORT": str(port)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "--config", str(path), "run", "--demo-without-token"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert f"http://127.0.0.1:{port}/" in line
        assert "BotFather" in line and "TELEGRAM_BOT_TOKEN" in line and "config.toml" in line
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0 and "Traceback" not in err
    assert (tmp_path / "actionbot-demo.db").exists()
    assert not (tmp_path / "actionbot.db").exists()  # the live database stays untouched


def test_db_upgrade_command_creates_the_schema_without_a_token(tmp_path):
    path = tmp_path / "config.toml"
    db_file = tmp_path / "bot.db"
    path.write_text(
        EXAMPLE.read_text(encoding="utf-8").replace(
            "sqlite+aiosqlite:///actionbot.db", f"sqlite+aiosqlite:///{db_file}"
        ),
        encoding="utf-8",
    )
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(path), "db", "upgrade"],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parent.parent,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    import sqlite3

    tables = {r[0] for r in sqlite3.connect(db_file).execute("select name from sqlite_master where type='table'")}
    assert {"people", "teams", "memberships", "ideas", "drafts", "alembic_version"} <= tables


def test_the_config_refuses_exactly_the_reminder_times_the_meeting_dialogue_refuses():
    """One rule (models.meetings.core.check_reminders): the config's defaults are what the dialogue offers."""
    for hours, minutes in ((0.07, 4), (0.08, 5), (336, 20160), (336.02, 20161)):
        data = example()
        data["meetings"]["reminder_hours"] = [hours]
        try:
            parse_config(data, env={})
            accepted = True
        except ConfigError as err:
            assert str(err).startswith("meetings.reminder_hours:") and "\n" not in str(err)
            accepted = False
        try:
            check_reminders([minutes])
            allowed = True
        except Refusal:
            allowed = False
        assert accepted == allowed, hours


async def test_reminder_times_the_config_allows_are_accepted_by_the_meeting_dialogue(fake, db):
    bot = await start_bot(fake, db, FrozenClock(START), meetings__reminder_hours=[336, 0.08])
    try:
        team, lead, _ = await team_with_members(bot)
        await lead.send("/meeting")
        await lead.send("Werkstatt Mobilität")
        await lead.send("03.12.2026 18:00")
        await lead.press("90 Min.")
        await lead.press("Saalfeld")
        await lead.send("Markt 1")
        await lead.press("Überspringen")
        await lead.press("336 h + 5 min")  # the configured default, the extremes of the rule
        await lead.press("Einladen ✅")
        assert lead.last_message().text.startswith("✅ „Werkstatt Mobilität“ ist geplant.")
        async with bot.db.transaction() as s:
            meeting = (await s.execute(select(Meeting))).scalar_one()
        assert meeting.reminder_offsets == [20160, 5]
    finally:
        await stop_bot(bot)


def test_a_service_without_a_token_stops_with_exit_code_2_instead_of_starting_the_demo(tmp_path, capsys, monkeypatch):
    """systemd and containers run `actionbot run`: a lost token is a permanent config error, never the demo."""
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "config.toml"
    path.write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    assert main(["--config", str(path), "run"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "telegram.token" in err and "BotFather" in err
    assert not (tmp_path / "actionbot-demo.db").exists()


def test_evaluation_codes_default_to_the_three_towns_set_and_can_be_replaced():
    from core.config import DEFAULT_FACTORS, DEFAULT_OBSTACLES

    data = example()
    assert parse_config(data, env={}).obstacles == DEFAULT_OBSTACLES  # the example lists the defaults
    del data["success_factors"], data["obstacles"]
    config = parse_config(data, env={})
    assert (config.success_factors, config.obstacles) == (DEFAULT_FACTORS, DEFAULT_OBSTACLES)
    assert config.code("obstacle", "town_rivalry").name("en") == "Rivalry between the towns"
    assert config.code("factor", "town_rivalry") is None
    data["obstacles"] = [{"key": "parking", "name": {"de": "Keine Parkplätze", "en": "No parking"}}]
    assert [c.key for c in parse_config(data, env={}).codes("obstacle")] == ["parking"]
    for bad, key in (([{"key": "Bad Key", "name": "x"}], "obstacles[0].key"), ([], "obstacles")):
        data["obstacles"] = bad
        with pytest.raises(ConfigError, match=rf"^{re.escape(key)}"):
            parse_config(data, env={})
