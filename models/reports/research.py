"""Exported tables of the evaluation: survey answers after meetings, codes ticked on ideas, and each idea's path.

Same rules as models/reports/tables.py, plus what these tables need:
- `survey_answers`: only rows of people who agreed to the evaluation, in both variants (the survey was asked for
  the evaluation), never a display name; the free-text comment as written only in the manager's (not
  pseudonymised) export; both variants carry `sentence`: the comment once the project manager released it
  (/saetze), redacted like the report's quotes (models/reports/redact.py). An answer whose person was
  erased is left out: nobody's agreement stands behind it any more.
- `idea_codes` and `idea_events`: the rows of the ideas the `ideas` table holds (pseudonymised: ideas of people
  who agreed, or without author); who ticked a code or took a step appears by person code, pseudonymised only
  when that person agreed (otherwise empty). An event's `details` hold ids and keys only, never free text.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, select
from sqlalchemy.orm import aliased

from models.reports.stats import Scope
from models.reports.tables import C, Query, Shape, consented, day, picker, scoped
from models.surveys.sentences import RELEASED
from models.tables import Idea, IdeaCode, IdeaEvent, Meeting, Person, SurveyAnswer, Team

SURVEY_ANSWERS = [
    C("meeting_id", "Meeting id (meetings table)."),
    C("team", "Team key of the meeting.", "team"),
    C("starts_at", "Start of the meeting (local time)."),
    C("person", "Person code (people.pseudonym) of who answered; only people who agreed to the evaluation."),
    C("person_group", "The person's stakeholder group when answering.", "group"),
    C("person_town", "The person's town when answering.", "town"),
    C("usefulness", "How useful the meeting was: 1 (not at all) to 5 (very); empty = not given."),
    C("factors", "Success factors that helped, ';'-separated keys; empty = none ticked.", "factor"),
    C("obstacles", "Obstacles that got in the way, ';'-separated keys; empty = none ticked.", "obstacle"),
    C("comment", "Optional sentence (free text as written; left out of the pseudonymised export).",
      pseudonymised=False),
    C("sentence", "The optional sentence once the project manager released it (/saetze), with names, phone numbers "
      "and e-mail addresses replaced by [Name], [Telefon], [E-Mail]; empty when there is none, it was left out or "
      "it waits for review.", redacted=True),
    C("answered", "First answer (pseudonymised: the day only)."),
    C("changed", "Last change (answers can be changed for 7 days).", pseudonymised=False),
    C("entered_by_proxy", "Entered by the team lead after asking a member without Telegram (docs/proxy-members.md)."),
]


def _keys(value: Any) -> str:
    return ";".join(str(k) for k in value) if value else ""


def survey_answers(scope: Scope, pseudo: bool) -> tuple[Query, Shape]:
    q = (
        select(
            SurveyAnswer.meeting_id,
            Team.slug,
            Meeting.starts_at,
            Person.pseudonym,
            SurveyAnswer.person_group,
            SurveyAnswer.person_town,
            SurveyAnswer.usefulness,
            SurveyAnswer.factors,
            SurveyAnswer.obstacles,
            SurveyAnswer.comment,
            case((SurveyAnswer.comment_review == RELEASED, SurveyAnswer.comment), else_=None),
            SurveyAnswer.created_at,
            SurveyAnswer.updated_at,
            SurveyAnswer.entered_by_proxy,
        )
        .select_from(SurveyAnswer)
        .join(Meeting, Meeting.id == SurveyAnswer.meeting_id)
        .join(Team, Team.id == Meeting.team_id)
        .join(Person, Person.id == SurveyAnswer.person_id)
        .where(consented())
        .order_by(Meeting.starts_at, SurveyAnswer.meeting_id, SurveyAnswer.id)
    )
    q = scoped(q, scope, Meeting.starts_at, Meeting.team_id)
    shape = picker(SURVEY_ANSWERS, pseudo, factors=_keys, obstacles=_keys, answered=day if pseudo else None)
    return q, shape


Author, Actor = aliased(Person), aliased(Person)


def _actor_code(pseudo: bool) -> Any:
    """The actor's person code: pseudonymised only for actors who agreed to the evaluation."""
    if not pseudo:
        return Actor.pseudonym
    return case((Actor.evaluation_consent.is_(True), Actor.pseudonym), else_=None)


