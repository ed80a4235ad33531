"""Voice messages given instead of typed text: limits, storage, who may listen, the typed summary, retention.

Four steps take a voice (`kind`): an idea's text (`idea`), the survey's sentence after a meeting (`survey`), the
project's answer to a town's question (`route`), and the lead's minutes (`decisions`, `next_steps`: the field the
summary goes into). Nothing here touches Telegram. The audio bytes are kept in `idea_voices` (not on disk), so a
backup, a copy to PostgreSQL and an erasure treat them like every other row.

Who may listen and type the summary, by kind (the same rule as the step itself):
- idea: the lead of the idea's team and the project manager (`models.ideas.answers.answerable_idea`). Until a
  summary is typed the idea's text is the placeholder "🎤 Sprachnachricht (0:42)" (stored German, like every idea
  text); the summary becomes its text.
- survey: the project manager only (survey answers are evaluation data; leads never see a single answer). The
  summary becomes the sentence (`survey_answers.comment`); until then the answer has no sentence.
- route: whoever may answer the town's question (forwarder, lead of the idea's team, manager). A town's contact may
  read e-mail only, so the audio never goes to the town: the typed summary is sent as the answer.
- decisions / next_steps: the lead of the meeting's team and the manager; the summary becomes that field.

Retention (`voice_days`): an idea's voice goes `voice_days` after the idea's first published answer (a voice whose
dialogue never became an idea: after it arrived); the other kinds `voice_days` after the summary was typed, and
without one after the survey closed (survey) or after it arrived (route, minutes).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import audit
from models.errors import Refusal
from models.ideas import core as ideas_domain
from models.ideas import route_replies
from models.ideas import routing as routing_domain
from models.ideas.answers import answerable_idea
from models.ideas.rights import may_answer
from models.meetings import attendance
from models.surveys import answers as survey_answers
from models.surveys.core import closes_at
from models.tables import Idea, IdeaAnswer, IdeaRoute, IdeaVoice, Meeting, Person, SurveyAnswer

MAX_SECONDS = 5 * 60  # a longer message is refused: a lead listens to every one of them
MAX_BYTES = 10 * 1024 * 1024  # 5 minutes of Telegram's Opus voice are about 1 MB; this leaves room
MIME = "audio/ogg"  # what Telegram records voice messages as

IDEA, SURVEY, ROUTE = "idea", "survey", "route"
MINUTES = attendance.MINUTES_FIELDS  # ("decisions", "next_steps"): the field of the minutes the summary goes into
KINDS = (IDEA, SURVEY, ROUTE, *MINUTES)
TARGETS = {IDEA: "idea_id", SURVEY: "survey_answer_id", ROUTE: "route_id", **{m: "meeting_id" for m in MINUTES}}


@dataclass(frozen=True)
class VoiceInfo:
    """What lists show of a voice (without its bytes)."""

    id: int
    kind: str
    target: int | None  # the idea, survey answer, route or meeting
    duration: int
    transcript: str | None

    @property
    def idea_id(self) -> int | None:
        return self.target if self.kind == IDEA else None


@dataclass(frozen=True)
class Summarised:
    """What a typed summary did: the handler answers by kind (`told`: town contacts reached by a route answer)."""

    voice: IdeaVoice
    idea: Idea | None = None
    route: IdeaRoute | None = None
    meeting: Meeting | None = None
    told: int = 0


def length(seconds: int) -> str:
    """0:42, 4:05."""
    return f"{seconds // 60}:{seconds % 60:02d}"


def placeholder(seconds: int) -> str:
    """The idea's text until a lead types the summary (long enough for `clean_text`)."""
    return f"🎤 Sprachnachricht ({length(seconds)})"


