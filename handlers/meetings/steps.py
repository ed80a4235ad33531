"""The /meeting dialogue's state and screens: one draft row per person, every button carrying the run's nonce.

Mode "new" walks team → title → when (typed, or day → time buttons; the doubled October hour asks "fold")
→ duration → place → address | link → agenda → reminders → confirm. Mode "edit" reuses when / place / agenda
for one existing meeting. Nothing here decides anything: the domain validates and stores.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from babel.dates import format_date

from handlers.codec import BadCallback, encode
from handlers.common import Btn, Req, View, esc
from handlers.meetings import overlap
from handlers.meetings.views import meeting_text, town_label
from models import drafts
from models.dates import day_choices, example_dates, time_choices
from models.drafts import NONCE
from models.meetings import core as meetings_domain
from models.tables import Draft, Meeting, Team

FLOW = "meeting"
NEW, EDIT = "new", "edit"
PREFIX = "mt"
DURATIONS = (60, 90, 120)
ONLINE = "online"


def new_run() -> dict[str, Any]:
    return drafts.new_run()


async def save(req: Req, step: str, data: dict[str, Any]) -> Draft:
    """Move the draft to `step` (the nonce in `data` is kept; a draft without one gets one)."""
    return await drafts.save_draft(req.session, req.me.id, FLOW, step, {**new_run(), **data}, req.now)


async def current(req: Req) -> Draft:
    """The open meeting draft a `mt:1:<nonce>:…` button belongs to; buttons of other runs are answered."""
    assert req.cb is not None
    return await drafts.draft_of_button(req.session, req.me.id, FLOW, req.cb.arg(0), "meeting_flow.no_draft")


def btn(label: str, draft: Draft, action: str, arg: object = "-") -> Btn:
    return Btn(label, encode(PREFIX, draft.data[NONCE], action, arg))


def is_edit(draft: Draft) -> bool:
    return draft.data.get("mode") == EDIT


def parse_day(text: str) -> date:
    """A day from a button (YYYYMMDD); anything else is forged or truncated."""
    try:
        if len(text) == 8 and text.isdigit():
            return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        pass
    raise BadCallback("not a day")


def parse_time(text: str) -> time:
    """A time from a button (HHMM)."""
    try:
        if len(text) == 4 and text.isdigit():
            return time(int(text[:2]), int(text[2:]))
    except ValueError:
        pass
    raise BadCallback("not a time")


def offsets_label(req: Req, offsets: list[int]) -> str:
    """'24 h + 2 h' (or 'keine')."""
    if not offsets:
        return req.t("meeting_flow.reminders_none")
    return " + ".join(f"{m // 60} h" if m % 60 == 0 else f"{m} min" for m in offsets)


def reminder_choices(req: Req) -> dict[str, list[int]]:
    """Button code → offsets: all configured (the default), each one alone, none."""
    configured = list(req.config.meetings.reminder_offsets)
    choices = {"d": configured}
    if len(configured) > 1:
        choices.update({f"o{m}": [m] for m in configured})
    choices["n"] = []
    return choices


def preview(data: dict[str, Any]) -> Meeting:
    """The meeting as it would be stored, never added to the session: shown exactly as members will see it."""
    return Meeting(
        title=data.get("title", ""),
        starts_at=datetime.fromisoformat(data["starts_at"]),
        duration_min=data.get("duration", 90),
        town=data.get("town"),
        address=data.get("address"),
        online_url=data.get("online_url"),
        agenda=data.get("agenda"),
    )


def _day_label(req: Req, day: date, today: date) -> str:
    if day == today:
        return req.t("meeting_flow.today")
    if (day - today).days == 1:
        return req.t("meeting_flow.tomorrow")
    return format_date(day, "EEE d.M.", locale=req.lang)


def _rows(buttons: list[Btn], width: int) -> list[list[Btn]]:
    return [buttons[i : i + width] for i in range(0, len(buttons), width)]


async def _places_hint(req: Req, team_id: int) -> str:
    """Where the team met lately, so the three towns can take turns."""
    places = await meetings_domain.last_places(req.session, team_id, req.now)
    if not places:
        return ""
    shown = [
        f"{esc(req.t('meeting_flow.online') if m.online_url else town_label(req.config, m.town, req.lang))} "
        f"({format_date(m.starts_at.astimezone(req.config.time_zone).date(), 'd.M.', locale=req.lang)})"
        for m in places
    ]
    return "\n" + req.t("meeting_flow.last_places", places=", ".join(shown))


async def _team(req: Req, data: dict[str, Any]) -> Team | None:
    return await req.session.get(Team, int(data["team"])) if data.get("team") else None


async def step_view(req: Req, draft: Draft) -> View:
    """The question of the draft's current step (used to start, resume and re-ask)."""
    data, step, tz = draft.data, draft.step, req.config.time_zone
    head = req.t("meeting_flow.edit_head", title=esc(data.get("title", ""))) + "\n" if is_edit(draft) else ""
    if step == "team":
        teams = await meetings_domain.schedulable_teams(req.session, req.me)
        return View(req.t("meeting_flow.ask_team"), [[btn(t.name(req.lang), draft, "team", t.id)] for t in teams])
    if step == "title":
        return View(req.t("meeting_flow.ask_title", max=meetings_domain.TITLE_MAX))
    if step == "when":
        today = req.now.astimezone(tz).date()
        days = [btn(_day_label(req, d, today), draft, "day", f"{d:%Y%m%d}") for d in day_choices(req.now, tz)]
        return View(head + req.t("meeting_flow.ask_when", **example_dates(req.now, tz)), _rows(days, 3))
    if step == "time":
        day = date.fromisoformat(data["day"])
        times = [btn(f"{t:%H:%M}", draft, "time", f"{t:%H%M}") for t in time_choices()]
        rows = [*_rows(times, 4), [btn(req.t("meeting_flow.other_day"), draft, "back")]]
        return View(
            head + req.t("meeting_flow.ask_time", day=format_date(day, "EEEE, d. MMMM y", locale=req.lang)), rows
        )
    if step == "fold":
        local = datetime.fromisoformat(data["local"])
        labels = [
            req.t("meeting_flow.summer_time", time=f"{local:%H:%M}"),
            req.t("meeting_flow.winter_time", time=f"{local:%H:%M}"),
        ]
        rows = [[btn(label, draft, "fold", i)] for i, label in enumerate(labels)]
        return View(head + req.t("dates.ambiguous"), [*rows, [btn(req.t("meeting_flow.other_day"), draft, "back")]])
    if step == "duration":
        rows = [[btn(req.t("meeting_flow.minutes", minutes=m), draft, "dur", m) for m in DURATIONS]]
        return View(req.t("meeting_flow.ask_duration"), rows)
    if step == "place":
        rows = [[btn(req.t("meeting_flow.online"), draft, "place", ONLINE)]]
        rows += [[btn(t.name(req.lang), draft, "place", t.key)] for t in req.config.towns]
        return View(head + req.t("meeting_flow.ask_place") + await _places_hint(req, int(data["team"])), rows)
    if step == "address":
        return View(
            head + req.t("meeting_flow.ask_address", town=esc(town_label(req.config, data.get("town"), req.lang)))
        )
    if step == "link":
        return View(head + req.t("meeting_flow.ask_link"))
    if step == "agenda":
        skip = req.t("meeting_flow.remove_agenda" if is_edit(draft) else "meeting_flow.skip")
        return View(head + req.t("meeting_flow.ask_agenda", max=meetings_domain.TEXT_MAX), [[btn(skip, draft, "skip")]])
    if step == "reminders":
        chosen = data.get("reminders", list(req.config.meetings.reminder_offsets))
        rows = []
        for code, offsets in reminder_choices(req).items():
            label = (
                offsets_label(req, offsets)
                if code in ("d", "n")
                else req.t("meeting_flow.only", what=offsets_label(req, offsets))
            )
            rows.append([btn(("• " if offsets == chosen else "") + label, draft, "rem", code)])
        return View(req.t("meeting_flow.ask_reminders"), rows)
    return await confirm_view(req, draft)


async def confirm_view(req: Req, draft: Draft) -> View:
    data = draft.data
    text = meeting_text(req.config, preview(data), await _team(req, data), req.lang)
    reminders = offsets_label(req, data.get("reminders", list(req.config.meetings.reminder_offsets)))
    meeting = preview(data)
    clash = await overlap.warning(req, int(data["team"]), meeting.starts_at, meeting.duration_min)
    warn = f"\n\n{clash}\n{req.t('overlap.go_on')}" if clash else ""
    return View(
        req.t("meeting_flow.confirm", meeting=text, reminders=reminders) + warn,
        [
            [btn(req.t("meeting_flow.invite"), draft, "ok")],
            [btn(req.t("meeting_flow.restart"), draft, "again"), btn(req.t("meeting_flow.cancel"), draft, "cancel")],
        ],
    )
