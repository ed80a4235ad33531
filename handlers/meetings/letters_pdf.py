"""A meeting's printed invitations as one A4 PDF: a letter for every invited member with a postal address, then a
notice for the notice board ("Aushang") with a QR code to the team's invitation link.

The letters follow DIN 5008 form B, so the address shows in the window of a DL envelope when the page is folded
at the fold marks: address field 45 mm from the top and 20 mm from the left, 85 × 45 mm, the sender line at the
top of the window, the information block (the host's phone and e-mail, the date) to its right. Large type for
older readers: the address, the information block and the body in 14 pt or more; only the sender line, which is
for the post, and the page footer are smaller. Each letter is in its reader's language, the notice in the one
asked for. ReportLab, the fonts and the QR drawing are the workshop handout's (handlers/handout.py); the notice
names the host but prints only the project's contact, as it hangs in public.
"""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

from core.config import Config
from core.texts import format_when_long, t
from handlers.handout import _qr
from handlers.meetings.views import town_label
from handlers.teams import team_link
from models.meetings.letters import Letters, Recipient
from models.reports.evaluation.pdf import FONT, _fonts, _printable
from models.tables import Meeting

MM = 72 / 25.4  # points per millimetre
PAGE_W, PAGE_H = 210 * MM, 297 * MM
# DIN 5008 form B, in mm from the page's top left corner
WINDOW_X, WINDOW_TOP, WINDOW_W, WINDOW_H = 20, 45, 85, 45
INFO_X, INFO_TOP, INFO_W = 125, 50, 75
BODY_TOP, BODY_X, BODY_RIGHT, BODY_BOTTOM = 98.5, 25, 20, 22
FOLDS, HOLE = (105, 210), 148.5
BODY_PT, LEADING = 14, 19
ADDRESS_PT, ADDRESS_LEADING = 14, 15.5
SENDER_PT = 8  # the return address: for the post, as small as DIN 5008 has it
QR_MM = 55
NOTICE_AGENDA = 280  # characters of the agenda on the notice (one page; the letters carry it whole)


def _y(mm_from_top: float) -> float:
    return PAGE_H - mm_from_top * MM


def _styles() -> dict[str, Any]:
    from reportlab.lib.colors import HexColor
    from reportlab.lib.styles import ParagraphStyle

    body = ParagraphStyle("lbody", fontName=FONT, fontSize=BODY_PT, leading=LEADING, spaceAfter=7)
    return {
        "body": body,
        "subject": ParagraphStyle(
            "lsubj", parent=body, fontName=f"{FONT}-Bold", fontSize=16, leading=21, spaceAfter=12
        ),
        "label": ParagraphStyle("llabel", parent=body, fontName=f"{FONT}-Bold", spaceAfter=0),
        "cell": ParagraphStyle("lcell", parent=body, spaceAfter=0),
        "contact": ParagraphStyle("lcontact", parent=body, fontName=f"{FONT}-Bold", leftIndent=8 * MM, spaceAfter=2),
        "kicker": ParagraphStyle("nkick", parent=body, fontSize=18, leading=23, textColor=HexColor("#444444")),
        "title": ParagraphStyle("ntitle", parent=body, fontName=f"{FONT}-Bold", fontSize=30, leading=36, spaceAfter=12),
        "big": ParagraphStyle("nbig", parent=body, fontSize=20, leading=25, spaceAfter=8),
        "biglabel": ParagraphStyle(
            "nbiglabel", parent=body, fontName=f"{FONT}-Bold", fontSize=15, leading=18, spaceAfter=1,
            textColor=HexColor("#444444"),
        ),
        "link": ParagraphStyle("nlink", parent=body, fontSize=14, leading=18),
        "welcome": ParagraphStyle("nwelcome", parent=body, fontName=f"{FONT}-Bold", fontSize=20, leading=26),
        "notice": ParagraphStyle("nbody", parent=body, fontSize=16, leading=21),
    }


