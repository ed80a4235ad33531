"""Alike ideas: the hint before submitting, and /similar where the project manager merges or dismisses pairs.

Buttons: `ids:1:<nonce>:<idea>` supports an alike idea instead of submitting (handlers/ideas/submit.py);
`sim:1:l:<page>` a flagged pair, `sim:1:a:<from>:<into>:<page>` asks to merge, `sim:1:m:<from>:<into>:<page>`
merges, `sim:1:d:<idea>:<other>:<page>` dismisses the pair. Every press is checked again in the domain
(models/ideas/merge.py, models/ideas/similar.py), so a forged or repeated button changes nothing. The people
concerned learn of a merge through "idea_merged" outbox rows, rendered when sent in their language.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession

from core.config import Config
from core.texts import t
from handlers.codec import encode
from handlers.common import Btn, Req, View, esc, pager, short
from handlers.ideas.origin import origin
from handlers.names import field_name, status_name
from models.errors import Refusal
from models.ideas import merge as merge_domain
from models.ideas import similar as domain
from models.tables import Idea, Outbox, Person, Team, Workshop
from scheduler.dispatcher import Outgoing, Renderer

NOTICES = {
    merge_domain.FROM_AUTHOR: "similar.notice_from",
    merge_domain.INTO_AUTHOR: "similar.notice_into",
    merge_domain.FOLLOWER: "similar.notice_follower",
}


# --- before submitting ------------------------------------------------------------------------------------


async def hint(req: Req, text: str, button: Callable[[int], str]) -> tuple[str, list[list[Btn]]]:
    """The alike ideas the member may see, as text for the confirm screen and "support instead" buttons
    (`button(idea id)` gives a button's data); nothing when there are none."""
    matches = await domain.find_similar(req.session, text, req.me)
    if not matches:
        return "", []
    lines, rows = [req.t("similar.hint_title")], []
    counts = await domain.support_counts(req.session, [m.idea.id for m in matches])  # one query for all
    for m in matches:
        count = counts.get(m.idea.id, 0)
        own = m.idea.author_id == req.me.id
        key = "similar.hint_line_own" if own else "similar.hint_line"
        lines.append(req.t(key, id=m.idea.id, supports=count, text=esc(short(m.idea.text, 200))))
        if not own:
            rows.append([Btn(req.t("similar.support_instead", id=m.idea.id), button(m.idea.id))])
    lines.append(req.t("similar.hint_end"))
    return "\n".join(lines), rows


# --- the project manager's pairs ---------------------------------------------------------------------------


async def _block(req: Req, idea: Idea) -> str:
    team = await req.session.get(Team, idea.team_id) if idea.team_id is not None else None
    workshop = await req.session.get(Workshop, idea.workshop_id) if idea.workshop_id is not None else None
    return req.t(
        "similar.idea_block",
        id=idea.id,
        field=esc(field_name(req, idea.field)),
        status=esc(status_name(req, idea.status)),
        supports=await domain.support_count(req.session, idea.id),
        text=esc(short(idea.text)),
        team=esc(team.name(req.lang) if team else req.t("ideas.no_team")),
        origin=origin(req, idea, workshop),  # which workshop (and day) an imported idea came from
    )


async def pairs_view(req: Req, page: int) -> View:
    """One flagged pair with its choices: merge either way, not a duplicate; ◀ ▶ through the others."""
    pairs, pages = await domain.open_pairs(req.session, req.me, page)
    if not pairs:
        return View(req.t("similar.none"))
    page = min(max(page, 0), pages - 1)
    p = pairs[0]
    text = "\n\n".join(
        [
            req.t("similar.title", page=page + 1, pages=pages, score=p.score),
            await _block(req, p.old),
            await _block(req, p.new),
            req.t("similar.explain"),
        ]
    )
    rows = [
        [Btn(req.t("similar.merge_button", merged=a.id, kept=b.id), encode("sim", "a", a.id, b.id, page))]
        for a, b in ((p.new, p.old), (p.old, p.new))
    ]
    rows.append([Btn(req.t("similar.dismiss_button"), encode("sim", "d", p.new.id, p.old.id, page))])
    rows += pager(page, pages, lambda n: encode("sim", "l", n))
    return View(text, rows)


async def ideas_row(req: Req) -> list[list[Btn]]:
    """The way from /ideas to the flagged pairs, for the project manager while there are any."""
    if not req.me.is_manager:
        return []
    count = await domain.open_count(req.session)
    return [[Btn(req.t("similar.ideas_button", count=count), encode("sim", "l", 0))]] if count else []


async def show_similar(req: Req) -> None:
    """/similar: the flagged pairs (project manager; others are refused in the domain)."""
    req.show(await pairs_view(req, 0))


async def on_button(req: Req) -> None:
    """sim:l:<page> | a:<from>:<into>:<page> | m:<from>:<into>:<page> | d:<idea>:<other>:<page>."""
    assert req.cb is not None
    action = req.cb.arg(0)
    if action == "l":
        req.show(await pairs_view(req, req.cb.int(1)))
        return
    a, b, page = req.cb.int(1), req.cb.int(2), req.cb.int(3)
    if action == "a":
        merged, kept = await merge_domain.check(req.session, req.me, a, b)
        count = await domain.support_count(req.session, merged.id)
        rows = [
            [Btn(req.t("similar.confirm_yes"), encode("sim", "m", merged.id, kept.id, page))],
            [Btn(req.t("similar.back"), encode("sim", "l", page))],
        ]
        text = req.t("similar.confirm", merged=merged.id, kept=kept.id, supports=count)
        req.show(View(f"{text}\n\n{await _block(req, merged)}\n\n{await _block(req, kept)}", rows))
    elif action == "m":
        done = await merge_domain.merge(req.session, req.me, a, b, req.now)
        count = await domain.support_count(req.session, done.kept.id)
        req.toast(req.t("similar.merged", merged=done.merged.id, kept=done.kept.id, count=count))
        req.show(await pairs_view(req, page))
        if done.told:
            req.deliver_soon()
    elif action == "d":
        await domain.dismiss(req.session, req.me, a, b, req.now)
        req.toast(req.t("similar.dismissed"))
        req.show(await pairs_view(req, page))
    else:
        raise Refusal("errors.stale_button")


# --- what the people concerned are told ----------------------------------------------------------------------


def renderers(config: Config) -> dict[str, Renderer]:
    """The message about a merge, in the recipient's language (nothing if the merge no longer holds)."""

    async def idea_merged(s: AsyncSession, row: Outbox) -> Outgoing | None:
        payload = row.payload or {}
        person = await s.get(Person, row.person_id) if row.person_id is not None else None
        merged = await s.get(Idea, int(payload.get("from", 0)))
        kept = await s.get(Idea, int(payload.get("into", 0)))
        key = NOTICES.get(str(payload.get("role")))
        if person is None or merged is None or kept is None or key is None or merged.merged_into_id != kept.id:
            return None
        shown = merged if payload.get("role") == merge_domain.INTO_AUTHOR else kept
        count = await domain.support_count(s, kept.id)
        text = t(person.language, key, merged=merged.id, kept=kept.id, count=count, text=esc(short(shown.text)))
        return Outgoing(text)

    return {merge_domain.IDEA_MERGED: idea_merged}
