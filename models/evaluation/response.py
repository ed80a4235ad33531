"""Who answered of those asked, and why people stayed away: the survey's response and the reasons given to the
one question after staying away (models/surveys/away.py).

- `survey_response`: per team and month, quarter and the whole period (and all teams together): surveys sent (the
  outbox's survey rows that went out, a person per meeting once, of people who still agree to the evaluation),
  answers (the same answers as every survey figure) and the response rate, so a result can be judged for bias.
  Released figures keep, per team, only the finest of the three levels without a small cell (collapse.py).
- `away_reasons`: per obstacle, the people who named it as what kept them away, and everyone who answered.
People behind: who was surveyed, who answered (an erased person's answer counting as one), who named a reason.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.evaluation.common import add_row, month, set_people, share, within
from models.evaluation.shapes import ALL, Table, table
from models.reports.codebook import Vocabulary
from models.surveys.core import DELIVERED
from models.surveys.core import SURVEY as SURVEY_KIND
from models.tables import AwayAnswer, Meeting, Outbox, Person, SurveyAnswer, Team

Who = tuple[str, int]


def quarter(month_key: str) -> str:
    """'2026-11' → '2026-Q4'."""
    return f"{month_key[:4]}-Q{(int(month_key[5:7]) + 2) // 3}"


def is_month(period: str) -> bool:
    return len(period) == 7 and period[4] == "-" and period[5:].isdigit()


async def surveys_sent(s: AsyncSession, since: datetime | None, until: datetime | None) -> list[tuple[str, str, Who]]:
    """(team, month of the meeting, person) per survey that went out, a person per meeting once."""
    rows = await (await s.connection()).execute(
        select(Team.slug, Meeting.starts_at, Outbox.meeting_id, Outbox.person_id)
        .distinct()
        .join(Meeting, Meeting.id == Outbox.meeting_id)
        .join(Team, Team.id == Meeting.team_id)
        .join(Person, Person.id == Outbox.person_id)
        .where(Outbox.kind == SURVEY_KIND, Outbox.status.in_(DELIVERED), Person.evaluation_consent.is_(True))
    )
    by_proxy = await (await s.connection()).execute(  # the lead asked her in person: stands for a survey sent
        select(Team.slug, Meeting.starts_at, SurveyAnswer.meeting_id, SurveyAnswer.person_id)
        .join(Meeting, Meeting.id == SurveyAnswer.meeting_id)
        .join(Team, Team.id == Meeting.team_id)
        .join(Person, Person.id == SurveyAnswer.person_id)
        .where(SurveyAnswer.entered_by_proxy.is_(True), Person.evaluation_consent.is_(True))
    )
    found = {(slug, at, mid, pid) for slug, at, mid, pid in [*rows, *by_proxy]}  # a person per meeting once
    return [
        (slug, month(at), ("person", pid))
        for slug, at, _mid, pid in sorted(found, key=lambda r: (r[2], r[3]))
        if pid is not None and within(at, since, until)  # joined on the person: never None
    ]


def response(
    sent: list[tuple[str, str, Who]], said: list[tuple[str, str, Who]], vocab: Vocabulary, suppress: bool
) -> Table:
    """Surveys sent, answered and the rate, per team × (month, quarter, all) and for all teams together."""
    t = table("survey_response", ("team", "period"), ("surveyed", "answered", "rate_pct"), vocab)
    cells: dict[tuple[str, str], tuple[list[Who], list[Who]]] = defaultdict(lambda: ([], []))
    for side, found in ((0, sent), (1, said)):
        for team, at, who in found:
            for key in ((team, at), (team, quarter(at)), (team, ALL), (ALL, ALL)):
                cells[key][side].append(who)
    for key in sorted(cells, key=lambda k: (k[0] == ALL, k[0], k[1] == ALL, not is_month(k[1]), k[1])):
        asked, answered = cells[key]
        n_answered = len(set(answered))
        values: list[tuple[float | None, int]] = [(len(asked), len(set(asked))), (len(answered), n_answered)]
        values.append((share(len(answered), len(asked)), n_answered))
        add_row(t, key, values, vocab, suppress, ("team", "month" if key[1] != ALL else "figure"))
    everyone = {who for _, _, who in sent} | {who for _, _, who in said}
    set_people(t, len(everyone), suppress)
    return t


async def away_reasons(
    s: AsyncSession, since: datetime | None, until: datetime | None, vocab: Vocabulary, suppress: bool
) -> Table:
    """Per obstacle: the people who named it as what kept them away; `all`: everyone who answered. Answers count
    while their person agrees to the evaluation (an erased person's answer stays, as one), by when asked."""
    t = table("away_reasons", ("reason",), ("people",), vocab)
    rows = await (await s.connection()).execute(
        select(AwayAnswer.id, AwayAnswer.person_id, AwayAnswer.asked_at, AwayAnswer.obstacles)
        .outerjoin(Person, Person.id == AwayAnswer.person_id)
        .where(
            AwayAnswer.answered_at.is_not(None),
            or_(AwayAnswer.person_id.is_(None), Person.evaluation_consent.is_(True)),
        )
    )
    named: dict[str, set[Who]] = defaultdict(set)
    for aid, pid, at, obstacles in rows:
        if not within(at, since, until):
            continue
        who: Who = ("person", pid) if pid is not None else ("answer", aid)
        named[ALL].add(who)
        for code in obstacles or []:
            named[code].add(who)
    for code in sorted(named, key=lambda c: (c == ALL, c)):
        n = len(named[code])
        add_row(t, (code,), [(n, n)], vocab, suppress, ("obstacle" if code != ALL else "figure",))
    set_people(t, len(named[ALL]), suppress)
    return t
