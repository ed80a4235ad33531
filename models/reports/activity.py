"""Exported tables about activity: meetings, RSVPs and attendance, ideas, announcements, absence reasons.

Same rules as models/reports/tables.py: the pseudonymised variant drops columns marked `pseudonymised=False`
and keeps rows about a person only for people who agreed to the evaluation.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select

from models.meetings.core import CANCELLED
from models.reports.stats import Scope
from models.reports.tables import C, Query, Shape, consented, count, picker, scoped, sorted_keys
from models.surveys.core import DELIVERED, SURVEY
from models.tables import (
    Announcement,
    Idea,
    IdeaAnswer,
    IdeaSupport,
    IdeaTown,
    Meeting,
    Outbox,
    Person,
    Rsvp,
    SurveyAnswer,
    Team,
    Workshop,
)

MEETINGS = [
    C("meeting_id", "Meeting id."),
    C("team", "Team key.", "team"),
    C("title", "Title (free text).", pseudonymised=False),
    C("starts_at", "Start (local time of the project)."),
    C("duration_min", "Planned duration in minutes."),
    C("town", "Town of the venue; empty = online.", "town"),
    C("address", "Venue (free text).", pseudonymised=False),
    C("online_url", "Link of an online meeting.", pseudonymised=False),
    C("status", "Meeting status.", "meeting_status"),
    C("invited", "Members invited."),
    C("yes", "Answered yes."),
    C("maybe", "Answered maybe."),
    C("no", "Answered no."),
    C("attended", "Members recorded as present."),
    C("guests", "Guests without Telegram."),
    C("attendance_recorded", "When the lead finished recording attendance; empty = not recorded."),
    C("surveyed", "People the short survey went out to (exact: for the project manager).", pseudonymised=False),
    C("survey_answers", "Survey answers given (exact: for the project manager).", pseudonymised=False),
    C("agenda", "Agenda (free text).", pseudonymised=False),
    C("decisions", "Decisions (free text).", pseudonymised=False),
    C("next_steps", "Next steps (free text).", pseudonymised=False),
]


def meetings(scope: Scope, pseudo: bool) -> tuple[Query, Shape]:
    def answered(*where: Any) -> Any:
        return count(Rsvp, Rsvp.meeting_id == Meeting.id, *where)

    q = (
        select(
            Meeting.id,
            Team.slug,
            Meeting.title,
            Meeting.starts_at,
            Meeting.duration_min,
            Meeting.town,
            Meeting.address,
            Meeting.online_url,
            Meeting.status,
            answered(),
            answered(Rsvp.answer == "yes"),
            answered(Rsvp.answer == "maybe"),
            answered(Rsvp.answer == "no"),
            answered(Rsvp.attended.is_(True)),
            Meeting.guests,
            Meeting.attendance_recorded_at,
            count(Outbox, Outbox.meeting_id == Meeting.id, Outbox.kind == SURVEY, Outbox.status.in_(DELIVERED)),
            count(SurveyAnswer, SurveyAnswer.meeting_id == Meeting.id),
            Meeting.agenda,
            Meeting.decisions,
            Meeting.next_steps,
        )
        .select_from(Meeting)
        .join(Team, Team.id == Meeting.team_id)
        .order_by(Meeting.starts_at, Meeting.id)
    )
    return scoped(q, scope, Meeting.starts_at, Meeting.team_id), picker(MEETINGS, pseudo)


RSVPS = [
    C("meeting_id", "Meeting id."),
    C("team", "Team key.", "team"),
    C("starts_at", "Start of the meeting (local time)."),
    C("person", "Person code (people.pseudonym)."),
    C("display_name", "Name from Telegram.", pseudonymised=False),
    C("answer", "Answer to the invitation; empty = none.", "answer"),
    C("reason", "Reason given with a no; empty = none given.", "reason"),
    C("answered_at", "When the person answered.", pseudonymised=False),
    C("attended", "Recorded as present (empty = not recorded)."),
]


def rsvps(scope: Scope, pseudo: bool) -> tuple[Query, Shape]:
    q = (
        select(
            Rsvp.meeting_id,
            Team.slug,
            Meeting.starts_at,
            Person.pseudonym,
            Person.display_name,
            Rsvp.answer,
            Rsvp.reason,
            Rsvp.answered_at,
            Rsvp.attended,
        )
        .select_from(Rsvp)
        .join(Meeting, Meeting.id == Rsvp.meeting_id)
        .join(Team, Team.id == Meeting.team_id)
        .join(Person, Person.id == Rsvp.person_id)
        .order_by(Meeting.starts_at, Rsvp.meeting_id, Person.pseudonym)
    )
    q = scoped(q, scope, Meeting.starts_at, Meeting.team_id)
    return (q.where(consented()) if pseudo else q), picker(RSVPS, pseudo)


IDEAS = [
    C("idea_id", "Idea number (#12 in the bot)."),
    C("team", "Team the idea was submitted for; empty = none.", "team"),
    C("field", "Field of action.", "field"),
    C("status", "Current status.", "idea_status"),
    C("author", "Author's name from Telegram; empty = erased.", pseudonymised=False),
    C("author_person", "Author's person code; empty = erased (or, pseudonymised, no evaluation consent)."),
    C("author_group", "Author's group at submission (kept after erasure).", "group"),
    C("author_town", "Author's town at submission (kept after erasure).", "town"),
    C("towns", "Towns the idea concerns, ';'-separated.", "town"),
    C("created_at", "Submitted (local time)."),
    C("supports", "Number of 👍 supports."),
    C("answers", "Number of status changes with an answer."),
    C("last_answer_status", "Status set by the newest answer.", "idea_status"),
    C("last_answer_at", "Time of the newest answer."),
    C("last_answer_text", "Text of the newest answer (free text).", pseudonymised=False),
    C("meeting_id", "Meeting where the idea is discussed; empty = none."),
    C("workshop", "Key of the workshop (Demografie-Werkstatt) it was imported from; empty = typed in the chat."),
    C("merged_into", "Idea number it was merged into (status merged); empty = not merged."),
    C("text", "The idea as submitted (free text; kept pseudonymised, as it is the content studied)."),
]


def ideas(scope: Scope, pseudo: bool) -> tuple[Query, Shape]:
    def newest(column: Any) -> Any:
        return (
            select(column)
            .where(IdeaAnswer.idea_id == Idea.id)
            .order_by(IdeaAnswer.created_at.desc(), IdeaAnswer.id.desc())
            .limit(1)
            .scalar_subquery()
        )

    towns = select(func.aggregate_strings(IdeaTown.town, ";")).where(IdeaTown.idea_id == Idea.id).scalar_subquery()
    q = (
        select(
            Idea.id,
            Team.slug,
            Idea.field,
            Idea.status,
            Person.display_name,
            Person.pseudonym,
            Idea.author_group,
            Idea.author_town,
            towns,
            Idea.created_at,
            count(IdeaSupport, IdeaSupport.idea_id == Idea.id),
            count(IdeaAnswer, IdeaAnswer.idea_id == Idea.id),
            newest(IdeaAnswer.status),
            newest(IdeaAnswer.created_at),
            newest(IdeaAnswer.text),
            Idea.meeting_id,
            select(Workshop.key).where(Workshop.id == Idea.workshop_id).scalar_subquery(),
            Idea.merged_into_id,
            Idea.text,
        )
        .select_from(Idea)
        .outerjoin(Team, Team.id == Idea.team_id)
        .outerjoin(Person, Person.id == Idea.author_id)
        .order_by(Idea.id)
    )
    q = scoped(q, scope, Idea.created_at, Idea.team_id)
    if pseudo:  # ideas of people who did not agree are left out; those of erased authors stay, without author
        q = q.where(Idea.author_id.is_(None) | consented())
    return q, picker(IDEAS, pseudo, towns=sorted_keys)


ANNOUNCEMENTS = [
    C("announcement_id", "Announcement id."),
    C("created_at", "Written (local time)."),
    C("sender", "Name of the sender.", pseudonymised=False),
    C("status", "Announcement status (draft, scheduled, sending, done …)."),
    C("audience", "Who it was for: JSON with teams (ids), towns, groups; all = everyone."),
    C("recipients", "People it was addressed to."),
    C("delivered", "Messages Telegram accepted.", "delivery"),
    C("unreachable", "People who blocked the bot (403).", "delivery"),
    C("failed", "Messages that failed for good.", "delivery"),
    C("open", "Messages still waiting to be sent.", "delivery"),
    C("text", "The announcement (HTML, free text).", pseudonymised=False),
]


def announcements(scope: Scope, pseudo: bool) -> tuple[Query, Shape]:
    def rows(*statuses: str) -> Any:
        return count(Outbox, Outbox.announcement_id == Announcement.id, Outbox.status.in_(statuses))

    q = (
        select(
            Announcement.id,
            Announcement.created_at,
            Person.display_name,
            Announcement.status,
            Announcement.audience,
            Announcement.recipients,
            rows("sent"),
            rows("unreachable"),
            rows("failed"),
            rows("pending", "claimed", "sending"),
            Announcement.text_html,
        )
        .select_from(Announcement)
        .outerjoin(Person, Person.id == Announcement.sender_id)
        .order_by(Announcement.created_at, Announcement.id)
    )
    return scoped(q, scope, Announcement.created_at), picker(ANNOUNCEMENTS, pseudo)


ABSENCES = [
    C("team", "Team key.", "team"),
    C("month", "Month of the meetings (YYYY-MM, UTC)."),
    C("reason", "Reason given with a no; 'none' = no reason given.", "reason"),
    C("declined", "Number of no answers with this reason (pseudonymised: of people who agreed only)."),
]


def absences(scope: Scope, pseudo: bool) -> tuple[Query, Shape]:
    q = (
        select(Team.slug, Meeting.starts_at, Rsvp.reason)
        .select_from(Rsvp)
        .join(Meeting, Meeting.id == Rsvp.meeting_id)
        .join(Team, Team.id == Meeting.team_id)
        .where(Rsvp.answer == "no", Meeting.status != CANCELLED)
        .order_by(Team.slug, Meeting.starts_at)
    )
    if pseudo:
        q = q.join(Person, Person.id == Rsvp.person_id).where(consented())
    return scoped(q, scope, Meeting.starts_at, Meeting.team_id), tuple


def fold_absences(rows: Sequence[Sequence[Any]]) -> list[tuple[Any, ...]]:
    """Count the no answers per team, month and reason (few rows: one per Absage)."""
    counts: dict[tuple[str, str, str], int] = {}
    for team, starts_at, reason in rows:
        key = (team, starts_at.strftime("%Y-%m"), reason or "none")
        counts[key] = counts.get(key, 0) + 1
    return [(*key, n) for key, n in sorted(counts.items())]
