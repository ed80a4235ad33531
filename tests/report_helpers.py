"""A small project seeded through the domain, for statistics, exports, views and the command line.

People (display name, Telegram id, town, group, evaluation consent):
  Maria Managerin  9100000001 saalfeld        administration  yes   project manager
  Lutz Leitmann    9100000002 bad_blankenburg citizen         yes   lead of daseinsvorsorge
  Anneliese Quast  9100000003 saalfeld        citizen         yes   daseinsvorsorge + fachkraefte
  Bertram Zoller   9100000004 rudolstadt      entrepreneur    no    daseinsvorsorge
  =Carla Formel    9100000005 rudolstadt      citizen         –     daseinsvorsorge
  Dora Dittrich    9100000006 saalfeld        entrepreneur    yes   daseinsvorsorge
  Emil Unfertig    9100000007 (registration not finished)
Meeting 1 (daseinsvorsorge, held): Lutz, Anneliese, Dora yes, Bertram no (travel), Carla no (no reason);
present: Lutz and Anneliese, 3 guests. Meeting 2 cancelled, meeting 3 ahead. Four ideas, one accepted.
One announcement to everyone: delivered to Anneliese, Bertram unreachable, Carla failed, three open.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from core.config import Config, parse_config
from models import outbox, people, teams
from models.announcements import core as announcements
from models.db import Database
from models.ideas import answers as idea_answers
from models.ideas import core as ideas
from models.meetings import attendance
from models.meetings import core as meetings
from models.meetings.core import MeetingInput
from models.tables import Outbox, Person, Team

ROOT = Path(__file__).resolve().parent.parent
T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
AFTER = T0 + timedelta(days=2)  # meeting 1 is over, meeting 3 still ahead
MANAGER_TG = 9100000001
NAMES = {
    "manager": ("Maria Managerin", MANAGER_TG, "saalfeld", "administration", True),
    "lead": ("Lutz Leitmann", 9100000002, "bad_blankenburg", "citizen", True),
    "anneliese": ("Anneliese Quast", 9100000003, "saalfeld", "citizen", True),
    "bertram": ("Bertram Zoller", 9100000004, "rudolstadt", "entrepreneur", False),
    "carla": ("=Carla Formel", 9100000005, "rudolstadt", "citizen", None),
    "dora": ("Dora Dittrich", 9100000006, "saalfeld", "entrepreneur", True),
}
UNFINISHED = ("Emil Unfertig", 9100000007)
IDEA_FORMULA = "=SUM(A1:A9) Mehr Busse am Abend zwischen den Städten"


def config(db_url: str = "sqlite+aiosqlite:///unused.db") -> Config:
    data = tomllib.loads((ROOT / "config.example.toml").read_text(encoding="utf-8"))
    data["database"]["url"] = db_url
    data["project"]["managers"] = [MANAGER_TG]
    return parse_config(data, env={}, require_token=False)


@dataclass
class Seeded:
    person: dict[str, int] = field(default_factory=dict)  # key -> people.id
    pseudonym: dict[str, str] = field(default_factory=dict)
    team: dict[str, int] = field(default_factory=dict)  # slug -> id
    idea: dict[str, int] = field(default_factory=dict)
    meeting: dict[str, int] = field(default_factory=dict)
    announcement: int = 0


async def seed(db: Database, cfg: Config) -> Seeded:
    out = Seeded()
    towns, groups, fields = [t.key for t in cfg.towns], [g.key for g in cfg.groups], [f.key for f in cfg.fields]
    async with db.transaction() as s:
        await teams.seed_teams(s, cfg.teams, T0)
        out.team = {t.slug: t.id for t in (await s.execute(select(Team))).scalars()}
        who: dict[str, Person] = {}
        for key, (name, tg, town, group, consent) in NAMES.items():
            p, _ = await people.register(
                s, telegram_id=tg, display_name=name, language="de", privacy_version="1", now=T0, managers=[MANAGER_TG]
            )
            people.set_group(p, group, groups)
            people.set_town(p, town, towns)
            if consent is not None:
                await people.set_evaluation_consent(s, p, consent, T0)
            who[key] = p
        await people.register(
            s, telegram_id=UNFINISHED[1], display_name=UNFINISHED[0], language="de", privacy_version="1", now=T0
        )
        dv, fk = out.team["daseinsvorsorge"], out.team["fachkraefte"]
        for key in ("lead", "anneliese", "bertram", "carla", "dora"):
            await teams.join(s, who[key], dv, T0)
        await teams.join(s, who["anneliese"], fk, T0)
        await teams.set_lead(s, who["manager"], who["lead"].id, dv, True, T0)
        out.person = {k: p.id for k, p in who.items()}
        out.pseudonym = {k: p.pseudonym for k, p in who.items()}

        async def idea(key: str, text: str, fld: str, team: int | None, idea_towns: list[str]) -> int:
            made = await ideas.submit(
                s,
                who[key],
                text=text,
                field=fld,
                towns=idea_towns,
                team_id=team,
                now=T0,
                fields=fields,
                allowed_towns=towns,
            )
            return made.id

        out.idea["buses"] = await idea("anneliese", IDEA_FORMULA, "public_services", dv, ["saalfeld", "rudolstadt"])
        out.idea["fair"] = await idea(
            "anneliese", "@Rathaus: eine Fachkräfte-Börse", "skilled_workers", fk, ["saalfeld"]
        )
        out.idea["vacancy"] = await idea(
            "bertram", "-5 Prozent Leerstand durch Umnutzung", "public_services", dv, ["rudolstadt"]
        )
        out.idea["card"] = await idea(
            "carla", "+ Ehrenamtskarte für alle drei Städte", "civic_engagement", None, ["bad_blankenburg"]
        )
        for key in ("bertram", "carla", "dora"):
            await ideas.toggle_support(s, who[key], out.idea["buses"], T0)
        await idea_answers.save_draft(
            s, who["manager"], out.idea["buses"], "accepted", "Danke, Anneliese Quast! Wir prüfen es.", T0
        )
        await idea_answers.publish(s, who["manager"], None, T0)

        def meeting(days: int, title: str) -> MeetingInput:
            return MeetingInput(
                title=title,
                starts_at=T0 + timedelta(days=days),
                duration_min=90,
                address="Bei Lutz Leitmann, Markt 1",
                town="saalfeld",
                agenda="Dora Dittrich berichtet",
            )

        policy = cfg.meetings
        for key, days in (("held", 1), ("cancelled", 3), ("ahead", 40)):
            made = await meetings.create_meeting(
                s, who["lead"], dv, meeting(days, f"Treffen bei Quast ({key})"), T0, policy, towns
            )
            out.meeting[key] = made.id
        await meetings.cancel_meeting(s, who["lead"], out.meeting["cancelled"], T0)
        held = out.meeting["held"]
        for key, answer, reason in (
            ("lead", "yes", None),
            ("anneliese", "yes", None),
            ("dora", "yes", None),
            ("bertram", "no", "travel"),
            ("carla", "no", None),
        ):
            await meetings.answer(s, who[key], held, answer, T0, policy, reason)
        after = T0 + timedelta(days=1, hours=2)
        for key in ("lead", "anneliese"):
            await attendance.set_attended(s, who["lead"], held, who[key].id, True, after)
        await attendance.set_guests(s, who["lead"], held, 3, after)
        await attendance.finish(s, who["lead"], held, after)

        ann = await announcements.create(
            s,
            who["manager"],
            announcements.Content("Liebe Anneliese Quast, liebe alle: <b>Werkstatt</b> am Freitag"),
            announcements.Audience(everyone=True),
            T0,
            towns=towns,
            groups=groups,
        )
        out.announcement = ann.id
        rows = {
            pid: rid
            for rid, pid in await s.execute(select(Outbox.id, Outbox.person_id).where(Outbox.announcement_id == ann.id))
        }
        for key, status in (("anneliese", outbox.SENT), ("bertram", outbox.UNREACHABLE), ("carla", outbox.FAILED)):
            await outbox.finish(s, rows[who[key].id], status, T0)
    return out


def secrets() -> list[str]:
    """Every name part and Telegram id that a pseudonymised export must not contain."""
    words = [w.strip("=") for name, *_ in NAMES.values() for w in name.split()]
    words += UNFINISHED[0].split()
    return words + [str(tg) for _, tg, *_ in NAMES.values()] + [str(UNFINISHED[1])]
