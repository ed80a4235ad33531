"""The running demo: its parts, the clock control that stops at every due message, and keeping the chats.

Its own module so that the page (demo/page.py) and the start-up (demo/run.py) both use it without importing
each other."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from telegram.ext import Application

from botapi import FakeTelegram, SimGroup, SimUser
from core.config import Config
from demo import mailbox, state
from demo.clock import DemoClock
from models import outbox
from models.db import Database
from scheduler.dispatcher import Dispatcher

log = logging.getLogger("actionbot.demo")
log = logging.getLogger("actionbot.demo")

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
            gc.collect()  # a connection dropped by a cancelled task starts its close when collected: before dispose
            await self.db.dispose()
