"""Reporting on announcements: the sender's progress message, the final report, and /announcements.

`tick` runs every few seconds (PTB JobQueue, see bot/cli.py; tests call it directly). It edits each sending
announcement's progress message ("1.240 / 3.400 zugestellt") and, once no row is open, writes the final
report there and only then marks the announcement done, so a failed edit is tried again on the next tick.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import Application, ContextTypes

from core.config import Config
from core.services import Services
from core.texts import format_when, t
from handlers.announcements import views
from handlers.codec import encode
from handlers.common import Btn, Req, View, esc, pager, utf16_len, visible_len
from handlers.names import shown_name
from models.announcements import core as domain
from models.announcements import reports
from models.tables import Announcement, Person, Team

log = logging.getLogger("actionbot.announcements")
INTERVAL = 3.0
_SHOWN = "announcement_progress_shown"  # bot_data: announcement id -> text last shown
_NAMES = 40  # unreachable names shown per team in /announcements; the rest as a number
REPORT_LIMIT = 4000  # the final report is one edited message: Telegram takes 4096 characters
WRAP = 3000  # a longer line of names continues on the next line (long texts are split at line breaks)


async def _slug_names(s: AsyncSession, lang: str) -> dict[str, str]:
    return {team.slug: team.name(lang) for team in (await s.execute(select(Team))).scalars()}


def _team_line(lang: str, team: str, leads: list[str], names: list[str], more: int) -> str:
    shown = ", ".join(esc(x) for x in names) + (t(lang, "announce.more", n=more) if more else "")
    if leads:
        return t(lang, "announce.unreachable_line_leads", team=esc(team), leads=esc(", ".join(leads)), names=shown)
    return t(lang, "announce.unreachable_line", team=esc(team), names=shown)


def _fitting(lang: str, team: str, group: reports.Unreached, cap: int, room: int) -> int:
    """How many of the group's names (at most `cap`) fit into one line of at most `room` visible characters."""
    length = visible_len(_team_line(lang, team, group.leads, [], 0)) - 2
    best = 0
    for k, name in enumerate(group.names[:cap], 1):
        length += utf16_len(name) + 2
        if length > room:
            break
        more = len(group.names) - k
        if length + (visible_len(t(lang, "announce.more", n=more)) if more else 0) <= room:
            best = k
    return best


def _wrapped(lang: str, team: str, group: reports.Unreached, shown: int) -> list[str]:
    """The team's line, continued on further lines where it grows long, so a long text splits between names."""
    parts: list[list[str]] = [[]]
    size = visible_len(_team_line(lang, team, group.leads, [], 0))
    for name in group.names[:shown]:
        width = utf16_len(name) + 2
        if parts[-1] and size + width > WRAP:
            parts.append([])
            size = 0
        parts[-1].append(name)
        size += width
    more = len(group.names) - shown
    lines = [_team_line(lang, team, group.leads, parts[0], more if len(parts) == 1 else 0)]
    for i, part in enumerate(parts[1:], 2):
        lines[-1] += ","
        lines.append("   " + ", ".join(esc(x) for x in part))
        if i == len(parts) and more:
            lines[-1] += t(lang, "announce.more", n=more)
    return lines


