"""/answer: the project manager and team leads give ideas a new status with a short answer, then publish.

Pick an idea → pick its next status → type the answer (an "answer" draft flow) → optionally link the
meeting where it was discussed → it is stored as a draft answer. "N Antworten bereit" publishes all of
the person's drafts at once. Buttons are `ia:1:<action>:<args>`; every tap re-checks in the domain that
the presser may answer that idea, so a forged or outdated button changes nothing.
"""

from __future__ import annotations

import logging

from handlers.common import Req, View
from handlers.ideas import answer_views as views
from handlers.ideas import routing_views
from handlers.names import status_name
from models import drafts
from models.errors import Refusal
from models.ideas import answers as domain
from models.ideas import routing
from models.tables import Draft
from models.teams import led_team_ids

log = logging.getLogger("actionbot.idea_answers")
FLOW = "answer"


async def _require_answerer(req: Req) -> None:
    if not req.me.is_manager and not await led_team_ids(req.session, req.me):
        raise Refusal("idea_answers.leads_only")


async def show_answer(req: Req) -> None:
    """/answer: the ideas waiting for an answer that this person may answer."""
    await _require_answerer(req)
    req.show(await views.list_view(req, "w", 0))


async def on_button(req: Req) -> None:
    """ia:l:<list>:<page> | i:<idea>:<list>:<page> | s:<idea>:<status> | m:<idea>:<meeting> | r | p | x,
    and for 'forwarded': t:<idea>:<town>:<1 tick|0 untick> | c:<idea> (towns chosen, on to the text)."""
    assert req.cb is not None
    await _require_answerer(req)
    action = req.cb.arg(0)
    if action == "l":
        req.show(await views.list_view(req, req.cb.arg(1), req.cb.int(2)))
    elif action == "i":
        idea = await domain.answerable_idea(req.session, req.me, req.cb.int(1))
        req.show(await views.idea_view(req, idea, req.cb.arg(2), req.cb.int(3)))
    elif action == "s":
        await _pick_status(req, req.cb.int(1), req.cb.arg(2))
    elif action == "m":
        await _pick_meeting(req, req.cb.int(1), req.cb.int(2))
    elif action == "t":
        await _pick_towns(req, req.cb.int(1), req.cb.arg(2), req.cb.arg(3) == "1")
    elif action == "c":
        await _pick_towns(req, req.cb.int(1), None)
    elif action == "r":
        req.show(await views.ready_view(req))
    elif action == "p":
        await _publish(req)
    elif action == "x":
        await domain.discard_drafts(req.session, req.me)
        req.toast(req.t("idea_answers.discarded"))
        req.show(await views.ready_view(req))
    else:
        raise Refusal("errors.stale_button")


async def _pick_status(req: Req, idea_id: int, status: str) -> None:
    """Check the change now (not only when saving), then ask for the text in an "answer" draft."""
    idea = await domain.answerable_idea(req.session, req.me, idea_id)
    domain.check_transition(idea.status, status)
    data = {"idea": idea.id, "status": status}
    if status == routing.FORWARDED:  # first the towns whose administrations get it (the idea's own ticked)
        towns = await routing.idea_towns(req.session, idea.id)
        await drafts.save_draft(req.session, req.me.id, FLOW, "towns", {**data, "towns": towns}, req.now)
        req.reply(routing_views.towns_view(req, idea.id, towns))
        return
    await drafts.save_draft(req.session, req.me.id, FLOW, "text", data, req.now)
    req.reply(req.t("idea_answers.ask_text", id=idea.id, status=status_name(req, status), max=domain.TEXT_MAX))


async def _pick_towns(req: Req, idea_id: int, town: str | None, tick: bool = True) -> None:
    """Tick or untick a town (`town`), or go on to the text with the ticked ones (None)."""
    draft = await drafts.get_draft(req.session, req.me.id)
    if draft is None or draft.flow != FLOW or draft.step != "towns" or draft.data.get("idea") != idea_id:
        raise Refusal("idea_answers.no_flow")
    idea = await domain.answerable_idea(req.session, req.me, idea_id)
    allowed = [t.key for t in req.config.towns]
    chosen = set(draft.data.get("towns", []))
    if town is not None:
        routing.check_towns([town], allowed)
        chosen = chosen | {town} if tick else chosen - {town}
        await drafts.save_draft(req.session, req.me.id, FLOW, "towns", {**draft.data, "towns": sorted(chosen)}, req.now)
        req.show(routing_views.towns_view(req, idea.id, sorted(chosen)))
        return
    towns = routing.check_towns(chosen, allowed)
    await drafts.save_draft(req.session, req.me.id, FLOW, "text", {**draft.data, "towns": towns}, req.now)
    status = status_name(req, routing.FORWARDED)
    req.show(View(req.t("idea_answers.ask_text", id=idea.id, status=status, max=domain.TEXT_MAX)))


