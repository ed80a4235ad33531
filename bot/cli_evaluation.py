"""`actionbot report --evaluation [--since DAY] [--until DAY] [--out FILE] [--notes FILE]`: the evaluation report as
PDF + HTML. `--notes` places the evaluators' own text (Markdown) in a section "Einschätzung der Begleitforschung".

Both files are written side by side from one name: `--out bericht.pdf` (or `bericht.html`, or `bericht`) gives
bericht.pdf and bericht.html. Each is written to `<name>.part` first and renamed when complete. A bad day or
an impossible period is one line on stderr and exit code 2 (raised as ValueError, see `cli_queries.run`).
"""

from __future__ import annotations

import argparse
import asyncio
import os
from datetime import UTC, date, datetime
from pathlib import Path

from core.config import Config
from models.db import Database

DEFAULT_OUT = "evaluationsbericht.pdf"


def day(value: str | None, flag: str) -> date | None:
    """A local calendar day typed as YYYY-MM-DD; anything else is one clear line for the operator."""
    if value is None:
        return None
    try:
        if len(value) != 10:
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{flag} {value!r} is not a day; expected YYYY-MM-DD, e.g. 2026-01-31") from None


def paths(out: str | None) -> tuple[Path, Path]:
    """(PDF, HTML) beside each other, from whatever name the operator gave."""
    base = Path(out or DEFAULT_OUT)
    if base.suffix.lower() in (".pdf", ".html", ".htm"):
        base = base.with_suffix("")
    return base.with_name(base.name + ".pdf"), base.with_name(base.name + ".html")


async def _make(
    config: Config, lang: str, since: date | None, until: date | None, notes: str | None = None
) -> tuple[bytes, str, int]:
    from handlers.reports import evaluation

    db = Database(config.database_url)
    try:
        async with db.transaction() as s:
            made = await evaluation.produce(s, None, config, lang, since, until, datetime.now(UTC), via="cli",
                                            notes=notes)
    finally:
        await db.dispose()
    return made.pdf, made.html, made.pages


def read_notes(path: str | None) -> str | None:
    """The evaluators' Markdown, or one clear line when it cannot be read."""
    if path is None:
        return None
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not UTF-8 text"
        raise ValueError(f"--notes {path}: cannot read it ({reason})") from None


def _write(path: Path, data: bytes) -> None:
    part = path.with_name(path.name + ".part")
    try:
        part.write_bytes(data)
        os.replace(part, path)
    except OSError as exc:
        part.unlink(missing_ok=True)
        raise ValueError(f"cannot write {path}: {exc.strerror or exc}") from None
    except BaseException:
        part.unlink(missing_ok=True)
        raise


def run(config: Config, args: argparse.Namespace) -> int:
    since, until = day(args.since, "--since"), day(args.until, "--until")
    if args.team:
        raise ValueError("--team does not go with --evaluation: the evaluation report covers every team")
    if since and until and until < since:
        raise ValueError(f"--until {until} is before --since {since}")
    notes = read_notes(getattr(args, "notes", None))
    pdf_path, html_path = paths(args.out)
    try:
        pdf, page, pages = asyncio.run(_make(config, args.lang, since, until, notes))
    except ValueError as exc:  # a bug, not a bad request: keep the traceback instead of one line
        raise RuntimeError("the evaluation report failed") from exc
    _write(pdf_path, pdf)
    _write(html_path, page.encode("utf-8"))
    print(f"wrote {pdf_path} ({pages} {'page' if pages == 1 else 'pages'}) and {html_path}")
    return 0
