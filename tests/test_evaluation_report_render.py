"""The evaluation report's document from hand-made figures: suppressed cells stay hidden in every rendering,
members' sentences are escaped, and the PDF is A4 with the project's name and page numbers on its pages."""

from datetime import UTC, datetime

from core.texts import t
from handlers.reports.evaluation_words import vocabulary
from models.reports.evaluation import content, html, pdf
from models.reports.evaluation.document import Quotes, Table
from models.reports.evaluation.sources import Sentence, Sources
from tests.evaluation_report_helpers import pdf_text, sample_figures
from tests.report_helpers import config

AT = datetime(2026, 11, 1, tzinfo=UTC)


def document(lang="de", sentences=()):
    cfg = config()
    vocab = vocabulary(cfg, lang)
    frame = content.Frame(lang, cfg.project_name, "1. Januar 2025", "31. Dezember 2026", "heute",
                          lambda key, **p: t(lang, f"evaluation_report.{key}", **p), vocab)
    return content.build(sample_figures(vocab), Sources(500, 400, None, list(sentences)), frame)


def test_every_section_of_an_interim_report_is_there_in_order():
    assert [s.key for s in document().sections] == [
        "summary", "participation", "cooperation", "fields", "factors", "obstacles", "limits", "method"
    ]


def test_a_hidden_cell_is_shown_as_the_marker_and_explained_under_its_table():
    doc = document()
    tables = {b.title: b for s in doc.sections for b in s.blocks if isinstance(b, Table)}
    mix = tables["Zusammensetzung der Teams (Stand: letzter Monat mit Beitritten je Team)"]
    assert any("•" in row for row in mix.rows)
    assert "„•“: weniger als 5 Personen – nicht gezeigt" in mix.caption
    assert not any("< 5" in cell for t in tables.values() for row in t.rows for cell in row)
    assert "3" not in [cell for row in mix.rows for cell in row[1:]]  # the hidden value itself appears nowhere


def test_sentences_are_grouped_under_their_first_obstacle_and_escaped_in_html():
    said = Sentence("P-ABC123", "<script>alert(1)</script> Fahrt & Zeit", ("shared_goal",), ("travel_time",), AT)
    plain = Sentence("P-DEF456", "Einfach gut.", (), (), AT)
    doc = document(sentences=[said, plain])
    quotes = [b for s in doc.sections for b in s.blocks if isinstance(b, Quotes)]
    assert [(q.heading, q.items) for q in quotes] == [
        ("Hemmnis: Lange Fahrzeit (1 Satz)", [("P-ABC123", said.text)]),
        ("ohne Code: – (1 Satz)", [("P-DEF456", "Einfach gut.")]),
    ]
    page = html.render(doc)
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; Fahrt &amp; Zeit" in page
    data, pages = pdf.render(doc)
    assert "<script>alert(1)</script> Fahrt & Zeit" in pdf_text(data)


def test_the_pdf_is_a4_with_the_project_on_every_page_and_numbered_pages():
    from io import BytesIO

    from pypdf import PdfReader

    data, pages = pdf.render(document(lang="en"))
    reader = PdfReader(BytesIO(data))
    assert len(reader.pages) == pages > 3
    assert all(round(float(p.mediabox.width)) == 595 and round(float(p.mediabox.height)) == 842 for p in reader.pages)
    texts = [p.extract_text() for p in reader.pages]
    assert all("Demografiemanagement am Saalebogen" in x for x in texts)
    assert [f"Page {i} of {pages}" in x for i, x in enumerate(texts, start=1)] == [True] * pages


