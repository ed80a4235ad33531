"""/workshop: the project manager lists the Demografie-Werkstätten and records a new one (name typed, date typed,
town by button, then save). Each workshop gets 📥 (send its results as a file: handlers/workshop_import.py) and
📄 (its handout: handlers/workshop_handout.py); the command line's import stays (key shown at the end).

The dialogue is a draft row (flow 'workshop'), so a restart loses nothing; buttons carry the draft's nonce, so a
button of an earlier run is answered, not acted on. models/workshops.py checks every value again on saving.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from core.texts import format_day
from handlers.codec import encode
from handlers.common import Btn, Req, View, esc
from handlers.names import town_name
from handlers.workshop_handout import handout_button
from handlers.workshop_import import hint_pick_workshop, import_button, on_document
from models import drafts, workshops
from models.drafts import NONCE
from models.errors import Refusal
from models.tables import Draft, Workshop
from models.teams import require_manager

FLOW = "workshop"


def _day(req: Req, day: date) -> str:
    return format_day(datetime(day.year, day.month, day.day, 12, tzinfo=UTC), req.lang, req.config.time_zone)


async def _save(req: Req, step: str, data: dict[str, Any]) -> Draft:
    return await drafts.save_draft(req.session, req.me.id, FLOW, step, data, req.now)


def _btn(label: str, draft: Draft, *args: object) -> Btn:
    return Btn(label, encode("ws", draft.data[NONCE], *args))


SHOWN = 8  # the most recent workshops get buttons in /workshop


async def _list(req: Req) -> View:
    found = await workshops.all_workshops(req.session)
    if not found:
        return View(req.t("workshops.list_none"))
    rows = [[import_button(req, w), handout_button(req, w)] for w in found[:SHOWN]]
    return View(await _lines(req, found), rows)


async def _lines(req: Req, found: list[Workshop]) -> str:
    counts = await workshops.idea_counts(req.session)
    lines = [req.t("workshops.list_title")]
    for w in found:
        lines.append(
            req.t(
                "workshops.list_line",
                name=esc(w.name),
                day=_day(req, w.held_on),
                town=esc(town_name(req, w.town)),
                code=esc(w.key),
                ideas=counts.get(w.id, 0),
            )
        )
    return "\n".join(lines)


async def step_view(req: Req, draft: Draft) -> View:
    """The question of the draft's current step."""
    data = draft.data
    name = esc(data.get("name", ""))
    if draft.step == "name":
        return View(req.t("workshops.ask_name", min=workshops.NAME_MIN, max=workshops.NAME_MAX))
    if draft.step == "date":
        return View(req.t("workshops.ask_date", name=name))
    if draft.step == "town":
        return View(
            req.t("workshops.ask_town", name=name),
            [[_btn(t.name(req.lang), draft, "town", t.key)] for t in req.config.towns],
        )
    text = req.t(
        "workshops.confirm",
        name=name,
        day=_day(req, date.fromisoformat(data["day"])),
        town=esc(town_name(req, data.get("town"))),
        code=esc(data.get("key", "")),
    )
    return View(text, [[_btn(req.t("workshops.save"), draft, "ok"), _btn(req.t("workshops.cancel"), draft, "cancel")]])


async def start_workshop(req: Req) -> None:
    """/workshop: the workshops so far, then the first question of a new one (managers only)."""
    require_manager(req.me)
    draft = await _save(req, "name", drafts.new_run())
    req.reply(await _list(req))
    req.reply(await step_view(req, draft))


async def on_input(req: Req, draft: Draft) -> None:
    """Typed input while a workshop draft is open: the name, then the date; buttons for the rest."""
    require_manager(req.me)
    message = req.update.effective_message
    if draft.step in ("file", "ready"):  # waiting for the results file (or a corrected one)
        await on_document(req, draft)
        return
    if message is not None and message.document is not None:
        await hint_pick_workshop(req)
        return
    if draft.step not in ("name", "date"):
        req.reply(req.t("workshops.use_buttons"))
        req.reply(await step_view(req, draft))
        return
    if req.text is None:
        raise Refusal("workshops.text_only")
    if draft.step == "name":
        name = workshops.clean_name(req.text)
        data = {**draft.data, "name": name, "key": await workshops.free_key(req.session, name)}
        req.reply(await step_view(req, await _save(req, "date", data)))
        return
    day = workshops.parse_day(req.text)
    req.reply(await step_view(req, await _save(req, "town", {**draft.data, "day": day.isoformat()})))


async def on_button(req: Req) -> None:
    """ws:<nonce>:town:<key> picks the town; ws:<nonce>:ok saves (a second press finds no draft); …:cancel."""
    assert req.cb is not None
    require_manager(req.me)
    draft = await drafts.draft_of_button(req.session, req.me.id, FLOW, req.cb.arg(0), "workshops.no_draft")
    action = req.cb.arg(1)
    if action == "cancel":
        await drafts.clear_draft(req.session, req.me.id)
        req.show(View(req.t("workshops.cancelled")))
        return
    if action == "town" and draft.step in ("town", "confirm"):
        key = req.cb.arg(2)
        if req.config.town(key) is None:
            raise Refusal("errors.stale_button")
        req.show(await step_view(req, await _save(req, "confirm", {**draft.data, "town": key})))
        return
    if action != "ok" or draft.step != "confirm":
        raise Refusal("errors.stale_button")
    data = dict(draft.data)
    if not await drafts.clear_draft(req.session, req.me.id):
        raise Refusal("workshops.no_draft")
    workshop = await workshops.create(
        req.session,
        req.me,
        key=await workshops.free_key(req.session, data["name"]),  # again: another may have taken it meanwhile
        name=data["name"],
        day=date.fromisoformat(data["day"]),
        town=data["town"],
        allowed_towns=[t.key for t in req.config.towns],
        now=req.now,
    )
    saved = req.t("workshops.saved", name=esc(workshop.name), code=esc(workshop.key))
    req.show(View(saved, [[import_button(req, workshop)]]))
