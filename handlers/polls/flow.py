"""/poll (team leads): find a date with 2-5 slots, members vote, the lead picks one (or ends it without a date).

The dialogue is a draft row (flow "poll"), so it survives a restart; its buttons carry a per-run nonce,
so buttons of an earlier run go stale. Buttons: `pl:1:f:<nonce>:<action>[:<arg>…]` for the dialogue,
`pl:1:r:<poll>` to refresh the tally, `pl:1:k:<poll>:<slot>` to pick a slot, `pl:1:c:<poll>` to ask and
`pl:1:x:<poll>` to end it without a date, `pv:1:<slot>:<answer>` to vote.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time
from typing import Any

from core.texts import format_day, format_when
from handlers.codec import encode
from handlers.common import Btn, Req, View, esc
from handlers.polls.views import (
    answer_label,
    ballot,
    call_off_view,
    draft_head,
    ended_key,
    lead_view,
    short_day,
    short_when,
    slot_lines,
)
from models import drafts
from models import polls as polls_domain
from models.dates import (
    DateProblem,
    ParsedWhen,
    combine_local,
    day_choices,
    example_dates,
    parse_when,
    time_choices,
)
from models.drafts import NONCE
from models.errors import Refusal
from models.meetings import core as meetings_domain
from models.tables import Draft, Poll, Team

log = logging.getLogger("actionbot.polls")
FLOW = "poll"
BUTTON_STEPS = {  # which steps each dialogue button belongs to; pressed at another step it is stale
    "team": ("team",),
    "day": ("slot", "slot_time"),
    "time": ("slot_time",),
    "back": ("slot_time",),
    "more": ("more",),
    "done": ("more",),
    "dl": ("deadline",),
    "ok": ("confirm",),
}


# --- the draft -----------------------------------------------------------------------------------------


async def _save(req: Req, step: str, data: dict[str, Any]) -> Draft:
    return await drafts.save_draft(req.session, req.me.id, FLOW, step, data, req.now)


def _btn(label: str, draft: Draft, *args: object) -> Btn:
    return Btn(label, encode("pl", "f", draft.data[NONCE], *args))


def _slots(draft: Draft) -> list[datetime]:
    return [datetime.fromisoformat(s) for s in draft.data.get("slots", [])]


def _head(req: Req, draft: Draft) -> str:
    return draft_head(draft.data.get("title", ""), _slots(draft), req.lang, req.config.time_zone)


async def step_view(req: Req, draft: Draft) -> View:
    """The question for the draft's current step (used to start, resume and re-ask)."""
    step, data, tz = draft.step, draft.data, req.config.time_zone
    cancel = [_btn(req.t("polls.cancel"), draft, "cancel")]
    if step == "team":
        teams = await meetings_domain.schedulable_teams(req.session, req.me)
        return View(req.t("polls.ask_team"), [[_btn(t.name(req.lang), draft, "team", t.id)] for t in teams] + [cancel])
    if step == "title":
        return View(req.t("polls.ask_title"), [cancel])
    if step == "slot":
        days = [_btn(short_day(d, req.lang), draft, "day", d.strftime("%Y%m%d")) for d in day_choices(req.now, tz)]
        rows = [days[i : i + 4] for i in range(0, len(days), 4)]
        text = (
            _head(req, draft)
            + "\n\n"
            + req.t("polls.ask_slot", number=len(_slots(draft)) + 1, **example_dates(req.now, tz))
        )
        return View(text, [*rows, cancel])
    if step == "slot_time":
        day = date.fromisoformat(data["day"])
        times = [
            _btn(at.strftime("%H:%M"), draft, "time", day.strftime("%Y%m%d"), at.strftime("%H%M"))
            for at in time_choices()
        ]
        rows = [times[i : i + 5] for i in range(0, len(times), 5)]
        when = format_day(datetime.combine(day, time(12), tz), req.lang, tz)
        return View(req.t("polls.ask_time", day=when), [*rows, [_btn(req.t("polls.other_day"), draft, "back")], cancel])
    if step == "more":
        row = [_btn(req.t("polls.done"), draft, "done")]
        if len(_slots(draft)) < polls_domain.MAX_SLOTS:
            row.insert(0, _btn(req.t("polls.add_more"), draft, "more"))
        text = (
            _head(req, draft) + "\n\n" + req.t("polls.ask_more", min=polls_domain.MIN_SLOTS, max=polls_domain.MAX_SLOTS)
        )
        return View(text, [row, cancel])
    first = min(_slots(draft))
    if step == "deadline":
        rows = []
        for key in polls_domain.DEADLINE_CHOICES:  # each with the moment it means: "in 2 Tagen · Fr. 27.11. 18:00"
            at = _deadline_of(req, draft, key)
            if req.now < at < first:
                when = short_when(at, req.lang, tz)
                label = req.t("polls.deadline_button", choice=req.t(f"polls.deadline_{key}"), when=when)
                rows.append([_btn(label, draft, "dl", key)])
        return View(_head(req, draft) + "\n\n" + req.t("polls.ask_deadline"), [*rows, cancel])
    team = await req.session.get(Team, data["team"])
    text = req.t(
        "polls.confirm",
        team=esc(team.name(req.lang) if team else "–"),
        title=esc(data.get("title", "")),
        slots=slot_lines(sorted(_slots(draft)), req.lang, tz),
        deadline=format_when(datetime.fromisoformat(data["deadline"]), req.lang, tz),
    )
    return View(text, [[_btn(req.t("polls.start"), draft, "ok")], cancel])


