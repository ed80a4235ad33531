"""The evaluation report's charts (PNG at print resolution), drawn from the figures' tables.

Headless matplotlib through its object API (no pyplot state), so a worker thread can draw while the bot keeps
answering; DejaVu Sans like the PDF's text. Suppressed cells ("< 5") are left out of a chart, and the caption
says so: a bar never shows a number the tables hide.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from models.reports.charts import COLOURS

DPI = 150


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


def monthly_bars(months: Sequence[str], series: Sequence[tuple[str, Sequence[float]]], title: str, empty: str) -> bytes:
    """Bars per month, stacked by series (one series: plain bars)."""
    fig = _figure()
    ax = fig.add_subplot()
    if not months:
        _style(ax, title, empty)
        return _png(fig)
    bottoms = [0.0] * len(months)
    for i, (label, values) in enumerate(series):
        ax.bar(range(len(months)), values, bottom=bottoms, label=label, color=COLOURS[i % len(COLOURS)])
        bottoms = [b + v for b, v in zip(bottoms, values, strict=True)]
    _month_ticks(ax, months)
    _style(ax, title)
    if len(series) > 1:  # beside the plot, never on a bar
        ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return _png(fig)


def monthly_line(months: Sequence[str], values: Sequence[float | None], title: str, empty: str, top: float) -> bytes:
    fig = _figure(7.5, 2.6)
    ax = fig.add_subplot()
    points = [(i, v) for i, v in enumerate(values) if v is not None]
    if not points:
        _style(ax, title, empty)
        return _png(fig)
    ax.plot([i for i, _ in points], [v for _, v in points], marker="o", markersize=3, color=COLOURS[0])
    ax.set_ylim(0, top)
    _month_ticks(ax, months)
    _style(ax, title)
    return _png(fig)


def code_bars(labels: Sequence[str], series: Sequence[tuple[str, Sequence[float]]], title: str, empty: str) -> bytes:
    """Horizontal bars per code (most named on top), one bar per source side by side."""
    fig = _figure(7.5, max(1.8, 0.42 * len(labels) + 0.9))
    ax = fig.add_subplot()
    if not labels:
        _style(ax, title, empty)
        return _png(fig)
    height = 0.8 / max(len(series), 1)
    for i, (label, values) in enumerate(series):
        ys = [len(labels) - 1 - k + (i - (len(series) - 1) / 2) * height for k in range(len(labels))]
        ax.barh(ys, values, height=height, label=label, color=COLOURS[i % len(COLOURS)])
    ax.set_yticks(range(len(labels)))
    ax.set_yticklabels(list(reversed(labels)))
    _style(ax, title)
    ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))  # never on a bar
    return _png(fig)


def category_bars(labels: Sequence[str], values: Sequence[float], title: str, empty: str) -> bytes:
    fig = _figure(7.5, 2.6)
    ax = fig.add_subplot()
    if not labels or not any(values):
        _style(ax, title, empty)
        return _png(fig)
    bars = ax.bar(labels, values, color=COLOURS[0])
    ax.bar_label(bars, fontsize=7, fmt="%g")
    ax.margins(y=0.15)
    _style(ax, title)
    return _png(fig)


def grouped_bars(
    groups: Sequence[str], series: Sequence[tuple[str, Sequence[float]]], title: str, empty: str, legend: str = ""
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
        ax.bar(xs, values, width=width, label=label, color=COLOURS[i % len(COLOURS)])
    ax.set_xticks(range(len(groups)))
    ax.set_xticklabels(groups)
    _style(ax, title)
    ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0), title=legend or None,
              title_fontsize=7)
    return _png(fig)
