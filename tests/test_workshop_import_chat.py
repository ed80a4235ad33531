"""A workshop's results sent in the chat: /workshop → 📥 → the file as a document → the dry run's preview with
Importieren / Verwerfen; the same checks and all-or-nothing rule as `actionbot import ideas`, audited, the file
not kept; stale and double presses change nothing."""

from __future__ import annotations

import zipfile
from datetime import date

from sqlalchemy import func, select

from models import workshops
from models.tables import AuditEntry, Draft, Idea, IdeaEvent
from tests.test_ideas import join_team

HEADER = "Text;Handlungsfeld;Orte;Team\r\n"
GOOD = (
    "Mehr Busse am Abend zwischen Saalfeld und Rudolstadt;Daseinsvorsorge;Saalfeld, Rudolstadt;daseinsvorsorge\r\n"
    "Ein Ärztehaus für Bad Blankenburg, gemeinsam geplant;Daseinsvorsorge;Bad Blankenburg;\r\n"
    "Ein Repair-Café im Rathaus, einmal im Monat;Bürgerschaftliches Engagement;alle;\r\n"
)


async def count(bot, model, *where) -> int:
    async with bot.db.transaction() as s:
        return int((await s.execute(select(func.count()).select_from(model).where(*where))).scalar_one())


async def workshop(bot, name: str = "Demografie-Werkstatt Saalfeld") -> None:
    async with bot.db.transaction() as s:
        await workshops.create(
            s,
            None,
            key="saalfeld-2026",
            name=name,
            day=date(2026, 3, 14),
            town="saalfeld",
            allowed_towns=["saalfeld"],
            now=bot.clock.now(),
        )


async def ask_for_file(bot):
    maria = await bot.register(bot.manager())
    await workshop(bot)
    listed, _ask = await maria.send("/workshop")
    assert listed.button_texts() == ["📥 Ergebnisse: Demografie-Werkstatt Saalfeld", "📄 Handzettel"]
    [asked] = await maria.press("📥 Ergebnisse", message=listed)
    assert asked.text.startswith("📥 Ergebnisse für „Demografie-Werkstatt Saalfeld“ (Sa., 14. März 2026)")
    assert "höchstens 20 MB und 20.000 Zeilen" in asked.text
    return maria


async def test_the_manager_sends_the_file_sees_the_dry_run_and_imports_it(bot):
    maria = await ask_for_file(bot)
    [preview] = await maria.send_document((HEADER + GOOD).encode("utf-8-sig"), "ergebnisse.csv")
    assert preview.text.startswith("🔎 Probelauf für „Demografie-Werkstatt Saalfeld“ (Sa., 14. März 2026)")
    assert "Datei: ergebnisse.csv (CSV, UTF-8 (BOM), Trennzeichen ;)" in preview.text
    assert "3 Ideen bereit, 0 Zeilen mit Fehlern, 0 leere Zeilen übersprungen." in preview.text
    assert "Zeile 2: Daseinsvorsorge · Saalfeld, Rudolstadt · daseinsvorsorge – Mehr Busse am Abend" in preview.text
    assert preview.button_texts() == ["📥 3 Ideen importieren", "✖ Verwerfen"]
    assert await count(bot, Idea) == 0  # a dry run stores nothing
    go = str(preview.flat_buttons()[0].callback_data)
    await maria.press("📥 3 Ideen importieren", message=preview)
    done = maria.last_message()
    assert done.text.startswith("✅ 3 Ideen importiert (#1–#3) aus „Demografie-Werkstatt Saalfeld“.")
    assert done.button_texts() == ["📄 Handzettel"]
    assert await count(bot, Idea, Idea.workshop_id.is_not(None)) == 3
    assert await count(bot, IdeaEvent, IdeaEvent.kind == "imported") == 3
    async with bot.db.transaction() as s:
        [entry] = (await s.execute(select(AuditEntry).where(AuditEntry.action == "import_ideas"))).scalars()
        assert entry.details["via"] == "chat" and entry.details["file"] == "ergebnisse.csv"
        assert entry.actor_id is not None
        assert (await s.execute(select(Draft))).first() is None  # the file id is forgotten
    # a double press imports nothing twice
    await maria.press_data(go, message=preview)
    assert (maria.callback_answers[-1][0] or "").startswith("Dieser Import ist schon abgeschlossen.")
    assert await count(bot, Idea) == 3


