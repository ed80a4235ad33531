"""What the surveys say, for the team's lead and the project manager (/feedback).

Nothing here touches Telegram. The rule protecting the people who answered lives here once: figures of a team or a
meeting are shown only from min_people answers by as many people on (fewer: "too few answers"), for leads and the
manager alike; a lead sees the teams she leads, the manager every team.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.errors import Refusal
from models.meetings.core import schedulable_teams
from models.reports.suppression import min_people
from models.surveys.core import DELIVERED, SURVEY
from models.surveys.figures import Figures
from models.surveys.releases import HELD, settle
from models.tables import Meeting, Outbox, Person, SurveyAnswer, Team

MEETINGS_SHOWN = 5  # newest meetings with answers, per team


@dataclass
class MeetingFigures:
    meeting: Meeting
    figures: Figures
    shown: bool = False
    held: bool = False  # answers withdrawn since the last release: held back (models/surveys/releases.py)


@dataclass
class TeamFigures:
    team: Team
    overall: Figures
    meetings: list[MeetingFigures]  # newest first, at most MEETINGS_SHOWN
    held: bool = False  # answers withdrawn since the last release: held back (models/surveys/releases.py)


def hold_back(overall: Figures, meetings: list[MeetingFigures]) -> None:
    """Mark which meetings' figures may be shown: min_people answers each, and the rest of the team's answers
    (its total minus the meetings shown) either none or again at least min_people; otherwise the smallest
    meetings shown are held back too, until subtracting reveals no small group."""
    shown = sorted((m for m in meetings if m.figures.shown), key=lambda m: m.figures.answers)
    rest = overall.answers - sum(m.figures.answers for m in shown)
    while shown and 0 < rest < min_people():
        rest += shown.pop(0).figures.answers
    for m in meetings:
        m.shown = overall.shown and any(m is x for x in shown)


async def visible_teams(s: AsyncSession, person: Person) -> list[Team]:
    """The teams whose results the person may see: the ones she leads; every team for a project manager."""
    teams = await schedulable_teams(s, person)
    if not teams:
        raise Refusal("survey.results_not_lead")
    return teams


async def team_figures(s: AsyncSession, person: Person, now: datetime) -> list[TeamFigures]:
    """Per visible team: all its answers together and its newest meetings with answers, as last released
    (models/surveys/releases.py): a figure changes only when min_people new answers stand behind the change."""
    teams = await visible_teams(s, person)
    rows = await s.execute(
        select(
            Meeting,
            SurveyAnswer.id,
            SurveyAnswer.person_id,
            SurveyAnswer.usefulness,
            SurveyAnswer.factors,
            SurveyAnswer.obstacles,
        )
        .join(SurveyAnswer, SurveyAnswer.meeting_id == Meeting.id)
        .where(Meeting.team_id.in_([t.id for t in teams]))
        .order_by(Meeting.starts_at.desc(), Meeting.id.desc())
    )
    sent = await s.execute(
        select(Meeting.team_id, Outbox.meeting_id, func.count(func.distinct(Outbox.person_id)))
        .join(Meeting, Meeting.id == Outbox.meeting_id)
        .where(Outbox.kind == SURVEY, Outbox.status.in_(DELIVERED), Meeting.team_id.in_([t.id for t in teams]))
        .group_by(Meeting.team_id, Outbox.meeting_id)
    )
    surveyed: dict[int, int] = {}
    for team_id, meeting_id, people in sent:
        if meeting_id is None:
            continue  # cannot happen (joined on the meeting); keeps the types honest
        surveyed[meeting_id] = int(people)
        surveyed[-team_id] = surveyed.get(-team_id, 0) + int(people)  # the team's total, keyed apart
    overall: dict[int, Figures] = {t.id: Figures(surveyed=surveyed.get(-t.id, 0)) for t in teams}
    per_meeting: dict[int, list[MeetingFigures]] = {t.id: [] for t in teams}
    for meeting, answer_id, person_id, usefulness, factors, obstacles in rows.all():
        who = ("person", person_id) if person_id is not None else ("answer", answer_id)
        overall[meeting.team_id].add(who, usefulness, factors or [], obstacles or [])
        listed = per_meeting[meeting.team_id]
        if not listed or listed[-1].meeting.id != meeting.id:
            listed.append(MeetingFigures(meeting, Figures(surveyed=surveyed.get(meeting.id, 0))))
        listed[-1].figures.add(who, usefulness, factors or [], obstacles or [])
    out = []
    for t in teams:
        meetings = per_meeting[t.id]
        hold_back(overall[t.id], meetings)  # over every meeting: the unlisted older ones are part of the rest
        listed = meetings[:MEETINGS_SHOWN]
        for mf in listed:
            if mf.shown:
                settled = await settle(s, f"meeting:{mf.meeting.id}", mf.figures, now)
                mf.held = settled == HELD
                mf.figures = settled if isinstance(settled, Figures) else mf.figures
        team = await settle(s, f"team:{t.id}", overall[t.id], now)
        shown = team if isinstance(team, Figures) else overall[t.id]
        out.append(TeamFigures(t, shown, listed, held=team == HELD))
    return out
