"""/announce through the real bot: audiences, the review screen, who may announce, and what recipients see."""

from sqlalchemy import select

from models.tables import AuditEntry, Person
from tests.announce_helpers import ANNOUNCE_TEXT, MANAGER_HEADER, announcements, compose, copies, rows, send_now
from tests.meeting_helpers import team_with_members

DASEIN = "Aktions-Team Daseinsvorsorge"
FACH = "Aktions-Team Fachkräfte"


async def join(user, team_name):
    await user.send("/teams")
    await user.press(f"Beitreten: {team_name}")


async def test_announcement_to_everyone_reaches_every_registered_member_once(bot):
    team, lead, (anna, ben) = await team_with_members(bot)
    outsider = await bot.register(bot.user("Olaf"), town="Rudolstadt")
    manager = bot.manager()
    await send_now(bot, manager, "Alle")
    for user in (lead, anna, ben, outsider):
        assert copies(user) == 1
    assert copies(manager) == 1  # the manager is a member too
    assert len(await rows(bot)) == 5


async def test_member_in_two_chosen_teams_gets_one_copy(bot):
    team, lead, (anna, ben) = await team_with_members(bot)
    await join(anna, FACH)
    manager = bot.manager()
    await send_now(bot, manager, DASEIN, FACH)
    assert copies(anna) == 1 and copies(ben) == 1 and copies(lead) == 1
    assert copies(manager) == 0  # not in either team
    assert sorted(r.chat_id for r in await rows(bot)) == sorted([lead.user_id, anna.user_id, ben.user_id])


async def test_town_and_group_together_mean_both(bot):
    manager = await bot.register(bot.manager(), town="Rudolstadt")
    saal_firm = await bot.register(bot.user("Fritz"), group="Unternehmer*in", town="Saalfeld")
    saal_citizen = await bot.register(bot.user("Clara"), group="Bürger*in", town="Saalfeld")
    rud_firm = await bot.register(bot.user("Rudi"), group="Unternehmer*in", town="Rudolstadt")
    await send_now(bot, manager, "Saalfeld", "Unternehmer*in")
    assert copies(saal_firm) == 1
    assert copies(saal_citizen) == 0 and copies(rud_firm) == 0 and copies(manager) == 0


async def test_the_count_shown_before_sending_is_the_number_sent(bot):
    team, lead, (anna, ben) = await team_with_members(bot)
    manager = bot.manager()
    await compose(manager, DASEIN, "Saalfeld")
    review = manager.last_message()
    assert "Empfänger*innen: 1" in review.text  # only Mitglied0 lives in Saalfeld
    await manager.press("Jetzt senden")
    sent = await bot.deliver()
    assert sent == 1 and copies(anna) == 1
    (ann,) = await announcements(bot)
    assert ann.recipients == 1


async def test_the_preview_shows_the_announcement_before_anything_is_sent(bot):
    await team_with_members(bot)
    manager = bot.manager()
    await compose(manager, "Alle")
    texts = manager.texts()
    assert texts[-2] == f"{MANAGER_HEADER}\n\n{ANNOUNCE_TEXT}"  # the preview, as recipients will see it
    assert "Bereit zum Senden" in texts[-1]
    assert await rows(bot) == []


async def test_test_to_me_reaches_only_the_sender(bot):
    team, lead, (anna, ben) = await team_with_members(bot)
    manager = bot.manager()
    await compose(manager, "Alle")
    before = copies(manager)
    await manager.press("Test an mich")
    await bot.deliver()
    assert copies(manager) == before + 1
    assert copies(anna) == copies(ben) == copies(lead) == 0
    assert await rows(bot) == [] and await announcements(bot) == []


async def test_opted_out_and_unreachable_members_are_left_out_and_counted(bot):
    team, lead, (anna, ben) = await team_with_members(bot)
    async with bot.db.transaction() as s:
        people = {p.telegram_id: p for p in (await s.execute(select(Person))).scalars()}
        people[anna.user_id].announcements_opt_out = True
        people[ben.user_id].unreachable_at = bot.clock.now()
    manager = bot.manager()
    await compose(manager, DASEIN)
    assert "Empfänger*innen: 1\nNicht dabei: 1 abgemeldet, 1 nicht erreichbar" in manager.last_message().text
    await manager.press("Jetzt senden")
    await bot.deliver()
    assert copies(lead) == 1 and copies(anna) == 0 and copies(ben) == 0
    assert {r.chat_id: r.status for r in await rows(bot)} == {lead.user_id: "sent", ben.user_id: "unreachable"}


async def test_a_member_may_not_announce(bot):
    anna = await bot.register()
    out = await anna.send("/announce")
    assert "nur das Projektmanagement und Teamleitungen" in out[-1].text


async def test_a_lead_announces_to_their_own_team(bot):
    team, lead, (anna, ben) = await team_with_members(bot)
    await lead.send("/announce")
    await lead.send(ANNOUNCE_TEXT)
    assert f"✅ {DASEIN}" in lead.last_message().button_texts()  # their only team, chosen already
    assert "Alle" not in lead.last_message().button_texts()
    await lead.press("Weiter")
    await lead.press("Jetzt senden")
    await bot.deliver()
    assert copies(anna) == copies(ben) == copies(lead) == 1
    assert copies(bot.manager()) == 0


