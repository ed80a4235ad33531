"""`[logging]`: the level, one line per event, and JSON lines for log collectors that never carry the token."""

from __future__ import annotations

import io
import json
import logging

import pytest

from bot.logs import install_redaction, setup_logging
from core.config import ConfigError, parse_config
from tests.conftest import CONFIG_EXAMPLE

TOKEN = "123456:AAFakeTokenForLogTests_abcdefghijk"


@pytest.fixture
def configure():
    """setup_logging into a buffer; the root logger is restored afterwards."""
    root = logging.getLogger()
    level = root.level
    added: list[logging.Handler] = []

    def go(level_name: str = "INFO", fmt: str = "text") -> io.StringIO:
        buffer = io.StringIO()
        for h in added:  # a second call reconfigures the same handler; start afresh per call here
            root.removeHandler(h)
        added.clear()
        added.append(setup_logging(TOKEN, level_name, fmt, stream=buffer))
        return buffer

    yield go
    for h in added:
        root.removeHandler(h)
    root.setLevel(level)


def boom() -> None:
    raise RuntimeError(f"call to https://api.telegram.org/bot{TOKEN}/sendMessage failed\nsecond line")


def log_everything(log: logging.Logger) -> None:
    log.info("polling as @%s with %s", "saalebogen_bot", TOKEN)
    log.warning("message failed", extra={"row": 17, "kind": "reminder", "url": f"/bot{TOKEN}/getMe"})
    try:
        boom()
    except RuntimeError:
        log.exception("update failed update_id=%s", 42)


def test_json_lines_parse_and_carry_no_token(configure):
    buffer = configure(fmt="json")
    log_everything(logging.getLogger("actionbot.test"))
    lines = buffer.getvalue().splitlines()
    assert len(lines) == 3  # one line per event, the traceback included
    entries = [json.loads(line) for line in lines]
    assert TOKEN not in buffer.getvalue()
    first, second, third = entries
    assert set(first) == {"time", "level", "logger", "message"}
    assert first["level"] == "INFO" and first["logger"] == "actionbot.test"
    assert first["message"] == "polling as @saalebogen_bot with <token>"
    assert first["time"].endswith("+00:00") and "T" in first["time"]
    assert second["row"] == 17 and second["kind"] == "reminder" and second["url"] == "/bot<token>/getMe"
    assert third["level"] == "ERROR" and third["message"] == "update failed update_id=42"
    assert "RuntimeError" in third["exc"] and "second line" in third["exc"] and "<token>" in third["exc"]


def test_text_lines_are_one_per_event_and_carry_no_token(configure):
    buffer = configure()
    log_everything(logging.getLogger("actionbot.test"))
    lines = buffer.getvalue().splitlines()
    assert len(lines) == 3
    assert TOKEN not in buffer.getvalue()
    assert " INFO actionbot.test: polling as @saalebogen_bot with <token>" in lines[0]
    assert "Traceback" in lines[2] and "RuntimeError" in lines[2] and "\\nsecond line" in lines[2]


def test_the_level_setting_drops_lower_levels(configure):
    buffer = configure("WARNING", "json")
    log_everything(logging.getLogger("actionbot.test"))
    levels = [json.loads(line)["level"] for line in buffer.getvalue().splitlines()]
    assert levels == ["WARNING", "ERROR"]


def test_the_redaction_covers_secrets_installed_later(configure):
    buffer = configure(fmt="json")
    install_redaction("webhookSecret_987")
    logging.getLogger("actionbot.test").warning("secret is %s", "webhookSecret_987")
    assert "webhookSecret_987" not in buffer.getvalue()


def _parse(**sections):
    import tomllib

    data = tomllib.loads(CONFIG_EXAMPLE.read_text(encoding="utf-8"))
    data["telegram"]["token"] = TOKEN
    data.update(sections)
    return parse_config(data, env={})


def test_logging_and_health_config_defaults_and_errors():
    config = _parse()
    assert (config.logging.level, config.logging.format) == ("INFO", "text")
    assert config.health.port == 0 and config.health.listen == "127.0.0.1"  # off by default
    assert _parse(logging={"level": "debug", "format": "json"}).logging.level == "DEBUG"
    assert _parse(health={"port": 9464}).health.port == 9464
    for sections, key in (
        ({"logging": {"level": "LOUD"}}, "logging.level"),
        ({"logging": {"format": "xml"}}, "logging.format"),
        ({"logging": {"colour": True}}, "logging.colour"),
        ({"health": {"port": 70000}}, "health.port"),
        ({"health": {"port": "9464"}}, "health.port"),
        ({"health": {"outbox_delay_minutes": 0}}, "health.outbox_delay_minutes"),
    ):
        with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
            _parse(**sections)
