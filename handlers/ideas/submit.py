"""/idea (a guided flow kept as a draft row), /myideas and /ideas with one 👍 per person."""

from __future__ import annotations

from typing import Any

from core.texts import format_day
from handlers import voice as voice_views
from handlers.codec import encode
from handlers.common import Btn, Req, View, esc, pager, short
from handlers.ideas import path, routing_views
from handlers.ideas import similar as similar_views
from handlers.ideas.origin import origin
from handlers.names import field_name, status_name, town_name
from models import drafts
from models import teams as teams_domain
from models import voice as voice_domain
from models.drafts import NONCE
from models.errors import Refusal
from models.ideas import answers as answers_domain
from models.ideas import core as ideas_domain
from models.ideas import routing as routing_domain
from models.ideas import similar as similar_domain
from models.tables import Draft, Idea, IdeaRoute, Team

FLOW = "idea"
ALL_TOWNS = "all"


def _towns(req: Req) -> list[str]:
    return [t.key for t in req.config.towns]


def _new_run() -> dict[str, Any]:
    return drafts.new_run()


async def _save(req: Req, step: str, data: dict[str, Any]) -> Draft:
    """Move the draft to `step`; a draft from before nonces existed gets one here."""
    return await drafts.save_draft(req.session, req.me.id, FLOW, step, {**_new_run(), **data}, req.now)


def _btn(label: str, prefix: str, draft: Draft, arg: object) -> Btn:
    return Btn(label, encode(prefix, draft.data[NONCE], arg))


async def _draft(req: Req) -> Draft:
    """The draft this button belongs to; a button of a finished, cancelled or earlier idea is answered, not acted on.

    Buttons are `<prefix>:1:<nonce>:<choice>`; the nonce must be the open draft's.
    """
    assert req.cb is not None
    return await drafts.draft_of_button(req.session, req.me.id, FLOW, req.cb.arg(0), "ideas.no_draft")


async def step_view(req: Req, draft: Draft, mine: list[tuple[Team, str]] | None = None) -> View:
    """The question for the draft's current step (used to start, resume and re-ask); `mine`: the person's teams
    when the caller has just read them."""
    data = draft.data
    if draft.step == "text":
        ask = req.t("ideas.ask_text", min=ideas_domain.MIN_LEN, max=ideas_domain.MAX_LEN)
        return View(f"{ask}\n{req.t('voice.ask_hint', minutes=voice_domain.MAX_SECONDS // 60)}")
    if draft.step == "field":
        return View(
            req.t("ideas.ask_field"), [[_btn(f.name(req.lang), "idf", draft, f.key)] for f in req.config.fields]
        )
    if draft.step == "towns":
        chosen = set(data.get("towns", []))
        rows = [
            [_btn(("✅ " if t.key in chosen else "") + t.name(req.lang), "idt", draft, t.key)] for t in req.config.towns
        ]
        rows.append([_btn(req.t("ideas.all_towns"), "idt", draft, ALL_TOWNS)])
        rows.append([_btn(req.t("ideas.towns_done"), "idt", draft, "done")])
        return View(req.t("ideas.ask_towns"), rows)
    if draft.step == "team":
        if mine is None:
            mine = await teams_domain.my_teams(req.session, req.me)
        rows = [[_btn(t.name(req.lang), "idm", draft, t.id)] for t, _ in mine]
        rows.append([_btn(req.t("ideas.no_team"), "idm", draft, 0)])
        return View(req.t("ideas.ask_team"), rows)
    team_name = req.t("ideas.no_team")
    if data.get("team"):
        team = await teams_domain.get_team(req.session, int(data["team"]))
        team_name = team.name(req.lang) if team else team_name
    text = req.t(
        "ideas.confirm",
        text=esc(data.get("text", "")),
        field=esc(field_name(req, data.get("field"))),
        towns=esc(", ".join(town_name(req, t) for t in data.get("towns", []))),
        team=esc(team_name),
    )
    alike, instead = (
        ("", [])
        if data.get("voice")
        else await similar_views.hint(  # a voice has no words yet
            req, data.get("text", ""), lambda i: encode("ids", data[NONCE], i)
        )
    )
    return View(
        f"{text}\n\n{alike}" if alike else text,
        [
            *instead,
            [_btn(req.t("ideas.submit"), "idc", draft, "ok")],
            [_btn(req.t("ideas.restart"), "idc", draft, "again"), _btn(req.t("ideas.cancel"), "idc", draft, "cancel")],
        ],
    )


