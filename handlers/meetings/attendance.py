"""After a meeting: the lead records who attended (plus guests without Telegram) and short minutes.

Reached from the attendance nudge (button `att:1:<meeting>:show:0`) and from /attendance. Buttons are
`att:1:<meeting>:<action>:<args>`; each carries the value it sets (present/absent, the guest count), so a
re-sent tap changes nothing. Decisions and next steps are typed in a "minutes" draft (or spoken:
handlers/voice.py). Below the names, the team's open ideas: one tap links an idea to this meeting
(handlers/meetings/attendance_ideas.py).
"""

from __future__ import annotations

from core.texts import format_when
from handlers import voice as voice_views
from handlers.codec import encode
from handlers.common import Btn, Req, View, esc, short
from handlers.meetings import attendance_ideas
from handlers.meetings.attendance_result import result_view
from handlers.meetings.views import offline_button
from handlers.names import person_name
from models import drafts
from models import proxy as proxy_domain
from models import voice as voice_domain
from models.errors import Refusal
from models.meetings import attendance as attendance_domain
from models.surveys import core as surveys
from models.tables import Draft, Meeting

FLOW = "minutes"
PAGE = 40  # names per page: 20 rows of two, well under Telegram's 100 buttons per keyboard
PER_ROW = 2
NAME_MAX = 28
FIELD_ACTIONS = {"dec": "decisions", "nxt": "next_steps"}


