"""The command line: `actionbot run`, `actionbot db upgrade`, and the queries `stats`, `export`, `report`.

Config problems end the program with one line naming the key and exit code 2, never a traceback; so do
the start-up failures bot/startup.py recognises (refused token, unreachable or refused database, ...),
each with its own exit code.
"""

from __future__ import annotations

import argparse
import asyncio
import errno
import logging
import os
import signal
import sys
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot import backup, cli_backup, cli_import, cli_meetings, cli_queries, retention, standby, startup, waiting
from bot.answer_page import start_answer_page
from bot.application import build_application, prepare
from bot.delivery import make_dispatcher
from bot.health import polling_error, start_health
from bot.logs import install_redaction, json_configured, report_failure, setup_logging
from bot.processing import database_options
from core.config import Config, ConfigError, load_config
from handlers.announcements import progress as announcements_progress
from handlers.commands import publish_default_commands
from models.db import Database
from models.migrate import upgrade
from scheduler import away, stalled_ideas, surveys
from scheduler import digest as digest_job
from scheduler import routing as routing_jobs

log = logging.getLogger("actionbot")


def _config_path(arg: str | None) -> str:
    return arg or os.environ.get("ACTIONBOT_CONFIG") or "config.toml"


async def run_bot(config_path: str) -> None:
    config = load_config(config_path)
    setup_logging(config.token, config.logging.level, config.logging.format)
    install_redaction(config.webhook.secret_token)
    startup.check_sqlite(config.database_url, write=True)
    # SQLite: one pooled connection, so concurrent updates queue in-process instead of in SQLite's busy handler
    db = Database(config.database_url, **database_options(config.database_url))
    app = build_application(config, db)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    health = None
    page = None
    leader = None
    try:
        health = await start_health(app, config.health) if config.health.port else None  # before: a busy port stops
        with startup.telegram_step(config):
            await app.initialize()  # getMe: the token and the Bot API, before anything is changed
        metrics = app.bot_data["services"].metrics
        while not stop.is_set():
            metrics.standby = True  # /healthz: waiting for the lock is no failure; the database check says the rest
            active, leader = await waiting.until_active(config, db, lambda: prepare(config, db), stop)
            if not active:
                break
            metrics.became_active()
            if page is None and config.web.enabled:  # the answer page for contacts by e-mail ([web]), once active
                page = await start_answer_page(app.bot_data["services"])
            await serve(app, config, leader, stop)
            if leader is None or leader.lost is None:
                break  # SIGINT/SIGTERM
            await leader.release()  # lost: sending stopped at once; wait as the standby until the database is back
            fence, leader = leader.fence, None
            try:  # a head start for a standby that kept its connection: it takes over, this one waits
                await asyncio.wait_for(stop.wait(), fence)
            except TimeoutError:
                pass
    finally:
        await app.shutdown()
        await app.bot.shutdown()  # closes the HTTP sessions also when getMe failed (then the app never was up)
        if health is not None:
            await health.cleanup()
        if page is not None:
            await page.cleanup()
        await db.dispose()
        if leader is not None:
            await leader.release()


