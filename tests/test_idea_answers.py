"""Ideas get answers: the manager and team leads set an idea's status with a short answer and publish it;
the author and everyone following the idea are told, each in their own language."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import func, select

from models.tables import AuditEntry, Idea, IdeaAnswer, IdeaFollower, Outbox
from tests.conftest import MANAGER_ID
from tests.meeting_helpers import in_days, person_of, schedule, team_with_members
from tests.test_ideas import IDEA, join_team, submit_idea

TEAM = "Aktions-Team Daseinsvorsorge"
ANSWER = "Wir prüfen das mit den Verkehrsbetrieben und melden uns im Frühjahr."


async def answer(user, idea_id: int, status: str, text: str = ANSWER, meeting: str | None = None) -> None:
    """Go through /answer for one idea up to the saved draft (`meeting` is pressed when asked)."""
    await user.send("/answer")
    await user.press(f"#{idea_id} ·")
    await user.press(f"→ {status}")
    if status == "an Stadt weitergeleitet":  # the towns whose administrations get it (the idea's own are ticked)
        await user.press("Weiter ▶")
    await user.send(text)
    if meeting is not None:
        await user.press(meeting)
    assert f"📝 Die Antwort auf Idee #{idea_id} ist als Entwurf gespeichert." in user.texts()


async def publish(user) -> None:
    await user.press("Alle veröffentlichen")


async def ideas(bot) -> list[Idea]:
    async with bot.db.transaction() as s:
        return list((await s.execute(select(Idea).order_by(Idea.id))).scalars())


async def answers(bot) -> list[IdeaAnswer]:
    async with bot.db.transaction() as s:
        return list((await s.execute(select(IdeaAnswer).order_by(IdeaAnswer.id))).scalars())


async def answer_rows(bot) -> list[Outbox]:
    async with bot.db.transaction() as s:
        return list((await s.execute(select(Outbox).where(Outbox.kind == "idea_answer").order_by(Outbox.id))).scalars())


async def manager(bot):
    """The project manager, registered once (team_with_members already did)."""
    if MANAGER_ID in bot.fake.users:
        return bot.fake.users[MANAGER_ID]
    return await bot.register(bot.manager())


async def team_idea(bot):
    """Lea leads Daseinsvorsorge; Mitglied0 wrote idea #1 for the team; Mitglied1 is in the team too."""
    team, lead, (author, other) = await team_with_members(bot)
    await submit_idea(author, team=TEAM)
    return team, lead, author, other


async def test_manager_answers_an_idea_and_the_author_is_told_in_german(bot):
    _, _, author, _ = await team_idea(bot)
    maria = await manager(bot)
    await answer(maria, 1, "angenommen")
    assert "1 Antwort bereit" in maria.last_message().text
    assert [i.status for i in await ideas(bot)] == ["submitted"]  # a draft changes nothing yet
    await publish(maria)
    assert "1 Antwort veröffentlicht" in maria.last_message().text
    assert await bot.deliver() == 1
    told = author.last_message().text
    assert "Antwort auf deine Idee #1" in told and "Neuer Stand: angenommen" in told and ANSWER in told
    [idea] = await ideas(bot)
    [given] = await answers(bot)
    assert (idea.status, given.status, given.text, given.published_at) == (
        "accepted",
        "accepted",
        ANSWER,
        bot.clock.now(),
    )
    async with bot.db.transaction() as s:
        audit = (await s.execute(select(AuditEntry).where(AuditEntry.action == "answer_idea"))).scalar_one()
    assert audit.details == {"idea": 1, "answer": given.id, "old": "submitted", "new": "accepted", "sent": 1}
    mine = (await author.send("/myideas"))[-1].text
    assert "#1 · angenommen" in mine and f"Antwort: {ANSWER}" in mine


async def test_an_english_author_is_told_in_english(bot):
    john = await bot.register(bot.user("John", "en"), evaluation="Yes", group="Citizen")
    await john.send("/idea")
    await john.send("A shuttle bus between the three towns on weekends.")
    await john.press("Civic engagement")
    await john.press("All three towns")
    await john.press("Submit")
    maria = await manager(bot)
    await answer(maria, 1, "an Stadt weitergeleitet", "Die Stadt Saalfeld kümmert sich darum.")
    await publish(maria)
    await bot.deliver()
    told = john.last_message().text
    assert "Answer to your idea #1" in told and "New status: forwarded to the town" in told
    assert "Die Stadt Saalfeld kümmert sich darum." in told
    assert "Forwarded to the administration: Saalfeld, Rudolstadt, Bad Blankenburg." in told


