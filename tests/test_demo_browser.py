"""The demo in a real browser: headless Chromium opens the page of `actionbot demo`, a citizen registers, joins
a team, answers the invitation and moves the demo clock until the reminder arrives.

Skipped only when Chromium or its driver is not installed here; CI (.ci/run) installs both. Set
ACTIONBOT_SCREENSHOTS=docs to refresh the screenshots in docs/.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
if os.environ.get("ACTIONBOT_REQUIRE_BROWSER") and not (CHROMIUM and DRIVER):
    raise RuntimeError("ACTIONBOT_REQUIRE_BROWSER is set but chromium or chromedriver is missing")
pytestmark = [
    pytest.mark.skipif(not (CHROMIUM and DRIVER), reason="Chromium and chromedriver are not installed "
                       "(apt-get install chromium chromium-driver; .ci/run does it)"),
    # the demo always runs on its own SQLite file: the suite's PostgreSQL pass has nothing to add here
    pytest.mark.skipif(bool(os.environ.get("ACTIONBOT_TEST_DATABASE_URL")), reason="runs in the SQLite pass"),
]
WAIT = 60  # a guard, not a timing: on a busy 2-core machine the demo's first answers can take a while
START = "2026-12-09T19:30+01:00"  # the demo's present: an evening, fixed so the walk does not depend on the hour


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _drain(stream: IO[str], log: Path) -> None:
    """Keep the demo's output (for reading after a failure) without ever letting its pipe fill."""
    with log.open("w", encoding="utf-8") as out:
        for line in stream:
            out.write(line)
            out.flush()


@pytest.fixture
def demo_url(tmp_path: Path) -> Iterator[str]:
    """`actionbot demo` as a user starts it, in its own process on a free port with a fresh database."""
    port = _free_port()
    cmd = [sys.executable, "-m", "bot", "--config", str(ROOT / "config.example.toml"), "demo", "--fresh",
           "--port", str(port), "--db", str(tmp_path / "demo.db"), "--start", START]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()  # the one line: the address and how to go live
        assert f"http://127.0.0.1:{port}/" in line and "@BotFather" in line, line
        # read the rest as it comes: a full pipe would block the demo's next log line and with it the whole demo
        threading.Thread(target=_drain, args=(proc.stdout, tmp_path / "demo.log"), daemon=True).start()
        yield f"http://127.0.0.1:{port}/"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture
