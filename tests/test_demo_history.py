"""The demo's four months of history (demo/history.py): /stats shows the members, every /report chart and every
section of the evaluation report has data, most released cells are shown, and the past sends nothing.

One demo at a pinned start (seeding takes a while), SQLite only: the demo always runs on its own SQLite file.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from html import unescape
from pathlib import Path
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio
from matplotlib.figure import Figure
from matplotlib.text import Text
from sqlalchemy import func, select

from bot.application import prepare
from bot.processing import database_options
from core.config import load_config
from core.texts import t
from demo import history, history_ideas, seed
from demo.run import demo_config, start_demo
from handlers.reports import evaluation
from handlers.reports.evaluation_words import vocabulary
from models import outbox, people
from models.clock import FrozenClock
from models.db import Database
from models.evaluation import figures
from models.tables import Idea, IdeaRoute, Meeting, Outbox, Person, SurveyAnswer, Workshop

EXAMPLE = Path(__file__).resolve().parent.parent / "config.example.toml"
SHARED = pytest.mark.asyncio(loop_scope="module")
START = datetime(2026, 12, 9, 19, 30, tzinfo=ZoneInfo("Europe/Berlin"))


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def demo(tmp_path_factory):
    path = tmp_path_factory.mktemp("history") / "demo.db"
    running = await start_demo(load_config(EXAMPLE, require_token=False), db_path=path, port=0, start=START)
    try:
        yield running
    finally:
        await running.stop()


@contextmanager
def chart_texts() -> Iterator[list[list[str]]]:
    """Every text drawn on each chart saved while inside (titles, labels, and a placeholder if any)."""
    drawn: list[list[str]] = []
    save = Figure.savefig

    def recording(fig: Figure, *args, **kwargs):  # type: ignore[no-untyped-def]
        drawn.append([x.get_text() for x in fig.findobj(Text)])
        return save(fig, *args, **kwargs)

    with mock.patch.object(Figure, "savefig", recording):
        yield drawn


def empty_words() -> set[str]:
    return {unescape(t("de", "reports.chart_empty")), unescape(t("de", "evaluation_report.chart_empty"))}


@SHARED
async def test_the_history_holds_every_stage_and_nothing_of_it_is_sent(demo):
    async with demo.db.transaction() as s:
        members = await s.scalar(select(func.count()).select_from(Person))
        held = await s.scalar(select(func.count()).select_from(Meeting).where(Meeting.starts_at < START))
        answers = await s.scalar(select(func.count()).select_from(SurveyAnswer))
        statuses = set((await s.execute(select(Idea.status))).scalars())
        routes = set((await s.execute(select(IdeaRoute.status))).scalars())
        workshop = (await s.execute(select(Workshop))).scalar_one()
        imported = await s.scalar(select(func.count()).select_from(Idea).where(Idea.workshop_id == workshop.id))
        ids = range(history.HISTORY_BASE, history.HISTORY_BASE + len(history.MEMBERS))
        past = await s.execute(select(Outbox.kind).join(Person, Person.id == Outbox.person_id).where(
            Person.telegram_id.in_(ids), Outbox.status.in_(outbox.OPEN_STATES), Outbox.due_at < START))  # fmt: skip
        sentences = list((await s.execute(select(SurveyAnswer.comment).where(SurveyAnswer.comment.is_not(None))))
                         .scalars())  # fmt: skip
        names = [p.display_name.split()[0] for p in (await s.execute(select(Person))).scalars()]
    assert members is not None and 40 <= members <= 55
    assert held is not None and held >= 3 * history.MEETINGS_PER_TEAM
    assert answers is not None and answers >= 100
    assert {"submitted", "in_review", "accepted", "implemented", "rejected", "forwarded"} <= statuses
    assert {"taken", "declined", "open"} <= routes  # the towns' answers, and one still waiting
    assert imported == len(history_ideas.WORKSHOP_IDEAS)
    assert list(past.scalars()) == []  # four months of invitations, surveys and answers never go out
    words = {w.strip(".,;:!?„“\"") for sentence in sentences for w in sentence.split()}
    assert sentences and not words & set(names)  # the sentences name nobody
    await demo.advance(timedelta(minutes=5))
    for i in range(len(history.MEMBERS)):  # the members of the past got nothing about it
        user = demo.fake.users[history.HISTORY_BASE + i]
        assert not [m.text for m in user.messages if "Umfrage" in m.text or "Protokoll" in m.text]


@SHARED
async def test_stats_shows_the_members(demo):
    maria = demo.users["manager"]
    async with demo.db.transaction() as s:
        total = await s.scalar(select(func.count()).select_from(Person).where(Person.consent_at.is_not(None)))
    before = len(maria.messages)
    await maria.send("/stats")
    reply = await maria.wait_for_message(lambda m: "Mitglieder" in m.text and m.message_id > before, timeout=20)
    assert unescape(t("de", "reports.members_line", total=total)) in reply.text
    for team in demo.config.teams:
        assert team.names["de"] in reply.text


@SHARED
async def test_every_report_chart_has_data(demo):
    maria = demo.users["manager"]
    with chart_texts() as drawn:
        await maria.send("/report")
        await maria.wait_for_message(lambda m: m.document is not None and m.document[0].endswith(".html"), timeout=60)
    photos = [m for m in maria.messages if m.photo is not None]
    assert len(photos) >= 4 and len(drawn) == len(photos)
    assert not [texts for texts in drawn if empty_words() & set(texts)]  # no chart says "noch keine Daten"


@SHARED
async def test_every_section_of_the_evaluation_report_has_data_and_most_cells_show(demo):
    config = demo.config
    async with demo.db.transaction() as s:
        manager = await people.get_person(s, seed.MANAGER)
        with chart_texts() as drawn:
            made = await evaluation.produce(s, manager, config, "de", None, None, START, via="chat")
        found = await figures.all_figures(s, None, None, vocabulary(config, "de"))
    page = unescape(made.html)
    assert made.pdf.startswith(b"%PDF") and made.pages >= 4
    assert unescape(t("de", "evaluation_report.no_data_section")) not in page
    assert unescape(t("de", "evaluation_report.no_data")) not in page
    for key in ("summary", "participation", "cooperation", "fields", "factors", "obstacles", "limits", "method"):
        assert unescape(t("de", f"evaluation_report.section_{key}")) in page
    assert drawn and not [texts for texts in drawn if empty_words() & set(texts)]
    cells = [c for table in found.tables() for row in table.rows for c in row.cells]
    hidden = [c for c in cells if c.suppressed]
    assert len(hidden) < len(cells) / 2, f"{len(hidden)} of {len(cells)} cells hidden"
    for table in found.tables():  # every table shows something
        assert any(not c.suppressed for row in table.rows for c in row.cells), table.key
    head = found.summary
    for cell in (head.meetings, head.active, head.hours, head.ideas_new, head.ideas_implemented, head.answers,
                 head.usefulness):  # fmt: skip
        assert not cell.suppressed and cell.value


async def _seeded(path: Path) -> list[tuple[object, ...]]:
    """A fresh demo database seeded at START: what its history holds, row by row."""
    config = demo_config(load_config(EXAMPLE, require_token=False), path)
    db = Database(config.database_url, **database_options(config.database_url))
    try:
        await prepare(config, db, FrozenClock(START))
        await seed.seed(db, config, START)
        async with db.transaction() as s:
            rows = await s.execute(select(SurveyAnswer.meeting_id, SurveyAnswer.person_id, SurveyAnswer.usefulness,
                                          SurveyAnswer.factors, SurveyAnswer.obstacles, SurveyAnswer.comment)
                                   .order_by(SurveyAnswer.id))  # fmt: skip
            ideas = await s.execute(select(Idea.id, Idea.author_id, Idea.status, Idea.created_at).order_by(Idea.id))
            return [*rows.all(), *ideas.all()]
    finally:
        await db.dispose()


@SHARED  # on the demo's loop, so the demo above keeps running while this seeds
async def test_every_fresh_demo_holds_the_same_history(tmp_path):
    first, second = await _seeded(tmp_path / "a.db"), await _seeded(tmp_path / "b.db")
    assert first == second and len(first) > 100