def _deadline_of(req: Req, draft: Draft, key: str) -> datetime:
    return polls_domain.deadline_choice(key, req.now, min(_slots(draft)), req.config.time_zone)


def _typed_deadline(req: Req, draft: Draft, text: str) -> datetime:
    """A choice's words typed ("in 2 Tagen") mean that choice; anything else is read as a date."""
    typed = " ".join(text.lower().split())
    for key in polls_domain.DEADLINE_CHOICES:
        if typed == req.t(f"polls.deadline_{key}").lower():
            return _deadline_of(req, draft, key)
    return polls_domain.read_deadline(text, req.now, req.config.time_zone)


async def _flow_draft(req: Req) -> tuple[Draft, str]:
    """The open poll draft this button belongs to, and the button's action; stale buttons are answered."""
    assert req.cb is not None
    draft = await drafts.draft_of_button(req.session, req.me.id, FLOW, req.cb.arg(1), "polls.no_draft")
    action = req.cb.arg(2)
    if action != "cancel" and draft.step not in BUTTON_STEPS.get(action, ()):
        raise Refusal("errors.stale_button")
    return draft, action


# --- entering slots and the deadline -------------------------------------------------------------------


def _typed(req: Req) -> str:
    if req.text is None:
        raise Refusal("polls.text_only")
    return req.text


async def _add_slot(req: Req, draft: Draft, attempt: ParsedWhen | None = None, text: str = "") -> Draft:
    """Read a slot (typed or picked) and add it; a date without time asks for the time on that day."""
    try:
        when = attempt or parse_when(text, req.now, req.config.time_zone)
    except DateProblem as problem:
        if problem.key == "dates.no_time":
            return await _save(req, "slot_time", {**draft.data, "day": problem.params["day"].isoformat()})
        if problem.key == "dates.ambiguous":
            raise Refusal("polls.ambiguous") from None
        raise
    slots = _slots(draft)
    polls_domain.check_new_slot(slots, when.start, req.now)
    return await _save(req, "more", {**draft.data, "slots": [s.isoformat() for s in [*slots, when.start]]})


