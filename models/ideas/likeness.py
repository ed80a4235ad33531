"""How alike two idea texts are: German text made comparable, then RapidFuzz's Indel ratio (0-100).

Pure functions, no database: models/ideas/similar.py feeds them. A text becomes its *key*: case folded, umlauts
and ß spelt out (Bänke = Baenke), accents and punctuation dropped, hyphenated words joined (Repair-Café =
Repaircafé), stop words left out (der, und, mehr, sollte, …), a light stemming (Bänken = Bänke, Kitas = Kita),
the project's own words left out too (the towns and their adjectives, the fields of action, "Innenstadt",
"gemeinsam", "Angebot", "schaffen": words half the ideas use, which made "Bürgerbus zwischen Saalfeld,
Rudolstadt und Bad Blankenburg" alike to "Ehrenamtsbörse für Saalfeld, Rudolstadt und Bad Blankenburg"), then
the distinct words sorted. Word order and inflection then hardly matter, a typo or a compound
(Sitzbänke ~ Bänke) still counts partly, because the ratio compares characters. THRESHOLD and the examples
behind it: tests/test_similar_domain.py.

Many against many (an import of 10,000 ideas against thousands) would be 10^8 comparisons; `pairs` first
picks, for each text, the few texts sharing its rarest words (an inverted index, weights by rarity) and lets
RapidFuzz score only those. Small batches are compared with everything (`process.cdist`), so nothing is missed.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from functools import lru_cache
from itertools import chain

import numpy as np
from rapidfuzz import fuzz, process

THRESHOLD = 62  # from this score on two ideas count as alike (measured: tests/similar_pairs.py, docs/similar-ideas.md)
CANDIDATES = 40  # per text, how many texts sharing its rarest words are scored in a large batch
EXHAUSTIVE = 2_000_000  # up to this many comparisons a batch is compared with everything

_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_HYPHEN = re.compile(r"(?<=\w)[-‐‑–/](?=\w)")
_COMPOUND = re.compile(r"\b\w++(?:[-‐‑–/]\w++)+")  # from word starts, possessive: linear on long words
_WORD = re.compile(r"[^\W_]+")
_ENDINGS = frozenset(("en", "er", "es"))
# German function words and the words every idea uses ("Idee", "sollte", "mehr"): they make unrelated ideas alike
STOP_WORDS = frozenset(
    """
    aber alle allen aller alles als also am an auch auf aus bei beim bis bitte brauchen braucht da damit dann das
    dass dem den denen der des die dies diese diesem diesen dieser dieses doch dort du durch ein eine einem einen
    einer eines einige es etwas euch euer fuer gibt geben gut haben hat hier ich ihr im immer in ins ist ja jede
    jedem jeden jeder jedes kann kein keine koennen koennte koennten man mehr mein meine mit muss muessen
    muesste nach neue neuen nicht noch nur ob oder ohne sehr sein seine sich sie sind so soll sollen sollte
    sollten ueber um und uns unser unsere unseren unter viel viele vom von vor waere waeren war was weil wenn
    werden wie wieder wir wird wo wollen wuerde wuerden zu zum zur zwischen idee ideen vorschlag vielleicht
    einfach schon ganz
    """.split()
)


# the project's words: its places and fields of action (configured ones are added by `know_names`) and what
# ideas of every kind say; stemmed as `words` stems, so "Saalfelder" and "Städten" go too
PROJECT_WORDS = """
    saalfeld saalfelder rudolstadt rudolstaedter bad blankenburg blankenburger saalebogen saale thuering landkreis
    kreis region regional stadt staedte stadtteil stadtteile ortsteil ortsteile innenstadt drei beid gemeinde
    gemeinden daseinsvorsorge fachkraeft buergerschaftlich engagement ehrenamtlich
    gemeinsam gemeinsame angebot angebote schaffen einrichten aufbauen ausbauen anbieten erhalten foerdern
    verbessern organisieren unterstuetzen ermoeglichen starten gruenden bauen machen kostenlos kostenlose
    moeglich moeglichst besser bessere jung junge alt alte menschen leute buerger buergerinn einwohner
    """.split()
_known: set[str] = set()  # from the config: see know_names


def know_names(names: Iterable[str]) -> None:
    """Leave the configured towns' and fields' names out of every key too (the config, when it is loaded, names
    them; the last config loaded counts)."""
    global _known
    found = {_stem(w) for name in names for w in _WORD.findall(_fold(name)) if w not in STOP_WORDS}
    if found != _known:
        _known = found
        key.cache_clear()


def _stem(word: str) -> str:
    """Cut one common inflection ending (-en -er -es, else -e -n -s) off words longer than four letters."""
    if len(word) > 4:
        if word[-2:] in _ENDINGS:
            return word[:-2]
        if word[-1] in "ens":
            return word[:-1]
    return word


_PROJECT = frozenset(_stem(w) for w in PROJECT_WORDS)


def _fold(text: str) -> str:
    plain = text.casefold().translate(_FOLD)
    if not plain.isascii():  # é -> e; letters of other scripts stay (and match only themselves)
        plain = "".join(c for c in unicodedata.normalize("NFKD", plain) if not unicodedata.combining(c))
    return plain


def words(text: str) -> list[str]:
    """The distinct comparable words of a text, sorted (without stop words and the project's own words)."""
    plain = _COMPOUND.sub(_join, _fold(text))
    stems = {_stem(w) for w in _WORD.findall(plain) if w not in STOP_WORDS}
    return sorted(stems - _PROJECT - _known)


def _join(found: re.Match[str]) -> str:
    """A hyphenated word joined (Repair-Café = Repaircafé), without its parts that are the project's words:
    "Rudolstadt-West" is "west", "Rudolstadt–Saalfeld" nothing."""
    parts = [p for p in _HYPHEN.split(found[0]) if _stem(p) not in _PROJECT and _stem(p) not in _known]
    return "".join(parts) if parts else " "


@lru_cache(maxsize=50_000)  # idea texts never change: every submit compares with all of them again
def key(text: str) -> str:
    """The form two texts are compared in (empty when nothing but stop words is left)."""
    return " ".join(words(text))


def score(a: str, b: str) -> float:
    """Likeness of two idea texts, 0-100."""
    ka, kb = key(a), key(b)
    return float(fuzz.ratio(ka, kb)) if ka and kb else 0.0


def best(query: str, choices: Sequence[str], threshold: float = THRESHOLD, limit: int = 3) -> list[tuple[int, float]]:
    """The indexes of the keys in `choices` most like the key `query` (at least `threshold`), best first."""
    if not query:
        return []
    found = process.extract(query, choices, scorer=fuzz.ratio, processor=None, score_cutoff=threshold, limit=limit)
    return [(int(index), float(value)) for _choice, value, index in found if choices[index]]


def pairs(
    new: Sequence[str], pool: Sequence[str], threshold: float = THRESHOLD, *, exhaustive: bool | None = None
) -> dict[tuple[int, int], float]:
    """Alike pairs between the keys `new` and `pool` as {(index in new, index in pool): score}.

    `pool` usually holds the new keys too; a caller drops a text paired with itself. Batches up to EXHAUSTIVE
    comparisons (or `exhaustive=True`) compare everything; larger ones score only the CANDIDATES pool texts
    sharing the rarest words.
    """
    if not new or not pool:
        return {}
    if exhaustive or (exhaustive is None and len(new) * len(pool) <= EXHAUSTIVE):
        return _all_pairs(new, pool, threshold)
    return _candidate_pairs(new, pool, threshold)


def _all_pairs(new: Sequence[str], pool: Sequence[str], threshold: float) -> dict[tuple[int, int], float]:
    out: dict[tuple[int, int], float] = {}
    step = max(1, EXHAUSTIVE // max(len(pool), 1))  # rows per block: the matrix stays small
    for start in range(0, len(new), step):
        block = process.cdist(
            new[start : start + step],
            pool,
            scorer=fuzz.ratio,
            processor=None,
            score_cutoff=threshold,
            dtype=np.float64,
        )
        for i, j in zip(*np.nonzero(block), strict=True):
            if new[start + i] and pool[j]:
                out[(start + int(i), int(j))] = float(block[i, j])
    return out


def _candidate_pairs(new: Sequence[str], pool: Sequence[str], threshold: float) -> dict[tuple[int, int], float]:
    """Score each new text against the CANDIDATES pool texts sharing most of its rarer words (equal texts always)."""
    postings: dict[str, list[int]] = defaultdict(list)
    same: dict[str, list[int]] = defaultdict(list)
    for j, k in enumerate(pool):
        same[k].append(j)
        for w in k.split():
            postings[w].append(j)
    common = max(50, len(pool) // 100)  # a word in more texts than this picks no candidates (unless it is all)
    out: dict[tuple[int, int], float] = {}
    for i, k in enumerate(new):
        if not k:
            continue
        out.update(((i, j), 100.0) for j in same.get(k, ()))
        found = [postings[w] for w in k.split() if w in postings]
        rare = [js for js in found if len(js) <= common] or sorted(found, key=len)[:2]
        if sum(map(len, rare)) <= CANDIDATES:
            shared = sorted(set().union(*rare))
        else:
            shared = [j for j, _n in Counter(chain.from_iterable(rare)).most_common(CANDIDATES)]
        choices = [pool[j] for j in shared]
        for _choice, value, index in process.extract(
            k, choices, scorer=fuzz.ratio, processor=None, score_cutoff=threshold, limit=None
        ):
            out[(i, shared[index])] = float(value)
    return out