def _facts(config: Config, meeting: Meeting, lang: str) -> list[tuple[str, str]]:
    when = format_when_long(meeting.starts_at, lang, config.time_zone)
    rows = [(t(lang, "letters.when"), f"{when} ({t(lang, 'letters.duration', minutes=meeting.duration_min)})")]
    if meeting.online_url:
        rows.append((t(lang, "letters.online"), meeting.online_url))
    else:
        rows.append((t(lang, "letters.place"), f"{meeting.address}, {town_label(config, meeting.town, lang)}"))
    if meeting.agenda:
        rows.append((t(lang, "letters.topic"), meeting.agenda))
    return rows


def _fact_table(rows: list[tuple[str, str]], label: Any, cell: Any, width: float, label_w: float) -> Any:
    """The letter's facts: label and value side by side."""
    from reportlab.platypus import Paragraph, Table, TableStyle

    data = [[Paragraph(_printable(k + ":"), label), Paragraph(_printable(v), cell)] for k, v in rows]
    table = Table(data, colWidths=[label_w, width - label_w], hAlign="LEFT", splitInRow=1)  # a long agenda goes on
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
            ]
        )
    )
    return table


def _contact_lines(config: Config, letters: Letters, lang: str) -> list[str]:
    host = letters.host
    lines = [t(lang, "letters.info_phone", phone=host.phone)] if host.phone else []
    if host.email:
        lines.append(t(lang, "letters.info_email", email=host.email))
    return lines or [config.contact]


def _letter_story(config: Config, letters: Letters, r: Recipient, st: dict[str, Any], width: float) -> list[Any]:
    from reportlab.platypus import Paragraph, Spacer

    lang, m, host = r.person.language, letters.meeting, letters.host
    story: list[Any] = [
        Paragraph(_printable(t(lang, "letters.subject", title=m.title)), st["subject"]),
        Paragraph(_printable(t(lang, "letters.greeting", name=r.person.display_name)), st["body"]),
        Paragraph(_printable(t(lang, "letters.intro", team=letters.team.name(lang))), st["body"]),
        Spacer(1, 3 * MM),
        _fact_table(_facts(config, m, lang), st["label"], st["cell"], width, 50 * MM),
        Spacer(1, 3 * MM),
    ]
    if r.answer:
        ask = t(lang, f"letters.answered_{r.answer}")
    else:
        ask = t(lang, "letters.ask" if host.phone or host.email else "letters.ask_project")
    story.append(Paragraph(_printable(ask), st["body"]))
    story += [Paragraph(_printable(line), st["contact"]) for line in _contact_lines(config, letters, lang)]
    story += [Spacer(1, 6 * MM), Paragraph(_printable(t(lang, "letters.closing")), st["body"]), Spacer(1, 8 * MM)]
    if host.name:
        story.append(Paragraph(_printable(host.name), st["cell"]))
    story.append(Paragraph(_printable(letters.team.name(lang)), st["cell"]))
    return story


