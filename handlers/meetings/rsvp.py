"""Answering an invitation with one tap (Zusage / Vielleicht / Absage, optional reason), and the lead's nudge.

Every button re-checks the meeting: after a cancellation all old buttons answer "abgesagt" instead of acting.
"""

from __future__ import annotations

from core.texts import format_when
from handlers.common import Req, View
from handlers.meetings.views import ANSWER_ICONS, invitation_view, reason_buttons
from models.errors import Refusal
from models.meetings import core as meetings_domain
from models.meetings import rsvps as rsvps_domain
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
    """nudge:<meeting>: the lead reminds everyone who has not answered (at most once per meeting in 24 h)."""
    assert req.cb is not None
    await nudge(req, req.cb.int(0))


async def nudge(req: Req, meeting_id: int) -> None:
    """Remind the open ones (models/meetings/rsvps.py), answered with a toast; from the headcount and the list."""
    try:
        count = await rsvps_domain.nudge_open(req.session, req.me, meeting_id, req.now)
    except Refusal as refusal:
        if refusal.key == "meetings.nudge_recent":
            until = format_when(refusal.params["until"], req.lang, req.config.time_zone)
            raise Refusal(refusal.key, until=until) from None
        raise
    if count == 0:
        raise Refusal("meetings.nudge_none")
    meeting = await meetings_domain.get_meeting(req.session, meeting_id)
    req.toast(
        req.t(
            "meetings.nudge_sent",
            count=count,
            when=format_when(meeting.starts_at, req.lang, req.config.time_zone),
        )
    )
    req.deliver_soon()
