"""Views of the project manager's reports: the summary, the export menus, the audit list, and the words for codes.

Views are data built from `models.reports.stats` results; the command line uses `vocabulary`, `say_for` and
`summary_lines` too, so the chat and `actionbot stats` tell the same numbers in the same words.
"""

from __future__ import annotations

import html
from collections import Counter
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date

from core.config import Config
from core.texts import catalogue, format_when, t
from handlers.announcements import views as announce_views
from handlers.codec import encode
from handlers.common import Btn, View, esc
from handlers.names import shown_name
from models import audit
from models.announcements.core import Audience
from models.audit import Names
from models.evaluation.common import half_up
from models.ideas import codes as idea_codes
from models.ideas import core as ideas
from models.ideas import events as idea_events
from models.meetings import core as meetings
from models.people import OTHER_TOWN
from models.reports.charts import Say
from models.reports.codebook import Vocabulary
from models.reports.exports import ALL, TABLES
from models.reports.stats import NO_REASON, UNKNOWN, Overview
from models.tables import AuditEntry

EXPORT_FORMATS = ("csv", "xlsx", "pz")  # pz: pseudonymised ZIP with codebook


def say_for(lang: str) -> Say:
    def say(key: str, **params: object) -> str:
        return t(lang, f"reports.{key}", **params)

    return say


def vocabulary(config: Config, lang: str) -> Vocabulary:
    """Every code the exports and charts use, with its word in `lang` (from the config and the catalogue)."""
    say = say_for(lang)
    codes = {
        "group": [(g.key, g.name(lang)) for g in config.groups],
        "town": [(x.key, x.name(lang)) for x in config.towns]
        + [(OTHER_TOWN, t(lang, "common.other_town")), (UNKNOWN, say("unknown"))],
        "field": [(f.key, f.name(lang)) for f in config.fields],
        "team": [(x.slug, x.names.get(lang) or x.names["de"]) for x in config.teams],
        "idea_status": [(s, t(lang, f"ideas.status_{s}")) for s in ideas.STATUSES],
        "answer": [(a, t(lang, f"meetings.answer_{a}")) for a in meetings.ANSWERS],
        "reason": [(r, t(lang, f"meetings.reason_{r}")) for r in meetings.REASONS]
        + [(NO_REASON, t(lang, "meetings.reason_skip"))],
        "role": [(r, say(f"role_{r}")) for r in ("member", "lead")],
        "meeting_status": [(s, say(f"meeting_{s}")) for s in (meetings.SCHEDULED, meetings.CANCELLED)],
        "language": [("de", "Deutsch"), ("en", "English")],
        "delivery": [(d, say(f"delivery_{d}")) for d in ("delivered", "unreachable", "failed", "open")],
    }
    titles = {category: say(f"code_{category}") for category in codes if category != "team"}
    titles["team"] = say("html_team")
    evaluation = {  # the codes of the evaluation tables (models/reports/research.py); words in idea_codes.toml
        "factor": [(c.key, c.name(lang)) for c in config.success_factors],
        "obstacle": [(c.key, c.name(lang)) for c in config.obstacles],
        "code_kind": [(k, t(lang, f"idea_codes.kind_{k}")) for k in idea_codes.KINDS],
        "event_kind": [(k, t(lang, f"idea_codes.step_{k}")) for k in idea_events.KINDS],
    }
    codes.update(evaluation)
    titles.update({category: t(lang, f"idea_codes.code_{category}") for category in evaluation})
    return Vocabulary(codes, titles)


def _items(counts: Counter[str], category: str, vocab: Vocabulary, none: str) -> str:
    """ "Saalfeld 7, Rudolstadt 1": exact counts, largest first (operational: the manager sees names anyway)."""
    if not counts:
        return none
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return ", ".join(f"{vocab.label(category, k)} {n}" for k, n in ordered)


def _rate(value: float | None, lang: str) -> str:
    if value is None:
        return "–"
    percent = int(half_up(value * 100, 0))  # half up, as every figure (docs/evaluation.md, "Rounding")
    return f"{percent} %" if lang == "de" else f"{percent}%"


