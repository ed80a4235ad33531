"""How answering ideas looks: the /answer screens, and the message a published answer becomes when sent.

An "idea_answer" outbox row carries only the answer's id; it is rendered at send time in the recipient's
language, so an English author reads English and a German follower German. A row whose answer, idea or
recipient is gone (erased, deleted, draft discarded) renders to None and is skipped.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from core.config import Config
from core.texts import format_day, t
from handlers import voice as voice_views
from handlers.codec import encode
from handlers.common import Btn, Req, View, esc, pager, short
from handlers.ideas import codes as idea_codes
from handlers.ideas import routing_views
from handlers.ideas.origin import origin
from handlers.names import field_name, status_name
from models.ideas import answers as domain
from models.ideas import core as ideas_domain
from models.ideas import routing
from models.tables import Idea, IdeaAnswer, IdeaRoute, Meeting, Outbox, Person, Workshop
from scheduler.dispatcher import Outgoing, Renderer

PREFIX = "ia"
LABEL_MAX = 40


def label(text: str, limit: int = LABEL_MAX) -> str:
    """A short one-line excerpt for a button."""
    return short(" ".join(text.split()), limit)


def data(*args: object) -> str:
    return encode(PREFIX, *args)


# --- the /answer screens -----------------------------------------------------------------------------------


async def list_view(req: Req, which: str, page: int) -> View:
    """A page of ideas the person may answer (waiting, or accepted ones to mark implemented)."""
    ideas, pages = await domain.ideas_page(req.session, req.me, which, page)
    page = min(max(page, 0), pages - 1)
    drafted = {a.idea_id for a in await domain.drafts_of(req.session, req.me)}
    rows: list[list[Btn]] = []
    for idea in ideas:
        mark = "📝 " if idea.id in drafted else ""
        caption = f"{mark}#{idea.id} · {status_name(req, idea.status)} · {label(idea.text)}"
        rows.append([Btn(caption, data("i", idea.id, which, page))])
    rows += pager(page, pages, lambda p: data("l", which, p))
    shown = {"w": "idea_answers.show_waiting", "a": "idea_answers.show_accepted", "d": "idea_answers.show_done"}
    rows.append([Btn(req.t(key), data("l", other, 0)) for other, key in shown.items() if other != which])
    if drafted:
        rows.append([Btn(req.t("idea_answers.ready_button", count=len(drafted)), data("r"))])
    if not ideas:
        return View(req.t(f"idea_answers.none_{which}"), rows)
    title = req.t(f"idea_answers.list_title_{which}", page=page + 1, pages=pages)
    return View(f"{title}\n{req.t('idea_answers.pick_idea')}", rows)


async def idea_view(req: Req, idea: Idea, which: str, page: int) -> View:
    """One idea in full with a button per status it may get next."""
    workshop = await req.session.get(Workshop, idea.workshop_id) if idea.workshop_id is not None else None
    author = origin(req, idea, workshop)
    text = req.t(
        "idea_answers.idea_screen",
        id=idea.id,
        field=esc(field_name(req, idea.field)),
        status=esc(status_name(req, idea.status)),
        text=esc(short(idea.text, 1500)),
        author=author,
    )
    mine = [a for a in await domain.drafts_of(req.session, req.me) if a.idea_id == idea.id]
    if mine:
        draft = mine[0]
        status = esc(status_name(req, draft.status))
        text += "\n\n" + req.t("idea_answers.your_draft", status=status, text=esc(short(draft.text)))
    statuses = domain.next_statuses(idea.status)
    if not statuses:
        text += "\n\n" + req.t("idea_answers.no_next_status")
    rows = [[Btn(req.t("idea_answers.to_status", status=status_name(req, s)), data("s", idea.id, s))] for s in statuses]
    rows.append([idea_codes.open_button(req.lang, idea)])
    rows += await voice_views.rows_for(req, [idea.id])  # 🎤 an idea given by voice: listen, type its summary
    rows.append([Btn(req.t("idea_answers.back"), data("l", which, page))])
    return View(text, rows)


def meeting_view(req: Req, idea_id: int, meetings: list[Meeting]) -> View:
    rows = [
        [
            Btn(
                f"{label(m.title, 28)} · {format_day(m.starts_at, req.lang, req.config.time_zone)}",
                data("m", idea_id, m.id),
            )
        ]
        for m in meetings
    ]
    rows.append([Btn(req.t("idea_answers.no_meeting"), data("m", idea_id, 0))])
    return View(req.t("idea_answers.ask_meeting"), rows)


async def ready_view(req: Req) -> View:
    """'N Antworten bereit': the person's drafts and [Alle veröffentlichen]."""
    drafts = await domain.drafts_of(req.session, req.me)
    if not drafts:
        return View(req.t("idea_answers.none_ready"), [[Btn(req.t("idea_answers.answer_more"), data("l", "w", 0))]])
    lines = [req.t("idea_answers.ready_title", count=len(drafts))]
    for a in drafts:
        status = esc(status_name(req, a.status))
        lines.append(req.t("idea_answers.ready_line", id=a.idea_id, status=status, text=esc(short(a.text, 200))))
    lines.append(req.t("idea_answers.ready_hint"))
    rows = [
        [Btn(req.t("idea_answers.publish_all"), data("p"))],
        [Btn(req.t("idea_answers.answer_more"), data("l", "w", 0)), Btn(req.t("idea_answers.discard_all"), data("x"))],
    ]
    return View("\n\n".join(lines), rows)


