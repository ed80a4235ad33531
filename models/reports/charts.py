"""Charts (PNG) and the one-file HTML report, drawn from `models.reports.stats.Overview`.

Operational figures for the project manager: exact counts, small groups included (docs/evaluation.md, "Who sees
what"). `bars` also draws the monthly digest's chart, whose numbers come already released.

Nothing here touches Telegram or the database. Matplotlib runs headless through its object API (a `Figure`
with the Agg canvas, no pyplot state), so charts can be drawn in a worker thread while the bot keeps
answering. Labels come from the caller: `names` turns codes into words, `say` gives the report's texts in
the reader's language, so the same functions serve the chat (German or English) and the command line.
"""

from __future__ import annotations

import base64
import html
import io
import textwrap
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from models.reports.stats import Overview
from models.reports.suppression import MARKER

Say = Callable[..., str]  # say("chart_members") -> "Mitglieder nach Ort und Gruppe"
Names = Callable[[str, str], str]  # names("town", "saalfeld") -> "Saalfeld"
LABEL_WIDTH = 16  # characters per line of a category's name under a bar (about a bar's width at 8 inches)
COLOURS = ("#1b6ca8", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#9c755f")


@dataclass(frozen=True)
class Chart:
    key: str  # members, ideas, attendance, absences
    title: str
    png: bytes


def _figure(width: float = 8, height: float = 4.5) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(fig)
    return fig


def _png(fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def _order(counts: Counter[tuple[str, str]], position: int) -> list[str]:
    totals: Counter[str] = Counter()
    for key, n in counts.items():
        totals[key[position]] += n
    return [k for k, _ in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))]


def stacked_bars(
    counts: Counter[tuple[str, str]],
    x_kind: str,
    stack_kind: str,
    title: str,
    names: Names,
    empty: str,
    axes: tuple[str, str] = ("", ""),
) -> bytes:
    """Bars per first key (e.g. town), stacked by the second (e.g. group). Long names ("Bürgerschaftliches
    Engagement") break into lines, so neighbouring names under the bars never run into each other."""
    fig = _figure()
    ax = fig.add_subplot()
    xs, stacks = _order(counts, 0), _order(counts, 1)
    bottoms = [0] * len(xs)
    for i, stack in enumerate(stacks):
        heights = [counts.get((x, stack), 0) for x in xs]
        ax.bar(
            [textwrap.fill(names(x_kind, x), LABEL_WIDTH, break_long_words=False) for x in xs],
            heights,
            bottom=bottoms,
            label=names(stack_kind, stack),
            color=COLOURS[i % len(COLOURS)],
        )
        bottoms = [b + h for b, h in zip(bottoms, heights, strict=True)]
    _finish(ax, title, empty if not xs else None, legend=bool(stacks), axes=axes)
    return _png(fig)


