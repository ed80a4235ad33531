"""Display names of configured keys (groups, towns, fields of action, idea statuses) in the user's language."""

from __future__ import annotations

from handlers.common import Req
from models.people import OTHER_TOWN


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
