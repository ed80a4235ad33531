"""/meetings: upcoming meetings with one's answer and the RSVP buttons; for leads also Ändern and Absagen.

Buttons are `me:1:<action>:<meeting>[:<what>]`. Every press re-checks the meeting through the domain, so a
button of a cancelled or foreign meeting is answered, not acted on. Changes reuse the /meeting steps as a
draft in mode "edit"; `apply_edit` hands the result to the domain, which tells every invited member.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from handlers.codec import encode
from handlers.common import Btn, Req, View, esc
from handlers.meetings import overlap, rsvp_list, steps
from handlers.meetings.letters import letters_button
from handlers.meetings.views import describe_changes, invitation_view, meeting_text, offline_button
from models import drafts
from models import proxy as proxy_domain
from models.errors import Refusal
from models.meetings import core as meetings_domain
from models.tables import Meeting, Rsvp, Team

PREFIX = "me"
MAX_SHOWN = 10
EDIT_STEPS = {"when": "when", "place": "place", "agenda": "agenda"}


def _manage_row(req: Req, meeting_id: int) -> list[Btn]:
    return [
        Btn(req.t("meeting_flow.edit"), encode(PREFIX, "edit", meeting_id)),
        Btn(req.t("meeting_flow.cancel_meeting"), encode(PREFIX, "cancel", meeting_id)),
    ]


def _card(req: Req, meeting: Meeting, rsvp: Rsvp | None, team: Team, organiser: bool, offline_n: int = 0) -> View:
    """One upcoming meeting: as invited members see it, with the answer; leads get Ändern / Absagen."""
    if rsvp is not None:
        view = invitation_view(req.config, meeting, team, req.lang, rsvp, "meeting_flow.card_intro", {})
        if rsvp.answer is None:
            view.text += "\n\n" + req.t("meeting_flow.no_answer_yet")
    else:
        view = View(req.t("meeting_flow.card_intro") + "\n\n" + meeting_text(req.config, meeting, team, req.lang))
    if rsvp_list.may_see(organiser, req):
        view.buttons = [*view.buttons, [rsvp_list.list_button(req, meeting.id)]]
    if organiser and offline_n:
        view.buttons = [*view.buttons, [offline_button(req.lang, meeting.id, offline_n)]]
    if organiser:
        view.buttons = [*view.buttons, _manage_row(req, meeting.id), [letters_button(req, meeting.id)]]
    return view


async def _offline_count(req: Req, meeting_id: int) -> int:
    return len(await proxy_domain.offline_invitees(req.session, meeting_id))


async def show_my_meetings(req: Req) -> None:
    """/meetings: the meetings I am invited to, plus those of teams I lead, soonest first."""
    led = await meetings_domain.schedulable_teams(req.session, req.me)
    led_ids = {t.id for t in led}
    items: dict[int, tuple[Meeting, Rsvp | None, Team]] = {
        m.id: (m, r, t) for m, r, t in await meetings_domain.upcoming_for(req.session, req.me, req.now)
    }
    for team in led:
        for m in await meetings_domain.team_meetings(req.session, team.id, req.now):
            items.setdefault(m.id, (m, None, team))
    if not items:
        req.reply(req.t("meeting_flow.none_lead" if led_ids else "meeting_flow.none"))
        return
    shown = sorted(items.values(), key=lambda item: item[0].starts_at)
    req.reply(req.t("meeting_flow.list_title", count=len(shown)))
    for meeting, rsvp, team in shown[:MAX_SHOWN]:
        organiser = meeting.team_id in led_ids
        n = await _offline_count(req, meeting.id) if organiser else 0
        req.reply(_card(req, meeting, rsvp, team, organiser, n))
    if len(shown) > MAX_SHOWN:
        req.reply(req.t("meeting_flow.more", count=len(shown) - MAX_SHOWN))


async def on_manage_button(req: Req) -> None:
    """me:<edit|ed|cancel|cx|back>:<meeting>[:<when|place|agenda>]"""
    assert req.cb is not None
    action, meeting_id = req.cb.arg(0), req.cb.int(1)
    meeting = await meetings_domain.organised_meeting(req.session, req.me, meeting_id)
    team = await req.session.get(Team, meeting.team_id)
    assert team is not None
    if action == "back":
        rsvp = await req.session.get(Rsvp, (meeting.id, req.me.id))
        req.show(_card(req, meeting, rsvp, team, organiser=True, offline_n=await _offline_count(req, meeting.id)))
        return
    if meeting.starts_at <= req.now:
        raise Refusal("meetings.already_started")
    text = meeting_text(req.config, meeting, team, req.lang)
    back = Btn(req.t("meeting_flow.back"), encode(PREFIX, "back", meeting.id))
    if action == "edit":
        rows = [
            [Btn(req.t(f"meeting_flow.edit_{what}"), encode(PREFIX, "ed", meeting.id, what))] for what in EDIT_STEPS
        ]
        req.show(View(req.t("meeting_flow.edit_what") + "\n\n" + text, [*rows, [back]]))
    elif action == "ed":
        await start_edit(req, meeting, req.cb.arg(2))
    elif action == "cancel":
        invited = await others_invited(req, meeting.id)
        yes = Btn(req.t("meeting_flow.cancel_yes"), encode(PREFIX, "cx", meeting.id))
        req.show(View(req.t("meeting_flow.cancel_ask", meeting=text, count=invited), [[yes], [back]]))
    elif action == "cx":
        await meetings_domain.cancel_meeting(req.session, req.me, meeting.id, req.now)
        req.deliver_soon()
        req.show(
            View(
                req.t("meeting_flow.cancel_done", title=esc(meeting.title), count=await others_invited(req, meeting.id))
            )
        )
    else:
        raise Refusal("errors.stale_button")


async def others_invited(req: Req, meeting_id: int) -> int:
    """How many invited people a notice reaches: everyone but the one acting (she is told here)."""
    hc = await meetings_domain.headcount(req.session, meeting_id)
    me = await req.session.get(Rsvp, (meeting_id, req.me.id))
    return hc.yes + hc.maybe + hc.no + hc.open - (me is not None)


async def start_edit(req: Req, meeting: Meeting, what: str) -> None:
    """Open a draft in edit mode at the step that asks for `what` (a new run: older flow buttons go stale)."""
    if what not in EDIT_STEPS:
        raise Refusal("errors.stale_button")
    data = {**steps.new_run(), "mode": steps.EDIT, "meeting": meeting.id, "team": meeting.team_id}
    data |= {"title": meeting.title, "edit": what}
    draft = await steps.save(req, EDIT_STEPS[what], data)
    req.show(await steps.step_view(req, draft))


def _changes(data: dict[str, Any]) -> dict[str, Any]:
    what = data.get("edit")
    if what == "when":
        return {"starts_at": datetime.fromisoformat(data["starts_at"])}
    if what == "place":
        return {"town": data.get("town"), "address": data.get("address"), "online_url": data.get("online_url")}
    return {"agenda": data.get("agenda")}


async def apply_edit(req: Req, data: dict[str, Any]) -> None:
    """The edit draft is complete: change the meeting (the domain notifies members and moves reminders)."""
    diff = await meetings_domain.change_meeting(
        req.session,
        req.me,
        int(data["meeting"]),
        _changes(data),
        req.now,
        req.config.meetings,
        [t.key for t in req.config.towns],
    )
    await drafts.clear_draft(req.session, req.me.id)
    if not diff:
        req.show(View(req.t("meeting_flow.unchanged")))
        return
    req.deliver_soon()
    lines = describe_changes(req.config, diff, req.lang)
    text = req.t("meeting_flow.changed", changes="\n".join(lines))
    if any(name in ("starts_at", "duration_min") for name, _, _ in diff):
        meeting = await meetings_domain.get_meeting(req.session, int(data["meeting"]))
        clash = await overlap.warning(req, meeting.team_id, meeting.starts_at, meeting.duration_min, meeting.id)
        text += f"\n\n{clash}\n{req.t('overlap.change_again')}" if clash else ""
    req.show(View(text))
