"""The evaluation report: /report offers it, the manager gets a PDF and the same as HTML whose figures match
the data; everyone else is refused; the command line writes both files, refuses bad days in one line, and an
empty project gives a valid report saying there is no data yet."""

import asyncio
import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from models.db import Database
from models.migrate import upgrade
from models.tables import AuditEntry
from tests.conftest import START
from tests.evaluation_report_helpers import SENTENCE, pdf_text, seed_evaluation
from tests.meeting_helpers import team_with_members
from tests.report_helpers import ROOT, config
from tests.test_cli_queries import actionbot

BUTTON = "🧾 Evaluationsbericht (PDF + HTML)"
NOT_MANAGER = "Das darf nur das Projektmanagement."
BACKWARDS = "actionbot: --until 2026-11-01 is before --since 2026-11-02"
NO_DAY = "is not a day; expected YYYY-MM-DD, e.g. 2026-01-31"


async def evaluation_exports(bot) -> list[dict]:
    async with bot.db.transaction() as s:
        rows = await s.execute(select(AuditEntry.details).where(AuditEntry.action == "export"))
        return [d for d in rows.scalars() if d.get("what") == "evaluation"]


async def manager_presses_the_offer(bot, manager):
    replies = await manager.send("/report", timeout=60)
    offer = replies[-1]
    assert offer.text.startswith("🧾 Evaluationsbericht:")
    return await manager.press(BUTTON, message=offer, timeout=90)


async def test_the_manager_gets_the_evaluation_report_as_pdf_and_html_with_the_seeded_figures(bot):
    pseudonyms = await seed_evaluation(bot.db, bot.config, START)
    manager = await bot.register(bot.manager())
    replies = await manager_presses_the_offer(bot, manager)
    assert [m.kind for m in replies] == ["text", "document", "document"]
    assert re.match(r"🧾 Evaluationsbericht für .+ – 25\. November 2026: \d+ Seiten\.", replies[0].text)
    (pdf_name, pdf, _), (html_name, page, _) = (m.document for m in replies[1:])
    assert (pdf_name, html_name) == ("evaluationsbericht.pdf", "evaluationsbericht.html")
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    words = " ".join(text.split())
    assert "Demografiemanagement am Saalebogen" in text and "Seite 1 von" in text
    assert "7 Mitglieder" in words  # six citizens and the manager
    assert "1 Treffen mit Anwesenden" in words
    assert "14,0 Stunden Engagement" in words  # (6 present + 1 guest) × 2 hours
    assert "4,0 Nutzen der Treffen (1–5)" in words  # (5+4+4+3+5+3) / 6
    assert "6 Antworten der Kurzumfrage" in words
    assert "Gemeinsames Ziel 6 0 6" in words  # named by six in the survey, ticked on no idea
    assert "Lange Fahrzeit 5 0 5" in words
    # the free sentence, pseudonymised: the writer by pseudonym, the name inside it by a neutral token
    said = SENTENCE.replace("Anneliese Quast", "[Name]")
    assert said.split(",")[0] in words and pseudonyms["Bruno Brandt"] in words
    assert "Anneliese Quast" not in words and "Bruno Brandt" not in words
    html = page.decode("utf-8")
    assert "data:image/png;base64," in html and "src='http" not in html and 'src="http' not in html
    assert "Anneliese Quast" not in html and said.split(",")[0] in html
    [entry] = await evaluation_exports(bot)
    assert (entry["format"], entry["via"], entry["until"]) == ("pdf+html", "chat", "2026-11-25")


async def test_an_empty_project_gets_a_valid_report_saying_there_is_no_data_yet(bot):
    manager = await bot.register(bot.manager())
    replies = await manager_presses_the_offer(bot, manager)
    pdf = replies[1].document[1]
    assert pdf.startswith(b"%PDF")
    words = " ".join(pdf_text(pdf).split())
    assert "Für diesen Zeitraum liegen noch keine Daten vor" in words
    assert "weniger als 5 Personen" in words  # the method section states the suppression rule


async def test_a_member_pressing_a_forged_evaluation_button_gets_nothing(bot):
    _team, _lead, [member, _] = await team_with_members(bot)
    [teams] = await member.send("/teams")
    replies = await member.press_data("er:1:make", message=teams)
    assert member.callback_answers[-1] == (NOT_MANAGER, True)
    assert [m for m in replies if m.kind == "document"] == []
    assert await evaluation_exports(bot) == []


async def test_a_lead_is_refused_the_report_and_its_offer(bot):
    _team, lead, _members = await team_with_members(bot)
    replies = await lead.send("/report")
    assert [m.text for m in replies] == [NOT_MANAGER]


async def test_an_unknown_evaluation_button_answers_politely(bot):
    manager = await bot.register(bot.manager())
    [menu] = await manager.send("/export")
    await manager.press_data("er:1:drop", message=menu)
    assert "nicht mehr aktuell" in manager.callback_answers[-1][0]