def summary_lines(o: Overview, vocab: Vocabulary, lang: str) -> list[str]:
    """The numbers in a few plain-text lines (escape them for Telegram HTML). Operational figures for the project
    manager (and the operator's `actionbot stats`): exact counts, also of small groups (docs/evaluation.md,
    "Who sees what"); released figures are the evaluation report's, the digest's and /feedback's."""
    say = say_for(lang)
    none = say("none")
    fields: Counter[str] = Counter()
    for (fld, _status), n in o.ideas.by_field_status.items():
        fields[fld] += n
    m, a, r = o.meetings, o.absences, o.reach
    lines = [
        say("members_line", total=o.members.total),
        "  " + say("by_town", items=_items(o.members.by_town(), "town", vocab, none)),
        "  " + say("by_group", items=_items(o.members.by_group(), "group", vocab, none)),
        say("teams_title"),
        *(
            "  "
            + say(
                "team_line",
                team=vocab.label("team", x.slug),
                members=x.members,
                leads=x.leads,
                mix=_items(x.by_town, "town", vocab, none),
            )
            for x in o.members.teams
        ),
        say("ideas_line", total=o.ideas.total),
        "  " + say("by_field", items=_items(fields, "field", vocab, none)),
        "  " + say("by_status", items=_items(o.ideas.by_status(), "idea_status", vocab, none)),
        say("meetings_line", held=m.held, upcoming=m.scheduled - m.held, cancelled=m.cancelled),
    ]
    if m.recorded:
        lines.append(
            "  "
            + say(
                "attendance_line",
                recorded=m.recorded,
                attended=m.attended,
                invited=m.invited,
                rate=_rate(m.attendance_rate, lang),
                guests=m.guests,
            )
        )
        lines.append("  " + say("attendance_towns", items=_items(m.attended_by_town, "town", vocab, none)))
    else:
        lines.append("  " + say("attendance_none"))
    lines.append(say("absences_line", declined=a.declined, items=_items(a.reasons, "reason", vocab, none)))
    lines.append("  " + say("absent_after_yes", count=a.absent_after_yes))
    lines.append(
        say(
            "reach_line",
            sent=len(r.announcements),
            scheduled=r.scheduled,
            called_off=r.called_off,
            delivered=r.total("delivered"),
            unreachable=r.total("unreachable"),
            failed=r.total("failed"),
            open=r.total("open"),
        )
    )
    return lines


def stats_view(o: Overview, vocab: Vocabulary, lang: str, tz: ZoneInfo) -> View:
    title = t(lang, "reports.stats_title", when=esc(format_when(o.generated_at, lang, tz)))
    return View("\n".join([title, "", *(esc(line) for line in summary_lines(o, vocab, lang))]))


def table_name(lang: str, what: str) -> str:
    return t(lang, "reports.export_all") if what == ALL else t(lang, f"reports.table_{what}")


def export_menu(lang: str) -> View:
    names = [*TABLES, ALL]
    rows = [[Btn(table_name(lang, n), encode("ex", "w", n)) for n in names[i : i + 2]] for i in range(0, len(names), 2)]
    return View(t(lang, "reports.export_pick"), rows)


def format_menu(lang: str, what: str) -> View:
    say = say_for(lang)
    rows = [[Btn(say(f"format_{f}"), encode("ex", "f", what, f))] for f in EXPORT_FORMATS]
    rows.append([Btn(say("export_back"), encode("ex", "m"))])
    return View(say("export_pick_format", what=esc(table_name(lang, what))), rows)


def _audit_person(names: Names, pseudonym: object, lang: str) -> str:
    if not isinstance(pseudonym, str):
        return t(lang, "reports.audit_system")
    name = names.people.get(pseudonym)
    return shown_name(lang, name) if name is not None else t(lang, "reports.audit_erased", pseudonym=pseudonym)


def _audit_team(names: Names, d: dict[str, Any], lang: str) -> str:
    team = names.teams.get(d["team"]) if isinstance(d.get("team"), str) else names.team_ids.get(d.get("team_id", -1))
    return team.name(lang) if team else str(d.get("team") or d.get("team_id") or "?")


