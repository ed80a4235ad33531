"""An idea's timeline ("📜 Verlauf"): from /myideas and /ideas, every step in order with its date, team, meeting
(and the decisions recorded there) and status; only for those who may see the idea; cut to fit one message.
Linking an idea to the meeting where it was discussed is one tap in /attendance."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from handlers.common import utf16_len
from models.ideas import events
from models.tables import Idea, IdeaEvent
from tests.meeting_helpers import in_days, person_of, schedule, team_with_members
from tests.test_idea_answers import answer, manager, publish
from tests.test_ideas import submit_idea
from tests.test_ideas_teamless import teamless_list

TEAM = "Aktions-Team Daseinsvorsorge"
DECISIONS = "Bürgerbus <testweise> ab März"
NOT_FOUND = "Diese Idee gibt es nicht oder sie gehört nicht zu deinen Teams."


async def idea_row(bot, idea_id: int = 1) -> Idea:
    async with bot.db.transaction() as s:
        return await s.get(Idea, idea_id)


async def discussed_steps(bot, idea_id: int = 1) -> list[int | None]:
    async with bot.db.transaction() as s:
        q = select(IdeaEvent.meeting_id).where(IdeaEvent.idea_id == idea_id, IdeaEvent.kind == events.DISCUSSED)
        return list((await s.execute(q)).scalars())


async def past_meeting_with_idea(bot, team_step: bool = False):
    """Lea leads Daseinsvorsorge; Mitglied0 wrote idea #1 (for the team, or without one that the manager then
    gives the team); a meeting tomorrow has taken place."""
    team, lead, (author, other) = await team_with_members(bot)
    await submit_idea(author, team="Kein bestimmtes Team" if team_step else TEAM)
    if team_step:
        bot.clock.advance(timedelta(hours=2))
        maria = await manager(bot)
        await teamless_list(maria)
        await maria.press("Team zuordnen")
        await maria.press(TEAM)
    meeting = await schedule(bot, lead, team, in_days(bot, 1))
    bot.clock.set(meeting.starts_at + timedelta(minutes=meeting.duration_min))
    return meeting, lead, author, other


async def open_attendance(lead):
    await lead.send("/attendance")
    await lead.press("Werkstatt Mobilität")
    return lead.last_message()


async def test_the_path_shows_submitted_team_discussed_with_decisions_and_status_in_order(bot):
    meeting, lead, author, _ = await past_meeting_with_idea(bot, team_step=True)
    await open_attendance(lead)
    await lead.press("📌 Beschlüsse")
    await lead.send(DECISIONS)
    await lead.press("◻ 💡 #1")
    bot.clock.advance(timedelta(days=1))
    await answer(lead, 1, "angenommen", "Wir starten im März.", meeting="Werkstatt Mobilität")  # linked already
    await publish(lead)
    mine = (await author.send("/myideas"))[-1]
    assert mine.button_texts() == ["📜 Verlauf #1"]
    await author.press("📜 Verlauf #1")
    screen = author.last_message()
    text = screen.text
    assert "📜 Verlauf der Idee #1" in text and "Stand: angenommen · Team: Aktions-Team Daseinsvorsorge" in text
    order = [
        "Mi., 25. Nov. 2026 · 📝 Eingereicht",
        "Mi., 25. Nov. 2026 · 👥 Dem Team „Aktions-Team Daseinsvorsorge“ zugeordnet",
        "· 🗣 Besprochen: Treffen „Werkstatt Mobilität“ vom Do., 26. Nov. 2026",
        f"Beschlüsse: {DECISIONS}",
        "· 🔄 Neuer Stand: angenommen",
        "Antwort: „Wir starten im März.“",
    ]
    at = [text.find(part) for part in order]
    assert -1 not in at and at == sorted(at), text
    assert "&lt;" not in text and "<testweise>" in text  # typed text shown as typed, escaped in the HTML sent
    await author.press("◀ Zurück zur Liste")
    assert "Deine Ideen" in author.last_message().text and author.last_message().message_id == screen.message_id


async def test_the_path_is_shown_from_ideas_in_english_too(bot):
    team, lead, (author, other) = await team_with_members(bot)
    await submit_idea(author, team=TEAM)
    await other.send("/language")
    await other.press("English")
    await other.send("/ideas")
    await other.press("📜 History #1")
    text = other.last_message().text
    assert "📜 History of idea #1" in text and "Status: submitted" in text
    assert "📝 Submitted\n    for the team “Action team public services”" in text  # sent to the team right away
    await other.press("◀ Back to the list")
    assert "👍 #1 (0)" in other.last_message().button_texts()


async def test_someone_who_may_not_see_the_idea_gets_no_path_and_forged_ids_are_refused(bot):
    _, lead, author, _ = await past_meeting_with_idea(bot)
    stranger = await bot.register(bot.user("Fritz"))
    await stranger.send("/teams")
    await stranger.press("Beitreten: Aktions-Team Fachkräfte")
    replies = await stranger.send("/ideas")
    before, pressed = replies[-1].text, len(stranger.callback_answers)
    for data in ("iv:1:t:0:1", "iv:1:t:0:999999", "iv:1:m:0:99999999999", "iv:1:x:0:1", "iv:1:t:0:-1"):
        await stranger.press_data(data, message=replies[-1])
        assert stranger.callback_answers[-1][1] is True
        assert stranger.last_message().text == before
    assert stranger.callback_answers[pressed] == (NOT_FOUND, True)
    assert stranger.callback_answers[pressed + 1] == (NOT_FOUND, True)  # a missing idea looks like a hidden one
    maria = await manager(bot)  # the manager may answer every idea, so sees every path
    await maria.send("/answer")
    await maria.press_data("iv:1:t:0:1")
    assert "📜 Verlauf der Idee #1" in maria.last_message().text


async def test_an_idea_without_a_team_shows_its_path_to_every_member(bot):
    anna = await bot.register(bot.user("Anna"))
    ben = await bot.register(bot.user("Ben"))
    await submit_idea(anna)
    screen = await teamless_list(ben)
    assert screen.button_texts() == ["👍 #1 (0)", "📜 Verlauf #1", "◀ Ideen deiner Teams"]
    await ben.press("📜 Verlauf #1")
    assert "📝 Eingereicht" in ben.last_message().text and "Team:" not in ben.last_message().text
    await ben.press("◀ Zurück zur Liste")
    assert "Ideen ohne Team" in ben.last_message().text


async def test_one_tap_in_attendance_links_the_idea_and_the_path_shows_it(bot):
    meeting, lead, author, _ = await past_meeting_with_idea(bot)
    screen = await open_attendance(lead)
    assert "Welche Ideen wurden besprochen?" in screen.text
    tap = next(b.callback_data for b in screen.flat_buttons() if b.text.startswith("◻ 💡 #1"))
    await lead.press("◻ 💡 #1")
    assert lead.callback_answers[-1] == ("Idee #1 ist mit diesem Treffen verknüpft.", False)
    assert any(b.startswith("✅ 💡 #1") for b in lead.last_message().button_texts())
    assert (await idea_row(bot)).meeting_id == meeting.id
    assert await discussed_steps(bot) == [meeting.id]
    await lead.press_data(tap)  # the same tap delivered again: nothing changes
    assert lead.callback_answers[-1] == ("Bei Idee #1 ist das schon so eingetragen.", False)
    assert await discussed_steps(bot) == [meeting.id]
    await author.send("/myideas")
    assert "besprochen am Do., 26. Nov. 2026" in author.last_message().text
    await author.press("📜 Verlauf #1")
    assert "🗣 Besprochen: Treffen „Werkstatt Mobilität“ vom Do., 26. Nov. 2026" in author.last_message().text
    await lead.press("✅ 💡 #1")  # a mistaken tap is taken back: no step, no link
    assert lead.callback_answers[-1] == ("Idee #1 ist nicht mehr mit diesem Treffen verknüpft.", False)
    assert (await idea_row(bot)).meeting_id is None and await discussed_steps(bot) == []


async def test_only_the_lead_links_and_only_ideas_of_the_meetings_team(bot):
    meeting, lead, author, other = await past_meeting_with_idea(bot)
    await submit_idea(author, text="Eine Idee ganz ohne bestimmtes Team", team="Kein bestimmtes Team")
    screen = await open_attendance(lead)
    assert not any("#2" in b for b in screen.button_texts())  # #2 belongs to no team
    for user, data, key in (
        (other, f"att:1:{meeting.id}:i:1:1:0:0", "Die Anwesenheit trägt die Teamleitung"),
        (lead, f"att:1:{meeting.id}:i:2:1:0:0", "Diese Idee kannst du nicht beantworten"),
        (lead, f"att:1:{meeting.id}:i:1:7:0:0", "nicht mehr aktuell"),
        (lead, f"att:1:{meeting.id}:i:99999:1:0:0", "Diese Idee kannst du nicht beantworten"),
    ):
        await user.press_data(data, message=screen)
        assert key in user.callback_answers[-1][0] and user.callback_answers[-1][1] is True
    assert await discussed_steps(bot, 1) == [] and await discussed_steps(bot, 2) == []
    assert (await idea_row(bot, 1)).meeting_id is None


async def test_a_long_path_is_cut_politely_to_one_message(bot):
    team, lead, (author, _) = await team_with_members(bot)
    await submit_idea(author, team=TEAM)
    p = await person_of(bot, lead)
    async with bot.db.transaction() as s:
        for i in range(300):
            at = bot.clock.now() + timedelta(hours=i + 1)
            events.record(s, 1, events.CODED, at, actor_id=p.id, obstacles=["no_funding", "town_rivalry"])
        events.record(s, 1, events.FORWARDED, bot.clock.now() + timedelta(days=30), town="rudolstadt")
    await author.send("/myideas")
    await author.press("📜 Verlauf #1")
    screen = author.last_message()
    assert utf16_len(screen.text) <= 4096 and screen.buttons
    assert "📝 Eingereicht" in screen.text  # the first step stays
    assert "weitere Schritte ausgelassen" in screen.text
    assert screen.text.rstrip().endswith("📨 An die Verwaltung von Rudolstadt weitergeleitet")  # and the latest


async def test_every_kind_of_step_is_shown_and_unknown_details_are_left_out(bot):
    team, lead, (author, _) = await team_with_members(bot)
    await submit_idea(author, team=TEAM)
    later = bot.clock.now() + timedelta(days=1)
    async with bot.db.transaction() as s:
        events.record(s, 1, events.IMPORTED, later, status="submitted", workshop="werkstatt-saalfeld-<2026>")
        events.record(s, 1, events.FORWARDED, later, town="saalfeld")
        events.record(s, 1, events.TOWN_ANSWER, later, town="rudolstadt", answer="declined", obstacles=["no_funding"])
        events.record(s, 1, events.TOWN_ANSWER, later, town="nowhere", answer="something-new")
        events.record(s, 1, events.MERGED, later, into=5)
        events.record(s, 1, events.MERGED, later, **{"from": 6})
        events.record(s, 1, events.CODED, later, code_kind="factor", codes=["shared_goal", "unknown_code"])
        s.add(IdeaEvent(idea_id=1, kind=events.CODED, at=later, details={"kind": "obstacle", "codes": ["travel_time"]}))
        events.record(s, 1, events.TEAM, later, team="no-such-team", extra={"x": [1, 2]})
        events.record(s, 1, events.STATUS, later, status="brand_new", answer="not-an-id")
        events.record(s, 1, events.DISCUSSED, later, meeting_id=None)
        s.add(IdeaEvent(idea_id=1, kind="from_the_future", at=later, details={"team": 5, "codes": 7}))
        s.add(IdeaEvent(idea_id=1, kind=events.CODED, at=later, details=["not", "a", "dict"]))
    await author.send("/myideas")
    await author.press("📜 Verlauf #1")
    text = author.last_message().text
    for part in (
        "📥 Aus einer Demografie-Werkstatt übernommen\n    Werkstatt: werkstatt-saalfeld-<2026>",
        "📨 An die Verwaltung von Saalfeld weitergeleitet",
        "🏛 Antwort der Verwaltung von Rudolstadt\n    Abgelehnt\n    Hemmnisse: Keine Finanzierung",
        "🏛 Antwort der Verwaltung von nowhere\n    something-new",
        "🔗 In Idee #5 aufgegangen",
        "🔗 Idee #6 ist hier eingeflossen",
        "🏷 Eingeordnet\n    Erfolgsfaktoren: Gemeinsames Ziel, unknown_code",
        "🏷 Eingeordnet\n    Hemmnisse: Lange Fahrzeit",
        "👥 Dem Team „no-such-team“ zugeordnet",
        "🔄 Neuer Stand: brand_new",
        "🗣 Besprochen",
        "• from_the_future",
    ):
        assert part in text, part
    async with bot.db.transaction() as s:
        assert (await s.execute(select(func.count()).select_from(IdeaEvent))).scalar_one() == 14


async def test_many_open_ideas_are_paged_in_the_attendance_list(bot):
    meeting, lead, author, _ = await past_meeting_with_idea(bot)
    for n in range(9):
        await submit_idea(author, text=f"Noch eine Idee Nummer {n + 2} für das Team", team=TEAM)
    screen = await open_attendance(lead)
    ideas = [b for b in screen.button_texts() if "💡 #" in b]
    assert [b.split()[2] for b in ideas] == [f"#{n}" for n in range(10, 2, -1)] and "Ideen 1/2" in screen.button_texts()
    await lead.press("💡 ▶")
    ideas = [b for b in lead.last_message().button_texts() if "💡 #" in b]
    assert [b.split()[2] for b in ideas] == ["#2", "#1"]
    await lead.press("◻ 💡 #1")  # the tap keeps the page of ideas
    assert any(b.startswith("✅ 💡 #1") for b in lead.last_message().button_texts())
    assert "Ideen 2/2" in lead.last_message().button_texts()
    assert await discussed_steps(bot) == [meeting.id]