async def start_idea(req: Req) -> None:
    """/idea: resume an open idea draft, or start a new one."""
    draft = await drafts.get_draft(req.session, req.me.id)
    if draft is not None and draft.flow == FLOW:
        req.reply(req.t("ideas.resumed"))
        draft = await _save(req, draft.step, draft.data)
    else:
        draft = await _save(req, "text", {})
    req.show(await step_view(req, draft))


async def on_input(req: Req, draft: Draft) -> None:
    """Typed input while an idea draft is open: only the text step takes text."""
    if draft.step != "text":
        req.reply(req.t("ideas.use_buttons"))
        req.reply(await step_view(req, await _save(req, draft.step, draft.data)))
        return
    voice = voice_views.voice_of(req)
    if voice is not None:  # spoken instead of typed: the audio is kept, the text is a placeholder until summarised
        stored = await voice_views.receive(req, voice)
        data = {**draft.data, "text": voice_domain.placeholder(stored.duration), "voice": stored.id}
        req.reply(await step_view(req, await _save(req, "field", data)))
        return
    if req.text is None:
        raise Refusal("ideas.text_only")  # a sticker, photo, video note: text or voice please
    text = ideas_domain.clean_text(req.text)
    data = {k: v for k, v in draft.data.items() if k != "voice"}
    req.reply(await step_view(req, await _save(req, "field", {**data, "text": text})))


async def on_field(req: Req) -> None:
    """idf:<nonce>:<field> picks the field of action (also to change it later in the same idea)."""
    assert req.cb is not None
    draft = await _draft(req)
    key = req.cb.arg(1)
    if draft.step not in ("field", "towns", "team", "confirm") or req.config.field_of_action(key) is None:
        raise Refusal("errors.stale_button")
    req.show(await step_view(req, await _save(req, "towns", {**draft.data, "field": key})))


async def on_town(req: Req) -> None:
    """idt:<nonce>:<town> toggles a town, …:all picks all and goes on, …:done goes on (at least one town)."""
    assert req.cb is not None
    draft = await _draft(req)
    if draft.step != "towns":
        raise Refusal("errors.stale_button")
    key = req.cb.arg(1)
    chosen = list(draft.data.get("towns", []))
    mine = None
    if key in _towns(req):
        chosen = [t for t in chosen if t != key] if key in chosen else [*chosen, key]
        step = "towns"
    elif key in ("done", ALL_TOWNS):
        if key == ALL_TOWNS:
            chosen = _towns(req)
        if not chosen:
            req.toast(req.t("ideas.need_town"), alert=True)
            return
        mine = await teams_domain.my_teams(req.session, req.me)
        step = "team" if mine else "confirm"
    else:
        raise Refusal("errors.stale_button")
    req.show(await step_view(req, await _save(req, step, {**draft.data, "towns": chosen}), mine))


async def on_team(req: Req) -> None:
    """idm:<nonce>:<team id> picks one of my teams, 0 means no particular team."""
    assert req.cb is not None
    draft = await _draft(req)
    if draft.step != "team":
        raise Refusal("errors.stale_button")
    team_id = req.cb.int(1)
    if team_id and await teams_domain.membership(req.session, req.me.id, team_id) is None:
        raise Refusal("ideas.not_in_team")
    req.show(await step_view(req, await _save(req, "confirm", {**draft.data, "team": team_id or None})))


