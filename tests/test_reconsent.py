"""A newer privacy notice (`privacy_version`): each person is asked once at their next interaction, gets only what
needs no consent until they agree, and no reminders or announcements meanwhile; agreeing is kept in the history."""

from contextlib import asynccontextmanager
from datetime import timedelta

from sqlalchemy import select

from handlers.codec import encode
from handlers.privacy import version_tag
from models.tables import Consent, Outbox, TeamGroup
from tests.announce_helpers import ANNOUNCE_TEXT, body, copies, send_now
from tests.conftest import start_bot, stop_bot
from tests.meeting_helpers import in_days, person_of, schedule, team_with_members

NEW = "2027-01"
CHANGES = {"de": "Neu: Wir löschen Daten nach einem Jahr ohne Nutzung.", "en": "New: data goes after a year unused."}
PROMPT = "Unser Datenschutzhinweis hat sich geändert"


@asynccontextmanager
async def new_notice(bot, fake, db, version: str = NEW):
    """Restart the bot with a raised privacy_version and its 'what changed' text (as an operator would)."""
    await stop_bot(bot)
    renewed = await start_bot(fake, db, bot.clock, project__privacy_version=version, privacy__changes=CHANGES)
    try:
        yield renewed
    finally:
        await stop_bot(renewed)


def is_prompt(message) -> bool:
    return PROMPT in message.text and "✅ Ich stimme zu" in message.button_texts()


async def history(bot, user) -> list[tuple[str, str, bool]]:
    person = await person_of(bot, user)
    async with bot.db.transaction() as s:
        rows = (await s.execute(select(Consent).where(Consent.person_id == person.id).order_by(Consent.id))).scalars()
        return [(c.purpose, c.version, c.withdrawn_at is not None) for c in rows]


async def test_after_a_new_notice_the_next_interaction_asks_once_with_what_changed(bot, fake, db):
    anna = await bot.register(bot.user("Anna"))
    async with new_notice(bot, fake, db) as renewed:
        [prompt] = await anna.send("/teams")
        assert is_prompt(prompt)
        assert "Fassung 2027-01" in prompt.text
        assert "Was sich geändert hat: Neu: Wir löschen Daten nach einem Jahr ohne Nutzung." in prompt.text
        assert "Datenschutz – kurz und klar" in prompt.text  # the notice itself, to read before agreeing
        assert is_prompt((await anna.send("/start"))[-1])
        assert is_prompt((await anna.send("Eine Idee ohne Befehl"))[-1])  # typed text
        assert (await history(renewed, anna)) == [("privacy", "2026-11", False), ("evaluation", "2026-11", False)]


async def test_what_needs_no_consent_still_works_before_agreeing(bot, fake, db):
    anna = await bot.register(bot.user("Anna"))
    menu = anna.last_message()
    async with new_notice(bot, fake, db):
        [help_screen] = await anna.send("/help")
        assert not is_prompt(help_screen)
        [privacy] = await anna.send("/privacy")
        assert "ℹ️ Inzwischen gilt Fassung 2027-01 (oben)." in privacy.text
        assert privacy.button_texts() == ["✅ Ich stimme zu", "Auswertung widerrufen"]  # agreeing works here too
        [mydata] = await anna.send("/mydata")
        assert mydata.document[0] == "meine-daten.json"
        [delete] = await anna.send("/deleteme")
        assert "wirklich löschen" in delete.text
        await anna.press("Nein, behalten")
        await anna.press("Teams", message=menu)  # a button of the old menu: the prompt instead
        assert is_prompt(anna.last_message())
        assert anna.callback_answers[-1][0] == "Bitte stimme zuerst dem neuen Datenschutzhinweis zu."


async def test_agreeing_records_the_new_version_and_everything_works_again(bot, fake, db):
    anna = await bot.register(bot.user("Anna"))
    async with new_notice(bot, fake, db) as renewed:
        await anna.send("/teams")
        replies = await anna.press("Ich stimme zu")
        assert anna.messages[-2].text.startswith("✅ Danke! Du hast Fassung 2027-01 am ")
        assert replies[-1].text == "Was möchtest du tun?"
        assert (await history(renewed, anna)) == [
            ("privacy", "2026-11", False),
            ("evaluation", "2026-11", False),
            ("privacy", "2027-01", False),
        ]
        p = await person_of(renewed, anna)
        assert (p.consent_version, p.consent_at) == (NEW, renewed.clock.now())
        [teams] = await anna.send("/teams")
        assert "Die Aktions-Teams" in teams.text
        await anna.press_data(encode("agree", "yes", version_tag(NEW)))  # a second tap: nothing new
        assert anna.callback_answers[-1][0] == "Du hast dem aktuellen Datenschutzhinweis schon zugestimmt."
        assert len(await history(renewed, anna)) == 3