def check_limits(seconds: int, size: int | None) -> None:
    """Refuse a voice message over 5 minutes or 10 MB before it is fetched from Telegram."""
    if seconds > MAX_SECONDS:
        raise Refusal("voice.too_long", minutes=MAX_SECONDS // 60, length=length(seconds))
    if size is not None and size > MAX_BYTES:
        raise Refusal("voice.too_big", mb=MAX_BYTES // (1024 * 1024))
    if seconds < 1:
        raise Refusal("voice.too_short")


def _info(v: IdeaVoice) -> VoiceInfo:
    return VoiceInfo(v.id, v.kind, getattr(v, TARGETS.get(v.kind, "idea_id")), v.duration, v.transcript)


async def store(
    s: AsyncSession,
    person: Person,
    data: bytes,
    seconds: int,
    mime: str | None,
    now: datetime,
    kind: str = IDEA,
    target: int | None = None,
) -> IdeaVoice:
    """Keep the audio for one step (`target`: the survey answer, route or meeting; an idea's is linked at submit).

    A voice the same person sent earlier for the same step and nobody summarised yet is replaced."""
    if kind not in KINDS or (kind != IDEA and target is None):
        raise ValueError(f"voice kind {kind!r} needs its target")
    check_limits(seconds, len(data))
    column = getattr(IdeaVoice, TARGETS[kind])
    same = column.is_(None) if kind == IDEA else column == target
    await s.execute(
        delete(IdeaVoice).where(
            IdeaVoice.person_id == person.id, IdeaVoice.kind == kind, same, IdeaVoice.summarised_at.is_(None)
        )
    )
    voice = IdeaVoice(
        person_id=person.id,
        kind=kind,
        duration=seconds,
        mime_type=(mime or MIME)[:64],
        size=len(data),
        data=data,
        created_at=now,
    )
    if kind != IDEA:
        setattr(voice, TARGETS[kind], target)
    s.add(voice)
    await s.flush()
    return voice


async def pending(s: AsyncSession, person: Person, voice_id: int) -> IdeaVoice | None:
    """The person's voice of the open idea dialogue (None when retention or a new voice removed it)."""
    voice = await s.get(IdeaVoice, voice_id)
    if voice is None or voice.person_id != person.id or voice.kind != IDEA or voice.idea_id is not None:
        return None
    return voice


async def attach(s: AsyncSession, voice: IdeaVoice, idea: Idea) -> None:
    voice.idea_id = idea.id
    await s.flush()


async def of_ideas(s: AsyncSession, idea_ids: Iterable[int]) -> dict[int, VoiceInfo]:
    """The voice of each idea that still has one (one per idea)."""
    ids = list(idea_ids)
    if not ids:
        return {}
    query = select(IdeaVoice).where(IdeaVoice.kind == IDEA, IdeaVoice.idea_id.in_(ids)).order_by(IdeaVoice.id)
    return {v.idea_id: _info(v) for v in (await s.execute(query)).scalars() if v.idea_id is not None}


async def of_meeting(s: AsyncSession, meeting_id: int) -> list[VoiceInfo]:
    """The voices given for a meeting's minutes (shown on its attendance screen)."""
    query = select(IdeaVoice).where(IdeaVoice.meeting_id == meeting_id).order_by(IdeaVoice.id)
    return [_info(v) for v in (await s.execute(query)).scalars()]


async def _allowed(s: AsyncSession, actor: Person, voice: IdeaVoice, now: datetime) -> None:
    """Refuse unless the actor may listen to this voice (the rule of its step; see the module docstring)."""
    if voice.kind == IDEA:
        if voice.idea_id is None:  # the speaker's dialogue is still open
            raise Refusal("voice.gone_any")
        await answerable_idea(s, actor, voice.idea_id)
    elif voice.kind == SURVEY:
        if not actor.is_manager:
            raise Refusal("voice.managers_only")
    elif voice.kind == ROUTE:
        route = await s.get(IdeaRoute, voice.route_id)
        idea = await s.get(Idea, route.idea_id) if route is not None else None
        if route is None or idea is None or not await route_replies.may_reply(s, actor, idea, route):
            raise Refusal("route_reply.not_allowed")
    else:
        assert voice.meeting_id is not None
        await attendance.recordable_meeting(s, actor, voice.meeting_id, now)


async def playable(s: AsyncSession, actor: Person, voice_id: int, now: datetime) -> IdeaVoice:
    """The audio for those its step allows (forged buttons end in a refusal)."""
    voice = await s.get(IdeaVoice, voice_id)
    if voice is None:
        raise Refusal("voice.gone_any")
    await _allowed(s, actor, voice, now)
    return voice


async def summarisable(s: AsyncSession, actor: Person, voice_id: int, now: datetime) -> IdeaVoice:
    """A voice whose summary the actor may type (a route's only while its question still waits)."""
    voice = await playable(s, actor, voice_id, now)
    if voice.kind == ROUTE:
        assert voice.route_id is not None
        await route_replies.replyable_route(s, actor, voice.route_id)
    return voice


async def summarise(
    s: AsyncSession,
    actor: Person,
    voice_id: int,
    raw: str | None,
    policy: routing_domain.RoutingPolicy,
    now: datetime,
) -> Summarised:
    """The typed summary does what the typed text would have done at the voice's step; the audit log records who
    typed it (never the text)."""
    voice = await summarisable(s, actor, voice_id, now)
    out: Summarised
    details: dict[str, Any] = {"kind": voice.kind}
    if voice.kind == IDEA:
        assert voice.idea_id is not None
        text = ideas_domain.clean_text(raw)
        idea = await answerable_idea(s, actor, voice.idea_id)
        idea.text, idea.updated_at = text, now
        out, details = Summarised(voice, idea=idea), {"idea": idea.id, "length": len(text)}
    elif voice.kind == SURVEY:
        sentence = survey_answers.clean_comment(raw)
        if sentence is None:  # a lone "-" clears a typed sentence; a summary must say something
            raise Refusal("survey.comment_empty")
        answer = await s.get(SurveyAnswer, voice.survey_answer_id)
        if answer is None:  # withdrawn consent deletes the answer and, with it, the voice
            raise Refusal("voice.gone_any")
        answer.comment, answer.updated_at = sentence, now
        out, details = Summarised(voice), {**details, "meeting": answer.meeting_id, "length": len(sentence)}
    elif voice.kind == ROUTE:
        assert voice.route_id is not None
        route, told = await route_replies.reply(s, actor, voice.route_id, raw, policy, now)
        out, details = Summarised(voice, route=route, told=told), {**details, "idea": route.idea_id, "town": route.town}
    else:
        assert voice.meeting_id is not None
        meeting = await attendance.set_minutes(s, actor, voice.meeting_id, voice.kind, raw, now)
        out, details = Summarised(voice, meeting=meeting), {**details, "meeting": meeting.id}
    voice.summarised_at = now
    await s.flush()
    await audit.record(s, actor, audit.VOICE_SUMMARY, now, **details)
    return out


async def waiting(s: AsyncSession, actor: Person, now: datetime) -> list[VoiceInfo]:
    """The voices without a summary the actor may summarise, oldest first (/voices); at most 50."""
    query = (
        select(IdeaVoice)
        .where(IdeaVoice.summarised_at.is_(None), or_(IdeaVoice.kind != IDEA, IdeaVoice.idea_id.is_not(None)))
        .order_by(IdeaVoice.id)
    )
    out: list[VoiceInfo] = []
    for voice in (await s.execute(query)).scalars():
        if voice.kind == IDEA:  # an idea summarised before `summarised_at` existed has its words already
            idea = await s.get(Idea, voice.idea_id)
            if idea is None or idea.text != placeholder(voice.duration) or not await may_answer(s, actor, idea):
                continue
        else:
            try:
                await summarisable(s, actor, voice.id, now)
            except Refusal:
                continue
        out.append(_info(voice))
        if len(out) >= 50:
            break
    return out


async def of_person(s: AsyncSession, person_id: int) -> list[IdeaVoice]:
    """The person's own voice messages (for /mydata)."""
    query = select(IdeaVoice).where(IdeaVoice.person_id == person_id).order_by(IdeaVoice.id)
    return list((await s.execute(query)).scalars())


def file_name(voice: IdeaVoice) -> str:
    return f"sprachnachricht-{voice.id}.ogg"


def _due(voice_days: int, now: datetime) -> ColumnElement[bool]:
    """Voices whose time is over, except unsummarised survey sentences (their clock starts when the survey closes,
    which `_due_ids` reads per meeting)."""
    cutoff = now - timedelta(days=voice_days)
    answered = (
        select(IdeaAnswer.idea_id)
        .where(IdeaAnswer.published_at.is_not(None))
        .group_by(IdeaAnswer.idea_id)
        .having(func.min(IdeaAnswer.published_at) < cutoff)
    )
    idea = and_(
        IdeaVoice.kind == IDEA,
        or_(IdeaVoice.idea_id.in_(answered), IdeaVoice.idea_id.is_(None) & (IdeaVoice.created_at < cutoff)),
    )
    summarised = and_(IdeaVoice.kind != IDEA, IdeaVoice.summarised_at < cutoff)
    unsummarised = and_(
        IdeaVoice.kind.not_in((IDEA, SURVEY)), IdeaVoice.summarised_at.is_(None), IdeaVoice.created_at < cutoff
    )
    return or_(idea, summarised, unsummarised)


async def _due_ids(s: AsyncSession, voice_days: int, now: datetime) -> list[int]:
    cutoff = now - timedelta(days=voice_days)
    ids = set((await s.execute(select(IdeaVoice.id).where(_due(voice_days, now)))).scalars())
    surveys = await s.execute(
        select(IdeaVoice.id, Meeting)
        .join(SurveyAnswer, SurveyAnswer.id == IdeaVoice.survey_answer_id)
        .join(Meeting, Meeting.id == SurveyAnswer.meeting_id)
        .where(IdeaVoice.kind == SURVEY, IdeaVoice.summarised_at.is_(None), IdeaVoice.created_at < cutoff)
    )
    ids |= {voice_id for voice_id, meeting in surveys.all() if closes_at(meeting) < cutoff}
    return sorted(ids)


async def count_due(s: AsyncSession, voice_days: int, now: datetime) -> int:
    return len(await _due_ids(s, voice_days, now))


async def purge(s: AsyncSession, voice_days: int, now: datetime) -> int:
    """Delete the voices whose time is over; returns how many."""
    ids = await _due_ids(s, voice_days, now)
    if ids:
        await s.execute(delete(IdeaVoice).where(IdeaVoice.id.in_(ids)))
    return len(ids)
