"""Four months of the project behind the demo: about 45 members in the three teams, fortnightly meetings with
RSVPs, attendance, minutes and the short survey, ideas through every stage (demo/history_ideas.py) and a
workshop, so /stats, the manager's /report and the evaluation report show what the project would show.

Everything goes through the domain functions, as the bot writes it, at times before the demo's start (`now`,
the demo's clock, never the wall clock); a seeded random makes it the same at every fresh start. The messages
this past would have caused are cancelled at the end: nobody gets four months of invitations at once.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from botapi import FakeTelegram
from core.config import Config
from demo import history_ideas
from demo.history_base import History
from models import outbox, people, teams
from models.db import Database
from models.meetings import attendance
from models.meetings import core as meetings
from models.meetings.core import MeetingInput
from models.surveys import answers as survey_answers
from models.surveys import away, sentences
from models.surveys import core as surveys
from models.tables import AwayAnswer, Meeting, Membership, Outbox, Person, Team

SEED = 2026  # the random's seed: every fresh demo holds the same history
BEGIN = timedelta(days=126)  # the history starts 18 weeks before the demo's present
MEETINGS_PER_TEAM = 8  # fortnightly: the last one three weeks before the present
TEAM_DAYS = {"daseinsvorsorge": 7, "fachkraefte": 9, "engagement": 11}  # first meeting, days after the begin
HISTORY_BASE = 930001  # Telegram ids of the members added here

# (first name, last name, town, group, team slugs, joined after days, evaluation consent)
MEMBERS = (
    ("Albert", "Franke", "saalfeld", "citizen", ("daseinsvorsorge",), 0, True),
    ("Beate", "Lorenz", "rudolstadt", "administration", ("daseinsvorsorge",), 0, True),
    ("Christian", "Möller", "bad_blankenburg", "citizen", ("daseinsvorsorge",), 0, True),
    ("Dagmar", "Seidel", "saalfeld", "entrepreneur", ("daseinsvorsorge", "fachkraefte"), 0, True),
    ("Erwin", "Kühn", "rudolstadt", "citizen", ("daseinsvorsorge",), 30, True),
    ("Franziska", "Wolf", "bad_blankenburg", "administration", ("daseinsvorsorge",), 45, True),
    ("Georg", "Brandt", "saalfeld", "entrepreneur", ("fachkraefte",), 0, True),
    ("Helga", "Krause", "rudolstadt", "entrepreneur", ("fachkraefte",), 0, True),
    ("Ingo", "Hoffmann", "bad_blankenburg", "entrepreneur", ("fachkraefte",), 0, True),
    ("Julia", "Schulze", "saalfeld", "administration", ("fachkraefte",), 0, True),
    ("Klaus", "Richter", "rudolstadt", "citizen", ("fachkraefte",), 0, False),
    ("Lena", "Böhm", "bad_blankenburg", "citizen", ("fachkraefte",), 20, True),
    ("Martin", "Günther", "saalfeld", "entrepreneur", ("fachkraefte",), 35, True),
    ("Nadine", "Fischer", "rudolstadt", "administration", ("fachkraefte", "engagement"), 0, True),
    ("Otto", "Weber", "bad_blankenburg", "entrepreneur", ("fachkraefte",), 60, True),
    ("Petra", "Zimmermann", "saalfeld", "citizen", ("engagement",), 0, True),
    ("Rainer", "Hahn", "rudolstadt", "citizen", ("engagement",), 0, True),
    ("Sabine", "Schmitt", "bad_blankenburg", "administration", ("engagement",), 0, True),
    ("Thomas", "Krüger", "saalfeld", "citizen", ("engagement",), 0, True),
    ("Ute", "Werner", "rudolstadt", "entrepreneur", ("engagement",), 0, False),
    ("Volker", "Lange", "bad_blankenburg", "citizen", ("engagement",), 15, True),
    ("Waltraud", "Pohl", "saalfeld", "citizen", ("engagement", "daseinsvorsorge"), 25, True),
    ("Yvonne", "Ludwig", "rudolstadt", "citizen", ("engagement",), 40, True),
    ("Zoe", "Arnold", "bad_blankenburg", "entrepreneur", ("engagement",), 50, True),
    ("Bernd", "Jung", "saalfeld", "administration", ("daseinsvorsorge",), 0, True),
    ("Carola", "Vogt", "rudolstadt", "citizen", ("fachkraefte",), 10, False),
)
PLACES = {"saalfeld": "Rathaus Saalfeld, Markt 1", "rudolstadt": "Stadthaus Rudolstadt, Markt 7",
          "bad_blankenburg": "Bürgerhaus Bad Blankenburg, Schulstraße 2"}  # fmt: skip
TOPICS = {
    "daseinsvorsorge": ("Rufbus im Saaletal", "Ärztehaus für drei Städte", "Mitfahrbänke", "Dorfladen mobil"),
    "fachkraefte": ("Praktikumsbörse", "Willkommen für Zuziehende", "Ausbildungsmesse", "Wohnen für Azubis"),
    "engagement": ("Ehrenamtsbörse", "Nachbarschaftshilfe", "Vereinsnetzwerk", "Jugendforum"),
}
DECISIONS = (
    "Arbeitsgruppe gebildet; Entwurf bis zum nächsten Treffen.",
    "Kontakt zur Verwaltung aufnehmen und Termin vereinbaren.",
    "Fragebogen an die Vereine in allen drei Städten verteilen.",
    "Kosten klären und Fördermöglichkeiten prüfen.",
)
# sentences of the survey, by the code they speak of: without names, as the prompt asks
SENTENCES = {
    "travel_time": ("Die Fahrt ohne Auto ist abends schwierig.", "Der letzte Bus fährt zu früh zurück.",
                    "Eine Stunde hin und zurück für ein Treffen ist viel.",
                    "Online dabei sein hilft bei weiten Wegen."),
    "town_rivalry": ("Manchmal denkt noch jede Stadt nur an sich.", "Der alte Streit um den Standort kam wieder hoch."),
    "unclear_responsibility": ("Es blieb unklar, wer im Rathaus zuständig ist.",),
    "no_funding": ("Ohne Fördermittel bleibt vieles beim Reden.", "Für die Umsetzung fehlt noch das Geld."),
    "volunteer_time": ("Mit Familie und Beruf ist jedes zweite Treffen kaum zu schaffen.",),
    "information_gap": ("Die Einladung kam bei einigen zu spät an.",),
    "administration_involved": ("Gut, dass die Verwaltung mit am Tisch saß.",
                                "Die Rückmeldung aus dem Rathaus kam schnell."),
    "shared_goal": ("Endlich reden die drei Städte miteinander statt übereinander.",
                    "Alle wollen, dass junge Familien hierbleiben."),
    "committed_people": ("Konkrete nächste Schritte, so macht das Mitmachen Spaß.",),
    "businesses_involved": ("Die Betriebe haben gute Ideen eingebracht.",),
}
ANSWER_WEIGHTS = (("yes", 52), ("maybe", 8), ("no", 20), (None, 20))  # None: no answer before the meeting
STOP_AFTER, STOPPING = 4, 6  # from the fifth meeting on, every sixth member stays away (the drop-off figures)
STOP_REASONS = (("schedule", 70), ("travel", 30))
REASON_WEIGHTS = (("schedule", 35), ("travel", 30), ("health", 10), ("care", 15), ("no_interest", 5), (None, 5))


def add_users(fake: FakeTelegram) -> None:
    """The stand-in's users for the members added here (messages to them from now on reach somebody)."""
    for i, (first, last, *_rest) in enumerate(MEMBERS):
        fake.user(first, "de", user_id=HISTORY_BASE + i, last_name=last)
    for i, (_town, name) in enumerate(history_ideas.CONTACTS):
        fake.user(name, "de", user_id=history_ideas.CONTACT_BASE + i)


