"""The evaluation report as one self-contained HTML file: charts as data URIs, styles inline, A4 print rules.

It holds the same blocks as the PDF (see `document`), so a reader without a PDF viewer, or someone who wants
to copy a table into a text, loses nothing. Every text is escaped: quotes come from members.
"""

from __future__ import annotations

import base64
from html import escape as e

from models.reports.evaluation.document import Block, Document, KeyFigures, Paragraph, Picture, Table

STYLE = """
@page{size:A4;margin:2cm 2cm 2.2cm}
body{font-family:"DejaVu Sans",system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#222;
line-height:1.45;font-size:11pt}
header{border-bottom:2px solid #1b6ca8;margin-bottom:1.5rem}
header .project{color:#1b6ca8;font-weight:bold;margin:0}
h1{font-size:1.7rem;margin:.3rem 0}h2{font-size:1.25rem;color:#1b6ca8;margin-top:2rem;break-after:avoid}
h3{font-size:1rem;margin:1rem 0 .3rem;break-after:avoid}
.meta{color:#555;margin:.2rem 0 1rem}.note{color:#666;font-size:.9em}
.figures{display:flex;flex-wrap:wrap;gap:.6rem;margin:1rem 0}
.figures div{border:1px solid #cfdbe6;border-radius:4px;padding:.4rem .7rem;min-width:9rem;flex:1}
.figures b{display:block;font-size:1.4rem;color:#1b6ca8}.figures span{font-size:.85em;color:#444}
table{border-collapse:collapse;margin:.5rem 0 1.2rem;font-size:.92em;break-inside:avoid}
tr.total td{font-weight:bold}th,td{border:1px solid #ccc;padding:.2rem .5rem;text-align:right}th{background:#eef3f8}
td:first-child,th:first-child,td.key{text-align:left}caption{caption-side:bottom;text-align:left;color:#666;font-size:.85em}
figure{margin:1rem 0;break-inside:avoid}img{max-width:100%}
blockquote{margin:.3rem 0 .3rem 1rem;padding-left:.7rem;border-left:3px solid #cfdbe6}
blockquote cite{color:#666;font-style:normal;font-size:.85em;margin-left:.4rem}
"""


def _td(text: str, key: bool) -> str:
    return f"<td class='key'>{e(text)}</td>" if key else f"<td>{e(text)}</td>"


def _block(block: Block) -> str:
    if isinstance(block, Paragraph):
        return f"<p class='note'>{e(block.text)}</p>" if block.note else f"<p>{e(block.text)}</p>"
    if isinstance(block, KeyFigures):
        cells = "".join(f"<div><b>{e(value)}</b><span>{e(label)}</span></div>" for label, value in block.items)
        return f"<div class='figures'>{cells}</div>"
    if isinstance(block, Table):
        head = "".join(f"<th>{e(h)}</th>" for h in block.head)
        rows = "".join(
            ("<tr class='total'>" if i in block.strong else "<tr>")
            + "".join(_td(v, k < block.keys) for k, v in enumerate(row))
            + "</tr>"
            for i, row in enumerate(block.rows)
        )
        caption = f"<caption>{e(block.caption)}</caption>" if block.caption else ""
        title = f"<h3>{e(block.title)}</h3>" if block.title else ""
        return f"{title}<table>{caption}<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
    if isinstance(block, Picture):
        data = base64.b64encode(block.png).decode()
        width = f"{round(block.width * 100)}%"
        return f"<figure><img alt='{e(block.title)}' style='width:{width}' src='data:image/png;base64,{data}'></figure>"
    quotes = "".join(f"<blockquote>{e(said)}<cite>– {e(who)}</cite></blockquote>" for who, said in block.items)
    return f"<h3>{e(block.heading)}</h3>{quotes}"


def render(doc: Document) -> str:
    """The whole report as one HTML page (UTF-8 text)."""
    parts = [
        f"<!doctype html><html lang='{e(doc.lang)}'><head><meta charset='utf-8'>",
        f"<title>{e(doc.title)} – {e(doc.project)}</title><style>{STYLE}</style></head><body>",
        f"<header><p class='project'>{e(doc.project)}</p><h1>{e(doc.title)}</h1>",
        f"<p class='meta'>{e(doc.subtitle)}<br>{e(doc.period)}<br>{e(doc.generated)}</p></header>",
    ]
    for number, section in enumerate(doc.sections, start=1):
        parts.append(f"<section id='{e(section.key)}'><h2>{number} {e(section.title)}</h2>")
        parts.extend(_block(block) for block in section.blocks)
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts)
