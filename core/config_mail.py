"""`[mail]` (the SMTP server e-mails go out through) and `[web]` (the small answer page the e-mails link to).

Both are optional: without `[mail]` nothing is sent by e-mail (an e-mail contact is reported like an unregistered
one), without `[web]` the page is not served. Secrets come from the environment, never from the file alone:
the SMTP password from `password_env` (default ACTIONBOT_MAIL_PASSWORD), the links' HMAC key from ACTIONBOT_WEB_SECRET
(or `[web] secret`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Protocol

ADDRESS_RE = re.compile(r"^[^@\s<>\"',;]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")
SECURITY = ("starttls", "tls", "none")


@dataclass(frozen=True)
class MailConfig:
    host: str
    port: int = 587
    security: str = "starttls"  # STARTTLS after connecting (587), TLS from the start (465), or none (tests, a relay)
    user: str = ""
    password: str = ""
    from_address: str = ""
    timeout_seconds: float = 30.0
    ca_file: str = ""  # a CA bundle for the server's certificate (an internal CA); empty: the system's


@dataclass(frozen=True)
class WebConfig:
    host: str = "127.0.0.1"
    port: int = 8090
    public_url: str = ""  # how e-mails link to the page, e.g. https://bot.example.org/antwort (behind the proxy)
    secret: str = ""  # the links' HMAC key
    link_days: int = 60  # a link works this long after it was sent

    @property
    def enabled(self) -> bool:
        return bool(self.public_url and self.secret)


def is_address(value: str) -> bool:
    return bool(ADDRESS_RE.match(value))


class Reader(Protocol):
    """What the parsers here need of core/config.py's table reader (named, not imported: that module uses these)."""

    data: Any

    def get(self, key: str, kind: Any, default: Any = ..., required: bool = False) -> Any: ...

    def done(self) -> None: ...


def parse_mail(r: Reader, env: dict[str, str], error: type[Exception]) -> MailConfig | None:
    if not r.data:
        r.done()
        return None
    host = r.get("host", str)
    port = r.get("port", int, 587)
    if not 0 < port < 65536:
        raise error("mail.port: expected 1-65535")
    security = r.get("security", str, "starttls")
    if security not in SECURITY:
        raise error(f"mail.security: expected one of {', '.join(SECURITY)}, got {security!r}")
    sender = r.get("from_address", str)
    if not is_address(sender):
        raise error(f"mail.from_address: {sender!r} is not an e-mail address")
    password_env = r.get("password_env", str, "ACTIONBOT_MAIL_PASSWORD")
    user = r.get("user", str, "")
    password = env.get(password_env, "")
    if user and not password:
        raise error(f"mail.user is set, but the password is missing: export {password_env}=...")
    timeout = r.get("timeout_seconds", (int, float), 30)
    ca_file = r.get("ca_file", str, "")
    r.done()
    return MailConfig(host, port, security, user, password, sender, float(timeout), ca_file)


def parse_web(r: Reader, env: dict[str, str], error: type[Exception]) -> WebConfig:
    data: dict[str, Any] = {
        "host": r.get("host", str, "127.0.0.1"),
        "port": r.get("port", int, 8090),
        "public_url": r.get("public_url", str, "").rstrip("/"),
        "secret": env.get("ACTIONBOT_WEB_SECRET") or r.get("secret", str, ""),
        "link_days": r.get("link_days", int, 60),
    }
    r.done()
    if not 0 < data["port"] < 65536:
        raise error("web.port: expected 1-65535")
    if data["public_url"] and not re.match(r"^https?://[^/\s]+", data["public_url"]):
        raise error(f"web.public_url: bad URL {data['public_url']!r}")
    if data["public_url"] and len(data["secret"]) < 16:
        raise error("web.secret: set ACTIONBOT_WEB_SECRET (at least 16 characters) for the answer page's links")
    if not 1 <= data["link_days"] <= 365:
        raise error("web.link_days: expected 1-365")
    return WebConfig(**data)
