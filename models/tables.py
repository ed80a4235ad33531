"""The tables. Every change to them goes through an Alembic migration (models/migrations).

Telegram ids are BigInteger (they exceed 32 bits); every instant is stored as UTC.
Personal data lives in `people` and in the rows that point at a person; docs/schema.md lists them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import false as sql_false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from models.db import UTCDateTime


class Base(DeclarativeBase):
    pass


class Person(Base):
    """A registered member. Exists only after consent; deleting it is how a person is erased.

    `telegram_id` is empty for a proxy member (kept by a lead, reached by letter, e-mail or phone:
    `proxy_members`); nothing is ever sent to them through Telegram.
    """

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    telegram_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    display_name: Mapped[str] = mapped_column(String(128))
    language: Mapped[str] = mapped_column(String(2), default="de")
    stakeholder_group: Mapped[str | None] = mapped_column(String(32))
    town: Mapped[str | None] = mapped_column(String(32))
    is_manager: Mapped[bool] = mapped_column(Boolean, default=False)
    pseudonym: Mapped[str] = mapped_column(String(16), unique=True)
    consent_version: Mapped[str] = mapped_column(String(32))
    consent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    evaluation_consent: Mapped[bool | None] = mapped_column(Boolean)
    evaluation_consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when the answer last changed
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    unreachable_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    mute_reminders: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sql_false())
    announcements_opt_out: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sql_false())
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # last update from them (day precision)
    survey_opt_out: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sql_false())
    digest_opt_out: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sql_false())
    away_opt_out: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sql_false())

    @property
    def is_complete(self) -> bool:
        """Registration is complete once group and town are chosen."""
        return self.stakeholder_group is not None and self.town is not None


class Team(Base):
    """An action team; seeded from the config by slug."""

    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    field: Mapped[str] = mapped_column(String(32))
    name_de: Mapped[str] = mapped_column(String(128))
    name_en: Mapped[str] = mapped_column(String(128))
    description_de: Mapped[str] = mapped_column(Text)
    description_en: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    def name(self, lang: str) -> str:
        return self.name_en if lang == "en" else self.name_de

    def description(self, lang: str) -> str:
        return self.description_en if lang == "en" else self.description_de


class Membership(Base):
    """A person in a team; `role` is 'member' or 'lead'."""

    __tablename__ = "memberships"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(16), default="member")
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Idea(Base):
    """An idea. Author group and town are copied so statistics survive the author's erasure."""

    __tablename__ = "ideas"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    author_group: Mapped[str | None] = mapped_column(String(32))
    author_town: Mapped[str | None] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    field: Mapped[str] = mapped_column(String(32))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"), index=True)
    status: Mapped[str] = mapped_column(String(32), default="submitted")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="SET NULL"))
    # imported from a workshop's results (author NULL): the idea is attributed to the workshop instead. No ON DELETE:
    # workshops are never deleted, and SQLite's ADD COLUMN could not state it in a form its reflection reads back
    workshop_id: Mapped[int | None] = mapped_column(ForeignKey("workshops.id"), index=True)

    # set (with status 'merged') when the manager merged this idea into a similar one (models/ideas/merge.py);
    # no ON DELETE rule: SQLite cannot add one to an existing table, and ideas are never deleted
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("ideas.id"))


class Workshop(Base):
    """A Demografie-Werkstatt whose results were (or will be) imported; `key` names it on the command line."""

    __tablename__ = "workshops"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    held_on: Mapped[date] = mapped_column(Date)
    town: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class IdeaTown(Base):
    """Which towns an idea concerns (one row per town)."""

    __tablename__ = "idea_towns"

    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), primary_key=True)
    town: Mapped[str] = mapped_column(String(32), primary_key=True)


