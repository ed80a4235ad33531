"""What the evaluation report says: the interim report's sections built from the figures, in the reader's words.

Shape of an interim report of the scientific monitoring: summary, participation, cooperation across town
borders, fields of action, success factors, obstacles, limits (free sentences of consenting people,
pseudonymised, grouped by code) and method. Nothing is computed here that the figures do not give, apart from
the grouping of sentences. A hidden cell is shown as "•" and every table, chart and key-figure block with one
says in words what it means; a sentence never prints the marker: it says "nicht gezeigt (weniger als 5
Personen)" instead. A chart whose values are all hidden becomes that sentence.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from models.evaluation.figures import ALL, IDEA, STAGES, SURVEY, Cell, Figures, Row, Summary
from models.evaluation.figures import Table as Figure
from models.reports.codebook import Vocabulary
from models.reports.evaluation import charts
from models.reports.evaluation import tables as tb
from models.reports.evaluation.document import Block, Document, KeyFigures, Paragraph, Picture, Quotes, Section, Table
from models.reports.evaluation.origins import Origin
from models.reports.evaluation.sources import Sentence, Sources
from models.reports.suppression import MARKER

Say = Callable[..., str]  # say("section_summary") -> "Zusammenfassung"
QUOTES_PER_CODE = 4  # the newest sentences under each code; the rest are in the pseudonymised export


@dataclass(frozen=True)
class Frame:
    """Everything about the report that is not a figure: language, names, period and the words."""

    lang: str
    project: str
    since: str  # the period's first day, in words
    until: str  # its last day (inclusive)
    generated: str
    say: Say
    vocab: Vocabulary
    min_people: int = 5
    notes: str = ""  # the evaluators' own assessment (Markdown), `actionbot report --evaluation --notes FILE`
    previous: Summary | None = None  # the headline numbers of the period of the same length just before
    previous_period: str = ""  # that period in words


def build(fig: Figures, src: Sources, f: Frame) -> Document:
    sections = [
        Section("summary", f.say("section_summary"), _summary(fig, src, f)),
        Section("participation", f.say("section_participation"), _participation(fig, f)),
        Section("cooperation", f.say("section_cooperation"), _cooperation(fig, f)),
        Section("fields", f.say("section_fields"), _fields(fig, f)),
        Section("factors", f.say("section_factors"), _codes(fig, "factor", f)),
        Section("obstacles", f.say("section_obstacles"), _codes(fig, "obstacle", f)),
        Section("limits", f.say("section_limits"), _limits(src, f)),
        *([Section("assessment", f.say("section_assessment"), notes_blocks(f.notes))] if f.notes.strip() else []),
        Section("method", f.say("section_method"), _method(fig, src, f)),
    ]
    return Document(
        lang=f.lang,
        project=f.project,
        title=f.say("title"),
        subtitle=f.say("subtitle"),
        period=f.say("period", since=f.since, until=f.until),
        generated=f.say("generated", when=f.generated),
        sections=sections,
        page_label=f.say("page", page="{page}", pages="{pages}"),
    )


def has_data(fig: Figures) -> bool:
    head = fig.summary
    return any(tb.value(c) for c in (head.meetings, head.ideas_new, head.answers, head.ideas_implemented))


# --- summary -------------------------------------------------------------------------------------------------


def _summary(fig: Figures, src: Sources, f: Frame) -> list[Block]:
    """The headline numbers (models/evaluation/summary.py) as key figures and a few sentences."""
    lang, say, head = f.lang, f.say, fig.summary
    idea_share = _share(fig.cross_town.ideas, lang)
    usefulness = tb.cell_text(head.usefulness, lang, "mean")
    before = f.previous

    def key(name: str, column: str = "") -> str:
        """The period's value, and where both are shown the change from the period before (↑ 12 → 19)."""
        now, text = getattr(head, name), tb.cell_text(getattr(head, name), lang, column)
        then = getattr(before, name) if before is not None else None
        if then is None or tb.value(now) is None or tb.value(then) is None:
            return text
        was = tb.number(tb.value(then) or 0, lang, tb.DIGITS.get(column, 0))
        arrow = "↑" if tb.rounded(tb.value(now) or 0, 2) > tb.rounded(tb.value(then) or 0, 2) else "↓"
        return text if was == text else f"{text} ({arrow} {was})"

    items = [
        (say("key_members"), tb.number(src.members, lang)),
        (say("key_consenting"), tb.number(src.consenting, lang)),
        (say("key_meetings"), key("meetings")),
        (say("key_active"), key("active")),
        (say("key_hours"), key("hours", "hours")),
        (say("key_ideas"), key("ideas_new")),
        (say("key_implemented"), key("ideas_implemented")),
        (say("key_multi_town"), idea_share),
        (say("key_usefulness"), key("usefulness", "mean")),
        (say("key_answers"), key("answers")),
    ]
    blocks: list[Block] = [KeyFigures(items)]
    if before is not None and any("(" in value for _, value in items):
        blocks.append(Paragraph(say("previous_note", period=f.previous_period), note=True))
    if any(value == MARKER for _, value in items):
        blocks.append(Paragraph(say("marker_note", min=f.min_people), note=True))
    if not has_data(fig):
        return [*blocks, Paragraph(say("no_data"))]
    meetings = tb.value(head.meetings)
    if meetings is not None:  # hidden behind few people: the key figures say "•", no sentence says 0
        blocks.append(Paragraph(say("summary_meetings", meetings=int(meetings), hours=_words(head.hours, f, "hours"))))
    share = _share(fig.cross_town.meetings, lang)
    blocks.append(Paragraph(say("summary_cross", share=_said(share, f), idea_share=_said(idea_share, f))))
    if tb.value(head.usefulness) is not None:
        answers = int(tb.value(head.answers) or 0)
        blocks.append(Paragraph(say("summary_usefulness", mean=usefulness, answers=answers)))
    response = _response_total(fig, lang)
    if response is not None:  # so the results can be judged for bias: who answered of those asked
        blocks.append(Paragraph(say("summary_response", **response)))
    tops = [(kind, top) for kind, top in (("factor", head.top_factor), ("obstacle", head.top_obstacle)) if top]
    for kind, top in tops:
        blocks.append(Paragraph(say(f"summary_top_{kind}", code=top.label, mentions=_words(top.mentions, f))))
    return blocks


