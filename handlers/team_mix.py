"""Team mix: where a team lacks members from a town or a stakeholder group, its lead and the manager see a hint in
/members, and /announce offers "fill the gaps of team X" (models/announcements/core.py Audience.gap).

The gaps are measured against the configured towns and groups (models/teams.py team_gaps); who may address a gap is
decided in the announcement rules: the manager any team's, a lead their own team's.
"""

from __future__ import annotations

from babel.lists import format_list

from core.config import Config
from core.texts import catalogue, t
from handlers.codec import encode
from handlers.common import Btn, Req, esc
from models.teams import TeamGaps, team_gaps


def _towns(req: Req) -> list[str]:
    return [town.key for town in req.config.towns]


def _groups(req: Req) -> list[str]:
    return [g.key for g in req.config.groups]


async def gaps_of(req: Req, team_id: int) -> TeamGaps:
    return await team_gaps(req.session, team_id, _towns(req), _groups(req))


def gap_lines(config: Config, lang: str, gaps: TeamGaps) -> list[str]:
    """'Aus Bad Blankenburg ist noch niemand dabei.', 'Noch keine Unternehmer*innen dabei.' (nothing without gaps).

    Needs no request, so a message rendered later (e.g. a digest) can say the same in its recipient's language.
    """
    lines = []
    if gaps.towns:
        names = [town.name(lang) for key in gaps.towns if (town := config.town(key)) is not None]
        lines.append(t(lang, "team_mix.no_town", towns=esc(format_list(names, locale=lang))))
    for key in gaps.groups:
        own = f"team_mix.no_group_{key}"  # a plural like "Unternehmer*innen" where the catalogue has one
        if own in catalogue(lang) or own in catalogue("de"):
            lines.append(t(lang, own))
        else:
            group = config.group(key)
            lines.append(t(lang, "team_mix.no_group", group=esc(group.name(lang) if group else key)))
    return [f"🧩 {line}" for line in lines]


async def members_hint(req: Req, team_id: int, team_name: str) -> tuple[list[str], list[Btn]]:
    """The hint under a team in /members (its gaps), and a button inviting exactly those who could fill them."""
    lines = gap_lines(req.config, req.lang, await gaps_of(req, team_id))
    if not lines:
        return [], []
    fill = Btn(req.t("team_mix.fill_button", team=team_name), encode("tmx", team_id))
    return [*lines, req.t("team_mix.invite_hint")], [fill]


async def gap_teams(req: Req, teams: dict[int, str]) -> dict[int, str]:
    """Of the teams the sender may address, those someone could still fill a gap of (a town × group pair missing)."""
    return {i: name for i, name in teams.items() if (await gaps_of(req, i)).pairs}
