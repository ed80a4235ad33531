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
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.application import build_application, prepare
from bot.config import Config
from bot.delivery import make_dispatcher
from bot.processing import database_options
from botapi import FakeTelegram, SimGroup, SimUser
from demo import mailbox, seed, state
from demo.clock import DemoClock
from handlers.announcements import progress as announcements_progress
from handlers.commands import commands_for, publish_default_commands, publish_person_commands
from models import outbox, people
from models.db import Database
from models.teams import led_team_ids
from scheduler.dispatcher import Dispatcher
from scheduler.limiter import Limits
from web.answer_page import start_answer_page

log = logging.getLogger("actionbot.demo")
TOKEN = "1000001:demo-token-of-the-local-stand-in"
BOT_USERNAME = "actionbot_demo_bot"
DEFAULT_PORT = 8765
DEFAULT_DB = "actionbot-demo.db"
# the stand-in has no flood limits (Telegram's would make the demo's first minute slow): pace only lightly
DEMO_LIMITS = Limits(overall_per_second=200, per_chat_interval=0.0, per_group_per_minute=0)
MAX_STEPS = 500  # due times visited by one clock advance
SAVE_EVERY = 30.0  # seconds: the clock moves in real time, so it is saved now and then even when nothing happens
SAVE_GATHER = 0.3  # seconds: a burst of messages is written once


@dataclass
class Demo:
    config: Config
    fake: FakeTelegram
    db: Database
    clock: DemoClock
    app: Application[Any, Any, Any, Any, Any, Any]
    dispatcher: Dispatcher
    users: dict[str, SimUser]
    group: SimGroup
    lang: str = "de"
    state_file: Path | None = None  # where clock and chats are kept (None: nowhere)
    instance: str = ""  # this demo's name, kept across restarts: the page's memory belongs to it
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)
    version: int = 0  # moves with every change the page did not see through the stand-in
    saver: asyncio.Task[None] | None = None
    resumed: bool = False  # started from a kept clock and chats
    inbox: mailbox.Mailbox | None = None  # what the town hall's e-mail contact received (demo/mailbox.py)
    smtp: Any = None  # the demo's SMTP server (aiosmtpd's Controller)
    page: Any = None  # the answer page the e-mails link to (an aiohttp AppRunner)

    @property
    def url(self) -> str:
        return f"{self.fake.url}/"

    def spawn(self, coro: Any) -> None:
        """Run a person's action in the background: the page sees the bot's answer by polling."""
        task = asyncio.create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[Any]) -> None:
        self.tasks.discard(task)
        if not task.cancelled() and isinstance(task.exception(), Exception):
            log.info("demo action ended: %r", task.exception())

    async def advance(self, delta: timedelta) -> int:
        """Move the clock forward, stopping at every due time on the way so each message goes out on time (a
        reminder sent a day late would be given up, as in production, and a headcount after the meeting is
        no use). Returns the messages sent.

        Each step first lets what is due already go out (a drain waits for one that is running), then moves
        to the next later due time. Rows due earlier but still pending (waiting for a retry, or being sent
        by the running dispatcher) never make the clock skip ahead to the target."""
        target = self.clock.now() + delta
        sent = await self.dispatcher.drain()
        for _ in range(MAX_STEPS):
            async with self.db.transaction() as s:
                due = await outbox.next_due(s, after=self.clock.now())
            if due is None or due > target:
                break
            self.clock.set(due)
            sent += await self.dispatcher.drain()
        self.clock.set(target)
        self.version += 1
        self.dispatcher.wake()
        self.fake.notify()  # the page shows the new time at once
        return sent

    def mail_arrived(self) -> None:
        """An e-mail reached the demo's SMTP server: the page shows it in the Posteingang at once."""
        self.version += 1
        self.fake.notify()

    def save(self) -> None:
        if self.state_file is not None:
            state.save(self.state_file, self.fake, self.clock.now(), self.instance)

    def keep(self) -> None:
        """Save the clock and the chats shortly after every change (and now and then for the clock)."""
        self.saver = asyncio.create_task(self._keep())

    def _changed(self, key: tuple[int, ...]) -> Callable[[], bool]:
        return lambda: state.change_key(self.fake, self.version) != key

    async def _keep(self) -> None:
        while True:
            try:
                await self.fake.wait_for(self._changed(state.change_key(self.fake, self.version)), SAVE_EVERY)
                await asyncio.sleep(SAVE_GATHER)
            except TimeoutError:
                pass
            try:
                self.save()
            except OSError as exc:
                log.warning("the demo could not keep its chats in %s: %s", self.state_file, exc)

    async def stop(self) -> None:
        for task in list(self.tasks):
            task.cancel()
        if self.saver is not None:
            self.saver.cancel()
        if self.app.updater is not None and self.app.updater.running:
            await self.app.updater.stop()
        await self.dispatcher.stop()
        if self.app.running:
            await self.app.stop()
        await self.app.shutdown()
        try:
            self.save()
        finally:
            if self.page is not None:
                await self.page.cleanup()
            if self.smtp is not None:
                self.smtp.stop()
            await self.fake.stop()
            await self.db.dispose()


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
            if person is not None:
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
