"""The attendance card after "Fertig": the saved result (who was there, guests, minutes) and one "Ändern".

Telegram's toast vanishes after a few seconds; the card itself is the lasting confirmation, and without the
tick buttons it cannot be changed by a stray tap. "Ändern" opens the editing screen again (`att:…:show:0`).
"""

from __future__ import annotations

from core.texts import format_when
from handlers.codec import encode
from handlers.common import Btn, Req, View, esc
from handlers.names import person_name
from models.meetings import attendance as attendance_domain
from models.tables import Meeting

NAMES_SHOWN = 60  # a long list stays far below Telegram's 4,096 characters
NAME_MAX = 28


async def result_view(req: Req, meeting: Meeting) -> View:
    """What was recorded, in full, with a single button back to the editing screen."""
    people = await attendance_domain.invitees(req.session, meeting.id)
    present = [person_name(req, p.name, NAME_MAX) for p in people if p.attended]
    lines = [
        req.t(
            "attendance.title",
            title=esc(meeting.title),
            when=format_when(meeting.starts_at, req.lang, req.config.time_zone),
        ),
        req.t("attendance.summary", present=len(present), invited=len(people), guests=meeting.guests),
    ]
    if present:
        names = ", ".join(esc(n) for n in present[:NAMES_SHOWN])
        if len(present) > NAMES_SHOWN:
            names += " " + req.t("attendance.result_more", count=len(present) - NAMES_SHOWN)
        lines.append(req.t("attendance.result_present", names=names))
    else:
        lines.append(req.t("attendance.result_nobody"))
    if meeting.decisions:
        lines.append(req.t("attendance.decisions_line", text=esc(meeting.decisions)))
    if meeting.next_steps:
        lines.append(req.t("attendance.next_steps_line", text=esc(meeting.next_steps)))
    if meeting.attendance_recorded_at is not None:
        when = format_when(meeting.attendance_recorded_at, req.lang, req.config.time_zone)
        lines.append(req.t("attendance.recorded_line", when=when))
    edit = Btn(req.t("attendance.edit_button"), encode("att", meeting.id, "show", 0))
    return View("\n".join(lines), [[edit]])
