"""Answering an invitation with one tap (Zusage / Vielleicht / Absage, optional reason), and the lead's nudge.

Every button re-checks the meeting: after a cancellation all old buttons answer "abgesagt" instead of acting.
"""

from __future__ import annotations

from bot.texts import format_when
from handlers.common import Req, View
from handlers.meetings.views import ANSWER_ICONS, invitation_view, reason_buttons
from models.errors import Refusal
from models.meetings import core as meetings_domain
from models.tables import Team


async def on_rsvp(req: Req) -> None:
    """rsvp:<meeting>:<yes|maybe|no>"""
    assert req.cb is not None
    meeting_id, value = req.cb.int(0), req.cb.arg(1)
    meeting, rsvp, changed = await meetings_domain.answer(
        req.session, req.me, meeting_id, value, req.now, req.config.meetings
    )
    team = await req.session.get(Team, meeting.team_id)
    label = f"{ANSWER_ICONS[value]} {req.t('meetings.answer_' + value)}"
    req.toast(req.t("meetings.answer_saved" if changed else "meetings.answer_unchanged", answer=label))
    req.deliver_soon()
    if _in_group(req):
        return  # the group's invitation is shared: answer with the toast only, never edit it for one person
    view = invitation_view(req.config, meeting, team, req.lang, rsvp)
    if value == "no":
        view = View(
            view.text + "\n\n" + req.t("meetings.ask_reason"), reason_buttons(meeting.id, req.lang) + view.buttons
        )
    req.show(view)


def _in_group(req: Req) -> bool:
    chat = req.update.effective_chat
    return chat is not None and chat.type != "private"


async def on_reason(req: Req) -> None:
    """rsn:<meeting>:<reason|none>: why someone cannot come (aggregated later as evidence on obstacles)."""
    assert req.cb is not None
    meeting_id, reason = req.cb.int(0), req.cb.arg(1)
    meeting, rsvp, _ = await meetings_domain.answer(
        req.session, req.me, meeting_id, "no", req.now, req.config.meetings, None if reason == "none" else reason
    )
    team = await req.session.get(Team, meeting.team_id)
    req.toast(req.t("meetings.reason_saved"))
    if _in_group(req):
        return
    req.show(invitation_view(req.config, meeting, team, req.lang, rsvp))


async def on_nudge(req: Req) -> None:
    """nudge:<meeting>: the lead reminds everyone who has not answered (once per meeting version)."""
    assert req.cb is not None
    count = await meetings_domain.nudge_open(req.session, req.me, req.cb.int(0), req.now)
    if count == 0:
        raise Refusal("meetings.nudge_none")
    meeting = await meetings_domain.get_meeting(req.session, req.cb.int(0))
    req.toast(
        req.t(
            "meetings.nudge_sent",
            count=count,
            when=format_when(meeting.starts_at, req.lang, req.config.time_zone),
        )
    )
    req.deliver_soon()
