"""Voice messages in the idea dialogue: a member speaks the idea, the lead listens and types the summary, the audio
goes `voice_days` after the answer, and /mydata, /deleteme and the limits treat it as personal data."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import func, select

from bot import retention as retention_job
from models.tables import AuditEntry, Idea, IdeaVoice
from tests.meeting_helpers import team_with_members
from tests.test_idea_answers import TEAM, answer, manager, publish
from tests.test_ideas import draft_of

AUDIO = b"OggS" + bytes(range(256)) * 40  # stands for Opus audio: the bytes must come back unchanged


async def voices(bot) -> list[IdeaVoice]:
    async with bot.db.transaction() as s:
        return list((await s.execute(select(IdeaVoice).order_by(IdeaVoice.id))).scalars())


async def ideas(bot) -> list[Idea]:
    async with bot.db.transaction() as s:
        return list((await s.execute(select(Idea).order_by(Idea.id))).scalars())


async def speak_idea(user, data: bytes = AUDIO, duration: int = 42) -> None:
    """/idea answered with a voice message, then field, town, team and submit."""
    await user.send("/idea")
    assert "Sprachnachricht" in user.last_message().text  # the text step says a voice message works too
    replies = await user.send_voice(data, duration)
    assert any("Deine Sprachnachricht (0:42) ist angekommen" in r.text for r in replies)
    await user.press("Daseinsvorsorge")
    await user.press("Saalfeld")
    await user.press("Weiter")
    await user.press(TEAM)
    assert "🎤 Sprachnachricht (0:42)" in user.last_message().text  # the confirm screen
    await user.press("Einreichen")
    assert "ist eingereicht" in user.last_message().text


async def voice_idea(bot):
    team, lead, (author, other) = await team_with_members(bot)
    await speak_idea(author)
    return lead, author, other


async def test_a_member_speaks_an_idea_the_lead_listens_and_types_the_summary(bot):
    lead, author, other = await voice_idea(bot)
    [idea] = await ideas(bot)
    [voice] = await voices(bot)
    assert (idea.text, voice.idea_id, voice.duration, voice.data, voice.transcript) == (
        "🎤 Sprachnachricht (0:42)",
        idea.id,
        42,
        AUDIO,
        None,
    )
    listed = (await lead.send("/ideas"))[-1]
    assert "🎤 Sprachnachricht (0:42)" in listed.text
    assert "▶️ #1 anhören (0:42)" in listed.button_texts()
    assert "▶️ #1 anhören (0:42)" not in (await other.send("/ideas"))[-1].button_texts()  # not the lead
    sent = await lead.press("▶️ #1 anhören (0:42)", message=listed)
    [played] = [m for m in sent if m.kind == "voice"]
    assert (played.voice, played.chat_id, played.caption) == (AUDIO, lead.user_id, "🎤 Sprachnachricht zur Idee #1")
    await lead.press("✍️ #1 Zusammenfassung eintragen", message=listed)
    assert "Tippe die Zusammenfassung der Idee #1" in lead.last_message().text
    await lead.send_sticker()
    assert lead.last_message().text == "Bitte tippe die Zusammenfassung als Text. /cancel bricht ab."
    summary = "Ein Rufbus am Wochenende für Ältere aus den Ortsteilen."
    await lead.send(summary)
    assert lead.last_message().text == "✅ Die Zusammenfassung ist jetzt der Text der Idee #1."
    assert [i.text for i in await ideas(bot)] == [summary]
    assert await draft_of(bot, lead) is None
    async with bot.db.transaction() as s:
        entry = (await s.execute(select(AuditEntry).where(AuditEntry.action == "voice_summary"))).scalar_one()
    assert entry.details == {"idea": 1, "length": len(summary)}
    assert summary in (await author.send("/myideas"))[-1].text


async def test_only_the_lead_or_the_manager_may_listen_a_forged_button_is_refused(bot):
    lead, author, other = await voice_idea(bot)
    await other.send("/ideas")
    sent = await other.press_data("vo:1:p:1")
    assert not [m for m in sent if m.kind == "voice"]
    assert "nur das Projektmanagement und die Teamleitung" in (other.callback_answers[-1][0] or "")
    await other.press_data("vo:1:s:1")
    assert await draft_of(bot, other) is None
    await lead.send("/ideas")
    await lead.press("✍️ #1 Zusammenfassung eintragen")
    await lead.send("/cancel")  # stops the summary: the idea keeps its text
    await lead.send("Ein Rufbus am Wochenende für Ältere.")
    assert [i.text for i in await ideas(bot)] == ["🎤 Sprachnachricht (0:42)"]
    maria = await manager(bot)
    await maria.send("/answer")
    screen = await maria.press("#1 ·")
    assert "▶️ #1 anhören (0:42)" in screen[-1].button_texts()  # the manager's answer screen
    sent = await maria.press("▶️ #1 anhören (0:42)")
    assert [m.voice for m in sent if m.kind == "voice"] == [AUDIO]


async def test_the_audio_is_deleted_voice_days_after_the_answer_and_not_before(bot):
    lead, author, _ = await voice_idea(bot)
    svc = bot.app.bot_data["services"]
    bot.clock.advance(timedelta(days=40))  # not answered yet: the audio stays however long it takes
    assert (await retention_job.run_daily(svc)).voices_deleted == 0
    assert len(await voices(bot)) == 1
    await answer(lead, 1, "angenommen")
    await publish(lead)
    bot.clock.advance(timedelta(days=29, hours=23))
    assert (await retention_job.run_daily(svc)).voices_deleted == 0
    bot.clock.advance(timedelta(days=1))
    assert (await retention_job.run_daily(svc)).voices_deleted == 1
    assert await voices(bot) == []
    [idea] = await ideas(bot)
    assert idea.text == "🎤 Sprachnachricht (0:42)"  # the idea stays; only the audio went
    listed = (await lead.send("/ideas"))[-1]
    assert not [b for b in listed.button_texts() if "anhören" in b]
    await lead.press_data("vo:1:p:1")  # an old ▶️ button
    assert lead.callback_answers[-1] == ("Diese Sprachnachricht ist nicht (mehr) gespeichert.", True)


async def test_mydata_holds_the_audio_and_deleteme_erases_it(bot):
    _, author, _ = await voice_idea(bot)
    sent = await author.send("/mydata")
    docs = {m.document[0]: m.document[1] for m in sent if m.kind == "document"}
    data = json.loads(docs["meine-daten.json"])
    assert "sie wird 30 Tage nach der ersten Antwort auf die Idee gelöscht" in data["retention"]
    [listed] = data["idea_voices"]
    assert (listed["idea_id"], listed["duration"], listed["transcript"]) == (1, 42, None)
    assert listed["data"] == f"{len(AUDIO)} bytes, sent as the file sprachnachricht-{listed['id']}.ogg"
    assert docs[f"sprachnachricht-{listed['id']}.ogg"] == AUDIO
    await author.send("/deleteme")
    await author.press("Ja, alles löschen")
    assert await voices(bot) == []
    assert len(await ideas(bot)) == 1  # the idea stays, without its author


async def test_a_too_long_or_too_big_voice_is_refused_and_nothing_is_stored(bot):
    _, author, _ = await team_with_members(bot)
    await author.send("/idea")
    await author.send_voice(AUDIO, duration=5 * 60 + 1)
    assert author.last_message().text.startswith("Deine Sprachnachricht ist 5:01 lang – bitte höchstens 5 Minuten.")
    await author.send_voice(AUDIO, duration=60, file_size=11 * 1024 * 1024)
    assert author.last_message().text.startswith("Diese Sprachnachricht ist größer als 10 MB.")
    assert await voices(bot) == []
    draft = await draft_of(bot, author)
    assert draft is not None and draft.step == "text"


async def test_a_sticker_or_video_instead_of_the_idea_gets_the_text_or_voice_answer(bot):
    _, author, _ = await team_with_members(bot)
    await author.send("/idea")
    await author.send_sticker()
    assert author.last_message().text == "Bitte schick mir deine Idee als Text oder als Sprachnachricht."
    note = {"file_id": "vn-1", "file_unique_id": "vn1", "length": 240, "duration": 9}
    await author._post(None, {"video_note": note})  # a round video: not a voice message
    assert author.last_message().text == "Bitte schick mir deine Idee als Text oder als Sprachnachricht."
    draft = await draft_of(bot, author)
    assert draft is not None and draft.step == "text"
    async with bot.db.transaction() as s:
        assert await s.scalar(select(func.count()).select_from(IdeaVoice)) == 0


async def test_a_second_voice_replaces_the_first_and_cancelled_dialogues_lose_theirs_after_voice_days(bot):
    _, author, _ = await team_with_members(bot)
    await author.send("/idea")
    await author.send_voice(b"first", 10)
    await author.send("/cancel")
    await author.send("/idea")
    await author.send_voice(b"second", 12)
    assert [v.data for v in await voices(bot)] == [b"second"]
    await author.send("/cancel")
    svc = bot.app.bot_data["services"]
    bot.clock.advance(timedelta(days=31))
    assert (await retention_job.run_daily(svc)).voices_deleted == 1
    assert await voices(bot) == []


async def test_an_english_member_is_answered_in_english(bot):
    john = await bot.register(bot.user("John", "en"), evaluation="Yes", group="Citizen")
    await john.send("/idea")
    assert "You may also send your idea as a voice message (at most 5 minutes)." in john.last_message().text
    replies = await john.send_voice(AUDIO, 65)
    assert any("Your voice message (1:05) has arrived." in r.text for r in replies)
    await john.send_voice(AUDIO, 301)  # the field step now waits for a button: a voice there changes nothing
    assert [v.duration for v in await voices(bot)] == [65]
