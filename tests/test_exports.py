"""Exports open with the standard readers, hold what the database holds, and are safe to open in a spreadsheet."""

import csv
import io
import json
import zipfile
from datetime import datetime

import openpyxl
import pytest
from sqlalchemy import select

from models.reports import exports, formats, stats
from models.tables import AuditEntry, Idea
from tests.report_helpers import AFTER, IDEA_FORMULA, config, secrets, seed

CFG = config()
TZ = CFG.time_zone


@pytest.fixture
async def seeded(db):
    return await seed(db, config(db.url))


def vocabulary():
    from handlers.reports.views import vocabulary as make

    return make(CFG, "de")


async def export(db, what, fmt, pseudonymised=False, scope=None):
    buf = io.BytesIO()
    async with db.transaction() as s:
        result = await formats.run_export(
            s,
            stats.OPERATOR,
            what=what,
            fmt=fmt,
            scope=scope or stats.Scope(),
            pseudonymised=pseudonymised,
            out=buf,
            tz=TZ,
            vocabulary=vocabulary(),
            now=AFTER,
            via="test",
        )
    return buf.getvalue(), result


def read_csv(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


async def test_ideas_csv_holds_every_idea_with_its_supports_and_newest_answer(db, seeded):
    data, result = await export(db, "ideas", "csv")
    rows = {int(r["idea_id"]): r for r in read_csv(data)}
    async with db.transaction() as s:
        ids = set((await s.execute(select(Idea.id))).scalars())
    assert set(rows) == ids and result.rows == 4
    buses = rows[seeded.idea["buses"]]
    assert (buses["supports"], buses["status"], buses["last_answer_status"]) == ("3", "accepted", "accepted")
    assert (buses["towns"], buses["author"], buses["team"]) == (
        "rudolstadt;saalfeld",
        "Anneliese Quast",
        "daseinsvorsorge",
    )


async def test_csv_starts_with_a_bom_so_excel_reads_umlauts(db, seeded):
    data, _ = await export(db, "ideas", "csv")
    assert data.startswith(b"\xef\xbb\xbf")
    assert "Fachkräfte-Börse" in data.decode("utf-8-sig")


async def test_csv_cells_starting_with_formula_characters_are_neutralised(db, seeded):
    data, _ = await export(db, "ideas", "csv")
    texts = {r["idea_id"]: r["text"] for r in read_csv(data)}
    assert texts[str(seeded.idea["buses"])] == "'" + IDEA_FORMULA
    assert texts[str(seeded.idea["fair"])].startswith("'@Rathaus")
    assert texts[str(seeded.idea["vacancy"])].startswith("'-5 Prozent")
    assert texts[str(seeded.idea["card"])].startswith("'+ Ehrenamtskarte")


async def test_a_display_name_starting_with_equals_is_neutralised_in_the_members_csv(db, seeded):
    data, _ = await export(db, "members", "csv")
    names = [r["display_name"] for r in read_csv(data)]
    assert "'=Carla Formel" in names and "=Carla Formel" not in names


@pytest.mark.parametrize("raw", ["=1+2", "+49 151", "-3", "@cmd", "\tx", "\rx"])
def test_neutralise_prefixes_every_risky_start(raw):
    assert formats.neutralise(raw) == "'" + raw


def test_neutralise_leaves_ordinary_text_alone():
    assert formats.neutralise("Mehr Busse = besser") == "Mehr Busse = besser"


async def test_xlsx_opens_with_openpyxl_and_holds_the_ideas_as_text_not_formulas(db, seeded):
    data, _ = await export(db, "ideas", "xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(data))["ideas"]
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    by_id = {r[0]: dict(zip(header, r, strict=True)) for r in rows[1:]}
    buses = by_id[seeded.idea["buses"]]
    assert buses["text"] == "'" + IDEA_FORMULA
    assert buses["supports"] == 3
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row]
    assert all(c.data_type != "f" for c in cells)


async def test_xlsx_times_are_local_date_times(db, seeded):
    data, _ = await export(db, "meetings", "xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(data))["meetings"]
    header = [c.value for c in sheet[1]]
    starts = {row[0]: row[header.index("starts_at")] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert starts[seeded.meeting["held"]] == datetime(2026, 11, 26, 10, 0)


async def test_xlsx_of_everything_has_one_sheet_per_table(db, seeded):
    data, result = await export(db, "all", "xlsx")
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == list(exports.TABLES)
    assert book["members"].max_row == 1 + 7
    assert result.fmt == "xlsx"


async def test_json_array_and_json_lines_hold_the_same_rows(db, seeded):
    array, _ = await export(db, "meetings", "json")
    lines, _ = await export(db, "meetings", "jsonl")
    parsed = json.loads(array)
    assert parsed == [json.loads(line) for line in lines.decode().splitlines()]
    held = next(m for m in parsed if m["meeting_id"] == seeded.meeting["held"])
    assert (held["invited"], held["yes"], held["no"], held["attended"], held["guests"]) == (5, 3, 2, 2, 3)
    assert held["starts_at"] == "2026-11-26T10:00:00+01:00"


async def test_the_managers_meeting_table_shows_the_surveys_response_exactly_the_pseudonymised_one_does_not(
    db, seeded
):
    from models.tables import Outbox, Person, SurveyAnswer

    meeting = seeded.meeting["held"]
    async with db.transaction() as s:
        [first, second] = (await s.execute(select(Person).order_by(Person.id).limit(2))).scalars()
        for who, status in ((first, "sent"), (second, "sent"), (first, "cancelled")):  # a cancelled try: not asked
            s.add(Outbox(kind="survey", chat_id=who.telegram_id, person_id=who.id, meeting_id=meeting, status=status,
                         due_at=AFTER, created_at=AFTER, payload={}))
        s.add(SurveyAnswer(meeting_id=meeting, person_id=first.id, usefulness=4, factors=[], obstacles=[],
                           created_at=AFTER, updated_at=AFTER))
    held = next(m for m in json.loads((await export(db, "meetings", "json"))[0]) if m["meeting_id"] == meeting)
    assert (held["surveyed"], held["survey_answers"]) == (2, 1)  # "1 von 2 Befragten", exact below 5
    pseudo = json.loads((await export(db, "meetings", "json", pseudonymised=True))[0])
    assert "surveyed" not in pseudo[0] and "survey_answers" not in pseudo[0]


async def test_absence_reasons_are_counted_per_team_month_and_reason(db, seeded):
    data, _ = await export(db, "absence_reasons", "csv")
    assert [(r["team"], r["month"], r["reason"], r["declined"]) for r in read_csv(data)] == [
        ("daseinsvorsorge", "2026-11", "none", "1"),
        ("daseinsvorsorge", "2026-11", "travel", "1"),
    ]


async def test_announcements_carry_their_delivery_figures(db, seeded):
    data, _ = await export(db, "announcements", "csv")
    [row] = read_csv(data)
    assert (row["recipients"], row["delivered"], row["unreachable"], row["failed"], row["open"]) == (
        "6",
        "1",
        "1",
        "1",
        "3",
    )


async def test_team_filter_exports_only_that_teams_ideas(db, seeded):
    async with db.transaction() as s:
        scope = await stats.resolve_scope(s, None, "fachkraefte")
    data, _ = await export(db, "ideas", "csv", scope=scope)
    assert [int(r["idea_id"]) for r in read_csv(data)] == [seeded.idea["fair"]]


async def test_rows_are_read_in_chunks(db, seeded, monkeypatch):
    monkeypatch.setattr(exports, "CHUNK", 3)
    async with db.transaction() as s:
        table = await exports.table(s, stats.OPERATOR, "ideas", stats.Scope())
        sizes = [len(chunk) async for chunk in table.chunks()]
    assert sizes == [3, 1]


async def test_every_export_is_recorded_in_the_audit_log(db, seeded):
    await export(db, "ideas", "zip", pseudonymised=True)
    async with db.transaction() as s:
        entry = (await s.execute(select(AuditEntry).where(AuditEntry.action == "export"))).scalar_one()
    assert entry.details["what"] == "ideas"
    assert (entry.details["format"], entry.details["pseudonymised"], entry.details["rows"]) == ("zip", True, 2)


async def pseudonymised_zip(db) -> dict[str, bytes]:
    data, _ = await export(db, "all", "zip", pseudonymised=True)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


async def test_pseudonymised_export_holds_no_name_and_no_telegram_id_in_any_cell(db, seeded):
    files = await pseudonymised_zip(db)
    cells = [
        cell
        for name, data in files.items()
        if name.endswith(".csv")
        for row in csv.reader(io.StringIO(data.decode("utf-8-sig")))
        for cell in row
    ]
    assert len(cells) > 100
    cells.append(files["codebook.md"].decode())
    leaks = {(secret, cell) for cell in cells for secret in secrets() if secret in cell}
    assert leaks == set()


async def test_pseudonymised_export_lists_only_people_who_agreed(db, seeded):
    files = await pseudonymised_zip(db)
    members = {r["person"] for r in read_csv(files["members.csv"])}
    answered = {r["person"] for r in read_csv(files["rsvps_attendance.csv"])}
    agreed = {seeded.pseudonym[k] for k in ("manager", "lead", "anneliese", "dora")}
    assert members == agreed
    assert answered == {seeded.pseudonym[k] for k in ("lead", "anneliese", "dora")}


async def test_pseudonymised_ideas_leave_out_people_who_did_not_agree_but_keep_the_idea_text(db, seeded):
    files = await pseudonymised_zip(db)
    rows = read_csv(files["ideas.csv"])
    assert sorted(int(r["idea_id"]) for r in rows) == sorted([seeded.idea["buses"], seeded.idea["fair"]])
    assert {r["author_person"] for r in rows} == {seeded.pseudonym["anneliese"]}
    assert "Mehr Busse am Abend" in rows[0]["text"]


async def test_codebook_explains_every_column_and_the_codes(db, seeded):
    files = await pseudonymised_zip(db)
    book = files["codebook.md"].decode()
    for name, data in files.items():
        if name.endswith(".csv"):
            header = next(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
            assert all(f"| `{column}` |" in book for column in header), name
    assert "| `bad_blankenburg` | Bad Blankenburg |" in book
    assert "| `travel` | Anfahrt |" in book
    assert "| `accepted` | angenommen |" in book


def test_the_xlsx_writer_escapes_markup_drops_control_characters_and_keeps_types():
    from datetime import date

    from models.reports import xlsx

    buf = io.BytesIO()
    book = xlsx.Workbook(buf, ["t"])
    with book.sheet(1) as member:
        sheet = xlsx.Sheet(member, 7)
        sheet.header(["a", "b", "c", "d", "e", "f", "g"])
        sheet.rows([["x<y & z>", "bell\x07", None, 3, True, datetime(2026, 11, 26, 10, 30), date(2026, 11, 26)]])
        sheet.close()
    book.close()
    [row] = openpyxl.load_workbook(io.BytesIO(buf.getvalue()))["t"].iter_rows(min_row=2, values_only=True)
    assert row == ("x<y & z>", "bell", None, 3, True, datetime(2026, 11, 26, 10, 30), datetime(2026, 11, 26))
