"""A workshop's results imported in the chat: /workshop → 📥 at a workshop → the manager sends the CSV or XLSX as a
document → the dry run's preview (rows, ideas, errors by the spreadsheet's row numbers, alike ideas) with
Importieren / Verwerfen.

The same functions as `actionbot import ideas` (models/ideas/import_file.py reads, models/ideas/imports.py checks
and stores all rows or none), so the same limits, checks and refusals. The file is never written anywhere: the
draft keeps only Telegram's file id, the bytes are fetched again for the import (and checked again, for the
database may have changed) and the draft is dropped afterwards, so nothing of the file stays with the bot.
Buttons carry the draft's nonce: an earlier run's button or a second press is answered, not acted on.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from telegram import Document
from telegram.error import TelegramError

from handlers.codec import encode
from handlers.common import Btn, Req, View, esc, short
from handlers.ideas.origin import workshop_day
from handlers.names import field_name, town_name
from handlers.workshop_handout import handout_button
from models import drafts, workshops
from models.drafts import NONCE
from models.errors import Refusal
from models.ideas import import_file, imports, similar
from models.tables import Draft, Idea, Workshop
from models.teams import require_manager

log = logging.getLogger(__name__)

FLOW = "workshop"  # the /workshop dialogue's draft: step "file" waits for the document, "ready" for the press
PREFIX = "wi"
SHOWN_IDEAS, SHOWN_ERRORS, SHOWN_ALIKE = 5, 15, 5


def import_button(req: Req, workshop: Workshop) -> Btn:
    return Btn(req.t("workshop_import.button", name=short(workshop.name, 40)), encode(PREFIX, "f", workshop.id))


async def _workshop(req: Req, workshop_id: int) -> Workshop:
    workshop = await req.session.get(Workshop, workshop_id)
    if workshop is None:
        raise Refusal("errors.stale_button")
    return workshop


async def _ask_file(req: Req, workshop: Workshop) -> None:
    await drafts.save_draft(req.session, req.me.id, FLOW, "file", drafts.new_run(workshop=workshop.id), req.now)
    name, day = esc(workshop.name), workshop_day(req.config, workshop, req.lang)
    mb = import_file.MAX_BYTES // (1024 * 1024)
    req.reply(req.t("workshop_import.ask_file", name=name, day=day, mb=mb, rows=import_file.MAX_ROWS))


def _document(req: Req) -> Document:
    message = req.update.effective_message
    document = message.document if message is not None else None
    if document is None:
        raise Refusal("workshop_import.send_a_file")
    return document


async def _fetch(req: Req, file_id: str, size: int | None) -> bytes:
    """The document's bytes, fetched from Telegram into memory (never to disk); sizes checked before fetching."""
    if size is not None and size > import_file.MAX_BYTES:
        raise Refusal("workshops.file_too_big", mb=import_file.MAX_BYTES // (1024 * 1024))
    try:
        file = await req.context.bot.get_file(file_id)
        return bytes(await file.download_as_bytearray())
    except TelegramError as exc:
        log.info("workshop file could not be fetched reason=%s", exc)
        raise Refusal("workshop_import.fetch_failed") from None


async def _plan(req: Req, workshop: Workshop, data: bytes, name: str) -> imports.Plan:
    sheet = import_file.parse(data, name)
    return await imports.check(req.session, workshop, sheet, fields=req.config.fields, towns=req.config.towns)


async def on_document(req: Req, draft: Draft) -> None:
    """A document while the draft waits for the file: check it, show the dry run, keep only its file id."""
    require_manager(req.me)
    document = _document(req)
    workshop = await _workshop(req, int(draft.data["workshop"]))
    name = document.file_name or "datei.csv"
    plan = await _plan(req, workshop, await _fetch(req, document.file_id, document.file_size), name)
    step = "file" if plan.errors or not plan.ideas else "ready"
    data = {**draft.data, NONCE: drafts.new_run()[NONCE], "file_id": document.file_id, "file_name": name[-120:]}
    saved = await drafts.save_draft(req.session, req.me.id, FLOW, step, data, req.now)
    req.reply(await preview(req, plan, saved))


def _kind(req: Req, plan: imports.Plan) -> str:
    sheet = plan.sheet
    if sheet.kind == "csv":
        shown = {";": ";", ",": ",", "\t": "Tab"}.get(sheet.delimiter or "", "?")
        encoding = import_file.ENCODINGS.get(sheet.encoding or "", "?")
        return req.t("workshops.cli_csv", encoding=encoding, delimiter=shown)
    return req.t("workshops.cli_xlsx", sheet=esc(sheet.sheet_name or "?"))


def _idea_line(req: Req, idea: imports.NewIdea) -> str:
    towns = ", ".join(town_name(req, k) for k in idea.towns)
    return req.t(
        "workshops.cli_idea",
        line=idea.line,
        field=esc(field_name(req, idea.field)),
        towns=esc(towns),
        team=esc(f" · {idea.team_slug}" if idea.team_slug else ""),
        text=esc(short(" ".join(idea.text.split()), 70)),
    )


def _error_line(req: Req, error: imports.RowError) -> str:
    params = {k: esc(v) if isinstance(v, str) else v for k, v in error.problem.params.items()}
    return req.t("workshops.cli_error", line=error.line, message=req.t(error.problem.key, **params))


async def preview(req: Req, plan: imports.Plan, draft: Draft) -> View:
    """The dry run as the manager sees it: file, counts, the first ideas, every error (up to a limit) by the row the
    spreadsheet shows, alike ideas already in the bot; Importieren only without errors."""
    w = plan.workshop
    parts = [
        req.t("workshop_import.preview_title", name=esc(w.name), day=workshop_day(req.config, w, req.lang)),
        req.t("workshops.cli_file", path=esc(short(str(draft.data.get("file_name", "")), 80)), kind=_kind(req, plan)),
        req.t("workshops.cli_summary", ideas=len(plan.ideas), errors=plan.bad_lines, empty=plan.sheet.empty_rows),
    ]
    if plan.errors:
        lines = [_error_line(req, e) for e in plan.errors[:SHOWN_ERRORS]]
        more = len(plan.errors) - SHOWN_ERRORS
        if more > 0:
            lines.append(req.t("workshop_import.more", count=more))
        parts.append(req.t("workshop_import.errors_title") + "\n" + "\n".join(lines))
    elif plan.ideas:
        lines = [_idea_line(req, i) for i in plan.ideas[:SHOWN_IDEAS]]
        more = len(plan.ideas) - SHOWN_IDEAS
        if more > 0:
            lines.append(req.t("workshop_import.more", count=more))
        parts.append(req.t("workshop_import.ideas_title") + "\n" + "\n".join(lines))
    alike = await imports.alike(req.session, plan)
    if alike:
        wanted = select(Idea.id, Idea.text).where(Idea.id.in_({a.idea_id for a in alike[:SHOWN_ALIKE]}))
        texts: dict[int, str] = {i: t for i, t in (await req.session.execute(wanted)).all()}
        lines = [
            req.t(
                "workshop_import.alike_line",
                line=a.line,
                id=a.idea_id,
                score=a.score,
                text=esc(short(texts.get(a.idea_id, ""), 60)),
            )
            for a in alike[:SHOWN_ALIKE]
        ]
        if len(alike) > SHOWN_ALIKE:
            lines.append(req.t("workshop_import.more", count=len(alike) - SHOWN_ALIKE))
        parts.append(req.t("workshop_import.alike_title", count=len(alike)) + "\n" + "\n".join(lines))
    nonce = draft.data[NONCE]
    discard = Btn(req.t("workshop_import.discard"), encode(PREFIX, "x", nonce))
    if plan.errors or not plan.ideas:
        parts.append(req.t("workshop_import.fix_first" if plan.errors else "workshops.import_nothing"))
        return View("\n\n".join(parts), [[discard]])
    parts.append(req.t("workshop_import.confirm"))
    go = Btn(req.t("workshop_import.import", count=len(plan.ideas)), encode(PREFIX, "i", nonce))
    return View("\n\n".join(parts), [[go], [discard]])


async def _do_import(req: Req, draft: Draft) -> None:
    data: dict[str, Any] = dict(draft.data)
    if draft.step != "ready" or not await drafts.clear_draft(req.session, req.me.id):
        raise Refusal("workshop_import.done_already")
    workshop = await _workshop(req, int(data["workshop"]))
    name = str(data.get("file_name", ""))
    plan = await _plan(req, workshop, await _fetch(req, str(data["file_id"]), None), name)
    if plan.errors or not plan.ideas:  # the database changed since the preview: nothing is stored
        again = await drafts.save_draft(req.session, req.me.id, FLOW, "file", {**data, **drafts.new_run()}, req.now)
        view = await preview(req, plan, again)
        req.show(View(req.t("workshop_import.changed") + "\n\n" + view.text, view.buttons))
        return
    ids = await imports.store(req.session, plan, req.me, req.now, via="chat", file_name=name)
    text = req.t("workshop_import.imported", ideas=len(ids), first=ids[0], last=ids[-1], name=esc(workshop.name))
    waiting = await similar.open_count(req.session)
    if waiting:
        text += "\n" + req.t("workshop_import.flagged", count=waiting)
    req.show(View(text, [[handout_button(req, workshop)]]))


async def on_button(req: Req) -> None:
    """wi:f:<workshop> asks for the file; wi:i:<nonce> imports; wi:x:<nonce> discards (the file id is forgotten)."""
    assert req.cb is not None
    require_manager(req.me)
    action = req.cb.arg(0)
    if action == "f":
        await _ask_file(req, await _workshop(req, req.cb.int(1)))
        return
    draft = await drafts.draft_of_button(req.session, req.me.id, FLOW, req.cb.arg(1), "workshop_import.done_already")
    if "workshop" not in draft.data:
        raise Refusal("errors.stale_button")
    if action == "x":
        await drafts.clear_draft(req.session, req.me.id)
        req.show(View(req.t("workshop_import.discarded")))
        return
    if action != "i":
        raise Refusal("errors.stale_button")
    await _do_import(req, draft)


async def hint_pick_workshop(req: Req) -> None:
    """A document sent before choosing the workshop it belongs to."""
    found = await workshops.all_workshops(req.session)
    if not found:
        raise Refusal("workshop_import.no_workshop")
    req.reply(View(req.t("workshop_import.pick_workshop"), [[import_button(req, w)] for w in found[:8]]))