async def serve(
    app: Application[Any, Any, Any, Any, Any, Any],
    config: Config,
    leader: standby.Leadership | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Take updates (polling or webhook) and deliver the outbox until `stop` (SIGINT, SIGTERM) or until
    `leader` is lost; then everything it started is stopped, so it can run again once the lock is back."""
    if stop is None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
    lost = asyncio.Event()
    runner = None
    with startup.telegram_step(config):
        await publish_default_commands(app.bot)
    await app.start()
    dispatcher = make_dispatcher(app)
    dispatcher.sole_worker = dispatcher.sole_worker or leader is not None
    try:
        await dispatcher.start(app.job_queue)
        if leader is not None:
            leader.watch(standby.stop_sending(app, dispatcher, lost))
        announcements_progress.schedule(app)  # the senders' progress messages and final reports
        backup.schedule(app)  # the daily backup, when [backup] folder is set
        retention.schedule(app)  # the daily retention run ([privacy])
        digest_job.schedule(app)  # the monthly digest to the manager and the leads ([digest])
        surveys.schedule(app)  # the survey after meetings whose attendance nobody recorded
        away.schedule(app)  # the one question to members who stopped coming (what kept them away)
        stalled_ideas.schedule(app)  # the daily questions about stalled ideas ([evaluation] stalled_weeks)
        routing_jobs.schedule(app)  # forwarded ideas reach contacts who registered later
        with startup.telegram_step(config), startup.webhook_step(config):
            if config.mode == "webhook":
                from bot.webhook import start_webhook

                runner = await start_webhook(app, config.webhook)
            else:
                assert app.updater is not None
                await app.updater.start_polling(
                    allowed_updates=Update.ALL_TYPES, drop_pending_updates=False,
                    error_callback=polling_error(app.bot_data["services"].metrics),
                )  # fmt: skip
                log.info("polling as @%s", app.bot.username)
        waits = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(lost.wait())]
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for w in waits:
                w.cancel()
        log.info("stopping" if stop.is_set() else "stopped sending; waiting as the standby")
    finally:
        if runner is not None:
            await runner.cleanup()
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        await dispatcher.stop()
        if leader is not None:
            await leader.unwatch()
        await app.stop()
        if app.job_queue is not None:
            app.job_queue.scheduler.remove_all_jobs()  # the next round as the active process schedules them anew


def _instant(text: str) -> datetime:
    """An ISO 8601 instant with its UTC offset (a time without one would depend on the machine's zone)."""
    when = datetime.fromisoformat(text)
    if when.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} has no UTC offset (e.g. 2026-12-09T17:30+01:00)")
    return when


def run_demo(path: str, args: argparse.Namespace) -> int:
    """The demo (demo/run.py) on the config's teams, towns and texts; its own database, never the live one."""
    from pathlib import Path

    from demo.run import DEFAULT_DB, DEFAULT_PORT, TOKEN, demo_database
    from demo.run import run_demo as run

    if not Path(path).exists() and Path("config.example.toml").exists():
        path = "config.example.toml"
    config = load_config(path, require_token=False)
    setup_logging(TOKEN, logging.WARNING)  # the page shows what happens; the log only what went wrong
    logging.getLogger("apscheduler").setLevel(logging.ERROR)  # a progress job skipped on a busy laptop is no news
    port = getattr(args, "port", None) or int(os.environ.get("ACTIONBOT_DEMO_PORT") or DEFAULT_PORT)
    db = demo_database(getattr(args, "db", None) or DEFAULT_DB, getattr(args, "fresh", False))
    try:
        asyncio.run(run(config, port=port, db_path=db, lang=getattr(args, "lang", "de"),
                        start=getattr(args, "start", None)))
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
        print(f"actionbot demo: port {port} on 127.0.0.1 is in use; choose another with --port or "
              "ACTIONBOT_DEMO_PORT", file=sys.stderr)
        return 1
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="actionbot", description="Telegram bot for cross-town action teams.")
    parser.add_argument("--config", help="path of the TOML config (default: $ACTIONBOT_CONFIG or config.toml)")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the bot (polling, or webhook when configured)")
    run.add_argument(
        "--demo-without-token",
        action="store_true",
        help="no token configured: start the local demo instead of stopping (what `make run` does); services "
        "leave it off, so a lost token stops them with exit code 2",
    )
    demo = sub.add_parser("demo", help="try the bot in the browser: a local stand-in for Telegram, no token needed")
    demo.add_argument("--port", type=int, default=None, help="port on 127.0.0.1 (default 8765, $ACTIONBOT_DEMO_PORT)")
    demo.add_argument("--db", default=None, help="the demo's own SQLite file (default actionbot-demo.db)")
    demo.add_argument("--fresh", action="store_true", help="delete the demo's database first and start anew")
    demo.add_argument("--lang", choices=["de", "en"], default="de", help="language of the page's own words")
    demo.add_argument("--start", type=_instant, default=None, metavar="ISO",
                      help="the demo's present, e.g. 2026-12-09T17:30+01:00 (default: now; tests pin it)")
    db = sub.add_parser("db", help="database tasks")
    dbsub = db.add_subparsers(dest="action", required=True)
    dbsub.add_parser("upgrade", help="apply pending migrations")
    cli_backup.add_parsers(dbsub)  # backup, restore, copy
    cli_queries.add_parsers(sub)  # stats, export, report
    retention.add_parser(sub)  # privacy enforce [--dry-run]
    cli_import.add_parsers(sub)  # workshop add|list, import ideas FILE --workshop KEY [--dry-run]
    cli_meetings.add_parsers(sub)  # meeting letters ID --out FILE.pdf
    args = parser.parse_args(argv)
    path = _config_path(args.config)
    try:
        if args.command == "run" and args.demo_without_token and not load_config(path, require_token=False).token:
            return run_demo(path, args)  # no token: the demo instead of a line about @BotFather
        if args.command == "run":
            try:
                config = load_config(path)
            except ConfigError as exc:  # the only line that cannot follow [logging] format: say so
                print(f"actionbot: config error: {exc} (this line is plain text: the config, and with it "
                      "[logging] format, could not be read)", file=sys.stderr)  # fmt: skip
                return startup.CONFIG_ERROR
            setup_logging(config.token, config.logging.level, config.logging.format)  # every line from here on
            logging.captureWarnings(True)  # Python's warnings become log records too (JSON when configured)
            try:
                with standby.sqlite_lock(config.database_url):  # SQLite: one process per file
                    asyncio.run(run_bot(path))
            except (ConfigError, startup.StartupError, KeyboardInterrupt):
                raise
            except Exception:
                if not json_configured():
                    raise
                log.exception("stopped by an unexpected error (a bug: please report it)", extra={"exit_code": 1})
                return 1
        elif args.command == "db" and args.action != "upgrade":
            return cli_backup.run(path, args)
        elif args.command == "demo":
            return run_demo(path, args)
        elif args.command in ("stats", "export", "report"):
            config = load_config(path, require_token=False)
            startup.check_sqlite(config.database_url, write=False)
            with startup.database_step(config.database_url):
                return cli_queries.run(config, args)
        elif args.command in ("workshop", "import"):
            config = load_config(path, require_token=False)
            startup.check_sqlite(config.database_url, write=False)  # never creates an empty database to import into
            if cli_import.writes(args):
                startup.check_sqlite(config.database_url, write=True)
            with startup.database_step(config.database_url):
                return cli_import.run(config, args)
        elif args.command == "meeting":
            config = load_config(path, require_token=False)
            startup.check_sqlite(config.database_url, write=False)  # never creates an empty database to print from
            startup.check_sqlite(config.database_url, write=True)  # the audit entry is written
            with startup.database_step(config.database_url):
                return cli_meetings.run(config, args)
        elif args.command == "privacy":
            config = load_config(path, require_token=False)
            startup.check_sqlite(config.database_url, write=False)  # never creates an empty database to enforce on
            with startup.database_step(config.database_url):
                return retention.run(config, args)
        else:
            config = load_config(path, require_token=False)
            startup.check_sqlite(config.database_url, write=True)
            with startup.database_step(config.database_url):
                asyncio.run(upgrade(config.database_url))
            print(f"database is up to date: {config.database_url.split('://')[0]}")
    except ConfigError as exc:
        report_failure(f"config error: {exc}", startup.CONFIG_ERROR)
        return startup.CONFIG_ERROR
    except startup.StartupError as exc:
        report_failure(str(exc), exc.code)
        return exc.code
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