def _finish(
    ax: Any,
    title: str,
    empty: str | None,
    legend: bool = True,
    horizontal: bool = False,
    axes: tuple[str, str] = ("", ""),
) -> None:
    """Title, whole-number count axis starting at zero, axis labels (x, y) with their units, legend beside."""
    from matplotlib.ticker import MaxNLocator

    ax.set_title(title)
    ax.set_xlabel(axes[0])
    ax.set_ylabel(axes[1])
    (ax.xaxis if horizontal else ax.yaxis).set_major_locator(MaxNLocator(integer=True))
    ax.margins(**({"x": 0.1} if horizontal else {"y": 0.1}))  # room for the labels on top of the bars
    if not empty:  # counts: never below zero
        if horizontal:
            ax.set_xlim(0, max(ax.dataLim.x1 * 1.12, 1))
        else:
            ax.set_ylim(0, max(ax.dataLim.y1 * 1.12, 1))
    if empty:
        ax.text(0.5, 0.5, empty, ha="center", va="center", transform=ax.transAxes, color="#777")
        ax.set_xticks([])
        ax.set_yticks([])
    elif legend:  # beside the plot, so a swatch never sits on a bar of its own colour
        ax.legend(fontsize="small", frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.spines[["top", "right"]].set_visible(False)


def bars(
    items: Sequence[tuple[str, float | None]],
    title: str,
    empty: str,
    axes: tuple[str, str] = ("", ""),
    note: str = "",
) -> bytes:
    """Plain bars in the given order (e.g. attendees per meeting date, or per team), the value on each bar.
    Long labels (team names) make the bars horizontal, so the names stay readable. A hidden value (None, the
    digest's released figures) is no bar: the marker "•" in grey on the base line, and `note` under the x
    axis says how many are not shown. `axes`: the labels (categories, counts) with their units."""
    horizontal = any(len(label) > 10 for label, _ in items)
    fig = _figure(7, max(3.0, 1.2 + 0.5 * len(items)) if horizontal else 3.8)
    ax = fig.add_subplot()
    if items:
        labels, values = [label for label, _ in items], [n or 0 for _, n in items]
        marks = [MARKER if n is None else f"{n:g}" for _, n in items]
        places = range(len(items))
        if horizontal:
            drawn = ax.barh(places, values, height=0.6, color=COLOURS[0])
            ax.set_yticks(places, labels)
            ax.invert_yaxis()  # the first item on top
        else:
            drawn = ax.bar(places, values, width=0.6, color=COLOURS[0])
            ax.set_xticks(places, labels)
            pad = max(0.0, (4 - len(items)) / 2)  # a single bar stays a bar, not a wall
            ax.set_xlim(-0.5 - pad, len(items) - 0.5 + pad)
        for bar, mark, (_, n) in zip(drawn, marks, items, strict=True):
            at = (bar.get_width(), bar.get_y() + bar.get_height() / 2) if horizontal else (
                bar.get_x() + bar.get_width() / 2, bar.get_height())
            ax.annotate(mark, at, xytext=(3, 0) if horizontal else (0, 2), textcoords="offset points",
                        fontsize=8 if n is not None else 18, color="#888888" if n is None else "black",
                        ha="left" if horizontal else "center", va="center" if horizontal else "bottom")
    x, y = (axes[1], axes[0]) if horizontal else axes
    if note:  # under the x axis in both layouts, where it cannot be missed
        x = f"{x}\n{note}" if x else note
    _finish(ax, title, None if items else empty, legend=False, horizontal=horizontal, axes=(x, y))
    return _png(fig)


def attendance_chart(overview: Overview, names: Names, say: Say) -> bytes:
    """Per month: members present, stacked by their town; the number of meetings held on top of each bar."""
    months = overview.meetings.months
    counts: Counter[tuple[str, str]] = Counter()
    for m in months:
        for town, n in m.attended_by_town.items():
            counts[(m.month, town)] += n
    fig = _figure()
    ax = fig.add_subplot()
    labels = [m.month for m in months]
    towns = _order(counts, 1)
    bottoms = [0] * len(months)
    for i, town in enumerate(towns):
        heights = [counts.get((m.month, town), 0) for m in months]
        ax.bar(labels, heights, bottom=bottoms, label=names("town", town), color=COLOURS[i % len(COLOURS)])
        bottoms = [b + h for b, h in zip(bottoms, heights, strict=True)]
    if len(months) <= 12:  # more would overlap: the table below has them
        for x, (top, m) in enumerate(zip(bottoms, months, strict=True)):
            ax.annotate(say("chart_meetings_held", count=m.meetings), (x, top), ha="center", va="bottom", fontsize=8)
    if len(months) > 6:
        ax.tick_params(axis="x", labelrotation=45)
    _finish(ax, say("chart_attendance"), say("chart_empty") if not months else None, legend=bool(towns),
            axes=(say("axis_month"), say("axis_present")))
    return _png(fig)


def absence_chart(overview: Overview, names: Names, say: Say) -> bytes:
    reasons = overview.absences.reasons.most_common()
    fig = _figure(8, 3.5)
    ax = fig.add_subplot()
    ax.barh([names("reason", r) for r, _ in reversed(reasons)], [n for _, n in reversed(reasons)], color=COLOURS[3])
    _finish(ax, say("chart_absences"), say("chart_empty") if not reasons else None, legend=False, horizontal=True,
            axes=(say("axis_declines"), ""))
    return _png(fig)


def charts(overview: Overview, names: Names, say: Say) -> list[Chart]:
    """The four charts of the report."""
    empty = say("chart_empty")
    members, ideas = overview.members.by_town_group, overview.ideas.by_field_status
    members_title, ideas_title = say("chart_members"), say("chart_ideas")
    return [
        Chart("members", members_title, stacked_bars(members, "town", "group", members_title, names, empty,
                                                     (say("axis_town"), say("axis_members")))),
        Chart("ideas", ideas_title, stacked_bars(ideas, "field", "idea_status", ideas_title, names, empty,
                                                 (say("axis_field"), say("axis_ideas")))),
        Chart("attendance", say("chart_attendance"), attendance_chart(overview, names, say)),
        Chart("absences", say("chart_absences"), absence_chart(overview, names, say)),
    ]


def _mix(by_town: Counter[str], names: Names) -> str:
    return ", ".join(f"{names('town', k)} {n}" for k, n in by_town.most_common())


def _table(head: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    out = ["<table><thead><tr>", *(f"<th>{html.escape(str(h))}</th>" for h in head), "</tr></thead><tbody>"]
    for row in rows:
        out.append("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _cross(counts: Counter[tuple[str, str]], row_kind: str, col_kind: str, names: Names, total: str) -> str:
    """Rows × columns with row totals, exact (operational: for the project manager)."""
    rows, cols = _order(counts, 0), _order(counts, 1)

    def cell(n: int) -> str:
        return str(n)

    body = [
        [
            names(row_kind, r),
            *(cell(counts.get((r, c), 0)) for c in cols),
            cell(sum(counts.get((r, c), 0) for c in cols)),
        ]
        for r in rows
    ]
    return _table(["", *(names(col_kind, c) for c in cols), total], body)


STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}"
    "table{border-collapse:collapse;margin:.5rem 0 1.5rem}td,th{border:1px solid #ccc;padding:.25rem .6rem;"
    "text-align:right}td:first-child,th:first-child{text-align:left}img{max-width:100%}"
)


def html_report(overview: Overview, chart_list: Sequence[Chart], names: Names, say: Say, summary: str) -> str:
    """One self-contained HTML file: summary, the charts as data URIs, and the tables behind them."""
    o, e = overview, html.escape
    parts = [
        f"<!doctype html><html><head><meta charset='utf-8'><title>{e(say('html_title'))}</title>",
        f"<style>{STYLE}</style></head><body><h1>{e(say('html_title'))}</h1>",
        f"<p>{e(summary).replace(chr(10), '<br>')}</p>",
    ]
    for chart in chart_list:
        data = base64.b64encode(chart.png).decode()
        parts.append(f"<h2>{e(chart.title)}</h2><img alt='{e(chart.title)}' src='data:image/png;base64,{data}'>")
    parts.append(f"<h2>{e(say('html_members'))}</h2>")
    parts.append(_cross(o.members.by_town_group, "town", "group", names, say("html_total")))
    parts.append(f"<h2>{e(say('html_teams'))}</h2>")
    team_rows = [
        [names("team", t.slug), t.members, t.leads, _mix(t.by_town, names)]
        for t in o.members.teams
    ]
    parts.append(_table([say("html_team"), say("html_members_n"), say("html_leads"), say("html_town_mix")], team_rows))
    parts.append(f"<h2>{e(say('html_ideas'))}</h2>")
    parts.append(_cross(o.ideas.by_field_status, "field", "idea_status", names, say("html_total")))
    parts.append(f"<h2>{e(say('html_absences'))}</h2>")
    reasons = [[names("reason", r), n] for r, n in o.absences.reasons.most_common()]
    parts.append(_table(["", say("html_count")], reasons))
    parts.append(f"<h2>{e(say('html_reach'))}</h2>")
    reach_rows = [
        [a.id, a.created_at.date().isoformat(), a.recipients, a.delivered, a.unreachable, a.failed, a.open]
        for a in o.reach.announcements
    ]
    head = ["#", say("html_date"), say("html_recipients"), say("html_delivered"), say("html_unreachable")]
    parts.append(_table([*head, say("html_failed"), say("html_open")], reach_rows))
    parts.append("</body></html>")
    return "\n".join(parts)
