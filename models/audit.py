"""The audit log: every action of a manager or lead that changes other people's data or sends to them.

Nothing here touches Telegram. Callers record in the same transaction as the action itself, so an action
without its audit entry (or the reverse) cannot be committed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.errors import Refusal
from models.tables import AuditEntry, Idea, Meeting, Person, Team

log = logging.getLogger("actionbot.audit")

# action names used across the bot (one place, so the project manager can filter by them); stored as they are,
# shown by /audit in words (reports.audit_action_<name>): a test checks that every one written has its label
MAKE_LEAD, UNMAKE_LEAD = "make_lead", "unmake_lead"
ANNOUNCE, ANNOUNCE_SCHEDULED = "announce", "announce_scheduled"
ANSWER_IDEA, ASSIGN_IDEA = "answer_idea", "assign_idea"
FORWARD_IDEA = "forward_idea"  # an idea routed to towns' administrations (models/ideas/routing.py)
EXPORT = "export"
MEETING_CREATE, MEETING_CHANGE, MEETING_CANCEL = "meeting_create", "meeting_change", "meeting_cancel"
MEETING_LETTERS = "meeting_letters"  # a meeting's letters printed: members' postal addresses on paper
POLL_CREATE, POLL_PICK, POLL_CANCEL = "poll_create", "poll_pick", "poll_cancel"
RETENTION = "retention"  # the daily retention run: counts only (models/privacy/retention.py)
IMPORT_IDEAS = "import_ideas"  # a workshop's results imported (models/ideas/imports.py): key, counts, idea ids
MERGE_IDEAS = "merge_ideas"  # an idea merged into a similar one (models/ideas/merge.py)
ROUTE_REPLY = "route_reply"  # a town's question answered (models/ideas/route_replies.py)
ROUTE_ANSWER = "route_answer"  # a town's contact answered a forwarded idea (models/ideas/routing.py)
VOICE_SUMMARY = "voice_summary"  # someone typed the summary of a voice message (models/voice.py)
SENTENCE_REVIEW = "sentence_review"  # a survey sentence released or left out (models/surveys/sentences.py)
# a lead (or the manager) acting for a member without Telegram (models/proxy.py)
PROXY_ADD, PROXY_RSVP, PROXY_SURVEY = "proxy_add", "proxy_rsvp", "proxy_survey"
PROXY_LINK_CODE, PROXY_EXPORT, PROXY_ERASE = "proxy_link_code", "proxy_export", "proxy_erase"
ACTIONS = (
    MAKE_LEAD,
    UNMAKE_LEAD,
    ANNOUNCE,
    ANNOUNCE_SCHEDULED,
    ANSWER_IDEA,
    ASSIGN_IDEA,
    FORWARD_IDEA,
    EXPORT,
    MEETING_CREATE,
    MEETING_CHANGE,
    MEETING_CANCEL,
    MEETING_LETTERS,
    POLL_CREATE,
    POLL_PICK,
    POLL_CANCEL,
    RETENTION,
    IMPORT_IDEAS,
    MERGE_IDEAS,
    ROUTE_REPLY,
    ROUTE_ANSWER,
    VOICE_SUMMARY,
    SENTENCE_REVIEW,
    PROXY_ADD,
    PROXY_RSVP,
    PROXY_SURVEY,
    PROXY_LINK_CODE,
    PROXY_EXPORT,
    PROXY_ERASE,
)


async def record(s: AsyncSession, actor: Person | None, action: str, now: datetime, **details: Any) -> AuditEntry:
    """Write one entry; `details` must be JSON-ready (ids, keys, counts), never message texts of others."""
    if action not in ACTIONS:  # still recorded (losing an audit entry is worse); /audit shows the bare name
        log.warning("audit action without a label action=%s", action)
    entry = AuditEntry(
        actor_id=actor.id if actor else None,
        actor_pseudonym=actor.pseudonym if actor else None,
        action=action,
        details=details,
        created_at=now,
    )
    s.add(entry)
    await s.flush()
    return entry


async def recent(s: AsyncSession, viewer: Person, limit: int = 50, action: str | None = None) -> list[AuditEntry]:
    """The newest entries; only a project manager may read the audit log."""
    if not viewer.is_manager:
        raise Refusal("errors.managers_only")
    q = select(AuditEntry).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc()).limit(limit)
    if action:
        q = q.where(AuditEntry.action == action)
    return list((await s.execute(q)).scalars())


@dataclass
class Names:
    """What the ids, slugs and pseudonyms in audit entries stand for, for a reader who may see it (a manager).

    Someone erased since is missing from `people`; the entry keeps their pseudonym.
    """

    people: dict[str, str] = field(default_factory=dict)  # pseudonym -> display name
    teams: dict[str, Team] = field(default_factory=dict)  # slug -> team
    team_ids: dict[int, Team] = field(default_factory=dict)
    meetings: dict[int, Meeting] = field(default_factory=dict)
    ideas: dict[int, Idea] = field(default_factory=dict)


def _ids(entries: list[AuditEntry], key: str) -> set[int]:
    return {v for e in entries if isinstance(v := (e.details or {}).get(key), int)}


async def names_for(s: AsyncSession, viewer: Person, entries: list[AuditEntry]) -> Names:
    """The names behind `entries`: actors and people by pseudonym, teams, meetings, ideas (managers only)."""
    if not viewer.is_manager:
        raise Refusal("errors.managers_only")
    out = Names()
    pseudonyms = {e.actor_pseudonym for e in entries if e.actor_pseudonym}
    pseudonyms |= {v for e in entries if isinstance(v := (e.details or {}).get("person"), str)}
    if pseudonyms:
        rows = await s.execute(select(Person.pseudonym, Person.display_name).where(Person.pseudonym.in_(pseudonyms)))
        out.people = {p: n for p, n in rows.all()}
    for team in (await s.execute(select(Team))).scalars():
        out.teams[team.slug], out.team_ids[team.id] = team, team
    if meeting_ids := _ids(entries, "meeting"):
        meetings = await s.execute(select(Meeting).where(Meeting.id.in_(meeting_ids)))
        out.meetings = {m.id: m for m in meetings.scalars()}
    if idea_ids := _ids(entries, "idea"):
        out.ideas = {i.id: i for i in (await s.execute(select(Idea).where(Idea.id.in_(idea_ids)))).scalars()}
    return out
