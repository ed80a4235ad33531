"""The bot under test, in a process of its own: `python -m bench.child KIND TOKEN API_URL [DB_URL]`.

Like production, the bot does not share its CPU with the Bot API server. It writes `R` when it polls
and then one line with the update id per fully processed update to stdout (a pipe to the benchmark,
which tells the fake server: the same completion signal the test suite's `Traced` application gives).
SIGTERM stops it gracefully; with `--profile PATH` it writes a cProfile dump there on exit (with `--per-update`
one dump per kind of update instead, beside the figures).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import logging
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event
from telegram import Update
from telegram.ext import Application

from bench.echo import build_echo_bot
from bot.application import build_application
from bot.logs import install_redaction
from bot.processing import database_options
from models.db import Database
from scheduler.limiter import Limits, RateLimiter


class Signalling(Application):  # type: ignore[type-arg]
    """Reports every processed update id on stdout (one small write, the same cost for every bot)."""

    async def process_update(self, update: object) -> None:
        try:
            await super().process_update(update)
        finally:
            update_id = getattr(update, "update_id", None)
            if update_id is not None:
                os.write(1, b"%d\n" % update_id)


def update_kind(update: object) -> str:
    """What an update is, for the per-kind figures: the command, `text`, or the button's callback prefix."""
    if isinstance(update, Update):
        if update.callback_query is not None:
            return f"button {(update.callback_query.data or '').split(':')[0]}"
        message = update.effective_message
        text = (message.text or "") if message is not None else ""
        return text.split()[0] if text.startswith("/") else "text"
    return "other"


class PerUpdate:
    """Per kind of update: how many, SQL statements, CPU seconds (the whole process: aiosqlite's thread too).
    Exact only when updates run one at a time (the benchmark's per-update pass runs a single user); only users
    whose first name starts with `prefix` count. It also keeps the statements of each kind's first update, and
    with `profile` a cProfile per kind (the function calls of that kind's updates alone, in the event loop thread's CPU
    time, so waiting for the GIL or for the machine's other processes is not counted)."""

    def __init__(self, db: Database, prefix: str, profile: bool = False) -> None:
        self.prefix = prefix
        self.statements = 0
        self.kinds: dict[str, list[float]] = {}
        self.sql: dict[str, list[str]] = {}
        self._current: list[str] | None = None
        self.profiles: dict[str, cProfile.Profile] = {}
        self.profile = profile
        event.listen(db.engine.sync_engine, "before_cursor_execute", self._count)

    def _count(self, _conn: Any, _cursor: Any, statement: str, *args: Any) -> None:
        self.statements += 1
        if self._current is not None:
            self._current.append(" ".join(statement.split()))

    def wrap(self, app_class: type[Application]) -> type[Application]:  # type: ignore[type-arg]
        counter = self

        class Counting(app_class):  # type: ignore[misc, valid-type]
            async def process_update(self, update: object) -> None:
                user = update.effective_user if isinstance(update, Update) else None
                if user is None or not user.first_name.startswith(counter.prefix):
                    await super().process_update(update)
                    return
                kind = update_kind(update)
                if kind not in counter.sql:
                    counter._current = counter.sql[kind] = []
                profile = None
                if counter.profile:
                    profile = counter.profiles.setdefault(kind, cProfile.Profile(time.thread_time))
                statements, cpu = counter.statements, time.process_time()
                if profile is not None:
                    profile.enable()
                try:
                    await super().process_update(update)
                finally:
                    if profile is not None:
                        profile.disable()
                    row = counter.kinds.setdefault(kind, [0, 0, 0.0])
                    row[0] += 1
                    row[1] += counter.statements - statements
                    row[2] += time.process_time() - cpu
                    counter._current = None

        return Counting

    def dump(self, path: str) -> None:
        Path(path).write_text(json.dumps(self.kinds), encoding="utf-8")
        Path(f"{path}.sql").write_text(json.dumps(self.sql, ensure_ascii=False), encoding="utf-8")
        for kind, profile in self.profiles.items():
            profile.dump_stats(f"{path}.{kind.replace(' ', '_').replace('/', '')}.prof")


async def serve(args: argparse.Namespace) -> None:
    install_redaction(args.token)
    db: Database | None = None
    per_update: PerUpdate | None = None
    app: Application[Any, Any, Any, Any, Any, Any]
    if args.kind == "echo":
        app = build_echo_bot(args.token, f"{args.api_url}/bot", Signalling)
    else:
        from bench.run import make_config_data  # the same config the parent prepared the database with
        from core.config import parse_config

        config = parse_config(make_config_data(args.token, args.api_url, args.db_url), env={})
        db = Database(args.db_url, **(database_options(args.db_url) if args.db_options else {}))
        app_class: type[Application] = Signalling  # type: ignore[type-arg]
        if args.per_update:
            per_update = PerUpdate(db, "Prof", profile=bool(args.profile))
            app_class = per_update.wrap(Signalling)
        app = build_application(
            config, db, application_class=app_class, ptb_defaults=args.kind == "actionbot-ptb",
            concurrency=args.concurrency,
        )
        if args.per_update:  # no pacing: an update's CPU is its own, not the background work while it waits its turn
            unpaced = Limits(overall_per_second=0, per_chat_interval=0.001, per_chat_burst=1000)
            app.bot_data["services"].own_limiter = RateLimiter(unpaced)
        elif args.overall_per_second != Limits().overall_per_second:  # the replies' limiter (no dispatcher here)
            app.bot_data["services"].own_limiter = RateLimiter(Limits(overall_per_second=args.overall_per_second))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1, drop_pending_updates=False)
        os.write(1, b"R\n")
        await stop.wait()
        await app.updater.stop()
        await app.stop()
    if per_update is not None:
        per_update.dump(args.per_update)
    if db is not None:
        await db.dispose()


class OneLine(logging.Filter):
    """Put the exception on the record's line, so the parent can count and quote errors line by line."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            record.msg, record.args = f"{record.getMessage()} ({record.exc_info[1]!r:.300})", None
            record.exc_info, record.exc_text = None, None
        return True


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.child")
    parser.add_argument("kind", choices=["echo", "actionbot", "actionbot-ptb"])
    parser.add_argument("token")
    parser.add_argument("api_url")
    parser.add_argument("db_url", nargs="?", default="")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--no-db-options", dest="db_options", action="store_false")
    parser.add_argument("--profile", default="")
    parser.add_argument("--overall-per-second", type=float, default=Limits().overall_per_second)
    parser.add_argument("--per-update", default="", help="write per-kind statements and CPU (JSON) to this path")
    parser.add_argument("--uvloop", action="store_true", help="run on uvloop instead of asyncio's default loop")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="child %(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        handler.addFilter(OneLine())
    profile = cProfile.Profile() if args.profile and not args.per_update else None  # per kind: PerUpdate
    if profile is not None:
        profile.enable()
    try:
        if args.uvloop:
            import uvloop

            with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
                runner.run(serve(args))
        else:
            asyncio.run(serve(args))
    finally:
        if profile is not None:
            profile.disable()
            profile.dump_stats(args.profile)
    return 0


if __name__ == "__main__":
    sys.exit(main())
