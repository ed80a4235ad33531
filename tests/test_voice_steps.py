"""Voice messages beyond the idea: the survey's sentence, the answer to a town's question and the lead's minutes.

At each step the bot stores the audio and says it arrived; those the step allows listen (▶️) and type the
summary (✍️), which does what typed text would have done; retention deletes the audio `voice_days` after the
summary; /mydata and /deleteme cover it; stickers and video notes get the "text or voice" answer."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from bot import retention as retention_job
from models.surveys.core import closes_at
from models.tables import AuditEntry, IdeaRoute, IdeaVoice, Meeting
from tests.conftest import MANAGER_ID
from tests.routing_helpers import forward, requests, routes, story
from tests.routing_helpers import rbot as rbot  # the fixture
from tests.survey_helpers import answer_row, ended_meeting, record, surveys_of
from tests.test_idea_answers import manager

AUDIO = b"OggS" + bytes(range(256)) * 20  # stands for Opus audio: the bytes must come back unchanged
NOTE = {"file_id": "vn-1", "file_unique_id": "vn1", "length": 240, "duration": 9}  # a round video note


async def voices(bot) -> list[IdeaVoice]:
    async with bot.db.transaction() as s:
        return list((await s.execute(select(IdeaVoice).order_by(IdeaVoice.id))).scalars())


async def retention(bot) -> int:
    return (await retention_job.run_daily(bot.app.bot_data["services"])).voices_deleted


def played(sent) -> list[bytes]:
    return [m.voice for m in sent if m.kind == "voice"]


# --- the survey's sentence ---------------------------------------------------------------------------------


async def spoken_sentence(bot):
    meeting, lead, (anna, ben), _ = await ended_meeting(bot)
    await record(bot, lead, present=("Mitglied0",))
    await anna.press("4", message=surveys_of(anna)[0])
    await anna.press("💬 Einen Satz dazu")
    replies = await anna.send_voice(AUDIO, 42)
    assert replies[0].text.startswith("🎤 Deine Sprachnachricht (0:42) ist angekommen. Das Projektmanagement hört")
    assert "Danke" in replies[-1].text  # the saved answer, as after a typed sentence
    return meeting, lead, anna, ben


async def test_a_spoken_survey_sentence_is_heard_by_the_manager_only_and_its_summary_becomes_the_sentence(bot):
    meeting, lead, anna, _ = await spoken_sentence(bot)
    [voice] = await voices(bot)
    row = await answer_row(bot, meeting.id, anna)
    assert (voice.kind, voice.survey_answer_id, voice.data, voice.duration) == ("survey", row.id, AUDIO, 42)
    assert row.comment is None  # no sentence before the manager typed it: nothing unsaid enters the evaluation

    listed = (await lead.send("/voices"))[-1]  # the team's lead never hears a single survey answer
    assert listed.text == "🎤 Keine Sprachnachricht wartet auf eine Zusammenfassung von dir."
    await lead.press_data(f"vo:1:p:{voice.id}")
    assert lead.callback_answers[-1][0] == "Sprachnachrichten zur Umfrage hört nur das Projektmanagement."
    assert not played(lead.messages)

    maria = await manager(bot)
    listed = (await maria.send("/voices"))[-1]
    assert "Nr. 1 (0:42): Satz zur Umfrage nach „Werkstatt Mobilität“" in listed.text
    assert listed.button_texts() == ["▶️ Nr. 1 anhören (0:42)", "✍️ Nr. 1 Zusammenfassung eintragen"]
    sent = await maria.press("▶️ Nr. 1 anhören (0:42)", message=listed)
    assert played(sent) == [AUDIO]
    await maria.press("✍️ Nr. 1 Zusammenfassung eintragen", message=listed)
    assert "Er wird der Satz dieser Person in der Umfrage" in maria.last_message().text
    await maria.send("x" * 301)  # the sentence's own limit
    assert maria.last_message().text == "Das ist zu lang: höchstens 300 Zeichen, bitte kürzer."
    await maria.send("Die Anfahrt aus den Ortsteilen ist zu weit.")
    assert maria.last_message().text == "✅ Die Zusammenfassung ist jetzt der Satz dieser Umfrage-Antwort."
    assert (await answer_row(bot, meeting.id, anna)).comment == "Die Anfahrt aus den Ortsteilen ist zu weit."
    assert (await maria.send("/voices"))[-1].text.startswith("🎤 Keine Sprachnachricht wartet")
    async with bot.db.transaction() as s:
        entry = (await s.execute(select(AuditEntry).where(AuditEntry.action == "voice_summary"))).scalar_one()
    assert entry.details == {"kind": "survey", "meeting": meeting.id, "length": 43}  # never the text
    said = f"Satz einer Umfrage-Antwort (Treffen #{meeting.id}) aus einer Sprachnachricht eingetragen"
    assert said in (await maria.send("/audit"))[-1].text

    # retention: voice_days after the summary, not before (the job runs once a local day)
    bot.clock.advance(timedelta(days=29))
    assert await retention(bot) == 0
    bot.clock.advance(timedelta(days=1, minutes=1))
    assert await retention(bot) == 1
    assert await voices(bot) == []
    assert (await answer_row(bot, meeting.id, anna)).comment == "Die Anfahrt aus den Ortsteilen ist zu weit."


async def test_an_unsummarised_survey_voice_goes_voice_days_after_the_survey_closed(bot):
    meeting, _, anna, _ = await spoken_sentence(bot)
    async with bot.db.transaction() as s:
        closed = closes_at(await s.get(Meeting, meeting.id))
    bot.clock.set(closed + timedelta(days=29))
    assert await retention(bot) == 0
    bot.clock.set(closed + timedelta(days=30, minutes=1))
    assert await retention(bot) == 1
    assert await voices(bot) == []


async def test_the_survey_voice_is_in_mydata_gone_with_deleteme_and_with_withdrawn_consent(bot):
    meeting, _, anna, ben = await spoken_sentence(bot)
    sent = await anna.send("/mydata")
    docs = {m.document[0]: m.document[1] for m in sent if m.kind == "document"}
    [listed] = json.loads(docs["meine-daten.json"])["idea_voices"]
    assert (listed["kind"], listed["idea_id"], listed["transcript"]) == ("survey", None, None)
    assert docs[f"sprachnachricht-{listed['id']}.ogg"] == AUDIO
    await anna.send("/privacy")
    await anna.press("Auswertung widerrufen")  # the evaluation consent it was stored under
    assert await voices(bot) == []
    assert await answer_row(bot, meeting.id, anna) is None


async def test_deleteme_erases_a_spoken_sentence(bot):
    _, _, anna, _ = await spoken_sentence(bot)
    await anna.send("/deleteme")
    await anna.press("Ja, alles löschen")
    assert await voices(bot) == []


async def test_a_sticker_or_video_note_instead_of_the_sentence_gets_the_text_or_voice_answer(bot):
    meeting, lead, (anna, _), _ = await ended_meeting(bot)
    await record(bot, lead, present=("Mitglied0",))
    await anna.press("4", message=surveys_of(anna)[0])
    await anna.press("💬 Einen Satz dazu")
    await anna._post(None, {"video_note": NOTE})
    assert anna.last_message().text == "Bitte schick mir deinen Satz als Text oder als Sprachnachricht."
    await anna.send_voice(AUDIO, 5 * 60 + 1)
    assert anna.last_message().text.startswith("Deine Sprachnachricht ist 5:01 lang – bitte höchstens 5 Minuten.")
    assert await voices(bot) == []
    assert (await answer_row(bot, meeting.id, anna)).comment is None


# --- the answer to a town's question ---------------------------------------------------------------------------


async def asked(bot):
    lea, author, _, sabine, _, _ = await story(bot)
    maria = bot.fake.users[MANAGER_ID]
    await forward(maria)
    await bot.deliver()
    await sabine.press("Rückfrage", message=requests(sabine)[0])
    await sabine.send("Wer würde die Fahrer stellen?")
    await bot.deliver()
    return lea, author, maria, sabine


async def test_a_spoken_answer_to_a_towns_question_goes_to_the_town_as_the_typed_summary(rbot):
    bot = rbot
    lea, author, maria, sabine = await asked(bot)
    await lea.press("Rückfrage beantworten", message=lea.last_message())
    assert "Du kannst auch eine Sprachnachricht schicken" in lea.last_message().text
    await lea.send_sticker()
    assert lea.last_message().text == "Bitte schick mir die Antwort als Text oder als Sprachnachricht."
    replies = await lea.send_voice(AUDIO, 75)
    arrived = replies[-1]
    assert arrived.text.startswith("🎤 Deine Sprachnachricht (1:15) ist angekommen. Die Stadt bekommt keine Audio")
    [voice] = await voices(bot)
    saalfeld = next(r for r in await routes(bot) if r.town == "saalfeld")
    assert (voice.kind, voice.route_id, voice.data) == ("route", saalfeld.id, AUDIO)
    assert saalfeld.status == "question"  # nothing reached the town yet
    assert arrived.button_texts() == ["▶️ Nr. 1 anhören (1:15)", "✍️ Nr. 1 Zusammenfassung eintragen"]

    # the idea's author may not listen, even with a forged button; the manager may
    await author.press_data(f"vo:1:p:{voice.id}")
    assert author.callback_answers[-1][0].startswith("Diese Rückfrage kannst du nicht beantworten")
    assert not played(author.messages)
    listed = (await maria.send("/voices"))[-1]
    assert "Antwort auf die Rückfrage der Verwaltung Saalfeld zu Idee #1" in listed.text
    assert played(await maria.press("▶️ Nr. 1 anhören (1:15)", message=listed)) == [AUDIO]

    await lea.press("✍️ Nr. 1 Zusammenfassung eintragen", message=arrived)
    assert "Sie geht als Antwort des Projekts an alle Ansprechpersonen der Stadt" in lea.last_message().text
    summary = "Der Seniorenbeirat stellt zwölf Ehrenamtliche als Fahrer."
    await lea.send(summary)
    assert "Deine Antwort auf die Rückfrage der Verwaltung Saalfeld zu Idee #1 geht an 1 Ansprechperson" in (
        lea.last_message().text
    )
    await bot.deliver()
    reply = next(m for m in sabine.messages if "Antwort auf eure Rückfrage zu Idee #1" in m.text)
    assert summary in reply.text
    async with bot.db.transaction() as s:
        route = await s.get(IdeaRoute, saalfeld.id)
        assert (route.status, route.reply) == ("replied", summary)
    said = "Idee #1: Antwort auf die Rückfrage der Verwaltung Saalfeld aus einer Sprachnachricht getippt"
    assert said in (await maria.send("/audit"))[-1].text
    await maria.press("✍️ Nr. 1 Zusammenfassung eintragen", message=listed)  # answered: no second answer
    assert maria.callback_answers[-1][0] == "Diese Rückfrage ist schon beantwortet."

    bot.clock.advance(timedelta(days=30, minutes=1))
    assert await retention(bot) == 1
    assert await voices(bot) == []


async def test_an_unsummarised_route_voice_goes_voice_days_after_it_arrived(rbot):
    bot = rbot
    lea, *_ = await asked(bot)
    await lea.press("Rückfrage beantworten", message=lea.last_message())
    await lea.send_voice(AUDIO, 20)
    bot.clock.advance(timedelta(days=29))
    assert await retention(bot) == 0
    bot.clock.advance(timedelta(days=1, minutes=1))
    assert await retention(bot) == 1


# --- the lead's minutes ----------------------------------------------------------------------------------


async def spoken_minutes(bot):
    meeting, lead, members, _ = await ended_meeting(bot)
    await lead.send("/attendance")
    await lead.press("Werkstatt Mobilität")
    await lead.press("📌 Beschlüsse")
    assert "oder sprich es als Sprachnachricht" in lead.last_message().text
    replies = await lead.send_voice(AUDIO, 130)
    return meeting, lead, members, replies[-1]


async def test_spoken_minutes_are_played_and_typed_into_the_minutes_by_the_lead_or_the_manager(bot):
    meeting, lead, (anna, _), arrived = await spoken_minutes(bot)
    assert arrived.text.startswith("🎤 Deine Sprachnachricht (2:10) zu den Beschlüssen ist angekommen.")
    [voice] = await voices(bot)
    assert (voice.kind, voice.meeting_id, voice.data) == ("decisions", meeting.id, AUDIO)

    await anna.press_data(f"vo:1:p:{voice.id}")  # a member of the team, not its lead
    assert not played(anna.messages)
    maria = await manager(bot)
    assert played(await maria.press_data(f"vo:1:p:{voice.id}", message=arrived)) == [AUDIO]

    await lead.send("/attendance")
    screen = await lead.press("Werkstatt Mobilität")
    assert "🎤 Nr. 1 (2:10): Beschlüsse als Sprachnachricht" in screen[-1].text
    assert played(await lead.press("▶️ Nr. 1 anhören (2:10)", message=screen[-1])) == [AUDIO]
    await lead.press("✍️ Nr. 1 Zusammenfassung eintragen", message=screen[-1])
    await lead.send_sticker()
    assert lead.last_message().text == "Bitte tippe die Zusammenfassung als Text. /cancel bricht ab."
    await lead.send("Rufbus ab März testen; Lea fragt beim Landkreis an.")
    assert lead.last_message().text == "✅ Die Beschlüsse stehen jetzt im Protokoll."
    async with bot.db.transaction() as s:
        assert (await s.get(Meeting, meeting.id)).decisions == "Rufbus ab März testen; Lea fragt beim Landkreis an."
    assert (await lead.send("/voices"))[-1].text.startswith("🎤 Keine Sprachnachricht wartet")
    said = f"Protokoll von Treffen #{meeting.id} aus einer Sprachnachricht eingetragen"
    assert said in (await maria.send("/audit"))[-1].text

    bot.clock.advance(timedelta(days=29))
    assert await retention(bot) == 0
    bot.clock.advance(timedelta(days=1, minutes=1))
    assert await retention(bot) == 1
    assert await voices(bot) == []


async def test_the_leads_minutes_voice_is_in_her_mydata_and_gone_with_deleteme(bot):
    _, lead, _, _ = await spoken_minutes(bot)
    sent = await lead.send("/mydata")
    docs = {m.document[0]: m.document[1] for m in sent if m.kind == "document"}
    [listed] = json.loads(docs["meine-daten.json"])["idea_voices"]
    assert listed["kind"] == "decisions"
    assert docs[f"sprachnachricht-{listed['id']}.ogg"] == AUDIO
    await lead.send("/deleteme")
    await lead.press("Ja, alles löschen")
    assert await voices(bot) == []


async def test_a_video_note_for_the_minutes_gets_the_text_or_voice_answer(bot):
    meeting, lead, _, _ = await ended_meeting(bot)
    await lead.send("/attendance")
    await lead.press("Werkstatt Mobilität")
    await lead.press("➡️ Nächste Schritte")
    await lead._post(None, {"video_note": NOTE})
    assert lead.last_message().text == "Bitte schick mir das Protokoll als Text oder als Sprachnachricht."
    await lead.send_voice(AUDIO, 12, file_size=11 * 1024 * 1024)
    assert lead.last_message().text.startswith("Diese Sprachnachricht ist größer als 10 MB.")
    assert await voices(bot) == []


async def test_voices_for_a_plain_member_lists_nothing(bot):
    _, _, (anna, _), _ = await ended_meeting(bot)
    assert (await anna.send("/voices"))[-1].text == "🎤 Keine Sprachnachricht wartet auf eine Zusammenfassung von dir."