async def on_confirm(req: Req) -> None:
    """idc:<nonce>:ok stores the idea (a second press finds no draft and is told so); again / cancel."""
    assert req.cb is not None
    draft = await _draft(req)
    action = req.cb.arg(1)
    if action == "cancel":
        await drafts.clear_draft(req.session, req.me.id)
        req.show(View(req.t("ideas.cancelled")))
        return
    if action == "again":  # a new run: buttons still showing the old text go stale
        req.show(await step_view(req, await _save(req, "text", _new_run())))
        return
    if action != "ok" or draft.step != "confirm":
        raise Refusal("errors.stale_button")
    data = dict(draft.data)
    voice = await voice_domain.pending(req.session, req.me, int(data["voice"])) if data.get("voice") else None
    if data.get("voice") and voice is None:  # deleted meanwhile (a newer voice, or retention): ask again
        raise Refusal("voice.lost")
    if not await drafts.clear_draft(req.session, req.me.id):  # a parallel press took it first
        raise Refusal("ideas.no_draft")
    idea = await ideas_domain.submit(
        req.session,
        req.me,
        text=data.get("text", ""),
        field=data.get("field", ""),
        towns=data.get("towns", []),
        team_id=data.get("team"),
        now=req.now,
        fields=[f.key for f in req.config.fields],
        allowed_towns=_towns(req),
    )
    if voice is not None:
        await voice_domain.attach(req.session, voice, idea)  # compared with others once a lead summarised it
    else:
        await similar_domain.flag_new(req.session, [idea.id], req.now)  # for the project manager's /similar
    req.show(View(req.t("ideas.submitted", id=idea.id, status=status_name(req, idea.status))))


async def on_support_instead(req: Req) -> None:
    """ids:<nonce>:<idea> supports an alike idea shown on the confirm screen instead of submitting this one."""
    assert req.cb is not None
    draft = await _draft(req)
    if draft.step != "confirm":
        raise Refusal("errors.stale_button")
    text = str(draft.data.get("text", ""))
    idea, count = await similar_domain.support_instead(req.session, req.me, req.cb.int(1), text, req.now)
    if not await drafts.clear_draft(req.session, req.me.id):  # a parallel press took it first
        raise Refusal("ideas.no_draft")
    req.show(View(req.t("similar.supported_instead", id=idea.id, count=count)))


async def show_my_ideas(req: Req) -> None:
    req.show(await my_ideas_view(req))


async def my_ideas_view(req: Req) -> View:
    """/myideas: my newest ideas with their status, answer and meeting, and a 📜 Verlauf button each."""
    views = await ideas_domain.my_ideas(req.session, req.me)
    if not views:
        return View(req.t("ideas.none_mine"), [[Btn(req.t("menu.idea"), encode("menu", "idea"))]])
    ideas = [v.idea for v in views]
    discussed = await _discussed(req, ideas)
    answers = await answers_domain.latest_answers(req.session, [i.id for i in ideas])
    routes = await routing_domain.routes_of(req.session, [i.id for i in ideas])
    lines = [req.t("ideas.mine_title")]
    for v in views:
        line = req.t(
            "ideas.mine_line",
            id=v.idea.id,
            status=status_name(req, v.idea.status),
            supports=v.supports,
            field=esc(field_name(req, v.idea.field)),
            text=esc(short(v.idea.text)),
        )
        if v.idea.id in discussed:
            line += f"\n<i>{discussed[v.idea.id]}</i>"
        if v.idea.id in answers:
            line += "\n" + req.t("ideas.answer_line", text=esc(short(answers[v.idea.id].text)))
        if v.idea.merged_into_id is not None:
            line += "\n" + req.t("similar.merged_into_line", id=v.idea.merged_into_id)
        line += "".join(f"\n{r}" for r in route_lines(req, routes.get(v.idea.id, [])))
        lines.append(line)
    buttons = [path.button(req, v.idea.id, "m", 0) for v in views]
    return View("\n\n".join(lines), [buttons[i : i + 3] for i in range(0, len(buttons), 3)])


