"""Participants hear back: a workshop's handout (`actionbot workshop handout KEY --out FILE.pdf` and 📄 in
/workshop) lists each imported idea with team, status, the project's answer and the towns' answers and a QR code
to `t.me/<bot>?start=idea-<n>`; opening that link follows the idea (newcomers register first)."""

from __future__ import annotations

import re
import subprocess
from datetime import timedelta

import pytest
from sqlalchemy import select

from handlers import handout
from models.ideas import handout as domain
from models.tables import IdeaAnswer, IdeaFollower, IdeaRoute
from tests.conftest import START
from tests.import_helpers import KEY, Project, actionbot, import_file, make_project
from tests.test_workshop_import_chat import GOOD, HEADER, ask_for_file

BUSES = "Mehr Busse am Abend zwischen Saalfeld und Rudolstadt"


def pdf_text(path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True).stdout


def word_heights(path) -> list[tuple[str, float]]:
    """Every word of the page above the footer with its height in points (pdftotext's word boxes)."""
    boxes = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, check=True, text=True).stdout
    return [
        (word, float(y2) - float(y1))
        for y1, y2, word in re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]+)</word>', boxes)
        if float(y1) < 800  # the footer (project, page number) is smaller
    ]


def rendered(path, folder) -> int:
    """The first page rendered as a PNG (as the organiser's printer would see it): its size in bytes."""
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(path), str(folder / "seite")], check=True)
    return (folder / "seite-1.png").stat().st_size


async def answered(db, now) -> None:
    """Idea #1 forwarded to Saalfeld (taken) and Rudolstadt (declined), with the project's answer."""
    async with db.transaction() as s:
        answer = IdeaAnswer(idea_id=1, status="forwarded", text="Geht an die Städte.", created_at=now, published_at=now)
        s.add(answer)
        await s.flush()
        s.add(
            IdeaRoute(
                idea_id=1,
                answer_id=answer.id,
                town="saalfeld",
                status="taken",
                forwarded_at=now,
                deadline_at=now + timedelta(days=14),
                answered_at=now,
                obstacles=[],
            )
        )
        s.add(
            IdeaRoute(
                idea_id=1,
                answer_id=answer.id,
                town="rudolstadt",
                status="declined",
                forwarded_at=now,
                deadline_at=now + timedelta(days=14),
                answered_at=now,
                obstacles=["unclear_responsibility"],
                text="Dafür ist der Landkreis zuständig.",
            )
        )


@pytest.fixture
async def project(db, tmp_path) -> Project:
    return await make_project(db, tmp_path)


async def test_the_command_line_writes_an_a4_handout_with_answers_and_qr_codes(project, capsys, tmp_path):
    rows = [
        [BUSES, "Daseinsvorsorge", "Saalfeld, Rudolstadt", "daseinsvorsorge"],
        ["Ein Ärztehaus für Bad Blankenburg, gemeinsam geplant", "Daseinsvorsorge", "Bad Blankenburg", ""],
    ]
    assert (await import_file(project, capsys, project.csv(rows)))[0] == 0
    await answered(project.db, START)
    out = tmp_path / "handzettel.pdf"
    code, said, err = await actionbot(
        project, capsys, "workshop", "handout", KEY, "--out", str(out), "--bot", "saalebogen_bot"
    )
    assert (code, err) == (0, ""), err
    assert said.strip() == f"Handzettel geschrieben: {out} (2 Ideen, 1 Seite)"
    data = out.read_bytes()
    assert data.startswith(b"%PDF") and b"/MediaBox [ 0 0 595.2756 841.8898 ]" in data  # A4
    text = " ".join(pdf_text(out).split())
    assert "Was aus euren Ideen wurde" in text and "Demografie-Werkstatt Saalfeld am Sa., 14. März 2026" in text
    assert "#1 · " + BUSES in text
    assert "Team: Aktions-Team Daseinsvorsorge · Stand: eingereicht" in text
    assert "Antwort des Projekts: Geht an die Städte." in text
    assert "Saalfeld: ✅ übernimmt die Idee." not in text  # emoji the font lacks are dropped, not boxes
    assert "Saalfeld: übernimmt die Idee." in text
    assert "Rudolstadt: lehnt ab. Gründe: Unklare Zuständigkeit." in text and "Landkreis zuständig" in text
    assert "Team: noch keins · Stand: eingereicht" in text and "Noch keiner Stadtverwaltung vorgelegt." in text
    assert "https://t.me/saalebogen_bot?start=idea-1" in text and "https://t.me/saalebogen_bot?start=idea-2" in text
    # large type: every word of the page at least 12 pt high (pdftotext's word boxes), the footer aside
    words = word_heights(out)
    assert len(words) > 80 and min(h for _, h in words) >= 12, sorted(words, key=lambda wh: wh[1])[:3]
    assert rendered(out, tmp_path) > 10_000


