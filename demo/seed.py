"""The demo's people and data: four people on the page, about twenty members behind them, and something on
every screen (a meeting a day or so ahead, a past meeting with attendance, a poll, ideas in several statuses, a group).

Seeding goes through the domain functions, as the bot's own handlers do; it runs once per demo database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from botapi import FakeTelegram, SimGroup, SimUser
from core.config import Config
from demo import history
from demo.audio import silent_opus
from models import groups, outbox, people, polls, proxy, teams
from models import voice as voice_domain
from models.db import Database
from models.ideas import answers as idea_answers
from models.ideas import core as ideas
from models.meetings import attendance
from models.meetings import core as meetings
from models.meetings.core import MeetingInput
from models.tables import Outbox, Person, Team

CITIZEN, ENTREPRENEUR, LEAD, MANAGER = 910001, 910002, 910003, 910004
GROUP_CHAT = -4000101


@dataclass(frozen=True)
class Persona:
    """Someone the page shows: a Telegram user of the stand-in; `role` is a text key of the page."""

    key: str
    user_id: int
    first_name: str
    last_name: str
    role: str


PERSONAS = (
    Persona("citizen", CITIZEN, "Clara", "Schubert", "demo.role_citizen"),
    Persona("entrepreneur", ENTREPRENEUR, "Erik", "Vogel", "demo.role_entrepreneur"),
    Persona("lead", LEAD, "Lea", "Hartung", "demo.role_lead"),
    Persona("manager", MANAGER, "Maria", "Keller", "demo.role_manager"),
)

# (first name, town, group, team slugs) of the members behind the four
MEMBERS = (
    ("Anton", "saalfeld", "citizen", ("daseinsvorsorge",)),
    ("Birgit", "rudolstadt", "citizen", ("daseinsvorsorge", "engagement")),
    ("Carsten", "bad_blankenburg", "administration", ("daseinsvorsorge",)),
    ("Doris", "saalfeld", "entrepreneur", ("fachkraefte",)),
    ("Emil", "rudolstadt", "citizen", ("engagement",)),
    ("Frieda", "bad_blankenburg", "citizen", ("daseinsvorsorge",)),
    ("Gregor", "saalfeld", "administration", ("fachkraefte", "daseinsvorsorge")),
    ("Hanna", "rudolstadt", "entrepreneur", ("fachkraefte",)),
    ("Ilse", "saalfeld", "citizen", ("engagement",)),
    ("Jonas", "bad_blankenburg", "entrepreneur", ("fachkraefte",)),
    ("Karin", "rudolstadt", "administration", ("engagement", "daseinsvorsorge")),
    ("Lutz", "saalfeld", "citizen", ("daseinsvorsorge",)),
    ("Mira", "bad_blankenburg", "citizen", ("engagement",)),
    ("Nils", "rudolstadt", "citizen", ("daseinsvorsorge",)),
    ("Olga", "saalfeld", "entrepreneur", ("fachkraefte",)),
    ("Paul", "other", "citizen", ("engagement",)),
)
MEMBER_BASE = 920001


def add_users(fake: FakeTelegram) -> tuple[dict[str, SimUser], SimGroup]:
    """The stand-in's users (every start: the stand-in keeps no state) and the lead's team group."""
    users = {p.key: fake.user(p.first_name, "de", user_id=p.user_id, last_name=p.last_name) for p in PERSONAS}
    for i, (name, *_rest) in enumerate(MEMBERS):
        fake.user(name, "de", user_id=MEMBER_BASE + i)
    group = fake.group("Aktions-Team Daseinsvorsorge (Gruppe)", chat_id=GROUP_CHAT)
    group.bot_is_admin = True
    for key in ("lead", "manager"):
        group.add(users[key], admin=key == "lead")
    for i in range(6):
        group.members.add(MEMBER_BASE + i)
    history.add_users(fake)
    return users, group




NEXT_MEETING_LEAD = timedelta(hours=26)  # past the 24-hour reminder, so it and the headcount are still to come
DAYTIME = range(10, 21)  # a demo meeting starts at a full hour from 10:00 to 20:00 local time


def next_meeting_start(config: Config, now: datetime) -> datetime:
    """The upcoming meeting's start: the first full daytime hour at least 26 hours after the demo's start.

    Relative to the start (not "tomorrow 17:00"), so a demo begun in the evening still shows its reminders,
    the headcount and the nudges; daytime, so it looks like a meeting people would come to."""
    local = (now + NEXT_MEETING_LEAD).astimezone(config.time_zone)
    when = local.replace(minute=0, second=0, microsecond=0)
    if when < local:
        when += timedelta(hours=1)
    if when.hour not in DAYTIME:  # night: the next morning's first daytime hour
        when = _local(config, when, 1 if when.hour >= DAYTIME.stop else 0, DAYTIME.start)
    return when


def _local(config: Config, now: datetime, days: int, hour: int) -> datetime:
    day = (now.astimezone(config.time_zone) + timedelta(days=days)).date()
    return datetime(day.year, day.month, day.day, hour, tzinfo=config.time_zone)


VOICE_SECONDS = 42


async def _voice_idea(s: AsyncSession, config: Config, team_id: int, now: datetime) -> None:
    """Frieda spoke an idea an hour ago (a silent Ogg/Opus recording): Lea sees "🎤 Sprachnachricht (0:42)" in
    /answer and /voices, can play it and type the summary (docs/voice.md)."""
    frieda = await people.get_person(s, MEMBER_BASE + 5)
    assert frieda is not None and frieda.town is not None
    spoken = now - timedelta(hours=1)
    voice = await voice_domain.store(s, frieda, silent_opus(VOICE_SECONDS), VOICE_SECONDS, None, spoken)
    idea = await ideas.submit(
        s, frieda, text=voice_domain.placeholder(VOICE_SECONDS), field="public_services", towns=[frieda.town],
        team_id=team_id, now=spoken, fields=[f.key for f in config.fields], allowed_towns=[t.key for t in config.towns],
    )  # fmt: skip
    await voice_domain.attach(s, voice, idea)


def proxies(now: datetime) -> tuple[proxy.ProxyInput, ...]:
    """Two members without Telegram: one reached by letter and phone, one by e-mail (consent days before `now`)."""
    day = now.date()
    return (
        proxy.ProxyInput("Gertrud Sommer", "paper", day - timedelta(days=6), True, "saalfeld", "citizen",
                         phone="03671 52 17 40", postal_address="Brudergasse 12\n07318 Saalfeld/Saale"),
        proxy.ProxyInput("Heinz Möller", "phone", day - timedelta(days=2), False, "rudolstadt", "citizen",
                         email="heinz.moeller@example.de"),
    )  # fmt: skip

async def seed(db: Database, config: Config, now: datetime) -> None:
    """Fill a new demo database; does nothing when it is filled already."""
    town_keys = [t.key for t in config.towns]
    fields = [f.key for f in config.fields]
    policy = config.meetings
    past = now - timedelta(days=14)
    async with db.transaction() as s:
        if await people.get_person(s, ENTREPRENEUR) is not None:
            return
        slugs = {t.slug: t for t in (await s.execute(select(Team))).scalars()}

        async def person(uid: int, name: str, town: str, group: str) -> Person:
            p, _ = await people.register(
                s, telegram_id=uid, display_name=name, language="de", privacy_version=config.privacy_version,
                now=past, managers=config.managers,
            )
            await people.set_evaluation_consent(s, p, True, past)
            people.set_group(p, group, [g.key for g in config.groups])
            people.set_town(p, town, town_keys)
            return p

        erik = await person(ENTREPRENEUR, "Erik Vogel", "rudolstadt", "entrepreneur")
        lea = await person(LEAD, "Lea Hartung", "bad_blankenburg", "administration")
        maria = await person(MANAGER, "Maria Keller", "saalfeld", "administration")
        members = [lea, erik]
        dasein, fach, engagement = slugs["daseinsvorsorge"], slugs["fachkraefte"], slugs["engagement"]
        await teams.join(s, lea, dasein.id, past)
        await teams.join(s, erik, fach.id, past)
        await teams.join(s, erik, dasein.id, past)
        others = []
        for i, (name, town, group, team_slugs) in enumerate(MEMBERS):
            p = await person(MEMBER_BASE + i, name, town, group)
            others.append(p)
            for slug in team_slugs:
                await teams.join(s, p, slugs[slug].id, past)
        members += others
        await teams.set_lead(s, maria, lea.id, dasein.id, True, past)
        await teams.set_lead(s, maria, others[3].id, fach.id, True, past)  # Doris leads the skilled workers
        await teams.set_lead(s, maria, others[4].id, engagement.id, True, past)  # Emil leads civic engagement
        await groups.link(s, lea, dasein.id, GROUP_CHAT, "Aktions-Team Daseinsvorsorge (Gruppe)", past, policy)

        # a past meeting with attendance and minutes
        before = MeetingInput("Auftakt: Mobilität im Saalebogen", _local(config, now, -7, 17), 90,
                              address="Rathaus, Markt 1", town="saalfeld", agenda="Rufbus, Mitfahrbänke, Bürgerbus")
        old = await meetings.create_meeting(s, lea, dasein.id, before, past, policy, town_keys)
        dasein_members = [p for p, row in zip(others, MEMBERS, strict=True) if "daseinsvorsorge" in row[3]][:6]
        for p, value in zip(dasein_members, ("yes", "yes", "maybe", "no", "yes", "yes"), strict=True):
            await meetings.answer(s, p, old.id, value, past, policy, reason="schedule" if value == "no" else None)
        after = before.starts_at + timedelta(hours=3)
        for p, came in zip(dasein_members, (True, True, False, False, True, True), strict=True):
            await attendance.set_attended(s, lea, old.id, p.id, came, after)
        await attendance.set_guests(s, lea, old.id, 3, after)
        decisions = "Rufbus-Test im Frühjahr; Mitfahrbänke in Rudolstadt prüfen."
        await attendance.set_minutes(s, lea, old.id, "decisions", decisions, after)
        await attendance.finish(s, lea, old.id, after)

        # ideas in several statuses, one answered by the lead
        texts = (
            (others[0], "Mitfahrbänke an den Ortsausgängen von Saalfeld", "public_services", dasein.id),
            (others[1], "Ein Bürgerbus am Wochenende zwischen den drei Städten", "public_services", dasein.id),
            (erik, "Praktikumsbörse der Betriebe für Schülerinnen und Schüler", "skilled_workers", fach.id),
            (others[8], "Ehrenamtsbörse online für alle drei Städte", "civic_engagement", None),
        )
        made = []
        for author, text, field, team_id in texts:
            town = author.town if author.town in town_keys else "saalfeld"
            made.append(await ideas.submit(s, author, text=text, field=field, towns=[town], team_id=team_id,
                                           now=past, fields=fields, allowed_towns=town_keys))
        await idea_answers.save_draft(s, lea, made[0].id, "accepted", "Wir prüfen drei Standorte bis März.", after,
                                      meeting_id=old.id)
        await idea_answers.save_draft(s, lea, made[1].id, "in_review", "Wir fragen beim Landkreis nach.", after)
        await idea_answers.publish(s, lea, None, after)
        await outbox.cancel_open(s, Outbox.kind == idea_answers.IDEA_ANSWER, reason="demo history")  # long past

    await history.seed(db, config, now)  # four months of meetings, surveys and ideas behind the present
    # what is still to come is planned at the demo's present, so its messages go out now
    async with db.transaction() as s:
        lead = await people.get_person(s, LEAD)
        assert lead is not None
        dasein_team = await teams.get_team_by_slug(s, "daseinsvorsorge")
        assert dasein_team is not None
        for entry in proxies(now):  # members without Telegram, kept by Lea (docs/proxy-members.md)
            await proxy.add(
                s, lead, dasein_team.id, entry, now, privacy_version=config.privacy_version, towns=town_keys,
                groups=[g.key for g in config.groups], policy=policy,
            )
        soon = MeetingInput("Werkstatt: Bürgerbus und Rufbus", next_meeting_start(config, now), 90,
                            address="Stadtbibliothek, Blankenburger Str. 4", town="saalfeld",
                            agenda="Fahrplanentwurf, Haltestellen, Ehrenamtliche Fahrer*innen")
        await meetings.create_meeting(s, lead, dasein_team.id, soon, now, policy, town_keys)
        await _voice_idea(s, config, dasein_team.id, now)
        slots = [_local(config, now, d, 18) for d in (8, 9, 10)]
        await polls.create_poll(s, lead, dasein_team.id, "Nächstes Treffen: Sprechstunde Mobilität", slots,
                                _local(config, now, 5, 20), now, policy)