def _at_day(req: Req, draft: Draft, text: str) -> ParsedWhen:
    """A time typed after picking a day ("18:30") means that day; a full date typed instead counts as typed."""
    day = date.fromisoformat(draft.data["day"])
    try:
        return parse_when(f"{day:%d.%m.%Y} {text}", req.now, req.config.time_zone)
    except DateProblem as problem:
        if problem.key != "dates.unparseable":
            raise
    return parse_when(text, req.now, req.config.time_zone)


async def _set_deadline(req: Req, draft: Draft, deadline: datetime) -> Draft:
    polls_domain.check_deadline(deadline, min(_slots(draft)), req.now)
    return await _save(req, "confirm", {**draft.data, "deadline": deadline.isoformat()})


# --- handlers ------------------------------------------------------------------------------------------


async def start_poll(req: Req) -> None:
    """/poll: resume an unfinished poll draft, or pick the team (skipped when there is only one)."""
    draft = await drafts.get_draft(req.session, req.me.id)
    if draft is not None and draft.flow == FLOW:
        req.reply(req.t("polls.resumed"))
        req.reply(await step_view(req, draft))
        return
    teams = await meetings_domain.schedulable_teams(req.session, req.me)
    if not teams:
        raise Refusal("polls.not_lead")
    data: dict[str, Any] = drafts.new_run(slots=[])
    if len(teams) == 1:
        draft = await _save(req, "title", {**data, "team": teams[0].id})
    else:
        draft = await _save(req, "team", data)
    req.show(await step_view(req, draft))


async def on_input(req: Req, draft: Draft) -> None:
    """Typed input while a poll draft is open: the title, a slot, a time for the picked day, the deadline."""
    text = _typed(req)
    if draft.step == "title":
        title = meetings_domain.clean_title(text)
        draft = await _save(req, "slot", {**draft.data, "title": title})
    elif draft.step in ("slot", "more"):
        draft = await _add_slot(req, draft, text=text)
    elif draft.step == "slot_time":
        draft = await _add_slot(req, draft, _at_day(req, draft, text))
    elif draft.step == "deadline":
        draft = await _set_deadline(req, draft, _typed_deadline(req, draft, text))
    else:
        req.reply(req.t("polls.use_buttons"))
    req.reply(await step_view(req, draft))


async def on_poll_button(req: Req) -> None:
    """pl:1:f:… (the dialogue), pl:1:r:<poll> (refresh the tally), pl:1:k:<poll>:<slot> (pick a slot)."""
    assert req.cb is not None
    kind = req.cb.arg(0)
    if kind == "r":
        poll = await polls_domain.get_poll(req.session, req.cb.int(1))
        await meetings_domain.require_organiser(req.session, req.me, poll.team_id)
        req.toast(req.t("polls.refreshed"))
        req.show(await _lead(req, poll))
    elif kind == "k":
        await _pick(req, req.cb.int(1), req.cb.int(2))
    elif kind == "c":  # ask before ending without a date
        poll = await polls_domain.get_poll(req.session, req.cb.int(1))
        await meetings_domain.require_organiser(req.session, req.me, poll.team_id)
        req.show(call_off_view(poll, req.lang) if poll.status == polls_domain.OPEN else await _lead(req, poll))
    elif kind == "x":
        await polls_domain.call_off(req.session, req.me, req.cb.int(1), req.now)
        req.toast(req.t("polls.members_told"))
        req.show(await _lead(req, await polls_domain.get_poll(req.session, req.cb.int(1))))
        req.deliver_soon()
    elif kind == "f":
        await _on_flow_button(req)
    else:
        raise Refusal("errors.stale_button")