def _draw_letter_head(canvas: Any, config: Config, letters: Letters, r: Recipient, made: datetime) -> None:
    """What DIN 5008 places: letterhead, sender line and address in the window, the information block, the marks."""
    from reportlab.lib.colors import HexColor
    from reportlab.lib.utils import simpleSplit
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lang, host = r.person.language, letters.host
    plain = _plain_for_canvas
    canvas.saveState()
    # letterhead, top right
    canvas.setFont(f"{FONT}-Bold", 18)
    canvas.drawRightString(PAGE_W - 20 * MM, _y(20), plain(config.project_name))
    canvas.setFont(FONT, 14)
    canvas.drawRightString(PAGE_W - 20 * MM, _y(27), plain(t(lang, "letters.head_team", team=letters.team.name(lang))))
    # the window: the sender line (underlined, for the post), then the address
    sender = plain(t(lang, "letters.sender", project=config.project_name, host=host.name or letters.team.name(lang)))
    size = float(SENDER_PT)
    while size > 6 and stringWidth(sender, FONT, size) > (WINDOW_W - 2) * MM:
        size -= 0.5
    canvas.setFont(FONT, size)
    canvas.setFillColor(HexColor("#333333"))
    canvas.drawString((WINDOW_X + 1) * MM, _y(WINDOW_TOP + 12), sender)
    canvas.setLineWidth(0.3)
    left = (WINDOW_X + 1) * MM
    canvas.line(left, _y(WINDOW_TOP + 12.8), left + stringWidth(sender, FONT, size), _y(WINDOW_TOP + 12.8))
    canvas.setFillColor(HexColor("#000000"))
    lines = [r.person.display_name, *r.address]
    step = ADDRESS_LEADING / MM
    # below DIN's 17.7 mm zone for notes; higher only when the lines would not fit into the window otherwise
    top = max(WINDOW_TOP + 15, min(WINDOW_TOP + 17.7, WINDOW_TOP + WINDOW_H - 2 - step * len(lines)))
    first = top + ADDRESS_PT / MM
    canvas.setFont(FONT, ADDRESS_PT)
    for i, line in enumerate(lines):
        canvas.drawString((WINDOW_X + 1) * MM, _y(first + i * step), plain(line))
    # the information block
    info = [t(lang, "letters.info_title")]
    if host.name:
        info.append(host.name)
    if host.phone:
        info.append(t(lang, "letters.info_phone", phone=host.phone))
    if host.email:
        info.append(t(lang, "letters.info_email", email=host.email))
    if not host.phone and not host.email:
        info.append(config.contact)
    info += ["", t(lang, "letters.info_date", day=format_when_long(made, lang, config.time_zone, with_time=False))]
    y = INFO_TOP + BODY_PT / MM
    for i, text in enumerate(info):
        canvas.setFont(f"{FONT}-Bold" if i == 0 else FONT, BODY_PT)
        for part in simpleSplit(plain(text), f"{FONT}-Bold" if i == 0 else FONT, BODY_PT, INFO_W * MM) or [""]:
            canvas.drawString(INFO_X * MM, _y(y), part)
            y += LEADING / MM
    # fold marks and the hole mark at the left edge
    canvas.setLineWidth(0.4)
    for mark in FOLDS:
        canvas.line(4 * MM, _y(mark), 9 * MM, _y(mark))
    canvas.line(4 * MM, _y(HOLE), 11 * MM, _y(HOLE))
    canvas.restoreState()


def _plain_for_canvas(text: str) -> str:
    """Canvas strings are not markup: only the characters the font lacks (emoji) are dropped."""
    glyphs = _fonts()
    return "".join(ch for ch in text if ord(ch) in glyphs)


def _footer(canvas: Any, config: Config, lang: str, page: int | None = None) -> None:
    """The project and its contact; a page number only on a letter's second page and after (its own count)."""
    from reportlab.lib.colors import HexColor

    canvas.saveState()
    canvas.setFont(FONT, 10)
    canvas.setFillColor(HexColor("#555555"))
    footer = t(lang, "letters.footer", project=config.project_name, contact=config.contact)
    canvas.drawString(BODY_X * MM, 10 * MM, _plain_for_canvas(footer))
    if page is not None:
        canvas.drawRightString(PAGE_W - BODY_RIGHT * MM, 10 * MM, t(lang, "letters.page", page=page))
    canvas.restoreState()


