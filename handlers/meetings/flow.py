"""/meeting (team leads): the dialogue that schedules a meeting, typed or with buttons, kept as a draft row.

Screens and draft helpers live in handlers/meetings/steps.py; /meetings, editing and cancelling in
handlers/meetings/manage.py (re-exported here, where bot/application.py looks for them).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from handlers.common import Req, View, esc
from handlers.meetings import manage as meeting_manage
from handlers.meetings import steps
from handlers.meetings.manage import on_manage_button, show_my_meetings
from handlers.meetings.views import invitation_view, meeting_text
from models import drafts
from models.dates import DateProblem, ParsedWhen, combine_local, parse_duration, parse_when
from models.errors import Refusal
from models.meetings import core as meetings_domain
from models.meetings.core import MeetingInput
from models.tables import Draft, Meeting, Rsvp, Team

__all__ = ["on_flow_button", "on_input", "on_manage_button", "show_my_meetings", "start_meeting", "start_meeting_draft"]

TYPED = ("title", "when", "time", "duration", "address", "link", "agenda")
# which steps each button belongs to; a button pressed at another step is stale
BUTTON_STEPS = {
    "team": ("team",),
    "day": ("when", "time"),
    "time": ("time",),
    "back": ("time", "fold"),
    "fold": ("fold",),
    "dur": ("duration",),
    "place": ("place",),
    "skip": ("agenda",),
    "rem": ("reminders",),
    "ok": ("confirm",),
}
NEXT = {"team": "title", "title": "when", "when": "duration", "duration": "place", "address": "agenda"}
NEXT |= {"link": "agenda", "agenda": "reminders", "reminders": "confirm"}
EDIT_DONE = ("when", "address", "link", "agenda")  # in edit mode these steps finish the change


async def start_meeting(req: Req) -> None:
    """/meeting: resume an unfinished meeting draft, or pick the team (skipped when there is only one)."""
    draft = await drafts.get_draft(req.session, req.me.id)
    if draft is not None and draft.flow == steps.FLOW and not steps.is_edit(draft):
        req.reply(req.t("meeting_flow.resumed"))
        req.show(await steps.step_view(req, await steps.save(req, draft.step, draft.data)))
        return
    teams = await meetings_domain.schedulable_teams(req.session, req.me)
    if not teams:
        raise Refusal("meetings.not_lead")
    if len(teams) == 1:
        draft = await steps.save(req, "title", {**steps.new_run(), "mode": steps.NEW, "team": teams[0].id})
    else:
        draft = await steps.save(req, "team", {**steps.new_run(), "mode": steps.NEW})
    req.show(await steps.step_view(req, draft))


async def start_meeting_draft(req: Req, team_id: int, title: str, starts_at: datetime) -> None:
    """Start /meeting at the duration step with team, title and time chosen elsewhere (a poll's winning slot).

    The question comes as a new message, so the screen the lead pressed on stays as it is.
    """
    await meetings_domain.require_organiser(req.session, req.me, team_id)
    data = {**steps.new_run(), "mode": steps.NEW, "team": team_id, "title": meetings_domain.clean_title(title)}
    draft = await steps.save(req, "duration", {**data, "starts_at": starts_at.isoformat()})
    req.reply(await steps.step_view(req, draft))


async def advance(req: Req, draft: Draft, changes: dict[str, Any], done: str) -> None:
    """Step `done` is answered: show the next question, or (edit mode) apply the change to the meeting."""
    data = {**draft.data, **changes}
    if steps.is_edit(draft) and done in EDIT_DONE:
        await meeting_manage.apply_edit(req, data)
        return
    req.show(await steps.step_view(req, await steps.save(req, NEXT[done], data)))


async def take_moment(req: Req, draft: Draft, attempt: Callable[[], ParsedWhen]) -> None:
    """Use a resolved date and time; ask summer or winter time for the doubled hour, or the time for a bare day."""
    try:
        when = attempt()
    except DateProblem as problem:
        if problem.key == "dates.ambiguous":
            local = problem.params["options"][0].astimezone(req.config.time_zone).replace(tzinfo=None)
            draft = await steps.save(req, "fold", {**draft.data, "local": local.isoformat()})
            req.show(await steps.step_view(req, draft))
            return
        if problem.key == "dates.no_time":
            draft = await steps.save(req, "time", {**draft.data, "day": problem.params["day"].isoformat()})
            req.show(await steps.step_view(req, draft))
            return
        raise
    await advance(req, draft, {"starts_at": when.start.isoformat()}, "when")


def _typed_when(req: Req, draft: Draft, text: str) -> Callable[[], ParsedWhen]:
    """Typed at the time step, the text is first read as a time on the chosen day."""
    tz = req.config.time_zone

    def attempt() -> ParsedWhen:
        if draft.step == "time":
            day = date.fromisoformat(draft.data["day"])
            try:
                return parse_when(f"{day.day}.{day.month}.{day.year} {text}", req.now, tz)
            except DateProblem as problem:
                if problem.key != "dates.unparseable":
                    raise
        return parse_when(text, req.now, tz)

    return attempt


async def on_input(req: Req, draft: Draft) -> None:
    """Typed input while a meeting draft is open; at a button step the question is asked again."""
    step = draft.step
    if step not in TYPED:
        req.reply(req.t("meeting_flow.use_buttons"))
        req.reply(await steps.step_view(req, await steps.save(req, step, draft.data)))
        return
    text = req.text
    if text is None:
        raise Refusal("meeting_flow.text_only")
    if step == "title":
        await advance(req, draft, {"title": meetings_domain.clean_title(text)}, "title")
    elif step in ("when", "time"):
        await take_moment(req, draft, _typed_when(req, draft, text))
    elif step == "duration":
        await advance(req, draft, {"duration": parse_duration(text)}, "duration")
    elif step == "address":
        await advance(req, draft, {"address": meetings_domain.clean_text(text, empty_ok=False)}, "address")
    elif step == "link":
        await advance(req, draft, {"online_url": meetings_domain.clean_url(text)}, "link")
    else:
        await advance(req, draft, {"agenda": meetings_domain.clean_text(text)}, "agenda")


async def on_flow_button(req: Req) -> None:
    """mt:<nonce>:<action>:<arg>: a choice in the open meeting draft."""
    assert req.cb is not None
    draft = await steps.current(req)
    action, arg = req.cb.arg(1), req.cb.arg(2) if len(req.cb.args) > 2 else ""
    if action == "cancel":
        await drafts.clear_draft(req.session, req.me.id)
        req.show(View(req.t("meeting_flow.cancelled")))
        return
    if action == "again" and not steps.is_edit(draft):  # a new run: buttons of the old one go stale
        await start_meeting_fresh(req, draft)
        return
    if draft.step not in BUTTON_STEPS.get(action, ()):
        raise Refusal("errors.stale_button")
    if action == "ok":
        await confirm(req, draft)
    elif action == "team":
        await meetings_domain.require_organiser(req.session, req.me, req.cb.int(2))
        await advance(req, draft, {"team": req.cb.int(2)}, "team")
    elif action == "day":
        req.show(
            await steps.step_view(
                req, await steps.save(req, "time", {**draft.data, "day": steps.parse_day(arg).isoformat()})
            )
        )
    elif action == "back":
        req.show(await steps.step_view(req, await steps.save(req, "when", draft.data)))
    elif action in ("time", "fold"):
        await take_moment(req, draft, _picked_when(req, draft, action, arg))
    elif action == "dur":
        await advance(req, draft, {"duration": parse_duration(arg)}, "duration")
    elif action == "place":
        await choose_place(req, draft, arg)
    elif action == "skip":
        await advance(req, draft, {"agenda": None}, "agenda")
    else:
        offsets = steps.reminder_choices(req).get(arg)
        if offsets is None:
            raise Refusal("errors.stale_button")
        await advance(req, draft, {"reminders": offsets}, "reminders")


def _picked_when(req: Req, draft: Draft, action: str, arg: str) -> Callable[[], ParsedWhen]:
    tz = req.config.time_zone
    if action == "time":
        day, at = date.fromisoformat(draft.data["day"]), steps.parse_time(arg)
        return lambda: combine_local(day, at, tz, req.now)
    local = datetime.fromisoformat(draft.data["local"])
    fold = req.cb.int(2) if req.cb is not None else 0
    if fold not in (0, 1):
        raise Refusal("errors.stale_button")
    return lambda: combine_local(local.date(), local.time(), tz, req.now, fold)


async def choose_place(req: Req, draft: Draft, key: str) -> None:
    if key == steps.ONLINE:
        data = {**draft.data, "town": None, "address": None}
        req.show(await steps.step_view(req, await steps.save(req, "link", data)))
        return
    if req.config.town(key) is None:
        raise Refusal("errors.stale_button")
    data = {**draft.data, "town": key, "online_url": None}
    req.show(await steps.step_view(req, await steps.save(req, "address", data)))


async def start_meeting_fresh(req: Req, draft: Draft) -> None:
    """Neu beginnen: same team if there is only one to choose, everything else asked again."""
    teams = await meetings_domain.schedulable_teams(req.session, req.me)
    data: dict[str, Any] = {**steps.new_run(), "mode": steps.NEW}
    if len(teams) == 1:
        data["team"] = teams[0].id
    req.show(await steps.step_view(req, await steps.save(req, "title" if "team" in data else "team", data)))


async def confirm(req: Req, draft: Draft) -> None:
    """Einladen: store the meeting and plan its messages; a second press finds no draft and is told so."""
    data = dict(draft.data)
    if not await drafts.clear_draft(req.session, req.me.id):
        raise Refusal("meeting_flow.no_draft")
    meeting = await meetings_domain.create_meeting(
        req.session,
        req.me,
        int(data["team"]),
        MeetingInput(
            title=data.get("title", ""),
            starts_at=datetime.fromisoformat(data["starts_at"]),
            duration_min=int(data.get("duration", 90)),
            address=data.get("address"),
            town=data.get("town"),
            online_url=data.get("online_url"),
            agenda=data.get("agenda"),
            reminder_offsets=tuple(data.get("reminders", req.config.meetings.reminder_offsets)),
        ),
        req.now,
        req.config.meetings,
        [t.key for t in req.config.towns],
    )
    req.deliver_soon()
    req.show(await planned_view(req, meeting))


async def planned_view(req: Req, meeting: Meeting) -> View:
    """The planner's one message: the confirmation, which is also her invitation (answer "yes", changeable
    with its buttons); a manager who is not in the team is not invited and is told so."""
    intro = {"title": esc(meeting.title), "count": await meeting_manage.others_invited(req, meeting.id)}
    team = await req.session.get(Team, meeting.team_id)
    rsvp = await req.session.get(Rsvp, (meeting.id, req.me.id))
    if rsvp is None:
        text = req.t("meeting_flow.invited", **intro) + "\n" + req.t("meeting_flow.not_in_team")
        return View(text + "\n\n" + meeting_text(req.config, meeting, team, req.lang))
    return invitation_view(req.config, meeting, team, req.lang, rsvp, "meeting_flow.invited", intro)
