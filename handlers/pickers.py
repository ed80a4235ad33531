"""Choice screens shared by registration and /profile (group, town), so both set values the same way."""

from __future__ import annotations

from handlers.codec import encode
from handlers.common import Btn, Req, View
from models.people import OTHER_TOWN


def group_picker(req: Req) -> View:
    return View(
        req.t("onboarding.ask_group"), [[Btn(g.name(req.lang), encode("grp", g.key))] for g in req.config.groups]
    )


def town_picker(req: Req) -> View:
    rows = [[Btn(t.name(req.lang), encode("town", t.key))] for t in req.config.towns]
    rows.append([Btn(req.t("common.other_town"), encode("town", OTHER_TOWN))])
    return View(req.t("onboarding.ask_town"), rows)
