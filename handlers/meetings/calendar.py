"""/calendar (all my upcoming meetings as one .ics file) and the invitation's 📆 button (one meeting's file).

The files come from models/meetings/calendar.py; this layer only picks the meetings, the reader's texts and where
the file goes: a button pressed under a group's invitation sends the file privately, not to the whole group.
"""

from __future__ import annotations

import logging
from datetime import datetime

from telegram import InputFile
from telegram.constants import ParseMode
from telegram.error import TelegramError

from core.config import Config
from core.texts import t
from handlers.common import Req, esc
from handlers.meetings.views import town_label
from models.meetings import calendar as calendar_domain
from models.meetings.calendar import CalendarEntry
from models.meetings.core import CANCELLED, SCHEDULED
from models.tables import Meeting, Team

log = logging.getLogger("actionbot.calendar")
MIME = "text/calendar"


def calendar_entry(config: Config, lang: str, meeting: Meeting, team: Team) -> CalendarEntry:
    """The meeting with the texts the reader sees: title, place or link, team and agenda."""
    if meeting.online_url:
        location = meeting.online_url
    else:
        location = f"{meeting.address or ''}, {town_label(config, meeting.town, lang)}".strip(", ")
    lines = [t(lang, "calendar.description_team", team=team.name(lang))]
    if meeting.online_url:
        lines.append(t(lang, "calendar.description_link", url=meeting.online_url))
    if meeting.agenda:
        lines.append(t(lang, "calendar.description_agenda", agenda=meeting.agenda))
    summary = meeting.title
    if meeting.status == CANCELLED:
        summary = t(lang, "calendar.cancelled_summary", title=meeting.title)
    return CalendarEntry(meeting, summary, location, "\n".join(lines))


def meeting_file(config: Config, lang: str, meeting: Meeting, team: Team, now: datetime) -> bytes:
    """One meeting's .ics, as the 📆 button sends it and the e-mails attach it (models/meetings/mail.py)."""
    return calendar_domain.calendar_file([calendar_entry(config, lang, meeting, team)], config.time_zone, now)


def _file(req: Req, pairs: list[tuple[Meeting, Team]]) -> bytes:
    entries = [calendar_entry(req.config, req.lang, m, team) for m, team in pairs]
    return calendar_domain.calendar_file(entries, req.config.time_zone, req.now)


async def send_calendar(req: Req) -> None:
    """/calendar: every meeting I am invited to that has not ended, in one file."""
    pairs = await calendar_domain.upcoming_meetings(req.session, req.me, req.now)
    scheduled = sum(1 for m, _ in pairs if m.status == SCHEDULED)
    if not scheduled:
        req.reply(req.t("calendar.none"))
        return
    req.document(_file(req, pairs), req.t("calendar.all_filename"), req.t("calendar.all_caption", count=scheduled))
    log.info("calendar sent person_id=%s meetings=%s", req.me.id, len(pairs))


async def on_ics(req: Req) -> None:
    """ics:<meeting>: the one meeting's file, for invited people only (cancelled: a file that removes it)."""
    assert req.cb is not None
    meeting, team = await calendar_domain.invited_meeting(req.session, req.me, req.cb.int(0))
    data = _file(req, [(meeting, team)])
    filename = req.t("calendar.one_filename", id=meeting.id)
    key = "calendar.cancelled_caption" if meeting.status == CANCELLED else "calendar.one_caption"
    caption = req.t(key, title=esc(meeting.title))
    chat = req.update.effective_chat
    if chat is not None and chat.type != chat.PRIVATE:
        req.toast(req.t("calendar.sent_privately"))
        req.after(lambda: _send_privately(req, data, filename, caption))
    else:
        req.document(data, filename, caption)
    log.info("calendar file sent person_id=%s meeting_id=%s", req.me.id, meeting.id)


async def _send_privately(req: Req, data: bytes, filename: str, caption: str) -> None:
    try:
        doc, bot = InputFile(data, filename=filename), req.context.bot
        await req.paced(
            req.user_id,
            lambda: bot.send_document(req.user_id, doc, caption=caption, parse_mode=ParseMode.HTML),
            "calendar file",
        )
    except TelegramError as exc:  # they blocked the bot or never opened the private chat
        log.info("calendar file not delivered privately update_id=%s reason=%s", req.update.update_id, exc)
