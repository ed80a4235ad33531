"""/audit speaks to the project manager: every action kind in words (de/en), people by name, audiences in words,
no internal ids or codes; the stored entries stay as they were written."""

import ast
import io
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from core.texts import catalogue
from handlers.reports import views
from models import audit, teams
from models.announcements import core as announcements
from models.meetings import core as meetings
from models.privacy import core as privacy
from models.reports import formats
from models.reports import stats as stats_domain
from models.tables import AuditEntry, Person
from tests.report_helpers import AFTER, T0, config, seed

ROOT = Path(__file__).resolve().parent.parent
CFG = config()


def _record_calls(tree: ast.AST):
    """Every call of `audit.record(...)` (or `record(...)` inside models/audit.py) with its action argument."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            on_audit = isinstance(func, ast.Attribute) and getattr(func.value, "id", "") == "audit"
            if (on_audit and func.attr == "record") or (isinstance(func, ast.Name) and func.id == "record"):
                yield node.args[2] if len(node.args) > 2 else next(k.value for k in node.keywords if k.arg == "action")


def test_every_action_kind_written_anywhere_has_a_label_in_german_and_english():
    constants = {name: value for name, value in vars(audit).items() if name.isupper() and isinstance(value, str)}
    assert set(constants.values()) == set(audit.ACTIONS), "every action constant belongs in audit.ACTIONS"
    problems = []
    product = ("bot", "core", "handlers", "models", "scheduler", "web")
    for path in [p for d in product for p in (ROOT / d).rglob("*.py")]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):  # every audit.X used anywhere must be a listed action (or the API)
            if isinstance(node, ast.Attribute) and getattr(node.value, "id", "") == "audit" and node.attr.isupper():
                if node.attr not in constants:
                    problems.append(f"{path.name}: audit.{node.attr}")
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "AuditEntry" and path.name != "audit.py":
                problems.append(f"{path.name}: AuditEntry(...) outside models/audit.py")
        for action in _record_calls(tree):
            for leaf in ast.walk(action):
                if isinstance(leaf, ast.Constant) and isinstance(leaf.value, str) and leaf.value not in audit.ACTIONS:
                    problems.append(f"{path.name}: action {leaf.value!r} not in audit.ACTIONS")
    assert problems == []
    for lang in ("de", "en"):
        missing = [a for a in audit.ACTIONS if f"reports.audit_action_{a}" not in catalogue(lang)]
        assert missing == [], lang


@pytest.fixture
async def seeded(db):
    """The seeded project plus the actions it lacks: a meeting change, a scheduled announcement, a removed lead,
    an export on the command line."""
    cfg = config(db.url)
    out = await seed(db, cfg)
    towns, groups = [t.key for t in cfg.towns], [g.key for g in cfg.groups]
    async with db.transaction() as s:
        manager = await s.get(Person, out.person["manager"])
        lead = await s.get(Person, out.person["lead"])
        await meetings.change_meeting(
            s, lead, out.meeting["ahead"], {"title": "Neuer Titel", "town": "rudolstadt"}, T0, cfg.meetings, towns
        )
        await announcements.create(
            s,
            manager,
            announcements.Content("Bald"),
            announcements.Audience(teams=(out.team["daseinsvorsorge"],), towns=("saalfeld",)),
            T0,
            towns=towns,
            groups=groups,
            scheduled_at=T0 + timedelta(days=3),
        )
        await teams.set_lead(s, manager, out.person["lead"], out.team["daseinsvorsorge"], False, T0)
        # the poll and assignment kinds, with the details their domain functions store
        fk = out.team["fachkraefte"]
        await audit.record(s, manager, audit.ASSIGN_IDEA, T0, idea=out.idea["buses"], team="fachkraefte", told_author=1)
        forwarded = {"towns": ["saalfeld", "rudolstadt"], "told": 1, "unreached": ["rudolstadt"]}
        await audit.record(s, manager, audit.FORWARD_IDEA, T0, idea=out.idea["buses"], **forwarded)
        await audit.record(s, manager, audit.POLL_CREATE, T0, poll=1, team_id=fk, invited=4)
        await audit.record(s, manager, audit.ROUTE_ANSWER, T0, idea=out.idea["buses"], town="saalfeld", answer="taken")
        await audit.record(s, manager, audit.ROUTE_REPLY, T0, idea=out.idea["buses"], town="saalfeld", told=2)
        await audit.record(s, manager, audit.POLL_PICK, T0, poll=1, slot=2, told=1)
        await audit.record(s, manager, audit.POLL_CANCEL, T0, poll=2, told=3)
        merge = {"idea": out.idea["card"], "into": out.idea["buses"], "supports": 2, "followers": 1, "told": 2}
        await audit.record(s, manager, audit.MERGE_IDEAS, T0, **merge)
        await audit.record(s, lead, audit.VOICE_SUMMARY, T0, idea=out.idea["buses"], length=55)
        review = {"answer": 7, "meeting": out.meeting["held"], "decision": "released", "before": None}
        await audit.record(s, manager, audit.SENTENCE_REVIEW, T0, **review)
        await audit.record(s, lead, audit.MEETING_LETTERS, T0, meeting=out.meeting["ahead"], letters=2)
        kept, ahead = manager.pseudonym, out.meeting["ahead"]  # a proxy member's entries (models/proxy.py)
        await audit.record(s, lead, audit.PROXY_ADD, T0, person=kept, team="daseinsvorsorge", consent="paper")
        await audit.record(s, lead, audit.PROXY_RSVP, T0, person=kept, meeting=ahead, answer="maybe")
        await audit.record(s, lead, audit.PROXY_SURVEY, T0, person=kept, meeting=ahead)
        for action in (audit.PROXY_LINK_CODE, audit.PROXY_EXPORT, audit.PROXY_ERASE):
            await audit.record(s, lead, action, T0, person=kept)
        counts = {"project_ended": False, "people_erased": 1, "audit_deleted": 0}
        await audit.record(s, None, audit.RETENTION, T0, day="2026-11-25", **counts)
        imported = {"workshop": "werkstatt-saalfeld", "name": "Demografie-Werkstatt Saalfeld", "ideas": 12}
        await audit.record(s, None, audit.IMPORT_IDEAS, T0, **imported, first_idea=5, last_idea=16, via="cli")
        await formats.run_export(
            s,
            stats_domain.OPERATOR,
            what="ideas",
            fmt="xlsx",
            scope=stats_domain.Scope(team_slug="fachkraefte", team_id=out.team["fachkraefte"]),
            pseudonymised=True,
            out=io.BytesIO(),
            tz=cfg.time_zone,
            vocabulary=views.vocabulary(cfg, "de"),
            now=AFTER,
            via="cli",
        )
    return out


async def audit_text(db, lang="de") -> str:
    async with db.transaction() as s:
        manager = (await s.execute(select(Person).where(Person.is_manager))).scalar_one()
        entries = await audit.recent(s, manager, limit=100)
        names = await audit.names_for(s, manager, entries)
    return views.audit_view(entries, names, config(db.url), lang).text


@pytest.mark.parametrize("lang", ["de", "en"])
async def test_every_kind_is_shown_in_words_with_names_and_without_ids_or_codes(db, seeded, lang):
    text = await audit_text(db, lang)
    async with db.transaction() as s:
        stored = set((await s.execute(select(AuditEntry.action))).scalars())
    assert stored == set(audit.ACTIONS)  # the fixture wrote every kind, so each is shown below
    for action in audit.ACTIONS:
        assert catalogue(lang)[f"reports.audit_action_{action}"] in text
    body = text.split("\n", 1)[1]
    for code in (*audit.ACTIONS, "team_id", "fields=", "audience", "pseudonymised=", "{", "daseinsvorsorge", "P-"):
        assert code not in body, code
    assert all(pseudonym not in text for pseudonym in seeded.pseudonym.values())


async def test_the_german_lines_read_as_the_manager_knows_the_project(db, seeded):
    lines = (await audit_text(db)).split("\n")

    def line(label: str) -> str:
        return next(x for x in lines if f"<b>{label}</b>" in x)

    assert "· Maria Managerin – Lutz Leitmann · Aktions-Team Daseinsvorsorge" in line("Teamleitung ernannt")
    forwarded = line("Idee an Städte weitergeleitet")
    assert "an Saalfeld, Rudolstadt: 1 Ansprechperson benachrichtigt, nicht erreichbar: Rudolstadt" in forwarded
    assert "Lutz Leitmann · Aktions-Team Daseinsvorsorge" in line("Teamleitung abberufen")
    assert "– #1 an 6 Empfänger*innen · Zielgruppe: alle" in line("Ankündigung gesendet")
    assert "Teams: Aktions-Team Daseinsvorsorge · Orte: Saalfeld" in line("Ankündigung geplant")
    answered = line("Idee beantwortet")
    assert "Maria Managerin – Idee #1 „=SUM(A1:A9) Mehr Busse am Abend zwische…“: eingereicht → angenommen" in answered
    changed = "Lutz Leitmann – „Neuer Titel“, Mo., 4. Jan. 2027, 10:00 Uhr (Aktions-Team Daseinsvorsorge): Stadt, Titel"
    assert changed in line("Treffen geändert")
    assert "Lutz Leitmann – „Treffen bei Quast (cancelled)“, Sa., 28. Nov. 2026" in line("Treffen abgesagt")
    assert "(Aktions-Team Daseinsvorsorge)" in line("Treffen geplant")
    assert "Idee #1 „=SUM(A1:A9) Mehr Busse am Abend zwische…“ → Aktions-Team Fachkräfte" in line(
        "Idee einem Team zugeordnet"
    )
    assert "Umfrage #1 (Aktions-Team Fachkräfte), 4 Personen eingeladen" in line("Terminumfrage gestartet")
    voiced = "Lutz Leitmann – Idee #1 „=SUM(A1:A9) Mehr Busse am Abend zwische…“: Zusammenfassung der Sprachnachricht"
    assert voiced in line("Zusammenfassung einer Sprachnachricht eingetragen")
    reviewed = "Maria Managerin – Satz #7 („Treffen bei Quast (held)“, "
    assert reviewed in line("Satz aus der Umfrage geprüft")
    assert "(Aktions-Team Daseinsvorsorge)): noch nicht geprüft → ✅ aufgenommen" in line(
        "Satz aus der Umfrage geprüft"
    )
    assert "Umfrage #1, 1 Person benachrichtigt" in line("Termin aus Umfrage gewählt")
    assert "Umfrage #2, 3 Personen benachrichtigt" in line("Terminumfrage ohne Termin beendet")
    assert "System – 1 Person gelöscht, 0 alte Protokolleinträge entfernt" in line("Aufbewahrungsfristen angewandt")
    imported = "System – Werkstatt „Demografie-Werkstatt Saalfeld“ (werkstatt-saalfeld): 12 Ideen (#5–#16), auf dem"
    assert imported in line("Ideen aus einer Werkstatt importiert")
    exported = line("Export")
    assert "· System – Ideen als Excel (XLSX), Zeilen: 1, pseudonymisiert" in exported
    assert ", nur Aktions-Team Fachkräfte, auf dem Server (Kommandozeile)" in exported


async def stored(s) -> list[tuple]:
    entries = (await s.execute(select(AuditEntry).order_by(AuditEntry.id))).scalars()
    return [(e.action, e.actor_pseudonym, e.actor_id, e.details) for e in entries]


async def test_an_erased_actor_is_named_as_erased_and_the_stored_entries_keep_their_form(db, seeded):
    async with db.transaction() as s:
        await privacy.erase_person(s, await s.get(Person, seeded.person["lead"]))
        before = await stored(s)
    text = await audit_text(db)
    assert "Lutz Leitmann" not in text and f"gelöschte Person ({seeded.pseudonym['lead']})" in text
    async with db.transaction() as s:
        after = await stored(s)
    assert after == before


async def test_a_name_that_shows_nothing_reads_as_person_ohne_namen(db, seeded):
    async with db.transaction() as s:
        lead = await s.get(Person, seeded.person["lead"])
        lead.display_name = "\u200b\u2063"  # zero-width characters only
    lines = (await audit_text(db)).split("\n")
    made = next(x for x in lines if "<b>Teamleitung ernannt</b>" in x)
    assert "Maria Managerin – Person ohne Namen · Aktions-Team Daseinsvorsorge" in made
