"""/profile and /language: change stakeholder group, town, language and the evaluation consent."""

from __future__ import annotations

from handlers import commands
from handlers.codec import encode
from handlers.common import Btn, Req, View, esc
from handlers.names import group_name, person_name, town_name
from handlers.pickers import group_picker, town_picker
from models import people as people_domain
from models.errors import Refusal


def profile_view(req: Req) -> View:
    p = req.me
    text = req.t(
        "profile.summary",
        name=esc(person_name(req, p.display_name)),
        group=esc(group_name(req, p.stakeholder_group)),
        town=esc(town_name(req, p.town)),
        language=req.t(f"profile.language_{p.language}"),
        evaluation=req.t("common.yes") if p.evaluation_consent else req.t("common.no"),
    )
    return View(
        text,
        [
            [
                Btn(req.t("profile.change_group"), encode("prof", "group")),
                Btn(req.t("profile.change_town"), encode("prof", "town")),
            ],
            [
                Btn(req.t("profile.change_language"), encode("prof", "lang")),
                Btn(req.t("profile.toggle_evaluation"), encode("eval", "n" if p.evaluation_consent else "y")),
            ],
        ],
    )


def language_view(req: Req) -> View:
    return View(
        req.t("profile.ask_language"), [[Btn("Deutsch", encode("lang", "de")), Btn("English", encode("lang", "en"))]]
    )


async def show_profile(req: Req) -> None:
    req.show(profile_view(req))


async def show_language(req: Req) -> None:
    req.show(language_view(req))


async def on_profile_button(req: Req) -> None:
    """prof:group|town|lang: open the picker for that part of the profile."""
    assert req.cb is not None
    what = req.cb.arg(0)
    if what == "group":
        req.show(group_picker(req))
    elif what == "town":
        req.show(town_picker(req))
    elif what == "lang":
        req.show(language_view(req))
    else:
        raise Refusal("errors.stale_button")


async def on_language(req: Req) -> None:
    assert req.cb is not None
    people_domain.set_language(req.me, req.cb.arg(0))
    req.lang = req.me.language
    req.toast(req.t("common.saved"))
    req.show(profile_view(req))
    await commands.refresh_later(req, req.me)