async def test_followers_are_told_and_others_are_not(bot):
    _, _, author, other = await team_idea(bot)
    follower = await bot.register(bot.user("Fritz"))
    await join_team(follower)
    await follower.send("/follow")
    await follower.press("🔔 #1")
    assert follower.callback_answers[-1] == ("🔔 Du wirst benachrichtigt, wenn es eine Antwort gibt.", False)
    assert follower.last_message().button_texts() == ["✅ 🔔 #1"]
    assert "🔔 du folgst" in (await follower.send("/ideas"))[-1].text
    other_before = len(other.texts())
    maria = await manager(bot)
    await answer(maria, 1, "in Prüfung", "Schauen wir uns an.")
    await publish(maria)
    assert await bot.deliver() == 2
    assert "Neues zur Idee #1, der du folgst" in follower.last_message().text
    assert "Neuer Stand: in Prüfung" in follower.last_message().text
    assert "Antwort auf deine Idee #1" in author.last_message().text
    assert len(other.texts()) == other_before


async def test_unfollowing_stops_the_notification(bot):
    _, _, author, other = await team_idea(bot)
    await other.send("/follow")
    await other.press("🔔 #1")
    await other.press("✅ 🔔 #1")
    assert other.callback_answers[-1] == ("🔕 Keine Benachrichtigung mehr zu dieser Idee.", False)
    async with bot.db.transaction() as s:
        assert (await s.execute(select(func.count()).select_from(IdeaFollower))).scalar_one() == 0
    maria = await manager(bot)
    await answer(maria, 1, "abgelehnt", "Leider nicht möglich.")
    await publish(maria)
    assert await bot.deliver() == 2  # the author, and the question for the obstacles to Maria (test_idea_codes.py)
    assert [r.person_id for r in await answer_rows(bot)] == [(await person_of(bot, author)).id]


async def test_a_lead_answers_an_idea_of_their_team(bot):
    _, lea, author, _ = await team_idea(bot)
    replies = await lea.send("/answer")
    assert "Ideen, die auf eine Antwort warten" in replies[-1].text
    assert replies[-1].button_texts()[0].startswith("#1 · eingereicht · Ein Bürgerbus")
    await answer(lea, 1, "in Prüfung")
    await publish(lea)
    await bot.deliver()
    assert "Neuer Stand: in Prüfung" in author.last_message().text
    assert [i.status for i in await ideas(bot)] == ["in_review"]
    assert [a.actor_id for a in await answers(bot)] == [(await person_of(bot, lea)).id]


async def test_a_lead_cannot_answer_an_idea_of_another_team(bot):
    _, lea, _, _ = await team_idea(bot)
    ben = await bot.register(bot.user("Ben"))
    await join_team(ben, "Fachkräfte")
    await submit_idea(ben, text="Eine Idee fürs Team Fachkräfte in Rudolstadt.", team="Aktions-Team Fachkräfte")
    page = (await lea.send("/answer"))[-1]
    assert not any("#2" in label for label in page.button_texts())
    await lea.press_data("ia:1:i:2:w:0", message=page)
    refusal = (
        "Diese Idee kannst du nicht beantworten: Das dürfen nur das Projektmanagement und die Teamleitung ihres Teams."
    )
    assert lea.callback_answers[-1] == (refusal, True)
    await lea.press_data("ia:1:s:2:accepted", message=page)
    assert lea.callback_answers[-1] == (refusal, True)
    await lea.send("Angenommen, weil ich es sage.")
    assert [i.status for i in await ideas(bot)] == ["submitted", "submitted"]
    assert await answers(bot) == [] and await answer_rows(bot) == []


async def test_a_member_without_a_lead_role_cannot_use_answer(bot):
    _, _, author, _ = await team_idea(bot)
    replies = await author.send("/answer")
    assert replies[-1].text == "Ideen beantworten können das Projektmanagement und Teamleitungen."


async def test_an_illegal_status_change_is_refused(bot):
    _, lea, _, _ = await team_idea(bot)
    page = (await lea.send("/answer"))[-1]
    await lea.press("#1 ·")
    assert "→ umgesetzt" not in lea.last_message().button_texts()
    await lea.press_data("ia:1:s:1:implemented", message=page)
    assert lea.callback_answers[-1][0].startswith("Dieser Stand ist von hier aus nicht möglich.")
    await answer(lea, 1, "angenommen")
    await publish(lea)
    await lea.send("/answer")
    await lea.press("Angenommene/weitergeleitete Ideen")
    await lea.press("#1 ·")
    assert lea.last_message().button_texts() == ["→ umgesetzt", "🏷 Hemmnisse/Erfolgsfaktoren", "◀ Zurück"]
    await lea.press_data("ia:1:s:1:rejected", message=lea.last_message())
    assert lea.callback_answers[-1][0].startswith("Dieser Stand ist von hier aus nicht möglich.")
    assert [i.status for i in await ideas(bot)] == ["accepted"]


