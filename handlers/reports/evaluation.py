"""The evaluation report in the chat (/report offers it, a button makes it) and its one recipe for the CLI too.

`produce` reads the figures (models/evaluation/figures.py) and the free sentences in the caller's transaction,
then draws and renders off the event loop (matplotlib and ReportLab take a second or two), and records the
export in the audit log. Only the project manager may have it (checked in the domain, on every press).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from html import unescape
from zoneinfo import ZoneInfo

from babel.dates import format_date
from sqlalchemy.ext.asyncio import AsyncSession

from core.config import Config
from core.texts import format_when, t
from handlers.codec import encode
from handlers.common import Btn, Req, View, esc
from handlers.reports.evaluation_words import vocabulary
from models import audit
from models.errors import Refusal
from models.evaluation import figures
from models.reports import stats
from models.reports.codebook import Vocabulary
from models.reports.evaluation import content, html, pdf, sources
from models.reports.suppression import threshold
from models.tables import Person

PREFIX = "er"  # er:1:make
AGAIN_AFTER = timedelta(minutes=1)  # a second press within this gets a note instead of a second report
UPLOAD_LIMIT = 50 * 1024 * 1024  # Telegram accepts at most 50 MB from a bot (as handlers/reports/commands.py)


@dataclass(frozen=True)
class Made:
    pdf: bytes
    html: str
    pages: int
    period: str


def _bounds(since: date | None, until: date | None, tz: ZoneInfo) -> tuple[datetime | None, datetime | None]:
    """Local days (until inclusive) as the figures' aware instants (until exclusive)."""
    start = datetime.combine(since, time(0), tz) if since else None
    end = datetime.combine(until + timedelta(days=1), time(0), tz) if until else None
    return start, end


def _day(d: date, lang: str) -> str:
    return format_date(d, format="long", locale=lang)


def _render(found: figures.Figures, src: sources.Sources, frame: content.Frame) -> tuple[bytes, str, int]:
    """Charts, PDF and HTML: a few seconds of CPU, so in a worker thread while the bot keeps answering."""
    doc = content.build(found, src, frame)
    data, pages = pdf.render(doc)
    return data, html.render(doc), pages


async def produce(
    s: AsyncSession,
    me: Person | None,
    config: Config,
    lang: str,
    since: date | None,
    until: date | None,
    now: datetime,
    *,
    via: str,
    notes: str | None = None,
) -> Made:
    """The report for [since, until] (local days; open ends: the first registration, today) as PDF + HTML;
    `notes`: the evaluators' own assessment (Markdown), as a section of its own."""
    reader = stats.OPERATOR if me is None else me
    stats.require_reader(reader)
    tz = config.time_zone
    today = now.astimezone(tz).date()
    start, end = _bounds(since, until or today, tz)
    vocab = vocabulary(config, lang)
    with threshold(config.evaluation.min_people):  # released figures: the configured rule, in the thread too
        return await _produce(s, me, config, lang, (since, until, start, end), now, vocab, via, notes)


async def _produce(
    s: AsyncSession,
    me: Person | None,
    config: Config,
    lang: str,
    period: tuple[date | None, date | None, datetime | None, datetime | None],
    now: datetime,
    vocab: Vocabulary,
    via: str,
    notes: str | None,
) -> Made:
    since, until, start, end = period
    tz = config.time_zone
    today = now.astimezone(tz).date()
    found = await figures.all_figures(s, start, end, vocab, release_at=now)
    src = await sources.read(s, start, end, tz)
    first = since or (src.first_day.astimezone(tz).date() if src.first_day else today)
    last = until or today
    days = (last - first).days + 1  # the period of the same length just before, for the key figures' ↑/↓
    before_start, before_end = _bounds(first - timedelta(days=days), first - timedelta(days=1), tz)
    previous = await figures.summary(s, before_start, before_end, vocab, release_at=now)
    had = any(tb_value is not None and tb_value > 0 for tb_value in (previous.meetings.value, previous.answers.value,
                                                                      previous.ideas_new.value))
    frame = content.Frame(
        lang=lang,
        project=config.project_name,
        since=_day(first, lang),
        until=_day(last, lang),
        generated=format_when(now, lang, tz),
        say=lambda key, **params: unescape(t(lang, f"evaluation_report.{key}", **params)),  # plain text: escaped later
        vocab=vocab,
        min_people=found.min_people,
        notes=notes or "",
        previous=previous if had else None,
        previous_period=f"{_day(first - timedelta(days=days), lang)} – {_day(first - timedelta(days=1), lang)}",
    )
    data, page, pages = await asyncio.to_thread(_render, found, src, frame)
    details = {"what": "evaluation", "format": "pdf+html", "pseudonymised": True, "since": first.isoformat(),
               "until": last.isoformat()}
    await audit.record(s, me, audit.EXPORT, now, via=via, **details)
    return Made(data, page, pages, f"{frame.since} – {frame.until}")


def offer(lang: str) -> View:
    """The message under /report's files: what the evaluation report is, and the button that makes it."""
    button = Btn(t(lang, "evaluation_report.button"), encode(PREFIX, "make"))
    return View(t(lang, "evaluation_report.offer"), [[button]])


async def on_button(req: Req) -> None:
    """er:1:make: the whole period up to today, as PDF and HTML documents."""
    assert req.cb is not None
    stats.require_reader(req.me)
    if req.cb.arg(0) != "make":
        raise Refusal("errors.stale_button")
    if await sources.made_since(req.session, req.me.id, req.now - AGAIN_AFTER):
        req.toast(req.t("evaluation_report.just_made"))  # a double press: the files are on their way already
        return
    made = await produce(req.session, req.me, req.config, req.lang, None, None, req.now, via="chat")
    if max(len(made.pdf), len(made.html)) > UPLOAD_LIMIT:  # the refusal rolls back the audit entry too
        raise Refusal("reports.too_big", size=round(max(len(made.pdf), len(made.html)) / 1024 / 1024))
    req.reply(View(req.t("evaluation_report.done", period=esc(made.period), pages=made.pages)))
    req.document(made.pdf, req.t("evaluation_report.pdf_file"), req.t("evaluation_report.pdf_caption"))
    page = made.html.encode("utf-8")
    req.document(page, req.t("evaluation_report.html_file"), req.t("evaluation_report.html_caption"))
