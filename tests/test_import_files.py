"""Files as workshops really send them: a cell with a line break (Alt+Enter) keeps later rows' numbers those the
spreadsheet shows, Excel's "Unicode-Text (*.txt)" (UTF-16 with tabs) is read, and a small .xlsx that would unpack
to hundreds of MB is refused for what it is, not as "too big"."""

from __future__ import annotations

import zipfile

import pytest

from models.ideas import import_file as reader
from tests.import_helpers import HEADER, NOTHING, Project, import_file, make_project, stored

BUSES = "Mehr Busse am Abend zwischen Saalfeld und Rudolstadt"
CAFE = "Ein Repair-Café im Rathaus, einmal im Monat"


@pytest.fixture
async def project(db, tmp_path) -> Project:
    return await make_project(db, tmp_path)


async def test_a_line_break_inside_a_cell_does_not_shift_later_rows_numbers(project, capsys):
    rows = [
        ["Ein Treffpunkt für Jung und Alt\nmit Café\nund Werkstatt", "Fachkräfte", "Saalfeld", ""],
        [BUSES, "Daseinsvorsorge", "Saalfeld,\nRudolstadt", ""],
        ["kurz", "Fachkräfte", "Saalfeld", ""],  # row 4 in Excel, though it starts on line 7 of the file
        [CAFE, "Sport", "Saalfeld", ""],
    ]
    path = project.csv(rows)
    assert path.read_bytes().count(b"\n") == 8  # 5 records, 3 line breaks (Excel: LF) inside cells
    code, out, _ = await import_file(project, capsys, path, "--dry-run")
    assert code == 1
    assert "Zeile 4: Das ist noch etwas kurz" in out
    assert "Zeile 5: Handlungsfeld „Sport“ unbekannt" in out
    assert "Zeile 2: Fachkräfte · Saalfeld – Ein Treffpunkt für Jung und Alt mit Café und Werkstatt" in out
    assert "Zeile 3: Daseinsvorsorge · Saalfeld, Rudolstadt – " + BUSES in out
    assert "Zeile 7" not in out and "Zeile 6" not in out
    # the same rows as an .xlsx name the same rows
    code, xout, _ = await import_file(project, capsys, project.xlsx(rows), "--dry-run")
    assert "Zeile 4: Das ist noch etwas kurz" in xout and "Zeile 5: Handlungsfeld „Sport“ unbekannt" in xout


def test_a_broken_csv_names_the_row_too(tmp_path):
    path = tmp_path / "kaputt.csv"
    path.write_bytes(b'Text;Handlungsfeld;Orte\r\n"a\r\nb";x;y\r\n' + b"x" * 10 + b';"' + b"y" * 200_000 + b'"\r\n')
    with pytest.raises(reader.Refusal) as caught:
        reader.read(path)
    assert caught.value.key == "workshops.file_broken_csv" and caught.value.params["line"] == 3


@pytest.mark.parametrize(
    ("codec", "bom", "shown"), [("utf-16-le", b"\xff\xfe", "LE"), ("utf-16-be", b"\xfe\xff", "BE")]
)
async def test_excel_unicode_text_utf16_with_tabs_is_read(project, capsys, codec, bom, shown):
    rows = [HEADER, ["Ärztehaus für Bad Blankenburg – gemeinsam geplant", "Fachkräfte", "Bad Blankenburg", ""]]
    rows.append([BUSES, "Daseinsvorsorge", "Saalfeld, Rudolstadt", "daseinsvorsorge"])
    text = "\r\n".join("\t".join(r) for r in rows) + "\r\n"
    path = project.folder / "Unicode-Text.txt"
    path.write_bytes(bom + text.encode(codec))
    code, out, err = await import_file(project, capsys, path)
    assert (code, err) == (0, ""), err
    assert f"CSV, UTF-16 {shown}, Trennzeichen Tab" in out
    assert "2 Ideen importiert" in out
    assert (await stored(project.db))["ideas"] == 2


async def test_utf16_without_a_byte_order_mark_is_refused_naming_the_encoding(project, capsys):
    path = project.folder / "ohne-bom.txt"
    path.write_bytes("Text\tHandlungsfeld\tOrte\r\nMehr Busse am Abend\tFachkräfte\tSaalfeld\r\n".encode("utf-16-le"))
    code, out, err = await import_file(project, capsys, path)
    assert code == 2 and "UTF-16 ohne Byte-Order-Mark" in err
    assert await stored(project.db) == NOTHING


async def test_a_small_xlsx_that_unpacks_huge_is_refused_as_a_zip_bomb_not_as_too_big(project, capsys):
    path = project.folder / "bombe.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("xl/worksheets/sheet1.xml", "w") as member:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(310):
                member.write(chunk)
    size = path.stat().st_size
    assert size < 1024 * 1024  # small on disk
    code, _, err = await import_file(project, capsys, path)
    assert code == 2
    assert f"Die Datei hat {round(size / 1024)} KB, würde entpackt aber 310 MB belegen (höchstens 300 MB)" in err
    assert "Zip-Bombe" in err and "größer als" not in err
    assert await stored(project.db) == NOTHING