def _response_total(fig: Figures, lang: str) -> dict[str, object] | None:
    """"19 von 28 Befragten (68 %)": the response table's cell for all teams over the period, where shown."""
    figure = fig.survey.response
    row = next((r for r in figure.rows if r.keys == (ALL, ALL)), None)
    if row is None:
        return None
    asked, said = tb.value(tb.cell(figure, row, "surveyed")), tb.value(tb.cell(figure, row, "answered"))
    if not asked or said is None:
        return None
    rate = tb.cell_text(tb.cell(figure, row, "rate_pct"), lang, "rate_pct")
    return {"answers": int(said), "surveyed": int(asked), "rate": rate}


def _said(text: str, f: Frame) -> str:
    """A value inside a sentence: the marker becomes words."""
    return f.say("hidden_words", min=f.min_people) if text == MARKER else text


def _words(cell: Cell, f: Frame, column: str = "") -> str:
    return _said(tb.cell_text(cell, f.lang, column), f)


def _share(figure: Figure, lang: str) -> str:
    row = tb.total_row(figure)
    if row is None:
        return "–"
    share = tb.cell(figure, row, "share_pct")
    if share.suppressed:
        return MARKER  # a sign, never followed by the unit
    if share.value is None:
        return "–"
    return tb.cell_text(share, lang, "share_pct") + (" %" if lang == "de" else "%")  # as /stats writes rates


def _hidden_note(values: list[float | None], f: Frame) -> str:
    hidden = sum(v is None for v in values)
    return f.say("chart_hidden", hidden=hidden, total=len(values), min=f.min_people) if hidden else ""


