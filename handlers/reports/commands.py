"""/stats, /report, /export and /audit: what the project manager needs to report, in the chat.

Thin: the manager check lives in the domain (`models.reports.stats.require_reader`) and runs on every command and
every export button, so a lead or member (or a forged button) gets a refusal and nothing is read.
"""

from __future__ import annotations

import asyncio
import io

from handlers.common import Req, View, esc
from handlers.reports import evaluation, views
from models import audit
from models.errors import Refusal
from models.reports import charts, formats, stats
from models.reports.codebook import Vocabulary
from models.reports.exports import ALL, TABLES

UPLOAD_LIMIT = 50 * 1024 * 1024  # Telegram accepts at most 50 MB from a bot
AUDIT_ENTRIES = 30


async def _overview(req: Req) -> stats.Overview:
    return await stats.overview(req.session, req.me, stats.Scope(), req.now, req.config.time_zone)


async def show_stats(req: Req) -> None:
    """/stats: the numbers as one text."""
    overview = await _overview(req)
    req.reply(views.stats_view(overview, views.vocabulary(req.config, req.lang), req.lang, req.config.time_zone))


def _draw(overview: stats.Overview, vocab: Vocabulary, lang: str) -> tuple[list[charts.Chart], str]:
    say = views.say_for(lang)
    drawn = charts.charts(overview, vocab.label, say)
    page = charts.html_report(overview, drawn, vocab.label, say, "\n".join(views.summary_lines(overview, vocab, lang)))
    return drawn, page


async def send_report(req: Req) -> None:
    """/report: the summary, the four charts as pictures in one album (seen at a glance, unlike files to open;
    file names in the reader's language), and the one-file HTML report as a document."""
    overview = await _overview(req)
    vocab = views.vocabulary(req.config, req.lang)
    drawn, page = await asyncio.to_thread(_draw, overview, vocab, req.lang)  # matplotlib off the event loop
    req.reply(views.stats_view(overview, vocab, req.lang, req.config.time_zone))
    req.reply(View(req.t("reports.report_intro")))
    req.album([(chart.png, req.t(f"reports.chart_file_{chart.key}"), esc(chart.title)) for chart in drawn])
    req.document(page.encode(), req.t("reports.report_file"), req.t("reports.report_html_caption"))
    req.reply(evaluation.offer(req.lang))  # the evaluation report (PDF + HTML) takes longer: made on a press
    details = {"what": "report", "format": "png+html", "pseudonymised": False, "via": "chat"}
    await audit.record(req.session, req.me, audit.EXPORT, req.now, **details)


async def start_export(req: Req) -> None:
    """/export: pick a table (or everything), then a format."""
    stats.require_reader(req.me)
    req.reply(views.export_menu(req.lang))


async def on_export_button(req: Req) -> None:
    """ex:m (menu) · ex:w:<table> (pick format) · ex:f:<table>:<csv|xlsx|pz> (send the file)."""
    assert req.cb is not None
    stats.require_reader(req.me)
    kind = req.cb.arg(0)
    if kind == "m":
        req.show(views.export_menu(req.lang))
        return
    what = req.cb.arg(1)
    if what != ALL and what not in TABLES:
        raise Refusal("errors.stale_button")
    if kind == "w":
        req.show(views.format_menu(req.lang, what))
        return
    choice = req.cb.arg(2)
    if kind != "f" or choice not in views.EXPORT_FORMATS:
        raise Refusal("errors.stale_button")
    buf = io.BytesIO()
    result = await formats.run_export(
        req.session,
        req.me,
        what=what,
        fmt="zip" if choice == "pz" else choice,
        scope=stats.Scope(),
        pseudonymised=choice == "pz",
        out=buf,
        tz=req.config.time_zone,
        vocabulary=views.vocabulary(req.config, req.lang),
        now=req.now,
        via="chat",
    )
    data = buf.getvalue()
    if len(data) > UPLOAD_LIMIT:  # the refusal rolls back the audit entry too: nothing was handed out
        raise Refusal("reports.too_big", size=round(len(data) / 1024 / 1024))
    label = views.table_name(req.lang, what)
    fmt_label = req.t(f"reports.format_{choice}")
    when = req.now.astimezone(req.config.time_zone).strftime("%Y-%m-%d %H:%M")
    req.show(View(req.t("reports.export_done", what=esc(label), format=esc(fmt_label), rows=result.rows)))
    req.document(data, result.filename, req.t("reports.export_caption", what=esc(label), rows=result.rows, when=when))


async def show_audit(req: Req) -> None:
    """/audit: the newest entries of the audit log (exports included), in words and names the manager knows."""
    entries = await audit.recent(req.session, req.me, limit=AUDIT_ENTRIES)
    names = await audit.names_for(req.session, req.me, entries)
    req.reply(views.audit_view(entries, names, req.config, req.lang))
