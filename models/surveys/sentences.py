"""The project manager's review of survey sentences: only a released sentence leaves the project.

Nothing here touches Telegram. A sentence is the optional free text of a survey answer whose writer still agrees
to the evaluation; it waits for review (`comment_review` NULL) until the project manager releases it ('released':
the evaluation report and the pseudonymised export carry it, redacted) or leaves it out ('left_out': nowhere).
The decision can be changed; each change is audited. A decision names the sentence's version (a short checksum of
its text), so a button pressed after the writer changed the sentence changes nothing: the new text is reviewed
afresh (`models/surveys/answers.set_comment` sets it back to "not reviewed").
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import audit
from models.errors import Refusal
from models.reports.redact import Redactor
from models.tables import Meeting, Person, SurveyAnswer, Team

RELEASED, LEFT_OUT = "released", "left_out"
DECISIONS = (RELEASED, LEFT_OUT)
OPEN, REVIEWED = "open", "reviewed"  # the two lists of the review


def version(text: str) -> str:
    """A short checksum of the sentence as reviewed (8 hex digits: fits callback data)."""
    return f"{zlib.crc32(text.encode('utf-8')):08x}"


def written() -> list[ColumnElement[bool]]:
    """Answers with a sentence whose writer still agrees to the evaluation (the only ones ever released);
    the query must join Person on the answer's person."""
    return [Person.evaluation_consent.is_(True), SurveyAnswer.comment.is_not(None), SurveyAnswer.comment != ""]


async def redactor(s: AsyncSession) -> Redactor:
    """Names of every registered person, phone numbers and e-mail addresses become neutral tokens
    (models/reports/redact.py); read once per output."""
    return Redactor(name for (name,) in await s.execute(select(Person.display_name)))


@dataclass(frozen=True)
class Item:
    """One sentence as the review shows it: redacted, with its codes and the meeting's team."""

    answer_id: int
    text: str  # redacted
    version: str
    factors: tuple[str, ...]
    obstacles: tuple[str, ...]
    team: Team
    starts_at: datetime
    decision: str | None


@dataclass(frozen=True)
class Page:
    item: Item | None
    page: int  # the page shown (0-based, clamped)
    pages: int
    open: int  # sentences waiting for review
    reviewed: int  # sentences with a decision


def _require_manager(viewer: Person) -> None:
    if not viewer.is_manager:
        raise Refusal("errors.managers_only")


def _base() -> Any:
    return (
        select(SurveyAnswer, Team, Meeting.starts_at)
        .join(Person, Person.id == SurveyAnswer.person_id)
        .join(Meeting, Meeting.id == SurveyAnswer.meeting_id)
        .join(Team, Team.id == Meeting.team_id)
        .where(*written())
    )


async def counts(s: AsyncSession) -> tuple[int, int]:
    """(waiting for review, reviewed) over every sentence."""
    rows = await s.execute(
        select(SurveyAnswer.comment_review.is_(None), func.count())
        .select_from(SurveyAnswer)
        .join(Person, Person.id == SurveyAnswer.person_id)
        .where(*written())
        .group_by(SurveyAnswer.comment_review.is_(None))
    )
    found = {bool(pending): int(n) for pending, n in rows.all()}
    return found.get(True, 0), found.get(False, 0)


async def page(s: AsyncSession, viewer: Person, which: str, number: int) -> Page:
    """One sentence of the open list (oldest first) or of the reviewed list (newest first), for the manager."""
    _require_manager(viewer)
    waiting, reviewed = await counts(s)
    total = waiting if which == OPEN else reviewed
    if total == 0:
        return Page(None, 0, 0, waiting, reviewed)
    number = min(max(number, 0), total - 1)
    q = _base()
    if which == OPEN:
        q = q.where(SurveyAnswer.comment_review.is_(None)).order_by(Meeting.starts_at, SurveyAnswer.id)
    else:
        q = q.where(SurveyAnswer.comment_review.is_not(None)).order_by(
            Meeting.starts_at.desc(), SurveyAnswer.id.desc()
        )
    row = (await s.execute(q.offset(number).limit(1))).first()
    if row is None:  # changed between the count and the read: the list starts again
        return Page(None, 0, 0, waiting, reviewed)
    answer, team, starts_at = row
    redact = await redactor(s)
    comment = answer.comment or ""
    item = Item(answer.id, redact(comment), version(comment), tuple(answer.factors or ()),
                tuple(answer.obstacles or ()), team, starts_at, answer.comment_review)
    return Page(item, number, total, waiting, reviewed)


async def decide(
    s: AsyncSession, viewer: Person, answer_id: int, decision: str, seen: str, now: datetime
) -> bool:
    """Release or leave out the sentence the manager saw (`seen`: its version); returns whether it changed.
    The same decision again (a double press) changes nothing and writes no second audit entry."""
    _require_manager(viewer)
    if decision not in DECISIONS:
        raise Refusal("errors.stale_button")
    row = (await s.execute(_base().where(SurveyAnswer.id == answer_id))).first()
    if row is None:  # erased, consent withdrawn, sentence cleared, or a forged id
        raise Refusal("sentences.gone")
    answer: SurveyAnswer = row[0]
    if version(answer.comment or "") != seen:
        raise Refusal("sentences.changed")
    if answer.comment_review == decision:
        return False
    before = answer.comment_review
    answer.comment_review, answer.comment_reviewed_at = decision, now
    await audit.record(
        s, viewer, audit.SENTENCE_REVIEW, now, answer=answer.id, meeting=answer.meeting_id, decision=decision,
        before=before,
    )  # fmt: skip
    await s.flush()
    return True