def _of_exported_ideas(q: Query, idea_id: Any, when: Any, scope: Scope, pseudo: bool) -> Query:
    """Rows of the ideas the `ideas` table exports with the same filters (team, and consent when pseudonymised)."""
    q = q.join(Idea, Idea.id == idea_id)
    q = q.outerjoin(Team, Team.id == Idea.team_id).outerjoin(Author, Author.id == Idea.author_id)
    q = scoped(q, scope, when, Idea.team_id)
    if pseudo:
        q = q.where(Idea.author_id.is_(None) | Author.evaluation_consent.is_(True))
    return q


IDEA_CODES = [
    C("idea_id", "Idea number (ideas table)."),
    C("team", "Team of the idea; empty = none.", "team"),
    C("kind", "'factor' (helped) or 'obstacle' (got in the way).", "code_kind"),
    C("code", "The code's key (success factor or obstacle, by kind).", "factor, obstacle"),
    C("actor", "Person code of who ticked it (pseudonymised: empty unless that person agreed to the evaluation)."),
    C("actor_name", "Name of who ticked it.", pseudonymised=False),
    C("ticked", "When it was ticked (pseudonymised: the day only)."),
]


def idea_codes(scope: Scope, pseudo: bool) -> tuple[Query, Shape]:
    q = (
        select(
            IdeaCode.idea_id,
            Team.slug,
            IdeaCode.kind,
            IdeaCode.code,
            _actor_code(pseudo),
            Actor.display_name,
            IdeaCode.created_at,
        )
        .select_from(IdeaCode)
        .outerjoin(Actor, Actor.id == IdeaCode.actor_id)
        .order_by(IdeaCode.idea_id, IdeaCode.kind, IdeaCode.code)
    )
    q = _of_exported_ideas(q, IdeaCode.idea_id, IdeaCode.created_at, scope, pseudo)
    return q, picker(IDEA_CODES, pseudo, ticked=day if pseudo else None)


IDEA_EVENTS = [
    C("event_id", "Step id (orders steps of the same instant)."),
    C("idea_id", "Idea number (ideas table)."),
    C("team", "Team of the idea now; empty = none.", "team"),
    C("kind", "What happened.", "event_kind"),
    C("at", "When (local time)."),
    C("actor", "Person code of who took the step (pseudonymised: empty unless that person agreed); empty = import."),
    C("actor_name", "Name of who took the step.", pseudonymised=False),
    C("status", "The idea's status after the step (submitted, imported and status steps).", "idea_status"),
    C("town", "Town of a routing step (forwarded, town_answer, question_answered).", "town"),
    C("meeting_id", "Meeting of a discussed step (meetings table)."),
    C("details", "JSON with ids and keys only (team, answer id, workshop, merged idea ids, codes); no free text."),
]


def idea_events(scope: Scope, pseudo: bool) -> tuple[Query, Shape]:
    q = (
        select(
            IdeaEvent.id,
            IdeaEvent.idea_id,
            Team.slug,
            IdeaEvent.kind,
            IdeaEvent.at,
            _actor_code(pseudo),
            Actor.display_name,
            IdeaEvent.status,
            IdeaEvent.town,
            IdeaEvent.meeting_id,
            IdeaEvent.details,
        )
        .select_from(IdeaEvent)
        .outerjoin(Actor, Actor.id == IdeaEvent.actor_id)
        .order_by(IdeaEvent.idea_id, IdeaEvent.at, IdeaEvent.id)
    )
    return _of_exported_ideas(q, IdeaEvent.idea_id, IdeaEvent.at, scope, pseudo), picker(IDEA_EVENTS, pseudo)
