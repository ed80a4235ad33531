"""The demo's town hall by e-mail: the project manager forwards an idea to Rudolstadt, whose contact the demo names
by e-mail address; the e-mail goes through the demo's own SMTP server (aiosmtpd) into the page's Posteingang, and
its link opens the answer page the demo serves, where taking the idea on is stored on the idea's route."""

from __future__ import annotations

import os
import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from sqlalchemy import select

from core.config import load_config
from demo import mailbox
from demo.page import snapshot
from demo.run import start_demo
from models.ideas import routing
from models.tables import IdeaRoute

EXAMPLE = Path(__file__).resolve().parent.parent / "config.example.toml"
START = datetime(2026, 12, 9, 19, 30, tzinfo=ZoneInfo("Europe/Berlin"))  # the demo's present, never the wall clock
NOTE = "Bitte prüfen, ob die Stadt leere Läden als Werkstatt vermitteln kann."
# the demo always runs on its own SQLite file: the suite's PostgreSQL pass has nothing to add here
pytestmark = pytest.mark.skipif(bool(os.environ.get("ACTIONBOT_TEST_DATABASE_URL")), reason="runs in the SQLite pass")


async def tap(user, label: str) -> None:
    """Press `label` once the bot has shown it (the demo's bot is not tracked, so wait for the button)."""
    message = await user.wait_for_message(lambda m: any(label in b for b in m.button_texts()), timeout=10)
    await user.press(label, message=message)


async def forward_to_rudolstadt(manager, idea: str) -> None:
    await manager.send("/answer")
    await tap(manager, f"{idea} ·")
    await tap(manager, "→ an Stadt weitergeleitet")
    await tap(manager, "▫️ Rudolstadt")
    await tap(manager, "✅ Bad Blankenburg")  # the idea's own town: untick it, only Rudolstadt is asked
    await tap(manager, "Weiter ▶")
    await manager.wait_for_message(lambda m: "Schreib jetzt die Antwort" in m.text, timeout=10)
    await manager.send(NOTE)
    await tap(manager, "Bei keinem Treffen")
    await tap(manager, "Alle veröffentlichen")


async def test_the_forwarded_idea_arrives_in_the_posteingang_and_is_taken_on_through_its_link(tmp_path):
    demo = await start_demo(load_config(EXAMPLE, require_token=False), db_path=tmp_path / "demo.db", port=0,
                            start=START)
    try:
        assert snapshot(demo)["inbox"] == {"address": mailbox.ADDRESS, "mails": []}
        assert snapshot(demo)["texts"]["inbox_name"] == "Rathaus Rudolstadt (E-Mail)"
        await forward_to_rudolstadt(demo.users["manager"], "#45")
        mails = await demo.fake.wait_for(lambda: snapshot(demo)["inbox"]["mails"], timeout=20)
        [mail] = mails
        assert mail["to"] == mailbox.ADDRESS and mail["from"] == mailbox.SENDER
        assert mail["subject"].startswith("Idee #45 für die Verwaltung Rudolstadt – Antwort erbeten bis ")
        assert NOTE in mail["text"] and mail["time"] == "19:30"  # on the demo's clock
        assert mail["link"].startswith(f"{demo.config.web.public_url}/a/") and mail["link"] in mail["text"]

        async with aiohttp.ClientSession() as http:
            async with http.get(mail["link"]) as res:
                assert res.status == 200
                page = await res.text()
            assert "#45" in page
            csrf = re.search(r'name="csrf" value="([^"]+)"', page)
            assert csrf is not None
            origin = demo.config.web.public_url
            form = {"csrf": csrf.group(1), "lang": "de", "action": "take"}
            async with http.post(mail["link"], data=form, headers={"Origin": "http://evil.example"}) as res:
                assert res.status == 403  # another origin changes nothing
            async with http.post(mail["link"], data=form, headers={"Origin": origin}) as res:
                assert res.status == 200 and res.url.query.get("done") == "1"  # followed the redirect

        async with demo.db.transaction() as s:
            [route] = (await s.execute(select(IdeaRoute).where(IdeaRoute.idea_id == 45))).scalars()
        assert (route.town, route.status) == ("rudolstadt", routing.TAKEN)
    finally:
        await demo.stop()
