"""Importing a workshop's results: every row checked by the rules of a typed idea, then all rows or none stored.

Nothing here touches Telegram or reads a file (models/ideas/import_file.py does). `check` turns the rows read
into ideas ready to store and per-row errors with line numbers; it reads the teams and the workshop's earlier
ideas once, so 10,000 rows need no query per row. `store` writes them in one transaction with batched inserts:
imported ideas have no author (author_id, group and town NULL) but carry their workshop, start with status
'submitted' and an 'imported' step on their path, and the import is recorded in the audit log. It refuses a
plan with errors, so nothing is ever half imported.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import audit
from models.errors import Refusal
from models.ideas import events, likeness, similar
from models.ideas.core import clean_text
from models.ideas.import_file import Problem, RawRow, Sheet
from models.tables import Idea, IdeaEvent, IdeaTown, Person, Team, Workshop

ALL_TOWNS = ("alle", "all", "alle orte", "all towns")
_TOWN_SPLIT = re.compile(r"[,;/\n]+")
BATCH = 1000
# the plain tables: an insert of the mapped classes takes the ORM's bulk path, which runs row by row here
IDEAS, IDEA_TOWNS, IDEA_EVENTS = (cast(Table, m.__table__) for m in (Idea, IdeaTown, IdeaEvent))


class NamedLike(Protocol):
    """A configured town or field of action (models/ does not import the config module)."""

    @property
    def key(self) -> str: ...
    @property
    def names(self) -> dict[str, str]: ...


@dataclass
class NewIdea:
    line: int
    text: str
    field: str
    towns: list[str]
    team_id: int | None
    team_slug: str | None


@dataclass
class RowError:
    line: int
    problem: Problem


@dataclass(frozen=True)
class Alike:
    """A row of the file alike to a live idea already in the bot: shown before importing, flagged after."""

    line: int
    idea_id: int
    score: int


@dataclass
class Plan:
    """What an import would store, and why some rows cannot be: shown by a dry run, stored only without errors."""

    workshop: Workshop
    sheet: Sheet
    ideas: list[NewIdea] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def bad_lines(self) -> int:
        return len({e.line for e in self.errors})


def _lookup(items: Sequence[NamedLike]) -> dict[str, str]:
    """Key, German and English name (any case) → key."""
    out: dict[str, str] = {}
    for item in items:
        for word in (item.key, *item.names.values()):
            out[" ".join(word.split()).casefold()] = item.key
    return out


def _same(text: str) -> str:
    """What counts as the same idea text: case and spacing aside."""
    return " ".join(text.split()).casefold()


def _shown(value: str) -> str:
    return value if len(value) <= 40 else value[:39] + "…"


async def check(
    s: AsyncSession,
    workshop: Workshop,
    sheet: Sheet,
    *,
    fields: Sequence[NamedLike],
    towns: Sequence[NamedLike],
) -> Plan:
    """Check every row as a typed idea is checked (text, field, towns, team by slug); collect every error."""
    plan = Plan(workshop, sheet)
    field_of, town_of = _lookup(fields), _lookup(towns)
    all_towns = [t.key for t in towns]  # in the config's order, as the ideas' towns are listed
    teams: dict[str, tuple[int, str]] = {}
    for team in (await s.execute(select(Team))).scalars():
        for word in (team.slug, team.name_de, team.name_en):
            teams[_same(word)] = (team.id, team.slug)
    earlier = {
        _same(text): idea_id
        for idea_id, text in await s.execute(select(Idea.id, Idea.text).where(Idea.workshop_id == workshop.id))
    }
    seen: dict[str, int] = {}
    for row in sheet.rows:
        problems = list(row.problems)
        idea = _check_row(row, problems, field_of, town_of, all_towns, teams)
        if idea is not None:
            same = _same(idea.text)
            if same in earlier:
                problems.append(Problem("workshops.row_already_imported", {"id": earlier[same]}))
            elif same in seen:
                problems.append(Problem("workshops.row_duplicate", {"other": seen[same]}))
            else:
                seen[same] = row.line
        if problems:
            plan.errors += [RowError(row.line, p) for p in problems]
        elif idea is not None:
            plan.ideas.append(idea)
    return plan


def _check_row(
    row: RawRow,
    problems: list[Problem],
    field_of: dict[str, str],
    town_of: dict[str, str],
    all_towns: list[str],
    teams: dict[str, tuple[int, str]],
) -> NewIdea | None:
    cells, blocked = row.cells, row.blocked
    text = None
    try:
        text = None if "text" in blocked and not cells.get("text") else clean_text(cells.get("text"))
    except Refusal as refusal:
        problems.append(Problem(refusal.key, refusal.params))
    raw_field = cells.get("field", "")
    field_key = field_of.get(" ".join(raw_field.split()).casefold())
    if not raw_field and "field" in blocked:
        pass
    elif not raw_field:
        problems.append(Problem("workshops.row_no_field"))
    elif field_key is None:
        problems.append(Problem("workshops.row_bad_field", {"value": _shown(raw_field)}))
    town_keys: list[str] = []
    raw_towns = cells.get("towns", "")
    parts = [" ".join(p.split()) for p in _TOWN_SPLIT.split(raw_towns) if p.strip()]
    if not parts and "towns" not in blocked:
        problems.append(Problem("workshops.row_no_towns"))
    for part in parts:
        if part.casefold() in ALL_TOWNS:
            town_keys += all_towns
        elif part.casefold() in town_of:
            town_keys.append(town_of[part.casefold()])
        else:
            problems.append(Problem("workshops.row_bad_town", {"value": _shown(part)}))
    team = None
    raw_team = cells.get("team", "")
    if raw_team:
        team = teams.get(_same(raw_team))
        if team is None:
            problems.append(Problem("workshops.row_bad_team", {"value": _shown(raw_team)}))
    if problems or text is None or field_key is None:
        return None
    return NewIdea(
        row.line,
        text,
        field_key,
        [t for t in all_towns if t in set(town_keys)],
        team[0] if team else None,
        team[1] if team else None,
    )


async def alike(s: AsyncSession, plan: Plan, limit: int = 1) -> list[Alike]:
    """For each idea of the plan, the live ideas already stored that are alike (at most `limit`, the most alike
    first), in row order: what the manager would find in /similar after the import."""
    if not plan.ideas:
        return []
    rows = (await s.execute(select(Idea.id, Idea.text).where(similar.LIVE).order_by(Idea.id))).all()
    if not rows:
        return []
    found = likeness.pairs([likeness.key(i.text) for i in plan.ideas], [likeness.key(t) for _, t in rows])
    per_row: dict[int, list[tuple[float, int]]] = {}
    for (n, j), value in found.items():
        per_row.setdefault(n, []).append((value, rows[j][0]))
    return [
        Alike(plan.ideas[n].line, idea_id, round(value))
        for n in sorted(per_row)
        for value, idea_id in sorted(per_row[n], key=lambda vi: (-vi[0], vi[1]))[:limit]
    ]


def _imported_step(idea_id: int, idea: NewIdea, key: str, actor: Person | None, now: datetime) -> dict[str, Any]:
    """The 'imported' step of one idea: the row `events.record(s, idea_id, events.IMPORTED, now, status="submitted",
    workshop=key, line=…)` would add, as a plain row so 10,000 of them go in one batched statement."""
    return {
        "idea_id": idea_id,
        "kind": events.IMPORTED,
        "at": now,
        "actor_id": actor.id if actor else None,
        "status": "submitted",
        "town": None,
        "meeting_id": None,
        "details": {"workshop": key, "line": idea.line},  # never free text (docs/schema.md)
    }


async def store(
    s: AsyncSession, plan: Plan, actor: Person | None, now: datetime, *, via: str, file_name: str
) -> list[int]:
    """Store every idea of an error-free plan in the caller's transaction; returns the new ideas' ids in row order.

    Refuses a plan with errors (nothing is stored) or without ideas. Inserts are batched (executemany): ideas,
    their ids read back in one query, then towns, then the 'imported' steps; the caller's commit makes them
    visible all at once.
    """
    if plan.errors:
        raise Refusal("workshops.import_has_errors", count=plan.bad_lines)
    if not plan.ideas:
        raise Refusal("workshops.import_nothing")
    workshop = plan.workshop
    rows: list[dict[str, Any]] = [
        {
            "author_id": None,
            "author_group": None,
            "author_town": None,
            "text": idea.text,
            "field": idea.field,
            "team_id": idea.team_id,
            "status": "submitted",
            "created_at": now,
            "updated_at": now,
            "workshop_id": workshop.id,
        }
        for idea in plan.ideas
    ]
    for start in range(0, len(rows), BATCH):  # executemany without RETURNING: one round trip per batch
        await s.execute(insert(IDEAS), rows[start : start + BATCH])
    # the new ids, by text (unique within an import, `check` refuses doubles); RETURNING in row order would
    # cost one statement per row on SQLite, which cannot promise the order of a multi-row RETURNING
    new = select(Idea.id, Idea.text).where(Idea.workshop_id == workshop.id, Idea.created_at == now)
    id_of = {text: idea_id for idea_id, text in await s.execute(new)}
    ids = [id_of[idea.text] for idea in plan.ideas]
    towns = [{"idea_id": i, "town": t} for i, idea in zip(ids, plan.ideas, strict=True) for t in idea.towns]
    for start in range(0, len(towns), BATCH):
        await s.execute(insert(IDEA_TOWNS), towns[start : start + BATCH])
    steps = [_imported_step(i, idea, workshop.key, actor, now) for i, idea in zip(ids, plan.ideas, strict=True)]
    for start in range(0, len(steps), BATCH):
        await s.execute(insert(IDEA_EVENTS), steps[start : start + BATCH])
    flagged = await similar.flag_new(s, ids, now)  # alike ideas for the manager's /similar, in the same transaction
    await audit.record(
        s,
        actor,
        audit.IMPORT_IDEAS,
        now,
        workshop=workshop.key,
        name=workshop.name,
        similar=flagged,
        ideas=len(ids),
        first_idea=ids[0],
        last_idea=ids[-1],
        file=file_name[-80:],
        via=via,
    )
    return ids
