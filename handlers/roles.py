"""/makelead (project manager) and /members (leads and the manager): who leads and who is in a team, and where a
team's mix lacks a town or a stakeholder group (handlers/team_mix.py)."""

from __future__ import annotations

from core.texts import t
from handlers import commands, team_mix
from handlers.codec import encode
from handlers.common import Btn, Req, View, esc, pager
from handlers.names import group_name, person_name, town_name
from models import teams as teams_domain
from models.errors import Refusal
from models.teams import LEAD

PAGE = 40


async def start_makelead(req: Req) -> None:
    """Pick a team; the manager check lives in the domain and is repeated on every button."""
    teams_domain.require_manager(req.me)
    summaries = await teams_domain.list_teams(req.session)
    req.show(
        View(
            req.t("lead.pick_team"), [[Btn(s.team.name(req.lang), encode("ml", "t", s.team.id, 0))] for s in summaries]
        )
    )


async def _members_view(req: Req, team_id: int, page: int) -> View:
    team = await teams_domain.get_team(req.session, team_id)
    if team is None:
        raise Refusal("teams.not_found")
    members = await teams_domain.team_members(req.session, team_id)
    if not members:
        return View(req.t("lead.no_members", team=esc(team.name(req.lang))))
    pages = -(-len(members) // PAGE)
    page = min(max(page, 0), pages - 1)
    rows = [
        [
            Btn(
                ("⭐ " if role == LEAD else "") + person_name(req, p.display_name, 40),
                encode("ml", "p", team_id, p.id, page),
            )
        ]
        for p, role in members[page * PAGE : (page + 1) * PAGE]
    ]
    rows += pager(page, pages, lambda p: encode("ml", "t", team_id, p))
    return View(req.t("lead.pick_member", team=esc(team.name(req.lang)), page=page + 1, pages=pages), rows)


async def on_makelead_button(req: Req) -> None:
    """ml:t:<team>:<page> shows members; ml:p:<team>:<person>:<page> toggles that member's lead role."""
    assert req.cb is not None
    teams_domain.require_manager(req.me)
    kind, team_id = req.cb.arg(0), req.cb.int(1)
    if kind == "t":
        req.show(await _members_view(req, team_id, req.cb.int(2)))
        return
    if kind != "p":
        raise Refusal("errors.stale_button")
    person_id, page = req.cb.int(2), req.cb.int(3)
    current = await teams_domain.membership(req.session, person_id, team_id)
    make = current is not None and current.role != LEAD
    target, team = await teams_domain.set_lead(req.session, req.me, person_id, team_id, make, req.now)
    name = team.name(target.language)
    if target.telegram_id is not None:
        req.send_to(
            target.telegram_id,
            t(target.language, "lead.you_are_lead" if make else "lead.you_are_no_longer_lead", team=esc(name)),
        )
    shown = person_name(req, target.display_name)
    req.toast(req.t("lead.made" if make else "lead.unmade", name=shown, team=team.name(req.lang)))
    await commands.refresh_later(req, target)
    req.show(await _members_view(req, team_id, page))


async def show_members(req: Req) -> None:
    """/members: the members of the teams I lead (all teams for the manager), with town and group."""
    if req.me.is_manager:
        team_ids = [s.team.id for s in await teams_domain.list_teams(req.session)]
    else:
        team_ids = await teams_domain.led_team_ids(req.session, req.me)
    if not team_ids:
        raise Refusal("errors.not_allowed")
    blocks, rows = [], []
    for team_id in team_ids:
        team = await teams_domain.get_team(req.session, team_id)
        assert team is not None
        members = await teams_domain.team_members(req.session, team_id)
        lines = [f"<b>{esc(team.name(req.lang))}</b> ({len(members)})"]
        lines += [
            f"{'⭐ ' if role == LEAD else '• '}{esc(person_name(req, p.display_name))} – "
            f"{esc(group_name(req, p.stakeholder_group))}, "
            f"{esc(town_name(req, p.town))}"
            for p, role in members[:100]
        ]
        if len(members) > 100:
            lines.append(req.t("lead.more_members", count=len(members) - 100))
        hint, buttons = await team_mix.members_hint(req, team_id, team.name(req.lang))
        lines += hint
        rows += [buttons] if buttons else []
        blocks.append("\n".join(lines))
    req.show(View("\n\n".join(blocks), rows))
