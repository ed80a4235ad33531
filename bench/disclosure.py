"""How much of the evaluation report disclosure control shows, on data shaped like the project.

`python -m bench.disclosure [--out DIR] [--pages]`

Seeds two projects (bench/project_shape.py: teams of 8–15 and of 5–7 members, 24 months, fortnightly meetings)
into fresh SQLite files and counts the cells of every released figure (all tables of the report and the
headline numbers): shown, hidden by the primary rule (fewer than 5 people), and hidden on top so that no hidden
cell can be worked out (secondary suppression and derived values). With `--pages` it also writes the report
(PDF + HTML) and the PDF's pages as PNG (pdftoppm) into `--out`, to look at.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.project_shape import seed
from handlers.reports.evaluation_words import vocabulary
from models.db import Database
from models.evaluation import figures
from models.evaluation.shapes import Summary
from tests.report_helpers import config

SHAPES = {"8–15": (8, 15), "5–7": (5, 7)}
NOW = datetime(2027, 1, 10, 12, tzinfo=UTC)


@dataclass
class Count:
    cells: int = 0
    primary: int = 0
    secondary: int = 0

    @property
    def shown(self) -> int:
        return self.cells - self.primary - self.secondary


def _summary_cells(head: Summary) -> list[figures.Cell]:
    out = []
    for f in fields(head):
        v = getattr(head, f.name)
        if isinstance(v, figures.Cell):
            out.append(v)
        elif isinstance(v, figures.Top):
            out.append(v.mentions)
    return out


HIDDEN = ("•", "< 5")  # the marker, and the one printed before (for measuring an older version the same way)


def count_document(doc: Any) -> dict[str, tuple[int, int]]:
    """The report's own cells, as printed: per section, (number cells, hidden ones); key figures included."""
    from models.reports.evaluation.document import KeyFigures, Table

    out: dict[str, tuple[int, int]] = {}
    for section in doc.sections:
        cells = hidden = 0
        for b in section.blocks:
            values: list[str] = []
            if isinstance(b, Table):
                values = [v for row in b.rows for v in row[b.keys:]]
            elif isinstance(b, KeyFigures):
                values = [v for _, v in b.items]
            values = [v for v in values if v != ""]  # folded into the total beside it: no cell of its own
            cells += len(values)
            hidden += sum(v.strip() in HIDDEN or v.startswith("≥") for v in values)
        out[section.key] = (cells, hidden)
    return out


def count(shown: figures.Figures) -> dict[str, Count]:
    """Per released table (and "summary"): cells, hidden by the primary rule, hidden on top of it (secondary
    suppression, derived values); the cells folded into coarser groups are no longer there to count."""
    out: dict[str, Count] = {}
    for t in shown.tables():
        c = out.setdefault(t.key, Count())
        for r in t.rows:
            for cell in r.cells:
                c.cells += 1
                c.primary += cell.suppressed
    c = out.setdefault("summary", Count())
    for cell in _summary_cells(shown.summary):
        c.cells += 1
        c.primary += cell.suppressed
    return out


async def measure(url: str, pages: bool) -> tuple[dict[str, int], dict[str, Count], dict[str, tuple[int, int]], Any]:
    cfg = config(url)
    rows = await seed(url, cfg, *shape_of(url))
    db = Database(url)
    try:
        vocab = vocabulary(cfg, "de")
        async with db.transaction() as s:
            shown = await figures.all_figures(s, None, None, vocab)
        from core.texts import t
        from models.reports.evaluation import content, sources

        async with db.transaction() as s:
            src = await sources.read(s, None, None)
        say = lambda key, **p: t("de", f"evaluation_report.{key}", **p)  # noqa: E731
        frame = content.Frame("de", cfg.project_name, "", "", "", say, vocab)
        printed = count_document(content.build(shown, src, frame))
        made = None
        if pages:
            from handlers.reports.evaluation import produce

            async with db.transaction() as s:
                made = await produce(s, None, cfg, "de", None, None, NOW, via="cli")
        return rows, count(shown), printed, made
    finally:
        await db.dispose()


def write_pages(out: Path, pdf: bytes, page: str) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.pdf").write_bytes(pdf)
    (out / "report.html").write_text(page, encoding="utf-8")
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-r", "60", "-png", str(out / "report.pdf"), str(out / "page")], check=True)


_SHAPE: dict[str, tuple[int, int]] = {}


def shape_of(url: str) -> tuple[int, int]:
    return _SHAPE[url]


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.disclosure", description=__doc__.split("\n")[0])
    parser.add_argument("--out", default="", help="folder for the report and its pages (with --pages)")
    parser.add_argument("--pages", action="store_true", help="also write the report and its pages as PNG")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for name, (lo, hi) in SHAPES.items():
            url = f"sqlite+aiosqlite:///{tmp}/{lo}-{hi}.db"
            _SHAPE[url] = (lo, hi)
            out = Path(args.out or tmp) / f"teams-{lo}-{hi}" if args.pages else None
            rows, counted, printed, made = asyncio.run(measure(url, out is not None))
            if out is not None and made is not None:
                write_pages(out, made.pdf, made.html)
            total = Count(sum(c.cells for c in counted.values()), sum(c.primary for c in counted.values()),
                          sum(c.secondary for c in counted.values()))
            print(f"\nteams of {name} members: " + ", ".join(f"{k} {v}" for k, v in rows.items()))
            print(f"{'figure':<22} {'cells':>6} {'hidden':>7} {'shown':>6}")
            for key, c in counted.items():
                print(f"{key:<22} {c.cells:>6} {c.primary:>7} {c.shown:>6}")
            share = 100 * total.shown / total.cells if total.cells else 100.0
            print(f"{'all figures':<22} {total.cells:>6} {total.primary:>7} {total.shown:>6}  shown {share:.1f} %")
            cells, hidden = sum(c for c, _ in printed.values()), sum(h for _, h in printed.values())
            print("the report as printed: " + ", ".join(f"{k} {h}/{c}" for k, (c, h) in printed.items())
                  + f"; {hidden} of {cells} hidden, {100 * (cells - hidden) / max(cells, 1):.1f} % shown")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
