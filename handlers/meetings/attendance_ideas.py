"""The ideas part of the attendance list: one tap links an idea to the meeting where it was discussed.

Buttons are `att:1:<meeting>:i:<idea>:<1|0>:<page>:<idea page>` (link / take back; each carries the state it
sets, so a re-sent tap changes nothing) and `att:1:<meeting>:ip:<page>:<idea page>` (another page of ideas).
The rule (lead of the idea's team or a manager, a past meeting of that team) is models/ideas/answers.py
link_meeting, the same as in /answer.
"""

from __future__ import annotations

import logging

from handlers.codec import BadCallback, encode
from handlers.common import Btn, Req
from handlers.ideas.answer_views import label
from models.meetings import attendance as attendance_domain
from models.tables import Meeting

LABEL_MAX = 34
log = logging.getLogger("actionbot.attendance")


async def section(req: Req, meeting: Meeting, page: int, idea_page: int) -> tuple[list[str], list[list[Btn]]]:
    """The hint and one button per idea (✅ when linked to this meeting); nothing when the team has no ideas."""
    found = await attendance_domain.discussable_ideas(req.session, req.me, meeting.id, req.now, idea_page)
    if not found.ideas:
        return [], []
    lines = [req.t("idea_path.attendance_hint")]
    rows: list[list[Btn]] = []
    for idea in found.ideas:
        on = idea.id in found.linked
        caption = f"{'✅' if on else '◻'} 💡 #{idea.id} {label(idea.text, LABEL_MAX)}"
        rows.append([Btn(caption, encode("att", meeting.id, "i", idea.id, int(not on), page, found.page))])
    if found.pages > 1:
        back, forward = (found.page - 1) % found.pages, (found.page + 1) % found.pages
        rows.append(
            [
                Btn("◀ 💡", encode("att", meeting.id, "ip", page, back)),
                Btn(
                    req.t("idea_path.attendance_page", page=found.page + 1, pages=found.pages),
                    encode("att", meeting.id, "ip", page, found.page),
                ),
                Btn("💡 ▶", encode("att", meeting.id, "ip", page, forward)),
            ]
        )
    return lines, rows


async def on_idea(req: Req) -> tuple[int, int]:
    """att:<meeting>:i:<idea>:<1|0>:<page>:<idea page>: link or unlink; returns the pages to redraw."""
    assert req.cb is not None
    meeting_id, idea_id, linked = req.cb.int(0), req.cb.int(2), req.cb.int(3)
    if linked not in (0, 1):
        raise BadCallback("link state is 0 or 1")
    changed = await attendance_domain.link_idea(req.session, req.me, meeting_id, idea_id, bool(linked), req.now)
    outcome = ("linked" if linked else "unlinked") if changed else "unchanged"
    log.info("idea discussed at meeting idea_id=%s meeting_id=%s outcome=%s", idea_id, meeting_id, outcome)
    key = "idea_path.linked" if linked else "idea_path.unlinked"
    req.toast(req.t(key if changed else "idea_path.link_unchanged", id=idea_id))
    return req.cb.int(4), req.cb.int(5)
