"""The words of the evaluation figures in one language: the reports' vocabulary plus codes, titles and headings.

The figures (models/evaluation) know no texts; the report, the digest and the command line pass this vocabulary.
"""

from __future__ import annotations

from core.config import Config
from core.texts import catalogue, t
from handlers.reports.views import vocabulary as report_vocabulary
from models.evaluation.shapes import ALL, GUESTS, IDEA, NO_REASON, NO_SHOW, ONLINE, SURVEY, UNKNOWN
from models.reports.codebook import Vocabulary

ROW_CODES: tuple[str, ...] = (ALL, ONLINE, GUESTS, UNKNOWN, NO_REASON, NO_SHOW, SURVEY, IDEA, "factor", "obstacle")
ROW_CODES += ("multi_town", "other")  # "other": drop-off reasons folded together (models/evaluation/collapse.py)


def vocabulary(config: Config, lang: str) -> Vocabulary:
    """Every code of the figures with its word, and the figures' titles (`figure_<key>`), headings
    (`column_<code>`) and notes (`note_<key>`) from core/locales/<lang>/evaluation.toml."""
    base = report_vocabulary(config, lang)
    codes = dict(base.codes)
    codes["factor"] = [(c.key, c.name(lang)) for c in config.success_factors]
    codes["obstacle"] = [(c.key, c.name(lang)) for c in config.obstacles]
    codes["figure"] = [(k, t(lang, f"evaluation.row_{k}")) for k in ROW_CODES]
    titles = dict(base.titles)
    titles["factor"], titles["obstacle"] = t(lang, "evaluation.row_factor"), t(lang, "evaluation.row_obstacle")
    prefix = "evaluation."
    for key in catalogue("de"):
        if key.startswith(prefix) and key[len(prefix) :].split("_", 1)[0] in ("figure", "column", "note"):
            titles[key[len(prefix) :]] = t(lang, key)
    return Vocabulary(codes, titles)
