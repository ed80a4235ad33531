"""Ideas without a team: every member sees and supports them; the project manager gives them a team.

Buttons: `idn:1:<page>` a page of the list, `sup:1:<idea>:<page>:n` 👍 on it (handlers/ideas/submit.py),
`ida:1:<idea>:<page>` the team picker and `ida:1:<idea>:<page>:<team>` the assignment; every press is checked
again in models/ideas/core.py, so a forged button changes nothing. The author learns of the assignment through an
"idea_assigned" outbox row, rendered when sent in the author's language.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from core.config import Config
from core.texts import t
from handlers.codec import encode
from handlers.common import Btn, Req, View, esc, pager, short
from handlers.ideas import path
from handlers.ideas.submit import idea_block, route_lines, support_button
from models import teams as teams_domain
from models.ideas import core as ideas_domain
from models.ideas import routing as routing_domain
from models.tables import Idea, Membership, Outbox, Person, Team
from scheduler.dispatcher import Outgoing, Renderer


async def teamless_view(req: Req, page: int) -> View:
    """A page of the ideas without a team: 👍 on others' ideas, and for the manager "Team zuordnen"."""
    views, pages = await ideas_domain.teamless_ideas_page(req.session, req.me, page)
    back = [Btn(req.t("ideas.back_to_teams"), encode("idp", 0))]
    if not views:
        return View(req.t("ideas.none_teamless"), [back])
    page = min(max(page, 0), pages - 1)
    blocks = [req.t("ideas.teamless_title", page=page + 1, pages=pages), req.t("ideas.teamless_hint")]
    rows: list[list[Btn]] = []
    routes = await routing_domain.routes_of(req.session, [v.idea.id for v in views])
    for v in views:
        blocks.append(idea_block(req, v, route_lines(req, routes.get(v.idea.id, []))))
        row = [] if v.own else [support_button(v, page, "n")]
        if req.me.is_manager:
            row.append(Btn(req.t("ideas.assign_button", id=v.idea.id), encode("ida", v.idea.id, page)))
        rows.append([*row, path.button(req, v.idea.id, "n", page)])
    rows += pager(page, pages, lambda p: encode("idn", p))
    rows.append(back)
    return View("\n\n".join(blocks), rows)


async def on_page(req: Req) -> None:
    """idn:<page>: a page of the ideas without a team."""
    assert req.cb is not None
    req.show(await teamless_view(req, req.cb.int(0)))


async def on_assign(req: Req) -> None:
    """ida:<idea>:<page> asks for the team; ida:<idea>:<page>:<team> gives the idea that team."""
    assert req.cb is not None
    idea_id, page = req.cb.int(0), req.cb.int(1)
    if len(req.cb.args) < 3:
        idea = await ideas_domain.assignable_idea(req.session, req.me, idea_id)
        req.show(await _team_picker(req, idea, page))
        return
    idea, team = await ideas_domain.assign_team(req.session, req.me, idea_id, req.cb.int(2), req.now)
    req.toast(req.t("ideas.assigned", id=idea.id, team=team.name(req.lang)))
    req.show(await teamless_view(req, page))
    req.deliver_soon()


async def _team_picker(req: Req, idea: Idea, page: int) -> View:
    teams = await teams_domain.list_teams(req.session)
    rows = [[Btn(s.team.name(req.lang), encode("ida", idea.id, page, s.team.id))] for s in teams]
    rows.append([Btn(req.t("ideas.assign_back"), encode("idn", page))])
    return View(req.t("ideas.assign_ask", id=idea.id, text=esc(short(idea.text))), rows)


def renderers(config: Config) -> dict[str, Renderer]:
    """The message telling an author their idea now belongs to a team (nothing if it no longer applies)."""

    async def idea_assigned(s: AsyncSession, row: Outbox) -> Outgoing | None:
        person = await s.get(Person, row.person_id) if row.person_id is not None else None
        idea = await s.get(Idea, int(row.payload.get("idea", 0)))
        if person is None or idea is None or idea.team_id is None or idea.author_id != person.id:
            return None
        team = await s.get(Team, idea.team_id)
        if team is None:
            return None
        lang = person.language
        parts = [t(lang, "ideas.assigned_notice", id=idea.id, team=esc(team.name(lang)), text=esc(short(idea.text)))]
        if await s.get(Membership, (person.id, team.id)) is None:
            parts.append(t(lang, "ideas.assigned_join"))
        return Outgoing("\n\n".join(parts))

    return {ideas_domain.IDEA_ASSIGNED: idea_assigned}