def _pick(rnd: random.Random, weighted: tuple[tuple[str | None, int], ...]) -> str | None:
    return rnd.choices([k for k, _ in weighted], [w for _, w in weighted])[0]


async def seed(db: Database, config: Config, now: datetime) -> None:
    """Seed the history once, right after the demo's people: its manager and the teams' leads hold the meetings."""
    async with db.transaction() as s:
        before = await s.scalar(select(func.max(Outbox.id))) or 0
        manager = (await s.execute(select(Person).where(Person.is_manager.is_(True)).order_by(Person.id))).scalar()
        assert manager is not None
        h = History(config, now, now - BEGIN, random.Random(SEED), manager)
        h.teams = {t.slug: t for t in (await s.execute(select(Team))).scalars()}
        leads = await s.execute(select(Membership, Person).join(Person, Person.id == Membership.person_id)
                                .where(Membership.role == "lead").order_by(Membership.person_id))
        for m, p in leads.all():
            slug = next(t.slug for t in h.teams.values() if t.id == m.team_id)
            h.leads.setdefault(slug, p)
        await _backdate(s, h)
        await _members(s, h)
        await _meetings(s, h)
        await history_ideas.seed(s, h)
        await _away(s, h)
        await outbox.cancel_open(s, Outbox.id > before, reason="demo history")  # long past: never sent


