"""The evaluation report as a print-ready A4 PDF, made with ReportLab's page layout engine (platypus).

Why ReportLab: a mature library (since 2000, BSD licence) with wheels on PyPI for every platform and no system
libraries to install (WeasyPrint needs Pango and friends from the distribution); it lays out paragraphs,
tables that break across pages and images itself. The font is DejaVu Sans from matplotlib's own data folder
(already installed with the charts), so umlauts, „quotes“ and dashes print the same on every machine and the
PDF embeds the font. Every page carries the project's name and the period on top and "Seite n von m" below.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from models.reports.evaluation.document import Block, Document, KeyFigures, Paragraph, Picture, Quotes, Table

BLUE, GREY, LINE = "#1b6ca8", "#666666", "#cccccc"
FONT = "DejaVuSans"


@cache
def _fonts() -> Any:
    """Register DejaVu Sans (regular, bold, oblique) once; returns the font's glyph table for `_printable`."""
    import matplotlib
    from reportlab import rl_config
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    rl_config.useA85 = 0  # images as binary streams: smaller, and no pure-Python ASCII85 pass over every chart
    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    faces = {FONT: "DejaVuSans.ttf", f"{FONT}-Bold": "DejaVuSans-Bold.ttf", f"{FONT}-Oblique": "DejaVuSans-Oblique.ttf"}
    for name, file in faces.items():
        pdfmetrics.registerFont(TTFont(name, str(folder / file)))
    addMapping(FONT, 0, 0, FONT)
    addMapping(FONT, 1, 0, f"{FONT}-Bold")
    addMapping(FONT, 0, 1, f"{FONT}-Oblique")
    addMapping(FONT, 1, 1, f"{FONT}-Bold")
    return pdfmetrics.getFont(FONT).face.charToGlyph


def _printable(text: str) -> str:
    """Escaped for ReportLab's paragraph markup; characters the font lacks (emoji) dropped, not shown as boxes."""
    glyphs = _fonts()
    kept = "".join(ch for ch in text if ch in "\n\t" or ord(ch) in glyphs)
    return escape(kept).replace("\n", "<br/>")


def _styles() -> dict[str, Any]:
    from reportlab.lib.colors import HexColor
    from reportlab.lib.styles import ParagraphStyle

    base = ParagraphStyle("body", fontName=FONT, fontSize=10, leading=14, spaceAfter=6)
    return {
        "body": base,
        "note": ParagraphStyle("note", parent=base, fontSize=8.5, leading=11.5, textColor=HexColor(GREY)),
        "project": ParagraphStyle("project", parent=base, fontName=f"{FONT}-Bold", textColor=HexColor(BLUE)),
        "title": ParagraphStyle("title", parent=base, fontName=f"{FONT}-Bold", fontSize=20, leading=25, spaceAfter=4),
        "meta": ParagraphStyle("meta", parent=base, textColor=HexColor(GREY), spaceAfter=14),
        "h2": ParagraphStyle(
            "h2", parent=base, fontName=f"{FONT}-Bold", fontSize=14, leading=18, spaceBefore=14, spaceAfter=6,
            textColor=HexColor(BLUE), keepWithNext=1,
        ),
        "h3": ParagraphStyle("h3", parent=base, fontName=f"{FONT}-Bold", spaceBefore=6, spaceAfter=3, keepWithNext=1),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8.5, leading=10.5, spaceAfter=0),
        "num": ParagraphStyle("num", parent=base, fontSize=8.5, leading=10.5, spaceAfter=0, alignment=2),
        "figure": ParagraphStyle("figure", parent=base, fontName=f"{FONT}-Bold", fontSize=15, leading=18,
                                 textColor=HexColor(BLUE), spaceAfter=0),
        "figlabel": ParagraphStyle("figlabel", parent=base, fontSize=8, leading=10, spaceAfter=0),
        "quote": ParagraphStyle("quote", parent=base, leftIndent=12, fontName=f"{FONT}-Oblique", spaceAfter=3),
    }