def _audit_meeting(names: Names, d: dict[str, Any], lang: str, tz: ZoneInfo) -> str:
    meeting = names.meetings.get(d.get("meeting", -1))
    if meeting is None:
        return t(lang, "reports.audit_meeting_gone", id=d.get("meeting", "?"))
    team = names.team_ids.get(meeting.team_id)
    return t(
        lang,
        "reports.audit_meeting",
        title=meeting.title,
        when=format_when(meeting.starts_at, lang, tz),
        team=team.name(lang) if team else "?",
    )


def _audit_export(d: dict[str, Any], names: Names, lang: str) -> str:
    what, fmt = str(d.get("what", "?")), str(d.get("format", "?"))
    if what == "report":
        what_label = t(lang, "reports.audit_what_report")
    elif what == "evaluation":  # handlers/reports/evaluation.py
        what_label = t(lang, "evaluation_report.audit_what")
    else:
        what_label = table_name(lang, what) if what == ALL or what in TABLES else what
    fmt_key = f"reports.audit_format_{fmt.replace('+', '_')}"
    extras = ""
    if d.get("pseudonymised"):
        extras += t(lang, "reports.audit_export_pseudonymised")
    if isinstance(d.get("since"), str):
        extras += t(lang, "reports.audit_export_since", since=_day(d["since"], lang))
    if d.get("team"):
        extras += t(lang, "reports.audit_export_team", team=_audit_team(names, d, lang))
    if d.get("via") == "cli":
        extras += t(lang, "reports.audit_export_cli")
    text = t(lang, fmt_key) if fmt_key in catalogue("de") else fmt
    rows = t(lang, "reports.audit_rows", rows=d["rows"]) if isinstance(d.get("rows"), int) else ""
    return t(lang, "reports.audit_export", what=what_label, format=text, rows=rows, extras=extras)