async def _backdate(s: AsyncSession, h: History) -> None:
    """The demo's people were there from the begin: their registration and memberships date from it."""
    await s.execute(update(Person).values(created_at=h.begin, consent_at=h.begin, evaluation_consent_at=h.begin))
    await s.execute(update(Membership).values(joined_at=h.begin))
    rows = select(Membership, Person).join(Person, Person.id == Membership.person_id)
    members = (await s.execute(rows.order_by(Membership.team_id, Membership.person_id))).all()  # the same each time
    for m, p in members:
        slug = next(t.slug for t in h.teams.values() if t.id == m.team_id)
        h.team_members.setdefault(slug, []).append(p)
        if p not in h.members:
            h.members.append(p)


async def _members(s: AsyncSession, h: History) -> None:
    towns, groups = [t.key for t in h.config.towns], [g.key for g in h.config.groups]
    for i, (first, last, town, group, slugs, after, consent) in enumerate(MEMBERS):
        when = h.at(after, 10)
        p, _ = await people.register(
            s, telegram_id=HISTORY_BASE + i, display_name=f"{first} {last}", language="de",
            privacy_version=h.config.privacy_version, now=when, managers=h.config.managers,
        )  # fmt: skip
        await people.set_evaluation_consent(s, p, consent, when)
        people.set_group(p, group, groups)
        people.set_town(p, town, towns)
        h.members.append(p)
        for slug in slugs:
            await teams.join(s, p, h.teams[slug].id, when)
            h.team_members.setdefault(slug, []).append(p)


async def _meetings(s: AsyncSession, h: History) -> None:
    town_keys = [t.key for t in h.config.towns]
    policy = h.config.meetings
    for n, (slug, first_day) in enumerate(TEAM_DAYS.items()):
        lead, team = h.leads[slug], h.teams[slug]
        h.meetings[slug] = []
        for k in range(MEETINGS_PER_TEAM):
            starts = h.at(first_day + 14 * k)
            town = town_keys[(k + n) % len(town_keys)] if k % 4 != 3 else None  # every fourth online
            data = MeetingInput(
                f"{TOPICS[slug][k % len(TOPICS[slug])]}", starts, (90, 120)[k % 2],
                address=PLACES[town] if town else None, town=town,
                online_url=None if town else "https://meet.example.org/saalebogen", agenda="Bericht, Ideen, Nächstes",
            )  # fmt: skip
            made = await meetings.create_meeting(s, lead, team.id, data, starts - timedelta(days=10), policy,
                                                 town_keys)
            h.meetings[slug].append(made.id)
            await _held(s, h, made.id, lead, starts, data.duration_min, k)


