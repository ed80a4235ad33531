"""Signed, expiring links: one per e-mail contact and request, no login.

A token is `<route>.<address, base64url>.<expires, epoch seconds>.<HMAC-SHA256 of those, base64url>`; the key is
`[web] secret` (ACTIONBOT_WEB_SECRET). A forged, changed or expired token verifies to None. The CSRF token of the
page's forms is another HMAC of the link token, so only someone who opened the link can post its forms.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True)
class Link:
    route_id: int
    contact: str
    expires_at: datetime


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(secret: str, message: str) -> str:
    return _b64(hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest())


def make_token(secret: str, route_id: int, contact: str, expires_at: datetime) -> str:
    body = f"{route_id}.{_b64(contact.encode())}.{int(expires_at.timestamp())}"
    return f"{body}.{_sign(secret, body)}"


def read_token(secret: str, token: str, now: datetime) -> tuple[Link | None, str]:
    """The link and '' if the token is genuine and current; else None and why ('forged' or 'expired')."""
    parts = token.split(".")
    if len(parts) != 4 or not secret:
        return None, "forged"
    body = ".".join(parts[:3])
    if not hmac.compare_digest(_sign(secret, body), parts[3]):
        return None, "forged"
    try:
        route_id, contact = int(parts[0]), _unb64(parts[1]).decode()
        expires_at = datetime.fromtimestamp(int(parts[2]), UTC)
    except (ValueError, UnicodeDecodeError):
        return None, "forged"
    if expires_at <= now:
        return None, "expired"
    return Link(route_id, contact, expires_at), ""


def csrf_token(secret: str, token: str) -> str:
    return _sign(secret, f"csrf:{token}")


def check_csrf(secret: str, token: str, given: str) -> bool:
    return bool(given) and hmac.compare_digest(csrf_token(secret, token), given)
