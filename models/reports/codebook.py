"""The codebook handed over with an export: every column of every table, and every code its values use.

Nothing here touches Telegram or the config: the caller passes a `Vocabulary` (the words for each code in one
language), so the same Markdown serves the chat, the command line and the scientific evaluation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from models.reports.exports import ExportTable
from models.reports.stats import Scope


@dataclass
class Vocabulary:
    """Code lists for the codebook: category ('group', 'town', …) → [(key, label)], and their headings."""

    codes: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)

    def label(self, category: str, key: str) -> str:
        """The word for a code (the key itself when the code is not listed, e.g. a town removed from the config)."""
        return next((label for k, label in self.codes.get(category, []) if k == key), key)


def codebook(
    tables: Sequence[ExportTable], vocabulary: Vocabulary, generated_at: datetime, scope: Scope, tz: ZoneInfo
) -> str:
    """Markdown explaining every column of `tables` and every code their values use."""
    pseudo = any(t.pseudonymised for t in tables)
    lines = [
        "# Codebook" + (" (pseudonymised export)" if pseudo else ""),
        "",
        f"Generated {generated_at.astimezone(tz).isoformat(timespec='seconds')}. Times are local ({tz.key}).",
        f"Filters: since {scope.since.date().isoformat() if scope.since else '–'}, team {scope.team_slug or '–'}.",
        "",
    ]
    if pseudo:
        lines += [
            "People appear only by a stable random code (`person`, e.g. `P-7K3M9QXA`), the same in every table",
            "and every export. No names, no Telegram ids, no free texts except the idea text and the survey",
            "sentences the project manager released (`survey_answers.sentence`, names, phone numbers and e-mail",
            "addresses replaced; survey comments as written are left out). Rows about a person are included",
            "only for people who agreed to the pseudonymised",
            "evaluation; counts (invited, supports, delivered …) are over everyone and name no one. Ideas of",
            "people who did not agree are left out, and so are their codes and path; who ticked a code or took a",
            "step on an idea is shown only for people who agreed.",
            "",
        ]
    used: list[str] = []
    for t in tables:
        rows = f"{t.total} {'row' if t.total == 1 else 'rows'}."
        lines += [f"## {t.name}", "", rows, "", "| Column | Meaning | Codes |", "|---|---|---|"]
        for c in t.columns:
            lines.append(f"| `{c.name}` | {c.doc} | {c.codes or ''} |")
            for category in (c.codes or "").split(", "):  # a column may take codes of several lists
                if category and category not in used:
                    used.append(category)
        lines.append("")
    lines += ["## Codes", ""]
    for category in used:
        lines += [f"### {category}: {vocabulary.titles.get(category, category)}", "", "| Key | Meaning |", "|---|---|"]
        lines += [f"| `{key}` | {label} |" for key, label in vocabulary.codes.get(category, [])]
        lines.append("")
    return "\n".join(lines)
