"""Reporting on announcements: the sender's progress message, the final report, and /announcements.

`tick` runs every few seconds (PTB JobQueue, see bot/cli.py; tests call it directly). It edits each sending
announcement's progress message ("1.240 / 3.400 zugestellt") and, once no row is open, writes the final
report there and only then marks the announcement done, so a failed edit is tried again on the next tick.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import Application, ContextTypes

from bot.config import Config
from bot.texts import format_when
from handlers import announce_views as views
from handlers.codec import encode
from handlers.common import Btn, Req, Services, View, esc, pager
from handlers.names import person_name
from models import announcement_reports as reports
from models import announcements as domain
from models.tables import Announcement, Person, Team

log = logging.getLogger("actionbot.announcements")
INTERVAL = 3.0
_SHOWN = "announcement_progress_shown"  # bot_data: announcement id -> text last shown
_NAMES = 40  # unreachable names shown per team; the rest as a number


async def _sender_lang(s: AsyncSession, ann: Announcement) -> str:
    sender = await s.get(Person, ann.sender_id) if ann.sender_id else None
    return sender.language if sender else "de"


async def _slug_names(s: AsyncSession, lang: str) -> dict[str, str]:
    return {team.slug: team.name(lang) for team in (await s.execute(select(Team))).scalars()}


async def full_report(s: AsyncSession, config: Config, ann: Announcement, lang: str) -> str:
    tally = await reports.tally(s, ann.id)
    parts = await reports.breakdown(s, ann)
    return views.report_text(config, lang, ann, tally, parts, await _slug_names(s, lang))


async def tick(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """One round: advance scheduled announcements, edit progress messages, write final reports."""
    await run_tick(app.bot_data["services"], app.bot, app.bot_data.setdefault(_SHOWN, {}))


async def run_tick(svc: Services, bot: Bot, shown: dict[int, str]) -> None:
    """`tick` without an Application (benchmarks); `shown` remembers the text each message shows."""
    edits: list[tuple[int, int, int, str, bool]] = []
    async with svc.db.transaction() as s:
        for p in await reports.advance(s, svc.clock.now()):
            ann = p.announcement
            if ann.progress_chat_id is None or ann.progress_message_id is None:
                if p.finished:
                    await reports.finish(s, ann.id, svc.clock.now())
                continue
            lang = await _sender_lang(s, ann)
            text = (
                await full_report(s, svc.config, ann, lang) if p.finished else views.progress_text(lang, ann, p.tally)
            )
            edits.append((ann.id, ann.progress_chat_id, ann.progress_message_id, text, p.finished))
    finished = []
    for ann_id, chat_id, message_id, text, done in edits:
        if shown.get(ann_id) == text and not done:
            continue
        if await _edit(bot, svc, chat_id, message_id, text, done):
            shown[ann_id] = text
            if done:
                finished.append(ann_id)
                shown.pop(ann_id, None)
    if finished:
        async with svc.db.transaction() as s:
            for ann_id in finished:
                await reports.finish(s, ann_id, svc.clock.now())
                log.info("announcement done announcement=%s", ann_id)


async def _edit(bot: Bot, svc: Services, chat_id: int, message_id: int, text: str, final: bool) -> bool:
    """Edit the progress message (paced with the announcement's own sends); True when it shows `text`."""
    if svc.dispatcher is not None:
        await svc.dispatcher.limiter.acquire(chat_id)
    try:
        await bot.edit_message_text(text, chat_id=chat_id, message_id=message_id, parse_mode=ParseMode.HTML)
        return True
    except BadRequest as exc:
        if "not modified" in exc.message.lower():
            return True
        if not final:
            log.info("progress not shown chat=%s reason=%s", chat_id, exc.message)
            return False
    except Forbidden:
        return final  # the sender blocked the bot: nobody to tell
    except TelegramError as exc:
        log.info("progress not shown chat=%s reason=%s", chat_id, exc)
        return False
    try:  # the progress message is gone: the final report comes as a new message
        await bot.send_message(chat_id, text, parse_mode=ParseMode.HTML)
        return True
    except Forbidden:
        return True
    except TelegramError as exc:
        log.info("report not sent chat=%s reason=%s", chat_id, exc)
        return False


async def job(context: ContextTypes.DEFAULT_TYPE) -> None:
    await tick(context.application)


def schedule(app: Application[Any, Any, Any, Any, Any, Any], interval: float = INTERVAL) -> None:
    """Run `tick` every `interval` seconds on PTB's JobQueue."""
    assert app.job_queue is not None
    app.job_queue.run_repeating(job, interval=interval, first=interval, name="announcements-progress")


# --- /announcements ------------------------------------------------------------------------------------


def _snippet(ann: Announcement, limit: int = 80) -> str:
    plain = domain.plain_text(ann.text_html).replace("\n", " ").strip()
    if not plain and ann.media_kind:
        plain = "📎"
    return esc(plain if len(plain) <= limit else plain[: limit - 1] + "…")


def _status(req: Req, ann: Announcement) -> str:
    if ann.status == domain.SCHEDULED and ann.scheduled_at is not None:
        return req.t("announce.status_scheduled", when=format_when(ann.scheduled_at, req.lang, req.config.time_zone))
    return req.t(f"announce.status_{ann.status}")


async def _unreachable_lines(req: Req, ann: Announcement, names: dict[str, str]) -> list[str]:
    lines = []
    for slug, people in (await reports.unreachable_by_team(req.session, req.me, ann)).items():
        team = names.get(slug, slug) if slug else req.t("announce.no_team")
        shown = ", ".join(esc(person_name(req, p)) for p in people[:_NAMES])
        more = req.t("announce.more", n=len(people) - _NAMES) if len(people) > _NAMES else ""
        lines.append(req.t("announce.unreachable_line", team=esc(team), names=shown + more))
    return lines


async def list_view(req: Req, page: int) -> View:
    anns, page, pages = await reports.page(req.session, req.me, page)
    if not anns:
        return View(req.t("announce.none"))
    names = await _slug_names(req.session, req.lang)
    teams = await views.team_names(req.session, req.lang)
    blocks = [req.t("announce.list_title", page=page + 1, pages=pages)]
    rows = []
    for ann in anns:
        tally = await reports.tally(req.session, ann.id)
        audience = views.audience_text(req.config, domain.Audience.from_json(ann.audience), teams, req.lang)
        block = [
            req.t(
                "announce.list_head",
                id=ann.id,
                when=format_when(ann.created_at, req.lang, req.config.time_zone),
                status=_status(req, ann),
            ),
            audience,
            f"<i>{_snippet(ann)}</i>",
            views.progress_line(req.lang, ann, tally),
            *await _unreachable_lines(req, ann, names),
        ]
        blocks.append("\n".join(block))
        rows.append([Btn(req.t("announce.details", id=ann.id), encode("anl", "d", ann.id, page))])
    rows += pager(page, pages, lambda p: encode("anl", "p", p))
    return View("\n\n".join(blocks), rows)


async def show_announcements(req: Req) -> None:
    """/announcements: past announcements, newest first, with their figures and who was not reached."""
    req.show(await list_view(req, 0))


async def on_list_button(req: Req) -> None:
    """anl:p:<page> turns the page; anl:d:<announcement>:<page> shows one report in full."""
    assert req.cb is not None
    if req.cb.arg(0) == "p":
        req.show(await list_view(req, req.cb.int(1)))
        return
    ann = await domain.get_visible(req.session, req.me, req.cb.int(1))
    text = await full_report(req.session, req.config, ann, req.lang)
    unreachable = await _unreachable_lines(req, ann, await _slug_names(req.session, req.lang))
    if unreachable:
        text += "\n\n" + req.t("announce.unreachable_title") + "\n" + "\n".join(unreachable)
    req.show(View(text, [[Btn(req.t("announce.back"), encode("anl", "p", req.cb.int(2)))]]))