def browser() -> Iterator[object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM or ""
    profile = tempfile.mkdtemp(prefix="actionbot-chromium-")
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1200,860", "--lang=de", f"--user-data-dir={profile}"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(DRIVER or ""), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


class Page:
    """The demo page as a person uses it: tap buttons, type, read the open chat (it re-renders as messages come)."""

    def __init__(self, driver: Any) -> None:
        from selenium.common.exceptions import StaleElementReferenceException
        from selenium.webdriver.support.ui import WebDriverWait

        self.d = driver
        self.wait = WebDriverWait(driver, WAIT, ignored_exceptions=(StaleElementReferenceException,))
        self.shots = Path(os.environ.get("ACTIONBOT_SCREENSHOTS") or tempfile.mkdtemp(prefix="actionbot-shots-"))

    def shot(self, name: str) -> None:
        self.d.save_screenshot(str(self.shots / f"demo-{name}.png"))

    def css(self, selector: str) -> list[Any]:
        from selenium.webdriver.common.by import By

        return list(self.d.find_elements(By.CSS_SELECTOR, selector))

    def click(self, selector: str) -> None:
        """Click the element once it is there (the page may re-render it meanwhile)."""
        self.wait.until(lambda _: [e.click() for e in self.css(selector)[:1]], f"nothing at {selector!r}")

    def press(self, label: str) -> None:
        """The newest button whose label contains `label`, as a person would tap it."""
        from selenium.common.exceptions import TimeoutException

        def click(_: object) -> bool:
            found = [b for b in self.css("#messages .kb button") if label in b.text]
            if found:
                found[-1].click()
            return bool(found)
        try:
            self.wait.until(click, f"no button {label!r}")
        except TimeoutException as exc:  # say what the chat showed instead, so a failure can be read
            self.shot("failed")
            raise AssertionError(f"no button {label!r}; the open chat ends with: {self.shown()[-800:]!r}") from exc

    def shown(self) -> str:
        """The open chat's messages as text, read in one go."""
        return str(self.d.execute_script(
            "return [...document.querySelectorAll('#messages .msg')].map(m => m.innerText).join('\\n')"))

    def arrives(self, text: str) -> None:
        from selenium.common.exceptions import TimeoutException

        try:
            self.wait.until(lambda _: text in self.shown(), f"no message with {text!r}")
        except TimeoutException as exc:
            self.shot("failed")
            raise AssertionError(f"no message with {text!r}; the open chat ends with: {self.shown()[-800:]!r}") from exc

    def type_(self, text: str) -> None:
        from selenium.webdriver.common.by import By

        self.d.find_element(By.ID, "text").send_keys(text)
        self.d.find_element(By.ID, "send").click()

    def person(self, key: str) -> None:
        self.click(f"[data-person={key}]")
        self.wait.until(lambda _: self.css(f"[data-person={key}].active"))


def test_a_citizen_walks_from_consent_to_a_reminder(demo_url: str, browser) -> None:  # type: ignore[no-untyped-def]
    page = Page(browser)
    d, press, arrives, type_, shot, shown, wait = page.d, page.press, page.arrives, page.type_, page.shot, \
        page.shown, page.wait

    d.get(demo_url)
    wait.until(lambda _: page.css("[data-person=citizen].active"))
    assert d.title.startswith("actionbot")
    page.click("#start")
    arrives("Datenschutz")
    shot("consent")
    press("Einverstanden")
    press("Ja")
    press("Bürger*in")
    press("Saalfeld")

    type_("/teams")
    press("Daseinsvorsorge")
    arrives("Einladung")  # the next meeting invites the new member
    shot("invitation")
    press("Zusage")
    arrives("Deine Antwort: ✅ Zusage")

    # everything typed is shown as text, never as markup
    type_('<img src=x id=injected onerror="document.title=1"><b>fett?</b>')
    arrives("<b>fett?</b>")
    assert not page.css("#injected")

    type_("/myteams")  # the team's invitation link opens the bot's chat with /start team-…, as in Telegram
    wait.until(lambda _: [a.click() for a in page.css("#messages a[data-start]")[-1:]])
    arrives("/start team-daseinsvorsorge")

    for _ in range(3):  # the reminder before the next meeting, as the clock moves on
        if "Erinnerung" in shown():
            break
        page.click("[data-hours='24']")
        wait.until(lambda _: page.css("[data-hours='24']")[0].is_enabled())
    arrives("Erinnerung")
    shot("reminder")

    page.person("lead")
    page.click("#chats button:last-child")
    arrives("Einladung")
    shot("lead-group")


def poster(width: int = 480, height: int = 240) -> bytes:
    """A small PNG made here (a bus-blue sky over a green field, a yellow sun): something to announce with."""
    import struct
    import zlib

    def pixel(x: int, y: int) -> bytes:
        if (x - 380) ** 2 + (y - 70) ** 2 < 35**2:
            return b"\xf2\xc9\x4c"
        return b"\x5b\xa3\x4f" if y > height * 2 // 3 else b"\x2f\x6e\xa5"

    rows = b"".join(b"\x00" + b"".join(pixel(x, y) for x in range(width)) for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def test_the_chat_page_behaves_like_a_telegram_client(demo_url: str, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Shift+Enter, a refused paste over 4,096 characters, times and day lines, unread markers that lead to the
    group, a reload that keeps the open chat, uploads (a photo announcement), and a favicon served by the page."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    page = Page(browser)
    d, wait = page.d, page.wait
    d.get(demo_url)
    wait.until(lambda _: page.css("[data-person=citizen].active"))

    # a favicon from the page itself
    icon = page.css("link[rel=icon]")[0].get_attribute("href")
    assert icon.startswith(demo_url)
    for path in (icon, demo_url + "favicon.ico"):
        kind = d.execute_async_script(
            "fetch(arguments[0]).then(r => arguments[1](r.ok ? r.headers.get('Content-Type') : String(r.status)))",
            path)
        assert kind.startswith("image/svg+xml"), (path, kind)

    # Shift+Enter makes a new line; Enter sends one message with both lines
    page.person("lead")
    page.click("#chats button:last-child")  # the team's group
    box = d.find_element(By.ID, "text")
    box.send_keys("Hallo Team,", Keys.SHIFT, Keys.ENTER, Keys.SHIFT, "bis morgen!")
    assert box.get_attribute("value") == "Hallo Team,\nbis morgen!"
    box.send_keys(Keys.ENTER)
    page.arrives("Hallo Team,\nbis morgen!")
    assert box.get_attribute("value") == ""
    assert len(page.css("#messages .msg.mine")) == 1

    # a time on every message (the demo's clock: an evening), a line for the day
    metas = [m.text for m in page.css("#messages .msg .meta")]
    assert metas and all(re.search(r"\b\d\d:\d\d$", m) for m in metas), metas
    assert page.css("#messages .msg.mine .meta")[0].text.startswith("19:")
    assert page.css("#messages .day")

    # a paste over Telegram's limit is refused with a note, not cut
    refused = d.execute_script(
        "const box = document.getElementById('text'); const data = new DataTransfer();"
        "data.setData('text/plain', 'x'.repeat(5000));"
        "const e = new ClipboardEvent('paste', {clipboardData: data, cancelable: true, bubbles: true});"
        "box.dispatchEvent(e); return e.defaultPrevented;")
    assert refused
    note = d.find_element(By.ID, "note")
    wait.until(lambda _: note.is_displayed())
    assert "5000" in note.text and "4096" in note.text
    assert box.get_attribute("value") == ""
    d.execute_script("document.getElementById('text').value = 'y'.repeat(4097)")
    box.send_keys(Keys.END, Keys.ENTER)  # typed over the limit: not sent either
    wait.until(lambda _: "4097" in note.text or "4098" in note.text)
    assert len(page.css("#messages .msg.mine")) == 1
    d.execute_script("document.getElementById('text').value = ''")
    box.send_keys("a", Keys.BACKSPACE)  # typing again puts the note away
    assert not note.is_displayed()

    # Maria's badge counts the group's unread messages (the lead's, and the invitation if it came after the page
    # loaded) and leads her there
    badge = page.css("[data-person=manager] .badge")
    assert badge and badge[0].text in ("1", "2")
    page.shot("unread")
    page.person("manager")
    wait.until(lambda _: page.css("#chats button.active")[0].get_attribute("data-chat") == "-4000101")
    page.arrives("bis morgen!")
    assert not page.css("[data-person=manager] .badge")

    # a reload comes back to the person and the chat that were open
    d.refresh()
    wait.until(lambda _: page.css("[data-person=manager].active"))
    wait.until(lambda _: page.css("#chats button.active")[0].get_attribute("data-chat") == "-4000101")
    page.arrives("bis morgen!")
    assert not page.css("[data-person=manager] .badge")  # read stays read

    # the lead announces with a photo: the composer's text becomes the caption
    page.person("lead")
    page.click("#chats button:first-child")
    page.type_("/announce")
    page.arrives("Neue Ankündigung")
    picture = tmp_path / "fest.png"
    picture.write_bytes(poster())
    d.find_element(By.ID, "text").send_keys("Bürgerbus-Fest am Samstag")
    d.find_element(By.ID, "file").send_keys(str(picture))
    wait.until(lambda _: page.css("#messages .msg.mine .photo img"))
    page.press("Weiter")
    page.press("Jetzt senden")
    wait.until(lambda _: page.css("[data-person=entrepreneur] .badge"))
    d.execute_script(  # Maria writes in the group meanwhile: the lead's group tab gets its own marker
        "fetch('/api/send', {method: 'POST', headers: {'Content-Type': 'application/json'},"
        "body: JSON.stringify({person: 'manager', chat: -4000101, text: 'Danke, Lea!'})})")
    wait.until(lambda _: [b.text for b in page.css("#chats button[data-chat='-4000101'] .badge")] == ["1"])
    assert not page.css("#chats button[data-chat='910003'] .badge")  # the open chat is read
    page.person("entrepreneur")
    page.arrives("Bürgerbus-Fest am Samstag")
    wait.until(lambda _: d.execute_script(
        "return [...document.querySelectorAll('#messages .msg .photo img')].some(i => i.naturalWidth === 480)"))
    page.shot("announcement")

    # a document from the page: shown as the person's file, with its name
    page.person("manager")
    page.click("#chats button:first-child")
    table = tmp_path / "werkstatt.csv"
    table.write_text("Idee;Ort\nRufbus am Abend;Saalfeld\n", encoding="utf-8")
    d.find_element(By.ID, "file").send_keys(str(table))
    wait.until(lambda _: "werkstatt.csv" in " ".join(e.text for e in page.css("#messages .msg.mine .doc")))


def test_the_town_halls_email_opens_the_answer_page_from_the_posteingang(demo_url: str, browser) -> None:  # type: ignore[no-untyped-def]
    """Maria forwards idea #45 to Rudolstadt, whose contact has only e-mail: the e-mail shows in the Posteingang,
    its button opens the answer page in a new tab, and "Übernehmen" there is stored (the page says so)."""
    from selenium.webdriver.common.by import By

    page = Page(browser)
    d, wait, press = page.d, page.wait, page.press
    d.get(demo_url)
    wait.until(lambda _: page.css("[data-person=citizen].active"))
    page.person("inbox")  # it may already hold the invitations the lead's members without Telegram get by e-mail
    wait.until(lambda _: page.css("#mail")[0].is_displayed())
    assert not page.css("#chat")[0].is_displayed()
    assert "Idee #45" not in page.css("#mails")[0].text

    page.person("manager")  # her badge may lead to the group, if the team's invitation arrived there meanwhile
    page.click("#chats button[data-chat='910004']")  # so open her own chat with the bot
    wait.until(lambda _: page.css("#chats button.active")[0].get_attribute("data-chat") == "910004")
    page.type_("/answer")
    press("#45 ·")
    press("→ an Stadt weitergeleitet")
    press("▫️ Rudolstadt")
    press("✅ Bad Blankenburg")
    press("Weiter ▶")
    page.arrives("Schreib jetzt die Antwort")
    page.type_("Bitte prüfen, ob die Stadt leere Läden vermitteln kann.")
    press("Bei keinem Treffen")
    press("Alle veröffentlichen")

    page.person("inbox")
    wait.until(lambda _: "Idee #45 für die Verwaltung Rudolstadt" in page.css("#mails")[0].text)  # the e-mail arrived
    for number in range(len(page.css("#mails button[data-mail]"))):  # an e-mail without the answer page's link
        page.css("#mails button[data-mail]")[number].click()  # (the invitations) showed a line "null" once
        assert "null" not in [line.strip() for line in page.css("#mail")[0].text.splitlines()]
    next(b for b in page.css("#mails button[data-mail]") if "Idee #45" in b.text).click()
    wait.until(lambda _: "Idee #45" in page.css("#mail h2")[0].text)
    mail = page.css("#mail")[0].text
    assert "Idee #45 für die Verwaltung Rudolstadt" in mail and "rathaus@rudolstadt.example" in mail
    assert "leere Läden vermitteln" in mail
    page.shot("posteingang")
    tabs = set(d.window_handles)
    page.click("#open-answer")
    wait.until(lambda _: len(d.window_handles) > len(tabs))
    d.switch_to.window(next(iter(set(d.window_handles) - tabs)))
    wait.until(lambda _: page.css("#take"))
    assert "#45" in d.title or "#45" in d.find_element(By.TAG_NAME, "body").text
    page.click("#take")
    wait.until(lambda _: "done=1" in d.current_url)
    assert "Ihre Antwort ist gespeichert" in d.find_element(By.TAG_NAME, "body").text
    page.shot("answer-page")

    # back in the chat page, Maria asks for /report: the demo's history fills its four charts (README screenshot)
    d.close()
    d.switch_to.window(next(iter(tabs)))
    page.person("manager")
    page.click("#chats button[data-chat='910004']")
    wait.until(lambda _: page.css("#chats button.active")[0].get_attribute("data-chat") == "910004")
    page.type_("/report")
    page.arrives("Evaluationsbericht")  # the offer comes after the album and the HTML report
    loaded = "return [...document.querySelectorAll('#messages .msg .photo img')].filter(i => i.naturalWidth > 0)"
    wait.until(lambda _: len(d.execute_script(loaded)) >= 4, "the four charts of /report did not arrive")
    charts = d.execute_script(loaded)[-4:]
    assert all(int(img.get_attribute("naturalWidth")) >= 400 for img in charts)  # drawn charts, not placeholders
    d.execute_script("arguments[0].scrollIntoView({block: 'start'})", charts[0])
    page.shot("report")
