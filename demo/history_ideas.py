"""The demo history's ideas: submitted and supported by members, answered through every status, forwarded to
the towns (whose administration contacts take them on or decline them), coded with success factors and
obstacles, and a workshop whose results were imported. Called by demo/history.py, in its transaction."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from demo.history_base import History
from models import people, workshops
from models.ideas import answers as idea_answers
from models.ideas import codes as idea_codes
from models.ideas import core as ideas
from models.ideas import import_file, imports, routing
from models.tables import Idea, IdeaRoute

CONTACT_BASE = 940001  # Telegram ids of the towns' administration contacts
CONTACTS = (("saalfeld", "Amt für Stadtentwicklung Saalfeld"), ("rudolstadt", "Bürgerbüro Rudolstadt"),
            ("bad_blankenburg", "Hauptamt Bad Blankenburg"))  # fmt: skip
TOWN_DELAY = {"saalfeld": -3, "rudolstadt": 0, "bad_blankenburg": 4}  # days: each town answers at its own pace
# the steps of each path: (status, days after submission); "town:taken" / "town:declined" are the towns' answers
PATHS: dict[str, tuple[tuple[str, int], ...]] = {
    "submitted": (),
    "in_review": (("in_review", 6),),
    "accepted": (("in_review", 5), ("accepted", 18)),
    "implemented": (("in_review", 4), ("accepted", 15), ("implemented", 50)),
    "rejected": (("in_review", 5), ("rejected", 12)),
    "taken": (("forwarded", 9), ("town:taken", 20), ("implemented", 45)),
    "declined": (("forwarded", 8), ("town:declined", 24), ("rejected", 30)),
    "open": (("forwarded", 7),),
}
# (text, field, team slug or None, towns, path, submitted days after the history's begin)
ALL3 = ("saalfeld", "rudolstadt", "bad_blankenburg")
IDEAS = (
    ("Rufbus am Abend zwischen Saalfeld, Rudolstadt und Bad Blankenburg", "public_services", "daseinsvorsorge",
     ALL3, "implemented", 8),
    ("Gemeinsames Ärztehaus mit Sprechstunden in allen drei Städten", "public_services", "daseinsvorsorge",
     ALL3, "taken", 12),
    ("Mitfahrbänke in den Ortsteilen von Rudolstadt", "public_services", "daseinsvorsorge", ("rudolstadt",),
     "implemented", 15),
    ("Mobiler Dorfladen für die Ortsteile", "public_services", "daseinsvorsorge",
     ("bad_blankenburg", "rudolstadt", "saalfeld"), "declined", 20),
    ("Apotheken-Lieferdienst für Ältere", "public_services", "daseinsvorsorge", ALL3, "taken", 30),
    ("Gemeinsamer Fahrplan für Bus und Bahn im Saalebogen", "public_services", "daseinsvorsorge",
     ALL3, "rejected", 34),
    ("Fahrdienst zum Ärztehaus", "public_services", "daseinsvorsorge",
     ALL3, "open", 70),
    ("Schwimmhalle gemeinsam betreiben", "public_services", "daseinsvorsorge", ("saalfeld", "rudolstadt"),
     "in_review", 88),
    ("Sprechstunde der Stadtwerke im Bürgerhaus", "public_services", None, ("bad_blankenburg",), "submitted", 105),
    ("Schnuppertage in Betrieben für Schulabgänger", "skilled_workers", "fachkraefte",
     ALL3, "implemented", 10),
    ("Willkommenspaket für Zuziehende", "skilled_workers", "fachkraefte", ALL3, "taken", 18),
    ("Azubi-Wohnheim in Saalfeld", "skilled_workers", "fachkraefte", ALL3, "declined", 22),
    ("Ausbildungsmesse abwechselnd in den drei Städten", "skilled_workers", "fachkraefte",
     ALL3, "accepted", 28),
    ("Jobticket für Pendelnde zwischen den Städten", "skilled_workers", "fachkraefte", ALL3,
     "rejected", 36),
    ("Kinderbetreuung in Randzeiten für Schichtarbeit", "skilled_workers", "fachkraefte", ("bad_blankenburg",),
     "in_review", 64),
    ("Rückkehrerbörse für Weggezogene", "skilled_workers", "fachkraefte", ALL3,
     "open", 75),
    ("Gemeinsame Stellenbörse im Internet", "skilled_workers", "fachkraefte", ALL3, "taken", 62),
    ("Betriebsbesuche für Schulklassen", "skilled_workers", None, ("rudolstadt",), "submitted", 110),
    ("Freiwilligentag der drei Städte", "civic_engagement", "engagement",
     ALL3, "implemented", 12),
    ("Nachbarschaftshilfe mit Telefonkette", "civic_engagement", "engagement", ("rudolstadt",), "implemented", 16),
    ("Vereinsräume gemeinsam nutzen", "civic_engagement", "engagement", ALL3, "taken", 24),
    ("Ehrenamtskarte mit Vergünstigungen", "civic_engagement", "engagement",
     ALL3, "declined", 26),
    ("Jugendforum der drei Städte", "civic_engagement", "engagement", ALL3, "rejected", 40),
    ("Repair-Café im Wechsel der Städte", "civic_engagement", "engagement", ("saalfeld", "rudolstadt"),
     "accepted", 52),
    ("Fest der Vereine am Saalebogen", "civic_engagement", "engagement", ("rudolstadt",), "in_review", 80),
    ("Patenschaften für Neubürgerinnen und Neubürger", "civic_engagement", "engagement", ALL3,
     "open", 78),
    ("Seniorentreff mit Fahrdienst", "civic_engagement", None, ("bad_blankenburg", "rudolstadt"), "submitted", 112),
    ("Tag der offenen Rathäuser", "civic_engagement", "engagement", ALL3,
     "submitted", 115),
    # the newest ideas, still waiting for an answer
    ("Öffentliche Toiletten am Bahnhof", "public_services", "daseinsvorsorge", ("saalfeld",), "submitted", 108),
    ("Defibrillatoren in allen Ortsteilen", "public_services", "daseinsvorsorge", ALL3, "submitted", 111),
    ("Mobiles Bürgeramt für die Dörfer", "public_services", None, ("bad_blankenburg",), "submitted", 116),
    ("Spielplatz-Check durch Eltern", "public_services", "daseinsvorsorge", ("rudolstadt",), "submitted", 118),
    ("Sprachkurse für zugezogene Fachkräfte", "skilled_workers", "fachkraefte", ("rudolstadt",), "submitted", 109),
    ("Gründerstammtisch im Wechsel der Städte", "skilled_workers", "fachkraefte", ALL3, "submitted", 117),
    ("Leihoma- und Leihopa-Dienst", "civic_engagement", "engagement", ("saalfeld",), "submitted", 113),
    ("Dankeschön-Abend für Ehrenamtliche", "civic_engagement", "engagement", ALL3, "submitted", 119),
)  # fmt: skip
FACTOR_CODES = {"implemented": 2, "taken": 2, "accepted": 1, "in_review": 1}  # success factors ticked per path
OBSTACLE_CODES = {"rejected": 2, "declined": 2, "open": 2}
WORKSHOP_DAY = 60
WORKSHOP_IDEAS = (  # the results file of the workshop: text;field;towns;team
    ("Wanderweg-Paten für den Saalebogen", "civic_engagement", "saalfeld,rudolstadt", "engagement", "accepted"),
    ("Fahrradverleih an den Bahnhöfen", "public_services", "saalfeld,rudolstadt,bad_blankenburg",
     "daseinsvorsorge", "in_review"),
    ("Mentoring von Ruheständlern für Gründende", "skilled_workers", "rudolstadt", "fachkraefte", "accepted"),
    ("Kulturkalender für alle drei Städte", "civic_engagement", "saalfeld,rudolstadt,bad_blankenburg", "",
     "in_review"),
    ("Leerstand als Werkstatt für junge Betriebe", "skilled_workers", "bad_blankenburg", "fachkraefte",
     "submitted"),
    ("Bänke und Schatten am Marktplatz", "public_services", "bad_blankenburg", "daseinsvorsorge", "rejected"),
)  # fmt: skip


async def seed(s: AsyncSession, h: History) -> None:
    contacts = await _contacts(s, h)
    policy = replace(h.config.routing, contacts={town: (tg,) for town, tg in contacts.items()})
    town_keys, fields = [t.key for t in h.config.towns], [f.key for f in h.config.fields]
    everyone = [p for p in h.members if p.id != h.manager.id]
    for n, (text, field, slug, towns, path, day) in enumerate(IDEAS):
        authors = h.team_members[slug] if slug else everyone  # a team's idea comes from one of its members
        author = authors[(n * 7) % len(authors)]
        submitted = h.at(day, 11 + n % 8)
        idea = await ideas.submit(
            s, author, text=text, field=field, towns=towns, team_id=h.teams[slug].id if slug else None,
            now=submitted, fields=fields, allowed_towns=town_keys,
        )  # fmt: skip
        for supporter in h.rnd.sample([p for p in authors if p.id != author.id], h.rnd.randint(0, 4)):
            await ideas.toggle_support(s, supporter, idea.id, submitted + timedelta(days=h.rnd.randint(1, 5)))
        await _path(s, h, idea, PATHS[path], submitted, contacts, policy)
        await _codes(s, h, idea, path, submitted + timedelta(days=PATHS[path][-1][1] if PATHS[path] else 0))
    await _workshop(s, h, town_keys)


async def _contacts(s: AsyncSession, h: History) -> dict[str, int]:
    """One administration contact per town, registered like everyone else (they are in no team)."""
    for i, (town, name) in enumerate(CONTACTS):
        p, _ = await people.register(
            s, telegram_id=CONTACT_BASE + i, display_name=name, language="de",
            privacy_version=h.config.privacy_version, now=h.begin, managers=h.config.managers,
        )  # fmt: skip
        people.set_group(p, "administration", [g.key for g in h.config.groups])
        people.set_town(p, town, [t.key for t in h.config.towns])
    return {town: CONTACT_BASE + i for i, (town, _) in enumerate(CONTACTS)}


async def _path(s: AsyncSession, h: History, idea: Idea, steps: Sequence[tuple[str, int]], submitted: datetime,
                contacts: dict[str, int], policy: routing.RoutingPolicy) -> None:
    """The answers the manager published on the idea's way, and the towns' answers to a forwarded one."""
    routes: list[int] = []
    for status, days in steps:
        when = submitted + timedelta(days=days)
        if status.startswith("town:"):
            kind = routing.TAKEN if status == "town:taken" else routing.DECLINED
            for route_id in routes:
                route = await s.get(IdeaRoute, route_id)
                assert route is not None
                when = submitted + timedelta(days=days + TOWN_DELAY[route.town])
                contact = await people.get_person(s, contacts[route.town])
                assert contact is not None
                obstacles = [c.key for c in h.config.obstacles]
                await routing.answer(
                    s, contact, route_id, kind, policy, when, text="Wir prüfen die Umsetzung im Haushalt.",
                    obstacles=obstacles[:2] if kind == routing.DECLINED else (), allowed_obstacles=obstacles,
                )  # fmt: skip
            continue
        towns = await routing.idea_towns(s, idea.id) if status == routing.FORWARDED else None
        await idea_answers.save_draft(s, h.manager, idea.id, status, _ANSWER_TEXT[status], when, towns=towns)
        done = await idea_answers.publish(s, h.manager, None, when, policy)
        routes += [r.id for f in done.forwarded for r in f.routes]


_ANSWER_TEXT = {
    "in_review": "Danke! Wir besprechen die Idee im nächsten Treffen.",
    "accepted": "Angenommen: Das Team kümmert sich darum.",
    "implemented": "Umgesetzt – vielen Dank an alle, die mitgemacht haben.",
    "rejected": "Leider nicht umsetzbar; die Gründe stehen im Protokoll.",
    "forwarded": "An die Verwaltung der Städte weitergeleitet.",
}


async def _codes(s: AsyncSession, h: History, idea: Idea, path: str, when: datetime) -> None:
    """What helped (settled ideas) or stood in the way (rejected, declined, waiting), as the manager ticks it."""
    for kind, counts, keys in (("factor", FACTOR_CODES, h.config.success_factors),
                               ("obstacle", OBSTACLE_CODES, h.config.obstacles)):  # fmt: skip
        allowed = [c.key for c in keys]
        for code in h.rnd.sample(allowed[:3], counts.get(path, 0)):  # a few codes named again and again
            await idea_codes.set_code(s, h.manager, idea.id, kind, code, allowed, True, when)


async def _workshop(s: AsyncSession, h: History, town_keys: list[str]) -> None:
    """A workshop in Rudolstadt, its results file imported by the manager, some ideas answered since."""
    day = h.at(WORKSHOP_DAY, 10)
    shop = await workshops.create(s, h.manager, key="zukunft-saalebogen", name="Zukunftswerkstatt Saalebogen",
                                  day=day.date(), town="rudolstadt", allowed_towns=town_keys, now=day)
    lines = ["Text;Handlungsfeld;Orte;Team"] + [";".join(row[:4]) for row in WORKSHOP_IDEAS]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "zukunftswerkstatt.csv"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        sheet = import_file.read(path)
    plan = await imports.check(s, shop, sheet, fields=h.config.fields, towns=h.config.towns)
    imported = day + timedelta(days=2)
    ids = await imports.store(s, plan, h.manager, imported, via="chat", file_name=path.name)
    for idea_id, row in zip(ids, WORKSHOP_IDEAS, strict=True):
        status = row[4]
        if status == "submitted":
            continue
        when = imported + timedelta(days=10)
        if status == "accepted":
            await idea_answers.save_draft(s, h.manager, idea_id, "in_review", _ANSWER_TEXT["in_review"], when)
            await idea_answers.publish(s, h.manager, None, when)
            when += timedelta(days=14)
        await idea_answers.save_draft(s, h.manager, idea_id, status, _ANSWER_TEXT[status], when)
        await idea_answers.publish(s, h.manager, None, when)

