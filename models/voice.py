"""Voice messages given instead of a typed idea text: limits, storage, who may listen, the lead's summary, retention.

Nothing here touches Telegram. The audio bytes are kept in `idea_voices` (not on disk), so a backup, a copy to
PostgreSQL and an erasure treat them like every other row. A voice is stored when it arrives (the idea dialogue
is still open: no idea yet) and linked to the idea when the idea is submitted. Only the lead of the idea's team
and the project manager may listen to it (`models.ideas.answers.answerable_idea`, the same rule as answering).
Until a lead types a summary, the idea's text is the placeholder "🎤 Sprachnachricht (0:42)" (stored German, like
every idea text). The audio stays until the idea is answered and is deleted `voice_days` after the first published
answer; a voice whose dialogue was never finished goes `voice_days` after it arrived.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import audit
from models.errors import Refusal
from models.ideas import core as ideas_domain
from models.ideas.answers import answerable_idea
from models.tables import Idea, IdeaAnswer, IdeaVoice, Person

MAX_SECONDS = 5 * 60  # a longer message is refused: a lead listens to every one of them
MAX_BYTES = 10 * 1024 * 1024  # 5 minutes of Telegram's Opus voice are about 1 MB; this leaves room
MIME = "audio/ogg"  # what Telegram records voice messages as


@dataclass(frozen=True)
class VoiceInfo:
    """What lists show of a voice (without its bytes)."""

    id: int
    idea_id: int
    duration: int
    transcript: str | None


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


async def store(
    s: AsyncSession, person: Person, data: bytes, seconds: int, mime: str | None, now: datetime
) -> IdeaVoice:
    """Keep the audio of an open idea dialogue; a voice sent earlier in the same dialogue is replaced."""
    check_limits(seconds, len(data))
    await s.execute(delete(IdeaVoice).where(IdeaVoice.person_id == person.id, IdeaVoice.idea_id.is_(None)))
    voice = IdeaVoice(
        person_id=person.id,
        idea_id=None,
        duration=seconds,
        mime_type=(mime or MIME)[:64],
        size=len(data),
        data=data,
        created_at=now,
    )
    s.add(voice)
    await s.flush()
    return voice


async def pending(s: AsyncSession, person: Person, voice_id: int) -> IdeaVoice | None:
    """The person's voice of the open dialogue (None when retention or a new voice removed it)."""
    voice = await s.get(IdeaVoice, voice_id)
    if voice is None or voice.person_id != person.id or voice.idea_id is not None:
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
    query = select(IdeaVoice.id, IdeaVoice.idea_id, IdeaVoice.duration, IdeaVoice.transcript).where(
        IdeaVoice.idea_id.in_(ids)
    )
    return {row.idea_id: VoiceInfo(row.id, row.idea_id, row.duration, row.transcript) for row in await s.execute(query)}


async def _voice_of(s: AsyncSession, idea_id: int) -> IdeaVoice | None:
    query = select(IdeaVoice).where(IdeaVoice.idea_id == idea_id).order_by(IdeaVoice.id.desc()).limit(1)
    return (await s.execute(query)).scalar_one_or_none()


async def playable(s: AsyncSession, actor: Person, idea_id: int) -> tuple[Idea, IdeaVoice]:
    """The idea's audio for its team's lead or the project manager (forged buttons end in a refusal)."""
    idea = await answerable_idea(s, actor, idea_id)
    voice = await _voice_of(s, idea.id)
    if voice is None:
        raise Refusal("voice.gone", id=idea.id)
    return idea, voice


async def summarisable(s: AsyncSession, actor: Person, idea_id: int) -> Idea:
    """An idea given by voice whose summary the actor may type (lead of its team or the manager)."""
    idea = await answerable_idea(s, actor, idea_id)
    if await _voice_of(s, idea.id) is None:
        raise Refusal("voice.gone", id=idea.id)
    return idea


async def summarise(s: AsyncSession, actor: Person, idea_id: int, raw: str | None, now: datetime) -> Idea:
    """The lead's summary becomes the idea's text (checked like a typed idea); the audit log records who did it."""
    text = ideas_domain.clean_text(raw)
    idea = await summarisable(s, actor, idea_id)
    idea.text = text
    idea.updated_at = now
    await s.flush()
    await audit.record(s, actor, audit.VOICE_SUMMARY, now, idea=idea.id, length=len(text))
    return idea


async def of_person(s: AsyncSession, person_id: int) -> list[IdeaVoice]:
    """The person's own voice messages (for /mydata)."""
    query = select(IdeaVoice).where(IdeaVoice.person_id == person_id).order_by(IdeaVoice.id)
    return list((await s.execute(query)).scalars())


def file_name(voice: IdeaVoice) -> str:
    return f"sprachnachricht-{voice.id}.ogg"


def _due(voice_days: int, now: datetime):  # type: ignore[no-untyped-def]
    """Voices whose time is over: `voice_days` after the idea's first published answer, or after arriving
    for a dialogue that never became an idea."""
    cutoff = now - timedelta(days=voice_days)
    answered = (
        select(IdeaAnswer.idea_id)
        .where(IdeaAnswer.published_at.is_not(None))
        .group_by(IdeaAnswer.idea_id)
        .having(func.min(IdeaAnswer.published_at) < cutoff)
    )
    return or_(IdeaVoice.idea_id.in_(answered), IdeaVoice.idea_id.is_(None) & (IdeaVoice.created_at < cutoff))


async def count_due(s: AsyncSession, voice_days: int, now: datetime) -> int:
    return int(await s.scalar(select(func.count()).select_from(IdeaVoice).where(_due(voice_days, now))) or 0)


async def purge(s: AsyncSession, voice_days: int, now: datetime) -> int:
    """Delete the voices whose time is over; returns how many."""
    result = await s.execute(delete(IdeaVoice).where(_due(voice_days, now)))
    return int(getattr(result, "rowcount", 0) or 0)
