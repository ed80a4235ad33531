"""/announce: write, choose the audience, review (count, preview, test to me), send now or schedule.

A draft row holds the run; its buttons carry a nonce (`an:1:<nonce>:<action>[:<value>]`), so buttons of an
earlier run go stale. Who may address whom is decided in models/announcements/core.py, again on every button.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from handlers import team_mix, typed
from handlers.announcements import header, views
from handlers.common import Req, View
from models import drafts
from models.announcements import core as domain
from models.announcements import reports
from models.announcements.core import Audience, Content, CountChanged
from models.announcements.sender import sender_of
from models.dates import DateProblem, combine_local, parse_when
from models.drafts import NONCE
from models.errors import Refusal
from models.tables import Draft

FLOW = "announce"
_QUICK_TIMES = ((1, time(8, 0)), (1, time(12, 0)), (1, time(18, 0)), (2, time(9, 0)))


def _towns(req: Req) -> list[str]:
    return [t.key for t in req.config.towns]


def _groups(req: Req) -> list[str]:
    return [g.key for g in req.config.groups]


async def _save(req: Req, step: str, data: dict[str, Any]) -> Draft:
    return await drafts.save_draft(req.session, req.me.id, FLOW, step, data, req.now)


async def _draft(req: Req) -> Draft:
    """The open announce draft this button belongs to (checked by nonce)."""
    assert req.cb is not None
    return await drafts.draft_of_button(req.session, req.me.id, FLOW, req.cb.arg(0), "announce.no_draft")


def _content(draft: Draft) -> Content:
    d = draft.data
    return Content(d.get("text", ""), d.get("media_kind"), d.get("media_file_id"))


async def _room(req: Req) -> int:
    """Characters kept for the header above the text (handlers/announcements/header.py)."""
    return await header.room(req.session, await sender_of(req.session, req.me))


async def _ask_text(req: Req) -> str:
    room = await _room(req)
    return req.t("announce.ask_text", limit=domain.TEXT_LIMIT - room, caption_limit=domain.CAPTION_LIMIT - room)


async def _as_sent(req: Req, draft: Draft) -> Content:
    """The draft's content as recipients will get it, header included (for the preview and "test to me")."""
    audience = Audience.from_json(draft.data.get("audience"))
    sender = await sender_of(req.session, req.me, audience)
    return header.with_header(_content(draft), await header.header_html(req.session, sender, req.lang))


async def start_announce(req: Req) -> None:
    """/announce: managers and team leads only; starts a new run (an open one is replaced)."""
    await domain.scope_of(req.session, req.me)
    await _save(req, "text", drafts.new_run())
    req.reply(await _ask_text(req))


async def on_fill(req: Req) -> None:
    """tmx:<team> (the button under a team in /members): /announce with the team's gaps as the audience (the
    manager, or that team's lead)."""
    assert req.cb is not None
    await start_with_audience(req, Audience(gap=req.cb.int(0)))


async def start_with_audience(req: Req, audience: Audience) -> None:
    """/announce with the audience chosen already (e.g. a team's gaps from /members); it can still be changed."""
    scope = await domain.scope_of(req.session, req.me)
    await domain.check_audience(req.session, scope, audience, _towns(req), _groups(req))
    await _save(req, "text", {**drafts.new_run(), "audience": audience.to_json()})
    chosen = views.audience_text(req.config, audience, await views.team_names(req.session, req.lang), req.lang)
    ask = await _ask_text(req)
    req.reply(f"{ask}\n\n{req.t('team_mix.preset_audience', audience=chosen)}")


