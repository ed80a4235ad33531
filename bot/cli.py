"""The command line: `actionbot run`, `actionbot db upgrade`, and the queries `stats`, `export`, `report`.

Config problems end the program with one line naming the key and exit code 2, never a traceback.
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

from telegram import Update

from bot import cli_queries
from bot.application import build_application, prepare
from bot.config import ConfigError, load_config
from bot.delivery import make_dispatcher
from bot.logs import install_redaction, setup_logging
from bot.processing import database_options
from handlers import announcements_progress
from handlers.commands import publish_default_commands
from models.db import Database
from models.migrate import upgrade

log = logging.getLogger("actionbot")


def _config_path(arg: str | None) -> str:
    return arg or os.environ.get("ACTIONBOT_CONFIG") or "config.toml"


async def run_bot(config_path: str) -> None:
    config = load_config(config_path)
    setup_logging(config.token)
    install_redaction(config.webhook.secret_token)
    # SQLite: one pooled connection, so concurrent updates queue in-process instead of in SQLite's busy handler
    db = Database(config.database_url, **database_options(config.database_url))
    await prepare(config, db)
    app = build_application(config, db)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    runner = None
    async with app:
        await publish_default_commands(app.bot)
        await app.start()
        dispatcher = make_dispatcher(app)
        await dispatcher.start(app.job_queue)
        announcements_progress.schedule(app)  # the senders' progress messages and final reports
        if config.mode == "webhook":
            from bot.webhook import start_webhook

            runner = await start_webhook(app, config.webhook)
        else:
            assert app.updater is not None
            await app.updater.start_polling(allowed_updates=Update.ALL_TYPES, drop_pending_updates=False)
            log.info("polling as @%s", app.bot.username)
        await stop.wait()
        log.info("stopping")
        if runner is not None:
            await runner.cleanup()
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        await dispatcher.stop()
        await app.stop()
    await db.dispose()


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
        asyncio.run(run(config, port=port, db_path=db, lang=getattr(args, "lang", "de")))
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
    sub.add_parser("run", help="run the bot (polling, or webhook when configured); without a token: the demo")
    demo = sub.add_parser("demo", help="try the bot in the browser: a local stand-in for Telegram, no token needed")
    demo.add_argument("--port", type=int, default=None, help="port on 127.0.0.1 (default 8765, $ACTIONBOT_DEMO_PORT)")
    demo.add_argument("--db", default=None, help="the demo's own SQLite file (default actionbot-demo.db)")
    demo.add_argument("--fresh", action="store_true", help="delete the demo's database first and start anew")
    demo.add_argument("--lang", choices=["de", "en"], default="de", help="language of the page's own words")
    db = sub.add_parser("db", help="database tasks")
    db.add_argument("action", choices=["upgrade"], help="apply pending migrations")
    cli_queries.add_parsers(sub)  # stats, export, report
    args = parser.parse_args(argv)
    path = _config_path(args.config)
    try:
        if args.command == "run" and not load_config(path, require_token=False).token:
            return run_demo(path, args)  # no token: the demo instead of a line about @BotFather
        if args.command == "run":
            asyncio.run(run_bot(path))
        elif args.command == "demo":
            return run_demo(path, args)
        elif args.command in ("stats", "export", "report"):
            return cli_queries.run(load_config(path, require_token=False), args)
        else:
            config = load_config(path, require_token=False)
            asyncio.run(upgrade(config.database_url))
            print(f"database is up to date: {config.database_url.split('://')[0]}")
    except ConfigError as exc:
        print(f"actionbot: config error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
