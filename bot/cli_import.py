"""`actionbot workshop add|list|handout` and `actionbot import ideas FILE --workshop KEY [--dry-run]`.

The command line is trusted like the database file it can write anyway: no person is needed (the audit log
names the system, via cli). Messages come from the text catalogue in `--lang` (German by default), as plain
text. Exit codes: 0 done (a dry run without errors too), 1 the file has row errors (nothing was stored),
2 a bad request: usage, a missing or unreadable file, an unknown workshop or town, a bad key, name or date.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import re
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from core.config import Config
from core.texts import format_day, t
from models import workshops
from models.db import Database
from models.errors import Refusal
from models.ideas import import_file, imports
from models.tables import Idea, Workshop

OK, ROW_ERRORS, BAD_REQUEST = 0, 1, 2
_TAG = re.compile(r"<[^>]*>")


def add_parsers(sub: Any) -> None:
    ws = sub.add_parser("workshop", help="record a Demografie-Werkstatt (workshop) or list them")
    wsub = ws.add_subparsers(dest="action", required=True)
    add = wsub.add_parser("add", help="record a workshop: its key names it in `import ideas`")
    add.add_argument("key", help="short key: a-z, 0-9 and -, at most 40 characters (e.g. saalfeld-2026-03)")
    add.add_argument("--name", required=True, help='its name, e.g. "Demografie-Werkstatt Saalfeld"')
    add.add_argument("--date", required=True, help="the day it took place: YYYY-MM-DD (or DD.MM.YYYY)")
    add.add_argument("--town", required=True, help="the town's key from the config, e.g. saalfeld")
    add.add_argument("--lang", choices=("de", "en"), default="de", help="language of messages (default de)")
    lst = wsub.add_parser("list", help="every recorded workshop with its key and number of imported ideas")
    lst.add_argument("--lang", choices=("de", "en"), default="de", help="language of messages (default de)")
    out = wsub.add_parser("handout", help="a printable A4 handout: the workshop's ideas, what became of them, QR codes")
    out.add_argument("key", help="the workshop's key (actionbot workshop list)")
    out.add_argument("--out", required=True, help="the PDF file to write, e.g. handzettel.pdf")
    out.add_argument("--bot", help="the bot's username for the QR links (default: asked from Telegram with the token)")
    out.add_argument("--lang", choices=("de", "en"), default="de", help="language of the handout (default de)")
    imp = sub.add_parser("import", help="import a workshop's results (CSV or XLSX; see docs/import.md)")
    isub = imp.add_subparsers(dest="what", required=True)
    ideas = isub.add_parser("ideas", help="import ideas: all rows or none; --dry-run only checks and shows them")
    ideas.add_argument("file", help="CSV (UTF-8 or Windows-1252, ; or , separated) or XLSX")
    ideas.add_argument("--workshop", required=True, help="the workshop's key (actionbot workshop list)")
    ideas.add_argument("--dry-run", action="store_true", help="check every row and show what would be imported")
    ideas.add_argument("--lang", choices=("de", "en"), default="de", help="language of messages (default de)")


def writes(args: argparse.Namespace) -> bool:
    """Whether the command stores something (the database must then be writable)."""
    return (args.command == "workshop" and args.action == "add") or (args.command == "import" and not args.dry_run)


def plain(text: str) -> str:
    """A catalogue text for the terminal: no HTML tags, entities as characters."""
    return html.unescape(_TAG.sub("", text))


def _say(lang: str, key: str, /, **params: Any) -> str:
    """The text with its values escaped first, so stripping the catalogue's tags leaves typed `<`, `>`, `&` as typed."""
    safe = {k: html.escape(v, quote=False) if isinstance(v, str) else v for k, v in params.items()}
    return plain(t(lang, key, **safe))


def _town(config: Config, key: str, lang: str) -> str:
    town = config.town(key)
    return town.name(lang) if town else key


def _day(config: Config, workshop: Workshop, lang: str) -> str:
    return format_day(
        datetime(workshop.held_on.year, workshop.held_on.month, workshop.held_on.day, 12, tzinfo=UTC),
        lang,
        config.time_zone,
    )


async def _add(config: Config, args: argparse.Namespace) -> str:
    db = Database(config.database_url)
    try:
        async with db.transaction() as s:
            w = await workshops.create(
                s,
                None,
                key=args.key,
                name=args.name,
                day=workshops.parse_day(args.date),
                town=args.town,
                allowed_towns=[t.key for t in config.towns],
                now=datetime.now(UTC),
            )
            lang = args.lang
            return _say(
                lang,
                "workshops.cli_workshop_added",
                name=w.name,
                key=w.key,
                day=_day(config, w, lang),
                town=_town(config, w.town, lang),
            )
    finally:
        await db.dispose()


async def _list(config: Config, args: argparse.Namespace) -> str:
    db = Database(config.database_url)
    try:
        async with db.transaction() as s:
            found = await workshops.all_workshops(s)
            counts = await workshops.idea_counts(s)
    finally:
        await db.dispose()
    lang = args.lang
    if not found:
        return _say(lang, "workshops.list_none")
    return "\n".join(
        _say(
            lang,
            "workshops.cli_list_line",
            key=w.key,
            day=w.held_on.isoformat(),
            town=_town(config, w.town, lang),
            name=w.name,
            ideas=counts.get(w.id, 0),
        )
        for w in found
    )