def test_the_summary_tells_the_headline_numbers_and_hides_a_top_code_behind_few_people():
    from models.reports.evaluation.document import KeyFigures, Paragraph

    summary = document().sections[0]
    figures = dict(next(b for b in summary.blocks if isinstance(b, KeyFigures)).items)
    assert (figures["Treffen mit Anwesenden"], figures["Stunden Engagement"], figures["Nutzen der Treffen (1–5)"]) == (
        "1.500", "44.640,5", "3,6"
    )
    said = [b.text for b in summary.blocks if isinstance(b, Paragraph)]
    hidden = "nicht gezeigt (weniger als 5 Personen)"
    assert f"Am häufigsten genanntes Hemmnis: „Lange Fahrzeit“, Nennungen: {hidden}." in said


def test_a_meeting_count_hidden_behind_few_people_is_not_told_as_zero():
    from models.evaluation.shapes import Cell
    from models.reports.evaluation.document import KeyFigures, Paragraph

    cfg = config()
    vocab = vocabulary(cfg, "de")
    figures = sample_figures(vocab)
    figures.summary.meetings = Cell.of(3, 3, True)
    frame = content.Frame("de", cfg.project_name, "1. Januar 2025", "31. Dezember 2026", "heute",
                          lambda key, **p: t("de", f"evaluation_report.{key}", **p), vocab)  # fmt: skip
    summary = content.build(figures, Sources(500, 400, None, []), frame).sections[0]
    assert dict(next(b for b in summary.blocks if isinstance(b, KeyFigures)).items)["Treffen mit Anwesenden"] == "•"
    said = " ".join(b.text for b in summary.blocks if isinstance(b, Paragraph))
    assert "Im Zeitraum fanden" not in said and "0 Treffen" not in said


def test_key_figures_compare_with_the_period_before_where_both_are_shown():
    import dataclasses

    from models.evaluation.shapes import Cell
    from models.reports.evaluation.document import KeyFigures, Paragraph

    cfg = config()
    vocab = vocabulary(cfg, "de")
    figures = sample_figures(vocab)
    before = dataclasses.replace(figures.summary, meetings=Cell.of(1200, 400), hours=Cell.of(44640.5, 1000),
                                 ideas_new=Cell.of(3, 3), answers=Cell.of(20500, 400))
    frame = content.Frame("de", cfg.project_name, "1. Januar 2025", "31. Dezember 2026", "heute",
                          lambda key, **p: t("de", f"evaluation_report.{key}", **p), vocab,
                          previous=before, previous_period="1. Januar 2023 – 31. Dezember 2024")  # fmt: skip
    summary = content.build(figures, Sources(500, 400, None, []), frame).sections[0]
    shown = dict(next(b for b in summary.blocks if isinstance(b, KeyFigures)).items)
    assert shown["Treffen mit Anwesenden"] == "1.500 (↑ 1.200)"
    assert shown["Antworten der Kurzumfrage"] == "19.992 (↓ 20.500)"
    assert shown["Stunden Engagement"] == "44.640,5"  # unchanged: no arrow
    assert shown["neue Ideen"] == "2.703"  # the period before is hidden (3 people): nothing to compare
    notes = [b.text for b in summary.blocks if isinstance(b, Paragraph)]
    assert "↑/↓ mit Wert: im Vergleich zum gleich langen Zeitraum davor (1. Januar 2023 – 31. Dezember 2024)." in notes


def test_a_table_without_a_note_keeps_room_before_a_chart_that_follows():
    """Page 6 of the demo's report: the chart below "Nutzen der Treffen (1–5) je Handlungsfeld" (a table with no
    note) sat on the table's bottom line and covered it."""
    from reportlab.platypus import Spacer

    bare = Table(["Handlungsfeld", "Mittelwert"], [["Fachkräfte", "3,7"]], title="Nutzen")
    flowables = pdf._flowables(bare, pdf._styles(), 400)
    assert isinstance(flowables[-1], Spacer) and flowables[-1].height >= 4
    noted = pdf._flowables(Table(["a", "b"], [["x", "1"]], caption="„•“: weniger als 5 Personen"), pdf._styles(), 400)
    assert not isinstance(noted[-1], Spacer)  # a note below already keeps the room