def _notice_story(
    config: Config, letters: Letters, link: str, lang: str, st: dict[str, Any], width: float
) -> list[Any]:
    """The notice's flowables: the agenda cut to NOTICE_AGENDA characters (`render` shrinks a long one to a page)."""
    from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

    m, team = letters.meeting, letters.team
    story: list[Any] = [
        Paragraph(_printable(t(lang, "letters.notice_kicker", team=team.name(lang))), st["kicker"]),
        Spacer(1, 3 * MM),
        Paragraph(_printable(t(lang, "letters.notice_title", title=m.title)), st["title"]),
    ]
    for label, value in _facts(config, m, lang):
        shown = value if len(value) <= NOTICE_AGENDA else value[: NOTICE_AGENDA - 1].rstrip() + "…"
        story += [Paragraph(_printable(label), st["biglabel"]), Paragraph(_printable(shown), st["big"])]
    story += [Spacer(1, 4 * MM), Paragraph(_printable(t(lang, "letters.notice_welcome")), st["welcome"])]
    story.append(Spacer(1, 5 * MM))
    host = letters.host.name
    contact = (
        t(lang, "letters.notice_contact", host=host, contact=config.contact)
        if host
        else t(lang, "letters.notice_contact_project", contact=config.contact)
    )
    beside = [Paragraph(_printable(t(lang, "letters.notice_scan")), st["notice"]), Spacer(1, 3 * MM)]
    beside.append(Paragraph(_printable(contact), st["notice"]))
    qr = Table([[_qr(link, QR_MM * MM), beside]], colWidths=[(QR_MM + 6) * MM, width - (QR_MM + 6) * MM])
    qr.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    story += [qr, Spacer(1, 2 * MM), Paragraph(_printable(t(lang, "letters.notice_link", link=link)), st["link"])]
    return story


def render(config: Config, letters: Letters, bot_username: str, notice_lang: str, made: datetime) -> bytes:
    """The PDF: one letter per recipient (continued on a plain page if long), then the notice."""
    from reportlab.platypus import BaseDocTemplate, Frame, KeepInFrame, NextPageTemplate, PageBreak, PageTemplate

    _fonts()
    st = _styles()
    out = io.BytesIO()
    doc = BaseDocTemplate(
        out,
        pagesize=(PAGE_W, PAGE_H),
        title=t(notice_lang, "letters.subject", title=letters.meeting.title),
        author=config.project_name,
    )
    width = PAGE_W - (BODY_X + BODY_RIGHT) * MM
    pads = {"leftPadding": 0, "rightPadding": 0, "topPadding": 0, "bottomPadding": 0}  # text at 25 mm, as DIN 5008
    first = Frame(BODY_X * MM, BODY_BOTTOM * MM, width, _y(BODY_TOP) - BODY_BOTTOM * MM, id="first", **pads)
    full = Frame(BODY_X * MM, BODY_BOTTOM * MM, width, PAGE_H - (BODY_BOTTOM + 20) * MM, id="full", **pads)
    templates: list[Any] = []
    story: list[Any] = []
    starts: dict[int, int] = {}  # letter -> the PDF page it starts on
    for i, r in enumerate(letters.recipients):

        def head(canvas: Any, document: Any, r: Recipient = r, i: int = i) -> None:
            starts[i] = document.page
            _draw_letter_head(canvas, config, letters, r, made)
            _footer(canvas, config, r.person.language)

        def more(canvas: Any, document: Any, r: Recipient = r, i: int = i) -> None:
            _footer(canvas, config, r.person.language, document.page - starts[i] + 1)

        templates.append(PageTemplate(id=f"letter{i}", frames=[first], onPage=head, autoNextPageTemplate=f"more{i}"))
        templates.append(PageTemplate(id=f"more{i}", frames=[full], onPage=more))
        story += _letter_story(config, letters, r, st, width)
        story += [NextPageTemplate(f"letter{i + 1}" if i + 1 < len(letters.recipients) else "notice"), PageBreak()]

    def notice_page(canvas: Any, document: Any) -> None:
        _footer(canvas, config, notice_lang)

    templates.append(PageTemplate(id="notice", frames=[full], onPage=notice_page))
    if not letters.recipients:
        templates.insert(0, templates.pop())  # the notice alone: its template first
    doc.addPageTemplates(templates)
    notice = _notice_story(config, letters, team_link(bot_username, letters.team), notice_lang, st, width)
    story.append(KeepInFrame(width, full.height - 12, notice, mode="shrink"))  # one page, whatever its length
    doc.build(story)
    return out.getvalue()


def file_name(meeting: Meeting) -> str:
    return f"briefe-treffen-{meeting.id}.pdf"
