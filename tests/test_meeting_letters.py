"""Printed invitations: 🖨 in the lead's meeting screen and `actionbot meeting letters ID --out FILE.pdf` make an A4
PDF with a letter for every invited member with a postal address (DIN 5008 form B: the address inside the window
45 mm from the top and 20 mm from the left, 85 × 45 mm; 14 pt type), and a notice for the notice board with a QR
code to the team's invitation link; only the team's lead or a project manager may print them."""

from __future__ import annotations

import io
import math
import shutil
import subprocess

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select, update

from models.errors import Refusal
from models.meetings import core as meetings
from models.meetings import letters as domain
from models.tables import AuditEntry, MemberContact
from tests.import_helpers import Project, actionbot
from tests.meeting_helpers import in_days, person_of, schedule, team_with_members
from tests.report_helpers import ROOT
from tests.test_meeting_mail import give_contact

MM = 72 / 25.4
PAGE_H = 297 * MM
ANNA_ADDRESS = "Blankenburger Straße 12\n07318 Saalfeld/Saale"
LINK = "https://t.me/{bot}?start=team-daseinsvorsorge"


def words(pdf: bytes, page: int) -> list[tuple[str, float, float, float]]:
    """Each text run of a page: (text, x in mm from the left, baseline in mm from the top, font size in pt)."""
    found: list[tuple[str, float, float, float]] = []

    def visit(text, cm, tm, font, size) -> None:
        if text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            scale = math.hypot(tm[0] * cm[0] + tm[1] * cm[2], tm[0] * cm[1] + tm[1] * cm[3])
            found.append((text.strip(), x / MM, (PAGE_H - y) / MM, size * scale))

    PdfReader(io.BytesIO(pdf)).pages[page].extract_text(visitor_text=visit)
    return found


