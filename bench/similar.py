"""Benchmark flagging alike ideas after a large import: `flag_new` for 10,000 new ideas against 3,000 existing ones.

`python -m bench.similar [--existing N] [--new N] [--duplicates N]`

The ideas are made-up German sentences (words drawn with Zipf weights from a vocabulary of a few thousand
made-up compounds plus common real words, as workshop notes look), bulk-inserted into a fresh SQLite file;
`--duplicates` of the new ones are reworded copies of existing ideas (other order, other case, an added
"bitte"), which must all be found. Prints the wall time of `flag_new` (one query for the texts, normalising,
matching, one bulk insert), the pairs flagged and how many planted duplicates were found. Target: ≤ 5 s.
The load average is printed with the figures: they depend on it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, select

from models.db import Database
from models.ideas import likeness, similar
from models.migrate import upgrade
from models.tables import Idea, IdeaSimilar

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
COMMON = (
    "Stadt Park Bus Bahn Schule Kita Jugend Senioren Markt Platz Straße Radweg Verein Treffpunkt Angebot Ärzte "
    "Pflege Wohnung Ausbildung Betriebe Fachkräfte Ehrenamt Kultur Sport Saale Innenstadt Bürger Familien Kinder "
    "Rathaus Bibliothek Café Garten Wochenende Abend neue bessere mehr barrierefrei günstig digital gemeinsam "
    "einrichten schaffen fördern verbessern anbieten ausbauen organisieren unterstützen"
).split()


def vocabulary(rnd: random.Random, size: int) -> list[str]:
    """Made-up German-looking compounds (Stadtgartenfest, Bahnhofsbank…), plus the common real words first."""
    parts = "stadt garten fest bahn hof bank schul weg rad markt jugend treff pflege haus platz dorf saal".split()
    made = {"".join(rnd.sample(parts, rnd.randint(2, 3))).capitalize() for _ in range(size * 2)}
    return COMMON + sorted(made)[:size]


def sentence(rnd: random.Random, words: list[str], weights: list[float]) -> str:
    return " ".join(rnd.choices(words, weights=weights, k=rnd.randint(5, 16))) + "."


def reworded(rnd: random.Random, text: str) -> str:
    words = text.rstrip(".").split()
    rnd.shuffle(words)
    return "Bitte " + " ".join(words).upper() + "!"


async def seed(db: Database, existing: int, new: int, duplicates: int) -> tuple[list[int], set[tuple[int, int]]]:
    rnd = random.Random(42)
    words = vocabulary(rnd, 4000)
    weights = [1 / (rank + 1) ** 0.8 for rank in range(len(words))]
    old = [sentence(rnd, words, weights) for _ in range(existing)]
    fresh = [sentence(rnd, words, weights) for _ in range(new)]
    planted = {}
    for n in range(duplicates):
        source = rnd.randrange(existing)
        fresh[n * (new // max(duplicates, 1))] = reworded(rnd, old[source])
        planted[n * (new // max(duplicates, 1))] = source
    rows = [
        {"text": t, "field": "public_services", "status": "submitted", "created_at": NOW, "updated_at": NOW}
        for t in old + fresh
    ]
    async with db.transaction() as s:
        await s.execute(insert(Idea), rows)
        ids = list((await s.execute(select(Idea.id).order_by(Idea.id))).scalars())
    new_ids = ids[existing:]
    expected = {(new_ids[i], ids[src]) for i, src in planted.items()}
    return new_ids, expected


async def run(existing: int, new: int, duplicates: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        await upgrade(url)
        db = Database(url)
        try:
            new_ids, expected = await seed(db, existing, new, duplicates)
            likeness.key.cache_clear()  # a fresh process: nothing normalised yet
            start = time.perf_counter()
            async with db.transaction() as s:
                flagged = await similar.flag_new(s, new_ids, NOW)
            took = time.perf_counter() - start
            async with db.transaction() as s:
                stored = {(a, b) for a, b in (await s.execute(select(IdeaSimilar.idea_id, IdeaSimilar.other_id))).all()}
                texts = dict((await s.execute(select(Idea.id, Idea.text))).all())
            # baseline: every new text scored against every text, the exhaustive way flag_new avoids for big batches
            keys = {i: likeness.key(t) for i, t in texts.items()}
            start = time.perf_counter()
            exhaustive = likeness._all_pairs([keys[i] for i in new_ids], [keys[i] for i in keys], likeness.THRESHOLD)
            baseline = time.perf_counter() - start
        finally:
            await db.dispose()
    found = len(expected & stored)
    print(f"flag_new: {new} new against {existing} existing ideas in {took:.2f} s (target ≤ 5 s)")
    hits = f"{len(exhaustive)} hits (each idea with itself and both directions counted)"
    print(f"baseline, every pair scored (texts already normalised): {baseline:.2f} s, {hits}")
    print(f"pairs flagged: {flagged}; planted duplicates found: {found} of {len(expected)}")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--existing", type=int, default=3000)
    parser.add_argument("--new", type=int, default=10_000)
    parser.add_argument("--duplicates", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(run(args.existing, args.new, args.duplicates))


if __name__ == "__main__":
    main()
