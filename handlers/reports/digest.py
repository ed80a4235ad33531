"""The monthly digest as the recipient sees it: a chart with a short caption, rendered when the row is sent.

Rendering at send time means the figures, the recipient's language and scope (a lead who gave up the lead gets
nothing) are those of the moment it goes out. The caption stays within Telegram's 1,024 characters: the
team-mix hints are cut first.
"""

from __future__ import annotations

import asyncio

from babel.dates import format_date
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.config import Config
from core.texts import LANGUAGES, t
from handlers.common import esc
from handlers.team_mix import gap_lines
from models.evaluation import digest
from models.evaluation.common import half_up
from models.evaluation.shapes import Cell
from models.reports.charts import bars
from models.reports.suppression import MARKER, min_people, threshold
from models.tables import Outbox, Person, Team
from models.teams import team_gaps
from scheduler.dispatcher import Outgoing, Renderer

CAPTION_MAX = 1024
GAP_LINES = 6


def _number(value: float, lang: str) -> str:
    """One decimal, rounded half up like every released number (docs/evaluation.md, "Rounding"): 18.45 -> 18,5."""
    text = f"{half_up(value, 1):.1f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") if lang == "de" else text


async def _gap_lines(s: AsyncSession, config: Config, teams: list[Team], lang: str) -> list[str]:
    """The /members hints of each team with a gap, the team named first (one wording for both places)."""
    towns, groups = [x.key for x in config.towns], [g.key for g in config.groups]
    lines: list[str] = []
    for team in teams:
        gaps = await team_gaps(s, team.id, towns, groups)
        lines += [f"{esc(team.name(lang))}: {line.removeprefix('🧩 ')}" for line in gap_lines(config, lang, gaps)]
    return lines


def _caption(head: list[str], gaps: list[str], lang: str) -> str:
    """The text with as many team-mix hints as fit (at most GAP_LINES), the rest counted."""
    footer = ["", t(lang, "digest.footer")]
    if not gaps:
        return "\n".join([*head, "", t(lang, "digest.mix_title"), t(lang, "digest.mix_full"), *footer])
    for shown in range(min(len(gaps), GAP_LINES), -1, -1):
        more = [t(lang, "digest.gap_more", n=len(gaps) - shown)] if shown < len(gaps) else []
        lines = [*head, "", t(lang, "digest.mix_title"), *[f"• {g}" for g in gaps[:shown]], *more, *footer]
        text = "\n".join(lines)
        if len(text) <= CAPTION_MAX:
            return text
    return "\n".join(head)[:CAPTION_MAX]


async def render_digest(s: AsyncSession, row: Outbox, config: Config) -> Outgoing | None:
    """The digest for one recipient, or nothing when they are no longer a manager or lead (or switched it off)."""
    with threshold(config.evaluation.min_people):  # a released figure: the configured rule
        return await _render_digest(s, row, config)


async def _render_digest(s: AsyncSession, row: Outbox, config: Config) -> Outgoing | None:
    person = await s.get(Person, row.person_id) if row.person_id is not None else None
    month = digest.month_by_key(str(row.payload.get("month", "")), config.time_zone)
    if person is None or month is None or person.digest_opt_out:
        return None
    scope = await digest.scope_of(s, person)
    if scope == []:
        return None
    lang = person.language if person.language in LANGUAGES else "de"
    query = select(Team).order_by(Team.id)
    if scope is not None:
        query = query.where(Team.id.in_(scope))
    teams = list((await s.execute(query)).scalars())
    names = {team.id: team.name(lang) for team in teams}
    figures = await digest.month_figures(s, month, scope, names, config.time_zone, now=row.claimed_at or row.due_at)
    month_name = format_date(month.first, "MMMM yyyy", locale=lang)
    head = [
        t(lang, "digest.title", month=month_name),
        esc(t(lang, "digest.scope_all") if scope is None else ", ".join(names.values())),
        "",
        t(lang, "digest.meetings", n=_count(figures.meetings)),
        t(lang, "digest.attendees", n=_count(figures.attendees)),
        t(lang, "digest.hours", hours=MARKER if figures.hours.suppressed else _number(figures.hours.value or 0, lang)),
        t(lang, "digest.ideas", new=_count(figures.new_ideas), done=_count(figures.implemented)),
    ]
    cells = [figures.meetings, figures.attendees, figures.hours, figures.new_ideas, figures.implemented]
    if any(c.suppressed for c in cells) or any(c.suppressed for _, c in figures.by_bar):
        head.append(t(lang, "digest.hidden_note", min=min_people()))
    if figures.top_factor is None and figures.top_obstacle is None:
        head.append(t(lang, "digest.too_few_codes", min=min_people()))
    for kind, top in (("factor", figures.top_factor), ("obstacle", figures.top_obstacle)):
        if top is not None:
            code = config.code(kind, top[0])
            label = code.name(lang) if code else top[0]
            head.append(t(lang, f"digest.top_{kind}", name=esc(label), n=top[1]))
    caption = _caption(head, await _gap_lines(s, config, teams, lang), lang)
    values = [(label, c.value if not c.suppressed else None) for label, c in figures.by_bar]
    hidden = sum(v is None for _, v in values)
    if values and hidden == len(values):  # nothing to draw: the caption says it in words
        return Outgoing(caption + "\n\n" + t(lang, "digest.chart_all_hidden", min=min_people()))
    note = t(lang, "digest.chart_hidden", hidden=hidden, total=len(values), min=min_people()) if hidden else ""
    per_team = scope is None or len(scope) > 1
    axes = (t(lang, "digest.axis_team" if per_team else "digest.axis_day"), t(lang, "digest.axis_attendees"))
    chart = await asyncio.to_thread(
        bars,
        values,
        t(lang, "digest.chart_title", month=format_date(month.first, "MMMM", locale=lang)),
        t(lang, "digest.chart_empty"),
        axes,
        note,
    )
    return Outgoing(caption, photo=(chart, f"digest-{month.key}.png"))


def _count(cell: Cell) -> str:
    """A released count: the number, or the marker when it stands for too few people."""
    return MARKER if cell.suppressed else str(int(cell.value or 0))


def renderers(config: Config) -> dict[str, Renderer]:
    async def render(s: AsyncSession, row: Outbox) -> Outgoing | None:
        return await render_digest(s, row, config)

    return {digest.DIGEST: render}