def page_count(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def in_window(x: float, top: float) -> bool:
    """A baseline inside DIN 5008 form B's address field (a line's letters reach ~4 mm above it)."""
    return 20 <= x <= 105 and 45 + 4 <= top <= 90


async def planned(bot, agenda="Bürgerbus am Abend"):
    """Lea's team: Anna with a postal address, Ben without; Lea gives her phone for the answers."""
    team, lea, (anna, ben) = await team_with_members(bot)
    await give_contact(bot, lea, phone="03671 123456", email="lea.lead@example.org")
    await give_contact(bot, anna, postal=ANNA_ADDRESS)
    await give_contact(bot, ben, phone="0172 555")  # a phone, no address: no letter
    meeting = await schedule(bot, lea, team, in_days(bot, 3), agenda=agenda)
    return team, lea, anna, ben, meeting


async def letters_pdf(lea) -> bytes:
    await lea.send("/meetings")
    await lea.press("🖨 Briefe & Aushang")
    doc = lea.last_message()
    assert doc.document is not None
    return doc.document[1]


async def test_the_lead_prints_a_letter_with_the_address_in_the_window_and_large_type(bot):
    team, lea, anna, ben, meeting = await planned(bot)
    await lea.send("/meetings")
    await lea.press("🖨 Briefe & Aushang")
    doc = lea.last_message()
    assert doc.document[0] == f"briefe-treffen-{meeting.id}.pdf"
    assert (doc.caption or "").startswith("🖨 1 Brief für Mitglieder mit Postanschrift und ein Aushang mit QR-Code")
    pdf = doc.document[1]
    assert pdf.startswith(b"%PDF") and b"/MediaBox [ 0 0 595.2756 841.8898 ]" in pdf  # A4
    assert page_count(pdf) == 2  # Anna's letter and the notice (Ben has no address, Lea is the sender)
    runs = words(pdf, 0)
    text = {w for w, *_ in runs}
    address = [r for r in runs if r[0] in ("Mitglied0", "Blankenburger Straße 12", "07318 Saalfeld/Saale")]
    assert [r[0] for r in address] == ["Mitglied0", "Blankenburger Straße 12", "07318 Saalfeld/Saale"]
    for word, x, top, size in address:
        assert in_window(x, top) and size >= 14, (word, x, top, size)
    [sender] = [r for r in runs if "·" in r[0] and r[2] < 90]
    assert in_window(sender[1], sender[2] + 4) and sender[2] < address[0][2]  # the sender line above the address
    assert "Lea" in sender[0]
    # the date, the place, the agenda, the time and the lead's contact; every word of the letter in 14 pt or more
    assert {"Datum: 25. November 2026", "Einladung: Werkstatt Mobilität", "Telefon: 03671 123456"} <= text
    assert "Markt 1, Saalfeld" in text and "Bürgerbus am Abend" in text and "Lea" in text
    assert any(w.startswith("Samstag, 28. November 2026, 18:00 Uhr") for w in text)
    info = [r for r in runs if r[0] == "Telefon: 03671 123456"]
    assert round(info[0][1]) == 125 and 50 <= info[0][2] <= 98  # the information block right of the window
    body = [r for r in runs if r is not sender and r[2] < 280]  # the footer aside
    assert len(body) > 15 and min(size for *_, size in body) >= 14, sorted(body, key=lambda r: r[3])[:3]
    # the notice: the meeting in large type and the QR code to the team's link
    notice = words(pdf, 1)
    notice_text = " ".join(w for w, *_ in notice)
    assert "Aushang · Aktions-Team Daseinsvorsorge" in notice_text and "Treffen: Werkstatt Mobilität" in notice_text
    link = LINK.format(bot=bot.app.bot.username)
    assert link in notice_text
    assert "03671" not in notice_text  # hung in public: the lead's name and the project's contact, not her phone
    assert min(size for w, _, top, size in notice if top < 280) >= 14


@pytest.mark.skipif(shutil.which("pdftoppm") is None or shutil.which("zbarimg") is None, reason="poppler, zbar")
async def test_the_notice_qr_code_scans_to_the_teams_invitation_link(bot, tmp_path):
    *_, lea, anna, ben, meeting = await planned(bot)
    pdf = await letters_pdf(lea)
    (tmp_path / "briefe.pdf").write_bytes(pdf)
    assert scan_notice(tmp_path / "briefe.pdf") == LINK.format(bot=bot.app.bot.username)


def scan_notice(path) -> str:
    """The notice page (the last) as the phone's camera sees it on paper: rendered at 150 dpi, then decoded."""
    pages = page_count(path.read_bytes())
    png = path.with_name("aushang")
    subprocess.run(["pdftoppm", "-png", "-r", "150", "-f", str(pages), "-l", str(pages), "-singlefile", str(path),
                    str(png)], check=True)  # fmt: skip
    scanned = subprocess.run(["zbarimg", "--quiet", "--raw", f"{png}.png"], capture_output=True, text=True, check=True)
    return scanned.stdout.strip()


def test_the_qr_drawing_is_exactly_the_links_code():
    """Without a decoder at hand: the drawing has one square per dark module of the link's own QR code."""
    import segno

    from handlers.handout import _qr

    link = LINK.format(bot="saalebogen_bot")
    drawing = _qr(link, 100)
    assert len(drawing.contents) == sum(sum(1 for v in row if v) for row in segno.make(link, error="m").matrix)


async def test_each_letter_is_in_its_readers_language_and_long_addresses_keep_street_and_town(bot):
    from models.tables import Person

    team, lea, anna, ben, meeting = await planned(bot)
    ben_id = (await person_of(bot, ben)).id
    async with bot.db.transaction() as s:
        await s.execute(
            update(MemberContact)
            .where(MemberContact.person_id == ben_id)
            .values(postal_address="c/o Familie Roth\nHaus B\n\n2. Stock\nAm Markt 3\n07407 Rudolstadt")
        )
        await s.execute(update(Person).where(Person.id == ben_id).values(language="en"))
    pdf = await letters_pdf(lea)
    assert page_count(pdf) == 3
    ben_page = words(pdf, 1)  # by name: Mitglied0 (Anna), then Mitglied1 (Ben)
    text = [w for w, *_ in ben_page]
    assert "Invitation: Werkstatt Mobilität" in text and "Hello Mitglied1," in text
    window = [w for w, x, top, _ in ben_page if in_window(x, top) and "·" not in w]
    assert window == ["Mitglied1", "c/o Familie Roth, Haus B", "2. Stock", "Am Markt 3", "07407 Rudolstadt"]


async def test_a_long_agenda_continues_on_a_second_page_and_the_notice_stays_one(bot):
    agenda = "Wer fährt den Bürgerbus, wer plant die Strecke, was kostet es? " * 22
    team, lea, anna, ben, meeting = await planned(bot, agenda=agenda.strip())
    pdf = await letters_pdf(lea)
    assert page_count(pdf) == 3  # the letter on two pages, the notice on one
    assert any(w == "Mit freundlichen Grüßen" for w, *_ in words(pdf, 1))
    assert "Aushang" in " ".join(w for w, *_ in words(pdf, 2))


async def test_nobody_with_an_address_gives_the_notice_alone(bot):
    team, lea, (anna, _) = await team_with_members(bot)
    await schedule(bot, lea, team, in_days(bot, 3))
    await lea.send("/meetings")
    await lea.press("🖨 Briefe & Aushang")
    doc = lea.last_message()
    assert (doc.caption or "").startswith("🖨 Niemand im Team hat eine Postanschrift hinterlegt")
    assert page_count(doc.document[1]) == 1


async def test_a_member_is_refused_and_the_manager_may(bot):
    team, lea, anna, ben, meeting = await planned(bot)
    await anna.send("/meetings")
    assert "🖨 Briefe & Aushang" not in anna.last_message().button_texts()
    await anna.press_data(f"lt:1:{meeting.id}")
    assert anna.callback_answers[-1] == ("Treffen planen kann nur die Teamleitung (oder das Projektmanagement).", True)
    assert not any(m.document for m in anna.messages)
    async with bot.db.transaction() as s:
        with pytest.raises(Refusal) as refused:
            await domain.letters(s, await person_of(bot, anna), meeting.id, bot.clock.now())
        assert refused.value.key == "meetings.not_lead"
    manager = bot.manager()  # registered by team_with_members
    async with bot.db.transaction() as s:
        found = await domain.letters(s, await person_of(bot, manager), meeting.id, bot.clock.now())
    assert [r.address for r in found.recipients] == [("Blankenburger Straße 12", "07318 Saalfeld/Saale")]
    assert found.host.name == "Lea" and found.host.phone == "03671 123456"
    async with bot.db.transaction() as s:
        audited = (await s.execute(select(func.count()).where(AuditEntry.action == "meeting_letters"))).scalar_one()
    assert audited == 1  # the manager's print; the refused ones wrote nothing


async def test_a_cancelled_meeting_has_no_letters(bot):
    team, lea, anna, ben, meeting = await planned(bot)
    async with bot.db.transaction() as s:
        await meetings.cancel_meeting(s, await person_of(bot, lea), meeting.id, bot.clock.now())
    await lea.press_data(f"lt:1:{meeting.id}")
    assert lea.callback_answers[-1] == ("Dieses Treffen wurde abgesagt.", True)


@pytest.fixture
def project(bot, tmp_path) -> Project:
    text = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    path = tmp_path / "config.toml"
    path.write_text(text.replace('url = "sqlite+aiosqlite:///actionbot.db"', f'url = "{bot.db.url}"'), encoding="utf-8")
    return Project(path, bot.db, tmp_path)


async def test_the_command_line_writes_the_letters(bot, project, capsys, tmp_path):
    team, lea, anna, ben, meeting = await planned(bot)
    await give_contact(bot, bot.manager(), postal="Am Hof 1\n07422 Bad Blankenburg")  # not invited: no letter
    lea_id = (await person_of(bot, lea)).id
    async with bot.db.transaction() as s:  # Lea signs the letters: none to herself
        await s.execute(update(MemberContact).where(MemberContact.person_id == lea_id).values(postal_address="Weg 2"))
    out = tmp_path / "briefe.pdf"
    args = ("meeting", "letters", str(meeting.id), "--out", str(out), "--bot", "saalebogen_bot")
    code, said, err = await actionbot(project, capsys, *args)
    assert (code, err) == (0, ""), err
    assert said.strip() == f"Briefe geschrieben: {out} (1 Brief und ein Aushang, 2 Seiten)"
    pdf = out.read_bytes()
    assert [w for w, x, top, _ in words(pdf, 0) if in_window(x, top) and "·" not in w] == [
        "Mitglied0",
        "Blankenburger Straße 12",
        "07318 Saalfeld/Saale",
    ]
    assert LINK.format(bot="saalebogen_bot") in " ".join(w for w, *_ in words(pdf, 1))


async def test_the_command_line_refuses_with_exit_code_2(bot, project, capsys, tmp_path):
    team, lea, anna, ben, meeting = await planned(bot)
    out = str(tmp_path / "x.pdf")
    code, _, err = await actionbot(project, capsys, "meeting", "letters", "999", "--out", out, "--bot", "b")
    assert code == 2 and err.strip() == "actionbot: Dieses Treffen gibt es nicht (mehr)."
    code, _, err = await actionbot(project, capsys, "meeting", "letters", "sieben", "--out", out, "--bot", "b")
    assert code == 2 and "„sieben“ ist keine Nummer eines Treffens." in err
    bad = tmp_path / "fehlt" / "x.pdf"
    args = ("meeting", "letters", str(meeting.id), "--out", str(bad), "--bot", "b")
    code, _, err = await actionbot(project, capsys, *args)
    assert code == 2 and f"Die Datei {bad} lässt sich nicht schreiben" in err
    async with bot.db.transaction() as s:
        await meetings.cancel_meeting(s, await person_of(bot, lea), meeting.id, bot.clock.now())
    code, _, err = await actionbot(project, capsys, "meeting", "letters", str(meeting.id), "--out", out, "--bot", "b")
    assert code == 2 and "Dieses Treffen wurde abgesagt." in err
    assert not (tmp_path / "x.pdf").exists()
    with pytest.raises(SystemExit) as usage:
        await actionbot(project, capsys, "meeting", "letters", str(meeting.id))  # --out is required
    assert usage.value.code == 2

