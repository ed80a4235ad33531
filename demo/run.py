"""`actionbot demo`: the bot's real job against the local Bot API stand-in, with the chat page on the same port.

Everything runs in this one process on 127.0.0.1: the stand-in (botapi/), the real PTB Application polling it
over HTTP, the dispatcher on a clock that can be moved forward, and the page (demo/page.py). The demo has its
own SQLite file; beside it the demo keeps its clock and the stand-in's chats (demo/state.py), so a restart goes
on where it stopped. `--fresh` deletes both first.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.answer_page import start_answer_page
from bot.application import build_application, prepare
from bot.delivery import make_dispatcher
from bot.processing import database_options
from botapi import FakeTelegram
from core.config import Config
from demo import mailbox, seed, state
from demo.clock import DemoClock
from demo.running import Demo
from handlers.announcements import progress as announcements_progress
from handlers.commands import commands_for, publish_default_commands, publish_person_commands
from models import people
from models.db import Database
from models.teams import led_team_ids
from scheduler.limiter import Limits

log = logging.getLogger("actionbot.demo")
TOKEN = "1000001:demo-token-of-the-local-stand-in"
BOT_USERNAME = "actionbot_demo_bot"
DEFAULT_PORT = 8765
DEFAULT_DB = "actionbot-demo.db"
# the stand-in has no flood limits (Telegram's would make the demo's first minute slow): pace only lightly
DEMO_LIMITS = Limits(overall_per_second=200, per_chat_interval=0.0, per_group_per_minute=0)


def demo_config(config: Config, db_path: Path, manager: int = seed.MANAGER) -> Config:
    """The config with the stand-in's token and address, the demo's own database and its manager."""
    return dataclasses.replace(
        config,
        token=TOKEN,
        api_base_url="http://127.0.0.1:0",  # set once the stand-in listens
        mode="polling",
        database_url=f"sqlite+aiosqlite:///{db_path}",
        managers=(manager,),
    )


def demo_database(path: str | Path, fresh: bool) -> Path:
    """The demo's SQLite file as an absolute path; `fresh` deletes it and the kept clock and chats first."""
    db_path = Path(path).resolve()
    if fresh:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)
        state.state_path(db_path).unlink(missing_ok=True)
    return db_path


async def start_demo(
    config: Config, *, db_path: Path, port: int = DEFAULT_PORT, lang: str = "de", start: datetime | None = None,
) -> Demo:
    """Start everything and return once the page can be opened (`db_path`: see `demo_database`; `start`: the
    demo's present for a new demo, real time when left out; a kept demo goes on at its kept clock)."""
    from demo import page

    fake = FakeTelegram(token=TOKEN, bot_username=BOT_USERNAME)
    holder: dict[str, Demo] = {}
    try:
        await fake.start(port=port, setup=lambda web_app: page.install(web_app, holder))
    except OSError:
        await fake.stop()
        raise
    users, group = seed.add_users(fake)
    state_file = state.state_path(db_path)
    saved = _kept(db_path, state_file, fake)
    clock = DemoClock(saved.now if saved is not None else start)
    fake.clock = lambda: clock.now().timestamp()  # messages carry the demo's time, as the bot sees it
    box = mailbox.Mailbox(clock.now)
    smtp = mailbox.start_server(box)
    config = mailbox.with_mail(dataclasses.replace(demo_config(config, db_path), api_base_url=fake.url),
                               smtp.port, mailbox.free_port())
    db = Database(config.database_url, **database_options(config.database_url))
    page_runner = None
    try:
        await prepare(config, db, clock)
        await seed.seed(db, config, clock.now())
        app = build_application(config, db, clock)
        await app.initialize()
        await publish_default_commands(app.bot)
        await _publish_menus(app, db)
        await app.start()
        dispatcher = make_dispatcher(app, DEMO_LIMITS)
        await dispatcher.start(app.job_queue)
        announcements_progress.schedule(app)
        assert app.updater is not None
        await app.updater.start_polling(allowed_updates=Update.ALL_TYPES, drop_pending_updates=False, timeout=10)
        page_runner = await start_answer_page(app.bot_data["services"])  # as `actionbot run` does with [web]
    except BaseException:
        if page_runner is not None:
            await page_runner.cleanup()
        smtp.stop()
        await fake.stop()
        await db.dispose()
        raise
    instance = saved.instance if saved is not None else uuid.uuid4().hex
    demo = Demo(config, fake, db, clock, app, dispatcher, users, group, lang, state_file, instance,
                resumed=saved is not None, inbox=box, smtp=smtp, page=page_runner)
    box.on_arrival = demo.mail_arrived
    demo.save()
    demo.keep()
    holder["demo"] = demo
    return demo


def _kept(db_path: Path, state_file: Path, fake: FakeTelegram) -> state.Saved | None:
    """The kept clock and chats, when the database they belong to is there too."""
    if not db_path.exists():
        return None
    try:
        return state.load(state_file, fake)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("the demo's kept chats in %s could not be read (%s): starting with empty chats", state_file, exc)
        return None


async def _publish_menus(app: Application[Any, Any, Any, Any, Any, Any], db: Database) -> None:
    """The command menus of the seeded people (the bot sets them when roles change; seeding skipped that)."""
    async with db.transaction() as s:
        for persona in seed.PERSONAS:
            person = await people.get_person(s, persona.user_id)
            if person is not None and person.telegram_id is not None:
                names = commands_for(person, bool(await led_team_ids(s, person)))
                await publish_person_commands(app.bot, person.telegram_id, names, person.language)


async def run_demo(config: Config, *, port: int, db_path: Path, lang: str, start: datetime | None = None) -> None:
    """Run until Ctrl+C (SIGINT) or SIGTERM."""
    import signal

    demo = await start_demo(config, port=port, db_path=db_path, lang=lang, start=start)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    kept = " (going on where it stopped, clock and chats kept)" if demo.resumed else ""
    print(
        f"actionbot demo: open {demo.url} in your browser (no Telegram token: the bot talks to a local stand-in, "
        f"demo data in {db_path}{kept}, --fresh starts anew). To go live, put the token from @BotFather into "
        "config.toml (telegram.token) or TELEGRAM_BOT_TOKEN and run it again. Ctrl+C stops.",
        flush=True,
    )
    try:
        await stop.wait()
    finally:
        await demo.stop()