def _describe(config: Config, plan: imports.Plan, path: Path, lang: str) -> list[str]:
    sheet, w = plan.sheet, plan.workshop
    if sheet.kind == "csv":
        shown = {";": ";", ",": ",", "\t": "Tab"}.get(sheet.delimiter or "", "?")
        kind = _say(
            lang, "workshops.cli_csv", encoding=import_file.ENCODINGS.get(sheet.encoding or "", "?"), delimiter=shown
        )
    else:
        kind = _say(lang, "workshops.cli_xlsx", sheet=sheet.sheet_name or "?")
    return [
        _say(lang, "workshops.cli_file", path=path.name, kind=kind),
        _say(
            lang,
            "workshops.cli_workshop",
            name=w.name,
            key=w.key,
            day=_day(config, w, lang),
            town=_town(config, w.town, lang),
        ),
    ]


def _idea_line(config: Config, idea: imports.NewIdea, lang: str) -> str:
    field = config.field_of_action(idea.field)
    towns = ", ".join(_town(config, k, lang) for k in idea.towns)
    text = " ".join(idea.text.split())
    return _say(
        lang,
        "workshops.cli_idea",
        line=idea.line,
        field=field.name(lang) if field else idea.field,
        towns=towns,
        team=f" · {idea.team_slug}" if idea.team_slug else "",
        text=text if len(text) <= 70 else text[:69] + "…",
    )


async def _alike_lines(s: Any, plan: imports.Plan, lang: str) -> list[str]:
    """The rows alike to ideas already stored, as the chat's dry run shows them (they go to /similar after)."""
    alike = await imports.alike(s, plan)
    if not alike:
        return []
    texts = dict((await s.execute(select(Idea.id, Idea.text).where(Idea.id.in_({a.idea_id for a in alike})))).all())
    lines = [_say(lang, "workshop_import.alike_title", count=len(alike))]
    for a in alike:
        text = " ".join(str(texts.get(a.idea_id, "")).split())
        shown = text if len(text) <= 60 else text[:59] + "…"
        lines.append(_say(lang, "workshop_import.alike_line", line=a.line, id=a.idea_id, score=a.score, text=shown))
    return lines


def _error_line(error: imports.RowError, lang: str) -> str:
    message = _say(lang, error.problem.key, **error.problem.params)
    return _say(lang, "workshops.cli_error", line=error.line, message=message)


async def _import(config: Config, args: argparse.Namespace) -> int:
    lang, path = args.lang, Path(args.file)
    sheet = import_file.read(path)  # before the database: a bad file needs no connection
    db = Database(config.database_url)
    try:
        async with db.transaction() as s:
            workshop = await workshops.by_key(s, args.workshop)
            plan = await imports.check(s, workshop, sheet, fields=config.fields, towns=config.towns)
            out = _describe(config, plan, path, lang)
            if args.dry_run:
                out += [_idea_line(config, idea, lang) for idea in plan.ideas]
                out += await _alike_lines(s, plan, lang)
            errors = [_error_line(e, lang) for e in plan.errors]
            summary = _say(
                lang, "workshops.cli_summary", ideas=len(plan.ideas), errors=plan.bad_lines, empty=sheet.empty_rows
            )
            if args.dry_run or plan.errors:
                print("\n".join([*out, *errors, summary]))
                print(_say(lang, "workshops.cli_dry_run" if args.dry_run else "workshops.cli_nothing_imported"))
                return ROW_ERRORS if plan.errors else OK
            ids = await imports.store(s, plan, None, datetime.now(UTC), via="cli", file_name=path.name)
    finally:
        await db.dispose()
    print("\n".join([*out, summary]))
    print(_say(lang, "workshops.cli_imported", ideas=len(ids), first=ids[0], last=ids[-1], name=workshop.name))
    return OK


async def bot_username(config: Config, given: str | None) -> str:
    """The bot's username for the QR links: as given, else from Telegram (getMe with the configured token)."""
    if given:
        return given.strip().lstrip("@")
    if not config.token:
        raise Refusal("handout.cli_no_bot")
    from telegram import Bot
    from telegram.error import TelegramError

    try:
        async with Bot(config.token, base_url=config.api_base_url) as bot:
            return str(bot.username)
    except (TelegramError, OSError):
        raise Refusal("handout.cli_no_bot") from None


async def _handout(config: Config, args: argparse.Namespace) -> tuple[bytes, int]:
    from handlers import handout
    from models.ideas import handout as domain

    db = Database(config.database_url)
    try:
        async with db.transaction() as s:
            workshop = await workshops.by_key(s, args.key)
            items = await domain.items(s, workshop)
    finally:
        await db.dispose()
    name = await bot_username(config, args.bot)
    return handout.render(config, workshop, items, name, args.lang, datetime.now(UTC)), len(items)


def _write_handout(config: Config, args: argparse.Namespace) -> str:
    pdf, ideas = asyncio.run(_handout(config, args))
    try:
        Path(args.out).write_bytes(pdf)
    except OSError as exc:
        raise Refusal("handout.cli_cannot_write", path=args.out, reason=exc.strerror or str(exc)) from None
    pages = len(re.findall(rb"/Type /Page\b(?!s)", pdf))
    return _say(args.lang, "handout.cli_written", path=args.out, ideas=ideas, pages=pages)


def run(config: Config, args: argparse.Namespace) -> int:
    """Run `workshop add|list|handout` or `import ideas`; a refusal is one line on stderr and exit code 2."""
    try:
        if args.command == "workshop" and args.action == "add":
            print(asyncio.run(_add(config, args)))
        elif args.command == "workshop" and args.action == "handout":
            print(_write_handout(config, args))
        elif args.command == "workshop":
            print(asyncio.run(_list(config, args)))
        else:
            return asyncio.run(_import(config, args))
    except Refusal as refusal:
        print(f"actionbot: {_say(args.lang, refusal.key, **refusal.params)}", file=sys.stderr)
        return BAD_REQUEST
    return OK
