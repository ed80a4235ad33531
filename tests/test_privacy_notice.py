"""/privacy: the notice can be read again by anyone; a registered person also sees what they agreed to, when,
and gives or withdraws the evaluation consent there (the same rule as /profile)."""

import json
from datetime import timedelta

from sqlalchemy import func, select

from models import people
from models.tables import Person
from tests.conftest import START

AGREED = "✅ Datenschutzhinweis: Fassung 2026-11, zugestimmt am Mi., 25. Nov. 2026, 10:00 Uhr."
RIGHTS = (
    "/mydata schickt dir alles, was über dich gespeichert ist. "
    "Deine Einwilligung in die Teilnahme widerrufst du mit /deleteme – das löscht dich."
)


async def me(bot, user) -> Person:
    async with bot.db.transaction() as s:
        return (await s.execute(select(Person).where(Person.telegram_id == user.user_id))).scalar_one()


def notice_part(consent_message_text: str) -> str:
    """The privacy notice inside the /start message (after the welcome, before the consent line)."""
    start = consent_message_text.index("Datenschutz – kurz und klar")
    end = consent_message_text.index("\n\n✅ Zugestimmt")
    return consent_message_text[start:end]


async def test_privacy_shows_the_notice_to_someone_not_registered_and_stores_nothing(bot):
    anna = bot.user("Anna")
    [screen] = await anna.send("/privacy")
    assert screen.text.startswith("Datenschutz – kurz und klar\nWas wir speichern:")
    assert f"Fassung {bot.config.privacy_version}." in screen.text
    assert bot.config.contact in screen.text
    assert screen.text.endswith(
        "Du bist nicht angemeldet, über dich ist nichts gespeichert. Mit /start kannst du dich anmelden."
    )
    assert screen.buttons == []
    async with bot.db.transaction() as s:
        assert (await s.execute(select(func.count()).select_from(Person))).scalar_one() == 0


async def test_privacy_shows_the_agreed_notice_version_and_both_consents(bot):
    anna = await bot.register(bot.user("Anna"), evaluation="Ja")
    [screen] = await anna.send("/privacy")
    assert screen.text.startswith(notice_part(anna.messages[0].text))  # the same text as at consent
    consents, retention = screen.text.split("\n\nWie lange deine Daten gespeichert bleiben\n")
    assert consents.split("\n")[-5:] == [
        "Deine Einwilligungen",
        AGREED,
        "✅ Pseudonymisierte Auswertung: erlaubt seit Mi., 25. Nov. 2026, 10:00 Uhr.",
        "",
        RIGHTS,
    ]
    assert retention.split("\n")[:2] == [
        "Nutzt du den Bot 365 Tage lang nicht (kein Befehl, kein Knopf, keine Nachricht), werden alle deine Daten"
        " automatisch gelöscht – wie mit /deleteme.",
        "Zuletzt hast du den Bot am Mi., 25. Nov. 2026 genutzt.",
    ]
    assert screen.button_texts() == ["Auswertung widerrufen"]


async def test_withdrawing_the_evaluation_consent_in_privacy_is_stored_with_its_time(bot):
    anna = await bot.register(bot.user("Anna"), evaluation="Ja")
    [screen] = await anna.send("/privacy")
    bot.clock.advance(timedelta(days=2, hours=3))
    replies = await anna.press("Auswertung widerrufen")
    assert replies == [screen]  # redrawn in place
    assert anna.callback_answers[-1] == ("Widerrufen: Deine Angaben kommen in keine künftige Auswertung.", False)
    assert "❌ Pseudonymisierte Auswertung: nicht erlaubt (seit Fr., 27. Nov. 2026, 13:00 Uhr)." in screen.text
    assert AGREED in screen.text  # the consent to the notice itself stays
    assert screen.button_texts() == ["Auswertung erlauben"]
    person = await me(bot, anna)
    assert (person.evaluation_consent, person.evaluation_consent_at) == (False, START + timedelta(days=2, hours=3))
    assert person.consent_at == START
    await anna.press("Auswertung erlauben")
    assert "✅ Pseudonymisierte Auswertung: erlaubt seit Fr., 27. Nov. 2026, 13:00 Uhr." in screen.text
    assert (await me(bot, anna)).evaluation_consent is True