def unreached_lines(
    lang: str, unreached: list[reports.Unreached], teams: dict[str, str], per_team: int | None, budget: int | None
) -> tuple[list[str], bool]:
    """'🚫 Team (Teamleitung: …): Anna, Ben und 12 weitere' per team: at most `per_team` names a team, all lines
    within `budget` visible characters (None: no bound, long lines wrapped), the teams that do not fit counted
    in a last line. Also says whether any name was left out.
    """

    def counted(rest: list[reports.Unreached]) -> str:
        return t(lang, "announce.more_teams", n=sum(len(g.names) for g in rest), teams=len(rest))

    lines: list[str] = []
    cut = False
    unreached = [  # names that would show nothing get the fallback, as everywhere
        replace(g, names=[shown_name(lang, n) for n in g.names], leads=[shown_name(lang, n) for n in g.leads])
        for g in unreached
    ]
    unreached = sorted(unreached, key=lambda g: (not g.slug, teams.get(g.slug, g.slug)))  # as in "Nach Team"
    for i, group in enumerate(unreached):
        team = teams.get(group.slug, group.slug) if group.slug else t(lang, "announce.no_team")
        shown = len(group.names) if per_team is None else min(per_team, len(group.names))
        cut = cut or shown < len(group.names)
        if budget is None:
            lines += _wrapped(lang, team, group, shown)
            continue
        later = unreached[i + 1 :]
        reserve = visible_len(counted(later)) + 1 if later else 0  # room to count them should they not fit
        share = (budget - reserve) // (len(later) + 1)  # every team gets its part; what one leaves, the next gets
        shown = _fitting(lang, team, group, shown, share - 1)
        if not shown:  # not even one name fits: this team and the later ones are only counted
            if visible_len(counted(unreached[i:])) + 1 <= budget:
                lines.append(counted(unreached[i:]))
            return lines, True
        lines.append(_team_line(lang, team, group.leads, group.names[:shown], len(group.names) - shown))
        cut = cut or shown < len(group.names)
        budget -= visible_len(lines[-1]) + 1
    return lines, cut


def unreached_section(
    lang: str, ann: Announcement, unreached: list[reports.Unreached], teams: dict[str, str], budget: int | None
) -> str:
    """Who was not reached, per team, and how to reach them otherwise; within `budget` if given."""
    if not unreached:
        return ""
    head = [t(lang, "announce.unreachable_title")]
    ask = t(lang, "announce.unreachable_ask_leads") if any(u.leads for u in unreached) else ""
    how = [t(lang, "announce.unreachable_how", ask_leads=ask)]
    pointer = t(lang, "announce.unreachable_all", id=ann.id)
    room = None
    if budget is not None:
        room = budget - sum(visible_len(x) + 1 for x in (*head, *how, pointer))
        if room < 0:  # cannot happen with the project's few towns, groups and teams; never exceed the limit
            return ""
    lines, cut = unreached_lines(lang, unreached, teams, None, room)
    return "\n".join([*head, *lines, *how, *([pointer] if cut else [])])


async def full_report(
    s: AsyncSession, config: Config, ann: Announcement, lang: str, viewer: Person | None, bounded: bool = True
) -> str:
    """The figures and, as far as `viewer` may see them, the unreachable members per team; `bounded`: all in
    one message (the sender's edited progress message), else every name (/announcements splits long texts).
    """
    tally = await reports.tally(s, ann.id)
    parts = await reports.breakdown(s, ann)
    names = await _slug_names(s, lang)
    text = views.report_text(config, lang, ann, tally, parts, names)
    unreached = await reports.unreachable_by_team(s, viewer, ann)
    budget = REPORT_LIMIT - visible_len(text) - 2 if bounded else None
    section = unreached_section(lang, ann, unreached, names, budget)
    return f"{text}\n\n{section}" if section else text


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
            sender = await s.get(Person, ann.sender_id) if ann.sender_id else None
            lang = sender.language if sender else "de"
            text = (
                await full_report(s, svc.config, ann, lang, sender)
                if p.finished
                else views.progress_text(lang, ann, p.tally)
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
    try:
        if svc.dispatcher is not None:
            async with svc.dispatcher.limiter.slot(chat_id):  # the slot ends with the answer (exact window check)
                await bot.edit_message_text(text, chat_id=chat_id, message_id=message_id, parse_mode=ParseMode.HTML)
        else:
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
    unreached = await reports.unreachable_by_team(req.session, req.me, ann)
    return unreached_lines(req.lang, unreached, names, _NAMES, None)[0]


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
    text = await full_report(req.session, req.config, ann, req.lang, req.me, bounded=False)
    req.show(View(text, [[Btn(req.t("announce.back"), encode("anl", "p", req.cb.int(2)))]]))
