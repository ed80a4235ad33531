"""`[mail]` and `[web]`: read with their defaults, secrets only from the environment, every mistake named by its
key; e-mail addresses in `[routing.contacts]` beside Telegram ids."""

from __future__ import annotations

import pytest

from core.config import ConfigError, parse_config
from tests.test_config import example

SECRET = "0123456789abcdef0123"


def with_mail(**mail: object) -> dict:
    data = example()
    data["mail"] = {"host": "smtp.example.org", "from_address": "bot@example.org", **mail}
    data["web"] = {"public_url": "https://bot.example.org/antwort"}
    data["routing"]["contacts"]["bad_blankenburg"] = [7001, "Buergerbuero@Bad-Blankenburg.example"]
    return data


def test_mail_web_and_email_contacts_are_read_with_secrets_from_the_environment():
    env = {"TELEGRAM_BOT_TOKEN": "123:abc", "ACTIONBOT_MAIL_PASSWORD": "pw", "ACTIONBOT_WEB_SECRET": SECRET}
    config = parse_config(with_mail(user="bot"), env=env)
    assert config.mail is not None
    assert (config.mail.port, config.mail.security, config.mail.user, config.mail.password) == (
        587,
        "starttls",
        "bot",
        "pw",
    )
    assert (config.web.host, config.web.port, config.web.secret, config.web.link_days) == (
        "127.0.0.1",
        8090,
        SECRET,
        60,
    )
    assert config.web.enabled
    assert config.routing.contacts_of("bad_blankenburg") == (7001,)
    assert config.routing.mail_contacts_of("bad_blankenburg") == ("buergerbuero@bad-blankenburg.example",)


def test_without_mail_and_web_nothing_is_sent_by_email():
    config = parse_config(example(), env={"TELEGRAM_BOT_TOKEN": "123:abc"})
    assert config.mail is None and not config.web.enabled and config.routing.mail_contacts == {}


@pytest.mark.parametrize(
    ("change", "env", "message"),
    [
        ({"security": "ssl"}, {}, "mail.security: expected one of starttls, tls, none"),
        ({"from_address": "bot"}, {}, "mail.from_address: 'bot' is not an e-mail address"),
        ({"port": 0}, {}, "mail.port: expected 1-65535"),
        ({"user": "bot"}, {}, "mail.user is set, but the password is missing: export ACTIONBOT_MAIL_PASSWORD"),
        ({"password": "in-the-file"}, {}, "mail.password: unknown key"),
        ({}, {"ACTIONBOT_WEB_SECRET": ""}, "web.secret: set ACTIONBOT_WEB_SECRET"),
    ],
)
def test_a_bad_mail_or_web_config_names_the_key(change, env, message):
    with pytest.raises(ConfigError) as caught:
        parse_config(with_mail(**change), env={"TELEGRAM_BOT_TOKEN": "123:abc", "ACTIONBOT_WEB_SECRET": SECRET, **env})
    assert str(caught.value).startswith(message), str(caught.value)


def test_email_contacts_without_the_answer_page_are_refused():
    data = with_mail()
    del data["web"]
    with pytest.raises(ConfigError) as caught:
        parse_config(data, env={"TELEGRAM_BOT_TOKEN": "123:abc"})
    assert str(caught.value).startswith("routing.contacts.bad_blankenburg: e-mail contacts need [mail]")