async def test_a_lead_choosing_everyone_or_another_team_is_refused(bot):
    team, lead, (anna, _) = await team_with_members(bot)
    await lead.send("/announce")
    await lead.send(ANNOUNCE_TEXT)
    picker = lead.last_message()
    nonce = picker.flat_buttons()[0].callback_data.split(":")[2]
    await lead.press_data(f"an:1:{nonce}:all", message=picker)
    assert "nur an dein eigenes Team" in lead.callback_answers[-1][0]
    async with bot.db.transaction() as s:
        from models.tables import Team

        other = (await s.execute(select(Team).where(Team.slug == "fachkraefte"))).scalar_one()
    await lead.press_data(f"an:1:{nonce}:t:{other.id}", message=picker)
    assert "nur an dein eigenes Team" in lead.callback_answers[-1][0]
    await lead.press_data(f"an:1:{nonce}:t:{team.id}", message=picker)  # deselect the own team
    await lead.press("Weiter")
    assert "wähle zuerst" in lead.callback_answers[-1][0]
    assert await rows(bot) == []


async def test_a_forged_send_button_is_refused(bot):
    team, lead, (anna, _) = await team_with_members(bot)
    await anna.send("/start")
    await anna.press_data("an:1:abcd1234:send", message=anna.last_message())
    assert anna.callback_answers[-1][0] is not None
    await lead.send("/announce")
    await lead.send(ANNOUNCE_TEXT)
    await lead.press("Weiter")
    await lead.press_data("an:1:00000000:send", message=lead.last_message())  # wrong run
    assert "nicht mehr aktuell" in lead.callback_answers[-1][0]
    assert await rows(bot) == []


async def test_a_former_lead_cannot_send_a_prepared_announcement(bot):
    team, lead, (anna, _) = await team_with_members(bot)
    await compose(lead)
    manager = bot.manager()
    await manager.send("/makelead")
    await manager.press(team.name_de)
    await manager.press("Lea")  # takes the lead role back
    await lead.press("Jetzt senden")
    assert "nur das Projektmanagement und Teamleitungen" in lead.callback_answers[-1][0]
    assert await rows(bot) == []


async def test_photo_announcement_arrives_with_its_caption(bot):
    team, lead, (anna, _) = await team_with_members(bot)
    manager = bot.manager()
    await manager.send("/announce")
    await manager.send_photo(b"\x89PNG\r\n\x1a\nplakat", caption="Plakat für Samstag")
    await manager.press(DASEIN)
    await manager.press("Weiter")
    await manager.press("Jetzt senden")
    await bot.deliver()
    got = anna.last_message()
    assert (
        got.kind == "photo"
        and got.photo == b"\x89PNG\r\n\x1a\nplakat"
        and got.caption == f"{MANAGER_HEADER}\n\nPlakat für Samstag"
    )


async def test_document_announcement_arrives_with_its_caption(bot):
    team, lead, (anna, _) = await team_with_members(bot)
    manager = bot.manager()
    await manager.send("/announce")
    await manager.send_document(b"%PDF-1.4 protokoll", "protokoll.pdf", "application/pdf", caption="Das Protokoll")
    await manager.press(DASEIN)
    await manager.press("Weiter")
    await manager.press("Jetzt senden")
    await bot.deliver()
    got = anna.last_message()
    assert (
        got.kind == "document"
        and got.document[0] == "protokoll.pdf"
        and got.caption == f"{MANAGER_HEADER}\n\nDas Protokoll"
    )


async def test_formatting_is_kept_and_user_text_cannot_break_the_html(bot):
    team, lead, (anna, _) = await team_with_members(bot)
    manager = bot.manager()
    text = "Wichtig: <3 & <b>nicht fett</b> Treffen"
    await manager.send("/announce")
    await manager._post(None, {"text": text, "entities": [{"type": "bold", "offset": 0, "length": 8}]})
    await manager.press(DASEIN)
    await manager.press("Weiter")
    await manager.press("Jetzt senden")
    await bot.deliver()
    got = anna.last_message()
    assert got.text == f"{MANAGER_HEADER}\n\n{text}"
    start = len(f"{MANAGER_HEADER}\n\n".encode("utf-16-le")) // 2
    assert got.entities == [
        {"type": "bold", "offset": 3, "length": start - 5},  # the header after "📣 "
        {"type": "bold", "offset": start, "length": 8},
    ]


async def test_a_text_over_telegrams_limit_is_refused(bot):
    await team_with_members(bot)
    manager = bot.manager()
    await manager.send("/announce")
    out = await manager.send("x" * 4097)
    room = len("📣 Announcement from Maria, project management\n\n".encode("utf-16-le")) // 2  # the longer header
    assert f"zu lang: 4097 Zeichen, erlaubt sind {4096 - room}" in out[-1].text


async def test_every_announcement_is_audited_with_count_and_audience(bot):
    team, lead, _ = await team_with_members(bot)
    await send_now(bot, bot.manager(), DASEIN)
    async with bot.db.transaction() as s:
        entry = (await s.execute(select(AuditEntry).where(AuditEntry.action == "announce"))).scalar_one()
    (ann,) = await announcements(bot)
    assert entry.details == {
        "announcement": ann.id,
        "recipients": 3,
        "audience": {"all": False, "teams": [team.id], "towns": [], "groups": []},
    }


async def test_a_forged_or_past_schedule_time_is_refused(bot):
    await team_with_members(bot)
    manager = bot.manager()
    await compose(manager, DASEIN)
    await manager.press("Planen für")
    picker = manager.last_message()
    nonce = picker.flat_buttons()[0].callback_data.split(":")[2]
    await manager.press_data(f"an:1:{nonce}:at:99999999999999999", message=picker)
    assert "nicht mehr aktuell" in manager.callback_answers[-1][0]
    await manager.press_data(f"an:1:{nonce}:at:1000", message=picker)  # 1970
    assert "Vergangenheit" in manager.callback_answers[-1][0]
    assert await rows(bot) == []
