"""The evaluation benchmark's data set: two years of a busy project, as the evaluation report would read it.

500 members in 3 teams across 3 towns (every fourth in a second team; 4 in 5 gave evaluation consent);
1,500 meetings (500 per team, every 3.5 days or so, rotating through the towns), each inviting 24 members of
its team: 20 say yes, 2 maybe, 2 no with a reason; 18 attend, plus guests. 20,000 survey answers from present,
consenting people (usefulness, up to 2 factors and 1 obstacle, a sentence in every eighth); 3,000 ideas with
1–3 towns, their path (submitted, in review, accepted or rejected, forwarded to a town and its answer,
implemented) as idea events, and factors or obstacles ticked on the settled ones.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bench.twoyears import Rows
from core.config import Config
from models import teams
from models.db import Database
from models.migrate import upgrade
from models.tables import (
    Idea,
    IdeaCode,
    IdeaEvent,
    IdeaTown,
    Meeting,
    Membership,
    Person,
    Rsvp,
    SurveyAnswer,
    Team,
)

T0 = datetime(2024, 12, 2, 8, 0, tzinfo=UTC)
END = T0 + timedelta(weeks=104)
TOWNS = ("saalfeld", "rudolstadt", "bad_blankenburg")
GROUPS = ("citizen", "entrepreneur", "administration")
PEOPLE, MEETINGS, ANSWERS, IDEAS = 500, 1500, 20_000, 3000
INVITED, YES, PRESENT = 24, 20, 18
SENTENCES = (
    "Die Verwaltung war mit am Tisch, das hat vieles beschleunigt.",
    "Die Fahrt nach Bad Blankenburg dauert ohne Auto zu lange.",
    "Keiner wusste, wer im Rathaus zuständig ist.",
    "Gemeinsames Ziel: ein Ärztehaus für alle drei Städte.",
    "Ohne Fördermittel bleibt es beim Reden.",
)


def members_of(team_index: int) -> list[int]:
    return [p for p in range(1, PEOPLE + 1) if p % 3 == team_index or (p % 4 == 0 and (p + 1) % 3 == team_index)]


def consents(p: int) -> bool:
    return p % 5 != 0


async def seed(url: str, config: Config) -> dict[str, int]:
    """Migrate `url` and fill it; returns the rows written per table."""
    await upgrade(url)
    db = Database(url)
    try:
        async with db.transaction() as s:
            await teams.seed_teams(s, config.teams, T0)
            team_ids = list((await s.execute(select(Team.id).order_by(Team.id))).scalars())
            w = Rows(s)
            counts: dict[str, int] = {}
            counts["people"] = await _people(w, team_ids)
            counts.update(await _meetings(w, team_ids, [c.key for c in config.success_factors],
                                          [c.key for c in config.obstacles]))
            counts.update(await _ideas(w, team_ids, config))
            await w.flush()
            return counts
    finally:
        await db.dispose()


async def _people(w: Rows, team_ids: list[int]) -> int:
    for p in range(1, PEOPLE + 1):
        joined = T0 + timedelta(hours=p * 3)
        await w.add(
            Person,
            {
                "id": p,
                "telegram_id": 7_100_000_000 + p,
                "display_name": f"Person {p}",
                "language": "de",
                "stakeholder_group": GROUPS[(p // 3) % 3],
                "town": TOWNS[p % 3] if p % 7 else TOWNS[(p + 1) % 3],
                "is_manager": p == 1,
                "pseudonym": f"P-E{p:06d}",
                "consent_version": "1",
                "consent_at": joined,
                "evaluation_consent": consents(p),
                "evaluation_consent_at": joined,
                "created_at": joined,
                "mute_reminders": False,
                "announcements_opt_out": False,
            },
        )
    await w.flush(Person)
    for i, team in enumerate(team_ids):
        for n, p in enumerate(members_of(i)):
            await w.add(Membership, {"person_id": p, "team_id": team, "role": "lead" if n < 2 else "member",
                                     "joined_at": T0 + timedelta(hours=p * 3)})
    await w.flush(Membership)
    return PEOPLE


def _person_row(p: int) -> tuple[str, str]:
    return GROUPS[(p // 3) % 3], TOWNS[p % 3] if p % 7 else TOWNS[(p + 1) % 3]


async def _meetings(w: Rows, team_ids: list[int], factors: list[str], obstacles: list[str]) -> dict[str, int]:
    per_team = MEETINGS // len(team_ids)
    step = (END - T0 - timedelta(days=7)) / per_team
    answers = rsvps = 0
    mid = 0
    for i, team in enumerate(team_ids):
        members = members_of(i)
        for k in range(per_team):
            mid += 1
            starts = T0 + step * k + timedelta(hours=9 + i)
            duration = (60, 90, 120)[k % 3]
            await w.add(
                Meeting,
                {
                    "id": mid, "team_id": team, "title": f"Treffen {k + 1}", "starts_at": starts,
                    "duration_min": duration, "address": "Markt 1", "town": TOWNS[k % 3],
                    "agenda": "Bericht, Ideen, nächste Schritte", "status": "scheduled", "sequence": 0,
                    "reminder_offsets": [1440], "created_by": members[0],
                    "created_at": starts - timedelta(days=7), "updated_at": starts - timedelta(days=7),
                    "guests": k % 4, "attendance_recorded_at": starts + timedelta(hours=3),
                },
            )
        await w.flush(Meeting)
        for k in range(per_team):
            m = mid - per_team + k + 1
            starts = T0 + step * k + timedelta(hours=9 + i)
            window = [members[(k * 7 + j) % len(members)] for j in range(INVITED)]
            target = ANSWERS * m // MEETINGS  # answers so far after this meeting; a short meeting's gap carries on
            for j, p in enumerate(window):
                answer = "yes" if j < YES else ("maybe" if j < YES + 2 else "no")
                await w.add(Rsvp, {
                    "meeting_id": m, "person_id": p, "answer": answer,
                    "reason": ("travel", "schedule", "health")[k % 3] if answer == "no" else None,
                    "invited_at": starts - timedelta(days=7), "answered_at": starts - timedelta(days=5),
                    "attended": j < PRESENT,
                })
                rsvps += 1
                if j < PRESENT and consents(p) and answers < target:
                    answers += 1
                    group, town = _person_row(p)
                    await w.add(SurveyAnswer, {
                        "meeting_id": m, "person_id": p, "person_group": group, "person_town": town,
                        "usefulness": 1 + (p + k) % 5,
                        "factors": [factors[(p + k) % len(factors)], factors[(p * 3 + k) % len(factors)]][: 1 + p % 2],
                        "obstacles": [obstacles[(p + 2 * k) % len(obstacles)]] if (p + k) % 3 else [],
                        "comment": SENTENCES[(p + k) % len(SENTENCES)] if answers % 8 == 0 else None,
                        "comment_review": "released" if answers % 8 == 0 else None,  # the manager included them
                        "created_at": starts + timedelta(hours=4), "updated_at": starts + timedelta(hours=4),
                    })
    return {"meetings": mid, "rsvps": rsvps, "survey_answers": answers}


async def _ideas(w: Rows, team_ids: list[int], config: Config) -> dict[str, int]:
    fields = [f.key for f in config.fields]
    factors, obstacles = [c.key for c in config.success_factors], [c.key for c in config.obstacles]
    span = (END - T0 - timedelta(days=90)) / IDEAS
    events = codes = 0
    for n in range(1, IDEAS + 1):
        created = T0 + span * n
        author = 1 + (n * 13) % PEOPLE
        group, town = _person_row(author)
        path = n % 6  # 0 submitted, 1 in review, 2 accepted, 3 implemented, 4 rejected, 5 forwarded
        status = ("submitted", "in_review", "accepted", "implemented", "rejected", "forwarded")[path]
        await w.add(Idea, {
            "id": n, "author_id": author, "author_group": group, "author_town": town,
            "text": f"Idee {n}: Mitfahrbank zwischen den Städten", "field": fields[n % len(fields)],
            "team_id": team_ids[n % len(team_ids)], "status": status, "created_at": created, "updated_at": created,
        })
    await w.flush(Idea)  # the rows below point at the ideas
    for n in range(1, IDEAS + 1):
        created, path = T0 + span * n, n % 6
        towns = TOWNS[n % 3 :] + TOWNS[: n % 3]  # starting with a different town each time
        towns = towns[: 1 + (n % 4 == 1) + (n % 10 == 3)]  # a quarter concern two towns, a tenth all three
        for t in towns:
            await w.add(IdeaTown, {"idea_id": n, "town": t})
        steps: list[tuple[str, str | None, str | None, int]] = [("submitted", "submitted", None, 0)]
        if path >= 1:
            steps.append(("status", "in_review", None, 4 + n % 10))
        if path in (2, 3):
            steps.append(("status", "accepted", None, 20 + n % 30))
        if path == 3:
            steps.append(("status", "implemented", None, 70 + n % 60))
        if path == 4:
            steps.append(("status", "rejected", None, 15 + n % 20))
        if path == 5:
            steps.append(("status", "forwarded", None, 10 + n % 10))
            steps.append(("forwarded", None, towns[0], 10 + n % 10))
            if n % 12 == 5:
                steps.append(("town_answer", None, towns[0], 40 + n % 50))
        for kind, st, twn, days in steps:
            events += 1
            await w.add(IdeaEvent, {"idea_id": n, "kind": kind, "at": created + timedelta(days=days),
                                    "actor_id": 2, "status": st, "town": twn, "details": {}})
        settled = created + timedelta(days=steps[-1][3])
        if path == 3:
            for c in {factors[n % len(factors)], factors[(n // 6) % len(factors)]}:
                codes += 1
                await w.add(IdeaCode, {"idea_id": n, "kind": "factor", "code": c, "actor_id": 2, "created_at": settled})
        if path in (4, 5):
            for c in {obstacles[n % len(obstacles)], obstacles[(n // 6) % len(obstacles)]}:
                codes += 1
                await w.add(IdeaCode, {"idea_id": n, "kind": "obstacle", "code": c, "actor_id": 2,
                                       "created_at": settled})
    return {"ideas": IDEAS, "idea_events": events, "idea_codes": codes}