async def _on_flow_button(req: Req) -> None:
    assert req.cb is not None
    draft, action = await _flow_draft(req)
    data, tz = draft.data, req.config.time_zone
    if action == "cancel":
        await drafts.clear_draft(req.session, req.me.id)
        req.show(View(req.t("polls.cancelled")))
        return
    if action == "team":
        team = await meetings_domain.require_organiser(req.session, req.me, req.cb.int(3))
        draft = await _save(req, "title", {**data, "team": team.id})
    elif action == "day":
        draft = await _save(req, "slot_time", {**data, "day": _arg(req.cb.arg(3), "%Y%m%d").date().isoformat()})
    elif action == "time":
        at = _arg(req.cb.arg(3) + req.cb.arg(4), "%Y%m%d%H%M")
        draft = await _add_slot(req, draft, combine_local(at.date(), at.time(), tz, req.now))
    elif action == "back":
        draft = await _save(req, "slot", data)
    elif action == "more":
        if len(_slots(draft)) >= polls_domain.MAX_SLOTS:
            raise Refusal("polls.too_many", max=polls_domain.MAX_SLOTS)
        draft = await _save(req, "slot", data)
    elif action == "done":
        polls_domain.check_slots(_slots(draft), req.now)
        draft = await _save(req, "deadline", data)
    elif action == "dl":
        draft = await _set_deadline(req, draft, _deadline_of(req, draft, req.cb.arg(3)))
    elif action == "ok":
        await _create(req, draft)
        return
    req.show(await step_view(req, draft))


def _arg(raw: str, fmt: str) -> datetime:
    """A day or time from a button (never trusted: a forged one is a stale button)."""
    try:
        return datetime.strptime(raw, fmt)
    except ValueError:
        raise Refusal("errors.stale_button") from None


async def _create(req: Req, draft: Draft) -> None:
    data = dict(draft.data)
    if not await drafts.clear_draft(req.session, req.me.id):  # a parallel press took it first
        raise Refusal("polls.no_draft")
    poll = await polls_domain.create_poll(
        req.session,
        req.me,
        int(data["team"]),
        data.get("title", ""),
        _slots(draft),
        datetime.fromisoformat(data["deadline"]),
        req.now,
        req.config.meetings,
    )
    log.info("poll created poll_id=%s team_id=%s slots=%s", poll.id, poll.team_id, len(_slots(draft)))
    req.show(await lead_view(req.session, req.config, poll, req.lang))
    req.deliver_soon()


async def _pick(req: Req, poll_id: int, slot_id: int) -> None:
    """Take a slot: the poll closes, and the /meeting dialogue continues with team, title and time prefilled."""
    slot = await polls_domain.pick(req.session, req.me, poll_id, slot_id, req.now)
    poll = await polls_domain.get_poll(req.session, poll_id)
    log.info("poll closed poll_id=%s slot_id=%s", poll.id, slot.id)
    req.toast(req.t("polls.members_told"))
    req.show(await _lead(req, poll))
    req.deliver_soon()
    from handlers.meetings.flow import start_meeting_draft  # late: the meeting dialogue may come to use polls

    await start_meeting_draft(req, poll.team_id, poll.title, slot.starts_at)


async def _lead(req: Req, poll: Poll) -> View:
    return await lead_view(req.session, req.config, poll, req.lang)


async def on_vote(req: Req) -> None:
    """pv:1:<slot>:<yes|maybe|no>: record or change the vote, then redraw the member's ballot. On a ballot of an
    ended poll the press is answered with the outcome and the ballot is redrawn without buttons."""
    assert req.cb is not None
    answer = req.cb.arg(1)
    poll = await polls_domain.ballot_poll(req.session, req.me, req.cb.int(0))
    if not polls_domain.voting_open(poll, req.now):
        req.toast(req.t(ended_key(poll) + "_toast"))
        req.show(await ballot(req.session, req.config, poll, req.me, ended_key(poll)))
        return
    poll, changed = await polls_domain.vote(req.session, req.me, req.cb.int(0), answer, req.now)
    log.info("poll vote poll_id=%s slot_id=%s changed=%s", poll.id, req.cb.int(0), changed)
    req.toast(req.t("polls.vote_saved" if changed else "polls.vote_unchanged", answer=answer_label(answer, req.lang)))
    req.show(await ballot(req.session, req.config, poll, req.me, "polls.invite_intro"))