async def _held(s: AsyncSession, h: History, meeting_id: int, lead: Person, starts: datetime, minutes: int,
                k: int) -> None:
    """RSVPs, attendance, guests, minutes, then the survey as the bot sends it and the answers of most present."""
    rnd, policy = h.rnd, h.config.meetings
    invited = [i.person_id for i in await attendance.invitees(s, meeting_id)]
    by_id = {p.id: p for p in h.members}
    present: list[Person] = [lead]
    for pid in invited:
        p = by_id[pid]
        if p.id == lead.id:
            continue
        value = _pick(rnd, ANSWER_WEIGHTS)
        stopped = k >= STOP_AFTER and p.id % STOPPING == 0  # came at first, then stayed away
        if stopped:
            value = "no"
        if value is not None:
            reason = _pick(rnd, STOP_REASONS if stopped else REASON_WEIGHTS) if value == "no" else None
            await meetings.answer(s, p, meeting_id, value, starts - timedelta(days=rnd.randint(2, 8)), policy, reason)
        chance = {"yes": 0.9, "maybe": 0.5, "no": 0.04, None: 0.3}[value]
        if rnd.random() < chance:
            present.append(p)
    ended = starts + timedelta(minutes=minutes)
    recorded = ended + timedelta(minutes=30)
    for p in present:
        await attendance.set_attended(s, lead, meeting_id, p.id, True, recorded)
    await attendance.set_guests(s, lead, meeting_id, rnd.choice((0, 1, 2, 2, 3, 4)), recorded)
    await attendance.set_minutes(s, lead, meeting_id, "decisions", DECISIONS[k % len(DECISIONS)], recorded)
    meeting, _ = await attendance.finish(s, lead, meeting_id, recorded)
    await surveys.plan_meeting(s, meeting, policy, h.config.evaluation.survey_after, recorded)
    sent = list((await s.execute(select(Outbox.id).where(
        Outbox.meeting_id == meeting_id, Outbox.kind == surveys.SURVEY, Outbox.status == outbox.PENDING))).scalars())
    await outbox.finish_many(s, sent, outbox.SENT, recorded)  # as the dispatcher records it
    await _answers(s, h, meeting_id, present, ended + timedelta(hours=16))


async def _answers(s: AsyncSession, h: History, meeting_id: int, present: list[Person], at: datetime) -> None:
    """Most of those present answer: the first tap goes through the survey's own checks (it creates the row with
    the person's group and town, drops the reminder); the codes and the sentence are then set on that row as the
    later taps would (the keys come from the config, the sentences are clean), which keeps seeding quick."""
    rnd, cfg = h.rnd, h.config
    factors, obstacles = [c.key for c in cfg.success_factors], [c.key for c in cfg.obstacles]
    for p in present:
        if not surveys.wants_survey(p) or rnd.random() > 0.82:
            continue
        when = at + timedelta(minutes=rnd.randint(0, 600))
        await survey_answers.set_usefulness(s, p, meeting_id, rnd.choices((1, 2, 3, 4, 5), (1, 3, 8, 14, 9))[0], when)
        row = await survey_answers.answer_of(s, meeting_id, p.id)
        assert row is not None
        named = rnd.sample(factors[:5], rnd.choice((1, 1, 2)))  # the first five are named most
        if rnd.random() < 0.3:
            named.append(rnd.choice(factors[5:]))
        row.factors = [c for c in factors if c in named]
        row.obstacles = rnd.choices(obstacles, (4, 3, 6, 4, 1, 4, 2)) if rnd.random() < 0.75 else []
        said = [SENTENCES[c] for c in (*row.obstacles, *row.factors) if c in SENTENCES]  # first obstacle, then factor
        if said and rnd.random() < 0.25:
            row.comment = survey_answers.clean_comment(rnd.choice(said[0]))
            if row.id % 5:  # most already included by the project manager; the rest wait in /saetze
                row.comment_review, row.comment_reviewed_at = sentences.RELEASED, when + timedelta(days=1)


async def _away(s: AsyncSession, h: History) -> None:
    """The question after staying away, as the daily job asks it the morning after each meeting, answered by most
    with the obstacle chips (a random of its own, so the rest of the history stays as it was)."""
    rnd, known = random.Random(SEED + 1), [c.key for c in h.config.obstacles]
    likely = [c for c in ("volunteer_time", "travel_time", "information_gap", "unclear_responsibility") if c in known]
    ids = [i for found in h.meetings.values() for i in found]
    starts = sorted((await s.execute(select(Meeting.starts_at).where(Meeting.id.in_(ids)))).scalars())
    for day in starts:
        morning = day.astimezone(h.config.time_zone).replace(hour=11) + timedelta(days=1)
        await away.plan(s, h.config.meetings, morning)
        for row in (await s.execute(select(AwayAnswer).where(AwayAnswer.asked_at == morning))).scalars().all():
            person = await s.get(Person, row.person_id) if row.person_id is not None else None
            if person is None or rnd.random() > 0.8:
                continue
            when = morning + timedelta(hours=rnd.randint(1, 30))
            for code in rnd.sample(likely, rnd.choice((1, 1, 2))):
                await away.set_obstacle(s, person, row.id, code, True, known, when)