class IdeaSupport(Base):
    """One 👍 per person and idea; withdrawing deletes the row."""

    __tablename__ = "idea_supports"

    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Draft(Base):
    """A half-finished conversation (e.g. /idea), so it survives a restart of the bot."""

    __tablename__ = "drafts"
    __table_args__ = (UniqueConstraint("person_id", name="uq_drafts_person"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    flow: Mapped[str] = mapped_column(String(32))
    step: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Meeting(Base):
    """A team meeting. `sequence` grows with every change (calendar files carry it as SEQUENCE)."""

    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    duration_min: Mapped[int] = mapped_column(Integer, default=90)
    online_url: Mapped[str | None] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(Text)
    town: Mapped[str | None] = mapped_column(String(32))
    agenda: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    reminder_offsets: Mapped[list[int]] = mapped_column(JSON, default=list)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    guests: Mapped[int] = mapped_column(Integer, default=0)
    decisions: Mapped[str | None] = mapped_column(Text)
    next_steps: Mapped[str | None] = mapped_column(Text)
    attendance_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Rsvp(Base):
    """An invitation of one member to one meeting, their answer and (afterwards) whether they attended."""

    __tablename__ = "rsvps"

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    answer: Mapped[str | None] = mapped_column(String(8))
    reason: Mapped[str | None] = mapped_column(String(32))
    invited_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attended: Mapped[bool | None] = mapped_column(Boolean)


class Poll(Base):
    """Finding a date: a lead proposes slots, members vote, the lead picks one."""

    __tablename__ = "polls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    deadline_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    chosen_slot_id: Mapped[int | None] = mapped_column(Integer)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="SET NULL"))


class PollSlot(Base):
    __tablename__ = "poll_slots"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PollVote(Base):
    """One answer (yes / maybe / no) per person and slot."""

    __tablename__ = "poll_votes"

    slot_id: Mapped[int] = mapped_column(ForeignKey("poll_slots.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    answer: Mapped[str] = mapped_column(String(8))
    voted_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TeamGroup(Base):
    """A team's linked Telegram group, which gets meeting announcements and reminders too."""

    __tablename__ = "team_groups"

    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    title: Mapped[str] = mapped_column(String(256))
    linked_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Outbox(Base):
    """One message due at a time: the scheduler's single source of truth.

    status: pending -> claimed -> sending -> sent | failed | skipped | cancelled | unreachable.
    A row is claimed by one dispatcher (SKIP LOCKED on PostgreSQL) and marked `sending` just before
    its API call, so a crash leaves at most that one row of unknown outcome.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("dedupe_key", name="uq_outbox_dedupe"),
        Index("ix_outbox_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    priority: Mapped[int] = mapped_column(Integer, default=5)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    poll_id: Mapped[int | None] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"), index=True)
    announcement_id: Mapped[int | None] = mapped_column(ForeignKey("announcements.id", ondelete="CASCADE"), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    dedupe_key: Mapped[str | None] = mapped_column(String(128))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    message_id: Mapped[int | None] = mapped_column(BigInteger)  # the sent message, for kinds redrawn later


class Announcement(Base):
    """A message from the project manager (or a lead to their team) to an audience, delivered via the outbox.

    audience: {"all": bool, "teams": [team ids], "towns": [keys], "groups": [keys]} and optionally "gap": a team id
    (the people who could fill that team's gaps); a person matches when they match every non-empty criterion (teams
    OR-ed among themselves, likewise towns and groups).
    """

    __tablename__ = "announcements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sender_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    text_html: Mapped[str] = mapped_column(Text)
    media_kind: Mapped[str | None] = mapped_column(String(16))
    media_file_id: Mapped[str | None] = mapped_column(String(256))
    audience: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    scheduled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    progress_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    progress_message_id: Mapped[int | None] = mapped_column(BigInteger)


class IdeaAnswer(Base):
    """A status change of an idea with the answer text; published answers are sent to author and followers."""

    __tablename__ = "idea_answers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    towns: Mapped[list[str] | None] = mapped_column(JSON)  # status 'forwarded': the towns it goes to (idea_routes)


class IdeaFollower(Base):
    """A supporter who asked to be told when the idea gets an answer."""

    __tablename__ = "idea_followers"

    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AuditEntry(Base):
    """Every action of a manager or lead that changes other people's data or sends to them."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    actor_pseudonym: Mapped[str | None] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(48), index=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class BackupRun(Base):
    """One backup attempt (daily or by hand): the health figures and the daily job read the newest one."""

    __tablename__ = "backup_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # 'daily' or 'manual'
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ok: Mapped[bool] = mapped_column(Boolean)
    path: Mapped[str] = mapped_column(Text)
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(Text)


class Consent(Base):
    """Consent history: one row per version agreed to and purpose ('privacy' notice, 'evaluation').

    The current state stays on `people` (consent_version, evaluation_consent); this keeps every agreement and
    when a consent was withdrawn, so the project can show which notice a person agreed to and when.
    """

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    version: Mapped[str] = mapped_column(String(32))
    purpose: Mapped[str] = mapped_column(String(16))
    agreed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class IdeaEvent(Base):
    """One step on an idea's path (its timeline "Verlauf"); status durations are read from the status steps.

    kind: see models/ideas/events.py KINDS. `status` is the status the idea has after the step (for 'submitted',
    'imported' and 'status'); `town` names the town of a routing step; `details` holds what else the step needs
    to be shown (e.g. the answer id, the team slug, the workshop key).
    """

    __tablename__ = "idea_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    status: Mapped[str | None] = mapped_column(String(32))
    town: Mapped[str | None] = mapped_column(String(32))
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="SET NULL"))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class IdeaCode(Base):
    """A success factor or obstacle ticked for an idea (keys from the config's codes; kind 'factor'|'obstacle')."""

    __tablename__ = "idea_codes"

    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SurveyAnswer(Base):
    """One present person's answer to the short survey after a meeting.

    Group and town are copied (like on ideas) so the figures survive the person's erasure, which drops the link
    and the free-text comment. factors/obstacles are lists of code keys.
    """

    __tablename__ = "survey_answers"
    __table_args__ = (UniqueConstraint("meeting_id", "person_id", name="uq_survey_answers_meeting_person"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    person_group: Mapped[str | None] = mapped_column(String(32))
    person_town: Mapped[str | None] = mapped_column(String(32))
    usefulness: Mapped[int | None] = mapped_column(Integer)
    factors: Mapped[list[str]] = mapped_column(JSON, default=list)
    obstacles: Mapped[list[str]] = mapped_column(JSON, default=list)
    comment: Mapped[str | None] = mapped_column(Text)
    # the project manager's decision on the sentence (models/surveys/sentences.py): NULL = not reviewed yet,
    # 'released' (goes into the evaluation report and the pseudonymised export) or 'left_out'; a changed
    # sentence is reviewed again
    comment_review: Mapped[str | None] = mapped_column(String(16))
    comment_reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # typed in by a lead after asking a proxy member (models/proxy.py), not given by the person in Telegram
    entered_by_proxy: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sql_false())


class AwayAnswer(Base):
    """The one question to a member who stopped coming to a team's meetings, and their answer.

    The row is made when the question is planned (once per person and team: the unique pair), so it is never
    asked twice; `answered_at` is set with the first tap. Group and town are copied like on survey answers, so
    the figures survive erasure (which drops the link and the sentence). obstacles: list of code keys.
    """

    __tablename__ = "away_answers"
    __table_args__ = (UniqueConstraint("person_id", "team_id", name="uq_away_answers_person_team"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    person_group: Mapped[str | None] = mapped_column(String(32))
    person_town: Mapped[str | None] = mapped_column(String(32))
    obstacles: Mapped[list[str]] = mapped_column(JSON, default=list)
    comment: Mapped[str | None] = mapped_column(Text)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class IdeaSimilar(Base):
    """Two ideas whose texts are alike (models/ideas/similar.py), flagged for the project manager to merge.

    `idea_id` is the newer idea, `other_id` the older one; `score` is the similarity 0-100. A dismissed pair
    ("not a duplicate") keeps its row, so it is never flagged again.
    """

    __tablename__ = "idea_similar"

    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), primary_key=True)
    other_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), primary_key=True, index=True)
    score: Mapped[int] = mapped_column(Integer)
    flagged_at: Mapped[datetime] = mapped_column(UTCDateTime)
    dismissed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class IdeaRoute(Base):
    """An idea forwarded to one town's administration, and that administration's answer.

    status: 'open' until a contact of the town answers: 'question' (asks back: `question`, `asked_at`), then or
    instead 'taken' (takes it on) or 'declined' (`obstacles`: code keys, `text`: an optional sentence). A question
    answered by the project (`reply`, `replied_at`) leaves the route 'replied': the town decides next.
    """

    __tablename__ = "idea_routes"
    __table_args__ = (UniqueConstraint("idea_id", "town", name="uq_idea_routes_idea_town"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), index=True)
    answer_id: Mapped[int | None] = mapped_column(ForeignKey("idea_answers.id", ondelete="SET NULL"))
    town: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    forwarded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deadline_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    question: Mapped[str | None] = mapped_column(Text)
    asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    text: Mapped[str | None] = mapped_column(Text)
    obstacles: Mapped[list[str]] = mapped_column(JSON, default=list)
    reply: Mapped[str | None] = mapped_column(Text)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_contact: Mapped[str | None] = mapped_column(String(254))  # the e-mail contact who answered


class RouteNote(Base):
    """One message of the conversation on a route: a town's question or the project's reply to it.

    Kept apart from `idea_routes` so each note is its writer's (in /mydata) and stays on the idea without them.
    """

    __tablename__ = "route_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    route_id: Mapped[int] = mapped_column(ForeignKey("idea_routes.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # 'question' | 'reply'
    contact: Mapped[str | None] = mapped_column(String(254))  # an e-mail contact's question (no person row)
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class IdeaVoice(Base):
    """A voice message given instead of typed text; the audio bytes live in this row (backups and PostgreSQL
    see them like every other row, and nothing on disk can outlive it).

    `kind` says which step it answers (models/voice.py KINDS): an idea's text (`idea_id`, empty while the idea
    dialogue is still open), a survey's sentence (`survey_answer_id`), the project's answer to a town's question
    (`route_id`), or a meeting's decisions or next steps (`meeting_id`). `transcript` stays empty until an offline
    transcriber fills it (docs/voice.md). Retention deletes the row `[privacy] voice_days` after its step is done.
    """

    __tablename__ = "idea_voices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"), index=True)
    idea_id: Mapped[int | None] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16), server_default="idea")
    survey_answer_id: Mapped[int | None] = mapped_column(
        ForeignKey("survey_answers.id", ondelete="CASCADE"), index=True
    )
    route_id: Mapped[int | None] = mapped_column(ForeignKey("idea_routes.id", ondelete="CASCADE"), index=True)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    summarised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when a person typed its summary
    duration: Mapped[int] = mapped_column(Integer)  # seconds, as Telegram reports it
    mime_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    transcript: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class FeedbackRelease(Base):
    """What /feedback last showed of a team's or a meeting's survey answers (`scope`: "team:<id>" or
    "meeting:<id>"), kept so that a figure changes only when at least min_people new answers stand behind the
    change: differencing two releases never isolates fewer (models/surveys/releases.py)."""

    __tablename__ = "feedback_releases"

    scope: Mapped[str] = mapped_column(String(32), primary_key=True)
    answers: Mapped[int] = mapped_column(Integer)
    figures: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    released_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MemberContact(Base):
    """How to reach a member outside Telegram (a proxy member kept by a lead, or anyone who gave an address): any
    of phone, postal address and e-mail, none required. Invitations by e-mail (.ics attached) and printed letters
    read it; erased with the person (CASCADE) and listed in /mydata."""

    __tablename__ = "member_contacts"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    postal_address: Mapped[str | None] = mapped_column(Text)  # lines as printed in a letter's window: name excluded
    email: Mapped[str | None] = mapped_column(String(254))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ProxyMember(Base):
    """A member without Telegram, kept by the leads of her teams (docs/proxy-members.md), and the consent she gave
    on paper or by phone. `consent_form` empty: no consent, so only her name, teams and contact are stored (what a
    lead needs to invite her). `recorded_by` is the recorder's pseudonym (the audit log has the recorder's id).
    The row stays after she links a Telegram account (`linked_at`): it shows how her consent was first given."""

    __tablename__ = "proxy_members"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    consent_form: Mapped[str | None] = mapped_column(String(8))  # 'paper' | 'phone' | None (no consent)
    consent_on: Mapped[date | None] = mapped_column(Date)  # the day the consent was given
    notice_version: Mapped[str | None] = mapped_column(String(32))  # the privacy notice shown to her
    evaluation: Mapped[bool] = mapped_column(Boolean, default=False)  # the evaluation consent, asked separately
    recorded_by: Mapped[str | None] = mapped_column(String(16))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    linked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LinkCode(Base):
    """A one-time code a lead hands to a proxy member, so that `/start link-<code>` attaches a Telegram account to
    her person row. Only the SHA-256 of the code is stored; single use (`used_at`), void after `expires_at`."""

    __tablename__ = "link_codes"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
