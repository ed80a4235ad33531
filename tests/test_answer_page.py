"""The answer page behind the e-mail's link: in headless Chromium, a clerk of Bad Blankenburg opens the link from
the e-mail the real SMTP server received, declines with reasons (or asks back), and the answer is stored through
the same domain function as the Telegram buttons, audited with her address, and told to the author in Telegram.
Forged, expired and reused links and forms from elsewhere get a clear page and change nothing."""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import select

from bot.answer_page import CSP, AnswerPage
from models.tables import AuditEntry, IdeaRoute, RouteNote
from tests.mail_helpers import CLERK, PUBLIC_URL, SECRET, body, free_port
from tests.mail_helpers import mbot as mbot  # the fixture
from tests.mail_helpers import smtp as smtp  # the fixture
from tests.routing_helpers import routes, story
from tests.test_route_mail import forward_to_bad_blankenburg
from web import links

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
REASON = "Der Stadtrat hat den Nahverkehr an den Landkreis abgegeben."
QUESTION = "Wer trägt die Kosten für den Fahrdienst?"
REPLY = "Der Landkreis hat eine Förderung zugesagt."


@pytest.fixture
async def page(mbot) -> AsyncIterator[str]:
    """The answer page of the running bot, served as `[web]` would serve it (the proxy strips /antwort)."""
    runner = web.AppRunner(AnswerPage(mbot.app.bot_data["services"]).app())
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


@pytest.fixture
def chromium() -> Iterator[object]:
    if not (CHROMIUM and DRIVER):
        if os.environ.get("ACTIONBOT_REQUIRE_BROWSER"):
            raise RuntimeError("ACTIONBOT_REQUIRE_BROWSER is set but chromium or chromedriver is missing")
        pytest.skip("Chromium and chromedriver are not installed (apt-get install chromium chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="actionbot-chromium-")
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=390,844",
        "--lang=de",
        f"--user-data-dir={profile}",
    ):  # a phone's screen
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def local(link: str, base: str) -> str:
    """The e-mail's link as the reverse proxy hands it to the page."""
    assert link.startswith(PUBLIC_URL)
    return base + link[len(PUBLIC_URL) :]


def link_in(mail) -> str:
    return next(word for word in body(mail, "plain").split() if word.startswith(PUBLIC_URL))