async def on_input(req: Req, draft: Draft) -> None:
    """Typed answer text: checked, then the meeting question (if the team met lately) or saved right away."""
    if draft.step != "text":
        req.reply(req.t("idea_answers.use_buttons"))
        idea = await domain.answerable_idea(req.session, req.me, int(draft.data.get("idea", 0)))
        if draft.step == "towns":
            req.reply(routing_views.towns_view(req, idea.id, list(draft.data.get("towns", []))))
            return
        req.reply(views.meeting_view(req, idea.id, await domain.linkable_meetings(req.session, idea, req.now)))
        return
    if req.text is None:
        raise Refusal("idea_answers.text_only")
    text = domain.clean_text(req.text)
    idea = await domain.answerable_idea(req.session, req.me, int(draft.data.get("idea", 0)))
    status = str(draft.data.get("status", ""))
    domain.check_transition(idea.status, status)
    meetings = await domain.linkable_meetings(req.session, idea, req.now)
    if not meetings:
        await _save(req, idea.id, status, text, None, draft.data.get("towns"))
        return
    await drafts.save_draft(req.session, req.me.id, FLOW, "meeting", {**draft.data, "text": text}, req.now)
    req.reply(views.meeting_view(req, idea.id, meetings))


async def _pick_meeting(req: Req, idea_id: int, meeting_id: int) -> None:
    """ia:m:<idea>:<meeting or 0> ends the dialogue; a second press finds no open draft and is told so."""
    draft = await drafts.get_draft(req.session, req.me.id)
    if draft is None or draft.flow != FLOW or draft.step != "meeting" or draft.data.get("idea") != idea_id:
        raise Refusal("idea_answers.no_flow")
    status, text = str(draft.data.get("status", "")), str(draft.data.get("text", ""))
    await _save(req, idea_id, status, text, meeting_id or None, draft.data.get("towns"))


async def _save(
    req: Req, idea_id: int, status: str, text: str, meeting_id: int | None, towns: list[str] | None = None
) -> None:
    if status == routing.FORWARDED:
        towns = routing.check_towns(towns or [], [t.key for t in req.config.towns])
    await domain.save_draft(req.session, req.me, idea_id, status, text, req.now, meeting_id, towns)
    await drafts.clear_draft(req.session, req.me.id)
    req.reply(req.t("idea_answers.saved", id=idea_id))
    req.reply(await views.ready_view(req))


async def show_follow(req: Req) -> None:
    """/follow: choose the ideas of my teams whose answers I want to be told about."""
    req.show(await views.follow_view(req, 0))


async def on_follow(req: Req) -> None:
    """fol:<page> shows a page; fol:<page>:<idea> follows the idea or stops following it."""
    assert req.cb is not None
    page = req.cb.int(0)
    if len(req.cb.args) > 1:
        now_following = await domain.toggle_follow(req.session, req.me, req.cb.int(1), req.now)
        req.toast(req.t("ideas.followed" if now_following else "ideas.unfollowed"))
    req.show(await views.follow_view(req, page))


async def _publish(req: Req) -> None:
    """Publish all of the person's drafts; a second press finds none and sends nothing twice."""
    done = await domain.publish(req.session, req.me, None, req.now, req.config.routing)
    if not done.answers and not done.dropped:
        req.toast(req.t("idea_answers.nothing_to_publish"), alert=True)
        req.show(await views.ready_view(req))
        return
    lines = [req.t("idea_answers.published", count=len(done.answers), recipients=done.recipients)]
    if done.dropped:
        lines.append(req.t("idea_answers.dropped", count=len(done.dropped)))
    lines += [routing_views.forwarded_summary(req, f) for f in done.forwarded]
    req.show(View("\n".join(lines)))
    log.info(
        "idea answers published actor=%s answers=%s dropped=%s recipients=%s",
        req.me.id,
        [a.id for a in done.answers],
        [a.id for a in done.dropped],
        done.recipients,
    )
    if done.recipients or done.prompts or done.forwarded:
        req.deliver_soon()
