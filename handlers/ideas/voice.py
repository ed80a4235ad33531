"""Voice messages in the idea dialogue: receiving one instead of the typed text, the lead's ▶️ and summary.

The rules (limits, who may listen, retention) are in models/voice.py; here the audio is fetched from Telegram into
memory (sizes checked first), sent back as a voice message, and the lead's typed summary is taken.
Buttons: `vo:p:<idea>` plays the audio to the presser, `vo:s:<idea>` asks for the summary (draft flow "voicesum").
"""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram import Voice
from telegram.error import TelegramError

from handlers.codec import encode
from handlers.common import Btn, Req, View
from models import drafts
from models import voice as voice_domain
from models.errors import Refusal
from models.ideas import similar as similar_domain
from models.ideas.rights import may_answer  # the same rule as answering the idea
from models.tables import Draft, IdeaVoice

log = logging.getLogger("actionbot.voice")
PREFIX = "vo"
FLOW = "voicesum"


def voice_of(req: Req) -> Voice | None:
    message = req.update.effective_message
    return message.voice if message is not None else None


def _seconds(voice: Voice) -> int:
    duration = voice.duration  # an int today; PTB announces a timedelta
    return int(duration.total_seconds()) if isinstance(duration, timedelta) else int(duration)


async def receive(req: Req, voice: Voice) -> IdeaVoice:
    """Check the limits, fetch the audio (never to disk) and keep it for the open idea dialogue."""
    seconds = _seconds(voice)
    voice_domain.check_limits(seconds, voice.file_size)
    try:
        file = await req.context.bot.get_file(voice.file_id)
        data = bytes(await file.download_as_bytearray())
    except TelegramError as exc:
        log.info("voice message could not be fetched reason=%s", exc)
        raise Refusal("voice.fetch_failed") from None
    stored = await voice_domain.store(req.session, req.me, data, seconds, voice.mime_type, req.now)
    req.reply(req.t("voice.received", length=voice_domain.length(seconds)))
    return stored


def buttons(req: Req, info: voice_domain.VoiceInfo) -> list[list[Btn]]:
    """▶️ and ✍️ for one idea with a voice (shown only to those who may use them)."""
    label = voice_domain.length(info.duration)
    return [
        [
            Btn(req.t("voice.play_button", id=info.idea_id, length=label), encode(PREFIX, "p", info.idea_id)),
            Btn(req.t("voice.summary_button", id=info.idea_id), encode(PREFIX, "s", info.idea_id)),
        ]
    ]


async def rows_for(req: Req, idea_ids: list[int]) -> list[list[Btn]]:
    """The voice buttons of those ideas the viewer may listen to (lead of the idea's team, or the manager)."""
    from models.tables import Idea

    rows: list[list[Btn]] = []
    for idea_id, info in (await voice_domain.of_ideas(req.session, idea_ids)).items():
        idea = await req.session.get(Idea, idea_id)
        if idea is not None and await may_answer(req.session, req.me, idea):
            rows += buttons(req, info)
    return rows


async def on_button(req: Req) -> None:
    """vo:p:<idea> sends the audio to the presser; vo:s:<idea> asks them for the summary."""
    assert req.cb is not None
    action, idea_id = req.cb.arg(0), req.cb.int(1)
    if action == "p":
        idea, voice = await voice_domain.playable(req.session, req.me, idea_id)
        data, seconds, chat = bytes(voice.data), voice.duration, req.user_id
        caption = req.t("voice.play_caption", id=idea.id)
        req.toast(req.t("voice.playing"))

        async def send() -> None:
            bot = req.context.bot
            await req.paced(
                chat,
                lambda: bot.send_voice(chat, data, duration=seconds, caption=caption, filename=f"idee-{idea.id}.ogg"),
                "voice",
            )

        req.after(send)
        return
    if action == "s":
        idea = await voice_domain.summarisable(req.session, req.me, idea_id)
        await drafts.save_draft(req.session, req.me.id, FLOW, "text", drafts.new_run(idea=idea.id), req.now)
        req.new_message = True
        req.reply(req.t("voice.ask_summary", id=idea.id))
        return
    raise Refusal("errors.stale_button")


async def on_input(req: Req, draft: Draft) -> None:
    """The summary typed by the lead: it becomes the idea's text; a voice or sticker gets a hint, nothing changes."""
    if req.text is None:
        raise Refusal("voice.summary_text_only")
    idea = await voice_domain.summarise(req.session, req.me, int(draft.data["idea"]), req.text, req.now)
    await drafts.clear_draft(req.session, req.me.id)
    await similar_domain.flag_new(req.session, [idea.id], req.now)  # now that it has words, it may have twins
    req.reply(View(req.t("voice.summary_saved", id=idea.id)))
