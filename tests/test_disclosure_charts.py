"""The evaluation report's charts (docs/evaluation.md, "Charts"): a hidden value is marked "•" and the chart says
how many values are not shown; a chart whose values are all hidden becomes a sentence; count axes start at zero;
every axis with values has a label. The drawn figures are caught before they become pictures and looked at."""

from __future__ import annotations

from typing import Any

from models.reports.evaluation import charts
from models.reports.evaluation.document import Paragraph
from tests.report_helpers import config
from tests.test_disclosure_report import report, walkthrough


async def drawn_report(db, monkeypatch) -> tuple[list[Any], Any]:
    figures: list[Any] = []

    def catch(fig: Any) -> bytes:
        figures.append(fig)
        return b"\x89PNG"

    monkeypatch.setattr(charts, "_png", catch)
    cfg = config(db.url)
    await walkthrough(db, cfg)
    _fig, doc = await report(db, cfg)
    return figures, doc


async def test_hidden_values_are_marked_and_counted_and_axes_are_labelled_from_zero(db, monkeypatch):
    figures, _doc = await drawn_report(db, monkeypatch)
    drawn = [fig.axes[0] for fig in figures if fig.axes[0].get_title(loc="left")]
    assert drawn
    for ax in drawn:
        title = ax.get_title(loc="left")
        if not ax.get_xticks().size and not ax.get_yticks().size:
            continue  # an empty chart: its sentence in the middle
        assert ax.get_xlabel().strip(), title
        horizontal = bool(ax.get_yticklabels()) and not ax.get_ylabel()
        low = ax.get_xlim()[0] if horizontal else ax.get_ylim()[0]
        assert low >= 0, title  # counts never run below zero
        if not horizontal:
            assert ax.get_ylabel().strip(), title
    use = next(ax for ax in drawn if ax.get_title(loc="left").startswith("Nutzen der Treffen"))
    assert "1 von 2 Werten nicht gezeigt" in use.get_xlabel()  # December: 3 answers
    # a chart's marker may also stand for a value hidden so that it cannot be worked out from a total (the demo's
    # "returning" members of September: about thirty): the note says both, as the tables' notes do
    assert "oder aus Summen errechenbar" in use.get_xlabel()
    assert any(t.get_text() == "•" for t in use.texts)  # its place marked, not a point at 0


async def test_a_chart_whose_values_are_all_hidden_is_a_sentence(db, monkeypatch):
    _figures, doc = await drawn_report(db, monkeypatch)
    said = [b.text for s in doc.sections for b in s.blocks if isinstance(b, Paragraph)]
    # the hours: December behind 3 people, November hidden with it (else the total would tell December)
    assert "Engagement-Stunden je Monat: Alle Werte stehen für weniger als 5 Personen und werden nicht gezeigt." in said


def test_a_long_y_label_stays_inside_a_low_chart(monkeypatch):
    """The usefulness chart's "Mittelwert (1 = gar nicht, 5 = sehr nützlich)" ran off the top of its 2.6-inch
    picture ("nützlich" cut off in the demo's report): long y labels break into lines."""
    caught: list[Any] = []
    monkeypatch.setattr(charts, "_png", lambda fig: caught.append(fig) or b"")
    charts.monthly_line(["2026-08", "2026-09", "2026-10"], [3.8, 3.7, 3.7], "Nutzen der Treffen je Monat", "leer", 5,
                        ("Monat", "Mittelwert (1 = gar nicht, 5 = sehr nützlich)"))
    fig = caught[0]
    fig.tight_layout()
    box = fig.axes[0].yaxis.label.get_window_extent(fig.canvas.get_renderer())
    assert 0 <= box.y0 and box.y1 <= fig.bbox.y1, (box, fig.bbox)
    assert "nützlich" in fig.axes[0].get_ylabel()
