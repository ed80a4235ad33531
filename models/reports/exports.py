"""The tables the project manager can export, each a header plus rows streamed from the database in chunks.

Nothing here touches Telegram or a file format: models/reports/formats.py writes CSV, XLSX, JSON and ZIP,
models/reports/tables.py and models/reports/activity.py say what each table holds. Rows are read `CHUNK` at a
time through a server-side cursor, so 100,000 ideas never sit in memory at once. Only a project manager (or
the operator at the command line) may export. The pseudonymised variant, for the scientific evaluation,
guarantees: no display name, no Telegram id, no free text that could name someone (only the idea text, the
content being studied, and survey sentences the project manager released, redacted), and rows about a person
only for people who agreed to the
evaluation (models/reports/research.py: survey answers, idea codes, idea path); people appear
by their stable random `pseudonym`. Counts (invited, supports, delivered …) are aggregates and name no one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession

from models.reports import activity, research, routes
from models.reports import tables as people
from models.reports.stats import Scope, Viewer, require_reader
from models.reports.tables import Builder, Column, Shape, keep
from models.surveys.sentences import redactor

BUILDERS: dict[str, tuple[list[Column], Builder]] = {
    "members": (people.MEMBERS, people.members),
    "teams": (people.TEAMS, people.teams),
    "memberships": (people.MEMBERSHIPS, people.memberships),
    "meetings": (activity.MEETINGS, activity.meetings),
    "rsvps_attendance": (activity.RSVPS, activity.rsvps),
    "ideas": (activity.IDEAS, activity.ideas),
    "announcements": (activity.ANNOUNCEMENTS, activity.announcements),
    "absence_reasons": (activity.ABSENCES, activity.absences),
    "survey_answers": (research.SURVEY_ANSWERS, research.survey_answers),
    "idea_codes": (research.IDEA_CODES, research.idea_codes),
    "idea_events": (research.IDEA_EVENTS, research.idea_events),
    "idea_routes": (routes.ROUTES, routes.routes),
}
# tables whose rows are counted in Python after reading (small by nature), so both databases agree on months
FOLDS: dict[str, Callable[[Sequence[Sequence[Any]]], list[tuple[Any, ...]]]] = {
    "absence_reasons": activity.fold_absences
}
CHUNK = 2000
TABLES = tuple(BUILDERS)  # members, teams, memberships, meetings, rsvps_attendance, ideas, announcements, …
ALL = "all"

__all__ = ["ALL", "CHUNK", "TABLES", "Column", "ExportTable", "columns_of", "names_for", "table", "tables"]


@dataclass
class ExportTable:
    """A header and a lazily run query: nothing is read before `chunks()` is iterated (once)."""

    name: str
    columns: list[Column]
    total: int  # rows the query will read (for a progress bar)
    pseudonymised: bool
    query: Any = field(repr=False)  # a Select
    shape: Shape = field(repr=False)
    session: AsyncSession = field(repr=False)

    @property
    def header(self) -> list[str]:
        return [c.name for c in self.columns]

    async def chunks(self) -> AsyncIterator[list[tuple[Any, ...]]]:
        result = await self.session.stream(self.query.execution_options(yield_per=CHUNK))
        shape, fold = self.shape, FOLDS.get(self.name)
        if fold is not None:
            rows = [shape(row) async for row in result]
            yield fold(rows)
            return
        async for part in result.partitions(CHUNK):
            yield [shape(row) for row in part]


def columns_of(name: str, pseudonymised: bool) -> list[Column]:
    columns = BUILDERS[name][0]
    return [columns[i] for i in keep(columns, pseudonymised)]


def names_for(what: str) -> list[str]:
    """`all` or one table name → the table names; raises KeyError for anything else."""
    if what == ALL:
        return list(TABLES)
    if what not in BUILDERS:
        raise KeyError(what)
    return [what]


async def table(s: AsyncSession, viewer: Viewer, name: str, scope: Scope, pseudonymised: bool = False) -> ExportTable:
    """One table ready to stream (its row count is read now, its rows when iterated)."""
    require_reader(viewer)
    query, shape = BUILDERS[name][1](scope, pseudonymised)
    columns = columns_of(name, pseudonymised)
    if any(c.redacted for c in columns):
        shape = _redacting(shape, [i for i, c in enumerate(columns) if c.redacted], await redactor(s))
    counting = query.with_only_columns(func.count(), maintain_column_froms=True).order_by(None)
    total = (await s.execute(counting)).scalar_one()
    return ExportTable(name, columns, total, pseudonymised, query, shape, s)


def _redacting(shape: Shape, positions: list[int], redact: Callable[[str], str]) -> Shape:
    """The shaped row with its free sentences redacted (names, phone numbers, e-mail addresses)."""

    def shaped(row: Sequence[Any]) -> tuple[Any, ...]:
        out = list(shape(row))
        for i in positions:
            if out[i]:
                out[i] = redact(out[i])
        return tuple(out)

    return shaped


async def tables(
    s: AsyncSession, viewer: Viewer, names: Sequence[str], scope: Scope, pseudonymised: bool = False
) -> list[ExportTable]:
    return [await table(s, viewer, n, scope, pseudonymised) for n in names]
