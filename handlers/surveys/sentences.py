"""/saetze (/sentences): the project manager releases or leaves out each survey sentence, one at a time.

Buttons: `st:1:l:<o|r>:<page>` a page of the open (o) or reviewed (r) list; `st:1:d:<answer>:<r|l>:<version>:
<o|r>:<page>` releases (r) or leaves out (l) the sentence of that version. The domain (models/surveys/
sentences.py) checks the manager and the version on every press, so a forged, repeated or outdated button
changes nothing; a sentence changed or gone meanwhile is answered with a note and the list drawn again.
"""

from __future__ import annotations

from core.texts import format_day
from handlers.codec import encode
from handlers.common import Btn, Req, View, esc, pager
from models.errors import Refusal
from models.surveys import sentences as domain

PREFIX = "st"
LISTS = {"o": domain.OPEN, "r": domain.REVIEWED}
CHOICES = {"r": domain.RELEASED, "l": domain.LEFT_OUT}
STATE = {None: "sentences.state_open", domain.RELEASED: "sentences.state_released",
         domain.LEFT_OUT: "sentences.state_left_out"}


def _codes(req: Req, item: domain.Item) -> str:
    words = [f"👎 {c.name(req.lang)}" for c in req.config.obstacles if c.key in item.obstacles]
    words += [f"👍 {c.name(req.lang)}" for c in req.config.success_factors if c.key in item.factors]
    return ", ".join(words) or req.t("sentences.no_codes")


async def list_view(req: Req, which: str, number: int) -> View:
    """One sentence of the list `which` ("o" open, "r" reviewed) with its choices, ◀ ▶ and the other list."""
    found = await domain.page(req.session, req.me, LISTS[which], number)
    head = req.t("sentences.title", open=found.open, reviewed=found.reviewed)
    other = "r" if which == "o" else "o"
    switch = [Btn(req.t(f"sentences.show_{other}", count=found.reviewed if other == "r" else found.open),
                  encode(PREFIX, "l", other, 0))]
    item = found.item
    if item is None:
        empty = req.t(f"sentences.none_{which}")
        return View(f"{head}\n\n{empty}", [switch] if (found.reviewed if other == "r" else found.open) else [])
    lines = [
        head,
        req.t(f"sentences.position_{which}", page=found.page + 1, pages=found.pages),
        "",
        req.t("sentences.quote", text=esc(item.text)),
        "",
        req.t("sentences.origin", team=esc(item.team.name(req.lang)),
              day=format_day(item.starts_at, req.lang, req.config.time_zone)),
        req.t("sentences.codes", codes=esc(_codes(req, item))),
        req.t("sentences.state", state=req.t(STATE.get(item.decision, "sentences.state_open"))),
        "",
        req.t("sentences.explain", min=req.config.evaluation.min_people),
    ]
    rows = [[
        Btn(req.t("sentences.release"), encode(PREFIX, "d", item.answer_id, "r", item.version, which, found.page)),
        Btn(req.t("sentences.leave_out"), encode(PREFIX, "d", item.answer_id, "l", item.version, which, found.page)),
    ]]
    rows += pager(found.page, found.pages, lambda n: encode(PREFIX, "l", which, n))
    rows.append(switch)
    return View("\n".join(lines), rows)


async def show_sentences(req: Req) -> None:
    """/saetze: the sentences waiting for review (project manager; others are refused in the domain)."""
    req.show(await list_view(req, "o", 0))


async def on_button(req: Req) -> None:
    """st:l:<list>:<page> | d:<answer>:<choice>:<version>:<list>:<page>."""
    assert req.cb is not None
    action = req.cb.arg(0)
    if action == "l":
        which = req.cb.arg(1)
        if which not in LISTS:
            raise Refusal("errors.stale_button")
        req.show(await list_view(req, which, req.cb.int(2)))
        return
    if action != "d":
        raise Refusal("errors.stale_button")
    answer_id, choice, seen, which = req.cb.int(1), req.cb.arg(2), req.cb.arg(3), req.cb.arg(4)
    number = req.cb.int(5)
    if choice not in CHOICES or which not in LISTS:
        raise Refusal("errors.stale_button")
    try:
        changed = await domain.decide(req.session, req.me, answer_id, CHOICES[choice], seen, req.now)
    except Refusal as refusal:
        if refusal.key not in ("sentences.changed", "sentences.gone"):
            raise
        req.toast(req.t(refusal.key), alert=True)  # nothing was written: show the list as it is now
        req.show(await list_view(req, which, number))
        return
    key = f"sentences.done_{CHOICES[choice]}" if changed else "sentences.unchanged"
    req.toast(req.t(key))
    req.show(await list_view(req, which, number))