async def on_input(req: Req, draft: Draft) -> None:
    """Typed input: the announcement itself (text, or photo / document with caption), or a date to schedule."""
    message = req.update.effective_message
    if message is None:
        return
    if draft.step in ("when", "confirm_when") and req.text:
        await _typed_when(req, draft, req.text)
        return
    if draft.step != "text":
        req.reply(req.t("announce.use_buttons"))
        return
    if message.photo:
        content = Content(typed.formatted(message), domain.PHOTO, message.photo[-1].file_id)
    elif message.document:
        content = Content(typed.formatted(message), domain.DOCUMENT, message.document.file_id)
    elif message.text:
        content = Content(typed.formatted(message))
    else:
        raise Refusal("announce.unsupported")
    domain.check_content(content, reserve=await _room(req))
    data = {**draft.data, "text": content.text_html, "media_kind": content.media_kind}
    data["media_file_id"] = content.media_file_id
    scope = await domain.scope_of(req.session, req.me)
    audience = Audience() if scope.manager or len(scope.team_ids) != 1 else Audience(teams=scope.team_ids)
    if draft.data.get("audience"):  # chosen when the run started (start_with_audience)
        audience = Audience.from_json(draft.data["audience"])
    data["audience"] = audience.to_json()
    req.reply(await _audience_view(req, await _save(req, "audience", data)))


async def _audience_view(req: Req, draft: Draft) -> View:
    scope = await domain.scope_of(req.session, req.me)
    audience = Audience.from_json(draft.data.get("audience"))
    teams = await views.team_names(req.session, req.lang)
    if not scope.manager:
        teams = {i: n for i, n in teams.items() if i in scope.team_ids}
    count = await domain.count_audience(req.session, audience, towns=_towns(req), groups=_groups(req))
    gaps = await team_mix.gap_teams(req, teams)
    return views.audience_view(
        req.config, req.lang, draft.data[NONCE], audience, teams, scope.manager, count, gaps=gaps
    )


def _toggle(values: tuple[Any, ...], value: Any) -> list[Any]:
    return [v for v in values if v != value] if value in values else [*values, value]


async def on_button(req: Req) -> None:
    """an:<nonce>:<action>[:<value>] for every step of the run."""
    assert req.cb is not None
    draft = await _draft(req)
    action = req.cb.arg(1)
    if action == "x":
        await drafts.clear_draft(req.session, req.me.id)
        req.show(View(req.t("announce.cancelled")))
    elif action in ("all", "t", "w", "g", "gap"):
        await _on_audience(req, draft, action)
    elif action in ("next", "back"):
        await _review(req, draft)
    elif action == "aud":
        req.show(await _audience_view(req, await _save(req, "audience", draft.data)))
    elif action == "test" and draft.step == "review":
        content, chat = await _as_sent(req, draft), req.user_id
        req.after(lambda: views.send_content(req, chat, content))
        req.toast(req.t("announce.test_sent"))
    elif action == "send" and draft.step == "review":
        await _create(req, draft, None)
    elif action == "plan" and draft.step == "review":
        req.show(views.when_view(req.lang, draft.data[NONCE], _quick_choices(req), req.config, req.now))
        await _save(req, "when", draft.data)
    elif action == "at" and draft.step in ("when", "confirm_when"):
        await _confirm_when(req, draft, _instant(req.cb.bigint(2)))
    elif action == "ok" and draft.step == "confirm_when":
        await _create(req, draft, datetime.fromtimestamp(int(draft.data["at"]), UTC))
    else:
        raise Refusal("errors.stale_button")


def _instant(seconds: int) -> datetime:
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (ValueError, OverflowError, OSError):  # forged: far outside any calendar
        raise Refusal("errors.stale_button") from None


async def _on_audience(req: Req, draft: Draft, action: str) -> None:
    if draft.step != "audience":
        raise Refusal("errors.stale_button")
    assert req.cb is not None
    a = Audience.from_json(draft.data.get("audience"))
    if action == "all":
        new = Audience(everyone=not a.everyone)
    elif action == "t":
        new = Audience(teams=tuple(_toggle(a.teams, req.cb.int(2))), towns=a.towns, groups=a.groups)
    elif action == "gap":  # the people who could fill a team's gaps, instead of everyone or teams
        team_id = req.cb.int(2)
        new = Audience(towns=a.towns, groups=a.groups, gap=None if a.gap == team_id else team_id)
    elif action == "w":
        new = Audience(teams=a.teams, towns=tuple(_toggle(a.towns, req.cb.arg(2))), groups=a.groups, gap=a.gap)
    else:
        new = Audience(teams=a.teams, towns=a.towns, groups=tuple(_toggle(a.groups, req.cb.arg(2))), gap=a.gap)
    new = Audience.from_json(new.to_json())  # sorted, so the same choice is the same audience
    scope = await domain.scope_of(req.session, req.me)  # a lead choosing another team or "everyone" is refused
    await domain.check_audience(req.session, scope, new, _towns(req), _groups(req), partial=True)
    req.show(await _audience_view(req, await _save(req, "audience", {**draft.data, "audience": new.to_json()})))


