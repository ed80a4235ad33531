"""The cases of the walk-through at the project's real size (13 people, 2 meetings, survey answers, 5 ideas):
every released figure hides what stands for fewer than 5 people with the sign "•", says so in words, hides what
is derived from a hidden cell, and never lets a hidden cell be worked out from a total (docs/evaluation.md)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from core.texts import t
from handlers.reports.evaluation_words import vocabulary
from models import people, teams
from models.evaluation import figures
from models.evaluation.disclosure import Sum, derivable
from models.evaluation.protect import secure
from models.reports.evaluation import content
from models.reports.evaluation.document import KeyFigures, Paragraph, Picture, Table
from models.reports.evaluation.sources import Sources
from models.reports.suppression import threshold
from models.tables import Idea, IdeaCode, IdeaTown, Meeting, Rsvp, SurveyAnswer, Team
from tests.evaluation_report_helpers import sample_figures
from tests.report_helpers import config

NOV, DEC = datetime(2026, 11, 10, 17, tzinfo=UTC), datetime(2026, 12, 8, 17, tzinfo=UTC)
HIDDEN = "nicht gezeigt (weniger als 5 Personen)"


async def walkthrough(db, cfg) -> None:
    """13 people; in November a 2-hour meeting with 8 present and 6 survey answers (4 name long travel times),
    in December a 2-hour meeting with 3 present (6 hours) and 3 answers; 5 ideas by 5 authors, 3 of them for
    two towns, long travel times ticked on 3."""
    towns, groups = [x.key for x in cfg.towns], [g.key for g in cfg.groups]
    async with db.transaction() as s:
        await teams.seed_teams(s, cfg.teams, NOV - timedelta(days=60))
        team = (await s.execute(select(Team).where(Team.slug == "daseinsvorsorge"))).scalar_one()
        who = []
        for i in range(13):
            p, _ = await people.register(s, telegram_id=9400000001 + i, display_name=f"Person {i}", language="de",
                                         privacy_version="1", now=NOV - timedelta(days=30))
            people.set_group(p, "citizen", groups)
            people.set_town(p, towns[i % 3], towns)
            await people.set_evaluation_consent(s, p, True, NOV - timedelta(days=30))
            await teams.join(s, p, team.id, NOV - timedelta(days=30))
            who.append(p)
        for at, present, answers in ((NOV, who[:8], 6), (DEC, who[:3], 3)):
            m = Meeting(team_id=team.id, title="Werkstatt", starts_at=at, duration_min=120, town="saalfeld",
                        address="Markt 1", status="scheduled", sequence=0, reminder_offsets=[], created_by=who[0].id,
                        created_at=at, updated_at=at, guests=0, attendance_recorded_at=at + timedelta(hours=3))
            s.add(m)
            await s.flush()
            for i, p in enumerate(present):
                s.add(Rsvp(meeting_id=m.id, person_id=p.id, answer="yes", invited_at=at, attended=True))
                if i < answers:
                    s.add(SurveyAnswer(meeting_id=m.id, person_id=p.id, person_group="citizen", person_town=p.town,
                                       usefulness=4, factors=[], obstacles=["travel_time"] if i < 4 and at == NOV
                                       else [], created_at=at, updated_at=at))
        for i, p in enumerate(who[8:13]):
            idea = Idea(author_id=p.id, author_group="citizen", author_town=p.town, text=f"Idee {i}",
                        field="public_services", team_id=team.id, status="submitted", created_at=NOV, updated_at=NOV)
            s.add(idea)
            await s.flush()
            s.add(IdeaTown(idea_id=idea.id, town="saalfeld"))
            if i < 3:
                s.add(IdeaTown(idea_id=idea.id, town="rudolstadt"))
                s.add(IdeaCode(idea_id=idea.id, kind="obstacle", code="travel_time", created_at=NOV))


async def report(db, cfg, min_people: int = 5):
    vocab = vocabulary(cfg, "de")
    with threshold(min_people):
        async with db.transaction() as s:
            fig = await figures.all_figures(s, None, None, vocab)
        frame = content.Frame("de", cfg.project_name, "1. November 2026", "31. Dezember 2026", "heute",
                              lambda key, **p: t("de", f"evaluation_report.{key}", **p), vocab, min_people)
        return fig, content.build(fig, Sources(13, 13, None, []), frame)


def section(doc, key):
    return next(s for s in doc.sections if s.key == key)


def key_figures(doc) -> dict[str, str]:
    return dict(next(b for b in section(doc, "summary").blocks if isinstance(b, KeyFigures)).items)


def texts(doc) -> list[str]:
    out = []
    for s in doc.sections:
        for b in s.blocks:
            if isinstance(b, Paragraph):
                out.append(b.text)
            elif isinstance(b, Table):
                out += [b.caption, *(cell for row in b.rows for cell in row)]
            elif isinstance(b, KeyFigures):
                out += [v for _, v in b.items]
    return out


async def test_a_hidden_share_is_the_sign_alone_never_less_than_5_percent(db):
    cfg = config(db.url)
    await walkthrough(db, cfg)
    _fig, doc = await report(db, cfg)
    shown = key_figures(doc)
    assert shown["Ideen für mehrere Orte"] == "•"  # 3 of 5 ideas: 60 %, but behind 3 people
    assert "„•“: weniger als 5 Personen – nicht gezeigt" in " ".join(texts(doc))
    cross = next(b.text for b in section(doc, "summary").blocks if isinstance(b, Paragraph) and "Orten" in b.text)
    assert f"{HIDDEN} der Ideen betreffen mehrere Orte" in cross
    assert not any("< 5" in x for x in texts(doc))


async def test_a_hidden_mean_and_hidden_hours_are_the_sign_and_december_is_not_a_zero_bar(db):
    cfg = config(db.url)
    await walkthrough(db, cfg)
    fig, doc = await report(db, cfg)
    use = {r.keys[0]: r.cells[0] for r in fig.survey.usefulness_by_month.rows}
    assert use["2026-12"].suppressed and use["2026-12"].text(1) == "•"  # 3 raters
    hours = {r.keys[0]: r.cells[0] for r in fig.engagement.by_month.rows}
    assert hours["2026-12"].suppressed  # 6 hours, behind 3 people
    table = next(b for b in section(doc, "participation").blocks if isinstance(b, Table) and "Monat" in b.head)
    december = next(row for row in table.rows if row[0] == "2026-12")
    assert december[1] == "•" and "weniger als 5 Personen" in table.caption
    # the chart marks it and says how many values are not shown, or becomes a sentence
    participation = section(doc, "participation").blocks
    assert any(isinstance(b, Picture) for b in participation) or any(
        isinstance(b, Paragraph) and "nicht gezeigt" in b.text for b in participation
    )


async def test_the_headline_hours_never_give_away_the_hidden_month(db):
    cfg = config(db.url)
    await walkthrough(db, cfg)
    fig, doc = await report(db, cfg)
    months = [r.cells[0] for r in fig.engagement.by_month.rows]
    head = fig.summary.hours
    cells = [head, *months]
    hidden = [c.suppressed for c in cells]
    assert derivable(hidden, [Sum(0, tuple(range(1, len(cells))))]) == set()
    assert any(hidden[1:]) and (head.suppressed or sum(hidden[1:]) >= 2)
    assert key_figures(doc)["Stunden Engagement"] in ("•", "22,0")


async def test_the_obstacles_section_shows_the_code_the_summary_names(db):
    cfg = config(db.url)
    await walkthrough(db, cfg)
    fig, doc = await report(db, cfg)
    summary = " ".join(b.text for b in section(doc, "summary").blocks if isinstance(b, Paragraph))
    assert "Am häufigsten genanntes Hemmnis: „Lange Fahrzeit“, Nennungen: 7." in summary  # 4 + 3, by 7 people
    obstacles = section(doc, "obstacles").blocks
    assert not any(isinstance(b, Paragraph) and b.text == "Noch keine Daten in diesem Zeitraum." for b in obstacles)
    table = next(b for b in obstacles if isinstance(b, Table) and b.title == "Nennungen je Code")
    # survey 4 (4 people) and ideas 3 (3 authors) are folded into their sum, the summary's cell
    assert ["Lange Fahrzeit", "", "", "7"] in table.rows
    assert "steht nur die Summe beider Quellen" in table.caption


async def test_hidden_counts_are_never_printed_as_zero_in_the_code_tables(db):
    cfg = config(db.url)
    await walkthrough(db, cfg)
    _fig, doc = await report(db, cfg)
    for key in ("factors", "obstacles"):
        for b in section(doc, key).blocks:
            if isinstance(b, Table) and b.title == "Nennungen je Code":
                assert all(cell != "0" for row in b.rows for cell in row[1:3] if row[3] != "0")


def test_the_drop_off_total_is_not_printed_beside_exactly_one_hidden_reason():
    cfg = config()
    vocab = vocabulary(cfg, "de")
    fig = sample_figures(vocab)
    drop = fig.staying.dropoff
    rows = drop.rows[:2]
    drop.rows = [
        rows[0].__class__(("none",), ("ohne Grund",), (figures.Cell.of(7, 7), figures.Cell.of(7, 7))),
        rows[0].__class__(("travel",), ("zu weit",), (figures.Cell.of(1, 1), figures.Cell.of(1, 1))),
        rows[0].__class__((figures.ALL,), ("alle",), (figures.Cell.of(8, 8), figures.Cell.of(8, 8))),
    ]
    secure(fig)
    people = [r.cells[0] for r in drop.rows]
    assert people[1].suppressed  # the one person
    assert people[0].suppressed or people[2].suppressed  # and 8 − 7 cannot be worked out
    assert derivable([c.suppressed for c in people], [Sum(2, (0, 1))]) == set()


async def test_the_threshold_comes_from_the_config(db):
    cfg = config(db.url)
    await walkthrough(db, cfg)
    fig, doc = await report(db, cfg, min_people=3)
    share = next(r for r in fig.cross_town.ideas.rows if r.keys[0] == figures.ALL).cells[2]
    assert not share.suppressed and share.value == 60.0  # 3 authors: shown when 3 suffice
    assert key_figures(doc)["Ideen für mehrere Orte"] == "60 %"
    assert fig.min_people == 3


async def test_headline_hours_are_rounded_half_up_like_their_documented_query(db):
    """Five present for 3 h 42 min: 18.5 hours. The query says 18.5; the report said "18" (no decimals, and
    Python's half to even). Every released output rounds half up, in decimal."""
    from sqlalchemy import text

    from handlers.reports.digest import _number
    from tests.test_evaluation_queries import QUERIES

    cfg = config(db.url)
    towns = [x.key for x in cfg.towns]
    async with db.transaction() as s:
        await teams.seed_teams(s, cfg.teams, NOV - timedelta(days=60))
        team = (await s.execute(select(Team).where(Team.slug == "daseinsvorsorge"))).scalar_one()
        who = []
        for i in range(5):
            p, _ = await people.register(s, telegram_id=9500000001 + i, display_name=f"P{i}", language="de",
                                         privacy_version="1", now=NOV - timedelta(days=30))
            people.set_town(p, towns[i % 3], towns)
            who.append(p)
        m = Meeting(team_id=team.id, title="Werkstatt", starts_at=NOV, duration_min=222, town="saalfeld",
                    address="Markt 1", status="scheduled", sequence=0, reminder_offsets=[], created_by=who[0].id,
                    created_at=NOV, updated_at=NOV, guests=0, attendance_recorded_at=NOV + timedelta(hours=4))
        s.add(m)
        await s.flush()
        for p in who:
            s.add(Rsvp(meeting_id=m.id, person_id=p.id, answer="yes", invited_at=NOV, attended=True))
    async with db.transaction() as s:
        row = (await s.execute(text(QUERIES["summary"]))).mappings().one()
    assert float(row["hours"]) == 18.5
    fig, doc = await report(db, cfg)
    assert fig.summary.hours.value == 18.5
    assert key_figures(doc)["Stunden Engagement"] == "18,5"
    said = " ".join(b.text for b in section(doc, "summary").blocks if isinstance(b, Paragraph))
    assert "(Gäste eingerechnet): 18,5." in said
    assert (_number(18.5, "de"), _number(18.25, "de"), _number(0.45, "en")) == ("18,5", "18,3", "0.5")


async def test_the_method_section_says_who_sees_what_and_the_threshold(db):
    cfg = config(db.url)
    await walkthrough(db, cfg)
    _fig, doc = await report(db, cfg, min_people=4)
    method = " ".join(b.text for b in section(doc, "method").blocks if isinstance(b, Paragraph))
    assert "weniger als 4 Personen" in method  # the configured threshold, stated where it applies
    assert "Operative Zahlen für das Projektmanagement (/stats, /report) zeigen genaue Werte" in method
    assert "zur Weitergabe bestimmt" in method
    assert "ändert sich erst, wenn mindestens 4 Personen hinter der Änderung stehen" in method  # over time
