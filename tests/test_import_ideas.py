"""`actionbot import ideas FILE --workshop KEY [--dry-run]`: a workshop's results come in from CSV or XLSX, every row
checked like a typed idea, all rows or none; bad files and bad rows get clear messages with line numbers."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from sqlalchemy import select

from models.tables import AuditEntry, Idea, IdeaEvent, IdeaTown, Team, Workshop
from tests.conftest import START
from tests.import_helpers import HEADER, KEY, NOTHING, Project, actionbot, import_file, make_project, stored
from tests.report_helpers import ROOT

BUSES = "Mehr Busse am Abend zwischen Saalfeld und Rudolstadt"
DOCTORS = "Ein Ärztehaus für Bad Blankenburg, gemeinsam geplant"
CAFE = "Ein Repair-Café im Rathaus, einmal im Monat"
ROWS = [
    [BUSES, "Daseinsvorsorge", "Saalfeld, Rudolstadt", "daseinsvorsorge"],
    [DOCTORS, "public_services", "bad_blankenburg", ""],
    [CAFE, "Bürgerschaftliches Engagement", "alle", ""],
]


@pytest.fixture
async def project(db, tmp_path) -> Project:
    return await make_project(db, tmp_path)


async def ideas_by_text(db) -> dict[str, Idea]:
    async with db.transaction() as s:
        return {i.text: i for i in (await s.execute(select(Idea))).scalars()}


async def towns_of(db, idea_id: int) -> list[str]:
    async with db.transaction() as s:
        return sorted((await s.execute(select(IdeaTown.town).where(IdeaTown.idea_id == idea_id))).scalars())


# -- what a good file becomes ---------------------------------------------------------------------------------------


async def test_a_csv_becomes_authorless_ideas_of_the_workshop_with_towns_team_and_an_imported_step(project, capsys):
    code, out, err = await import_file(project, capsys, project.csv(ROWS))
    assert (code, err) == (0, "")
    assert "3 Ideen importiert (#1–#3) aus der Werkstatt „Demografie-Werkstatt Saalfeld“." in out
    assert "CSV, UTF-8 (BOM), Trennzeichen ;" in out
    ideas = await ideas_by_text(project.db)
    async with project.db.transaction() as s:
        workshop = (await s.execute(select(Workshop))).scalar_one()
        team = (await s.execute(select(Team).where(Team.slug == "daseinsvorsorge"))).scalar_one()
        steps = list((await s.execute(select(IdeaEvent).order_by(IdeaEvent.idea_id))).scalars())
    buses = ideas[BUSES]
    assert (buses.author_id, buses.author_group, buses.author_town) == (None, None, None)
    assert (buses.workshop_id, buses.team_id, buses.field, buses.status) == (
        workshop.id,
        team.id,
        "public_services",
        "submitted",
    )
    assert ideas[CAFE].field == "civic_engagement" and ideas[CAFE].team_id is None
    assert await towns_of(project.db, buses.id) == ["rudolstadt", "saalfeld"]
    assert await towns_of(project.db, ideas[CAFE].id) == ["bad_blankenburg", "rudolstadt", "saalfeld"]
    assert [(e.kind, e.status, e.details.get("workshop"), e.details.get("line")) for e in steps] == [
        ("imported", "submitted", KEY, 2),
        ("imported", "submitted", KEY, 3),
        ("imported", "submitted", KEY, 4),
    ]


async def test_an_xlsx_with_english_headings_is_imported_like_a_csv(project, capsys):
    header = ["Idea", "Field of action", "Towns", "Team"]
    rows = [
        [BUSES, "Skilled workers", "Rudolstadt; Saalfeld", "Aktions-Team Fachkräfte"],
        [DOCTORS, "Public services", "all", None],
    ]
    code, out, _ = await import_file(project, capsys, project.xlsx(rows, header=header), "--lang", "en")
    assert code == 0
    assert "XLSX, sheet “Ergebnisse”" in out and "2 ideas imported (#1–#2)" in out
    ideas = await ideas_by_text(project.db)
    assert ideas[BUSES].field == "skilled_workers" and ideas[BUSES].team_id is not None
    assert await towns_of(project.db, ideas[DOCTORS].id) == ["bad_blankenburg", "rudolstadt", "saalfeld"]


async def test_the_import_is_in_the_audit_log_as_the_system_on_the_command_line(project, capsys):
    await import_file(project, capsys, project.csv(ROWS))
    async with project.db.transaction() as s:
        [entry] = (await s.execute(select(AuditEntry))).scalars()
    assert (entry.action, entry.actor_id) == ("import_ideas", None)
    assert entry.details == {
        "workshop": KEY,
        "name": "Demografie-Werkstatt Saalfeld",
        "similar": 0,
        "ideas": 3,
        "first_idea": 1,
        "last_idea": 3,
        "file": "ergebnisse.csv",
        "via": "cli",
    }


# -- dry run and all or nothing -------------------------------------------------------------------------------------


async def test_a_dry_run_shows_the_ideas_and_every_row_error_by_line_and_stores_nothing(project, capsys):
    rows = [ROWS[0], ["zu kurz", "Daseinsvorsorge", "Saalfeld", ""], ROWS[1], [CAFE, "Sport", "Jena", "keins", ""]]
    code, out, _ = await import_file(project, capsys, project.csv(rows), "--dry-run")
    assert code == 1
    lines = out.splitlines()
    assert "Zeile 2: Daseinsvorsorge · Saalfeld, Rudolstadt · daseinsvorsorge – " + BUSES in lines
    assert "Zeile 4: Daseinsvorsorge · Bad Blankenburg – " + DOCTORS in lines
    assert (
        "Zeile 3: Das ist noch etwas kurz (7 Zeichen). Beschreibe deine Idee bitte in mindestens 10 Zeichen." in lines
    )
    assert {
        "Zeile 5: Handlungsfeld „Sport“ unbekannt",
        "Zeile 5: Ort „Jena“ unbekannt",
        "Zeile 5: Team „keins“ unbekannt",
    } <= set(lines)
    assert "2 Ideen bereit, 2 Zeilen mit Fehlern, 0 leere Zeilen übersprungen." in lines
    assert lines[-1] == "Probelauf: nichts wurde gespeichert."
    assert await stored(project.db) == NOTHING


async def test_a_clean_dry_run_exits_0_and_stores_nothing(project, capsys):
    code, out, _ = await import_file(project, capsys, project.csv(ROWS), "--dry-run")
    assert code == 0 and "3 Ideen bereit, 0 Zeilen mit Fehlern" in out
    assert await stored(project.db) == NOTHING


async def test_one_bad_row_among_many_imports_nothing(project, capsys):
    rows = [[f"Idee Nummer {n}: mehr Bänke am Markt", "Fachkräfte", "Saalfeld", ""] for n in range(50)]
    rows[37][2] = "Erfurt"
    code, out, _ = await import_file(project, capsys, project.csv(rows))
    assert code == 1
    assert "Zeile 39: Ort „Erfurt“ unbekannt" in out
    assert out.splitlines()[-1] == "Nichts wurde importiert: erst alle Fehler beheben (alles oder nichts)."
    assert await stored(project.db) == NOTHING


async def test_the_same_file_twice_is_refused_row_by_row_the_second_time(project, capsys):
    path = project.csv(ROWS)
    assert (await import_file(project, capsys, path))[0] == 0
    code, out, _ = await import_file(project, capsys, path)
    assert code == 1 and "Zeile 2: schon aus dieser Werkstatt importiert (Idee #1)" in out
    assert (await stored(project.db))["ideas"] == 3


async def test_the_same_text_twice_in_one_file_names_the_first_line(project, capsys):
    code, out, _ = await import_file(
        project, capsys, project.csv([ROWS[0], ROWS[1], [BUSES.upper(), "Fachkräfte", "Saalfeld"]])
    )
    assert code == 1 and "Zeile 4: derselbe Text wie Zeile 2" in out


async def test_too_long_text_and_a_value_without_heading_are_row_errors(project, capsys):
    rows = [["x" * 2001, "Fachkräfte", "Saalfeld", ""], [BUSES, "Fachkräfte", "Saalfeld", "", "Tisch 3"]]
    code, out, _ = await import_file(project, capsys, project.csv(rows))
    assert code == 1
    assert "Zeile 2: Das ist zu lang (2001 Zeichen). Bitte fasse deine Idee in höchstens 2000 Zeichen zusammen." in out
    assert "Zeile 3: Wert in Spalte E, die keine Überschrift hat" in out


# -- encodings and delimiters ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "shown"), [("utf-8-sig", "UTF-8 (BOM)"), ("utf-8", "UTF-8"), ("cp1252", "Windows-1252")]
)
async def test_umlauts_arrive_intact_in_every_encoding_and_the_encoding_is_named(project, capsys, encoding, shown):
    rows = [[DOCTORS + " – für Größere", "Fachkräfte", "Bad Blankenburg", "Aktions-Team Fachkräfte"]]
    code, out, _ = await import_file(project, capsys, project.csv(rows, encoding=encoding))
    assert code == 0 and f"CSV, {shown}, Trennzeichen ;" in out
    assert list(await ideas_by_text(project.db)) == [DOCTORS + " – für Größere"]


async def test_a_comma_separated_file_with_quoted_town_lists_is_read(project, capsys):
    code, out, _ = await import_file(project, capsys, project.csv(ROWS, sep=","))
    assert code == 0 and "Trennzeichen ," in out
    assert await towns_of(project.db, (await ideas_by_text(project.db))[BUSES].id) == ["rudolstadt", "saalfeld"]


# -- formulas, merged cells, empty rows -----------------------------------------------------------------------------


async def test_csv_cells_starting_with_equals_are_refused_per_row_and_never_stored(project, capsys):
    rows = [
        ROWS[0],
        ['=HYPERLINK("http://evil.example","Klick")', "Fachkräfte", "Saalfeld", ""],
        [CAFE, "Fachkräfte", "=A1", ""],
    ]
    code, out, _ = await import_file(project, capsys, project.csv(rows))
    assert code == 1
    assert "Zeile 3: Formel in Spalte Text: Formeln werden nicht übernommen, bitte den Text selbst eintragen" in out
    assert "Zeile 4: Formel in Spalte Orte" in out
    assert "Zeile 3: Das ist noch etwas kurz" not in out and "Zeile 4: Ort fehlt" not in out  # one message per cell
    assert await stored(project.db) == NOTHING


async def test_xlsx_formula_cells_are_seen_as_formulas_and_never_evaluated(project, capsys):
    rows = [
        [BUSES, "Fachkräfte", "Saalfeld"],
        ['="Mehr "&"Busse am Abend, bitte"', "Fachkräfte", "Saalfeld"],
        [CAFE, "=B2", "Saalfeld"],
    ]
    code, out, _ = await import_file(project, capsys, project.xlsx(rows, header=HEADER[:3]))
    assert code == 1
    assert "Zeile 3: Formel in Spalte Text" in out and "Zeile 4: Formel in Spalte Handlungsfeld" in out
    assert "Mehr Busse am Abend, bitte" not in out
    assert await stored(project.db) == NOTHING


async def test_merged_xlsx_cells_are_reported_on_every_row_they_cover(project, capsys):
    rows = [[BUSES, "Fachkräfte", "Saalfeld"], [DOCTORS, "Fachkräfte", None], [CAFE, "Fachkräfte", None]]
    code, out, _ = await import_file(project, capsys, project.xlsx(rows, header=HEADER[:3], merge="C2:C4"))
    assert code == 1
    for line in (2, 3, 4):
        assert f"Zeile {line}: verbundene Zellen C2:C4: bitte den Wert in jede Zeile schreiben" in out
    assert "Ort fehlt" not in out
    assert await stored(project.db) == NOTHING


async def test_empty_rows_are_skipped_and_line_numbers_stay_those_of_the_file(project, capsys):
    rows = [ROWS[0], ["", "", "", ""], ROWS[1], ["   ", "", "", ""], ["kurz", "Fachkräfte", "Saalfeld", ""]]
    code, out, _ = await import_file(project, capsys, project.csv(rows), "--dry-run")
    assert code == 1 and "Zeile 6: Das ist noch etwas kurz" in out
    assert "2 Ideen bereit, 1 Zeile mit Fehlern, 2 leere Zeilen übersprungen." in out
    xlsx_rows = [ROWS[0], [None, None, None], ROWS[1], ["kurz", "Fachkräfte", "Saalfeld"]]
    code, out, _ = await import_file(project, capsys, project.xlsx(xlsx_rows), "--dry-run")
    assert "Zeile 5: Das ist noch etwas kurz" in out and "1 leere Zeile übersprungen" in out


# -- files that cannot be imported at all (exit code 2) -------------------------------------------------------------


async def test_files_that_are_no_results_file_are_refused_with_exit_code_2(project, capsys):
    folder = project.folder
    (folder / "alt.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    (folder / "bericht.pdf").write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    (folder / "leer.csv").write_bytes(b"\xef\xbb\xbf\r\n  \r\n")
    with zipfile.ZipFile(folder / "kein.xlsx", "w") as z:
        z.writestr("hallo.txt", "kein Excel")
    (folder / "kaputt.xlsx").write_bytes(b"nur Text")
    (folder / "binär.csv").write_bytes(bytes(range(256)) * 4)
    cases = {
        "fehlt.csv": "Die Datei",
        "alt.xls": "Das ist das alte Excel-Format (.xls). Bitte als .xlsx oder als CSV speichern.",
        "bericht.pdf": "Dateien mit der Endung .pdf kann ich nicht lesen: bitte CSV oder XLSX.",
        "leer.csv": "Die Datei ist leer.",
        "kein.xlsx": "Die Datei lässt sich nicht als Excel-Arbeitsmappe (.xlsx) lesen.",
        "kaputt.xlsx": "Die Datei lässt sich nicht als Excel-Arbeitsmappe (.xlsx) lesen.",
        "binär.csv": "Dateien mit der Endung .csv kann ich nicht lesen",
    }
    for name, message in cases.items():
        code, out, err = await import_file(project, capsys, folder / name)
        assert (code, out) == (2, ""), name
        assert err.startswith(f"actionbot: {message}"), (name, err)
    assert await stored(project.db) == NOTHING


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (
            [BUSES, "Daseinsvorsorge", "Saalfeld"],
            "Die erste Zeile muss die Spalten benennen (text, field, towns, team)",
        ),
        (["Text", "Handlungsfeld", "Orte", "Priorität"], "Unbekannte Spalten: Priorität. Erlaubt sind: text, field"),
        (["Text", "Orte"], "Es fehlen Spalten: field."),
        (["Text", "Handlungsfeld", "Orte", "Idee"], "Diese Spalten kommen doppelt vor: text."),
    ],
)
async def test_a_missing_or_wrong_header_is_refused_before_any_row(project, capsys, header, message):
    code, _, err = await import_file(project, capsys, project.csv([ROWS[0][: len(header)]], header=header))
    assert code == 2 and err.startswith(f"actionbot: {message}")


async def test_an_unknown_workshop_is_refused_with_exit_code_2(project, capsys):
    code, _, err = await actionbot(project, capsys, "import", "ideas", str(project.csv(ROWS)), "--workshop", "nirgends")
    assert code == 2 and "Eine Werkstatt mit dem Schlüssel „nirgends“ gibt es nicht." in err
    assert await stored(project.db) == NOTHING


# -- many rows ------------------------------------------------------------------------------------------------------


async def test_ten_thousand_rows_are_imported_completely_in_one_transaction(project, capsys):
    fields = ("Daseinsvorsorge", "Fachkräfte", "civic_engagement")
    rows = [
        [f"Idee {n}: Treffpunkt für Jung und Alt", fields[n % 3], "Saalfeld; Rudolstadt", ""] for n in range(10_000)
    ]
    code, out, _ = await import_file(project, capsys, project.csv(rows))
    assert code == 0 and "10.000 Ideen importiert (#1–#10000)" in out
    assert await stored(project.db) == {"ideas": 10_000, "towns": 20_000, "imported": 10_000, "audit": 1}
    ideas = await ideas_by_text(project.db)
    assert ideas["Idee 9999: Treffpunkt für Jung und Alt"].id == 10_000  # ids follow the rows


# -- exports keep imported text harmless ----------------------------------------------------------------------------


async def test_imported_text_starting_like_a_formula_is_neutralised_in_exports(project, capsys):
    texts = [
        "+49 anrufen: Telefonkette für Ältere",
        "-Mehr Bänke am Marktplatz aufstellen",
        "@Stadtrat: Radweg nach Rudolstadt",
    ]
    code, _, _ = await import_file(project, capsys, project.csv([[x, "Fachkräfte", "Saalfeld", ""] for x in texts]))
    assert code == 0
    out = project.folder / "ideen.csv"
    code, _, err = await actionbot(project, capsys, "export", "--what", "ideas", "--out", str(out))
    assert code == 0, err
    exported = {r["text"] for r in csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig")))}
    assert exported == {"'" + x for x in texts}


# -- the documented example files -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["import-example.csv", "import-example.xlsx"])
async def test_the_example_files_in_docs_import_cleanly(project, capsys, name):
    code, out, _ = await import_file(project, capsys, ROOT / "docs" / name, "--dry-run")
    assert code == 0, out
    assert "5 Ideen bereit, 0 Zeilen mit Fehlern, 0 leere Zeilen übersprungen." in out


# -- recording workshops on the command line ------------------------------------------------------------------------


async def test_workshop_add_and_list_on_the_command_line(project, capsys):
    args = ("--name", "Demografie-Werkstatt Rudolstadt", "--date", "2026-04-18", "--town", "rudolstadt")
    code, out, _ = await actionbot(project, capsys, "workshop", "add", "rudolstadt-2026", *args)
    assert code == 0
    assert (
        out
        == "Werkstatt gespeichert: Demografie-Werkstatt Rudolstadt (rudolstadt-2026), Sa., 18. Apr. 2026, Rudolstadt\n"
    )
    await import_file(project, capsys, project.csv(ROWS))
    code, out, _ = await actionbot(project, capsys, "workshop", "list")
    assert out.splitlines() == [
        "rudolstadt-2026  2026-04-18  Rudolstadt  Demografie-Werkstatt Rudolstadt  (0 Ideen)",
        "saalfeld-2026  2026-03-14  Saalfeld  Demografie-Werkstatt Saalfeld  (3 Ideen)",
    ]


@pytest.mark.parametrize(
    ("key", "day", "town", "message"),
    [
        ("saalfeld-2026", "2026-03-14", "saalfeld", "Den Schlüssel „saalfeld-2026“ hat schon eine andere Werkstatt."),
        ("Neu Werkstatt!", "2026-03-14", "saalfeld", "Der Schlüssel „neu werkstatt!“ geht nicht"),
        ("neu", "2026-02-30", "saalfeld", "Das Datum verstehe ich nicht."),
        ("neu", "2026-03-14", "jena", "Die Stadt „jena“ kenne ich nicht."),
    ],
)
async def test_a_bad_workshop_is_refused_with_exit_code_2(project, capsys, key, day, town, message):
    code, out, err = await actionbot(
        project, capsys, "workshop", "add", key, "--name", "Werkstatt", "--date", day, "--town", town
    )
    assert (code, out) == (2, "") and err.startswith(f"actionbot: {message}")
    async with project.db.transaction() as s:
        assert len((await s.execute(select(Workshop))).all()) == 1



async def test_an_imported_idea_alike_to_an_earlier_one_is_flagged_for_the_manager(project, capsys):
    """The import flags alike ideas in its own transaction (for /similar), as a typed idea is flagged on submitting;
    the audit entry counts them."""
    from models.tables import IdeaSimilar

    first = project.csv([["Ein Bürgerbus am Wochenende zwischen den drei Städten", "Daseinsvorsorge", "Saalfeld", ""]])
    assert (await import_file(project, capsys, first))[0] == 0
    again = [["Bürgerbus am Wochenende zwischen den drei Städten!", "Daseinsvorsorge", "Rudolstadt", ""]]
    assert (await import_file(project, capsys, project.csv(again, name="zwei.csv")))[0] == 0
    async with project.db.transaction() as s:
        pairs = (await s.execute(select(IdeaSimilar))).scalars().all()
        entries = (await s.execute(select(AuditEntry).order_by(AuditEntry.id))).scalars().all()
    assert len(pairs) == 1
    assert [e.details.get("similar") for e in entries if e.action == "import_ideas"] == [0, 1]
    # the dry run of a third file shows it before importing, as the chat does
    third = [["Am Wochenende einen Bürgerbus zwischen den drei Städten", "Daseinsvorsorge", "Saalfeld", ""]]
    code, out, _ = await import_file(project, capsys, project.csv(third, name="drei.csv"), "--dry-run")
    assert code == 0 and "Ähnliche Ideen gibt es schon (1 Zeile; nach dem Import unter /similar):" in out
    assert "Zeile 2 ≈ #1 (100 %): Ein Bürgerbus am Wochenende zwischen den drei Städten" in out


async def test_the_ideas_export_names_the_workshop_and_where_an_idea_was_merged(project, capsys):
    from models.ideas import merge
    from models.reports import exports, stats

    first = project.csv([["Ein Bürgerbus am Wochenende zwischen den drei Städten", "Daseinsvorsorge", "Saalfeld", ""]])
    assert (await import_file(project, capsys, first))[0] == 0
    again = [["Bürgerbus am Wochenende zwischen den drei Städten!", "Daseinsvorsorge", "Rudolstadt", ""]]
    assert (await import_file(project, capsys, project.csv(again, name="zwei.csv")))[0] == 0
    async with project.db.transaction() as s:
        manager = await merge_manager(s)
        await merge.merge(s, manager, 2, 1, START)
    async with project.db.transaction() as s:
        table = await exports.table(s, stats.OPERATOR, "ideas", stats.Scope())
        rows = [dict(zip(table.header, row, strict=True)) async for chunk in table.chunks() for row in chunk]
    assert [(r["idea_id"], r["workshop"], r["merged_into"], r["status"]) for r in rows] == [
        (1, KEY, None, "submitted"),
        (2, KEY, 1, "merged"),
    ]


async def merge_manager(s):
    from models.people import register

    person, _ = await register(
        s, telegram_id=4242, display_name="Maria", language="de", privacy_version="v1", now=START, managers=[4242]
    )
    return person
