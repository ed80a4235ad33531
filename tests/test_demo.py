"""`actionbot demo` without a browser: the seeded demo, the clock control, the page's guard against other
origins, and `actionbot run` without a token starting the demo. The browser walk is tests/test_demo_browser.py."""

from __future__ import annotations

import base64
import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import pytest
import pytest_asyncio
from sqlalchemy import select

from bot import cli
from core.config import load_config
from demo import seed
from demo.audio import PRE_SKIP, ogg_crc
from demo.page import snapshot
from demo.run import demo_config, demo_database, start_demo
from demo.state import state_path
from models.meetings.core import headcount_due
from models.tables import Meeting

EXAMPLE = Path(__file__).resolve().parent.parent / "config.example.toml"


SHARED = pytest.mark.asyncio(loop_scope="module")  # one demo for this file's tests: starting one takes a second
BERLIN = ZoneInfo("Europe/Berlin")
# the demo's present in these tests: a winter evening after 17:00, when "tomorrow 17:00" had its reminder behind it
START = datetime(2026, 12, 9, 19, 30, tzinfo=BERLIN)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def demo(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    running = await start_demo(load_config(EXAMPLE, require_token=False), db_path=path, port=0, start=START)
    try:
        yield running
    finally:
        await running.stop()


async def tap(user, label: str) -> None:
    """Press `label` once the bot has shown it (the demo's bot is not tracked, so wait for the button)."""
    message = await user.wait_for_message(lambda m: any(label in b for b in m.button_texts()), timeout=10)
    await user.press(label, message=message)


def texts(demo, key: str) -> list[str]:
    return [m.text for m in demo.users[key].messages if not m.deleted]


async def test_the_demo_has_its_own_database_and_a_manager_of_its_own(tmp_path):
    config = load_config(EXAMPLE, require_token=False)
    config = dataclasses.replace(config, database_url="postgresql+asyncpg://live@db/actionbot")
    path = tmp_path / "demo.db"
    path.write_text("old")
    assert demo_database(path, fresh=False).exists()
    fresh = demo_database(path, fresh=True)
    assert not fresh.exists()  # --fresh starts anew
    demo_cfg = demo_config(config, fresh)
    assert demo_cfg.database_url == f"sqlite+aiosqlite:///{fresh}" != config.database_url
    assert demo_cfg.managers == (seed.MANAGER,)
    assert demo_cfg.token and demo_cfg.token != config.token


@SHARED
async def test_every_person_on_the_page_has_something_to_show(demo):
    for what in ("Einladung", "Terminabstimmung"):  # the next meeting and the poll
        await demo.fake.wait_for(lambda w=what: any(w in t for t in texts(demo, "entrepreneur")), timeout=10)
    state = snapshot(demo)
    people = {p["key"]: p for p in state["persons"]}
    assert list(people) == ["citizen", "entrepreneur", "lead", "manager"]
    assert people["citizen"]["chats"][0]["messages"] == []  # Clara starts at consent
    assert any("Terminabstimmung" in m["text"] for m in people["entrepreneur"]["chats"][0]["messages"])
    assert [c["group"] for c in people["lead"]["chats"]] == [False, True]  # the linked team group
    lead_menu = {c["command"] for c in people["lead"]["commands"]}
    assert "meeting" in lead_menu and "stats" not in lead_menu
    assert "stats" in {c["command"] for c in people["manager"]["commands"]}
    assert state["texts"]["plus_day"] == "+1 Tag"  # the page's own words, German first


@SHARED
async def test_the_lead_finds_a_spoken_idea_in_answer_and_hears_a_valid_ogg_opus_recording(demo):
    lea = demo.users["lead"]
    await lea.send("/answer")
    await tap(lea, "▶")  # the newest waiting ideas are on the second page

    def spoken(m) -> bool:
        return any("🎤 Sprachnachricht (0:42)" in b for b in m.button_texts())

    listed = await lea.wait_for_message(spoken, timeout=10)
    await lea.press("🎤 Sprachnachricht (0:42)", message=listed)
    screen = await lea.wait_for_message(lambda m: any("anhören (0:42)" in b for b in m.button_texts()), timeout=10)
    assert "Zusammenfassung eintragen" in " ".join(screen.button_texts())
    await lea.press(next(b for b in screen.button_texts() if "anhören" in b), message=screen)
    voice = await lea.wait_for_message(lambda m: m.kind == "voice", timeout=10)
    pages, offset = [], 0
    while offset < len(voice.voice):  # every Ogg page checks out, and the last one ends at 42 s of 48 kHz audio
        data = voice.voice
        assert data[offset : offset + 4] == b"OggS"
        segments = data[offset + 26]
        end = offset + 27 + segments + sum(data[offset + 27 : offset + 27 + segments])
        page = bytearray(data[offset:end])
        stored, page[22:26] = int.from_bytes(page[22:26], "little"), b"\0\0\0\0"
        assert ogg_crc(bytes(page)) == stored
        pages.append(page)
        offset = end
    assert pages[0][28:36] == b"OpusHead" and pages[-1][5] == 0x04  # the end-of-stream page
    assert int.from_bytes(pages[-1][6:14], "little") - PRE_SKIP == 42 * 48000
    played = next(m for m in snapshot(demo)["persons"] if m["key"] == "lead")["chats"][0]["messages"][-1]
    async with aiohttp.ClientSession() as http, http.get(f"{demo.fake.url}{played['voice']}") as res:
        assert (res.status, res.content_type, await res.read()) == (200, "audio/ogg", voice.voice)  # the page's player


@SHARED
async def test_a_calendar_file_downloads_from_the_page(demo):
    erik = demo.users["entrepreneur"]
    invitation = await erik.wait_for_message(lambda m: "Einladung" in m.text, timeout=10)
    await erik.press("Kalender", message=invitation)
    ics = await erik.wait_for_message(lambda m: m.document is not None, timeout=10)
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{demo.fake.url}/api/file/{erik.chat_id}/{ics.message_id}") as res:
            assert res.status == 200
            assert b"BEGIN:VCALENDAR" in await res.read()
            assert res.headers["Content-Disposition"].startswith("attachment")


@SHARED
async def test_the_clock_control_sends_the_reminder_on_time(demo):
    erik = demo.users["entrepreneur"]
    invitation = await erik.wait_for_message(lambda m: "Einladung" in m.text, timeout=10)
    await erik.press("Zusage", message=invitation)
    assert not any("Erinnerung" in t for t in texts(demo, "entrepreneur"))
    for _ in range(2):  # the meeting is 26-39 hours ahead: two days on, both reminders are out
        await demo.advance(timedelta(days=1))
    await erik.wait_for_message(lambda m: m.text.startswith("⏰ Erinnerung"), timeout=10)
    assert sum(t.startswith("⏰ Erinnerung") for t in texts(demo, "entrepreneur")) == 2  # none given up as late


@SHARED
async def test_the_page_and_the_stand_in_refuse_other_origins(demo):
    url = demo.fake.url
    body = {"person": "manager", "text": "/help"}
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{url}/") as res:
            assert res.status == 200
            assert "script-src 'self'" in res.headers["Content-Security-Policy"]
        async with http.post(f"{url}/api/send", json=body, headers={"Origin": "http://evil.example"}) as res:
            assert res.status == 403
        async with http.get(f"{url}/api/state", headers={"Host": "evil.example"}) as res:
            assert res.status == 403  # DNS rebinding: a foreign name for this address
        async with http.post(f"{url}/bot{demo.config.token}/getMe", headers={"Origin": "http://evil.example"}) as res:
            assert res.status == 403
        async with http.post(f"{url}/api/send", data="person=manager&text=/help",
                             headers={"Content-Type": "application/x-www-form-urlencoded"}) as res:
            assert res.status == 415  # a foreign form cannot post here
        async with http.post(f"{url}/api/send", json=body, headers={"Origin": url}) as res:
            assert res.status == 200
    typed = demo.users["manager"].user_messages.values
    await demo.fake.wait_for(lambda: any(m.get("text") == "/help" for m in typed()))
    assert [m.get("text") for m in typed()] == ["/help"]  # only the page's own request got through


def test_run_without_a_token_starts_the_demo(tmp_path, monkeypatch):
    started = {}

    async def fake_run_demo(config, *, port, db_path, lang, start=None):
        started.update(port=port, db=db_path, token=config.token)

    monkeypatch.setattr("demo.run.run_demo", fake_run_demo)
    monkeypatch.setattr(cli, "setup_logging", lambda *a, **k: None)  # leave the test process's logging alone
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.setenv("ACTIONBOT_DEMO_PORT", "8123")
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "config.toml"
    config.write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    assert cli.main(["--config", str(config), "run", "--demo-without-token"]) == 0
    assert started == {"port": 8123, "db": tmp_path / "actionbot-demo.db", "token": ""}


def test_a_busy_port_gets_one_line_not_a_traceback(tmp_path, capsys, monkeypatch):
    import socket

    monkeypatch.setattr(cli, "setup_logging", lambda *a, **k: None)  # leave the test process's logging alone
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code = cli.main(["--config", str(EXAMPLE), "demo", "--port", str(port), "--db", str(tmp_path / "d.db")])
    err = capsys.readouterr().err
    assert code == 1 and f"port {port}" in err and "--port" in err and "Traceback" not in err


@pytest.mark.parametrize("start", [
    datetime(2026, 12, 9, 7, 30, tzinfo=BERLIN),
    datetime(2026, 12, 9, 17, 30, tzinfo=BERLIN),
    datetime(2026, 12, 9, 23, 45, tzinfo=BERLIN),
    datetime(2026, 10, 25, 0, 45, tzinfo=UTC),  # 02:45 summer time, a quarter hour before the clocks go back
    datetime(2027, 3, 28, 0, 45, tzinfo=UTC),  # 01:45 winter time, a quarter hour before they go forward
])
def test_the_next_demo_meeting_keeps_its_reminders_ahead_at_any_start(start):
    config = load_config(EXAMPLE, require_token=False)
    when = seed.next_meeting_start(config, start)
    local = when.astimezone(BERLIN)
    assert when - start >= timedelta(hours=26)  # the 24-hour reminder and the headcount are still to come
    assert when - start <= timedelta(hours=40)
    assert local.minute == 0 and 10 <= local.hour <= 20  # a full daytime hour


async def test_a_restart_keeps_the_clock_and_every_chat(tmp_path):
    """Stop and start again without --fresh: the clock goes on where it stopped, every chat is still there (so
    the bot's buttons and edits find their messages) and the meeting that went by stays past."""
    config = load_config(EXAMPLE, require_token=False)
    path = demo_database(tmp_path / "demo.db", fresh=True)
    first = await start_demo(config, db_path=path, port=0, start=START)
    try:
        clara, erik = first.users["citizen"], first.users["entrepreneur"]
        await clara.send("/start")
        for label in ("Einverstanden", "Ja", "Bürger*in", "Saalfeld"):
            await tap(clara, label)
        await clara.send("/teams")
        await tap(clara, "Daseinsvorsorge")
        await clara.wait_for_message(lambda m: "Einladung" in m.text, timeout=10)
        await first.advance(timedelta(days=2))  # the meeting (26-40 hours ahead) is over
        stopped_at = first.clock.now()
        clara_before = [(m.message_id, m.text) for m in clara.messages]
        erik_before = len(erik.messages)
    finally:
        await first.stop()
    assert state_path(path).exists()

    again = await start_demo(config, db_path=path, port=0, start=START)
    try:
        assert again.resumed and again.clock.now() >= stopped_at  # not back at the start
        assert again.clock.now() - stopped_at < timedelta(minutes=5)
        clara, erik = again.users["citizen"], again.users["entrepreneur"]
        assert [(m.message_id, m.text) for m in clara.messages] == clara_before
        assert any(m.get("text") == "/teams" for m in clara.user_messages.values())  # what she typed, too
        people = {p["key"]: p for p in snapshot(again)["persons"]}
        assert len(people["citizen"]["chats"][0]["messages"]) > len(clara_before)  # no "Starten" over kept data
        await erik.send("/meetings")
        answer = await erik.wait_for_message(lambda m: "Treffen" in m.text and m.message_id > erik_before, timeout=10)
        assert "keine anstehenden Treffen" in answer.text  # the finished meeting is not upcoming again
        assert "Werkstatt" not in answer.text
        await clara.send("/help")
        assert max(clara.user_messages) > max(mid for mid, _ in clara_before)  # ids go on, as in Telegram
    finally:
        await again.stop()

    fresh = demo_database(path, fresh=True)  # --fresh: both files go
    assert not fresh.exists() and not state_path(fresh).exists()
    anew = await start_demo(config, db_path=fresh, port=0, start=START)
    try:
        assert abs(anew.clock.now() - START) < timedelta(minutes=1)
        assert anew.users["citizen"].messages == []
    finally:
        await anew.stop()


@pytest.mark.parametrize("start", [START, datetime(2026, 12, 9, 7, 30, tzinfo=BERLIN),
                                   datetime(2026, 12, 9, 23, 45, tzinfo=BERLIN)])
async def test_a_day_on_stops_at_the_headcount_before_the_meeting(tmp_path, start):
    """"+1 Tag" across the headcount's due time: the clock stops there, the lead's headcount carries a time before
    the meeting's start (by the demo's clock), and its nudge button still reaches those who have not answered."""
    config = load_config(EXAMPLE, require_token=False)
    demo = await start_demo(config, db_path=demo_database(tmp_path / "demo.db", fresh=True), port=0, start=start)
    try:
        async with demo.db.transaction() as s:
            meeting = (await s.execute(select(Meeting).where(Meeting.title.startswith("Werkstatt")))).scalar_one()
            due = headcount_due(meeting, config.meetings)
        starts = seed.next_meeting_start(config, start)
        assert due is not None and start < due < start + timedelta(days=1)  # "+1 Tag" crosses it
        lea = demo.users["lead"]
        await demo.users["entrepreneur"].wait_for_message(lambda m: "Einladung" in m.text, timeout=10)
        assert not any("Rückmeldungen" in t for t in texts(demo, "lead"))
        async with aiohttp.ClientSession() as http:
            async with http.post(f"{demo.fake.url}/api/clock", json={"hours": 24}) as res:
                assert res.status == 200
        assert demo.clock.now() < starts  # one day on, the meeting is still ahead
        headcount = await lea.wait_for_message(lambda m: "Rückmeldungen" in m.text, timeout=10)
        sent_at = datetime.fromtimestamp(headcount.date, UTC)
        assert due - timedelta(seconds=1) <= sent_at < due + timedelta(minutes=1)  # the clock stopped there (dates: s)
        assert sent_at < starts
        anton = demo.fake.users[seed.MEMBER_BASE]  # a member of the team who has not answered
        before = len(anton.messages)
        await tap(lea, "Offene erinnern")
        nudge = await anton.wait_for_message(lambda m: m.text.startswith("🙋"), timeout=10)
        assert len(anton.messages) > before and datetime.fromtimestamp(nudge.date, UTC) < starts
    finally:
        await demo.stop()


PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")


async def test_photos_and_documents_from_the_page_reach_the_bot_as_telegram_delivers_them(tmp_path):
    """The page's upload: /announce with a photo (the lead) and with a document (the manager) go out to the
    members as the bot sends them; what a person uploaded is shown back to them; too long a text is refused."""
    config = load_config(EXAMPLE, require_token=False)
    demo = await start_demo(config, db_path=demo_database(tmp_path / "demo.db", fresh=True), port=0, start=START)
    url = demo.fake.url
    lea, maria, anton = demo.users["lead"], demo.users["manager"], demo.fake.users[seed.MEMBER_BASE]
    try:
        async with aiohttp.ClientSession() as http:
            async def post(path: str, **body: object) -> int:
                async with http.post(f"{url}{path}", json=body) as res:
                    return res.status

            assert await post("/api/send", person="lead", text="x" * 4097) == 413  # refused, not cut
            assert await post("/api/send", person="lead", text="/announce") == 200
            await lea.wait_for_message(lambda m: "Neue Ankündigung" in m.text, timeout=10)
            assert [m.get("text") for m in lea.user_messages.values()] == ["/announce"]
            photo = base64.b64encode(PNG).decode()
            assert await post("/api/upload", person="lead", kind="photo", name="fest.png", mime="image/png",
                              caption="Bürgerbus-Fest am Samstag", data=photo) == 200
            await tap(lea, "Weiter")
            await tap(lea, "Jetzt senden")
            got = await anton.wait_for_message(lambda m: m.photo is not None, timeout=10)
            assert got.photo == PNG and "Bürgerbus-Fest am Samstag" in got.text

            mine = next(m for m in snapshot(demo)["persons"][2]["chats"][0]["messages"] if m.get("photo"))
            assert mine["mine"] and mine["text"] == "Bürgerbus-Fest am Samstag" and mine["time"]
            async with http.get(f"{url}{mine['photo']}") as res:
                assert res.status == 200 and await res.read() == PNG

            table = b"Idee;Ort\nRufbus am Abend;Saalfeld\n"
            assert await post("/api/send", person="manager", text="/announce") == 200
            await maria.wait_for_message(lambda m: "Neue Ankündigung" in m.text, timeout=10)
            assert await post("/api/upload", person="manager", kind="document", name="werkstatt.csv",
                              mime="text/csv", caption="Ergebnisse der Werkstatt",
                              data=base64.b64encode(table).decode()) == 200
            typed = await demo.fake.wait_for(lambda: [m for m in maria.user_messages.values() if "document" in m])
            assert typed[0]["document"]["file_name"] == "werkstatt.csv"
            assert typed[0]["document"]["mime_type"] == "text/csv"
            api = f"{url}/bot{demo.config.token}"  # the bot downloads it as from Telegram: getFile, then the path
            async with http.get(f"{api}/getFile", params={"file_id": typed[0]["document"]["file_id"]}) as res:
                path = (await res.json())["result"]["file_path"]
            async with http.get(f"{url}/file/bot{demo.config.token}/{path}") as res:
                assert res.status == 200 and await res.read() == table
            await tap(maria, "Alle")
            await maria.wait_for_message(lambda m: "Weiter" in " ".join(m.button_texts()) and "Empfänger*innen: 0"
                                         not in m.text, timeout=10)
            await tap(maria, "Weiter")
            await tap(maria, "Jetzt senden")
            doc = await anton.wait_for_message(lambda m: m.document is not None and m.document[0] == "werkstatt.csv",
                                               timeout=10)
            assert doc.document is not None and doc.document[1] == table
    finally:
        await demo.stop()


def test_the_demo_command_goes_on_where_it_stopped(tmp_path):
    """`actionbot demo` stopped with SIGTERM (as Ctrl+C or a service manager) and started again without --fresh:
    the page shows the same chats at the same day of the demo's clock."""
    import json
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"

    def start(*extra: str) -> tuple[subprocess.Popen[str], str]:
        cmd = [sys.executable, "-m", "bot", "--config", str(EXAMPLE), "demo", "--port", str(port),
               "--db", str(tmp_path / "demo.db"), "--start", START.isoformat(), *extra]
        proc = subprocess.Popen(cmd, cwd=EXAMPLE.parent, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert proc.stdout is not None
        return proc, proc.stdout.readline()

    def call(path: str, body: dict[str, object] | None = None) -> dict[str, object]:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(url + path, data=data, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as res:  # noqa: S310 - our own demo on 127.0.0.1
            return dict(json.loads(res.read()))

    def citizen() -> list[str]:
        persons = call("/api/state")["persons"]
        assert isinstance(persons, list)
        return [m["text"] for m in persons[0]["chats"][0]["messages"]]

    def until(check, what: str):  # type: ignore[no-untyped-def]
        for _ in range(100):
            if found := check():
                return found
            time.sleep(0.1)
        raise AssertionError(what)

    proc, line = start("--fresh")
    try:
        assert "going on" not in line
        call("/api/send", {"person": "citizen", "text": "/start"})
        until(lambda: any("Datenschutz" in t for t in citizen()), "no consent screen")
        call("/api/clock", {"hours": 24})
        before, day = citizen(), str(call("/api/state")["now"]).split(",")[:2]
    finally:
        proc.terminate()
        assert proc.wait(timeout=20) == 0
    proc, line = start()
    try:
        assert "going on where it stopped" in line
        assert citizen() == before
        assert str(call("/api/state")["now"]).split(",")[:2] == day  # "Do., 10. Dez. 2026": a day on, kept
    finally:
        proc.terminate()
        proc.wait(timeout=20)
