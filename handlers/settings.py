"""/settings: switches a member can flip for themselves, one row each.

Each switch is one `Toggle` in `TOGGLES` (its text keys, how to read it, how to set it through the domain),
so another one (e.g. unsubscribing from announcements) is one more entry and two texts. Buttons carry the
wanted state (`set:1:<toggle>:on|off`), not "flip", so a double tap or a re-sent update changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from handlers.codec import encode
from handlers.common import Btn, Req, View
from models import people as people_domain
from models.announcements import core as announcements_domain
from models.errors import Refusal
from models.evaluation import digest as digest_domain
from models.surveys import answers as surveys_domain
from models.surveys import away as away_domain
from models.tables import Person

log = logging.getLogger("actionbot.settings")


async def _set_mute_reminders(req: Req, on: bool) -> bool:
    changed = await people_domain.set_mute_reminders(req.session, req.me, on, req.now, req.config.meetings)
    if changed and not on:
        req.deliver_soon()  # reminders planned again may be due right away
    return changed


async def _set_mute_announcements(req: Req, on: bool) -> bool:
    return announcements_domain.set_announcements_opt_out(req.me, on)


async def _set_digest_opt_out(req: Req, on: bool) -> bool:
    return digest_domain.set_opt_out(req.me, on)


async def _gets_digest(req: Req) -> bool:
    return await digest_domain.scope_of(req.session, req.me) != []


async def _everyone(req: Req) -> bool:
    return True


async def _set_survey_opt_out(req: Req, on: bool) -> bool:
    return await surveys_domain.set_opt_out(req.session, req.me, on)


async def _set_away_opt_out(req: Req, on: bool) -> bool:
    return await away_domain.set_opt_out(req.session, req.me, on)


@dataclass(frozen=True)
class Toggle:
    """One switch: texts `settings.<key>` (label) and `settings.<key>_hint` (what it does), or `<label>` and
    `<label>_hint` when a feature keeps them in its own catalogue file; `applies` says whether the person has
    anything to switch (the digest only reaches managers and leads)."""

    key: str
    is_on: Callable[[Person], bool]
    set: Callable[[Req, bool], Awaitable[bool]]
    label: str = ""
    applies: Callable[[Req], Awaitable[bool]] = _everyone


TOGGLES: dict[str, Toggle] = {
    t.key: t
    for t in (
        Toggle("mute_reminders", lambda p: p.mute_reminders, _set_mute_reminders),
        Toggle("mute_announcements", lambda p: p.announcements_opt_out, _set_mute_announcements),
        Toggle("survey_opt_out", lambda p: p.survey_opt_out, _set_survey_opt_out, label="survey.settings_label"),
        Toggle("away_opt_out", lambda p: p.away_opt_out, _set_away_opt_out, label="away.settings_label"),
        Toggle("digest_opt_out", lambda p: p.digest_opt_out, _set_digest_opt_out, applies=_gets_digest),
    )
}
STATES = {"on": True, "off": False}


async def applicable(req: Req) -> list[Toggle]:
    return [toggle for toggle in TOGGLES.values() if await toggle.applies(req)]


def settings_view(req: Req, toggles: list[Toggle]) -> View:
    """Each switch as a checkbox button (✅ on, ⬜ off) with a line saying what it does."""
    lines = [req.t("settings.title")]
    buttons: list[list[Btn]] = []
    for toggle in toggles:
        on = toggle.is_on(req.me)
        text = toggle.label or f"settings.{toggle.key}"
        label = f"{'✅' if on else '⬜'} {req.t(text)}"
        lines += ["", f"<b>{label}</b>", req.t(f"{text}_hint")]
        buttons.append([Btn(label, encode("set", toggle.key, "off" if on else "on"))])
    return View("\n".join(lines), buttons)


async def show_settings(req: Req) -> None:
    req.show(settings_view(req, await applicable(req)))


async def on_settings_button(req: Req) -> None:
    """set:<toggle>:<on|off>: put the switch into that state and show the screen again."""
    assert req.cb is not None
    toggle = TOGGLES.get(req.cb.arg(0))
    state = STATES.get(req.cb.arg(1))
    if toggle is None or state is None or not await toggle.applies(req):
        raise Refusal("errors.stale_button")
    changed = await toggle.set(req, state)
    req.toast(req.t("settings.saved" if changed else "settings.unchanged"))
    log.info("setting changed person_id=%s setting=%s on=%s changed=%s", req.me.id, toggle.key, state, changed)
    req.show(settings_view(req, await applicable(req)))