# --- the command line --------------------------------------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A config file and a migrated SQLite database with the six present at one meeting."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    text = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    path = tmp_path / "config.toml"
    path.write_text(text.replace('url = "sqlite+aiosqlite:///actionbot.db"', f'url = "{url}"'), encoding="utf-8")

    async def prepare() -> None:
        from models import teams

        await upgrade(url)
        db = Database(url)
        try:
            cfg = config(url)
            async with db.transaction() as s:
                await teams.seed_teams(s, cfg.teams, START)
            await seed_evaluation(db, cfg, START)
        finally:
            await db.dispose()

    asyncio.run(prepare())
    return path


def test_the_command_line_writes_the_pdf_and_the_html_side_by_side(project):
    done = actionbot(project, "report", "--evaluation", "--since", "2026-11-01", "--until", "2026-11-30",
                     "--out", "zwischenbericht.pdf")
    assert done.returncode == 0, done.stderr
    pdf, html = project.parent / "zwischenbericht.pdf", project.parent / "zwischenbericht.html"
    assert done.stdout.startswith(f"wrote {pdf.name} (") and done.stdout.strip().endswith(f"and {html.name}")
    words = " ".join(pdf_text(pdf.read_bytes()).split())
    assert "Zeitraum: 1. November 2026 – 30. November 2026" in words
    assert "14,0 Stunden Engagement" in words and "6 Antworten der Kurzumfrage" in words
    assert "Evaluationsbericht" in html.read_text(encoding="utf-8")
    assert not list(project.parent.glob("*.part"))


def test_a_period_without_the_meeting_says_there_is_no_data(project):
    done = actionbot(project, "report", "--evaluation", "--until", "2026-01-31", "--out", "alt.html")
    assert done.returncode == 0, done.stderr
    words = " ".join(pdf_text((project.parent / "alt.pdf").read_bytes()).split())
    assert "Für diesen Zeitraum liegen noch keine Daten vor" in words


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (("--since", "2026-13-01"), f"actionbot: --since '2026-13-01' {NO_DAY}"),
        (("--until", "morgen"), f"actionbot: --until 'morgen' {NO_DAY}"),
        (("--since", "2026-11-02", "--until", "2026-11-01"), BACKWARDS),
    ],
)
def test_bad_days_give_one_clear_line_and_exit_2(project, args, line):
    done = actionbot(project, "report", "--evaluation", *args)
    assert (done.returncode, done.stderr.strip(), done.stdout) == (2, line, "")
    assert not list(project.parent.glob("*.pdf"))


async def test_the_audit_log_names_the_evaluation_report(bot):
    manager = await bot.register(bot.manager())
    await manager_presses_the_offer(bot, manager)
    [audit] = await manager.send("/audit")
    assert "Evaluationsbericht" in audit.text and "pdf+html" in audit.text


async def test_a_report_over_telegrams_upload_limit_is_refused_and_not_recorded(bot, monkeypatch):
    from handlers.reports import evaluation

    monkeypatch.setattr(evaluation, "UPLOAD_LIMIT", 10)
    manager = await bot.register(bot.manager())
    replies = await manager_presses_the_offer(bot, manager)
    assert manager.callback_answers[-1][0].startswith("Die Datei wäre 0 MB groß")
    assert [m for m in replies if m.kind == "document"] == []
    assert await evaluation_exports(bot) == []


async def test_a_double_press_makes_one_report(bot):
    manager = await bot.register(bot.manager())
    replies = await manager.send("/report", timeout=60)
    first = await manager.press(BUTTON, message=replies[-1], timeout=90)
    again = await manager.press(BUTTON, message=replies[-1], timeout=90)
    assert [m.kind for m in first] == ["text", "document", "document"]
    assert [m for m in again if m.kind == "document"] == []
    assert manager.callback_answers[-1][0].startswith("Der Evaluationsbericht wurde eben erstellt")
    assert len(await evaluation_exports(bot)) == 1
    bot.clock.advance(timedelta(minutes=2))
    later = await manager.press(BUTTON, message=replies[-1], timeout=90)
    assert [m.kind for m in later] == ["text", "document", "document"]


def test_the_evaluators_notes_become_their_own_section(project):
    notes = project.parent / "einschaetzung.md"
    notes.write_text("# Zwischenfazit\n\nDie Teams arbeiten **über Ortsgrenzen** zusammen.\n\n- Fahrzeit bleibt "
                     "das größte Hemmnis.\n", encoding="utf-8")
    done = actionbot(project, "report", "--evaluation", "--out", "mit-notizen.pdf", "--notes", str(notes))
    assert done.returncode == 0, done.stderr
    words = " ".join(pdf_text((project.parent / "mit-notizen.pdf").read_bytes()).split())
    assert "Einschätzung der Begleitforschung Zwischenfazit Die Teams arbeiten über Ortsgrenzen zusammen." in words
    assert "• Fahrzeit bleibt das größte Hemmnis." in words
    assert words.index("Einschätzung der Begleitforschung") < words.index("Methode")


def test_unreadable_notes_give_one_clear_line(project):
    done = actionbot(project, "report", "--evaluation", "--notes", str(project.parent / "fehlt.md"))
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip().startswith("actionbot: --notes ") and "cannot read it" in done.stderr