def _picture(title: str, values: list[float | None], f: Frame, draw: Callable[[str], bytes]) -> Block:
    """A chart, or (every value hidden) the sentence that says so; `draw` gets the note on hidden values."""
    if values and all(v is None for v in values):
        return Paragraph(f.say("chart_all_hidden", title=title, min=f.min_people))
    return Picture(title, draw(_hidden_note(values, f)))


def _cells(figure: Figure, rows: list[Row], column: str) -> list[float | None]:
    return [tb.value(tb.cell(figure, r, column)) for r in rows]


# --- participation ---------------------------------------------------------------------------------------------


def _participation(fig: Figures, f: Frame) -> list[Block]:
    say, lang = f.say, f.lang
    by_month, staying = fig.engagement.by_month, fig.staying.months
    if not tb.detail_rows(by_month) and not tb.detail_rows(staying):
        return [Paragraph(say("no_data_section"))]
    blocks: list[Block] = [Paragraph(say("participation_intro"))]
    rows = tb.detail_rows(by_month)
    months = [r.keys[0] for r in rows]
    hours = _cells(by_month, rows, "hours")
    axes = (say("axis_month"), say("axis_hours"))
    blocks.append(_picture(say("chart_hours"), hours, f, lambda note: charts.monthly_bars(
        months, [(say("key_hours"), hours)], say("chart_hours"), say("chart_empty"), axes, note)))
    s_rows = tb.detail_rows(staying)
    s_months = [r.keys[0] for r in s_rows]
    series = [
        (staying.headings[len(staying.key_columns) + staying.columns.index(c)], _cells(staying, s_rows, c))
        for c in ("first_time", "returners")
    ]
    every = [v for _, values in series for v in values]
    axes_active = (say("axis_month"), say("axis_people"))
    blocks.append(_picture(say("chart_active"), every, f, lambda note: charts.monthly_bars(
        s_months, series, say("chart_active"), say("chart_empty"), axes_active, note)))
    blocks += [_by_month(fig, f), _titled(staying, f)]
    for figure in (fig.engagement.by_group, fig.engagement.by_town):
        if figure.rows:
            title = f"{figure.title} ({f.say('in_period')})"
            table = tb.sums(figure, 1, "hours", lang, figure.headings[1], title)
            blocks.append(_noted(table, any(MARKER in row for row in table.rows), f))
    if fig.staying.dropoff.rows:
        blocks.append(_titled(fig.staying.dropoff, f))
    if fig.survey.away_reasons.rows:  # the one question to people who stopped coming: a figure of its own
        blocks += [Paragraph(say("away_intro")), _titled(fig.survey.away_reasons, f)]
    return blocks


def _by_month(fig: Figures, f: Frame) -> Table:
    """Hours per month; guests without Telegram per month only where no month is small, else their period total
    in the caption (folded into the coarser group: the whole period)."""
    figure = fig.engagement.by_month
    table = tb.as_table(figure, f.lang)
    guests = len(figure.key_columns) + figure.columns.index("guests")
    if not any(r.cells[figure.columns.index("guests")].suppressed for r in figure.rows):
        return _noted(table, tb.has_hidden(figure), f)
    rows = [[v for i, v in enumerate(row) if i != guests] for row in table.rows]
    head = [v for i, v in enumerate(table.head) if i != guests]
    total = _words(fig.summary.guests, f)
    caption = " ".join(x for x in (table.caption, f.say("guests_folded", guests=total)) if x)
    folded = Table(head, rows, caption, table.title, table.strong, table.keys)
    return _noted(folded, any(MARKER in row for row in rows), f)


def _noted(table: Table, hidden: bool, f: Frame) -> Table:
    """The table with the marker's words under it when it shows the marker."""
    if not hidden:
        return table
    caption = " ".join(x for x in (table.caption, f.say("marker_note", min=f.min_people)) if x)
    return Table(table.head, table.rows, caption, table.title, table.strong, table.keys)


def _titled(figure: Figure, f: Frame) -> Table:
    return _noted(tb.as_table(figure, f.lang), tb.has_hidden(figure), f)


