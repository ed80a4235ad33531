"""How announcements look: the audience picker, the review screen, progress and the report; the outbox renderer.

Views are data built from domain results. The announcement itself is sent exactly as the sender wrote it
(their Telegram HTML, photo or document kept), to recipients, as preview and as test alike.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial

from babel.numbers import format_decimal
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from telegram.constants import ParseMode

from core.config import Config
from core.texts import format_when, t
from handlers.announcements.header import header_html, with_header
from handlers.codec import encode
from handlers.common import Btn, Req, View, esc
from models.announcements import core as domain
from models.announcements.core import Audience, AudienceCount, Content
from models.announcements.reports import Breakdown, Tally
from models.announcements.sender import sender_of
from models.dates import example_dates
from models.people import OTHER_TOWN
from models.tables import Announcement, Outbox, Person, Team
from scheduler.dispatcher import Outgoing, Renderer

PREFIX = "an"


def num(n: int, lang: str) -> str:
    """1.240 in German, 1,240 in English."""
    return format_decimal(n, locale=lang)


def town_label(config: Config, key: str, lang: str) -> str:
    if key == OTHER_TOWN:
        return t(lang, "common.other_town")
    town = config.town(key)
    return town.name(lang) if town else key


def group_label(config: Config, key: str, lang: str) -> str:
    group = config.group(key)
    return group.name(lang) if group else key


async def team_names(s: AsyncSession, lang: str) -> dict[int, str]:
    return {team.id: team.name(lang) for team in (await s.execute(select(Team).order_by(Team.id))).scalars()}


def audience_text(config: Config, audience: Audience, teams: dict[int, str], lang: str) -> str:
    """'Alle' or 'Teams: … · Orte: … · Gruppen: …' (escaped)."""
    if audience.everyone:
        return t(lang, "announce.audience_all")
    parts = []
    if audience.teams:
        names = ", ".join(teams.get(i, "?") for i in audience.teams)
        parts.append(t(lang, "announce.audience_teams", names=esc(names)))
    if audience.gap is not None:
        parts.append(t(lang, "team_mix.audience_gap", team=esc(teams.get(audience.gap, "?"))))
    if audience.towns:
        names = ", ".join(town_label(config, k, lang) for k in audience.towns)
        parts.append(t(lang, "announce.audience_towns", names=esc(names)))
    if audience.groups:
        names = ", ".join(group_label(config, k, lang) for k in audience.groups)
        parts.append(t(lang, "announce.audience_groups", names=esc(names)))
    return " · ".join(parts) or "–"


def _btn(label: str, nonce: str, *args: object) -> Btn:
    return Btn(label, encode(PREFIX, nonce, *args))


def audience_view(
    config: Config,
    lang: str,
    nonce: str,
    audience: Audience,
    teams: dict[int, str],
    manager: bool,
    n: AudienceCount,
    gaps: dict[int, str] | None = None,
) -> View:
    """Toggle buttons: everyone (managers only), teams, "fill the gaps of team X" (`gaps`: teams whose mix lacks
    someone), towns, groups; the live count on top."""

    def mark(on: bool, label: str) -> str:
        return ("✅ " if on else "") + label

    rows: list[list[Btn]] = []
    if manager:
        rows.append([_btn(mark(audience.everyone, t(lang, "announce.everyone")), nonce, "all")])
    rows += [[_btn(mark(i in audience.teams, name), nonce, "t", i)] for i, name in teams.items()]
    for i, name in (gaps or {}).items():
        rows.append([_btn(mark(audience.gap == i, t(lang, "team_mix.gap_button", team=name)), nonce, "gap", i)])
    towns = [*(town.key for town in config.towns), OTHER_TOWN]
    rows.append([_btn(mark(k in audience.towns, town_label(config, k, lang)), nonce, "w", k) for k in towns])
    rows.append([_btn(mark(g.key in audience.groups, g.name(lang)), nonce, "g", g.key) for g in config.groups])
    rows.append([_btn(t(lang, "announce.next"), nonce, "next"), _btn(t(lang, "announce.cancel"), nonce, "x")])
    text = t(lang, "announce.ask_audience") + "\n\n" + count_text(n, lang)
    return View(text, rows)


def count_text(n: AudienceCount, lang: str) -> str:
    """The live count; proxy members (no Telegram) as a reach of their own, since their leads pass it on."""
    text = t(
        lang,
        "announce.count",
        count=num(n.recipients, lang),
        opted_out=num(n.opted_out, lang),
        unreachable=num(n.unreachable, lang),
    )
    if n.offline:
        reach = num(n.recipients + n.offline, lang)
        text += "\n" + t(lang, "announce.count_offline", reach=reach, offline=num(n.offline, lang))
    return text


def review_view(lang: str, nonce: str, audience_line: str, n: AudienceCount) -> View:
    text = t(lang, "announce.review", audience=audience_line) + "\n" + count_text(n, lang)
    return View(
        text,
        [
            [_btn(t(lang, "announce.test"), nonce, "test")],
            [_btn(t(lang, "announce.send_now"), nonce, "send")],
            [_btn(t(lang, "announce.plan"), nonce, "plan")],
            [_btn(t(lang, "announce.change_audience"), nonce, "aud"), _btn(t(lang, "announce.cancel"), nonce, "x")],
        ],
    )


def when_view(lang: str, nonce: str, choices: list[datetime], config: Config, now: datetime) -> View:
    rows = [[_btn(format_when(at, lang, config.time_zone), nonce, "at", int(at.timestamp()))] for at in choices]
    rows.append([_btn(t(lang, "announce.back"), nonce, "back")])
    return View(t(lang, "announce.ask_when", **example_dates(now, config.time_zone)), rows)


def confirm_when_view(lang: str, nonce: str, at: datetime, config: Config, recipients: int) -> View:
    when = format_when(at, lang, config.time_zone)
    return View(
        t(lang, "announce.confirm_when", when=when, count=num(recipients, lang)),
        [[_btn(t(lang, "announce.plan_ok"), nonce, "ok")], [_btn(t(lang, "announce.back"), nonce, "back")]],
    )


def scheduled_view(lang: str, ann: Announcement, config: Config) -> View:
    assert ann.scheduled_at is not None
    when = format_when(ann.scheduled_at, lang, config.time_zone)
    return View(
        t(lang, "announce.scheduled", id=ann.id, when=when, count=num(ann.recipients, lang)),
        [[Btn(t(lang, "announce.unschedule"), encode("anx", ann.id))]],
    )


def progress_text(lang: str, ann: Announcement, tally: Tally) -> str:
    return t(
        lang,
        "announce.progress",
        id=ann.id,
        done=num(tally.delivered, lang),
        total=num(ann.recipients, lang),
        unreachable=num(tally.unreachable, lang),
        failed=num(tally.failed, lang),
    )


def progress_line(lang: str, ann: Announcement, tally: Tally) -> str:
    """'✅ 3.300 / 3.400 zugestellt · 🚫 60 nicht erreichbar · ⚠️ 40 fehlgeschlagen'."""
    return t(
        lang,
        "announce.figures",
        delivered=num(tally.delivered, lang),
        total=num(ann.recipients, lang),
        unreachable=num(tally.unreachable, lang),
        failed=num(tally.failed, lang),
    )


def _tally_line(label: str, tally: Tally, lang: str) -> str:
    return t(
        lang,
        "announce.line",
        name=esc(label),
        delivered=num(tally.delivered, lang),
        unreachable=num(tally.unreachable, lang),
        failed=num(tally.failed, lang),
    )


def report_text(
    config: Config, lang: str, ann: Announcement, tally: Tally, parts: Breakdown, teams: dict[str, str]
) -> str:
    """The final figures: delivered, unreachable, failed; then by town, stakeholder group and team."""
    title = t(lang, "announce.report_open" if tally.open else "announce.report_done", id=ann.id)
    lines = [
        title,
        t(
            lang,
            "announce.report",
            delivered=num(tally.delivered, lang),
            total=num(ann.recipients, lang),
            unreachable=num(tally.unreachable, lang),
            failed=num(tally.failed, lang),
        ),
    ]
    if tally.skipped:
        lines.append(t(lang, "announce.report_skipped", skipped=num(tally.skipped, lang)))
    sections = (
        ("announce.by_town", {town_label(config, k, lang): v for k, v in parts.towns.items()}),
        ("announce.by_group", {group_label(config, k, lang): v for k, v in parts.groups.items()}),
        ("announce.by_team", {teams.get(k, k): v for k, v in parts.teams.items()}),
    )
    for key, by in sections:
        if by:
            lines.append("\n" + t(lang, key))
            lines += [_tally_line(label, v, lang) for label, v in sorted(by.items())]
    return "\n".join(lines)


def _audience(ann: Announcement) -> Audience:
    return Audience.from_json(ann.audience)


def content_of(ann: Announcement) -> Content:
    return Content(ann.text_html, ann.media_kind, ann.media_file_id)


async def send_content(req: Req, chat_id: int, content: Content) -> None:
    """The announcement exactly as recipients get it (preview and test-to-me), paced like every reply."""
    bot = req.context.bot
    caption, file_id = content.text_html or None, content.media_file_id
    if content.media_kind == domain.PHOTO and file_id:
        send = partial(bot.send_photo, chat_id, file_id, caption=caption, parse_mode=ParseMode.HTML)
    elif content.media_kind == domain.DOCUMENT and file_id:
        send = partial(bot.send_document, chat_id, file_id, caption=caption, parse_mode=ParseMode.HTML)
    else:
        send = partial(
            bot.send_message, chat_id, content.text_html, parse_mode=ParseMode.HTML, disable_web_page_preview=True
        )
    await req.paced(chat_id, send, "announcement preview")


async def send_view(req: Req, chat_id: int, view: View) -> None:
    """A view sent after `send_content` (a queued `req.reply` would go out before it)."""
    send = partial(
        req.context.bot.send_message,
        chat_id,
        view.text,
        parse_mode=ParseMode.HTML,
        reply_markup=view.markup(),
        disable_web_page_preview=True,
    )
    await req.paced(chat_id, send, "announce controls")


def renderers(config: Config) -> dict[str, Renderer]:
    """The outbox kind 'announcement': the stored content; None (skipped) if the person opted out or is gone.

    Content never changes after sending starts, so it is read once per announcement and language, not once
    per row; the header above it names the sender in the recipient's language (header.py).
    """
    contents: dict[tuple[int, str], Content] = {}

    async def render(s: AsyncSession, row: Outbox) -> Outgoing | None:
        if row.announcement_id is None or row.person_id is None:
            return None
        found = (
            await s.execute(select(Person.announcements_opt_out, Person.language).where(Person.id == row.person_id))
        ).first()
        if found is None or found[0]:
            return None
        key = (row.announcement_id, found[1])
        content = contents.get(key)
        if content is None:
            ann = await s.get(Announcement, row.announcement_id)
            if ann is None:
                return None
            if len(contents) > 100:
                contents.clear()
            sender = await sender_of(s, await s.get(Person, ann.sender_id) if ann.sender_id else None, _audience(ann))
            content = contents[key] = with_header(content_of(ann), await header_html(s, sender, found[1]))
        media = (content.media_kind, content.media_file_id) if content.media_kind and content.media_file_id else None
        return Outgoing(content.text_html, media=media)

    return {domain.KIND: render}
