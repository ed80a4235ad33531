"""Writers for exported tables: CSV, XLSX, JSON (array or lines), a ZIP of CSVs, and the codebook.

Every writer streams: it takes one chunk of rows at a time from `ExportTable.chunks()` and writes it out, so
memory stays flat however large the table. Guarantees: CSV is UTF-8 with a BOM (Excel shows umlauts) and
XLSX is streamed sheet by sheet (models/reports/xlsx.py); in both, a text cell starting with = + - @, tab or CR gets a
leading ' so a spreadsheet never runs it as a formula (formula injection). Times are shown in the project's
time zone (CSV/JSON as ISO 8601 with offset, XLSX as local date-times).
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from models import audit
from models.reports import xlsx
from models.reports.codebook import Vocabulary, codebook
from models.reports.exports import ExportTable, names_for, tables
from models.reports.stats import Scope, Viewer
from models.tables import Person

RISKY = ("=", "+", "-", "@", "\t", "\r")
FORMATS = ("csv", "xlsx", "json", "jsonl", "zip")
MEDIA_TYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
    "jsonl": "application/x-ndjson",
    "zip": "application/zip",
    "md": "text/markdown",
}
Progress = Callable[[int], None] | None


def neutralise(value: str) -> str:
    """Prefix ' to text a spreadsheet would read as a formula."""
    return "'" + value if value.startswith(RISKY) else value


def _csv_cell(value: Any, tz: ZoneInfo) -> Any:
    if value is None:
        return ""
    kind = type(value)
    if kind is str:
        return "'" + value if value.startswith(RISKY) else value
    if kind is bool:
        return "true" if value else "false"
    if kind is datetime:
        return value.astimezone(tz).isoformat(timespec="seconds")
    if kind is date:
        return value.isoformat()
    if kind is dict or kind is list:
        return neutralise(json.dumps(value, ensure_ascii=False, sort_keys=True))
    return value


def _json_cell(value: Any, tz: ZoneInfo) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(tz).isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _loose(table: ExportTable) -> list[int]:
    """Columns whose values may need converting: all but code columns (config keys: never risky, never times)."""
    return [i for i, c in enumerate(table.columns) if c.codes is None]