def test_the_qr_code_holds_the_ideas_link():
    import segno

    drawing = handout._qr(handout.link("saalebogen_bot", 7), 100)
    code = segno.make("https://t.me/saalebogen_bot?start=idea-7", error="m", micro=False)
    dark = sum(sum(1 for v in row if v) for row in code.matrix)
    assert len(drawing.contents) == dark  # one square per dark module of exactly that link's code


async def test_unknown_workshop_and_unwritable_file_are_refused(project, capsys, tmp_path):
    code, _, err = await actionbot(project, capsys, "workshop", "handout", "nirgends", "--out", "x.pdf", "--bot", "b")
    assert code == 2 and "Eine Werkstatt mit dem Schlüssel „nirgends“ gibt es nicht." in err
    bad = tmp_path / "fehlt" / "x.pdf"
    code, _, err = await actionbot(project, capsys, "workshop", "handout", KEY, "--out", str(bad), "--bot", "b")
    assert code == 2 and f"Die Datei {bad} lässt sich nicht schreiben" in err


async def test_the_button_in_workshop_sends_the_handout_and_its_link_follows_the_idea(bot):
    maria = await ask_for_file(bot)
    [preview] = await maria.send_document((HEADER + GOOD).encode("utf-8"), "ergebnisse.csv")
    await maria.press("📥 3 Ideen importieren", message=preview)
    await maria.press("📄 Handzettel")
    doc = maria.last_message()
    assert doc.document is not None and doc.document[0] == "handzettel-saalfeld-2026.pdf"
    assert (doc.caption or "").startswith("📄 Handzettel „Demografie-Werkstatt Saalfeld“: 3 Ideen mit QR-Codes")
    pdf = doc.document[1]
    assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type /Page\b(?!s)", pdf)) == 1

    # a newcomer scans the code of idea #2: registration first, then the follow
    ben = bot.user("Ben")
    [intro] = await ben.send("/start idea-2")
    assert intro.text.startswith("Nach der Anmeldung folgst du der Idee #2 aus dem Handzettel.")
    await ben.press("Einverstanden")
    await ben.press("Ja")
    await ben.press("Bürger*in")
    await ben.press("Rudolstadt")
    texts = [m.text for m in ben.messages]
    assert any(t.startswith("🔔 Du folgst jetzt der Idee #2: „Ein Ärztehaus für Bad Blankenburg") for t in texts)
    # a registered member scans it again, and another one
    [again] = await ben.send("/start idea-2")
    assert again.text.startswith("🔔 Du folgst der Idee #2 schon")
    [third] = await ben.send("/start idea-3")
    assert third.text.startswith("🔔 Du folgst jetzt der Idee #3")
    [missing] = await ben.send("/start idea-99")
    assert missing.text == "Die Idee #99 aus einer Werkstatt gibt es nicht (mehr)."
    async with bot.db.transaction() as s:
        follows = sorted((await s.execute(select(IdeaFollower.idea_id))).scalars())
    assert follows == [2, 3]


async def test_a_typed_idea_cannot_be_followed_by_guessing_its_number(bot):
    from tests.test_ideas import join_team

    anna = await bot.register(bot.user("Anna"))
    await join_team(anna)
    await anna.send("/idea")
    await anna.send("Ein Jugendtreff im alten Bahnhof")
    await anna.press("Daseinsvorsorge")
    await anna.press("Saalfeld")
    await anna.press("Weiter")
    await anna.press("Aktions-Team Daseinsvorsorge")
    await anna.press("Einreichen")
    ben = await bot.register(bot.user("Ben", user_id=4242))
    [refused] = await ben.send("/start idea-1")
    assert refused.text == "Die Idee #1 aus einer Werkstatt gibt es nicht (mehr)."
    assert domain.idea_of_link("idea-x") is None and domain.idea_of_link("idea-12") == 12


async def test_a_link_opened_while_registering_is_followed_once_registration_ends(bot):
    maria = await ask_for_file(bot)
    [preview] = await maria.send_document((HEADER + GOOD).encode("utf-8"), "ergebnisse.csv")
    await maria.press("📥 3 Ideen importieren", message=preview)
    carla = bot.user("Carla", user_id=4343)
    await carla.send("/start")
    await carla.press("Einverstanden")
    await carla.send("/start idea-1")  # half registered: the follow waits for the end
    async with bot.db.transaction() as s:
        assert (await s.execute(select(IdeaFollower))).first() is None
    await carla.press("Nein")
    await carla.press("Unternehmer*in")
    await carla.press("Saalfeld")
    assert any(m.text.startswith("🔔 Du folgst jetzt der Idee #1") for m in carla.messages)
    async with bot.db.transaction() as s:
        assert list((await s.execute(select(IdeaFollower.idea_id))).scalars()) == [1]
