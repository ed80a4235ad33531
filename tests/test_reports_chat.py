"""The project manager's /stats, /report, /export and /audit in the chat; everyone else is refused."""

import csv
import io
import zipfile

import pytest
from sqlalchemy import select

from handlers.reports import commands as reports
from models.tables import AuditEntry
from tests.announce_helpers import compose
from tests.conftest import MANAGER_ID
from tests.meeting_helpers import team_with_members

NOT_MANAGER = "Das darf nur das Projektmanagement."
DASEIN = "Aktions-Team Daseinsvorsorge"


async def exports_recorded(bot) -> list[dict]:
    async with bot.db.transaction() as s:
        rows = await s.execute(select(AuditEntry.details).where(AuditEntry.action == "export"))
        return list(rows.scalars())


async def test_manager_gets_the_numbers_with_stats(bot):
    await team_with_members(bot)
    manager = bot.manager()
    [answer] = await manager.send("/stats")
    assert answer.text.startswith("📊 Auswertung")
    lines = answer.text.split("\n")
    assert lines[2:5] == [
        "Mitglieder: 4",  # operational: exact counts for the manager (tests/test_stats_operational.py)
        "  nach Ort: Saalfeld 2, Bad Blankenburg 1, Rudolstadt 1",
        "  nach Gruppe: Bürger*in 4",
    ]
    assert "  Aktions-Team Daseinsvorsorge: 3 · 1 · Bad Blankenburg 1, Rudolstadt 1, Saalfeld 1" in lines


async def test_stats_does_not_count_a_called_off_announcement_as_sent(bot):
    await team_with_members(bot)
    manager = bot.manager()
    await compose(manager, DASEIN)
    await manager.press("Planen für")
    await manager.press("Do., 26. Nov. 2026, 08:00 Uhr")
    await manager.press("Ja, so planen")
    await manager.press("Planung aufheben")
    [answer] = await manager.send("/stats")
    assert "Ankündigungen: 0 gesendet, 0 geplant, 1 abgesagt; zugestellt 0," in answer.text


@pytest.mark.parametrize("command", ["/stats", "/report", "/export", "/audit"])
async def test_a_team_lead_is_refused(bot, command):
    _team, lead, _members = await team_with_members(bot)
    replies = await lead.send(command)
    assert [m.text for m in replies] == [NOT_MANAGER]


async def test_a_member_is_refused_the_export(bot):
    _team, _lead, [member, _] = await team_with_members(bot)
    replies = await member.send("/export")
    assert [m.text for m in replies] == [NOT_MANAGER]


async def test_a_forged_export_button_of_a_lead_sends_nothing_and_records_nothing(bot):
    _team, lead, _members = await team_with_members(bot)
    [teams] = await lead.send("/teams")
    replies = await lead.press_data("ex:1:f:members:csv", message=teams)
    assert lead.callback_answers[-1] == (NOT_MANAGER, True)
    assert [m for m in replies if m.kind == "document"] == []
    assert await exports_recorded(bot) == []


async def test_manager_exports_the_members_as_csv(bot):
    await team_with_members(bot)
    manager = bot.manager()
    await manager.send("/export")
    await manager.press("Mitglieder")
    replies = await manager.press("CSV")
    [done, doc] = replies
    assert done.text == "✅ Export „Mitglieder“ als CSV: 4 Zeilen."
    name, data, _mime = doc.document
    assert name.startswith("actionbot-members-") and name.endswith(".csv")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert sorted(r["display_name"] for r in rows) == ["Lea", "Maria", "Mitglied0", "Mitglied1"]
    assert (await exports_recorded(bot))[0]["what"] == "members"


async def test_manager_exports_everything_pseudonymised_as_a_zip_with_codebook(bot):
    await team_with_members(bot)
    manager = bot.manager()
    await manager.send("/export")
    await manager.press("Alles")
    replies = await manager.press("Pseudonymisiert (ZIP mit Codebuch)")
    [doc] = [m for m in replies if m.kind == "document"]
    with zipfile.ZipFile(io.BytesIO(doc.document[1])) as archive:
        names = set(archive.namelist())
        members = archive.read("members.csv").decode("utf-8-sig")
    assert {"codebook.md", "members.csv", "ideas.csv"} <= names
    assert "Mitglied0" not in members and "Lea" not in members
    [entry] = await exports_recorded(bot)
    assert (entry["what"], entry["format"], entry["pseudonymised"]) == ("all", "zip", True)


