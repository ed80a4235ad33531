"""Clerks by e-mail through a real SMTP server (aiosmtpd in the test process): a town whose contact has an e-mail
address gets the forwarded idea as an e-mail (German, plain text and HTML, the idea, its towns, the deadline, a
signed link), the reminder and the answer to its question by e-mail too; a temporary SMTP error is retried without
doubling the e-mail, a refusal or the expiry fails the row and tells the project manager."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from models.ideas import routing
from models.tables import Outbox
from tests.conftest import MANAGER_ID
from tests.mail_helpers import CLERK, PUBLIC_URL, SECRET, body
from tests.mail_helpers import mbot as mbot  # the fixture
from tests.mail_helpers import smtp as smtp  # the fixture
from tests.routing_helpers import NOTE, routes, story
from web import links

QUESTION = "Gibt es schon einen Träger für den Bürgerbus?"
REPLY = "Ja, der Verein Saalebogen mobil würde ihn tragen."


async def forward_to_bad_blankenburg(user) -> None:
    await user.send("/answer")
    await user.press("#1 ·")
    await user.press("→ an Stadt weitergeleitet")
    await user.press("Bad Blankenburg")
    await user.press("Weiter ▶")
    await user.send(NOTE)
    await user.press("Alle veröffentlichen")


async def mail_rows(bot) -> list[Outbox]:
    async with bot.db.transaction() as s:
        q = select(Outbox).where(Outbox.kind.like("route_mail_%")).order_by(Outbox.id)
        return list((await s.execute(q)).scalars())


async def test_the_forwarded_idea_reaches_the_clerk_by_email_with_her_own_signed_link(mbot, smtp):
    bot, (box, _) = mbot, smtp
    lea, *_ = await story(bot)
    await forward_to_bad_blankenburg(lea)
    assert "3 Ansprechpersonen bekommen die Idee" in lea.last_message().text  # Sabine, Rolf and the clerk
    await bot.deliver()
    [mail] = box.to(CLERK)
    assert mail["From"] == "bot@saalebogen.de"
    assert mail["Subject"] == "Idee #1 für die Verwaltung Bad Blankenburg – Antwort erbeten bis Mi., 23. Dez. 2026"
    text, html = body(mail, "plain"), body(mail, "html")
    for part in (text, html):
        assert "Ein Bürgerbus" in part and "Saalfeld, Rudolstadt" in part
        assert "Mi., 23. Dez. 2026" in part and NOTE in part
    assert "Antwort erbeten bis: Mi., 23. Dez. 2026" in text
    assert "<blockquote" in html and "&lt;" not in text
    link = next(word for word in text.split() if word.startswith(PUBLIC_URL))
    assert f'href="{link}"' in html
    found, why = links.read_token(SECRET, link.rsplit("/", 1)[1], bot.clock.now())
    bad_blankenburg = next(r for r in await routes(bot) if r.town == "bad_blankenburg")
    assert why == "" and found is not None
    assert (found.route_id, found.contact) == (bad_blankenburg.id, CLERK)
    assert found.expires_at == bot.clock.now() + timedelta(days=60)
    assert [(r.kind, r.status, r.chat_id, r.person_id) for r in await mail_rows(bot)][:1] == [
        ("route_mail_request", "sent", 0, None)
    ]
    await bot.deliver()
    assert len(box.to(CLERK)) == 1  # sent once


async def test_a_temporary_smtp_error_is_retried_and_the_email_goes_out_once(mbot, smtp):
    bot, (box, _) = mbot, smtp
    lea, *_ = await story(bot)
    box.fail_next = ["451 4.3.0 Mailbox busy, try again later", "421 4.7.0 Too many connections"]
    await forward_to_bad_blankenburg(lea)
    await bot.deliver()
    [row] = [r for r in await mail_rows(bot) if r.kind == "route_mail_request"]
    assert (row.status, row.attempts) == ("pending", 0)  # refused before it was taken: no attempt counted
    assert row.last_error.startswith("smtp 451 4.3.0 Mailbox busy")
    assert box.to(CLERK) == []
    await bot.deliver(advance=timedelta(seconds=6))
    [row] = [r for r in await mail_rows(bot) if r.kind == "route_mail_request"]
    assert row.status == "pending" and row.last_error.startswith("smtp 421")
    await bot.deliver(advance=timedelta(seconds=11))
    [row] = [r for r in await mail_rows(bot) if r.kind == "route_mail_request"]
    assert row.status == "sent" and len(box.to(CLERK)) == 1
    await bot.deliver(advance=timedelta(minutes=30))
    assert len(box.to(CLERK)) == 1


async def test_a_refused_email_fails_at_once_and_the_manager_is_told(mbot, smtp):
    bot, (box, _) = mbot, smtp
    lea, *_ = await story(bot)
    box.fail_next = ["550 5.1.1 No such user here"]
    await forward_to_bad_blankenburg(lea)
    await bot.deliver()
    [row] = [r for r in await mail_rows(bot) if r.kind == "route_mail_request"]
    assert (row.status, row.last_error) == ("failed", "smtp 550 5.1.1 No such user here")
    await bot.deliver()
    manager = bot.fake.users[MANAGER_ID]
    told = [t for t in manager.texts() if t.startswith("⚠️ Eine E-Mail an")]
    assert told == [
        f"⚠️ Eine E-Mail an {CLERK} ging nicht hinaus (route_mail_request): smtp 550 5.1.1 No such user here"
    ]
    await bot.deliver(advance=timedelta(hours=1))
    assert len([t for t in manager.texts() if t.startswith("⚠️ Eine E-Mail an")]) == 1  # once
    assert box.to(CLERK) == []


async def test_an_unreachable_smtp_server_is_retried_until_the_expiry_then_the_manager_is_told(mbot, smtp):
    bot, (box, _) = mbot, smtp
    lea, *_ = await story(bot)
    bot.dispatcher.mailer.config = type(bot.dispatcher.mailer.config)(  # a port nobody listens on
        host="127.0.0.1", port=1, security="none", from_address="bot@saalebogen.de", timeout_seconds=2
    )
    await forward_to_bad_blankenburg(lea)
    await bot.deliver()
    [row] = [r for r in await mail_rows(bot) if r.kind == "route_mail_request"]
    assert row.status == "pending" and row.last_error.startswith("no connection")
    for _ in range(4):  # 20 hours of retries
        await bot.deliver(advance=timedelta(hours=5))
    manager = bot.fake.users[MANAGER_ID]
    assert [t for t in manager.texts() if t.startswith("⚠️ Eine E-Mail an")] == []
    await bot.deliver(advance=timedelta(hours=5))  # past the 24 hours of [delivery] expiry_hours
    [row] = [r for r in await mail_rows(bot) if r.kind == "route_mail_request"]
    assert row.status == "failed"
    await bot.deliver()
    [told] = [t for t in manager.texts() if t.startswith("⚠️ Eine E-Mail an")]
    assert f"{CLERK} ging nicht hinaus (route_mail_request)" in told and "no connection" in told
    assert box.messages == []


async def test_the_clerk_gets_the_reminder_and_the_answer_to_her_question_by_email(mbot, smtp):
    bot, (box, _) = mbot, smtp
    lea, *_ = await story(bot)
    await forward_to_bad_blankenburg(lea)
    await bot.deliver()
    route = next(r for r in await routes(bot) if r.town == "bad_blankenburg")
    bot.clock.set(route.deadline_at - timedelta(days=7))
    await bot.deliver()
    [_, reminder] = box.to(CLERK)
    assert reminder["Subject"].startswith("Erinnerung: Idee #1 wartet auf die Antwort der Verwaltung Bad Blankenburg")
    async with bot.db.transaction() as s:  # the question as the answer page asks it (tests/test_answer_page.py)
        await routing.answer(s, CLERK, route.id, routing.QUESTION, bot.config.routing, bot.clock.now(), text=QUESTION)
    await bot.deliver()
    question = lea.last_message()
    assert f"❓ hat eine Rückfrage: {QUESTION}" in question.text
    await lea.press("Rückfrage beantworten", message=question)
    await lea.send(REPLY)
    assert "geht an 1 Ansprechperson" in lea.last_message().text
    await bot.deliver()
    reply = box.to(CLERK)[-1]
    assert reply["Subject"] == "Antwort auf Ihre Rückfrage zu Idee #1 (Verwaltung Bad Blankenburg)"
    assert f"Ihre Frage: {QUESTION}" in body(reply, "plain") and f"Antwort des Projekts: {REPLY}" in body(
        reply, "plain"
    )
    assert "Jetzt entscheiden: übernehmen oder ablehnen" in body(reply, "html")


async def test_an_imported_idea_names_its_workshop_to_the_town_in_the_chat_and_by_email(mbot, smtp, tmp_path):
    """An imported idea has no author: the request names the workshop and its day instead (never an empty
    "Eingereicht von"), in Telegram, in /anfragen and in the clerk's e-mail."""
    from tests.routing_helpers import SAALFELD_ID, contact, requests
    from tests.test_workshops_chat import import_rows

    bot, (box, _) = mbot, smtp
    maria = await bot.register(bot.manager())
    sabine = await contact(bot, SAALFELD_ID, "Sabine", "Saalfeld")
    await import_rows(bot, tmp_path, "Mehr Busse am Abend zwischen den Städten;Daseinsvorsorge;Saalfeld;\n",
                      name="Demografie-Werkstatt Saalfeld")
    await forward_to_bad_blankenburg(maria)
    await bot.deliver()
    origin = "Eingebracht aus „Demografie-Werkstatt Saalfeld“ (Sa., 14. März 2026)"
    [request] = requests(sabine)
    assert "Mehr Busse am Abend" in request.text and origin in request.text
    assert "Eingereicht von" not in request.text
    listed = await sabine.send("/anfragen")
    assert sum(origin in m.text for m in listed) == 1  # the open request in her list names it too
    [mail] = box.to(CLERK)
    for part in (body(mail, "plain"), body(mail, "html")):
        assert "Demografie-Werkstatt Saalfeld (Sa., 14. März 2026)" in part and "Eingereicht von" not in part