# --- cooperation ------------------------------------------------------------------------------------------------


def _cooperation(fig: Figures, f: Frame) -> list[Block]:
    say, lang, ct = f.say, f.lang, fig.cross_town
    if not any(t.rows for t in (ct.ideas, ct.meetings, ct.travel, ct.team_mix, fig.funnel.town_answers)):
        return [Paragraph(say("no_data_section"))]
    blocks: list[Block] = [Paragraph(say("cooperation_intro")), _titled(ct.meetings, f), _titled(ct.ideas, f)]
    if ct.travel.rows:
        homes: dict[str, str] = {}
        towns: dict[str, str] = {}
        for r in ct.travel.rows:
            homes.setdefault(r.keys[0], r.labels[0])
            towns.setdefault(r.keys[1], r.labels[1])
        cells = {(r.keys[0], r.keys[1]): tb.value(tb.cell(ct.travel, r, "attendances")) for r in ct.travel.rows}
        series = [(label, [cells.get((h, t), 0.0) for h in homes]) for t, label in towns.items()]
        axes = (ct.travel.headings[0], say("axis_attendances"))
        every = [v for _, values in series for v in values]
        blocks.append(_picture(say("chart_travel"), every, f, lambda note: charts.grouped_bars(
            list(homes.values()), series, say("chart_travel"), say("chart_empty"), ct.travel.headings[1], axes, note)))
        corner = f"{ct.travel.headings[0]} \\ {ct.travel.headings[1]}"
        blocks.append(_noted(tb.pivot(ct.travel, 0, 1, "attendances", lang, corner), tb.has_hidden(ct.travel), f))
    if ct.team_mix.rows:
        blocks.append(_team_mix(ct.team_mix, f))
    if fig.funnel.town_answers.rows:
        blocks.append(_titled(fig.funnel.town_answers, f))
    return blocks


def _team_mix(mix: Figure, f: Frame) -> Table:
    """Each team's make-up in its latest month with joins: a line per team and town, a column per group."""
    latest: dict[str, str] = {}
    for r in mix.rows:
        latest[r.keys[0]] = max(latest.get(r.keys[0], ""), r.keys[1])
    current = [r for r in mix.rows if latest[r.keys[0]] == r.keys[1]]
    groups: dict[str, str] = {}
    lines: dict[tuple[str, str], dict[str, str]] = {}
    names: dict[tuple[str, str], str] = {}
    for r in current:
        groups.setdefault(r.keys[3], r.labels[3])
        names[(r.keys[0], r.keys[2])] = f"{r.labels[0]} · {r.labels[2]}"
        lines.setdefault((r.keys[0], r.keys[2]), {})[r.keys[3]] = tb.cell_text(tb.cell(mix, r, "members"), f.lang)
    head = [f"{mix.headings[0]} · {mix.headings[2]}", *groups.values()]
    rows = [[names[k], *(cells.get(g, "0") for g in groups)] for k, cells in lines.items()]
    return _noted(Table(head, rows, mix.note, f.say("team_mix_latest")), tb.has_hidden(mix, current), f)


# --- fields of action -------------------------------------------------------------------------------------------


