"""The overlap warning on the /meeting confirmation and after moving a meeting (models/meetings/overlap.py).

A warning, not a refusal: the lead sees what collides and may still invite.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from core.texts import format_when
from handlers.common import Req, esc
from handlers.meetings.views import place_line
from models.meetings.overlap import overlapping
from models.tables import Team


async def warning(
    req: Req, team_id: int, starts_at: datetime, duration_min: int, exclude: int | None = None
) -> str | None:
    """The warning naming each overlapping meeting, or None when the time is free."""
    found = await overlapping(req.session, req.me, team_id, starts_at, duration_min, exclude)
    if not found:
        return None
    lines = []
    for m in found:
        team = await req.session.get(Team, m.team_id)
        end = (m.starts_at + timedelta(minutes=m.duration_min)).astimezone(req.config.time_zone)
        lines.append(
            req.t(
                "overlap.line",
                title=esc(m.title),
                team=esc(team.name(req.lang)) if team else "–",
                when=format_when(m.starts_at, req.lang, req.config.time_zone),
                time=f"{end:%H:%M}",  # when it ends
                place=place_line(req.config, m, req.lang),
            )
        )
    return req.t("overlap.warning", count=len(found), meetings="\n".join(lines))