async def _discussed(req: Req, ideas: list[Idea]) -> dict[int, str]:
    """'besprochen am …' for each idea linked to the meeting where it was discussed."""
    meetings = await answers_domain.meetings_of(req.session, ideas)
    return {
        idea_id: req.t("ideas.discussed", day=format_day(m.starts_at, req.lang, req.config.time_zone))
        for idea_id, m in meetings.items()
    }


def route_lines(req: Req, routes: list[IdeaRoute]) -> list[str]:
    """'🏛 Saalfeld: übernimmt die Idee.' for each town the idea was forwarded to."""
    return routing_views.route_lines(req.config, routes, req.lang)


def idea_block(req: Req, v: ideas_domain.IdeaView, notes: list[str]) -> str:
    """One idea in a list: number, field, status, text, whose group and town (or which workshop), and notes below."""
    author = origin(req, v.idea, v.workshop)  # imported: no author, but the workshop it came from and its day
    if v.own:  # no 👍 button on one's own idea, so its count is shown here
        notes = [*notes, req.t("ideas.own_mark", count=v.supports)]
    return (
        f"<b>#{v.idea.id}</b> · {esc(field_name(req, v.idea.field))} · "
        f"{esc(status_name(req, v.idea.status))}\n{esc(short(v.idea.text))}\n<i>{author}</i>"
        + "".join(f"\n{n}" for n in notes)
    )


def support_button(v: ideas_domain.IdeaView, *args: object) -> Btn:
    """👍 #id (count), ✅ while I support it; `args` say which list to redraw."""
    mark = "✅ " if v.supported_by_me else ""
    return Btn(f"{mark}👍 #{v.idea.id} ({v.supports})", encode("sup", v.idea.id, *args))


async def teamless_row(req: Req) -> list[list[Btn]]:
    """The way to the ideas without a team, shown under the ideas of my teams while there are any."""
    count = await ideas_domain.teamless_count(req.session)
    return [[Btn(req.t("ideas.teamless_button", count=count), encode("idn", 0))]] if count else []


async def ideas_page_view(req: Req, page: int) -> View:
    views, pages = await ideas_domain.team_ideas_page(req.session, req.me, page)
    teamless = await teamless_row(req)
    if not views:
        return View(req.t("ideas.none_in_teams"), teamless + await similar_views.ideas_row(req))
    page = min(max(page, 0), pages - 1)
    blocks = [req.t("ideas.list_title", page=page + 1, pages=pages)]
    rows = []
    ideas = [v.idea for v in views]
    discussed = await _discussed(req, ideas)
    following = await answers_domain.followed(req.session, req.me, [i.id for i in ideas])
    routes = await routing_domain.routes_of(req.session, [i.id for i in ideas])
    for v in views:
        notes = [discussed[v.idea.id]] if v.idea.id in discussed else []
        notes += route_lines(req, routes.get(v.idea.id, []))
        if v.idea.id in following:
            notes.append(req.t("ideas.following_mark"))
        blocks.append(idea_block(req, v, notes))
        timeline = path.button(req, v.idea.id, "t", page)
        rows.append([timeline] if v.own else [support_button(v, page), timeline])
    rows += await voice_views.rows_for(req, [v.idea.id for v in views])  # ▶️ / ✍️ for the lead and the manager
    rows += pager(page, pages, lambda p: encode("idp", p))
    rows += teamless
    rows += await similar_views.ideas_row(req)
    blocks.append(req.t("ideas.follow_hint"))
    return View("\n\n".join(blocks), rows)


async def show_team_ideas(req: Req) -> None:
    req.show(await ideas_page_view(req, 0))


async def on_page(req: Req) -> None:
    assert req.cb is not None
    req.show(await ideas_page_view(req, req.cb.int(0)))