async def screen(req: Req, meeting: Meeting, page: int, idea_page: int = 0) -> View:
    """The attendance list of one page with the guest counter, the minutes and "Fertig"."""
    people = await attendance_domain.invitees(req.session, meeting.id)
    pages = max(1, -(-len(people) // PAGE))
    page = min(max(page, 0), pages - 1)
    lines = [
        req.t(
            "attendance.title",
            title=esc(meeting.title),
            when=format_when(meeting.starts_at, req.lang, req.config.time_zone),
        ),
        req.t(
            "attendance.summary",
            present=sum(p.attended for p in people),
            invited=len(people),
            guests=meeting.guests,
        ),
    ]
    if meeting.decisions:
        lines.append(req.t("attendance.decisions_line", text=esc(short(meeting.decisions))))
    if meeting.next_steps:
        lines.append(req.t("attendance.next_steps_line", text=esc(short(meeting.next_steps))))
    if meeting.attendance_recorded_at is not None:
        when = format_when(meeting.attendance_recorded_at, req.lang, req.config.time_zone)
        lines.append(req.t("attendance.recorded_line", when=when))
    lines.append(req.t("attendance.hint" if people else "attendance.nobody_invited"))
    if pages > 1:
        lines.append(req.t("attendance.page", page=page + 1, pages=pages))

    def data(*args: object) -> str:
        return encode("att", meeting.id, *args)

    rows: list[list[Btn]] = []
    shown = people[page * PAGE : (page + 1) * PAGE]
    for i in range(0, len(shown), PER_ROW):  # each name carries the state it sets: ✅ → absent, ◻ → present
        rows.append(
            [
                Btn(
                    f"{'✅' if p.attended else '◻'} {person_name(req, p.name, NAME_MAX)}",
                    data("yn"[p.attended], p.person_id, page),
                )
                for p in shown[i : i + PER_ROW]
            ]
        )
    guests = meeting.guests
    rows.append(
        [
            Btn("−", data("g", max(0, guests - 1), page)),
            Btn(req.t("attendance.guests_button", count=guests), data("show", page)),
            Btn("+", data("g", guests + 1, page)),
        ]
    )
    if pages > 1:
        rows.append([Btn("◀", data("show", (page - 1) % pages)), Btn("▶", data("show", (page + 1) % pages))])
    rows.append(
        [
            Btn(req.t("attendance.decisions_button"), data("dec", page)),
            Btn(req.t("attendance.next_steps_button"), data("nxt", page)),
        ]
    )
    voice_lines, voice_rows = await voice_views.meeting_section(req, meeting.id)  # minutes given as voice messages
    lines += voice_lines
    rows += voice_rows
    idea_lines, idea_rows = await attendance_ideas.section(req, meeting, page, idea_page)
    rows += idea_rows
    offline_n = len(await proxy_domain.offline_invitees(req.session, meeting.id))
    if offline_n:  # members without Telegram: their survey answers, entered by proxy
        rows.append([offline_button(req.lang, meeting.id, offline_n)])
    rows.append([Btn(req.t("attendance.done_button"), data("done", page))])
    return View("\n".join([*lines, *idea_lines]), rows)


async def on_attendance_button(req: Req) -> None:
    """att:<meeting>:show|y|n|g|dec|nxt|done|i|ip:...: every tap re-checks that the presser leads the team."""
    assert req.cb is not None
    meeting_id, action = req.cb.int(0), req.cb.arg(1)
    domain = attendance_domain
    meeting = await domain.recordable_meeting(req.session, req.me, meeting_id, req.now)
    idea_page = 0
    if action == "i":
        page, idea_page = await attendance_ideas.on_idea(req)
    elif action == "ip":
        page, idea_page = req.cb.int(2), req.cb.int(3)
    elif action == "show":
        page = req.cb.int(2)
    elif action in ("y", "n"):
        page = req.cb.int(3)
        await domain.set_attended(req.session, req.me, meeting_id, req.cb.int(2), action == "y", req.now)
    elif action == "g":
        page = req.cb.int(3)
        count = await domain.set_guests(req.session, req.me, meeting_id, req.cb.int(2), req.now)
        req.toast(req.t("attendance.guests_saved", count=count))
    elif action in FIELD_ACTIONS:
        which = FIELD_ACTIONS[action]
        await drafts.save_draft(req.session, req.me.id, FLOW, which, {"meeting": meeting_id}, req.now)
        current = getattr(meeting, which)
        key = f"attendance.ask_{which}"
        text = req.t(key) + ("\n\n" + req.t("attendance.current", text=esc(current)) if current else "")
        req.reply(text)
        return
    elif action == "done":
        _, first = await domain.finish(req.session, req.me, meeting_id, req.now)
        req.toast(req.t("attendance.saved" if first else "attendance.saved_again"))
        after = req.config.evaluation.survey_after
        if await surveys.plan_meeting(req.session, meeting, req.config.meetings, after, req.now):
            req.deliver_soon()  # the survey to those present (models/surveys/core.py)
        req.show(await result_view(req, meeting))
        return
    else:
        raise Refusal("errors.stale_button")
    req.show(await screen(req, meeting, page, idea_page))


async def on_input(req: Req, draft: Draft) -> None:
    """Typed decisions or next steps for the meeting in the draft; then the attendance screen again."""
    meeting_id = int(draft.data.get("meeting", 0))
    voice = voice_views.voice_of(req)
    if voice is not None:  # kept for the lead or the manager to listen to and type into the minutes
        meeting = await attendance_domain.recordable_meeting(req.session, req.me, meeting_id, req.now)
        if draft.step not in voice_domain.MINUTES:
            raise Refusal("errors.unknown_choice")
        await voice_views.receive(req, voice, draft.step, meeting.id)
        await drafts.clear_draft(req.session, req.me.id)
        return
    if req.text is None:
        raise Refusal("attendance.text_only")
    meeting = await attendance_domain.set_minutes(req.session, req.me, meeting_id, draft.step, req.text, req.now)
    await drafts.clear_draft(req.session, req.me.id)
    req.reply(req.t("attendance.minutes_saved"))
    req.reply(await screen(req, meeting, 0))


async def show_open(req: Req) -> None:
    """/attendance (team leads): past meetings of their teams still waiting for the attendance list."""
    meetings = await attendance_domain.open_meetings(req.session, req.me, req.now)
    if not meetings:
        req.show(View(req.t("attendance.none_open")))
        return
    rows = [
        [
            Btn(
                f"{short(m.title, 40)} · {format_when(m.starts_at, req.lang, req.config.time_zone)}",
                encode("att", m.id, "show", 0),
            )
        ]
        for m in meetings
    ]
    req.show(View(req.t("attendance.open_title"), rows))
