"""Display names in the user's language: of configured keys (groups, towns, fields, idea statuses) and of people."""

from __future__ import annotations

from core.texts import t
from handlers.common import Req
from models.people import OTHER_TOWN
from models.text import has_visible


def group_name(req: Req, key: str | None) -> str:
    g = req.config.group(key or "")
    return g.name(req.lang) if g else "–"


def town_name(req: Req, key: str | None) -> str:
    if key == OTHER_TOWN:
        return req.t("common.other_town")
    town = req.config.town(key or "")
    return town.name(req.lang) if town else "–"


def field_name(req: Req, key: str | None) -> str:
    f = req.config.field_of_action(key or "")
    return f.name(req.lang) if f else "–"


def status_name(req: Req, status: str) -> str:
    return req.t(f"ideas.status_{status}")


def person_name(req: Req, name: str, limit: int | None = None) -> str:
    """A person's stored name as shown (cut to `limit`); a fallback when it would show nothing at all."""
    return shown_name(req.lang, name[:limit])


def shown_name(lang: str, name: str) -> str:
    """`person_name` where no request is at hand (views rendered for another person's language)."""
    return name if has_visible(name) else t(lang, "common.unnamed")