async def write_csv(table: ExportTable, out: IO[bytes], tz: ZoneInfo, progress: Progress = None) -> int:
    """One table as CSV (UTF-8 with BOM); returns the number of data rows. Encoded once per chunk, not per row."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(table.header)
    out.write("\ufeff".encode() + buf.getvalue().encode())
    loose, rows = _loose(table), 0
    async for chunk in table.chunks():
        buf.seek(0)
        buf.truncate()
        for row in chunk:
            cells = list(row)
            for i in loose:
                value = cells[i]
                if value is not None and type(value) is not int:
                    cells[i] = _csv_cell(value, tz)
            writer.writerow(cells)
        out.write(buf.getvalue().encode())
        rows += len(chunk)
        if progress:
            progress(rows)
    return rows


async def write_json(
    table: ExportTable, out: IO[bytes], tz: ZoneInfo, lines: bool = False, progress: Progress = None
) -> int:
    """One table as a JSON array of objects, or as JSON lines (one object per line)."""
    header, loose, rows = table.header, _loose(table), 0
    out.write(b"" if lines else b"[")
    async for chunk in table.chunks():
        texts = []
        for row in chunk:
            cells = list(row)
            for i in loose:
                if isinstance(cells[i], date):  # datetime too
                    cells[i] = _json_cell(cells[i], tz)
            texts.append(json.dumps(dict(zip(header, cells, strict=True)), ensure_ascii=False))
        if lines:
            out.write("".join(t + "\n" for t in texts).encode())
        elif texts:
            out.write(((",\n" if rows else "\n") + ",\n".join(texts)).encode())
        rows += len(chunk)
        if progress:
            progress(rows)
    out.write(b"" if lines else b"\n]\n")
    return rows


def _xlsx_value(value: Any, tz: ZoneInfo) -> Any:
    kind = type(value)
    if kind is str:
        return "'" + value if value.startswith(RISKY) else value
    if kind is datetime:
        return value.astimezone(tz)  # written as local time: Excel has no time zones
    if kind is dict or kind is list:
        return neutralise(json.dumps(value, ensure_ascii=False, sort_keys=True))
    return value


async def write_xlsx(tables: Sequence[ExportTable], out: IO[bytes], tz: ZoneInfo, progress: Progress = None) -> int:
    """One sheet per table, streamed (models/reports/xlsx.py says why not openpyxl)."""
    book = xlsx.Workbook(out, [t.name for t in tables])
    rows = 0
    for index, table in enumerate(tables, 1):
        loose = _loose(table)
        with book.sheet(index) as member:
            sheet = xlsx.Sheet(member, len(table.columns))
            sheet.header(table.header)
            async for chunk in table.chunks():
                converted = []
                for row in chunk:
                    cells = list(row)
                    for i in loose:
                        value = cells[i]
                        if value is not None and type(value) is not int:
                            cells[i] = _xlsx_value(value, tz)
                    converted.append(cells)
                sheet.rows(converted)
                rows += len(chunk)
                if progress:
                    progress(rows)
            sheet.close()
    book.close()
    return rows


def _shifted(progress: Progress, offset: int) -> Progress:
    """Progress of one table inside several: rows of the earlier tables count too."""
    if progress is None:
        return None
    report = progress
    return lambda n: report(offset + n)


async def write_zip(
    tables: Sequence[ExportTable],
    out: IO[bytes],
    tz: ZoneInfo,
    codebook: str | None = None,
    progress: Progress = None,
) -> int:
    """A ZIP with one CSV per table and, if given, `codebook.md`."""
    rows = 0
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for table in tables:
            with archive.open(f"{table.name}.csv", "w") as member:
                rows += await write_csv(table, member, tz, _shifted(progress, rows))
        if codebook is not None:
            archive.writestr("codebook.md", codebook)
    return rows


async def write(
    fmt: str,
    tables: Sequence[ExportTable],
    out: IO[bytes],
    tz: ZoneInfo,
    codebook: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Write `tables` in `fmt`; csv/json/jsonl take exactly one table (use zip or xlsx for several).

    `progress(done, total)` is called after every chunk, with rows written and rows expected.
    """
    total = sum(t.total for t in tables)
    report: Progress = (lambda n: progress(n, total)) if progress else None
    if fmt == "xlsx":
        return await write_xlsx(tables, out, tz, report)
    if fmt == "zip":
        return await write_zip(tables, out, tz, codebook, report)
    if len(tables) != 1:
        raise ValueError(f"{fmt} holds one table; use zip or xlsx for several")
    if fmt == "csv":
        return await write_csv(tables[0], out, tz, report)
    if fmt in ("json", "jsonl"):
        return await write_json(tables[0], out, tz, lines=fmt == "jsonl", progress=report)
    raise ValueError(f"unknown format {fmt!r}")


@dataclass
class ExportResult:
    fmt: str  # the format written (csv of several tables becomes zip)
    rows: int
    filename: str
    codebook: str | None  # for a pseudonymised csv/xlsx/json: hand it over beside the file


def plan(what: str, fmt: str) -> tuple[list[str], str]:
    """The tables of `what` and the format that holds them (several tables in CSV → a ZIP of CSVs)."""
    names = names_for(what)
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    if len(names) > 1 and fmt in ("json", "jsonl"):
        raise ValueError(f"{fmt} holds one table; choose a table, or xlsx or zip for all")
    return names, ("zip" if len(names) > 1 and fmt == "csv" else fmt)


def file_name(what: str, fmt: str, pseudonymised: bool, now: datetime, tz: ZoneInfo) -> str:
    suffix = "-pseudonymised" if pseudonymised else ""
    return f"actionbot-{what}{suffix}-{now.astimezone(tz).date().isoformat()}.{fmt}"


async def run_export(
    s: AsyncSession,
    viewer: Viewer,
    *,
    what: str,
    fmt: str,
    scope: Scope,
    pseudonymised: bool,
    out: IO[bytes],
    tz: ZoneInfo,
    vocabulary: Vocabulary,
    now: datetime,
    via: str,
    progress: Callable[[int, int], None] | None = None,
) -> ExportResult:
    """Write one export and record it in the audit log (same transaction), for the chat and the command line."""
    names, fmt = plan(what, fmt)
    chosen = await tables(s, viewer, names, scope, pseudonymised)
    book = codebook(chosen, vocabulary, now, scope, tz) if pseudonymised or fmt == "zip" else None
    rows = await write(fmt, chosen, out, tz, book, progress)
    await audit.record(
        s,
        viewer if isinstance(viewer, Person) else None,
        audit.EXPORT,
        now,
        what=what,
        format=fmt,
        pseudonymised=pseudonymised,
        rows=rows,
        since=scope.since.date().isoformat() if scope.since else None,
        team=scope.team_slug,
        via=via,
    )
    return ExportResult(fmt, rows, file_name(what, fmt, pseudonymised, now, tz), None if fmt == "zip" else book)