def found(d, element_id: str):
    """The element once the page that has it is loaded (a form's answer is a new page)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(d, 20).until(lambda _: d.find_element(By.ID, element_id))


async def in_browser(driver, *steps):
    """Run blocking Selenium steps in a thread, so the bot and the page keep serving in this event loop."""
    return await asyncio.to_thread(lambda: [step(driver) for step in steps][-1])


async def test_a_clerk_declines_in_the_browser_from_the_emails_link(mbot, smtp, page, chromium):
    from selenium.webdriver.common.by import By

    bot, (box, _) = mbot, smtp
    lea, author, *_ = await story(bot)
    await forward_to_bad_blankenburg(lea)
    await bot.deliver()
    url = local(link_in(box.to(CLERK)[0]), page)

    def open_form(d):
        d.get(url)
        return d.title, d.find_element(By.ID, "idea").text, [b.text for b in d.find_elements(By.TAG_NAME, "button")]

    title, idea, buttons = await in_browser(chromium, open_form)
    assert title == "Idee #1 für die Verwaltung Bad Blankenburg" and idea.startswith("Ein Bürgerbus")
    assert buttons == ["✅ Die Verwaltung übernimmt die Idee", "❓ Rückfrage senden", "✋ Ablehnen"]

    def decline_without_reason(d):
        d.find_element(By.ID, "decline").click()
        return found(d, "error").text

    assert await in_browser(chromium, decline_without_reason) == "Bitte wähle mindestens einen Grund."
    assert {r.town: r.status for r in await routes(bot)}["bad_blankenburg"] == "open"

    def decline(d):
        d.find_element(By.ID, "obstacle-no_funding").click()
        d.find_element(By.ID, "obstacle-legal_hurdles").click()
        d.find_element(By.ID, "text_decline").send_keys(REASON)
        d.find_element(By.ID, "decline").click()
        return found(d, "done").text, d.find_element(By.ID, "state").text, len(d.find_elements(By.ID, "take"))

    done, state, forms = await in_browser(chromium, decline)
    assert done.startswith("Danke! Ihre Antwort ist gespeichert")
    assert state == f"✋ lehnt ab. Gründe: Keine Finanzierung, Rechtliche Hürden. „{REASON}“" and forms == 0
    route = next(r for r in await routes(bot) if r.town == "bad_blankenburg")
    assert (route.status, route.answered_by, route.answered_contact) == ("declined", None, CLERK)
    assert (route.obstacles, route.text) == (["no_funding", "legal_hurdles"], REASON)
    async with bot.db.transaction() as s:
        [entry] = (await s.execute(select(AuditEntry).where(AuditEntry.action == "route_answer"))).scalars()
    assert entry.details == {
        "idea": 1,
        "town": "bad_blankenburg",
        "answer": "declined",
        "via": "mail",
        "contact": CLERK,
    }
    await bot.deliver()
    told = author.last_message().text
    assert "Die Verwaltung Bad Blankenburg hat auf deine Idee #1 geantwortet" in told and REASON in told

    def reuse(d):  # the same link again: the answer is shown, nothing can be sent twice
        d.get(url)
        return found(d, "closed").text, len(d.find_elements(By.TAG_NAME, "form"))

    closed, forms = await in_browser(chromium, reuse)
    assert closed.startswith("Diese Idee hat schon eine Antwort eurer Verwaltung.") and forms == 0


async def test_a_clerk_asks_back_in_the_browser_and_decides_after_the_projects_answer(mbot, smtp, page, chromium):
    from selenium.webdriver.common.by import By

    bot, (box, _) = mbot, smtp
    lea, *_ = await story(bot)
    await forward_to_bad_blankenburg(lea)
    await bot.deliver()

    def ask(d):
        d.get(local(link_in(box.to(CLERK)[0]), page) + "?lang=en")
        d.find_element(By.ID, "text_ask").send_keys(QUESTION)
        d.find_element(By.ID, "ask").click()
        return found(d, "done").text, [b.text for b in d.find_elements(By.TAG_NAME, "button")]

    done, buttons = await in_browser(chromium, ask)
    assert done.startswith("Thank you! Your answer is stored")
    assert buttons == ["✅ The administration takes the idea on", "✋ Decline"]  # the decision follows
    await bot.deliver()
    await lea.press("Rückfrage beantworten", message=lea.last_message())
    await lea.send(REPLY)
    await bot.deliver()
    reply = box.to(CLERK)[-1]
    assert REPLY in body(reply, "plain")

    def take(d):
        d.get(local(link_in(reply), page))
        question = [e.text for e in d.find_elements(By.TAG_NAME, "dd")]
        d.find_element(By.ID, "take").click()
        found(d, "done")
        return question, d.find_element(By.ID, "state").text

    shown, state = await in_browser(chromium, take)
    assert QUESTION in shown and REPLY in shown and state == "✅ übernimmt die Idee."
    route = next(r for r in await routes(bot) if r.town == "bad_blankenburg")
    assert (route.status, route.question, route.reply, route.answered_contact) == ("taken", QUESTION, REPLY, CLERK)
    async with bot.db.transaction() as s:
        [note, _] = (await s.execute(select(RouteNote).order_by(RouteNote.id))).scalars()
    assert (note.kind, note.person_id, note.contact, note.text) == ("question", None, CLERK, QUESTION)


async def test_forged_expired_and_foreign_requests_change_nothing(mbot, smtp, page):
    bot, (box, _) = mbot, smtp
    lea, *_ = await story(bot)
    await forward_to_bad_blankenburg(lea)
    await bot.deliver()
    url = local(link_in(box.to(CLERK)[0]), page)
    token = url.rsplit("/", 1)[1]
    route = next(r for r in await routes(bot) if r.town == "bad_blankenburg")
    expired = links.make_token(SECRET, route.id, CLERK, bot.clock.now() - timedelta(minutes=1))
    other_route = links.make_token("not-the-secret-of-this-bot", route.id, CLERK, bot.clock.now() + timedelta(days=9))
    async with aiohttp.ClientSession() as http:
        async with http.get(url) as r:
            html = await r.text()
            assert r.status == 200 and r.headers["Content-Security-Policy"] == CSP
            assert r.headers["X-Frame-Options"] == "DENY" and r.headers["Referrer-Policy"] == "same-origin"
            assert "http://" not in html.replace(page, "") and "https://" not in html and "<script" not in html
        for bad, status, says in (
            (token[:-3] + "abc", 403, "Dieser Link ist ungültig"),
            (other_route, 403, "Dieser Link ist ungültig"),
            (expired, 410, "Dieser Link ist abgelaufen"),
        ):
            async with http.get(f"{page}/a/{bad}") as r:
                assert r.status == status and says in await r.text()
            async with http.post(f"{page}/a/{bad}", data={"action": "take", "csrf": "x"}) as r:
                assert r.status == status
        csrf = links.csrf_token(SECRET, token)
        async with http.post(url, data={"action": "take"}) as r:  # no CSRF token
            assert r.status == 403 and "Das Formular kam nicht von dieser Seite" in await r.text()
        evil = {"Origin": "https://evil.example"}
        async with http.post(url, data={"action": "take", "csrf": csrf}, headers=evil) as r:
            assert r.status == 403
        async with http.post(url, data={"action": "ask", "csrf": csrf, "text_ask": "x" * 1001}) as r:
            assert r.status == 400 and "Die Nachricht ist zu lang (1.001 Zeichen)" in await r.text()
    async with bot.db.transaction() as s:
        stored = await s.get(IdeaRoute, route.id)
        answers = (await s.execute(select(AuditEntry).where(AuditEntry.action == "route_answer"))).all()
    assert stored is not None and stored.status == "open" and answers == []


async def test_the_bot_serves_the_page_on_the_configured_address(mbot):
    from bot.answer_page import start_answer_page

    svc = mbot.app.bot_data["services"]
    runner = await start_answer_page(svc)
    try:
        web_config = mbot.config.web
        assert web_config.host == "127.0.0.1"
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{web_config.port}/a/forged") as r:
                assert r.status == 403 and "Dieser Link ist ungültig" in await r.text()
            async with http.get(f"http://127.0.0.1:{web_config.port}/static/page.css") as r:
                assert r.status == 200 and r.content_type == "text/css"
    finally:
        await runner.cleanup()