async def test_a_stale_withdraw_button_changes_nothing_and_keeps_the_date(bot):
    anna = await bot.register(bot.user("Anna"), evaluation="Nein")
    [screen] = await anna.send("/privacy")
    assert "❌ Pseudonymisierte Auswertung: nicht erlaubt (seit Mi., 25. Nov. 2026, 10:00 Uhr)." in screen.text
    bot.clock.advance(timedelta(days=1))
    await anna.press_data("priv:1:eval:n", message=screen)
    person = await me(bot, anna)
    assert (person.evaluation_consent, person.evaluation_consent_at) == (False, START)


async def test_a_forged_privacy_button_is_refused_politely(bot):
    anna = await bot.register(bot.user("Anna"), evaluation="Ja")
    [screen] = await anna.send("/privacy")
    await anna.press_data("priv:1:eval:maybe", message=screen)
    assert anna.callback_answers[-1] == ("Dieser Knopf ist nicht mehr aktuell. Tippe /start für das Menü.", True)
    assert (await me(bot, anna)).evaluation_consent is True


async def test_a_change_in_profile_shows_up_in_privacy_with_its_date(bot):
    anna = await bot.register(bot.user("Anna"), evaluation="Ja")
    bot.clock.advance(timedelta(days=1))
    await anna.send("/profile")
    await anna.press("Auswertung ja/nein")
    [screen] = await anna.send("/privacy")
    assert "❌ Pseudonymisierte Auswertung: nicht erlaubt (seit Do., 26. Nov. 2026, 10:00 Uhr)." in screen.text
    assert (await me(bot, anna)).evaluation_consent_at == START + timedelta(days=1)


async def test_privacy_while_registering_says_the_evaluation_is_still_open(bot):
    anna = bot.user("Anna")
    await anna.send("/start")
    await anna.press("Einverstanden")
    [screen] = await anna.send("/privacy")
    assert AGREED in screen.text
    assert "❔ Pseudonymisierte Auswertung: noch nicht beantwortet – /start fragt danach." in screen.text
    assert screen.buttons == []


async def test_privacy_names_a_newer_notice_than_the_one_agreed_to(bot):
    anna = bot.user("Anna")
    async with bot.db.transaction() as s:
        person, _ = await people.register(
            s, telegram_id=anna.user_id, display_name="Anna", language="de", privacy_version="2025-01", now=START
        )
        await people.set_evaluation_consent(s, person, False, START)
    [screen] = await anna.send("/privacy")
    assert "✅ Datenschutzhinweis: Fassung 2025-01, zugestimmt am Mi., 25. Nov. 2026, 10:00 Uhr." in screen.text
    assert "ℹ️ Inzwischen gilt Fassung 2026-11 (oben)." in screen.text


async def test_privacy_in_english(bot):
    john = await bot.register(bot.user("John", language_code="en"), group="Citizen", town="Saalfeld", evaluation="Yes")
    [screen] = await john.send("/privacy")
    assert screen.text.startswith("Privacy – short and clear")
    assert "✅ Privacy notice: version 2026-11, agreed on Wed, 25 Nov 2026, 10:00 AM." in screen.text
    assert "✅ Pseudonymised evaluation: allowed since Wed, 25 Nov 2026, 10:00 AM." in screen.text
    assert screen.button_texts() == ["Withdraw evaluation consent"]
    await john.press("Withdraw evaluation consent")
    assert john.callback_answers[-1] == ("Withdrawn: your details go into no future evaluation.", False)


async def test_the_main_menu_opens_privacy_as_a_new_message(bot):
    anna = await bot.register(bot.user("Anna"))
    menu = anna.last_message()
    [screen] = await anna.press("🔒 Datenschutz")
    assert screen is not menu and menu.text == "Was möchtest du tun?"
    assert screen.text.startswith("Datenschutz – kurz und klar") and AGREED in screen.text


async def test_mydata_holds_since_when_the_evaluation_answer_holds(bot):
    anna = await bot.register(bot.user("Anna"), evaluation="Nein")
    [reply] = await anna.send("/mydata")
    person = json.loads(reply.document[1])["person"]
    assert (person["evaluation_consent"], person["evaluation_consent_at"]) == (False, START.isoformat())
