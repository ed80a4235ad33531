"""The demo in a real browser: headless Chromium opens the page of `actionbot demo`, a citizen registers, joins
a team, answers the invitation and moves the demo clock until the reminder arrives.

Skipped only when Chromium or its driver is not installed here; CI (.ci/run) installs both. Set
ACTIONBOT_SCREENSHOTS=docs to refresh the screenshots in docs/.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

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
WAIT = 20
START = "2026-12-09T19:30+01:00"  # the demo's present: an evening, fixed so the walk does not depend on the hour


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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


def test_a_citizen_walks_from_consent_to_a_reminder(demo_url: str, browser) -> None:  # type: ignore[no-untyped-def]
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    d = browser
    shots = Path(os.environ.get("ACTIONBOT_SCREENSHOTS") or tempfile.mkdtemp(prefix="actionbot-shots-"))
    wait = WebDriverWait(d, WAIT, ignored_exceptions=(StaleElementReferenceException,))  # the page re-renders

    def shot(name: str) -> None:
        d.save_screenshot(str(shots / f"demo-{name}.png"))

    def press(label: str) -> None:
        """The newest button whose label contains `label`, as a person would tap it."""
        def click(_: object) -> bool:
            found = [b for b in d.find_elements(By.CSS_SELECTOR, "#messages .kb button") if label in b.text]
            if found:
                found[-1].click()
            return bool(found)
        wait.until(click, f"no button {label!r}")

    def shown() -> str:
        """The open chat's messages as text, read in one go (the page re-renders as messages arrive)."""
        return str(d.execute_script(
            "return [...document.querySelectorAll('#messages .msg')].map(m => m.innerText).join('\\n')"))

    def arrives(text: str) -> None:
        wait.until(lambda _: text in shown(), f"no message with {text!r}")

    def type_(text: str) -> None:
        box = d.find_element(By.ID, "text")
        box.send_keys(text)
        d.find_element(By.ID, "send").click()

    d.get(demo_url)
    wait.until(lambda _: d.find_elements(By.CSS_SELECTOR, "[data-person=citizen].active"))
    assert d.title.startswith("actionbot")
    wait.until(lambda _: d.find_element(By.ID, "start").click() or True)
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
    assert not d.find_elements(By.ID, "injected")

    type_("/myteams")  # the team's invitation link opens the bot's chat with /start team-…, as in Telegram
    wait.until(lambda _: [a.click() for a in d.find_elements(By.CSS_SELECTOR, "#messages a[data-start]")[-1:]])
    arrives("/start team-daseinsvorsorge")

    for _ in range(3):  # the reminder before the next meeting, as the clock moves on
        if "Erinnerung" in shown():
            break
        wait.until(lambda _: d.find_element(By.CSS_SELECTOR, "[data-hours='24']").click() or True)
        wait.until(lambda _: d.find_element(By.CSS_SELECTOR, "[data-hours='24']").is_enabled())
    arrives("Erinnerung")
    shot("reminder")

    wait.until(lambda _: d.find_element(By.CSS_SELECTOR, "[data-person=lead]").click() or True)
    wait.until(lambda _: d.find_element(By.CSS_SELECTOR, "#chats button:last-child").click() or True)
    arrives("Einladung")
    shot("lead-group")
