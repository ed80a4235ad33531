"""The exported table of routes: each idea forwarded to a town's administration and what that town answered.

Kept apart from activity.py so the routing feature owns its export; models/reports/exports.py lists it.
The pseudonymised variant keeps the routes of the ideas it keeps (erased authors or evaluation consent) and
drops the administration's free text; who answered is never exported (the town answers, not a person).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from models.reports.stats import Scope
from models.reports.tables import C, Query, Shape, consented, keep, scoped
from models.tables import Idea, IdeaRoute, Person

ROUTES = [
    C("idea_id", "Idea number (#12 in the bot)."),
    C("town", "Town whose administration the idea was forwarded to.", "town"),
    C("forwarded_at", "Forwarded (local time)."),
    C("deadline_at", "Answer requested by (local time)."),
    C(
        "status",
        "open (no answer yet), question (asked back), replied (the question was answered, no decision yet), "
        "taken (takes the idea on), declined.",
    ),
    C("asked_at", "When the administration asked back; empty = no question."),
    C("question", "The administration's question (free text).", pseudonymised=False),
    C("answered_at", "When the administration decided (took it on or declined); empty = not yet."),
    C("obstacles", "Reasons of a refusal: obstacle keys of the config's [[obstacles]], ';'-separated."),
    C("text", "The sentence with a refusal (free text).", pseudonymised=False),
    C("replied_at", "When the project answered the administration's question; empty = no answer (yet)."),
    C("reply", "The project's answer to the question (free text).", pseudonymised=False),
]


def routes(scope: Scope, pseudo: bool) -> tuple[Query, Shape]:
    q = (
        select(
            IdeaRoute.idea_id,
            IdeaRoute.town,
            IdeaRoute.forwarded_at,
            IdeaRoute.deadline_at,
            IdeaRoute.status,
            IdeaRoute.asked_at,
            IdeaRoute.question,
            IdeaRoute.answered_at,
            IdeaRoute.obstacles,
            IdeaRoute.text,
            IdeaRoute.replied_at,
            IdeaRoute.reply,
        )
        .select_from(IdeaRoute)
        .join(Idea, Idea.id == IdeaRoute.idea_id)
        .outerjoin(Person, Person.id == Idea.author_id)
        .order_by(IdeaRoute.idea_id, IdeaRoute.town)
    )
    q = scoped(q, scope, IdeaRoute.forwarded_at, Idea.team_id)
    if pseudo:
        q = q.where(Idea.author_id.is_(None) | consented())
    idx = keep(ROUTES, pseudo)

    def shape(row: Sequence[Any]) -> tuple[Any, ...]:
        values = list(row)
        values[8] = ";".join(values[8] or [])
        return tuple(values[i] for i in idx)

    return q, shape
