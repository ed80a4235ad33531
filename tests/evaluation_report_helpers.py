"""Filled evaluation figures made by hand (the figures' own shapes), to render and look at the report's layout
without a database: two years of months, three towns and groups, a suppressed cell in most tables."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from models.evaluation.figures import ALL, IDEA, STAGES, SURVEY, Cell, Figures, Row
from models.evaluation.shapes import CrossTown, Engagement, Funnel, StayingPower, SurveyFigures, table, word
from models.reports.codebook import Vocabulary

MONTHS = [f"{2025 + (m // 12)}-{m % 12 + 1:02d}" for m in range(24)]
TOWNS = ("saalfeld", "rudolstadt", "bad_blankenburg")
GROUPS = ("citizen", "entrepreneur", "administration")
TEAMS = ("daseinsvorsorge", "fachkraefte", "engagement")
FIELDS = ("public_services", "skilled_workers", "civic_engagement")


def _row(vocab: Vocabulary, cats: tuple[str, ...], keys: tuple[str, ...], cells: tuple[Cell, ...]) -> Row:
    return Row(keys, tuple(word(vocab, c, k) for c, k in zip(cats, keys, strict=True)), cells)


def c(value: float, n: int) -> Cell:
    return Cell.of(value, n)


def sample_figures(vocab: Vocabulary) -> Figures:
    ideas = table("ideas_towns", ("field",), ("ideas", "multi_town", "share_pct"), vocab)
    ideas.rows = [_row(vocab, ("field",), (f,), (c(900 + i, 300), c(210 + i * 30, 100), c(23 + i * 3, 100)))
                  for i, f in enumerate(FIELDS)]
    ideas.rows.append(_row(vocab, ("figure",), (ALL,), (c(2703, 450), c(720, 200), c(26.6, 200))))
    meetings = table("meetings_towns", ("team",), ("meetings", "multi_town", "share_pct"), vocab)
    meetings.rows = [_row(vocab, ("team",), (t,), (c(500, 150), c(400 - 50 * i, 150), c(80 - 10 * i, 150)))
                     for i, t in enumerate(TEAMS)]
    meetings.rows.append(_row(vocab, ("figure",), (ALL,), (c(1500, 450), c(1050, 450), c(70, 450))))
    mix = table("team_mix", ("team", "month", "town", "group"), ("members",), vocab, "left_not_recorded")
    mix.rows = [_row(vocab, ("team", "month", "town", "group"), (t, "2026-10", town, g), (c(20 + i + j, 20 + i + j)
                     if (i + j) % 4 else Cell.of(3, 3),)) for t in TEAMS for i, town in enumerate(TOWNS)
                for j, g in enumerate(GROUPS)]
    travel = table("travel", ("home_town", "meeting_town"), ("attendances", "people"), vocab)
    travel.rows = [_row(vocab, ("town", "town"), (h, m), (c(3000 if h == m else 800 + 100 * i, 60), c(60, 60)))
                   for i, h in enumerate(TOWNS) for m in TOWNS]
    by_month = table("hours_by_month", ("month",), ("hours", "members", "guests"), vocab)
    by_month.rows = [_row(vocab, ("month",), (m,), (c(1400 + 40 * i, 180), c(180, 180), c(30, 30)))
                     for i, m in enumerate(MONTHS)]
    by_group = table("hours_by_group", ("month", "group"), ("hours",), vocab)
    by_group.rows = [_row(vocab, ("month", "group"), (m, g), (c(400 + 10 * j, 60) if j else c(2, 3),))
                     for m in MONTHS for j, g in enumerate(GROUPS)]
    by_town = table("hours_by_town", ("month", "town"), ("hours",), vocab)
    by_town.rows = [_row(vocab, ("month", "town"), (m, t), (c(500, 60),)) for m in MONTHS for t in TOWNS]
    active = table("active_by_month", ("month",), ("active", "first_time", "returners", "not_again"), vocab)
    active.rows = [_row(vocab, ("month",), (m,), (c(180, 180), c(max(60 - 5 * i, 3), 60), c(120 + 3 * i, 120),
                                                 c(4, 4))) for i, m in enumerate(MONTHS)]
    dropoff = table("dropoff_reasons", ("reason",), ("people", "absences"), vocab)
    dropoff.rows = [_row(vocab, ("reason",), (r,), (c(12, 12), c(30, 12))) for r in ("travel", "time", "health")]
    stages = table("idea_funnel", ("town", "stage"), ("ideas", "ended", "median_days"), vocab)
    stages.rows = [_row(vocab, ("town", "idea_status"), (t, s), (c(1000 - 200 * k, 100), c(800 - 200 * k, 100),
                                                                  c(12 + 5 * k, 100)))
                   for t in (ALL, *TOWNS) for k, s in enumerate(STAGES)]
    answers = table("town_answers", ("town",), ("forwarded", "answered", "median_days"), vocab)
    answers.rows = [_row(vocab, ("town",), (t,), (c(120, 40), c(80, 40), c(30 + 10 * i, 40)))
                    for i, t in enumerate(TOWNS)]
    use_month = table("usefulness_by_month", ("month",), ("mean", "answers"), vocab)
    use_month.rows = [_row(vocab, ("month",), (m,), (c(3.4 + (i % 5) / 10, 800), c(833, 800)))
                      for i, m in enumerate(MONTHS)]
    use_team = table("usefulness_by_team", ("team",), ("mean", "answers"), vocab)
    use_team.rows = [_row(vocab, ("team",), (t,), (c(3.6, 6000), c(6666, 200))) for t in TEAMS]
    use_field = table("usefulness_by_field", ("field",), ("mean", "answers"), vocab)
    use_field.rows = [_row(vocab, ("field",), (f,), (c(3.5, 6000), c(6666, 200))) for f in FIELDS]
    keys = ("source", "kind", "code")
    codes_team = table("codes_by_team", (*keys, "team"), ("mentions",), vocab)
    codes_total = table("codes_total", keys, ("mentions",), vocab)
    for source in (SURVEY, IDEA):
        for kind in ("factor", "obstacle"):
            for k, (code, _) in enumerate(vocab.codes[kind]):
                for t in (*TEAMS, ALL):
                    n = (900 - 100 * k) // (1 if source == SURVEY else 8) * (3 if t == ALL else 1)
                    if t == ALL:
                        total = _row(vocab, ("figure", "figure", kind), (source, kind, code), (c(n, n),))
                        codes_total.rows.append(total)
                    else:
                        codes_team.rows.append(_row(vocab, ("figure", "figure", kind, "team"), (source, kind, code, t),
                                                    (c(n, n),)))
    from models.evaluation.shapes import Summary, Top

    head = Summary(
        since=None, until=None, team=None, meetings=c(1500, 450), attendances=c(27000, 450), active=c(450, 450),
        guests=c(700, 700), hours=c(44640.5, 1150), ideas_new=c(2703, 450), ideas_implemented=c(400, 200),
        answers=c(19992, 400), usefulness=c(3.62, 400),
        top_factor=Top("factor", "administration_involved", word(vocab, "factor", "administration_involved"),
                       c(4100, 380)),
        top_obstacle=Top("obstacle", "travel_time", word(vocab, "obstacle", "travel_time"), c(3, 3)),
    )
    return Figures(
        since=datetime(2025, 1, 1, tzinfo=UTC),
        until=datetime(2027, 1, 1, tzinfo=UTC),
        summary=head,
        cross_town=CrossTown(ideas, meetings, mix, travel),
        engagement=Engagement(by_month=by_month, by_group=by_group, by_town=by_town),
        staying=StayingPower(active, dropoff),
        funnel=Funnel(stages, answers),
        survey=SurveyFigures(use_month, use_team, use_field,
                             table("codes_by_month", (*keys, "month"), ("mentions",), vocab), codes_team,
                             table("codes_by_field", (*keys, "field"), ("mentions",), vocab), codes_total,
                             table("survey_response", ("team", "period"), ("surveyed", "answered", "rate_pct"), vocab),
                             table("away_reasons", ("reason",), ("people",), vocab)),
    )


# --- a small project in the database: one meeting with six present, their survey answers, five ideas ------------

SIX = [  # display name, town: all citizens who agreed to the evaluation
    ("Anneliese Quast", "saalfeld"),
    ("Bruno Brandt", "saalfeld"),
    ("Clara Conrad", "saalfeld"),
    ("Dieter Dorn", "rudolstadt"),
    ("Erika Eich", "rudolstadt"),
    ("Franz Fink", "rudolstadt"),
]
USEFULNESS = [5, 4, 4, 3, 5, 3]  # mean 4.0
SENTENCE = "Mit Anneliese Quast ging es schneller, aber die Fahrt war zu lang."


async def seed_evaluation(db, config, now, review: str | None = "released") -> dict[str, str]:
    """Six present at a two-hour meeting two days before `now` (plus one guest), each answering the survey
    (factor shared_goal from all six, obstacle travel_time from five, one sentence: `review` is the project
    manager's decision on it, None = not reviewed), and five ideas for two towns. Returns display name ->
    pseudonym."""
    from sqlalchemy import select

    from models import people, teams
    from models.tables import Idea, IdeaTown, Meeting, Rsvp, SurveyAnswer, Team

    towns, groups = [t.key for t in config.towns], [g.key for g in config.groups]
    held = now - timedelta(days=2)
    out: dict[str, str] = {}
    async with db.transaction() as s:
        team = (await s.execute(select(Team).where(Team.slug == "daseinsvorsorge"))).scalar_one()
        who = []
        for i, (name, town) in enumerate(SIX):
            p, _ = await people.register(
                s, telegram_id=9300000001 + i, display_name=name, language="de", privacy_version="1", now=held
            )
            people.set_group(p, "citizen", groups)
            people.set_town(p, town, towns)
            await people.set_evaluation_consent(s, p, True, held)
            await teams.join(s, p, team.id, held)
            who.append(p)
            out[name] = p.pseudonym
        meeting = Meeting(
            team_id=team.id, title="Werkstatt Mobilität", starts_at=held, duration_min=120, town="saalfeld",
            address="Markt 1", status="scheduled", sequence=0, reminder_offsets=[], created_by=who[0].id,
            created_at=held, updated_at=held, guests=1, attendance_recorded_at=held + timedelta(hours=3),
        )
        s.add(meeting)
        await s.flush()
        for i, p in enumerate(who):
            s.add(Rsvp(meeting_id=meeting.id, person_id=p.id, answer="yes", invited_at=held, attended=True))
            s.add(SurveyAnswer(
                meeting_id=meeting.id, person_id=p.id, person_group="citizen", person_town=p.town,
                usefulness=USEFULNESS[i], factors=["shared_goal"], obstacles=["travel_time"] if i else [],
                comment=SENTENCE if i == 1 else None, comment_review=review if i == 1 else None,
                created_at=held, updated_at=held,
            ))
        for i, p in enumerate(who[:5]):
            idea = Idea(author_id=p.id, author_group="citizen", author_town=p.town, text=f"Idee {i}",
                        field="public_services", team_id=team.id, status="submitted", created_at=held,
                        updated_at=held)
            s.add(idea)
            await s.flush()
            s.add_all([IdeaTown(idea_id=idea.id, town="saalfeld"), IdeaTown(idea_id=idea.id, town="rudolstadt")])
    return out


def pdf_text(data: bytes) -> str:
    """The PDF's words, page after page (pypdf: no poppler needed)."""
    import io

    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
