"""`actionbot stats`, `actionbot export` and `actionbot report`: the project manager's queries on the server.

The command line is trusted like the database file it can read anyway (`models.reports.stats.OPERATOR`); every
export is still recorded in the audit log (actor: system, via: cli). Files are written to `<out>.part` as
rows stream in and renamed when complete, so a failed export never leaves a half file under the real name.
A progress bar goes to stderr when stderr is a terminal (or with --progress).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import IO, Any, TextIO

from bot import cli_evaluation
from core.config import Config
from core.texts import t
from models import audit
from models.db import Database
from models.errors import Refusal
from models.reports import formats, stats
from models.reports.exports import ALL, TABLES


def add_parsers(sub: Any) -> None:
    def filters(p: argparse.ArgumentParser) -> None:
        p.add_argument("--since", type=date.fromisoformat, help="only rows from this day on (YYYY-MM-DD, local)")
        p.add_argument("--team", help="only this team (its slug)")
        p.add_argument("--lang", choices=("de", "en"), default="de", help="language of labels (default de)")

    filters(sub.add_parser("stats", help="print the numbers the project manager reports"))
    ex = sub.add_parser("export", help="export a table (or all) as CSV, XLSX, JSON or ZIP")
    ex.add_argument("--what", required=True, choices=[*TABLES, ALL])
    ex.add_argument("--format", default="csv", choices=formats.FORMATS)
    ex.add_argument("--pseudonymised", action="store_true", help="for the evaluation: codes, consenting people")
    ex.add_argument("--out", help="output file (default: actionbot-<what>-<date>.<format>)")
    ex.add_argument("--progress", action="store_true", help="show a progress bar even when stderr is no terminal")
    filters(ex)
    rep = sub.add_parser("report", help="write the one-file HTML report with charts, or the evaluation report")
    rep.add_argument("--out", help="output file (default report.html; with --evaluation evaluationsbericht.pdf)")
    rep.add_argument("--evaluation", action="store_true", help="the evaluation report: a PDF and the same as HTML")
    rep.add_argument("--notes", help="with --evaluation: a Markdown file with the evaluators' own assessment")
    rep.add_argument("--since", help="from this day on (YYYY-MM-DD, local; default: the project's first day)")
    rep.add_argument("--until", help="up to and including this day (YYYY-MM-DD, local; default today; --evaluation)")
    rep.add_argument("--team", help="only this team (its slug; not with --evaluation)")
    rep.add_argument("--lang", choices=("de", "en"), default="de", help="language of labels (default de)")


class Bar:
    """A plain progress bar on stderr: `[#####.....]  52%  52,000/100,000 rows`."""

    def __init__(self, stream: TextIO, width: int = 30) -> None:
        self.stream, self.width, self.shown = stream, width, False

    def __call__(self, done: int, total: int) -> None:
        share = done / total if total else 1.0
        filled = round(self.width * min(share, 1.0))
        bar = "#" * filled + "." * (self.width - filled)
        self.stream.write(f"\r[{bar}] {share:4.0%}  {done:,}/{total:,} rows")
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.stream.write("\n")


def _since(day: date | None, config: Config) -> datetime | None:
    return datetime.combine(day, time(0), config.time_zone).astimezone(UTC) if day else None


async def _scope(s: Any, args: argparse.Namespace, config: Config) -> stats.Scope:
    return await stats.resolve_scope(s, _since(args.since, config), args.team)


async def _stats(config: Config, args: argparse.Namespace) -> str:
    from handlers.reports import views

    db = Database(config.database_url)
    try:
        async with db.transaction() as s:
            now = datetime.now(UTC)
            overview = await stats.overview(s, stats.OPERATOR, await _scope(s, args, config), now, config.time_zone)
    finally:
        await db.dispose()
    vocab = views.vocabulary(config, args.lang)
    title = f"{now.astimezone(config.time_zone):%Y-%m-%d %H:%M}"
    return "\n".join([title, *views.summary_lines(overview, vocab, args.lang)])


async def _export(config: Config, args: argparse.Namespace, out: IO[bytes], bar: Bar | None) -> formats.ExportResult:
    from handlers.reports import views

    db = Database(config.database_url)
    try:
        async with db.transaction() as s:
            return await formats.run_export(
                s,
                stats.OPERATOR,
                what=args.what,
                fmt=args.format,
                scope=await _scope(s, args, config),
                pseudonymised=args.pseudonymised,
                out=out,
                tz=config.time_zone,
                vocabulary=views.vocabulary(config, args.lang),
                now=datetime.now(UTC),
                via="cli",
                progress=bar,
            )
    finally:
        await db.dispose()


async def _report(config: Config, args: argparse.Namespace) -> str:
    from handlers.reports import views
    from models.reports import charts

    db = Database(config.database_url)
    try:
        async with db.transaction() as s:
            now = datetime.now(UTC)
            scope = await _scope(s, args, config)
            overview = await stats.overview(s, stats.OPERATOR, scope, now, config.time_zone)
            vocab, say = views.vocabulary(config, args.lang), views.say_for(args.lang)
            drawn = charts.charts(overview, vocab.label, say)
            summary = "\n".join(views.summary_lines(overview, vocab, args.lang))
            page = charts.html_report(overview, drawn, vocab.label, say, summary)
            details = {"what": "report", "format": "html", "pseudonymised": False, "team": scope.team_slug}
            await audit.record(s, None, audit.EXPORT, now, via="cli", **details)
    finally:
        await db.dispose()
    return page


def _fail(message: str) -> int:
    print(f"actionbot: {message}", file=sys.stderr)
    return 2


def run(config: Config, args: argparse.Namespace) -> int:
    """Run one of the query commands; 0 on success, 2 with one line on stderr for a bad request."""
    try:
        if args.command == "stats":
            print(asyncio.run(_stats(config, args)))
        elif args.command == "report" and args.evaluation:
            return cli_evaluation.run(config, args)
        elif args.command == "report":
            args.since = cli_evaluation.day(args.since, "--since")
            if args.until is not None:
                return _fail("--until works with --evaluation only")
            args.out = args.out or "report.html"
            page = asyncio.run(_report(config, args))
            Path(args.out).write_text(page, encoding="utf-8")
            print(f"wrote {args.out}")
        else:
            return _export_to_file(config, args)
    except Refusal as refusal:
        return _fail(t(args.lang, refusal.key, **refusal.params))
    except ValueError as exc:
        return _fail(str(exc))
    return 0


def _export_to_file(config: Config, args: argparse.Namespace) -> int:
    _names, fmt = formats.plan(args.what, args.format)
    now = datetime.now(UTC)
    path = Path(args.out or formats.file_name(args.what, fmt, args.pseudonymised, now, config.time_zone))
    part = path.with_name(path.name + ".part")
    bar = Bar(sys.stderr) if args.progress or sys.stderr.isatty() else None
    try:
        with part.open("wb") as out:
            result = asyncio.run(_export(config, args, out, bar))
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    finally:
        if bar:
            bar.close()
    os.replace(part, path)
    print(f"wrote {result.rows} {'row' if result.rows == 1 else 'rows'} to {path}")
    if result.codebook is not None:
        book = path.with_name(path.stem + "-codebook.md")
        book.write_text(result.codebook, encoding="utf-8")
        print(f"wrote the codebook to {book}")
    return 0
