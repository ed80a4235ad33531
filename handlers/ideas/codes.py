"""Ticking success factors and obstacles on an idea: the chip screen, the question that brings it, and its buttons.

The question comes through the outbox ("idea_codes_prompt", planned in models/ideas/codes.py) after an answer is
published or when an idea has stalled; the same screen opens later from /answer ("Hemmnisse/Erfolgsfaktoren").
Buttons are `ic:1:<idea>:<f|o>` (show), `…:t:<code>` (tick or untick) and `…:d` (done); every press is checked
again in the domain (manager or lead of the idea's team, a code of the config), so a forged or foreign button
changes nothing.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.config import Config
from core.texts import t
from handlers.codec import encode
from handlers.common import Btn, Req, View, esc, short
from models.errors import Refusal
from models.ideas import codes as domain
from models.ideas import events
from models.ideas.rights import may_answer
from models.tables import Idea, IdeaEvent, Outbox, Person
from scheduler.dispatcher import Outgoing, Renderer

log = logging.getLogger("actionbot.idea_codes")
PREFIX = "ic"


def data(idea_id: int, kind: str, *more: object) -> str:
    return encode(PREFIX, idea_id, domain.short_of(kind), *more)


def open_button(lang: str, idea: Idea) -> Btn:
    """The button on an idea (in /answer) that opens its codes: the factors of an implemented idea, else obstacles."""
    return Btn(t(lang, "idea_codes.open_button"), data(idea.id, domain.default_kind(idea)))


def chips_view(lang: str, config: Config, idea: Idea, kind: str, ticked: list[str], intro: str = "") -> View:
    """The idea, the question, one chip per code (✅ when ticked), [Fertig] and the switch to the other kind."""
    status = esc(t(lang, f"ideas.status_{idea.status}"))
    head = t(lang, "idea_codes.idea_line", id=idea.id, status=status, text=esc(short(idea.text, 300)))
    question = t(lang, f"idea_codes.ask_{kind}")
    text = "\n\n".join(part for part in (intro, head, question) if part)
    rows = [
        [Btn(("✅ " if on else "") + code.name(lang), data(idea.id, kind, "t", code.key, int(not on)))]
        for code, on in ((c, c.key in ticked) for c in config.codes(kind))
    ]
    other = domain.OBSTACLE if kind == domain.FACTOR else domain.FACTOR
    rows.append(
        [
            Btn(t(lang, "idea_codes.done"), data(idea.id, kind, "d")),
            Btn(t(lang, f"idea_codes.switch_to_{other}"), data(idea.id, other)),
        ]
    )
    return View(text, rows)


def names(lang: str, config: Config, kind: str, keys: list[str]) -> str:
    shown = [c.name(lang) for c in config.codes(kind) if c.key in keys]
    return esc(", ".join(shown)) if shown else t(lang, "idea_codes.none_ticked")


async def summary_view(req: Req, idea: Idea) -> View:
    """After [Fertig]: what is now stored for the idea, with buttons to change it."""
    lines = [req.t("idea_codes.saved", id=idea.id)]
    for kind in (domain.OBSTACLE, domain.FACTOR):
        keys = await domain.ticked(req.session, idea.id, kind)
        lines.append(req.t(f"idea_codes.summary_{kind}", codes=names(req.lang, req.config, kind, keys)))
    rows = [
        [Btn(req.t("idea_codes.change"), data(idea.id, domain.default_kind(idea)))],
        [Btn(req.t("idea_codes.to_answer"), encode("ia", "l", "w", 0))],
    ]
    return View("\n".join(lines), rows)


async def on_button(req: Req) -> None:
    """ic:<idea>:<f|o> shows the chips; …:t:<code>:<1|0> ticks or unticks one; …:d shows what is stored."""
    assert req.cb is not None
    kind = domain.kind_of(req.cb.arg(1))
    idea = await domain.codable_idea(req.session, req.me, req.cb.int(0))
    action = req.cb.args[2] if len(req.cb.args) > 2 else ""
    if action == "t":
        allowed = [c.key for c in req.config.codes(kind)]
        want = {"1": True, "0": False}.get(req.cb.arg(4))
        if want is None:
            raise Refusal("errors.stale_button")
        changed = await domain.set_code(req.session, req.me, idea.id, kind, req.cb.arg(3), allowed, want, req.now)
        log.info(
            "idea code %s idea=%s actor=%s kind=%s changed=%s",
            "ticked" if want else "unticked",
            idea.id,
            req.me.id,
            kind,
            changed,
        )
    elif action == "d":
        req.show(await summary_view(req, idea))
        return
    elif action:
        raise Refusal("errors.stale_button")
    ticked = await domain.ticked(req.session, idea.id, kind)
    req.show(chips_view(req.lang, req.config, idea, kind, ticked))


# --- the question, rendered when sent -------------------------------------------------------------------------


async def _still_stalled(s: AsyncSession, idea: Idea, moved: int) -> bool:
    """Whether the idea has had no step since the one the question was planned for."""
    newest = (
        await s.execute(
            select(func.max(IdeaEvent.at)).where(IdeaEvent.idea_id == idea.id, IdeaEvent.kind != events.CODED)
        )
    ).scalar_one_or_none()
    return idea.status in domain.STALLING and newest is not None and int(newest.timestamp()) == moved


async def _answered_since(s: AsyncSession, idea: Idea, kind: str, since: datetime) -> bool:
    """Whether someone ticked codes of this kind on the idea since the question was planned (e.g. another lead)."""
    q = select(IdeaEvent.details).where(
        IdeaEvent.idea_id == idea.id, IdeaEvent.kind == events.CODED, IdeaEvent.at >= since
    )
    return any(details.get("kind") == kind for details in (await s.execute(q)).scalars())


def renderers(config: Config) -> dict[str, Renderer]:
    """The question about an idea's codes, in the recipient's language; nothing when it lost its point (the idea
    is gone or moved on, the person may no longer tick its codes, or someone ticked them meanwhile)."""

    async def prompt(s: AsyncSession, row: Outbox) -> Outgoing | None:
        person = await s.get(Person, row.person_id) if row.person_id is not None else None
        idea = await s.get(Idea, int(row.payload.get("idea", 0)))
        kind, occasion = str(row.payload.get("kind")), str(row.payload.get("occasion"))
        if person is None or idea is None or kind not in domain.KINDS:
            return None
        if not await may_answer(s, person, idea):
            return None
        if occasion == domain.STALLED and not await _still_stalled(s, idea, int(row.payload.get("ref", 0))):
            return None
        if await _answered_since(s, idea, kind, row.created_at):
            return None
        lang = person.language
        weeks = config.evaluation.stalled_weeks
        intro = t(lang, f"idea_codes.prompt_{occasion}", id=idea.id, weeks=weeks)
        view = chips_view(lang, config, idea, kind, await domain.ticked(s, idea.id, kind), intro)
        return Outgoing(view.text, view.markup())

    return {domain.PROMPT: prompt}
