"""A data set shaped like the model project, to measure how much of the evaluation report disclosure control hides.

3 teams (one per field of action) of `lo`–`hi` members across the 3 towns over 24 months; fortnightly meetings per
team rotating through the towns, each member coming with a personal likelihood (0.35–0.9); the survey answered by
about half of the present, consenting people (4 in 5 consent); about 58 ideas, a third for two or more towns,
along their path with factors and obstacles ticked; some forwarded to a town that answers. Deterministic
(random.Random(seed)), so before and after can be compared on the same rows.

`python -m bench.disclosure` seeds both shapes (8–15 and 5–7 members) and counts shown and hidden cells.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bench.twoyears import Rows
from core.config import Config
from models import teams
from models.db import Database
from models.migrate import upgrade
from models.surveys.away import MISSED, PRESENT_BEFORE
from models.tables import (
    AwayAnswer,
    Idea,
    IdeaCode,
    IdeaEvent,
    IdeaTown,
    Meeting,
    Membership,
    Outbox,
    Person,
    Rsvp,
    SurveyAnswer,
    Team,
)

T0 = datetime(2025, 1, 6, 8, 0, tzinfo=UTC)
MONTHS = 24
TOWNS = ("saalfeld", "rudolstadt", "bad_blankenburg")
GROUPS = ("citizen", "entrepreneur", "administration")
IDEAS = 58
REASONS = ("travel", "schedule", "health")


async def seed(url: str, config: Config, lo: int, hi: int, seed_: int = 7) -> dict[str, int]:
    """Migrate `url` and fill it with one project of teams of lo–hi members; the rows written per table."""
    rnd = random.Random(seed_)
    await upgrade(url)
    db = Database(url)
    try:
        async with db.transaction() as s:
            await teams.seed_teams(s, config.teams, T0)
            team_ids = list((await s.execute(select(Team.id).order_by(Team.id))).scalars())
            w = Rows(s)
            members, counts = await _people(w, team_ids, lo, hi, rnd)
            came: dict[tuple[int, int], list[tuple[datetime, bool]]] = {}
            counts.update(await _meetings(w, team_ids, members, config, rnd, came))
            counts.update(await _ideas(w, team_ids, members, config, rnd))
            counts.update(await _away(w, came, config, random.Random(seed_ + 1)))  # its own: the rest stays as it was
            await w.flush()
            return counts
    finally:
        await db.dispose()


async def _people(
    w: Rows, team_ids: list[int], lo: int, hi: int, rnd: random.Random
) -> tuple[dict[int, list[tuple[int, float]]], dict[str, int]]:
    """Members per team with their likelihood of coming; a few join later, one in eight is in two teams."""
    members: dict[int, list[tuple[int, float]]] = {t: [] for t in team_ids}
    pid = 0
    for team in team_ids:
        for _ in range(rnd.randint(lo, hi)):
            pid += 1
            joined = T0 + timedelta(days=rnd.choice([0, 0, 0, 30, 90, 200, 400]))
            await w.add(Person, {
                "id": pid, "telegram_id": 7_200_000_000 + pid, "display_name": f"Person {pid}", "language": "de",
                "stakeholder_group": rnd.choices(GROUPS, (6, 2, 2))[0], "town": rnd.choice(TOWNS),
                "is_manager": pid == 1, "pseudonym": f"P-S{pid:06d}", "consent_version": "1", "consent_at": joined,
                "evaluation_consent": rnd.random() < 0.8, "evaluation_consent_at": joined, "created_at": joined,
                "mute_reminders": False, "announcements_opt_out": False,
            })
            members[team].append((pid, rnd.uniform(0.35, 0.9)))
    await w.flush(Person)
    for i, team in enumerate(team_ids):
        other = team_ids[(i + 1) % len(team_ids)]
        for n, (p, _) in enumerate(members[team]):
            await w.add(Membership, {"person_id": p, "team_id": team, "role": "lead" if n == 0 else "member",
                                     "joined_at": T0})
            if n % 8 == 3:
                await w.add(Membership, {"person_id": p, "team_id": other, "role": "member", "joined_at": T0})
    await w.flush(Membership)
    return members, {"people": pid}


async def _meetings(
    w: Rows,
    team_ids: list[int],
    members: dict[int, list[tuple[int, float]]],
    config: Config,
    rnd: random.Random,
    log: dict[tuple[int, int], list[tuple[datetime, bool]]],
) -> dict[str, int]:
    factors, obstacles = [c.key for c in config.success_factors], [c.key for c in config.obstacles]
    consent: dict[int, bool] = {}
    mid = rsvps = answers = sent = 0
    for i, team in enumerate(team_ids):
        for k in range(MONTHS * 2):
            mid += 1
            starts = T0 + timedelta(days=14 * k + 2 * i, hours=9)
            await w.add(Meeting, {
                "id": mid, "team_id": team, "title": f"Treffen {k + 1}", "starts_at": starts,
                "duration_min": rnd.choice((90, 120, 120, 150)), "address": "Markt 1", "town": TOWNS[k % 3],
                "status": "scheduled", "sequence": 0, "reminder_offsets": [1440], "created_by": members[team][0][0],
                "created_at": starts - timedelta(days=7), "updated_at": starts - timedelta(days=7),
                "guests": rnd.choice((0, 0, 0, 1, 2)), "attendance_recorded_at": starts + timedelta(hours=3),
            })
    await w.flush(Meeting)
    mid = 0
    for team in team_ids:
        for k in range(MONTHS * 2):
            mid += 1
            starts = T0 + timedelta(days=14 * k + 2 * team_ids.index(team), hours=9)
            for p, likely in members[team]:
                came = rnd.random() < likely
                answer = "yes" if came or rnd.random() < 0.3 else "no"
                await w.add(Rsvp, {
                    "meeting_id": mid, "person_id": p, "answer": answer,
                    "reason": rnd.choice(REASONS) if answer == "no" and rnd.random() < 0.6 else None,
                    "invited_at": starts - timedelta(days=7), "answered_at": starts - timedelta(days=5),
                    "attended": came,
                })
                rsvps += 1
                agrees = consent.setdefault(p, rnd.random() < 0.8)
                log.setdefault((team, p), []).append((starts, came))
                if came and agrees:  # the survey went out to everyone present who agreed
                    sent += 1
                    await w.add(Outbox, {
                        "kind": "survey", "priority": 7, "chat_id": 7_200_000_000 + p, "person_id": p,
                        "meeting_id": mid, "payload": {}, "dedupe_key": f"survey:{mid}:{p}:0", "due_at": starts,
                        "status": "sent", "attempts": 1, "sent_at": starts, "created_at": starts,
                    })
                if came and agrees and rnd.random() < 0.5:
                    answers += 1
                    await w.add(SurveyAnswer, {
                        "meeting_id": mid, "person_id": p, "person_group": None, "person_town": None,
                        "usefulness": rnd.choices((1, 2, 3, 4, 5), (1, 2, 5, 8, 5))[0],
                        "factors": rnd.sample(factors, rnd.choice((0, 1, 1, 2))),
                        "obstacles": rnd.sample(obstacles, rnd.choice((0, 0, 1))),
                        "comment": None, "created_at": starts + timedelta(hours=4),
                        "updated_at": starts + timedelta(hours=4),
                    })
    return {"meetings": mid, "rsvps": rsvps, "surveys_sent": sent, "survey_answers": answers}


async def _ideas(
    w: Rows, team_ids: list[int], members: dict[int, list[tuple[int, float]]], config: Config, rnd: random.Random
) -> dict[str, int]:
    fields = [f.key for f in config.fields]
    factors, obstacles = [c.key for c in config.success_factors], [c.key for c in config.obstacles]
    paths = []
    for n in range(1, IDEAS + 1):
        i = rnd.randrange(len(team_ids))
        team = team_ids[i]
        author = rnd.choice(members[team])[0]
        created = T0 + timedelta(days=rnd.uniform(0, MONTHS * 30 - 60))
        path = rnd.choices(range(6), (2, 2, 2, 3, 1, 2))[0]
        status = ("submitted", "in_review", "accepted", "implemented", "rejected", "forwarded")[path]
        paths.append((n, created, path))
        await w.add(Idea, {
            "id": n, "author_id": author, "author_group": None, "author_town": None, "text": f"Idee {n}",
            "field": fields[i % len(fields)], "team_id": team, "status": status, "created_at": created,
            "updated_at": created,
        })
    await w.flush(Idea)
    events = codes = 0
    for n, created, path in paths:
        towns = rnd.sample(TOWNS, rnd.choices((1, 2, 3), (6, 2, 1))[0])
        for t in towns:
            await w.add(IdeaTown, {"idea_id": n, "town": t})
        steps: list[tuple[str, str | None, str | None, int]] = [("submitted", "submitted", None, 0)]
        if path >= 1:
            steps.append(("status", "in_review", None, rnd.randint(3, 20)))
        if path in (2, 3):
            steps.append(("status", "accepted", None, rnd.randint(21, 60)))
        if path == 3:
            steps.append(("status", "implemented", None, rnd.randint(61, 200)))
        if path == 4:
            steps.append(("status", "rejected", None, rnd.randint(21, 60)))
        if path == 5:
            steps.append(("status", "forwarded", None, rnd.randint(21, 40)))
            steps.append(("forwarded", None, towns[0], rnd.randint(21, 40)))
            if rnd.random() < 0.7:
                steps.append(("town_answer", None, towns[0], rnd.randint(45, 120)))
        for kind, st, twn, days in steps:
            events += 1
            await w.add(IdeaEvent, {"idea_id": n, "kind": kind, "at": created + timedelta(days=days),
                                    "actor_id": 1, "status": st, "town": twn, "details": {}})
        settled = created + timedelta(days=steps[-1][3])
        ticked = rnd.sample(factors, 2) if path == 3 else rnd.sample(obstacles, 2) if path in (4, 5) else []
        for c in ticked:
            codes += 1
            await w.add(IdeaCode, {"idea_id": n, "kind": "factor" if path == 3 else "obstacle", "code": c,
                                   "actor_id": 1, "created_at": settled})
    return {"ideas": IDEAS, "idea_events": events, "idea_codes": codes}


async def _away(
    w: Rows, log: dict[tuple[int, int], list[tuple[datetime, bool]]], config: Config, rnd: random.Random
) -> dict[str, int]:
    """The question after staying away (models/surveys/away.py), once per person and team, answered by about
    three in five with one or two obstacles."""
    obstacles = [c.key for c in config.obstacles]
    asked = 0
    for (team, p), seen in log.items():
        present = missed = 0
        for starts, came in seen:
            present, missed = (present + 1, 0) if came else (present, missed + 1)
            if present >= PRESENT_BEFORE and missed == MISSED:
                asked += 1
                answered = rnd.random() < 0.6
                at = starts + timedelta(days=1)
                await w.add(AwayAnswer, {
                    "person_id": p, "team_id": team, "person_group": None, "person_town": None,
                    "obstacles": rnd.sample(obstacles, rnd.choice((1, 1, 2))) if answered else [], "comment": None,
                    "asked_at": at, "answered_at": at if answered else None, "updated_at": at,
                })
                break
    return {"away_answers": asked}