async def test_row_errors_name_the_spreadsheets_rows_and_nothing_can_be_imported(bot):
    maria = await ask_for_file(bot)
    rows = HEADER + '"Ein Treffpunkt\nfür Jung und Alt";Fachkräfte;Saalfeld;\r\nkurz;Fachkräfte;Jena;\r\n'
    [preview] = await maria.send_document(rows.encode("utf-8"), "ergebnisse.csv")
    assert "Zeile 3: Das ist noch etwas kurz" in preview.text and "Zeile 3: Ort „Jena“ unbekannt" in preview.text
    assert "1 Idee bereit, 1 Zeile mit Fehlern" in preview.text
    assert "Nichts wird importiert, solange eine Zeile Fehler hat" in preview.text
    assert preview.button_texts() == ["✖ Verwerfen"]
    stale = str(preview.flat_buttons()[0].callback_data)
    # a corrected file may follow at once
    [again] = await maria.send_document((HEADER + GOOD).encode("utf-8"), "ergebnisse-neu.csv")
    assert "3 Ideen bereit, 0 Zeilen mit Fehlern" in again.text
    await maria.press("Verwerfen", message=again)
    assert maria.last_message().text == "Verworfen: nichts wurde importiert, die Datei ist vergessen."
    assert await count(bot, Idea) == 0
    await maria.press_data(stale, message=preview)  # the first preview's button
    assert (maria.callback_answers[-1][0] or "").startswith("Dieser Import ist schon abgeschlossen.")


async def test_bad_files_get_the_same_refusals_as_the_command_line(bot, tmp_path):
    maria = await ask_for_file(bot)
    [old] = await maria.send_document(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "alt.xls")
    assert old.text == "Das ist das alte Excel-Format (.xls). Bitte als .xlsx oder als CSV speichern."
    bomb = tmp_path / "bombe.xlsx"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        with z.open("xl/worksheets/sheet1.xml", "w") as member:
            for _ in range(310):
                member.write(b"\0" * (1024 * 1024))
    [refused] = await maria.send_document(bomb.read_bytes(), "bombe.xlsx")
    assert "würde entpackt aber 310 MB belegen" in refused.text and "Zip-Bombe" in refused.text
    [big] = await maria.send_document(b"Text;Handlungsfeld;Orte\r\n" + b"x" * (21 * 1024 * 1024), "riesig.csv")
    assert big.text == "Die Datei ist größer als 20 MB."
    fetched = [p["file_id"] for name, p in bot.fake.requests if name == "getFile"]
    assert len(fetched) == 2  # the .xls and the zip bomb; the big one is refused on its size, never fetched
    [text] = await maria.send("Hier ist die Liste")
    assert text.text.startswith("Bitte schick die Tabelle als Datei")
    utf16 = ("Text\tHandlungsfeld\tOrte\r\nMehr Busse am Abend\tFachkräfte\tSaalfeld\r\n").encode("utf-16")
    [preview] = await maria.send_document(utf16, "Unicode-Text.txt")
    assert "CSV, UTF-16 LE, Trennzeichen Tab" in preview.text and "1 Idee bereit" in preview.text
    assert await count(bot, Idea) == 0


async def test_alike_ideas_already_in_the_bot_are_shown_before_importing(bot):
    anna = await bot.register(bot.user("Anna"))
    await join_team(anna)
    await anna.send("/idea")
    await anna.send("Am Abend sollten mehr Busse zwischen Rudolstadt und Saalfeld fahren")
    await anna.press("Daseinsvorsorge")
    await anna.press("Saalfeld")
    await anna.press("Weiter")
    await anna.press("Aktions-Team Daseinsvorsorge")
    await anna.press("Einreichen")
    assert await count(bot, Idea) == 1
    maria = await ask_for_file(bot)
    [preview] = await maria.send_document((HEADER + GOOD).encode("utf-8"), "ergebnisse.csv")
    assert "🔀 Ähnliche Ideen gibt es schon (1 Zeile; nach dem Import unter /similar):" in preview.text
    assert "Zeile 2 ≈ #1 (" in preview.text


async def test_a_file_before_choosing_the_workshop_and_members_are_refused(bot):
    anna = await bot.register(bot.user("Anna"))
    maria = await bot.register(bot.manager())
    await workshop(bot)
    await maria.send("/workshop")
    [hint] = await maria.send_document((HEADER + GOOD).encode("utf-8"), "ergebnisse.csv")
    assert hint.text.startswith("Für welche Werkstatt ist die Datei?")
    assert hint.button_texts() == ["📥 Ergebnisse: Demografie-Werkstatt Saalfeld"]
    [menu] = await anna.send("/start")
    await anna.press_data("wi:1:f:1", message=menu)
    assert anna.callback_answers[-1] == ("Das darf nur das Projektmanagement.", True)
    assert await count(bot, Draft, Draft.step == "file") == 0
