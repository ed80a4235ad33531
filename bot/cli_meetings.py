"""`actionbot meeting letters ID --out FILE.pdf`: a meeting's printed invitations (a letter for every invited member
with a postal address, and the notice for the notice board) written to a file, as the 🖨 button in /meetings sends them.

The command line is trusted like the database it reads (models/meetings/letters.py: no actor, an audit entry
by the system). Exit codes: 0 written; 2 a bad request: no such meeting, a cancelled or past one, a file that
cannot be written, or the bot's name unknown (`--bot`, or asked from Telegram with the token).
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.cli_import import BAD_REQUEST, OK, _say, bot_username
from core.config import Config
from models.db import Database
from models.errors import Refusal
from models.meetings import letters as domain


def add_parsers(sub: Any) -> None:
    meeting = sub.add_parser("meeting", help="a meeting's printed invitations")
    msub = meeting.add_subparsers(dest="action", required=True)
    letters = msub.add_parser(
        "letters", help="an A4 PDF: a letter for each invited member with a postal address, and a notice with a QR code"
    )
    letters.add_argument("id", help="the meeting's number (shown in /meetings and /audit)")
    letters.add_argument("--out", required=True, help="the PDF file to write, e.g. briefe.pdf")
    letters.add_argument("--bot", help="the bot's username for the QR link (default: asked from Telegram, the token)")
    letters.add_argument("--lang", choices=("de", "en"), default="de", help="language of the notice and messages")


async def _letters(config: Config, args: argparse.Namespace) -> tuple[bytes, int]:
    from handlers.meetings import letters_pdf

    if not str(args.id).isdigit():
        raise Refusal("letters.cli_bad_id", id=args.id)
    now = datetime.now(UTC)
    name = await bot_username(config, args.bot)  # before the database: a refusal here stores no audit entry
    db = Database(config.database_url)
    try:
        async with db.transaction() as s:
            found = await domain.letters(s, None, int(args.id), now)
            pdf = letters_pdf.render(config, found, name, args.lang, now)
    finally:
        await db.dispose()
    return pdf, len(found.recipients)


def run(config: Config, args: argparse.Namespace) -> int:
    """Write the file; a refusal is one line on stderr and exit code 2."""
    try:
        pdf, count = asyncio.run(_letters(config, args))
        try:
            Path(args.out).write_bytes(pdf)
        except OSError as exc:
            raise Refusal("handout.cli_cannot_write", path=args.out, reason=exc.strerror or str(exc)) from None
    except Refusal as refusal:
        print(f"actionbot: {_say(args.lang, refusal.key, **refusal.params)}", file=sys.stderr)
        return BAD_REQUEST
    pages = len(re.findall(rb"/Type /Page\b(?!s)", pdf))
    print(_say(args.lang, "letters.cli_written", path=args.out, letters=count, pages=pages))
    return OK