async def follow_view(req: Req, page: int) -> View:
    """/follow: the ideas of my teams, each with a 🔔 toggle (✅ while I follow it)."""
    ideas, pages = await ideas_domain.team_ideas_page(req.session, req.me, page)
    if not ideas:
        return View(req.t("ideas.none_in_teams"))
    page = min(max(page, 0), pages - 1)
    following = await domain.followed(req.session, req.me, [v.idea.id for v in ideas])
    lines = [req.t("ideas.follow_title", page=page + 1, pages=pages)]
    rows: list[list[Btn]] = []
    for v in ideas:
        status = esc(status_name(req, v.idea.status))
        lines.append(req.t("ideas.follow_line", id=v.idea.id, status=status, text=esc(short(v.idea.text, 200))))
        mark = "✅ " if v.idea.id in following else ""
        rows.append([Btn(f"{mark}🔔 #{v.idea.id}", encode("fol", page, v.idea.id))])
    rows += pager(page, pages, lambda p: encode("fol", p))
    return View("\n\n".join(lines), rows)


# --- the message to author and followers ---------------------------------------------------------------------


def answer_text(
    config: Config,
    answer: IdeaAnswer,
    idea: Idea,
    meeting: Meeting | None,
    to_author: bool,
    lang: str,
    routes: Sequence[IdeaRoute] = (),
) -> str:
    key = "idea_answers.notify_author" if to_author else "idea_answers.notify_follower"
    status = esc(t(lang, f"ideas.status_{answer.status}"))
    parts = [t(lang, key, id=idea.id, status=status, answer=esc(answer.text))]
    if routes:
        parts.append(routing_views.forwarded_note(config, routes, lang))
    if meeting is not None:
        day = format_day(meeting.starts_at, lang, config.time_zone)
        parts.append(t(lang, "idea_answers.notify_meeting", title=esc(meeting.title), day=day))
    parts.append(t(lang, "idea_answers.notify_idea", text=esc(short(idea.text))))
    if not to_author:
        parts.append(t(lang, "idea_answers.notify_unfollow"))
    return "\n\n".join(parts)


def renderers(config: Config) -> dict[str, Renderer]:
    """The outbox kind a published answer causes, rendered in the recipient's language at send time."""

    async def idea_answer(s: AsyncSession, row: Outbox) -> Outgoing | None:
        person = await s.get(Person, row.person_id) if row.person_id is not None else None
        answer = await s.get(IdeaAnswer, int(row.payload.get("answer", 0)))
        if person is None or answer is None or answer.published_at is None:
            return None
        idea = await s.get(Idea, answer.idea_id)
        if idea is None:
            return None
        meeting = await s.get(Meeting, idea.meeting_id) if idea.meeting_id is not None else None
        routes = await routing.routes_of_answer(s, answer.id)
        to_author = idea.author_id == person.id
        return Outgoing(answer_text(config, answer, idea, meeting, to_author, person.language, routes))

    return {domain.IDEA_ANSWER: idea_answer}
