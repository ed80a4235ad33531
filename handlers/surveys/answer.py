"""Answering the survey: the buttons of its message (`sv:1:<meeting>:<action>:...`) and the typed sentence.

Every tap re-checks in the domain that the presser got this survey, was present, still consents and that the
survey is open (models/surveys/answers.py `open_survey`); a forged, foreign or late button gets a polite answer and
changes nothing.
"""

from __future__ import annotations

from handlers import voice as voice_views
from handlers.common import Req
from handlers.surveys.views import survey_view, thanks_view
from models import drafts
from models import voice as voice_domain
from models.errors import Refusal
from models.surveys import answers as surveys
from models.tables import Draft, Meeting, Team

FLOW = "survey"
CODE_ACTIONS = {"f": "factor", "o": "obstacle"}
STATES = {"1": True, "0": False}


async def _team(req: Req, meeting: Meeting) -> Team:
    team = await req.session.get(Team, meeting.team_id)
    assert team is not None
    return team


async def on_survey_button(req: Req) -> None:
    """u:<1-5> usefulness · f|o:<code>:<1|0> tick or untick a chip · txt a sentence · done · edit."""
    assert req.cb is not None
    meeting_id, action = req.cb.int(0), req.cb.arg(1)
    s, me = req.session, req.me
    if action == "u":
        changed = await surveys.set_usefulness(s, me, meeting_id, req.cb.int(2), req.now)
        req.toast(req.t("survey.saved" if changed else "survey.unchanged"))
    elif action in CODE_ACTIONS:
        kind, on = CODE_ACTIONS[action], STATES.get(req.cb.arg(3))
        if on is None:
            raise Refusal("errors.stale_button")
        known = [c.key for c in req.config.codes(kind)]
        changed = await surveys.set_code(s, me, meeting_id, kind, req.cb.arg(2), on, known, req.now)
        req.toast(req.t("survey.saved" if changed else "survey.unchanged"))
    elif action == "txt":
        await surveys.open_survey(s, me, meeting_id, req.now)
        await drafts.save_draft(s, me.id, FLOW, "comment", {"meeting": meeting_id}, req.now)
        req.reply(req.t("survey.ask_comment", max=surveys.COMMENT_MAX))
        return
    elif action == "done":
        meeting = await surveys.open_survey(s, me, meeting_id, req.now)
        answer = await surveys.answer_of(s, meeting_id, me.id)
        if answer is None:
            raise Refusal("survey.answer_first")
        req.show(thanks_view(req.config, meeting, answer, req.lang))
        return
    elif action != "edit":
        raise Refusal("errors.stale_button")
    meeting = await surveys.open_survey(s, me, meeting_id, req.now)
    answer = await surveys.answer_of(s, meeting_id, me.id)
    req.show(survey_view(req.config, meeting, await _team(req, meeting), answer, req.lang))


async def on_input(req: Req, draft: Draft) -> None:
    """The typed sentence for the meeting in the draft; then the saved answer with "Ändern". A voice message is kept
    under the evaluation consent (`open_survey` checks it) until the project manager types it as the sentence."""
    meeting_id = int(draft.data.get("meeting", 0))
    voice = voice_views.voice_of(req)
    if voice is not None:
        answer = await surveys.sentence_row(req.session, req.me, meeting_id, req.now)
        await voice_views.receive(req, voice, voice_domain.SURVEY, answer.id)
        await drafts.clear_draft(req.session, req.me.id)
        meeting = await surveys.open_survey(req.session, req.me, meeting_id, req.now)
        req.reply(thanks_view(req.config, meeting, answer, req.lang))
        return
    if req.text is None:
        raise Refusal("survey.text_only")
    answer = await surveys.set_comment(req.session, req.me, meeting_id, req.text, req.now)
    await drafts.clear_draft(req.session, req.me.id)
    meeting = await surveys.open_survey(req.session, req.me, meeting_id, req.now)
    req.reply(req.t("survey.comment_saved"))
    req.reply(thanks_view(req.config, meeting, answer, req.lang))
