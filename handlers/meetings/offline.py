"""Members without Telegram at one meeting (docs/proxy-members.md): the lead records their answers after a call,
the headcount lists them with their phone numbers ("Telefonkette"), and after the meeting the lead may enter a
present member's survey answer for her (marked as entered by proxy).

Buttons are `pr:1:<meeting>` (the list), `pr:1:<meeting>:<person>` (one member's answer buttons),
`pr:1:<meeting>:<person>:a:<yes|maybe|no>`, `pr:1:<meeting>:<person>:r:<reason|none>` and
`pr:1:<meeting>:<person>:s:<1-5>` (usefulness, by proxy), then `pr:1:<meeting>:<person>:f|o:<code>:<1|0>` (a success
factor or obstacle chip, the member's own survey's chips). The domain checks every press (models/proxy.py).
"""

from __future__ import annotations

from handlers.codec import encode
from handlers.common import Btn, Req, View, esc
from handlers.meetings.views import OFFLINE_PREFIX, answer_label, call_list
from handlers.names import person_name
from handlers.surveys.answer import CODE_ACTIONS, STATES
from handlers.surveys.views import CHIP_ACTION, CHIP_ICON, PER_ROW, summary_lines
from models import proxy as proxy_domain
from models.errors import Refusal
from models.meetings import core as meetings_domain
from models.surveys.answers import answer_of
from models.surveys.core import USEFULNESS
from models.tables import SurveyAnswer

PREFIX = OFFLINE_PREFIX


async def _list_view(req: Req, meeting_id: int) -> View:
    meeting = await meetings_domain.organised_meeting(req.session, req.me, meeting_id)
    found = await proxy_domain.offline_invitees(req.session, meeting_id)
    if not found:
        raise Refusal("proxy.none_invited")
    lines, _ = await call_list(req.session, meeting_id, req.lang)
    text = req.t("proxy.meeting_title", title=esc(meeting.title)) + "\n" + "\n".join(lines[1:])
    rows = [
        [
            Btn(
                f"{person_name(req, p.display_name, 30)}: {answer_label(req.lang, r.answer)}",
                encode(PREFIX, meeting_id, p.id),
            )
        ]
        for p, r, _ in found[:40]
    ]
    return View(text, rows)


def _member_view(
    req: Req, meeting_id: int, name: str, started: bool, answer: SurveyAnswer | None = None
) -> tuple[str, list[list[Btn]]]:
    back = [Btn(req.t("proxy.back"), encode(PREFIX, meeting_id))]
    if started:
        current = answer.usefulness if answer is not None else None
        rows = [
            [Btn(f"• {v}" if v == current else str(v), encode(PREFIX, meeting_id, "_", "s", v)) for v in USEFULNESS]
        ]
        text = req.t("proxy.ask_survey", name=esc(name))
        if current is not None:  # the member's own chips (handlers/surveys/views.py), each carrying the state it sets
            assert answer is not None
            text += "\n" + req.t("proxy.ask_codes") + "\n\n" + "\n".join(summary_lines(req.config, answer, req.lang))
            for kind, ticked in (("factor", answer.factors), ("obstacle", answer.obstacles)):
                chips: list[Btn] = []
                for code in req.config.codes(kind):
                    on = code.key in (ticked or [])
                    label = f"{'✅' if on else CHIP_ICON[kind]} {code.name(req.lang)}"
                    chips.append(Btn(label, encode(PREFIX, meeting_id, "_", CHIP_ACTION[kind], code.key, int(not on))))
                rows += [chips[i : i + PER_ROW] for i in range(0, len(chips), PER_ROW)]
        return text, [*rows, back]
    answers = [Btn(answer_label(req.lang, a), encode(PREFIX, meeting_id, "_", "a", a)) for a in meetings_domain.ANSWERS]
    return req.t("proxy.ask_answer", name=esc(name)), [answers, back]


async def _survey_view(req: Req, meeting_id: int, person_id: int, name: str) -> View:
    answer = await answer_of(req.session, meeting_id, person_id)
    text, rows = _member_view(req, meeting_id, name, True, answer)
    return View(text, _with_person(rows, person_id))


def _with_person(rows: list[list[Btn]], person_id: int) -> list[list[Btn]]:
    """Put the member's id into the placeholder of each button (one builder for both screens)."""
    return [[Btn(b.label, (b.data or "").replace(":_:", f":{person_id}:")) for b in row] for row in rows]


async def on_button(req: Req) -> None:
    assert req.cb is not None
    meeting_id = req.cb.int(0)
    if len(req.cb.args) == 1:
        req.show(await _list_view(req, meeting_id))
        return
    person_id = req.cb.int(1)
    meeting = await meetings_domain.organised_meeting(req.session, req.me, meeting_id)
    person = next(
        (p for p, _, _ in await proxy_domain.offline_invitees(req.session, meeting_id) if p.id == person_id), None
    )
    if person is None:
        raise Refusal("proxy.not_found")
    started = meeting.starts_at <= req.now
    if len(req.cb.args) == 2:
        if started:
            req.show(await _survey_view(req, meeting_id, person_id, person.display_name))
            return
        text, rows = _member_view(req, meeting_id, person.display_name, started)
        req.show(View(text, _with_person(rows, person_id)))
        return
    kind, value = req.cb.arg(2), req.cb.arg(3)
    if kind == "a" and value == "no":
        await proxy_domain.record_rsvp(req.session, req.me, meeting_id, person_id, "no", req.now, req.config.meetings)
        rows = [
            [Btn(req.t(f"meetings.reason_{r}"), encode(PREFIX, meeting_id, person_id, "r", r))]
            for r in meetings_domain.REASONS
        ]
        rows.append([Btn(req.t("meetings.reason_skip"), encode(PREFIX, meeting_id, person_id, "r", "none"))])
        req.show(View(req.t("proxy.ask_reason", name=esc(person.display_name)), rows))
        return
    if kind == "a":
        await proxy_domain.record_rsvp(req.session, req.me, meeting_id, person_id, value, req.now, req.config.meetings)
    elif kind == "r":
        reason = None if value == "none" else value
        await proxy_domain.record_rsvp(
            req.session, req.me, meeting_id, person_id, "no", req.now, req.config.meetings, reason
        )
    elif kind == "s" and value.isdigit():
        changed = await proxy_domain.enter_survey(req.session, req.me, meeting_id, person_id, int(value), req.now)
        req.toast(req.t("proxy.survey_saved" if changed else "survey.unchanged", name=person.display_name))
        req.show(await _survey_view(req, meeting_id, person_id, person.display_name))
        return
    elif kind in CODE_ACTIONS and (on := STATES.get(req.cb.arg(4))) is not None:
        code_kind = CODE_ACTIONS[kind]
        known = [c.key for c in req.config.codes(code_kind)]
        changed = await proxy_domain.enter_survey_code(
            req.session, req.me, meeting_id, person_id, code_kind, value, on, known, req.now
        )
        req.toast(req.t("proxy.survey_saved" if changed else "survey.unchanged", name=person.display_name))
        req.show(await _survey_view(req, meeting_id, person_id, person.display_name))
        return
    else:
        raise Refusal("errors.stale_button")
    req.toast(req.t("common.saved"))
    req.show(await _list_view(req, meeting_id))