def _audit_details(e: AuditEntry, names: Names, config: Config, lang: str) -> str:
    """The entry's details in words (plain text); the stored ids become names, codes become labels."""
    d, tz = e.details or {}, config.time_zone
    if e.action in (audit.MAKE_LEAD, audit.UNMAKE_LEAD):
        return f"{_audit_person(names, d.get('person'), lang)} · {_audit_team(names, d, lang)}"
    if e.action in (audit.ANNOUNCE, audit.ANNOUNCE_SCHEDULED):
        teams = {i: team.name(lang) for i, team in names.team_ids.items()}
        chosen = Audience.from_json(d.get("audience"))
        audience = html.unescape(announce_views.audience_text(config, chosen, teams, lang))  # escaped once, below
        number, recipients = d.get("announcement", "?"), d.get("recipients", "?")
        return t(lang, "reports.audit_announce", id=number, recipients=recipients, audience=audience)
    if e.action == audit.ANSWER_IDEA:
        idea = names.ideas.get(d.get("idea", -1))
        text = idea.text if idea else ""
        return t(
            lang,
            "reports.audit_answer",
            idea=d.get("idea", "?"),
            text=text if len(text) <= 40 else text[:39] + "…",
            old=_status(lang, d.get("old")),
            new=_status(lang, d.get("new")),
            sent=d.get("sent", 0),
        )
    if e.action == audit.EXPORT:
        return _audit_export(d, names, lang)
    if e.action in (audit.MEETING_CREATE, audit.MEETING_CANCEL, audit.MEETING_LETTERS):
        return _audit_meeting(names, d, lang, tz)
    if e.action == audit.ASSIGN_IDEA:
        idea = names.ideas.get(d.get("idea", -1))
        text = idea.text if idea else ""
        team = names.teams.get(d.get("team", ""))
        return t(
            lang,
            "reports.audit_assign",
            idea=d.get("idea", "?"),
            text=text if len(text) <= 40 else text[:39] + "…",
            team=team.name(lang) if team else "–",
        )
    if e.action == audit.MERGE_IDEAS:
        idea = names.ideas.get(d.get("idea", -1))
        text = idea.text if idea else ""
        return t(
            lang,
            "similar.audit_merge",
            merged=d.get("idea", "?"),
            kept=d.get("into", "?"),
            text=text if len(text) <= 40 else text[:39] + "…",
            supports=d.get("supports", 0),
            told=d.get("told", 0),
        )
    if e.action == audit.FORWARD_IDEA:
        return _audit_forward(d, names, config, lang)
    if e.action in (audit.ROUTE_ANSWER, audit.ROUTE_REPLY):
        return _audit_route(e.action, d, names, config, lang)
    if e.action == audit.VOICE_SUMMARY and d.get("kind", "idea") != "idea":  # a sentence, an answer, the minutes
        kind = d["kind"] if d["kind"] in ("survey", "route") else "minutes"
        found = config.town(str(d.get("town", "")))
        town = found.name(lang) if found else str(d.get("town", "–"))
        return t(lang, f"voice.audit_summary_{kind}", meeting=d.get("meeting", "?"), idea=d.get("idea", "?"), town=town)
    if e.action == audit.VOICE_SUMMARY:
        idea = names.ideas.get(d.get("idea", -1))
        text = idea.text if idea else ""
        return t(
            lang, "voice.audit_summary", idea=d.get("idea", "?"), text=text if len(text) <= 40 else text[:39] + "…"
        )
    if e.action == audit.POLL_CREATE:
        team = names.team_ids.get(d.get("team_id", -1))
        name = team.name(lang) if team else "–"
        return t(lang, "reports.audit_poll_create", poll=d.get("poll", "?"), team=name, invited=d.get("invited", 0))
    if e.action == audit.RETENTION:
        ended = t(lang, "reports.audit_retention_ended") if d.get("project_ended") else ""
        erased, removed = d.get("people_erased", 0), d.get("audit_deleted", 0)
        return t(lang, "reports.audit_retention", erased=erased, removed=removed, ended=ended)
    if e.action == audit.IMPORT_IDEAS:
        via = t(lang, "reports.audit_export_cli") if d.get("via") == "cli" else ""
        first, last, key = d.get("first_idea", "?"), d.get("last_idea", "?"), d.get("workshop", "?")
        return t(
            lang,
            "reports.audit_import",
            name=d.get("name", key),
            key=key,
            ideas=d.get("ideas", 0),
            first=first,
            last=last,
            via=via,
        )
    if e.action == audit.SENTENCE_REVIEW:
        def state(code: object) -> str:
            return t(lang, f"sentences.state_{code or 'open'}")

        meeting = _audit_meeting(names, d, lang, tz)
        return t(lang, "sentences.audit", answer=d.get("answer", "?"), meeting=meeting, before=state(d.get("before")),
                 decision=state(d.get("decision")))
    if e.action in (audit.POLL_PICK, audit.POLL_CANCEL):
        return t(lang, "reports.audit_poll_done", poll=d.get("poll", "?"), told=d.get("told", 0))
    if e.action == audit.MEETING_CHANGE:
        fields = ", ".join(_field(lang, f) for f in d.get("fields") or [])
        return f"{_audit_meeting(names, d, lang, tz)}: {fields or '–'}"
    if e.action in PROXY_ACTIONS:
        return _audit_proxy(e.action, d, names, lang, tz)
    return ", ".join(f"{k}={v}" for k, v in sorted(d.items()) if v not in (None, "", [], {}))  # a name without words


PROXY_ACTIONS = (
    audit.PROXY_ADD,
    audit.PROXY_RSVP,
    audit.PROXY_SURVEY,
    audit.PROXY_LINK_CODE,
    audit.PROXY_EXPORT,
    audit.PROXY_ERASE,
)


