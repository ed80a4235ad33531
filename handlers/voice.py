"""Voice messages at four steps (an idea, the survey's sentence, the answer to a town's question, the minutes):
receiving one instead of typed text, ▶️ to listen, ✍️ to type its summary, and /voices, the list of those waiting.

The rules (limits, who may listen, what a summary does, retention) are in models/voice.py; here the audio is fetched
from Telegram into memory (sizes checked first), sent back as a voice message, and the summary is taken.
Buttons: `vo:p:<voice>` plays the audio to the presser, `vo:s:<voice>` asks for the summary (draft flow "voicesum").
"""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram import Voice
from telegram.error import TelegramError

from handlers.codec import encode
from handlers.common import Btn, Req, View, esc
from handlers.ideas import routing_views
from models import drafts
from models import voice as voice_domain
from models.errors import Refusal
from models.ideas import similar as similar_domain
from models.ideas.rights import may_answer  # the same rule as answering the idea
from models.tables import Draft, Idea, IdeaRoute, IdeaVoice, Meeting, SurveyAnswer

log = logging.getLogger("actionbot.voice")
PREFIX = "vo"
FLOW = "voicesum"


def voice_of(req: Req) -> Voice | None:
    message = req.update.effective_message
    return message.voice if message is not None else None


def _seconds(voice: Voice) -> int:
    duration = voice.duration  # an int today; PTB announces a timedelta
    return int(duration.total_seconds()) if isinstance(duration, timedelta) else int(duration)


async def receive(req: Req, voice: Voice, kind: str = voice_domain.IDEA, target: int | None = None) -> IdeaVoice:
    """Check the limits, fetch the audio (never to disk), keep it for the step and tell the speaker it arrived."""
    seconds = _seconds(voice)
    voice_domain.check_limits(seconds, voice.file_size)
    try:
        file = await req.context.bot.get_file(voice.file_id)
        data = bytes(await file.download_as_bytearray())
    except TelegramError as exc:
        log.info("voice message could not be fetched reason=%s", exc)
        raise Refusal("voice.fetch_failed") from None
    stored = await voice_domain.store(req.session, req.me, data, seconds, voice.mime_type, req.now, kind, target)
    said = req.t(f"voice.received_{kind}", length=voice_domain.length(seconds))
    if kind in (voice_domain.IDEA, voice_domain.SURVEY):
        req.reply(said)  # someone else summarises it
    else:  # the speaker may type the summary at once (or later under /voices)
        req.reply(View(said, buttons(req, voice_domain.VoiceInfo(stored.id, kind, target, seconds, None))))
    log.info("voice stored kind=%s voice=%s seconds=%s", kind, stored.id, seconds)
    return stored


def _ref(req: Req, info: voice_domain.VoiceInfo) -> str:
    """#12 for an idea (its number everywhere), Nr. 7 (the voice's own number) for the other steps."""
    return f"#{info.idea_id}" if info.idea_id is not None else req.t("voice.ref", id=info.id)


def buttons(req: Req, info: voice_domain.VoiceInfo) -> list[list[Btn]]:
    """▶️ and ✍️ for one voice (shown only to those who may use them)."""
    ref, label = _ref(req, info), voice_domain.length(info.duration)
    return [
        [
            Btn(req.t("voice.play_button", id=ref, length=label), encode(PREFIX, "p", info.id)),
            Btn(req.t("voice.summary_button", id=ref), encode(PREFIX, "s", info.id)),
        ]
    ]


async def rows_for(req: Req, idea_ids: list[int]) -> list[list[Btn]]:
    """The voice buttons of those ideas the viewer may listen to (lead of the idea's team, or the manager)."""
    rows: list[list[Btn]] = []
    for idea_id, info in (await voice_domain.of_ideas(req.session, idea_ids)).items():
        idea = await req.session.get(Idea, idea_id)
        if idea is not None and await may_answer(req.session, req.me, idea):
            rows += buttons(req, info)
    return rows


async def meeting_section(req: Req, meeting_id: int) -> tuple[list[str], list[list[Btn]]]:
    """The attendance screen's lines and buttons for voices given for the meeting's minutes."""
    lines: list[str] = []
    rows: list[list[Btn]] = []
    for info in await voice_domain.of_meeting(req.session, meeting_id):
        lines.append(req.t(f"voice.line_{info.kind}", ref=_ref(req, info), length=voice_domain.length(info.duration)))
        rows += buttons(req, info)
    return lines, rows