async def test_the_button_of_a_replaced_notice_shows_the_current_one_and_records_nothing(bot, fake, db):
    anna = await bot.register(bot.user("Anna"))
    async with new_notice(bot, fake, db) as renewed:
        [old_prompt] = await anna.send("/teams")
    async with new_notice(renewed, fake, db, version="2027-02") as newest:
        await anna.press("Ich stimme zu", message=old_prompt)
        assert "Fassung 2027-02" in anna.last_message().text and is_prompt(anna.last_message())
        assert [v for purpose, v, _ in await history(newest, anna) if purpose == "privacy"] == ["2026-11"]


async def test_no_announcement_reaches_someone_who_has_not_agreed_again(bot, fake, db):
    anna = await bot.register(bot.user("Anna"))
    ben = await bot.register(bot.user("Ben"))
    manager = await bot.register(bot.manager())
    async with new_notice(bot, fake, db) as renewed:
        for user in (manager, ben):
            await user.send("/start")
            await user.press("Ich stimme zu")
        await send_now(renewed, manager, "Alle")
        assert (copies(anna), copies(ben)) == (0, 1)
        async with renewed.db.transaction() as s:
            rows = await s.execute(select(Outbox.person_id, Outbox.status).where(Outbox.kind == "announcement"))
            status = dict(rows.all())
        assert status[(await person_of(renewed, anna)).id] == "skipped"
        assert ANNOUNCE_TEXT not in [body(m.text) for m in anna.messages]


async def test_no_reminder_reaches_someone_who_has_not_agreed_again(bot, fake, db):
    team, lead, (anna, ben) = await team_with_members(bot)
    meeting = await schedule(bot, lead, team, in_days(bot, 3))
    await bot.deliver()  # invitations went out under the old notice
    async with new_notice(bot, fake, db) as renewed:
        await ben.send("/start")
        await ben.press("Ich stimme zu")
        renewed.clock.set(meeting.starts_at - timedelta(hours=24))
        await renewed.deliver()

        def reminders(user):
            return [m for m in user.messages if m.text.startswith("⏰ Erinnerung")]

        assert (len(reminders(anna)), len(reminders(ben))) == (0, 1)


async def test_a_button_in_the_teams_group_asks_privately_not_in_front_of_the_group(bot, fake, db):
    team, lead, members = await team_with_members(bot)
    group = bot.fake.group("Daseinsvorsorge Saalfeld")
    await lead.send_in(group, "/linkgroup@actionbot_test_bot")
    await schedule(bot, lead, team, in_days(bot, 3))
    await bot.deliver()
    invitation = next(m for m in group.messages if "Werkstatt Mobilität" in m.text)
    member = members[0]
    async with new_notice(bot, fake, db):
        before = len(group.messages)
        await member.press("Zusage", message=invitation, chat=group)
        assert len(group.messages) == before  # nothing about one person's consent is posted to the group
        assert is_prompt(member.last_message())  # the prompt came to her private chat


async def test_linkgroup_waits_for_the_new_notice_and_asks_privately(bot, fake, db):
    team, lead, _ = await team_with_members(bot)
    group = bot.fake.group("Neue Gruppe")
    async with new_notice(bot, fake, db) as renewed:
        await lead.send_in(group, "/linkgroup@actionbot_test_bot")
        assert not any(is_prompt(m) for m in group.messages)  # not in front of the group
        assert is_prompt(lead.last_message())
        async with renewed.db.transaction() as s:
            assert (await s.execute(select(TeamGroup))).scalars().all() == []  # nothing linked before agreeing


async def test_the_menus_data_privacy_and_help_work_before_agreeing_like_their_commands(bot, fake, db):
    anna = await bot.register(bot.user("Anna"))
    menu = anna.last_message()
    async with new_notice(bot, fake, db):
        await anna.press("Meine Daten", message=menu)
        assert anna.last_message().document[0] == "meine-daten.json"
        await anna.press("Datenschutz", message=menu)
        assert "ℹ️ Inzwischen gilt Fassung 2027-01 (oben)." in anna.last_message().text
        await anna.press("Hilfe", message=menu)
        assert not is_prompt(anna.last_message()) and "/privacy" in anna.last_message().text
        await anna.press("Meine Ideen", message=menu)  # a screen that needs the current notice: the prompt
        assert is_prompt(anna.last_message())
