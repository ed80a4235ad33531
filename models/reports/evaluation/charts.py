"""The evaluation report's charts (PNG at print resolution), drawn from the figures' tables.

Headless matplotlib through its object API (no pyplot state), so a worker thread can draw while the bot keeps
answering; DejaVu Sans like the PDF's text. A hidden cell (None) is never drawn as a value: its place gets the
marker "•" in grey on the base line and the x-axis label says how many values are not shown (`note`); a chart
whose values are all hidden is not drawn at all (models/reports/evaluation/content.py says so in a sentence).
Counts start at zero; every axis has a label with its unit.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from typing import Any

from models.reports.charts import COLOURS

DPI = 150
Y_LABEL_WIDTH = 28  # characters per line of a y-axis label: "Mittelwert (1 = gar nicht, 5 = sehr nützlich)"


def _figure(width: float = 7.5, height: float = 3.2) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=DPI)
    FigureCanvasAgg(fig)
    return fig


def _png(fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png")
    return buf.getvalue()


MARK = "•"
GREY = "#888888"


def _axes(ax: Any, x: str, y: str, note: str = "") -> None:
    """Axis labels with their units; the note on hidden values under the x label, where it cannot be missed."""
    ax.set_xlabel(f"{x}\n{note}" if note else x, fontsize=7)
    ax.set_ylabel(textwrap.fill(y, Y_LABEL_WIDTH, break_long_words=False), fontsize=7)  # fits a low chart's height


def _marks(ax: Any, places: Sequence[float], horizontal: bool = False, base: Sequence[float] = ()) -> None:
    """The marker where a value is hidden: on the base line (or on top of the shown part of a stack)."""
    for k, at in enumerate(places):
        b = base[k] if base else 0.0
        xy = (b, at) if horizontal else (at, b)
        ax.annotate(MARK, xy, ha="left" if horizontal else "center", va="center" if horizontal else "bottom",
                    color=GREY, fontsize=9, xytext=(2, 0) if horizontal else (0, 1), textcoords="offset points")


def _zero(values: Sequence[float | None]) -> list[float]:
    return [v or 0.0 for v in values]


def _style(ax: Any, title: str, empty: str | None = None) -> None:
    ax.set_title(title, fontsize=10, loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(labelsize=7)
    if empty:
        ax.text(0.5, 0.5, empty, ha="center", va="center", transform=ax.transAxes, color="#777")
        ax.set_xticks([])
        ax.set_yticks([])


def _month_ticks(ax: Any, months: Sequence[str]) -> None:
    """At most about a dozen labels: every n-th month."""
    step = max(1, (len(months) + 11) // 12)
    ax.set_xticks(range(0, len(months), step))
    ax.set_xticklabels([months[i] for i in range(0, len(months), step)], rotation=45, ha="right")


def monthly_bars(
    months: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    title: str,
    empty: str,
    axes: tuple[str, str] = ("", ""),
    note: str = "",
) -> bytes:
    """Bars per month, stacked by series (one series: plain bars); a hidden value (None) is marked "•"."""
    fig = _figure()
    ax = fig.add_subplot()
    if not months:
        _style(ax, title, empty)
        return _png(fig)
    bottoms = [0.0] * len(months)
    hidden: dict[int, None] = {}
    for i, (label, values) in enumerate(series):
        hidden.update({k: None for k, v in enumerate(values) if v is None})
        ax.bar(range(len(months)), _zero(values), bottom=bottoms, label=label, color=COLOURS[i % len(COLOURS)])
        bottoms = [b + v for b, v in zip(bottoms, _zero(values), strict=True)]
    _marks(ax, list(hidden), base=[bottoms[k] for k in hidden])
    ax.set_ylim(bottom=0)
    _month_ticks(ax, months)
    _axes(ax, *axes, note)
    _style(ax, title)
    if len(series) > 1:  # beside the plot, never on a bar
        ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return _png(fig)


def monthly_line(
    months: Sequence[str],
    values: Sequence[float | None],
    title: str,
    empty: str,
    top: float,
    axes: tuple[str, str] = ("", ""),
    note: str = "",
) -> bytes:
    fig = _figure(7.5, 2.6)
    ax = fig.add_subplot()
    points = [(i, v) for i, v in enumerate(values) if v is not None]
    if not points:
        _style(ax, title, empty)
        return _png(fig)
    ax.plot([i for i, _ in points], [v for _, v in points], marker="o", markersize=3, color=COLOURS[0])
    _marks(ax, [i for i, v in enumerate(values) if v is None])
    ax.set_ylim(0, top)
    _month_ticks(ax, months)
    _axes(ax, *axes, note)
    _style(ax, title)
    return _png(fig)


def code_bars(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    title: str,
    empty: str,
    axis: str = "",
    note: str = "",
) -> bytes:
    """Horizontal bars per code (most named on top), one bar per source side by side."""
    fig = _figure(7.5, max(1.8, 0.42 * len(labels) + 0.9))
    ax = fig.add_subplot()
    if not labels:
        _style(ax, title, empty)
        return _png(fig)
    height = 0.8 / max(len(series), 1)
    for i, (label, values) in enumerate(series):
        ys = [len(labels) - 1 - k + (i - (len(series) - 1) / 2) * height for k in range(len(labels))]
        ax.barh(ys, _zero(values), height=height, label=label, color=COLOURS[i % len(COLOURS)])
        _marks(ax, [y for y, v in zip(ys, values, strict=True) if v is None], horizontal=True)
    ax.set_yticks(range(len(labels)))
    ax.set_yticklabels(list(reversed(labels)))
    ax.set_xlim(left=0)
    _axes(ax, axis, "", note)
    _style(ax, title)
    ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))  # never on a bar
    return _png(fig)


def category_bars(
    labels: Sequence[str],
    values: Sequence[float | None],
    title: str,
    empty: str,
    axes: tuple[str, str] = ("", ""),
    note: str = "",
) -> bytes:
    fig = _figure(7.5, 2.6)
    ax = fig.add_subplot()
    if not labels or not any(values):
        _style(ax, title, empty)
        return _png(fig)
    bars = ax.bar(labels, _zero(values), color=COLOURS[0])
    ax.bar_label(bars, labels=[MARK if v is None else f"{v:g}" for v in values], fontsize=7)
    ax.margins(y=0.15)
    ax.set_ylim(bottom=0)
    _axes(ax, *axes, note)
    _style(ax, title)
    return _png(fig)


def grouped_bars(
    groups: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    title: str,
    empty: str,
    legend: str = "",
    axes: tuple[str, str] = ("", ""),
    note: str = "",
) -> bytes:
    """Bars per group (e.g. home town), one bar per series (e.g. meeting town) side by side."""
    fig = _figure(7.5, 2.8)
    ax = fig.add_subplot()
    if not groups or not series:
        _style(ax, title, empty)
        return _png(fig)
    width = 0.8 / len(series)
    for i, (label, values) in enumerate(series):
        xs = [g + (i - (len(series) - 1) / 2) * width for g in range(len(groups))]
        ax.bar(xs, _zero(values), width=width, label=label, color=COLOURS[i % len(COLOURS)])
        _marks(ax, [x for x, v in zip(xs, values, strict=True) if v is None])
    ax.set_xticks(range(len(groups)))
    ax.set_xticklabels(groups)
    ax.set_ylim(bottom=0)
    _axes(ax, *axes, note)
    _style(ax, title)
    ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0), title=legend or None,
              title_fontsize=7)
    return _png(fig)
