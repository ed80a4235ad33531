"""Zusagen ansehen: from /meetings the lead sees each answer by name, town and group, the reasons, and reminds
the open ones (at most once per meeting in 24 h); members see the list only where the config allows it."""

from datetime import timedelta

from sqlalchemy import select

from models.clock import FrozenClock
from models.people import register
from models.tables import Outbox, Rsvp
from tests.conftest import START, start_bot, stop_bot
from tests.test_headcount import answered_meeting, count, invitation

NUDGE = "🙋 Kommst du?"
BUTTON = "👥 Zusagen ansehen"


def card(user, title: str = "Werkstatt Mobilität"):
    return [m for m in user.messages if m.text.startswith("🗓 Anstehendes Treffen") and title in m.text][-1]


async def open_the_list(user):
    await user.send("/meetings")
    [the_list] = await user.press(BUTTON, message=card(user))
    return the_list


async def test_the_lead_sees_every_answer_by_name_town_group_and_reason(bot):
    meeting, lead, m = await answered_meeting(bot)
    the_list = await open_the_list(lead)
    text = the_list.text
    assert text.startswith("👥 Rückmeldungen für „Werkstatt Mobilität“ (Aktions-Team Daseinsvorsorge)")
    assert "✅ 3 Zusagen · 🤔 1 vielleicht · ❌ 1 Absage · ⏳ 1 offen" in text
    assert "Zusagen nach Gruppe: Bürger*in 2 · Unternehmer*in 1" in text
    assert "Absagegründe: Anfahrt 1" in text
    sections = {part.split("\n")[0]: part.split("\n")[1:] for part in text.split("\n\n")[1:]}
    assert sections["✅ Zusage (3)"] == [
        "Anna (Saalfeld, Bürger*in)",
        "Ben (Rudolstadt, Unternehmer*in)",
        "Lea (Bad Blankenburg, Bürger*in)",
    ]
    assert sections["🤔 Vielleicht (1)"] == ["Eve (Rudolstadt, Verwaltung)"]
    assert sections["❌ Absage (1)"] == ["Carl (Saalfeld, Verwaltung) – Anfahrt"]
    assert sections["⏳ Noch offen (1)"] == ["Dora (Rudolstadt, Bürger*in)"]
    assert the_list.button_texts() == ["🙋 Offene erinnern (1)", "🔄 Aktualisieren"]
    assert card(lead).text.startswith("🗓 Anstehendes Treffen")  # the card stays; the list comes below it


async def test_refresh_shows_new_answers(bot):
    meeting, lead, m = await answered_meeting(bot)
    the_list = await open_the_list(lead)
    await m["dora"].press("Vielleicht", message=invitation(m["dora"]))
    await lead.press("🔄 Aktualisieren", message=the_list)
    assert "🤔 Vielleicht (2)\nDora (Rudolstadt, Bürger*in)\nEve (Rudolstadt, Verwaltung)" in the_list.text
    assert "Noch offen" not in the_list.text
    assert the_list.button_texts() == ["🔄 Aktualisieren"]  # nobody left to remind


async def test_the_nudge_from_the_list_reaches_the_open_ones_once_in_24_hours(bot):
    meeting, lead, m = await answered_meeting(bot)
    the_list = await open_the_list(lead)
    await lead.press("🙋 Offene erinnern (1)", message=the_list)
    assert lead.callback_answers[-1][0].startswith("1 Person wird erinnert")
    assert (
        "🙋 Die Offenen wurden am Mi., 25. Nov. 2026, 10:00 Uhr erinnert; wieder möglich ab Do., 26. Nov. 2026, "
        "10:00 Uhr." in the_list.text
    )
    assert the_list.button_texts() == ["🔄 Aktualisieren"]
    await bot.deliver()
    assert count(m["dora"], NUDGE) == 1
    assert {k: count(u, NUDGE) for k, u in m.items() if k != "dora"} == dict.fromkeys(["anna", "ben", "carl", "eve"], 0)
    await lead.press_data(f"rl:1:{meeting.id}:nudge", message=the_list)  # a re-sent tap
    assert lead.callback_answers[-1][0].startswith("Die Offenen wurden in den letzten 24 Stunden schon erinnert.")
    bot.clock.advance(timedelta(hours=23, minutes=59))
    await lead.press("🔄 Aktualisieren", message=the_list)
    assert "Offene erinnern" not in " ".join(the_list.button_texts())
    bot.clock.advance(timedelta(minutes=1))
    await lead.press("🔄 Aktualisieren", message=the_list)
    await lead.press("🙋 Offene erinnern (1)", message=the_list)
    await bot.deliver()
    assert count(m["dora"], NUDGE) == 2
    async with bot.db.transaction() as s:
        rows = (await s.execute(select(Outbox).where(Outbox.kind == "rsvp_nudge"))).scalars().all()
    assert len(rows) == 2


