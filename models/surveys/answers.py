"""Answering the survey, and the person's switches (opt-out, withdrawn consent).

Nothing here touches Telegram. Only the person the survey was sent to may answer, while marked present, still
consenting and within OPEN_FOR after the meeting (`open_survey`, checked on every tap); each change sets a value,
so a double tap changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from models import outbox
from models.errors import Refusal
from models.meetings.core import SCHEDULED
from models.surveys.core import DELIVERED, KINDS, REMINDER, USEFULNESS, closes_at, is_present
from models.tables import Meeting, Outbox, Person, Rsvp, SurveyAnswer
from models.text import require_visible

CODE_KINDS = ("factor", "obstacle")
COMMENT_MAX = 300


async def open_survey(s: AsyncSession, person: Person, meeting_id: int, now: datetime) -> Meeting:
    """The meeting whose survey this person may answer now, or a refusal saying why not."""
    meeting = await s.get(Meeting, meeting_id)
    if meeting is None or meeting.status != SCHEDULED:
        raise Refusal("survey.gone")
    invited = await s.scalar(
        select(func.count())
        .select_from(Outbox)
        .where(
            Outbox.meeting_id == meeting_id,
            Outbox.person_id == person.id,
            Outbox.kind.in_(KINDS),
            Outbox.status.in_(DELIVERED),
        )
    )
    rsvp = await s.get(Rsvp, (meeting_id, person.id))
    if not invited or rsvp is None:
        raise Refusal("survey.not_yours")
    if not is_present(meeting, rsvp):
        raise Refusal("survey.not_present")
    if person.evaluation_consent is not True:
        raise Refusal("survey.no_consent")
    if now >= closes_at(meeting):
        raise Refusal("survey.closed")
    return meeting


async def answer_of(s: AsyncSession, meeting_id: int, person_id: int) -> SurveyAnswer | None:
    return (
        await s.execute(
            select(SurveyAnswer).where(SurveyAnswer.meeting_id == meeting_id, SurveyAnswer.person_id == person_id)
        )
    ).scalar_one_or_none()


async def _answer(s: AsyncSession, person: Person, meeting: Meeting, now: datetime) -> SurveyAnswer:
    """The person's answer row (created on the first tap, with her group and town); the reminder is dropped."""
    row = await answer_of(s, meeting.id, person.id)
    if row is None:
        row = SurveyAnswer(
            meeting_id=meeting.id,
            person_id=person.id,
            person_group=person.stakeholder_group,
            person_town=person.town,
            factors=[],
            obstacles=[],
            created_at=now,
            updated_at=now,
        )
        try:
            async with s.begin_nested():  # a second process created it meanwhile: take that one
                s.add(row)
        except IntegrityError:
            found = await answer_of(s, meeting.id, person.id)
            assert found is not None
            row = found
        await outbox.cancel_open(
            s, Outbox.meeting_id == meeting.id, Outbox.person_id == person.id, Outbox.kind == REMINDER,
            reason="survey answered",
        )  # fmt: skip
    return row


async def answer_row(s: AsyncSession, person: Person, meeting: Meeting, now: datetime) -> SurveyAnswer:
    """The person's answer row, created if need be: for an answer a lead enters by proxy (models/proxy.py)."""
    return await _answer(s, person, meeting, now)


async def set_usefulness(s: AsyncSession, person: Person, meeting_id: int, value: int, now: datetime) -> bool:
    """How useful the meeting was (1–5); returns whether it changed."""
    require_usefulness(value)
    meeting = await open_survey(s, person, meeting_id, now)
    changed = rate(await _answer(s, person, meeting, now), value, now)
    await s.flush()
    return changed


def require_usefulness(value: int) -> None:
    """A rating off the 1–5 scale can only come from a stale or forged button."""
    if value not in USEFULNESS:
        raise Refusal("errors.stale_button")


