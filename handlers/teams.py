"""/teams, /myteams and the team deep link: list teams, join and leave with one tap."""

from __future__ import annotations

from handlers import commands
from handlers.codec import encode
from handlers.common import Btn, Req, View, esc
from handlers.names import field_name, town_name
from models import teams as teams_domain
from models.meetings import core as meetings_domain
from models.tables import Team
from models.teams import TeamSummary


def _mix(req: Req, summary: TeamSummary) -> str:
    """ "3 Mitglieder: Saalfeld 2 · Rudolstadt 1": biggest town first, ties in the configured order."""
    if not summary.members:
        return req.t("teams.no_members")
    order = {town.key: i for i, town in enumerate(req.config.towns)}
    parts = [
        f"{esc(town_name(req, town))} {n}"
        for town, n in sorted(summary.by_town.items(), key=lambda kv: (-kv[1], order.get(kv[0], len(order)), kv[0]))
    ]
    return req.t("teams.members", count=summary.members, mix=" · ".join(parts))


def team_link(bot_username: str, team: Team) -> str:
    """The team's invitation link: registration (if needed) and joining the team (handlers/onboarding.py)."""
    return f"https://t.me/{bot_username}?start=team-{team.slug}"


def deep_link(req: Req, team: Team) -> str:
    return team_link(req.context.bot.username, team)


async def teams_view(req: Req) -> View:
    summaries = await teams_domain.list_teams(req.session, req.me)
    blocks, rows = [req.t("teams.title")], []
    for sm in summaries:
        t = sm.team
        role = f" ({req.t('teams.role_' + sm.my_role)})" if sm.my_role else ""
        blocks.append(
            f"<b>{esc(t.name(req.lang))}</b>{role}\n<i>{esc(field_name(req, t.field))}</i>\n"
            f"{esc(t.description(req.lang))}\n{_mix(req, sm)}"
        )
        if sm.my_role:
            rows.append([Btn(req.t("teams.leave", team=t.name(req.lang)), encode("team", "leave", t.id))])
        else:
            rows.append([Btn(req.t("teams.join", team=t.name(req.lang)), encode("team", "join", t.id))])
    return View("\n\n".join(blocks), rows)


async def show_teams(req: Req) -> None:
    req.show(await teams_view(req))


async def show_my_teams(req: Req) -> None:
    mine = await teams_domain.my_teams(req.session, req.me)
    if not mine:
        req.show(View(req.t("teams.none_mine"), [[Btn(req.t("menu.teams"), encode("menu", "teams"))]]))
        return
    lines = [req.t("teams.mine_title")]
    for team, role in mine:
        lines.append(
            f"• <b>{esc(team.name(req.lang))}</b> ({req.t('teams.role_' + role)})\n"
            f"  {req.t('teams.invite_link')}: {deep_link(req, team)}"
        )
    req.show(
        View(
            "\n".join(lines),
            [[Btn(req.t("teams.leave", team=t.name(req.lang)), encode("team", "leave", t.id))] for t, _ in mine],
        )
    )


async def _invite_to_upcoming(req: Req, team_id: int) -> None:
    """A new member is invited to the team's upcoming meetings (and gets their reminders)."""
    await meetings_domain.invite_new_member(req.session, req.me, team_id, req.now, req.config.meetings)
    req.deliver_soon()


async def join_and_tell(req: Req, team_id: int) -> None:
    team, joined = await teams_domain.join(req.session, req.me, team_id, req.now)
    if joined:
        await _invite_to_upcoming(req, team_id)
    key = "teams.joined" if joined else "teams.already_member"
    req.reply(req.t(key, team=esc(team.name(req.lang))))


async def on_team_button(req: Req) -> None:
    """team:join|leave:<id>: change membership and redraw the list; pressing twice changes nothing."""
    assert req.cb is not None
    action, team_id = req.cb.arg(0), req.cb.int(1)
    if action == "join":
        team, changed = await teams_domain.join(req.session, req.me, team_id, req.now)
        if changed:
            await _invite_to_upcoming(req, team_id)
        key = "teams.joined" if changed else "teams.already_member"
    elif action == "leave":
        before = await teams_domain.membership(req.session, req.me.id, team_id)
        team, changed = await teams_domain.leave(req.session, req.me, team_id)
        if changed:  # no more reminders or invitations for the team's upcoming meetings
            await meetings_domain.forget_member(req.session, req.me, team_id, req.now)
        key = "teams.left" if changed else "teams.not_member"
        if before is not None and before.role == teams_domain.LEAD:
            await commands.refresh_later(req, req.me)  # a lead who leaves stops leading: /members goes
    else:
        req.toast(req.t("errors.stale_button"), alert=True)
        return
    req.toast(req.t(key, team=team.name(req.lang)))
    req.show(await teams_view(req))