def _fields(fig: Figures, f: Frame) -> list[Block]:
    say, stages = f.say, fig.funnel.stages
    if not any(t.rows for t in (stages, fig.survey.usefulness_by_field, fig.cross_town.ideas)):
        return [Paragraph(say("no_data_section"))]
    blocks: list[Block] = [Paragraph(say("fields_intro"))]
    if stages.rows:
        everywhere = [r for r in stages.rows if r.keys[0] == ALL]
        first = stages.columns[0]
        order = {s: i for i, s in enumerate(STAGES)}
        everywhere.sort(key=lambda r: order.get(r.keys[1], len(order)))
        labels = [r.labels[1] for r in everywhere]
        values = _cells(stages, everywhere, first)
        axes = ("", say("axis_ideas"))
        blocks.append(_picture(say("chart_funnel"), values, f, lambda note: charts.category_bars(
            labels, values, say("chart_funnel"), say("chart_empty"), axes, note)))
        blocks.append(_titled(stages, f))
    if fig.survey.response.rows:  # whom the survey results stand for: answered of those asked
        blocks += [Paragraph(say("response_intro", min=f.min_people)), _titled(fig.survey.response, f)]
    if fig.survey.usefulness_by_field.rows:
        blocks.append(_titled(fig.survey.usefulness_by_field, f))
    months = tb.detail_rows(fig.survey.usefulness_by_month)
    if months:
        means = _cells(fig.survey.usefulness_by_month, months, "mean")
        axes = (say("axis_month"), say("axis_usefulness"))
        blocks.append(_picture(say("chart_usefulness"), means, f, lambda note: charts.monthly_line(
            [r.keys[0] for r in months], means, say("chart_usefulness"), say("chart_empty"), 5, axes, note)))
    if fig.survey.usefulness_by_team.rows:
        blocks.append(_titled(fig.survey.usefulness_by_team, f))
    return blocks


# --- success factors and obstacles -----------------------------------------------------------------------------


def _codes(fig: Figures, kind: str, f: Frame) -> list[Block]:
    """Per code: named in the survey, ticked on ideas, both together: the cells of `codes_total`, the same as
    the summary's most named code. A hidden cell is "•", never 0; "no data" only when nothing was named."""
    say, lang, figure = f.say, f.lang, fig.survey.codes_total
    found: dict[tuple[str, str], Cell] = {
        (r.keys[0], r.keys[2]): tb.cell(figure, r, "mentions") for r in figure.rows if r.keys[1] == kind
    }
    codes = sorted({code for _, code in found})
    if not codes:
        return [Paragraph(say(f"{kind}s_intro")), Paragraph(say("no_data_section"))]
    none = Cell(0, 0)

    def get(source: str, code: str) -> Cell:
        return found.get((source, code), none)

    shown = sorted((c for c in codes if not get(ALL, c).suppressed), key=lambda c: (-(get(ALL, c).value or 0), c))
    ordered = [*shown, *sorted(c for c in codes if get(ALL, c).suppressed)]  # hidden ones by code: order tells nothing
    labels = [f.vocab.label(kind, c) for c in ordered]
    series: list[tuple[str, list[float | None]]] = [  # both sources: always the coarsest, most often shown
        (f"{say('column_survey')} + {say('column_idea')}", [tb.value(get(ALL, c)) for c in ordered]),
    ]
    title = say(f"chart_{kind}s")
    every = [v for _, values in series for v in values]
    def folded(code: str) -> bool:  # only both sources together (models/evaluation/collapse.py)
        return (ALL, code) in found and (SURVEY, code) not in found and (IDEA, code) not in found

    rows = [[label, *("" if folded(c) and src != ALL else tb.cell_text(get(src, c), lang)
                      for src in (SURVEY, IDEA, ALL))]
            for c, label in zip(ordered, labels, strict=True)]
    head = [say("column_code"), say("column_survey"), say("column_idea"), say("column_total")]
    hidden = any(MARKER in row for row in rows)
    caption = figure.note if any(folded(c) for c in ordered) else ""
    blocks: list[Block] = [
        Paragraph(say(f"{kind}s_intro")),
        _picture(title, every, f, lambda note: charts.code_bars(labels, series, title, say("chart_empty"),
                                                                say("axis_mentions"), note)),
        _noted(Table(head, rows, caption, say("codes_table")), hidden, f),
    ]
    by_team = fig.survey.codes_by_team
    chosen = [r for r in by_team.rows if r.keys[1] == kind and r.keys[0] == SURVEY and r.keys[3] != ALL]
    if chosen:
        table = tb.pivot(by_team, 2, 3, "mentions", lang, say("column_code"), rows_filter=lambda r: r in chosen)
        titled = Table(table.head, table.rows, table.caption, f"{say('codes_by_team')} ({say('column_survey')})")
        blocks.append(_noted(titled, tb.has_hidden(by_team, chosen), f))
    return blocks


# --- limits ------------------------------------------------------------------------------------------------------


