"""The evaluation report's page images in docs/ (docs/evaluation-report.md), taken from a fresh demo's history.

    python -m bench.report_pages [--out docs] [--pages 1,3,5,7] [--keep FOLDER]

Seeds a new demo database as `actionbot demo --fresh --start 2026-12-09T19:30+01:00` does (demo/seed.py with its
four months of history, demo/history.py), makes the evaluation report for the whole period up to that present,
as `actionbot report --evaluation` would on that day, and renders the chosen pages with `pdftoppm -png -r 60`
to `<out>/evaluation-report-page-<n>.png` (n counts the chosen pages: 1, 2, 3, ...). The same demo start gives
the same history, so the images can be retaken with this one command after a change to the report's layout.
`--keep FOLDER` leaves the PDF, the HTML and every page's image there to look at.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import subprocess
import tempfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.application import prepare
from bot.processing import database_options
from core.config import load_config
from demo import seed
from demo.run import demo_config
from models.clock import FrozenClock
from models.db import Database

ROOT = Path(__file__).resolve().parent.parent
START = datetime(2026, 12, 9, 19, 30, tzinfo=ZoneInfo("Europe/Berlin"))  # the README's demo start
PAGES = (1, 2, 3, 4, 9, 10)  # summary; participation charts; away reasons; cooperation; obstacles; sentences


async def _report(folder: Path) -> tuple[bytes, str, int]:
    """A fresh demo's database with its history, and the report the manager would get at the demo's present."""
    from handlers.reports import evaluation

    config = demo_config(load_config(ROOT / "config.example.toml", require_token=False), folder / "demo.db")
    db = Database(config.database_url, **database_options(config.database_url))
    try:
        await prepare(config, db, FrozenClock(START))
        await seed.seed(db, config, START)
        async with db.transaction() as s:
            made = await evaluation.produce(s, None, config, "de", None, START.date(), START, via="cli")
    finally:
        await db.dispose()
    return made.pdf, made.html, made.pages


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs"), help="folder for evaluation-report-page-<n>.png")
    parser.add_argument("--pages", default=",".join(map(str, PAGES)), help="the PDF's pages to keep, e.g. 1,3,5")
    parser.add_argument("--keep", help="a folder to leave the PDF, the HTML and all page images in")
    args = parser.parse_args(argv)
    chosen = [int(p) for p in args.pages.split(",") if p.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.keep or tmp)
        folder.mkdir(parents=True, exist_ok=True)
        pdf, page, pages = asyncio.run(_report(Path(tmp)))
        (folder / "evaluationsbericht.pdf").write_bytes(pdf)
        (folder / "evaluationsbericht.html").write_text(page, encoding="utf-8")
        subprocess.run(["pdftoppm", "-png", "-r", "60", str(folder / "evaluationsbericht.pdf"),
                        str(folder / "page")], check=True)
        width = len(str(pages))  # pdftoppm pads the page number to the page count's digits
        out = Path(args.out)
        for n, number in enumerate(chosen, start=1):
            if not 1 <= number <= pages:
                raise SystemExit(f"--pages {number}: the report has {pages} pages")
            shutil.copyfile(folder / f"page-{number:0{width}d}.png", out / f"evaluation-report-page-{n}.png")
        named = f"{out}/evaluation-report-page-1..{len(chosen)}.png"
        print(f"{pages} pages; wrote pages {', '.join(map(str, chosen))} to {named}")


if __name__ == "__main__":
    main()
