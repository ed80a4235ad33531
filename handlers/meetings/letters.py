"""🖨 Briefe & Aushang in the lead's meeting screen (/meetings): the meeting's printed invitations as a PDF in the
chat. The domain decides who may (models/meetings/letters.py: the team's lead or a project manager) and who gets
a letter; handlers/meetings/letters_pdf.py lays the pages out."""

from __future__ import annotations

import logging

from handlers.codec import encode
from handlers.common import Btn, Req
from handlers.meetings import letters_pdf
from models.meetings import letters as domain

log = logging.getLogger("actionbot.letters")
PREFIX = "lt"
NOTICE_LANG = "de"  # the notice hangs in a German town hall or shop window, whoever prints it


def letters_button(req: Req, meeting_id: int) -> Btn:
    return Btn(req.t("letters.button"), encode(PREFIX, meeting_id))


async def on_button(req: Req) -> None:
    """lt:<meeting>: the letters and the notice as one PDF (refused politely for anyone but its organisers)."""
    assert req.cb is not None
    found = await domain.letters(req.session, req.me, req.cb.int(0), req.now)
    pdf = letters_pdf.render(req.config, found, req.context.bot.username, NOTICE_LANG, req.now)
    count = len(found.recipients)
    caption = req.t("letters.caption", letters=count) if count else req.t("letters.caption_none")
    req.document(pdf, letters_pdf.file_name(found.meeting), caption)
    req.toast(req.t("letters.button"))
    log.info("letters printed meeting_id=%s letters=%s", found.meeting.id, count)