def _audit_proxy(action: str, d: dict[str, Any], names: Names, lang: str, tz: ZoneInfo) -> str:
    """A lead acting for a member without Telegram: who, and the team or meeting; an erased one stays unnamed."""
    if action == audit.PROXY_ERASE:
        return t(lang, "proxy.audit_erased")
    who = _audit_person(names, d.get("person"), lang)
    if action == audit.PROXY_ADD:
        form = d.get("consent")
        consent = (
            t(lang, f"proxy.form_short_{form}") if form in ("paper", "phone") else t(lang, "proxy.audit_no_consent")
        )
        return f"{who} · {_audit_team(names, d, lang)} · {consent}"
    if action == audit.PROXY_RSVP:
        answer = d.get("answer")
        label = t(lang, f"meetings.answer_{answer}") if answer in ("yes", "maybe", "no") else "?"
        return f"{who} · {_audit_meeting(names, d, lang, tz)}: {label}"
    if action == audit.PROXY_SURVEY:
        return f"{who} · {_audit_meeting(names, d, lang, tz)}"
    return who


def _audit_forward(d: dict[str, Any], names: Names, config: Config, lang: str) -> str:
    """'Idee #3 „…“ an Saalfeld, Rudolstadt: 1 Ansprechperson benachrichtigt, nicht erreichbar: Rudolstadt'."""

    def towns(keys: Any) -> str:
        return ", ".join((town.name(lang) if (town := config.town(k)) else str(k)) for k in keys or [])

    idea = names.ideas.get(d.get("idea", -1))
    text = idea.text if idea else ""
    unreached = d.get("unreached") or []
    return t(
        lang,
        "routing.audit_forward",
        idea=d.get("idea", "?"),
        text=text if len(text) <= 40 else text[:39] + "…",
        towns=towns(d.get("towns")) or "–",
        told=d.get("told", 0),
        unreached=t(lang, "routing.audit_unreached", towns=towns(unreached)) if unreached else "",
    )


def _audit_route(action: str, d: dict[str, Any], names: Names, config: Config, lang: str) -> str:
    """'Idee #3 „…“, Verwaltung Saalfeld: Wird übernommen' or '…: Rückfrage beantwortet, 2 benachrichtigt'."""
    idea = names.ideas.get(d.get("idea", -1))
    text = idea.text if idea else ""
    town = config.town(str(d.get("town")))
    common = {
        "idea": d.get("idea", "?"),
        "text": text if len(text) <= 40 else text[:39] + "…",
        "town": town.name(lang) if town else str(d.get("town", "–")),
    }
    if action == audit.ROUTE_REPLY:
        return t(lang, "routing.audit_reply", told=d.get("told", 0), **common)
    key = f"idea_path.town_answer_{d.get('answer')}"
    answer = t(lang, key) if key in catalogue("de") else str(d.get("answer", "–"))
    via = t(lang, "routing.audit_via_mail", contact=str(d.get("contact", ""))) if d.get("via") == "mail" else ""
    return t(lang, "routing.audit_answer", answer=answer, via=via, **common)


def _day(iso: str, lang: str) -> str:
    try:
        return format_date(date.fromisoformat(iso), format="medium", locale=lang)
    except ValueError:
        return iso


def _status(lang: str, code: object) -> str:
    return t(lang, f"ideas.status_{code}") if code in ideas.STATUSES else str(code)


def _field(lang: str, name: object) -> str:
    return t(lang, f"meetings.field_{name}") if f"meetings.field_{name}" in catalogue("de") else str(name)


def audit_label(lang: str, action: str) -> str:
    """The action's name in words ('Teamleitung ernannt'); an action without a label keeps its stored name."""
    key = f"reports.audit_action_{action}"
    return t(lang, key) if key in catalogue("de") else action


def audit_view(entries: list[AuditEntry], names: Names, config: Config, lang: str) -> View:
    """The newest entries: when, what (in words), who (by name), and the details with names instead of ids."""
    say = say_for(lang)
    if not entries:
        return View(say("audit_empty"))
    lines = [say("audit_title", count=len(entries))]
    for e in entries:
        details = _audit_details(e, names, config, lang)
        lines.append(
            say(
                "audit_line",
                when=esc(format_when(e.created_at, lang, config.time_zone)),
                action=esc(audit_label(lang, e.action)),
                actor=esc(_audit_person(names, e.actor_pseudonym, lang)),
                details=esc(f" – {details}" if details else ""),
            )
        )
    return View("\n".join(lines))