def _limits(src: Sources, f: Frame) -> list[Block]:
    """The released sentences grouped by code, each with its writer's pseudonym and origin; how many the project
    manager left out and how many still wait for review is said below them."""
    say, sentences = f.say, src.sentences
    held = [Paragraph(say("limits_held", left_out=src.left_out, unreviewed=src.unreviewed), note=True)]
    if not (src.left_out or src.unreviewed):
        held = []
    if not sentences:
        return [Paragraph(say("limits_intro")), Paragraph(say("limits_none")), *held]
    groups: dict[tuple[str, str], list[Sentence]] = {}
    for x in sentences:
        key = ("obstacle", x.obstacles[0]) if x.obstacles else ("factor", x.factors[0]) if x.factors else ("", "")
        groups.setdefault(key, []).append(x)
    kinds = {"obstacle": 0, "factor": 1, "": 2}
    order = sorted(groups, key=lambda k: (kinds[k[0]], -len(groups[k]), k[1]))
    blocks: list[Block] = [Paragraph(say("limits_intro"))]
    for kind, code in order:
        found = groups[(kind, code)]
        kind_word = f.vocab.label("figure", kind) if kind else say("limits_uncoded")
        code_word = f.vocab.label(kind, code) if kind else "–"
        heading = say("limits_heading", kind=kind_word, code=code_word, count=len(found))
        newest = found[-QUOTES_PER_CODE:][::-1]
        blocks.append(Quotes(heading, [(_writer(x, f), x.text) for x in newest]))
        if len(found) > QUOTES_PER_CODE:
            blocks.append(Paragraph(say("limits_more", count=len(found) - QUOTES_PER_CODE), note=True))
    blocks.append(Paragraph(say("limits_origin", min=f.min_people), note=True))
    return [*blocks, *held]


def _writer(x: Sentence, f: Frame) -> str:
    """"P-7K3M9QXA · Team Daseinsvorsorge · Daseinsvorsorge · 4. Quartal 2026": the pseudonym, then as much of
    the origin as min_people allowed (models/reports/evaluation/origins.py)."""
    return " · ".join([x.pseudonym, *origin_words(x.origin, f)])


def origin_words(o: Origin, f: Frame) -> list[str]:
    words = []
    if o.team is not None:
        words.append(f.vocab.label("team", o.team))
    if o.field is not None:
        words.append(f.vocab.label("field", o.field))
    if o.year is not None:
        words.append(f.say("quarter", quarter=o.quarter, year=o.year) if o.quarter else str(o.year))
    return words


# --- the evaluators' assessment ----------------------------------------------------------------------------------


def notes_blocks(markdown: str) -> list[Block]:
    """Plain Markdown as the report's paragraphs: a blank line ends a paragraph, "#" lines become bold lead
    lines, "-"/"*" items their own paragraphs with a bullet; emphasis marks are dropped (no markup gets through:
    the renderers escape the text)."""
    blocks: list[Block] = []
    lines: list[str] = []

    def close() -> None:
        if lines:
            blocks.append(Paragraph(" ".join(lines)))
            lines.clear()

    for raw in markdown.splitlines():
        line = raw.strip().replace("**", "").replace("__", "")
        if not line:
            close()
        elif line.startswith("#"):
            close()
            blocks.append(Paragraph(line.lstrip("#").strip()))
        elif line[:2] in ("- ", "* "):
            close()
            blocks.append(Paragraph("• " + line[2:].strip()))
        else:
            lines.append(line)
    close()
    return blocks


# --- method ------------------------------------------------------------------------------------------------------


def _method(fig: Figures, src: Sources, f: Frame) -> list[Block]:
    say = f.say
    return [
        Paragraph(say("method_counted")),
        Paragraph(say("method_consent", consenting=src.consenting, members=src.members)),
        Paragraph(say("method_suppression", min=fig.min_people)),
        Paragraph(say("method_reproduce")),
        Paragraph(say("method_generated", when=f.generated, since=f.since, until=f.until), note=True),
    ]