async def test_several_answers_are_published_at_once_and_each_reaches_its_author_once(bot):
    team, lea, author, other = await team_idea(bot)
    await submit_idea(other, text="Ein Dorfladen mit Café in Bad Blankenburg.", team=TEAM)
    await submit_idea(author, text="Ein Mitfahrbänkle an jedem Ortsausgang.", team=TEAM)
    await answer(lea, 1, "angenommen", "Ja!")
    await answer(lea, 2, "abgelehnt", "Leider nein.")
    await answer(lea, 3, "in Prüfung", "Wir schauen.")
    ready = lea.last_message()
    assert "3 Antworten bereit" in ready.text
    publish_data = ready.buttons[0][0].callback_data
    await publish(lea)
    await lea.press_data(publish_data, message=ready)  # the same button pressed again
    assert lea.callback_answers[-1] == ("Es gibt nichts mehr zu veröffentlichen.", True)
    assert await bot.deliver() == 3 + 1  # and the question for the obstacles of the rejected idea to Lea
    assert await bot.deliver() == 0
    assert [i.status for i in await ideas(bot)] == ["accepted", "rejected", "in_review"]
    told_author = [t for t in author.texts() if "Antwort auf deine Idee" in t]
    told_other = [t for t in other.texts() if "Antwort auf deine Idee" in t]
    assert len(told_author) == 2 and len(told_other) == 1
    assert "#2" in told_other[0] and "Leider nein." in told_other[0]
    assert [r.status for r in await answer_rows(bot)] == ["sent"] * 3


async def test_an_erased_authors_idea_can_be_answered_and_nobody_gets_an_error(bot):
    _, lea, author, _ = await team_idea(bot)
    await author.send("/deleteme")
    await author.press("Ja, alles löschen")
    await answer(lea, 1, "angenommen", "Danke an die anonyme Person!")
    await publish(lea)
    assert "0 Nachrichten" in lea.last_message().text
    assert await bot.deliver() == 0
    assert [i.status for i in await ideas(bot)] == ["accepted"]
    assert await answer_rows(bot) == []
    assert not any(alert for _, alert in lea.callback_answers)


async def test_an_empty_answer_is_refused_and_the_dialogue_waits(bot):
    _, lea, _, _ = await team_idea(bot)
    await lea.send("/answer")
    await lea.press("#1 ·")
    await lea.press("→ angenommen")
    replies = await lea.send("   ")
    assert replies[-1].text == "Die Antwort ist leer. Bitte schreib ein paar Worte."
    await lea.send("Jetzt aber.")
    assert [a.text for a in await answers(bot)] == ["Jetzt aber."]


async def test_a_5000_character_answer_is_refused(bot):
    _, lea, _, _ = await team_idea(bot)
    await lea.send("/answer")
    await lea.press("#1 ·")
    await lea.press("→ angenommen")
    replies = await lea.send("x" * 5000)
    assert replies[-1].text == "Die Antwort ist zu lang (5000 Zeichen). Bitte fasse dich in höchstens 1000 Zeichen."
    assert await answers(bot) == []


async def test_html_in_an_answer_is_stored_verbatim_and_shown_escaped(bot):
    _, lea, author, _ = await team_idea(bot)
    text = "<b>Ja</b> & <script>alert(1)</script> bald"
    await answer(lea, 1, "angenommen", text)
    assert "&lt;script&gt;" in lea.last_message().html
    await publish(lea)
    await bot.deliver()
    told = author.last_message()
    assert text in told.text and "&lt;script&gt;" in told.html
    assert [a.text for a in await answers(bot)] == [text]


async def test_linking_the_meeting_where_it_was_discussed_shows_in_myideas_and_ideas(bot):
    team, lea, author, other = await team_idea(bot)
    await schedule(bot, lea, team, in_days(bot, 1), title="Werkstatt Mobilität")
    bot.clock.advance(timedelta(days=2))
    await answer(lea, 1, "angenommen", meeting="Werkstatt Mobilität")
    [idea] = await ideas(bot)
    assert idea.meeting_id is not None
    mine = (await author.send("/myideas"))[-1].text
    assert "besprochen am Do., 26. Nov. 2026" in mine
    assert "besprochen am Do., 26. Nov. 2026" in (await other.send("/ideas"))[-1].text
    await publish(lea)
    await bot.deliver()
    told = [t for t in author.texts() if "Antwort auf deine Idee #1" in t]
    assert len(told) == 1 and "Besprochen beim Treffen „Werkstatt Mobilität“ am Do., 26. Nov. 2026." in told[0]


async def test_mydata_contains_the_follow_and_deleteme_removes_it(bot):
    _, _, _, other = await team_idea(bot)
    await other.send("/follow")
    await other.press("🔔 #1")
    _, body, _ = (await other.send("/mydata"))[-1].document
    assert [f["idea_id"] for f in json.loads(body)["idea_followers"]] == [1]
    await other.send("/deleteme")
    await other.press("Ja, alles löschen")
    async with bot.db.transaction() as s:
        left = (await s.execute(select(func.count()).select_from(IdeaFollower))).scalar_one()
    assert left == 0
    assert [i.text for i in await ideas(bot)] == [IDEA]