async def test_members_do_not_see_the_list_by_default(bot):
    meeting, lead, m = await answered_meeting(bot)
    anna = m["anna"]
    await anna.send("/meetings")
    assert BUTTON not in card(anna).button_texts()
    replies = await anna.press_data(f"rl:1:{meeting.id}:new", message=card(anna))
    assert replies == []
    assert anna.callback_answers[-1] == ("Wer zu- oder abgesagt hat, sieht nur die Teamleitung.", True)
    await anna.press_data(f"rl:1:{meeting.id}:nudge", message=card(anna))
    assert "nur die Teamleitung" in anna.callback_answers[-1][0]
    await bot.deliver()
    assert count(m["dora"], NUDGE) == 0


async def test_where_the_config_allows_members_see_names_but_no_reasons_and_no_nudge(fake, db):
    bot = await start_bot(fake, db, FrozenClock(START), meetings__show_rsvps_to_members=True)
    try:
        meeting, lead, m = await answered_meeting(bot)
        the_list = await open_the_list(m["anna"])
        assert "❌ Absage (1)\nCarl (Saalfeld, Verwaltung)" in the_list.text
        assert "Anfahrt" not in the_list.text and "Absagegründe" not in the_list.text
        assert "⏳ Noch offen (1)\nDora (Rudolstadt, Bürger*in)" in the_list.text
        assert the_list.button_texts() == ["🔄 Aktualisieren"]
        await m["anna"].press_data(f"rl:1:{meeting.id}:nudge", message=the_list)
        assert "Teamleitung" in m["anna"].callback_answers[-1][0]
        await bot.deliver()
        assert count(m["dora"], NUDGE) == 0
    finally:
        await stop_bot(bot)


async def test_someone_not_invited_never_sees_the_list_even_where_members_may(fake, db):
    bot = await start_bot(fake, db, FrozenClock(START), meetings__show_rsvps_to_members=True)
    try:
        meeting, lead, m = await answered_meeting(bot)
        outsider = await bot.register(bot.user("Olaf"))
        replies = await outsider.press_data(f"rl:1:{meeting.id}:new", message=outsider.last_message())
        assert replies == []
        assert outsider.callback_answers[-1] == ("Wer zu- oder abgesagt hat, sieht nur die Teamleitung.", True)
    finally:
        await stop_bot(bot)


async def test_the_list_of_a_cancelled_meeting_says_so(bot):
    meeting, lead, m = await answered_meeting(bot)
    the_list = await open_the_list(lead)
    meeting_card = card(lead)
    await lead.press("❌ Absagen", message=meeting_card)
    await lead.press("Ja, absagen", message=meeting_card)
    await lead.press("🔄 Aktualisieren", message=the_list)
    assert "abgesagt" in lead.callback_answers[-1][0]


async def test_a_long_list_stays_one_message_and_says_how_many_more(bot):
    meeting, lead, _ = await answered_meeting(bot)
    async with bot.db.transaction() as s:
        for i in range(200):
            p, _ = await register(
                s,
                telegram_id=700000 + i,
                display_name=f"Gast{i:03d} mit einem recht langen Namen",
                language="de",
                privacy_version="1",
                now=bot.clock.now(),
            )
            p.town, p.stakeholder_group = "bad_blankenburg", "entrepreneur"
            s.add(Rsvp(meeting_id=meeting.id, person_id=p.id, invited_at=bot.clock.now()))
    the_list = await open_the_list(lead)
    assert len(the_list.text) <= 4096
    assert "⏳ Noch offen (201)" in the_list.text
    shown = the_list.text.count("Gast")
    assert 20 < shown < 200
    assert "Gast000 mit einem recht lang (Bad Blankenburg, Unternehmer*in)" in the_list.text  # names cut at 28
    assert the_list.text.endswith(f"… und {201 - 1 - shown} weitere")  # Dora comes first among the open ones
    assert the_list.button_texts() == ["🙋 Offene erinnern (201)", "🔄 Aktualisieren"]
