"""Three months of a project for the evaluation figures, seeded through the domain where the domain has a way.

Survey answers, idea codes and the towns' forwarding steps are written as rows (their flows are built
elsewhere); everything else goes through the bot's own functions. The numbers the tests expect follow from:

People (town, group, consent): lead L1 + S1..S5 saalfeld citizens, R1..R4 rudolstadt entrepreneurs (R5 the same
without consent), lead L2 rudolstadt citizen, B1 B2 bad_blankenburg administration, X rudolstadt citizen (erased
at the end), M the manager (saalfeld administration, in no team).
Teams: daseinsvorsorge L1 S1..S5 (Sept 1), R1 R2 (Sept 10), X (Oct 1), B1 (Oct 5), R3 (Oct 6);
fachkraefte L2 R1..R5 (Oct 1), B2 (Nov 2).
Meetings (all 17:00 UTC):
  M1 dv saalfeld Sept 20, 120 min: L1 S1..S5 R1 present, R2 declined (travel), 3 guests
  M2 dv rudolstadt Oct 15, 90 min: L1 S1 S2 R1 R2 B1 R3 X present, S3 no (schedule), S4 no (none), S5 yes, absent
  M3 fk online Oct 20, 60 min: L2 R1..R5 present, 2 guests
  M4 dv saalfeld Nov 10, 120 min: L1 S1 S2 B1 R3 present, S3 no (schedule), S4 no (travel), S5 no (care),
     R1 no (travel), R2 yes, absent
  M5 fk bad_blankenburg Nov 12, 90 min: L2 R1 R4 B2 present, R2 no (health), R3 no (travel), 1 guest
  M6 dv cancelled (Nov 20); M7 dv Dec 15 ahead, S3 no (schedule)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from core.config import Config
from models import people, teams
from models.db import Database
from models.ideas import answers as idea_answers
from models.ideas import core as ideas
from models.ideas import events
from models.meetings import attendance
from models.meetings import core as meetings
from models.meetings.core import MeetingInput
from models.privacy.core import erase_person
from models.tables import AwayAnswer, IdeaCode, Outbox, Person, SurveyAnswer, Team

MANAGER_TG = 9100000001


def at(month: int, day: int, hour: int = 17) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=UTC)


PEOPLE = {  # key: (town, group, consent)
    "M": ("saalfeld", "administration", True),
    "L1": ("saalfeld", "citizen", True),
    **{f"S{i}": ("saalfeld", "citizen", True) for i in range(1, 6)},
    **{f"R{i}": ("rudolstadt", "entrepreneur", i != 5) for i in range(1, 6)},
    "L2": ("rudolstadt", "citizen", True),
    "B1": ("bad_blankenburg", "administration", True),
    "B2": ("bad_blankenburg", "administration", True),
    "X": ("rudolstadt", "citizen", True),
}
JOINS = [
    ("daseinsvorsorge", ["L1", "S1", "S2", "S3", "S4", "S5"], at(9, 1, 9)),
    ("daseinsvorsorge", ["R1", "R2"], at(9, 10, 9)),
    ("daseinsvorsorge", ["X"], at(10, 1, 9)),
    ("daseinsvorsorge", ["B1"], at(10, 5, 9)),
    ("daseinsvorsorge", ["R3"], at(10, 6, 9)),
    ("fachkraefte", ["L2", "R1", "R2", "R3", "R4", "R5"], at(10, 1, 9)),
    ("fachkraefte", ["B2"], at(11, 2, 9)),
]
# key: (team, lead, start, minutes, town (None: online), present, answers {person: (answer, reason)}, guests)
MEETINGS = {
    "M1": ("daseinsvorsorge", "L1", at(9, 20), 120, "saalfeld", "L1 S1 S2 S3 S4 S5 R1", {"R2": ("no", "travel")}, 3),
    "M2": (
        "daseinsvorsorge",
        "L1",
        at(10, 15),
        90,
        "rudolstadt",
        "L1 S1 S2 R1 R2 B1 R3 X",
        {"S3": ("no", "schedule"), "S4": ("no", None), "S5": ("yes", None)},
        0,
    ),
    "M3": ("fachkraefte", "L2", at(10, 20), 60, None, "L2 R1 R2 R3 R4 R5", {}, 2),
    "M4": (
        "daseinsvorsorge",
        "L1",
        at(11, 10),
        120,
        "saalfeld",
        "L1 S1 S2 B1 R3",
        {
            "S3": ("no", "schedule"),
            "S4": ("no", "travel"),
            "S5": ("no", "care"),
            "R1": ("no", "travel"),
            "R2": ("yes", None),
        },
        0,
    ),
    "M5": (
        "fachkraefte",
        "L2",
        at(11, 12),
        90,
        "bad_blankenburg",
        "L2 R1 R4 B2",
        {"R2": ("no", "health"), "R3": ("no", "travel")},
        1,
    ),
}
# key: (author, field, team, towns, submitted, [(status, when)])
IDEAS = {
    "I1": ("S1", "public_services", "daseinsvorsorge", ["saalfeld", "rudolstadt"], at(9, 5),
           [("in_review", at(9, 15)), ("accepted", at(10, 1)), ("implemented", at(11, 1))]),
    "I2": ("S2", "public_services", "daseinsvorsorge", ["saalfeld"], at(9, 6),
           [("in_review", at(9, 20)), ("accepted", at(10, 10))]),
    "I3": ("S3", "skilled_workers", None, ["rudolstadt", "bad_blankenburg"], at(9, 7),
           [("rejected", at(9, 27))]),
    "I4": ("R1", "skilled_workers", "fachkraefte", ["rudolstadt"], at(10, 2), [("forwarded", at(10, 12))]),
    "I5": ("R2", "public_services", "daseinsvorsorge", ["saalfeld", "rudolstadt", "bad_blankenburg"], at(10, 3),
           [("accepted", at(10, 20))]),
    "I6": ("B1", "civic_engagement", None, ["bad_blankenburg"], at(10, 7), []),
    "I7": ("S4", "public_services", "daseinsvorsorge", ["saalfeld"], at(11, 3), [("in_review", at(11, 15))]),
    "I8": ("S5", "public_services", "daseinsvorsorge", ["saalfeld", "bad_blankenburg"], at(11, 4), []),
    "I9": ("L2", "skilled_workers", "fachkraefte", ["rudolstadt"], at(11, 5), [("forwarded", at(11, 10))]),
    "I10": ("X", "public_services", "daseinsvorsorge", ["rudolstadt"], at(10, 4), [("in_review", at(10, 25))]),
}  # fmt: skip
# the towns' administrations: (idea, town, forwarded, answered or None)
ROUTES = [
    ("I4", "rudolstadt", at(10, 12), at(10, 26)),
    ("I9", "rudolstadt", at(11, 10), at(11, 13)),
    ("I9", "bad_blankenburg", at(11, 10), None),
]
CODES = [  # (idea, kind, code, when)
    ("I3", "obstacle", "town_rivalry", at(9, 27)),
    ("I3", "obstacle", "legal_hurdles", at(9, 27)),
    ("I4", "obstacle", "unclear_responsibility", at(10, 12)),
    ("I1", "factor", "administration_involved", at(11, 1)),
    ("I1", "factor", "shared_goal", at(11, 1)),
    ("I10", "obstacle", "no_funding", at(10, 26)),
]
# survey answers: (meeting, person, usefulness, factors, obstacles)
SURVEYS = [
    ("M1", "L1", 4, ["shared_goal"], []),
    ("M1", "S1", 5, ["shared_goal", "committed_people"], []),
    ("M1", "S2", 3, [], ["travel_time"]),
    ("M1", "S3", 4, ["short_distances"], []),
    ("M1", "S4", 5, ["shared_goal"], ["volunteer_time"]),
    ("M1", "R1", 2, [], ["travel_time", "town_rivalry"]),
    ("M2", "L1", 4, ["shared_goal"], ["travel_time"]),
    ("M2", "S1", 4, [], ["travel_time"]),
    ("M2", "R1", 5, ["short_distances"], []),
    ("M2", "R2", 3, [], ["travel_time"]),
    ("M2", "B1", 4, ["administration_involved"], []),
    ("M2", "X", 1, [], ["information_gap"]),  # X is erased later: the answer stays without person
    ("M3", "L2", 5, ["businesses_involved"], []),
    ("M3", "R1", 4, ["businesses_involved"], []),
    ("M3", "R2", 4, [], ["travel_time"]),
    ("M3", "R3", 3, [], []),
    ("M3", "R4", 5, ["businesses_involved", "shared_goal"], []),
    ("M3", "R5", 1, [], ["town_rivalry"]),  # R5 never agreed to the evaluation: left out
    ("M4", "L1", 5, ["administration_involved"], []),
    ("M4", "S1", 4, [], []),
]
ERASED = "X"
# surveys that went out (outbox rows sent): to the present people who agreed to the evaluation (not R5); X's go
# with X's erasure while X's answer stays
SENT = {
    "M1": "L1 S1 S2 S3 S4 S5 R1", "M2": "L1 S1 S2 R1 R2 B1 R3 X", "M3": "L2 R1 R2 R3 R4",
    "M4": "L1 S1 S2 B1 R3", "M5": "L2 R1 R4 B2",
}
# the question after staying away: (person, team, asked, answered, obstacles)
AWAY = [
    ("S3", "daseinsvorsorge", at(11, 12, 10), True, ["volunteer_time"]),
    ("S4", "daseinsvorsorge", at(11, 12, 10), True, ["travel_time", "volunteer_time"]),
    ("S5", "daseinsvorsorge", at(11, 12, 10), False, []),  # asked, not answered
    ("X", "daseinsvorsorge", at(11, 12, 10), True, ["travel_time"]),  # erased later: stays without person
]


@dataclass
class Seeded:
    person: dict[str, int] = field(default_factory=dict)
    team: dict[str, int] = field(default_factory=dict)
    meeting: dict[str, int] = field(default_factory=dict)
    idea: dict[str, int] = field(default_factory=dict)


async def seed(db: Database, cfg: Config) -> Seeded:
    out = Seeded()
    towns, groups, fields = [t.key for t in cfg.towns], [g.key for g in cfg.groups], [f.key for f in cfg.fields]
    async with db.transaction() as s:
        await teams.seed_teams(s, cfg.teams, at(8, 1))
        out.team = {t.slug: t.id for t in (await s.execute(select(Team))).scalars()}
        who: dict[str, Person] = {}
        for n, (key, (town, group, consent)) in enumerate(PEOPLE.items()):
            tg = MANAGER_TG + n
            p, _ = await people.register(
                s, telegram_id=tg, display_name=f"Person {key}", language="de", privacy_version="1",
                now=at(8, 20), managers=[MANAGER_TG],
            )  # fmt: skip
            people.set_group(p, group, groups)
            people.set_town(p, town, towns)
            await people.set_evaluation_consent(s, p, consent, at(8, 20))
            who[key] = p
        for slug, keys, when in JOINS:
            for key in keys:
                await teams.join(s, who[key], out.team[slug], when)
        await teams.set_lead(s, who["M"], who["L1"].id, out.team["daseinsvorsorge"], True, at(9, 1, 10))
        await teams.set_lead(s, who["M"], who["L2"].id, out.team["fachkraefte"], True, at(10, 1, 10))
        out.person = {k: p.id for k, p in who.items()}
        policy = cfg.meetings
        for key, (slug, lead, start, minutes, town, present, answers, guests) in MEETINGS.items():
            data = MeetingInput(
                title=f"Treffen {key}", starts_at=start, duration_min=minutes,
                address="Markt 1" if town else None, town=town,
                online_url=None if town else "https://meet.example.org/x",
            )  # fmt: skip
            made = await meetings.create_meeting(
                s, who[lead], out.team[slug], data, start - timedelta(days=7), policy, towns
            )
            out.meeting[key] = made.id
            for person in present.split():
                if person != lead:
                    await meetings.answer(s, who[person], made.id, "yes", start - timedelta(days=2), policy)
            for person, (answer, reason) in answers.items():
                await meetings.answer(s, who[person], made.id, answer, start - timedelta(days=2), policy, reason)
            after = start + timedelta(hours=3)
            for person in present.split():
                await attendance.set_attended(s, who[lead], made.id, who[person].id, True, after)
            await attendance.set_guests(s, who[lead], made.id, guests, after)
            await attendance.finish(s, who[lead], made.id, after)
        dv = out.team["daseinsvorsorge"]
        cancelled = MeetingInput(
            title="Abgesagt", starts_at=at(11, 20), duration_min=90, address="Markt 1", town="saalfeld"
        )
        made = await meetings.create_meeting(s, who["L1"], dv, cancelled, at(11, 1), policy, towns)
        await meetings.cancel_meeting(s, who["L1"], made.id, at(11, 2))
        out.meeting["M6"] = made.id
        ahead = MeetingInput(
            title="Im Dezember", starts_at=at(12, 15), duration_min=90, address="Markt 1", town="saalfeld"
        )
        made = await meetings.create_meeting(s, who["L1"], dv, ahead, at(11, 25), policy, towns)
        await meetings.answer(s, who["S3"], made.id, "no", at(11, 26), policy, "schedule")
        out.meeting["M7"] = made.id
        for key, (author, fld, slug, idea_towns, when, steps) in IDEAS.items():
            idea = await ideas.submit(
                s, who[author], text=f"Idee {key}: etwas Gutes für die Städte", field=fld, towns=idea_towns,
                team_id=out.team[slug] if slug else None, now=when, fields=fields, allowed_towns=towns,
            )  # fmt: skip
            out.idea[key] = idea.id
            for status, step_at in steps:
                routed = idea_towns if status == "forwarded" else None  # the towns' steps are written below
                await idea_answers.save_draft(s, who["M"], idea.id, status, f"Antwort: {status}", step_at, towns=routed)
                await idea_answers.publish(s, who["M"], None, step_at)
        for key, town, sent, answered in ROUTES:
            events.record(s, out.idea[key], events.FORWARDED, sent, actor_id=who["M"].id, town=town)
            if answered is not None:
                events.record(s, out.idea[key], events.TOWN_ANSWER, answered, town=town, answer="taken")
        for key, kind, code, when in CODES:
            s.add(IdeaCode(idea_id=out.idea[key], kind=kind, code=code, actor_id=who["M"].id, created_at=when))
        for meeting, person, use, factors, obstacles in SURVEYS:
            p, answered = who[person], MEETINGS[meeting][2] + timedelta(hours=4)
            s.add(
                SurveyAnswer(
                    meeting_id=out.meeting[meeting], person_id=p.id, person_group=p.stakeholder_group,
                    person_town=p.town, usefulness=use, factors=factors, obstacles=obstacles,
                    comment="Hat geholfen", created_at=answered, updated_at=answered,
                )
            )  # fmt: skip
        for meeting, present in SENT.items():
            sent_at = MEETINGS[meeting][2] + timedelta(hours=3)
            for key in present.split():
                s.add(Outbox(
                    kind="survey", chat_id=who[key].telegram_id, person_id=who[key].id, meeting_id=out.meeting[meeting],
                    dedupe_key=f"survey:{out.meeting[meeting]}:{who[key].id}:0", due_at=sent_at, status="sent",
                    sent_at=sent_at, created_at=sent_at, payload={},
                ))  # fmt: skip
        for key, slug, asked, answered, obstacles in AWAY:
            p = who[key]
            s.add(AwayAnswer(
                person_id=p.id, team_id=out.team[slug], person_group=p.stakeholder_group, person_town=p.town,
                obstacles=obstacles, comment="Zu weit" if answered else None, asked_at=asked,
                answered_at=asked + timedelta(hours=2) if answered else None, updated_at=asked,
            ))  # fmt: skip
        await s.flush()
        await erase_person(s, who[ERASED])
    return out