def _table(block: Table, st: dict[str, Any], width: float) -> list[Any]:
    """A grid with a tinted head row repeated on every page; the first column for words, the rest numbers."""
    from reportlab.lib.colors import HexColor
    from reportlab.platypus import Paragraph as P
    from reportlab.platypus import Spacer, TableStyle
    from reportlab.platypus import Table as T

    def cell(text: str, column: int, bold: bool = False) -> Any:
        markup = f"<b>{_printable(text)}</b>" if bold else _printable(text)
        return P(markup, st["cell"] if column < block.keys else st["num"])

    data = [[cell(h, i, True) for i, h in enumerate(block.head)]]
    data += [[cell(v, i, n in block.strong) for i, v in enumerate(row)] for n, row in enumerate(block.rows)]
    table = T(data, colWidths=_widths(block, width), repeatRows=1, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, HexColor(LINE)),
                ("BACKGROUND", (0, 0), (-1, 0), HexColor("#eef3f8")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    out: list[Any] = [table]
    if block.title:
        out.insert(0, P(_printable(block.title), st["h3"]))
    if block.caption:
        out.append(P(_printable(block.caption), st["note"]))
    else:  # room below the grid, so a chart that follows does not cover the table's bottom line
        out.append(Spacer(1, 6))
    return out


def _widths(block: Table, width: float) -> list[float]:
    """Column widths from the content: each column gets at least its longest word, the rest of the line goes
    to the columns in proportion to how much wider their whole texts are, so words break between, not inside."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    pad, size = 13.0, 8.5
    natural, minimal = [], []
    for i, head in enumerate(block.head):
        texts = [(head, f"{FONT}-Bold"), *((row[i], FONT) for row in block.rows if i < len(row))]
        natural.append(pad + max(stringWidth(_plain(x), font, size) for x, font in texts))
        words = [(w, font) for x, font in texts for w in _plain(x).split()] or [("", FONT)]
        minimal.append(pad + max(stringWidth(w, font, size) for w, font in words))
    if sum(natural) <= width:
        return [n * width / sum(natural) for n in natural]
    if sum(minimal) >= width:
        return [m * width / sum(minimal) for m in minimal]
    room, wish = width - sum(minimal), [n - m for n, m in zip(natural, minimal, strict=True)]
    return [m + room * w / sum(wish) for m, w in zip(minimal, wish, strict=True)]


def _key_figures(block: KeyFigures, st: dict[str, Any], width: float) -> Any:
    from reportlab.lib.colors import HexColor
    from reportlab.platypus import Paragraph as P
    from reportlab.platypus import Table as T
    from reportlab.platypus import TableStyle

    per_row = 4 if len(block.items) > 9 else 3
    cells = [[P(_printable(value), st["figure"]), P(_printable(label), st["figlabel"])] for label, value in block.items]
    rows = [cells[i : i + per_row] for i in range(0, len(cells), per_row)]
    if rows:
        rows[-1] += [[] for _ in range(per_row - len(rows[-1]))]
    table = T(rows, colWidths=[width / per_row] * per_row, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 0.6, HexColor("#cfdbe6")),
                ("INNERGRID", (0, 0), (-1, -1), 0.6, HexColor("#cfdbe6")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    return table


def _picture(block: Picture, width: float) -> Any:
    from reportlab.lib.utils import ImageReader
    from reportlab.platypus import Image

    w_px, h_px = ImageReader(io.BytesIO(block.png)).getSize()
    w = width * block.width
    image = Image(io.BytesIO(block.png), width=w, height=w * h_px / w_px)
    image.hAlign = "LEFT"
    return image


def _flowables(block: Block, st: dict[str, Any], width: float) -> list[Any]:
    from reportlab.platypus import KeepTogether, Spacer
    from reportlab.platypus import Paragraph as P

    if isinstance(block, Paragraph):
        return [P(_printable(block.text), st["note" if block.note else "body"])]
    if isinstance(block, KeyFigures):
        return [_key_figures(block, st, width), Spacer(1, 8)]
    if isinstance(block, Table):
        return _table(block, st, width)
    if isinstance(block, Picture):
        return [_picture(block, width), Spacer(1, 6)]
    assert isinstance(block, Quotes)
    quotes = [P(f"„{_printable(said)}“ <font color='{GREY}' size='8'>– {escape(who)}</font>", st["quote"])
              for who, said in block.items]
    return [KeepTogether([P(_printable(block.heading), st["h3"]), *quotes[:2]]), *quotes[2:]]


def render(doc: Document) -> tuple[bytes, int]:
    """The report as PDF bytes and its number of pages (A4, 2 cm margins, running head and page numbers)."""
    from reportlab.lib.colors import HexColor
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import cm
    from reportlab.pdfgen.canvas import Canvas
    from reportlab.platypus import KeepTogether, SimpleDocTemplate
    from reportlab.platypus import Paragraph as P

    _fonts()
    st = _styles()
    page_w, page_h = A4
    margin = 2 * cm

    class NumberedCanvas(Canvas):  # type: ignore[misc]
        """Keeps every page until the end, so each footer can say how many pages there are."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 (ReportLab's name)
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            counted.append(len(self._pages))
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                self._decorate(number, len(self._pages))
                super().showPage()
            super().save()

        def _decorate(self, number: int, pages: int) -> None:
            self.saveState()
            self.setFont(FONT, 8)
            self.setFillColor(HexColor(GREY))
            self.setStrokeColor(HexColor(LINE))
            if number > 1:
                self.drawString(margin, page_h - 1.3 * cm, _plain(doc.project))
                self.drawRightString(page_w - margin, page_h - 1.3 * cm, _plain(f"{doc.title} · {doc.period}"))
                self.line(margin, page_h - 1.45 * cm, page_w - margin, page_h - 1.45 * cm)
            footer = doc.page_label.format(page=number, pages=pages)
            self.drawCentredString(page_w / 2, 1.2 * cm, footer)
            self.restoreState()

    counted: list[int] = []
    buf = io.BytesIO()
    template = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=margin,
        rightMargin=margin,
        topMargin=margin,
        bottomMargin=margin,
        title=f"{doc.title} – {doc.project}",
        author=doc.project,
        subject=doc.period,
        lang=doc.lang,
    )
    width = page_w - 2 * margin
    story: list[Any] = [
        P(_printable(doc.project), st["project"]),
        P(_printable(doc.title), st["title"]),
        P(f"{_printable(doc.subtitle)}<br/>{_printable(doc.period)}<br/>{_printable(doc.generated)}", st["meta"]),
    ]
    for number, section in enumerate(doc.sections, start=1):
        flowables = [f for block in section.blocks for f in _flowables(block, st, width)]
        head = P(f"{number}&nbsp;&nbsp;{_printable(section.title)}", st["h2"])
        story.append(KeepTogether([head, *flowables[:2]]))  # never a heading and its intro alone at a page's foot
        story.extend(flowables[2:])
    template.build(story, canvasmaker=NumberedCanvas)
    return buf.getvalue(), counted[0]


def _plain(text: str) -> str:
    glyphs = _fonts()
    return "".join(ch for ch in text if ord(ch) in glyphs)