async def _review(req: Req, draft: Draft) -> None:
    """The exact number, the audience, then the preview as recipients will see it and the choices."""
    if draft.step not in ("audience", "review", "when", "confirm_when"):
        raise Refusal("errors.stale_button")
    first = draft.step == "audience"  # the preview goes above the choices when coming from the picker
    audience = Audience.from_json(draft.data.get("audience"))
    scope = await domain.scope_of(req.session, req.me)
    await domain.check_audience(req.session, scope, audience, _towns(req), _groups(req))
    count = await domain.count_audience(req.session, audience, towns=_towns(req), groups=_groups(req))
    if count.recipients == 0:
        raise Refusal("announce.nobody")
    await _save(req, "review", {**draft.data, "count": count.recipients})
    line = views.audience_text(req.config, audience, await views.team_names(req.session, req.lang), req.lang)
    control = views.review_view(req.lang, draft.data[NONCE], line, count)
    if first:
        req.show(View(req.t("announce.preview_below")))
        content, chat = await _as_sent(req, draft), req.user_id

        async def preview() -> None:
            await views.send_content(req, chat, content)
            await views.send_view(req, chat, control)

        req.after(preview)
    else:
        req.show(control)


def _quick_choices(req: Req) -> list[datetime]:
    tz = req.config.time_zone
    today = req.now.astimezone(tz).date()
    out = []
    for days, at in _QUICK_TIMES:
        try:
            out.append(combine_local(today + timedelta(days=days), at, tz, req.now).start)
        except DateProblem:
            continue
    return out


async def _typed_when(req: Req, draft: Draft, text: str) -> None:
    try:
        parsed = parse_when(text, req.now, req.config.time_zone)
    except DateProblem as problem:
        if problem.key != "dates.ambiguous":
            raise
        choices = views.when_view(
            req.lang, draft.data[NONCE], list(problem.params.get("options", [])), req.config, req.now
        )
        req.reply(View(req.t("dates.ambiguous"), choices.buttons))
        return
    await _confirm_when(req, draft, parsed.start)


async def _confirm_when(req: Req, draft: Draft, at: datetime) -> None:
    if at <= req.now:
        raise Refusal("dates.past")
    draft = await _save(req, "confirm_when", {**draft.data, "at": int(at.timestamp())})
    req.show(views.confirm_when_view(req.lang, draft.data[NONCE], at, req.config, int(draft.data.get("count", 0))))


async def _create(req: Req, draft: Draft, scheduled_at: datetime | None) -> None:
    """Store the announcement and its rows; the pressed message becomes the progress message."""
    query = req.update.callback_query
    assert query is not None and query.message is not None
    try:
        ann = await domain.create(
            req.session,
            req.me,
            _content(draft),
            Audience.from_json(draft.data.get("audience")),
            req.now,
            scheduled_at=scheduled_at,
            expected=int(draft.data.get("count", -1)),
            towns=_towns(req),
            groups=_groups(req),
        )
    except CountChanged as changed:  # the audience changed meanwhile: show the new number to confirm
        await _review(req, await _save(req, "review", draft.data))
        req.toast(req.t("announce.count_changed", count=views.num(changed.count, req.lang)), alert=True)
        return
    await drafts.clear_draft(req.session, req.me.id)
    domain.set_progress_message(ann, query.message.chat.id, query.message.message_id)
    if scheduled_at is None:
        req.show(View(views.progress_text(req.lang, ann, reports.Tally())))
    else:
        req.show(views.scheduled_view(req.lang, ann, req.config))
    req.deliver_soon()


async def on_unschedule(req: Req) -> None:
    """anx:<announcement>: call off a scheduled announcement (its sender or a manager)."""
    assert req.cb is not None
    ann = await domain.cancel_scheduled(req.session, req.me, req.cb.int(0), req.now)
    req.show(View(req.t("announce.unscheduled", id=ann.id)))
