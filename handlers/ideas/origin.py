"""Where an idea came from, in one line for every screen: "von Bürger:innen aus Saalfeld" for a typed idea,
"aus „Demografie-Werkstatt Saalfeld“ (Sa., 14. März 2026)" for an imported one, which has no author.

One helper so /ideas, /answer, the teamless list and the handout never disagree, and never show "von – aus –".
A workshop whose name already says Werkstatt/workshop is not called "Demografie-Werkstatt" a second time.
"""

from __future__ import annotations

from datetime import UTC, datetime

from core.config import Config
from core.texts import format_day, t
from handlers.common import Req, esc
from handlers.names import group_name, town_name
from models.tables import Idea, Workshop

_SAYS_WORKSHOP = ("werkstatt", "workshop")


def workshop_day(config: Config, workshop: Workshop, lang: str) -> str:
    """The day a workshop was held, as the bot writes days."""
    held = workshop.held_on
    return format_day(datetime(held.year, held.month, held.day, 12, tzinfo=UTC), lang, config.time_zone)


def from_workshop(config: Config, workshop: Workshop, lang: str) -> str:
    """'aus „Demografie-Werkstatt Saalfeld“ (Sa., 14. März 2026)' (HTML-escaped)."""
    named = any(word in workshop.name.casefold() for word in _SAYS_WORKSHOP)
    key = "workshops.from_workshop" if named else "workshops.from_workshop_unnamed"
    return t(lang, key, name=esc(workshop.name), day=workshop_day(config, workshop, lang))


def origin(req: Req, idea: Idea, workshop: Workshop | None) -> str:
    """The idea's author line (HTML-escaped): its workshop and date when imported, else the author's group and town."""
    if workshop is not None:
        return from_workshop(req.config, workshop, req.lang)
    if idea.author_group is None and idea.author_town is None:
        return req.t("workshops.from_unknown")
    group, town = group_name(req, idea.author_group), town_name(req, idea.author_town)
    return req.t("ideas.by_group_town", group=esc(group), town=esc(town))
