"""The evaluation report as plain data: sections of paragraphs, key figures, tables, charts and quotes.

One `Document` is rendered twice, by `pdf.render` (print, A4) and `html.render` (one self-contained file), so
both files always say the same thing. Nothing here knows about the database or Telegram; every text in it is
already in the reader's language and every number already formatted (suppressed cells read "< 5").
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Paragraph:
    text: str
    note: bool = False  # a smaller grey remark (how a figure is counted)


@dataclass(frozen=True)
class KeyFigures:
    """A few headline numbers side by side: (label, value)."""

    items: list[tuple[str, str]]


@dataclass(frozen=True)
class Table:
    head: list[str]
    rows: list[list[str]]
    caption: str = ""  # a note below (how it is counted)
    title: str = ""  # a heading above
    strong: tuple[int, ...] = ()  # rows in bold (totals)
    keys: int = 1  # the first columns hold words (left-aligned), the rest numbers


@dataclass(frozen=True)
class Picture:
    """A chart drawn by matplotlib (PNG); `title` doubles as alt text."""

    title: str
    png: bytes
    width: float = 1.0  # share of the text width


@dataclass(frozen=True)
class Quotes:
    """Free-text sentences under one code, each with the writer's pseudonym (never a name)."""

    heading: str
    items: list[tuple[str, str]]  # (pseudonym, sentence)


Block = Paragraph | KeyFigures | Table | Picture | Quotes


@dataclass(frozen=True)
class Section:
    key: str  # summary, participation, cooperation, fields, factors, obstacles, limits, method
    title: str
    blocks: list[Block] = field(default_factory=list)


@dataclass(frozen=True)
class Document:
    lang: str
    project: str  # the project's name, on every page
    title: str
    subtitle: str
    period: str  # "1. Jan. 2026 – 30. Nov. 2026"
    generated: str
    sections: list[Section]
    page_label: str = "Seite {page} von {pages}"  # filled in by the PDF renderer
