"""How the survey looks in a chat, and what its outbox rows become when they are sent.

One message does it all: usefulness 1–5 first; once given, the chips of the success factors (👍) and obstacles
(👎) from the config and "Fertig". Each button carries the value it sets (`sv:1:<meeting>:u:4`,
`sv:1:<meeting>:f:<key>:1`), so a double tap changes nothing. Rows render at send time and render to nothing
when the survey is no longer wanted (consent withdrawn, switched off, answered, meeting cancelled).
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from core.config import Config
from core.texts import format_when, t
from handlers.codec import encode
from handlers.common import Btn, View, esc
from models import outbox
from models.meetings.core import SCHEDULED
from models.surveys import core as surveys
from models.surveys.answers import answer_of
from models.tables import Meeting, Outbox, Person, Rsvp, SurveyAnswer, Team
from scheduler.dispatcher import Outgoing, Renderer

PREFIX = "sv"
CHIP_ICON = {"factor": "👍", "obstacle": "👎"}
CHIP_ACTION = {"factor": "f", "obstacle": "o"}
PER_ROW = 2


def code_names(config: Config, kind: str, keys: list[str], lang: str) -> str:
    names = [c.name(lang) for key in keys if (c := config.code(kind, key)) is not None]
    return esc(", ".join(names))


def _head(config: Config, meeting: Meeting, team: Team, lang: str) -> str:
    when = format_when(meeting.starts_at, lang, config.time_zone)
    return t(lang, "survey.intro", title=esc(meeting.title), team=esc(team.name(lang)), when=when)


def _until(config: Config, meeting: Meeting, lang: str) -> str:
    return format_when(surveys.closes_at(meeting), lang, config.time_zone)


def summary_lines(config: Config, answer: SurveyAnswer | None, lang: str) -> list[str]:
    """The person's answer so far, one line per part given."""
    if answer is None:
        return []
    lines = []
    if answer.usefulness is not None:
        lines.append(t(lang, "survey.your_usefulness", value=answer.usefulness))
    if answer.factors:
        lines.append(t(lang, "survey.your_factors", codes=code_names(config, "factor", answer.factors, lang)))
    if answer.obstacles:
        lines.append(t(lang, "survey.your_obstacles", codes=code_names(config, "obstacle", answer.obstacles, lang)))
    if answer.comment:
        lines.append(t(lang, "survey.your_comment", text=esc(answer.comment)))
    return lines


def survey_view(
    config: Config, meeting: Meeting, team: Team, answer: SurveyAnswer | None, lang: str, intro: str | None = None
) -> View:
    """The survey: usefulness first; with it given, the chips, a sentence and "Fertig"."""
    lines = [intro, ""] if intro else []
    lines += [_head(config, meeting, team, lang), "", t(lang, "survey.ask_usefulness")]
    rated = answer is not None and answer.usefulness is not None
    if rated:
        lines += [t(lang, "survey.ask_codes"), "", *summary_lines(config, answer, lang)]
    lines += ["", t(lang, "survey.privacy_line", until=_until(config, meeting, lang))]
    current = answer.usefulness if answer is not None else None
    rows = [[Btn(f"• {v}" if v == current else str(v), encode(PREFIX, meeting.id, "u", v)) for v in surveys.USEFULNESS]]
    if rated:
        assert answer is not None
        for kind, ticked in (("factor", answer.factors), ("obstacle", answer.obstacles)):
            chips: list[Btn] = []
            for code in config.codes(kind):  # each chip carries the state it sets: ticked → off, else on
                on = code.key in (ticked or [])
                label = f"{'✅' if on else CHIP_ICON[kind]} {code.name(lang)}"
                chips.append(Btn(label, encode(PREFIX, meeting.id, CHIP_ACTION[kind], code.key, int(not on))))
            rows += [chips[i : i + PER_ROW] for i in range(0, len(chips), PER_ROW)]  # factors, then obstacles
        rows.append(
            [
                Btn(t(lang, "survey.comment_button"), encode(PREFIX, meeting.id, "txt")),
                Btn(t(lang, "survey.done_button"), encode(PREFIX, meeting.id, "done")),
            ]
        )
    return View("\n".join(lines), rows)


def thanks_view(config: Config, meeting: Meeting, answer: SurveyAnswer, lang: str) -> View:
    """After "Fertig": what was saved, until when it can be changed, and "Ändern"."""
    lines = [t(lang, "survey.thanks", title=esc(meeting.title)), "", *summary_lines(config, answer, lang)]
    lines += ["", t(lang, "survey.thanks_until", until=_until(config, meeting, lang))]
    return View("\n".join(lines), [[Btn(t(lang, "survey.edit_button"), encode(PREFIX, meeting.id, "edit"))]])


def _markup(view: View) -> InlineKeyboardMarkup | None:
    if not view.buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.data) for b in row] for row in view.buttons]
    )


async def _wanted(s: AsyncSession, row: Outbox) -> tuple[Meeting, Team, Person] | None:
    """Meeting, team and person of a survey row, or None when the survey is no longer wanted."""
    if row.meeting_id is None or row.person_id is None:
        return None
    meeting = await s.get(Meeting, row.meeting_id)
    person = await s.get(Person, row.person_id)
    if meeting is None or person is None or meeting.status != SCHEDULED:
        return None
    rsvp = await s.get(Rsvp, (meeting.id, person.id))
    if rsvp is None or not surveys.is_present(meeting, rsvp) or not surveys.wants_survey(person):
        return None
    if await answer_of(s, meeting.id, person.id) is not None:
        return None
    team = await s.get(Team, meeting.team_id)
    assert team is not None
    return meeting, team, person


def renderers(config: Config) -> dict[str, Renderer]:
    """The survey and its one reminder (only when the survey itself went out and is still unanswered)."""

    async def survey(s: AsyncSession, row: Outbox) -> Outgoing | None:
        ctx = await _wanted(s, row)
        if ctx is None:
            return None
        meeting, team, person = ctx
        view = survey_view(config, meeting, team, None, person.language)
        return Outgoing(view.text, _markup(view))

    async def reminder(s: AsyncSession, row: Outbox) -> Outgoing | None:
        ctx = await _wanted(s, row)
        if ctx is None:
            return None
        meeting, team, person = ctx
        sent = await s.scalar(
            select(func.count())
            .select_from(Outbox)
            .where(
                Outbox.meeting_id == meeting.id,
                Outbox.person_id == person.id,
                Outbox.kind == surveys.SURVEY,
                Outbox.status == outbox.SENT,
            )
        )
        if not sent:
            return None
        intro = t(person.language, "survey.reminder_intro")
        view = survey_view(config, meeting, team, None, person.language, intro)
        return Outgoing(view.text, _markup(view))

    return {surveys.SURVEY: survey, surveys.REMINDER: reminder}