def rate(row: SurveyAnswer, value: int, now: datetime) -> bool:
    """Set the rating on an answer row (the member's own tap or her lead's entry by proxy); returns whether it
    changed."""
    changed = row.usefulness != value
    if changed:
        row.usefulness, row.updated_at = value, now
    return changed


async def set_code(
    s: AsyncSession,
    person: Person,
    meeting_id: int,
    kind: str,
    key: str,
    on: bool,
    known: Sequence[str],
    now: datetime,
) -> bool:
    """Tick (on) or untick a success factor or obstacle; `known` are the config's keys of that kind."""
    if kind not in CODE_KINDS or key not in known:
        raise Refusal("errors.stale_button")
    meeting = await open_survey(s, person, meeting_id, now)
    row = await _answer(s, person, meeting, now)
    changed = tick_code(row, kind, key, on, known, now)
    await s.flush()
    return changed


def tick_code(row: SurveyAnswer, kind: str, key: str, on: bool, known: Sequence[str], now: datetime) -> bool:
    """Tick or untick one chip on an answer row (the member's own tap or her lead's entry by proxy); a chip already
    in the wanted state changes nothing. Returns whether it changed."""
    if kind not in CODE_KINDS or key not in known:
        raise Refusal("errors.stale_button")
    column = "factors" if kind == "factor" else "obstacles"
    current: list[str] = list(getattr(row, column) or [])
    if (key in current) == on:
        return False
    wanted = set(current) | {key} if on else set(current) - {key}
    setattr(row, column, [k for k in known if k in wanted])  # the config's order, a new list (JSON change)
    row.updated_at = now
    return True


def clean_comment(raw: str | None) -> str | None:
    """A typed sentence: stripped, visible, at most COMMENT_MAX characters; a lone "-" clears it."""
    text = " ".join((raw or "").split())
    if text in ("-", "–"):
        return None
    if not text:
        raise Refusal("survey.comment_empty")
    require_visible(text)
    if len(text) > COMMENT_MAX:
        raise Refusal("survey.comment_long", max=COMMENT_MAX)
    return text


async def sentence_row(s: AsyncSession, person: Person, meeting_id: int, now: datetime) -> SurveyAnswer:
    """The answer a spoken sentence belongs to (created if need be), while the person may answer the survey."""
    meeting = await open_survey(s, person, meeting_id, now)
    row = await _answer(s, person, meeting, now)
    await s.flush()
    return row


async def set_comment(s: AsyncSession, person: Person, meeting_id: int, raw: str | None, now: datetime) -> SurveyAnswer:
    meeting = await open_survey(s, person, meeting_id, now)
    text = clean_comment(raw)
    row = await _answer(s, person, meeting, now)
    if text != row.comment:  # a new sentence is reviewed afresh (models/surveys/sentences.py)
        row.comment_review, row.comment_reviewed_at = None, None
    row.comment, row.updated_at = text, now
    await s.flush()
    return row


# --- the person's switches ------------------------------------------------------------------------------------


async def set_opt_out(s: AsyncSession, person: Person, on: bool) -> bool:
    """Switch the survey off (open survey messages are dropped) or on again; returns whether it changed."""
    changed = person.survey_opt_out != on
    person.survey_opt_out = on
    if on:
        await outbox.cancel_open(s, Outbox.person_id == person.id, Outbox.kind.in_(KINDS), reason="survey opt-out")
    await s.flush()
    return changed


async def forget(s: AsyncSession, person: Person) -> int:
    """The evaluation consent was withdrawn: the person's answers are deleted, because the notice promises that
    their data goes into no later evaluation (erasure instead keeps the coded answer unlinked: it was given under
    a consent that stood until the end); open survey messages are dropped. Returns the number of answers deleted."""
    await outbox.cancel_open(s, Outbox.person_id == person.id, Outbox.kind.in_(KINDS), reason="consent withdrawn")
    result = await s.execute(delete(SurveyAnswer).where(SurveyAnswer.person_id == person.id))
    return int(getattr(result, "rowcount", 0) or 0)