async def _describe(req: Req, info: voice_domain.VoiceInfo) -> str:
    """One line of /voices: which step the voice answers."""
    ref, label = _ref(req, info), voice_domain.length(info.duration)
    session = req.session
    if info.kind == voice_domain.SURVEY:
        answer = await session.get(SurveyAnswer, info.target)
        meeting = await session.get(Meeting, answer.meeting_id) if answer is not None else None
        return req.t("voice.line_survey", ref=ref, length=label, title=esc(meeting.title if meeting else "?"))
    if info.kind == voice_domain.ROUTE:
        route = await session.get(IdeaRoute, info.target)
        town = routing_views.town_name(req.config, route.town, req.lang) if route else "?"
        idea = route.idea_id if route else "?"
        return req.t("voice.line_route", ref=ref, length=label, idea=idea, town=esc(town))
    if info.kind == voice_domain.IDEA:
        return req.t("voice.line_idea", ref=ref, length=label)
    meeting = await session.get(Meeting, info.target)
    title = esc(meeting.title if meeting else "?")
    return req.t(f"voice.line_{info.kind}", ref=ref, length=label) + f" · {title}"


async def show_waiting(req: Req) -> None:
    """/voices: the voice messages waiting for a summary that the caller may type (leads and the manager)."""
    infos = await voice_domain.waiting(req.session, req.me, req.now)
    if not infos:
        req.show(View(req.t("voice.none_waiting")))
        return
    lines = [req.t("voice.waiting_title")]
    rows: list[list[Btn]] = []
    for info in infos:
        lines.append(await _describe(req, info))
        rows += buttons(req, info)
    req.show(View("\n".join(lines), rows))


async def on_button(req: Req) -> None:
    """vo:p:<voice> sends the audio to the presser; vo:s:<voice> asks them for the summary."""
    assert req.cb is not None
    action, voice_id = req.cb.arg(0), req.cb.int(1)
    if action == "p":
        voice = await voice_domain.playable(req.session, req.me, voice_id, req.now)
        ref = f"#{voice.idea_id}" if voice.kind == voice_domain.IDEA else req.t("voice.ref", id=voice.id)
        data, seconds, chat = bytes(voice.data), voice.duration, req.user_id
        caption = req.t(f"voice.play_caption_{voice.kind}", id=ref)
        req.toast(req.t("voice.playing"))

        async def send() -> None:
            bot = req.context.bot
            await req.paced(
                chat,
                lambda: bot.send_voice(chat, data, duration=seconds, caption=caption, filename=f"{voice_id}.ogg"),
                "voice",
            )

        req.after(send)
        return
    if action == "s":
        voice = await voice_domain.summarisable(req.session, req.me, voice_id, req.now)
        await drafts.save_draft(req.session, req.me.id, FLOW, "text", drafts.new_run(voice=voice.id), req.now)
        req.new_message = True
        ref = f"#{voice.idea_id}" if voice.kind == voice_domain.IDEA else req.t("voice.ref", id=voice.id)
        req.reply(req.t(f"voice.ask_summary_{voice.kind}", id=ref))
        return
    raise Refusal("errors.stale_button")


async def on_input(req: Req, draft: Draft) -> None:
    """The typed summary: it does what typed text would have done at the voice's step; a voice or sticker gets a
    hint and nothing changes."""
    if req.text is None:
        raise Refusal("voice.summary_text_only")
    done = await voice_domain.summarise(
        req.session, req.me, int(draft.data["voice"]), req.text, req.config.routing, req.now
    )
    await drafts.clear_draft(req.session, req.me.id)
    if done.idea is not None:
        await similar_domain.flag_new(req.session, [done.idea.id], req.now)  # now that it has words, it may have twins
        req.reply(View(req.t("voice.summary_saved", id=done.idea.id)))
    elif done.route is not None:
        route = done.route
        town = esc(routing_views.town_name(req.config, route.town, req.lang))
        day = routing_views.deadline_day(req.config, route, req.lang)
        req.reply(req.t("route_reply.done", id=route.idea_id, town=town, told=done.told, day=day))
        if done.told:
            req.deliver_soon()
    else:
        req.reply(req.t(f"voice.summary_saved_{done.voice.kind}"))