async def test_an_export_over_telegrams_upload_limit_is_refused_and_not_recorded(bot, monkeypatch):
    monkeypatch.setattr(reports, "UPLOAD_LIMIT", 10)
    await team_with_members(bot)
    manager = bot.manager()
    await manager.send("/export")
    await manager.press("Ideen")
    replies = await manager.press("Excel (XLSX)")
    assert manager.callback_answers[-1][0].startswith(
        "Die Datei wäre 0 MB groß; Telegram nimmt von Bots höchstens 50 MB"
    )
    assert [m for m in replies if m.kind == "document"] == []
    assert await exports_recorded(bot) == []


async def test_an_export_button_for_an_unknown_table_answers_politely(bot):
    await team_with_members(bot)
    manager = bot.manager()
    [menu] = await manager.send("/export")
    await manager.press_data("ex:1:w:passwords", message=menu)
    assert "nicht mehr aktuell" in manager.callback_answers[-1][0]


async def test_manager_gets_the_charts_as_one_album_and_the_html_report(bot):
    await team_with_members(bot)
    manager = bot.manager()
    replies = await manager.send("/report", timeout=60)  # a fresh matplotlib builds its font cache first
    assert [m.kind for m in replies] == ["text", "text", "photo", "photo", "photo", "photo", "document", "text"]
    pictures = [m for m in replies if m.kind == "photo"]
    assert len({m.media_group_id for m in pictures}) == 1 and pictures[0].media_group_id is not None
    assert [m.file_name for m in pictures] == [
        "mitglieder-nach-ort-und-gruppe.png",
        "ideen-nach-handlungsfeld-und-status.png",
        "anwesende-pro-monat.png",
        "absagegruende.png",
    ]
    assert [m.caption for m in pictures] == [
        "Mitglieder nach Ort und Gruppe",
        "Ideen nach Handlungsfeld und Status",
        "Anwesende pro Monat, nach Ort",
        "Absagegründe",
    ]
    assert all(m.photo is not None and m.photo.startswith(b"\x89PNG") for m in pictures)
    assert [m for m, _ in bot.fake.requests if m in ("sendMediaGroup", "sendPhoto")] == ["sendMediaGroup"]
    [(name, data, _mime)] = [m.document for m in replies if m.document is not None]
    assert name == "bericht.html" and b"data:image/png;base64," in data
    page = data.decode()
    teams = page.split("<h2>Teams</h2>")[1].split("</table>")[0]
    assert "<td>Aktions-Team Daseinsvorsorge</td>" in teams and "<td>Aktions-Team Fachkräfte</td>" in teams
    assert "daseinsvorsorge" not in teams and "fachkraefte" not in teams


async def test_an_english_manager_gets_english_file_names(bot):
    await team_with_members(bot)
    manager = bot.fake.users[MANAGER_ID]
    await manager.send("/language")
    await manager.press("English")
    replies = await manager.send("/report", timeout=60)
    names = [m.file_name for m in replies if m.kind in ("photo", "document")]
    assert names == [
        "members-by-town-and-group.png",
        "ideas-by-field-and-status.png",
        "present-per-month.png",
        "reasons-for-declining.png",
        "report.html",
    ]


async def test_audit_lists_the_newest_entries_with_the_export(bot):
    await team_with_members(bot)
    manager = bot.manager()
    await manager.send("/export")
    await manager.press("Teams")
    await manager.press("CSV")
    [log] = await manager.send("/audit")
    lines = log.text.split("\n")
    assert lines[0].startswith("🧾 Protokoll")
    assert "· Export · Maria – Teams als CSV, Zeilen: 3" in lines[1]  # names and words, not codes
    assert "Teamleitung ernannt · Maria – Lea · Aktions-Team Daseinsvorsorge" in lines[2]
    assert "P-" not in log.text and "make_lead" not in log.text and "what=" not in log.text


async def test_the_report_commands_are_in_the_managers_menu_only(bot):
    _team, lead, _members = await team_with_members(bot)
    manager = bot.manager()

    def menu(user) -> list[str]:
        return [c["command"] for c in bot.fake.commands_for({"type": "chat", "chat_id": user.user_id})]

    assert {"stats", "report", "export", "audit"} <= set(menu(manager))
    assert {"stats", "report", "export", "audit"} & set(menu(lead)) == set()
