"""A workshop's handout as a printable A4 PDF: "Was aus euren Ideen wurde" – each imported idea with its team,
status, the project's latest answer, the towns' answers so far and a QR code to `t.me/<bot>?start=idea-<n>`,
which follows the idea (registration first for newcomers).

Printed at the workshop it tells participants where to follow their ideas; printed again later it is the report
back to the next workshop. Large type (13 pt body) for reading on paper at arm's length. ReportLab and the font
setup are those of the evaluation report (models/reports/evaluation/pdf.py); the QR codes are made by segno
(pure Python, maintained, no dependencies) as vector drawings, so they print sharp at any size.
"""

from __future__ import annotations

import html
import io
import re
from datetime import datetime
from typing import Any

from core.config import Config
from core.texts import format_day, t
from handlers.ideas.origin import workshop_day
from handlers.ideas.routing_views import route_lines
from models.ideas.handout import DEEP_LINK, Item
from models.reports.evaluation.pdf import FONT, _fonts, _printable
from models.tables import Workshop

BODY_PT, LEADING = 13, 17
QR_MM = 30
_TAG = re.compile(r"<[^>]+>")


def link(bot_username: str, idea_id: int) -> str:
    return f"https://t.me/{bot_username}?start={DEEP_LINK}{idea_id}"


def _plain(telegram_html: str) -> str:
    """A catalogue line made for Telegram (tags, entities) as plain text for the page."""
    return html.unescape(_TAG.sub("", telegram_html))


def _qr(url: str, size: float) -> Any:
    """The link as a QR code drawing of `size` points (segno's matrix drawn as squares)."""
    import segno
    from reportlab.graphics.shapes import Drawing, Rect
    from reportlab.lib.colors import black

    code = segno.make(url, error="m", micro=False)
    matrix = [list(row) for row in code.matrix]
    border = 2
    cells = len(matrix) + 2 * border
    unit = size / cells
    drawing = Drawing(size, size)
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                top = size - (y + border + 1) * unit
                drawing.add(Rect((x + border) * unit, top, unit, unit, fillColor=black, strokeColor=None))
    return drawing


def _styles() -> dict[str, Any]:
    from reportlab.lib.colors import HexColor
    from reportlab.lib.styles import ParagraphStyle

    body = ParagraphStyle("hbody", fontName=FONT, fontSize=BODY_PT, leading=LEADING, spaceAfter=3)
    return {
        "body": body,
        "title": ParagraphStyle("htitle", parent=body, fontName=f"{FONT}-Bold", fontSize=22, leading=27),
        "meta": ParagraphStyle("hmeta", parent=body, textColor=HexColor("#444444"), spaceAfter=10),
        "idea": ParagraphStyle("hidea", parent=body, fontName=f"{FONT}-Bold", fontSize=14, leading=18),
        "small": ParagraphStyle("hsmall", parent=body, fontSize=12, leading=15, textColor=HexColor("#333333")),
    }


def render(config: Config, workshop: Workshop, items: list[Item], bot_username: str, lang: str, now: datetime) -> bytes:
    """The handout's PDF bytes: a title block, then one block per idea (kept on one page) with its QR code."""
    from reportlab.lib.colors import HexColor
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    _fonts()
    st = _styles()
    day = workshop_day(config, workshop, lang)
    made = format_day(now, lang, config.time_zone)
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=t(lang, "handout.title"),
        author=config.project_name,
    )
    story: list[Any] = [
        Paragraph(_printable(t(lang, "handout.title")), st["title"]),
        Paragraph(_printable(t(lang, "handout.workshop", name=workshop.name, day=day)), st["body"]),
        Paragraph(_printable(t(lang, "handout.intro", bot=bot_username, day=made)), st["meta"]),
    ]
    if not items:
        story.append(Paragraph(_printable(t(lang, "handout.none")), st["body"]))
    text_width = doc.width - QR_MM * mm - 6 * mm
    for item in items:
        idea = item.idea
        field = config.field_of_action(idea.field)
        status = t(lang, f"ideas.status_{idea.status}")
        team = item.team.name(lang) if item.team else t(lang, "handout.no_team")
        cells: list[Any] = [
            Paragraph(_printable(f"#{idea.id} · {idea.text}"), st["idea"]),
            Paragraph(
                _printable(
                    t(lang, "handout.facts", field=field.name(lang) if field else idea.field, team=team, status=status)
                ),
                st["body"],
            ),
        ]
        if item.answer is not None:
            answer = t(lang, "handout.answer", text=" ".join(item.answer.text.split())[:600])
            cells.append(Paragraph(_printable(answer), st["body"]))
        lines = [_plain(line) for line in route_lines(config, item.routes, lang)]
        if lines:
            cells.append(Paragraph(_printable(t(lang, "handout.towns")), st["body"]))
            cells += [Paragraph(_printable("– " + line), st["body"]) for line in lines]
        elif idea.status not in ("rejected", "merged"):
            cells.append(Paragraph(_printable(t(lang, "handout.no_town_answer")), st["small"]))
        cells.append(Paragraph(_printable(t(lang, "handout.scan", link=link(bot_username, idea.id))), st["small"]))
        qr = _qr(link(bot_username, idea.id), QR_MM * mm)
        table = Table([[cells, qr]], colWidths=[text_width, QR_MM * mm + 6 * mm])
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LINEABOVE", (0, 0), (-1, 0), 0.6, HexColor("#999999")),
                    ("TOPPADDING", (0, 0), (-1, -1), 8),
                    ("LEFTPADDING", (0, 0), (0, 0), 0),
                ]
            )
        )
        story += [KeepTogether([table]), Spacer(1, 4)]

    def footer(canvas: Any, document: Any) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 10)
        canvas.setFillColor(HexColor("#555555"))
        canvas.drawString(18 * mm, 9 * mm, _plain(config.project_name))
        canvas.drawRightString(A4[0] - 18 * mm, 9 * mm, t(lang, "handout.page", page=document.page))
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()


def file_name(workshop: Workshop) -> str:
    return f"handzettel-{workshop.key}.pdf"
