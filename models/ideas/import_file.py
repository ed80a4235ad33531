"""Reading a workshop's results file (CSV or XLSX) into rows of text cells, before any rule is checked.

Guarantees: nothing in the file is ever evaluated. A CSV is decoded as UTF-16 when it starts with a byte order
mark (Excel's "Unicode-Text (*.txt)": UTF-16 with tabs), else as UTF-8 (with or without BOM) or else as
Windows-1252, and says which; its delimiter (; as German Excel writes it, or , or tab) is chosen by the header
row. An XLSX is read with openpyxl in read-only mode with `data_only=False`, so a formula cell is seen as a
formula (and refused per row, like a CSV cell starting with =), never computed; merged cells, which leave all
but their first cell empty, are reported on every row they cover. Empty rows are skipped and counted. A file
that cannot be read at all is a `Refusal` naming why (missing, not CSV/XLSX, no header, unknown columns, …);
everything about one row is a `Problem` on that row, with the row number a spreadsheet shows (a CSV record
whose cell holds a line break, Alt+Enter in Excel, is one row however many lines it spans).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import iterparse

from models.errors import Refusal
from models.text import clean

MAX_BYTES = 20 * 1024 * 1024
MAX_UNPACKED = 300 * 1024 * 1024  # an XLSX's contents unpacked (a 20,000-row sheet is a few MB)
MAX_ROWS = 20_000
CSV_FIELD_LIMIT = 100_000  # characters in one CSV cell (the idea text allows 2,000)
COLUMNS = ("text", "field", "towns", "team")  # in the order of the example file
REQUIRED = ("text", "field", "towns")
# what a heading may say (compared case-insensitively, without a trailing * or :), German and English
ALIASES = {
    "text": ("text", "idee", "idea", "ideentext", "idea text"),
    "field": ("field", "handlungsfeld", "field of action", "field_of_action"),
    "towns": ("towns", "town", "orte", "ort", "städte", "stadt", "staedte"),
    "team": ("team", "aktions-team", "aktionsteam", "action team"),
}
_HEADING = {alias: column for column, aliases in ALIASES.items() for alias in aliases}
DELIMITERS = (";", ",", "\t")
ENCODINGS = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 (BOM)",
    "cp1252": "Windows-1252",
    "utf-16-le": "UTF-16 LE",
    "utf-16-be": "UTF-16 BE",
}
_UTF16 = {b"\xff\xfe": "utf-16-le", b"\xfe\xff": "utf-16-be"}
_OLE = b"\xd0\xcf\x11\xe0"  # the old binary .xls (and .doc) format
_ZIP = b"PK\x03\x04"
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_CELL_REF = re.compile(r"([A-Z]{1,3})([0-9]+)")


@dataclass(frozen=True)
class Problem:
    """Something wrong with one row: a catalogue key and its parameters."""

    key: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class RawRow:
    line: int  # the row number a spreadsheet shows (CSV: the record, however many lines its cells span)
    cells: dict[str, str]  # column -> text as read (cleaned of control characters, stripped)
    problems: list[Problem] = field(default_factory=list)
    blocked: set[str] = field(default_factory=set)  # columns whose cell is refused already (a formula)


@dataclass
class Sheet:
    kind: str  # "csv" or "xlsx"
    columns: list[str]  # the columns found, in the file's order
    rows: list[RawRow]
    empty_rows: int = 0
    encoding: str | None = None  # CSV: "utf-8", "utf-8-sig" or "cp1252"
    delimiter: str | None = None
    sheet_name: str | None = None  # XLSX: the worksheet read (the first)


def heading(value: str) -> str | None:
    """The column a heading names, or None."""
    return _HEADING.get(" ".join(value.strip().rstrip("*:").split()).lower())


def read(path: Path) -> Sheet:
    """Read a results file; raises `Refusal` when the file as a whole cannot be used."""
    if not path.exists():
        raise Refusal("workshops.file_missing", path=str(path))
    if not path.is_file():
        raise Refusal("workshops.file_not_a_file", path=str(path))
    if path.stat().st_size > MAX_BYTES:
        raise Refusal("workshops.file_too_big", mb=MAX_BYTES // (1024 * 1024))
    return parse(path.read_bytes(), path.name)


def parse(data: bytes, name: str) -> Sheet:
    """Read a results file's bytes (`name` gives its ending): the command line's file and the one sent in the chat
    go through here alike; raises `Refusal` when the file as a whole cannot be used."""
    if len(data) > MAX_BYTES:
        raise Refusal("workshops.file_too_big", mb=MAX_BYTES // (1024 * 1024))
    suffix = Path(name).suffix.lower()
    if data.startswith(_OLE):
        raise Refusal("workshops.file_old_excel")
    if data.startswith(_ZIP):
        return _read_xlsx(data)
    if suffix in (".xlsx", ".xlsm"):
        raise Refusal("workshops.file_not_xlsx")
    if suffix not in ("", ".csv", ".txt", ".tsv"):
        raise Refusal("workshops.file_unsupported", suffix=suffix or "?")
    if data[:2] not in _UTF16 and b"\x00" in data[:4096]:
        if _utf16_without_bom(data[:4096]):
            raise Refusal("workshops.file_utf16_no_bom")
        raise Refusal("workshops.file_unsupported", suffix=suffix or "?")
    return _read_csv(data)


def _utf16_without_bom(head: bytes) -> bool:
    """Text in UTF-16 without a byte order mark: every other byte zero (Latin letters)."""
    even, odd = head[0::2], head[1::2]
    return len(head) >= 8 and (odd.count(0) >= len(odd) * 0.9 or even.count(0) >= len(even) * 0.9)


def _decode(data: bytes) -> tuple[str, str]:
    if data[:2] in _UTF16:
        encoding = _UTF16[data[:2]]
        try:
            return data[2:].decode(encoding), encoding
        except UnicodeDecodeError:
            raise Refusal("workshops.file_encoding_broken", encoding=ENCODINGS[encoding]) from None
    try:
        return data.decode("utf-8-sig"), "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        raise Refusal("workshops.file_encoding") from None


def _cell(value: str) -> str:
    return clean(value).strip()


def _header(cells: list[str]) -> list[str | None]:
    """The column of each heading cell; refuses a row that is no header, unknown headings and doubles."""
    named = [heading(c) if c.strip() else None for c in cells]
    filled = [c for c in cells if c.strip()]
    if not any(named):
        raise Refusal("workshops.file_no_header", known=", ".join(COLUMNS))
    unknown = [c.strip() for c, n in zip(cells, named, strict=True) if c.strip() and n is None]
    if unknown:
        raise Refusal(
            "workshops.file_unknown_columns", columns=", ".join(u[:40] for u in unknown), known=", ".join(COLUMNS)
        )
    seen = [n for n in named if n]
    doubles = sorted({n for n in seen if seen.count(n) > 1})
    if doubles:
        raise Refusal("workshops.file_double_columns", columns=", ".join(doubles))
    missing = [c for c in REQUIRED if c not in seen]
    if missing:
        raise Refusal("workshops.file_missing_columns", columns=", ".join(missing))
    assert filled
    return named


def _row(line: int, named: list[str | None], headings: list[str], values: list[str], formulas: set[int]) -> RawRow:
    """One data row; a formula (an XLSX formula cell, or any cell starting with =) is refused, never kept."""
    row = RawRow(line, {})
    for i, value in enumerate(values):
        column = named[i] if i < len(named) else None
        if column is None:
            if value or i in formulas:
                row.problems.append(Problem("workshops.row_no_heading", {"column": _letters(i + 1)}))
            continue
        if i in formulas or value.startswith("="):
            row.problems.append(Problem("workshops.row_formula", {"column": headings[i]}))
            row.blocked.add(column)
            continue
        row.cells[column] = value
    return row


def _pick_delimiter(first_line: str) -> str:
    """The delimiter that makes the most cells of the header row known headings (';' on a tie, as Excel writes)."""

    def score(d: str) -> tuple[int, int]:
        cells = next(csv.reader([first_line], delimiter=d), [])
        return sum(heading(c) is not None for c in cells), len(cells)

    return max(DELIMITERS, key=score)


def _read_csv(data: bytes) -> Sheet:
    text, encoding = _decode(data)
    lines = text.splitlines()
    first = next((ln for ln in lines if ln.strip()), None)
    if first is None:
        raise Refusal("workshops.file_empty")
    delimiter = _pick_delimiter(first)
    csv.field_size_limit(CSV_FIELD_LIMIT)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    named: list[str | None] | None = None
    headings: list[str] = []
    sheet = Sheet("csv", [], [], encoding=encoding, delimiter=delimiter)
    line = 0  # the spreadsheet's row: one per record, an empty line included, a line break inside a cell not
    try:
        for record in reader:
            values = [_cell(v) for v in record]
            line += 1
            if not any(values):
                if named is not None:
                    sheet.empty_rows += 1
                continue
            if named is None:
                named, headings = _header(values), values
                sheet.columns = [n for n in named if n]
                continue
            sheet.rows.append(_row(line, named, headings, values, set()))
            if len(sheet.rows) > MAX_ROWS:
                raise Refusal("workshops.file_too_many_rows", max=MAX_ROWS)
    except csv.Error as exc:
        raise Refusal("workshops.file_broken_csv", line=line + 1, reason=str(exc)) from None
    return sheet


def _xlsx_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return _cell(str(value))


def _merged(data: bytes, sheet_path: str) -> list[tuple[int, int, int, int]]:
    """The merged ranges of a worksheet as (first row, last row, first column, last column), from its XML
    (openpyxl's read-only mode does not report them)."""
    out: list[tuple[int, int, int, int]] = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read(sheet_path)
    if b"mergeCell" not in xml:  # the common case: no second pass over the sheet
        return out
    for _event, element in iterparse(io.BytesIO(xml)):
        if element.tag == f"{_MAIN}mergeCell":
            parts = [_CELL_REF.fullmatch(p) for p in element.get("ref", "").split(":")]
            if len(parts) == 2 and parts[0] and parts[1]:
                (c1, r1), (c2, r2) = parts[0].groups(), parts[1].groups()
                out.append((int(r1), int(r2), _column_number(c1), _column_number(c2)))
        elif element.tag == f"{_MAIN}row":
            element.clear()  # keep memory flat on a big sheet
    return out


def _column_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _read_xlsx(data: bytes) -> Sheet:
    import openpyxl  # imported here: the CSV path and the bot's start-up need none of it

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:  # a zip bomb is refused before anything is unpacked
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise Refusal("workshops.file_not_xlsx") from None
    if unpacked > MAX_UNPACKED:  # not "too big": the file itself may be small (a zip bomb is a few hundred KB)
        raise Refusal(
            "workshops.file_unpacks_too_big",
            kb=max(1, round(len(data) / 1024)),
            unpacked=round(unpacked / (1024 * 1024)),
            max=MAX_UNPACKED // (1024 * 1024),
        )
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # not a workbook: a .docx, a .zip, a damaged file
        raise Refusal("workshops.file_not_xlsx") from None
    try:
        ws = book.worksheets[0]
        if hasattr(ws, "reset_dimensions"):  # read-only sheets trust the file's <dimension>, which tools write wrong
            ws.reset_dimensions()
        sheet = Sheet("xlsx", [], [], sheet_name=ws.title)
        merges = _merged(data, getattr(ws, "_worksheet_path", "xl/worksheets/sheet1.xml"))
        named: list[str | None] | None = None
        headings: list[str] = []
        for line, cells in enumerate(ws.iter_rows(), start=1):
            values = [_xlsx_value(c.value) for c in cells]
            formulas = {i for i, c in enumerate(cells) if getattr(c, "data_type", None) == "f"}
            if not any(values):
                if named is not None:
                    sheet.empty_rows += 1
                continue
            if named is None:
                named, headings = _header(values), values
                sheet.columns = [n for n in named if n]
                continue
            row = _row(line, named, headings, values, formulas)
            for r1, r2, c1, c2 in merges:  # every row a merge covers: the value was meant for each of them
                if r1 <= line <= r2 and (r1, c1) != (r2, c2):
                    ref = f"{_letters(c1)}{r1}:{_letters(c2)}{r2}"
                    row.problems.append(Problem("workshops.row_merged", {"cells": ref}))
                    row.blocked |= {n for n in named[c1 - 1 : c2] if n}
            sheet.rows.append(row)
            if len(sheet.rows) > MAX_ROWS:
                raise Refusal("workshops.file_too_many_rows", max=MAX_ROWS)
        if named is None:
            raise Refusal("workshops.file_empty")
        return sheet
    except (KeyError, ValueError, zipfile.BadZipFile, OSError):
        raise Refusal("workshops.file_not_xlsx") from None
    finally:
        book.close()


def _letters(n: int) -> str:
    out = ""
    while n:
        n, rest = divmod(n - 1, 26)
        out = chr(65 + rest) + out
    return out
