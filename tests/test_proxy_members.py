"""Members without Telegram, kept by their lead: added in /stellvertretend, invited, their answers recorded by the
lead, ticked present, counted everywhere, and later linked to a Telegram account with a one-time code."""

import io
import json
import re
from datetime import timedelta

from sqlalchemy import func, select

from models.announcements import core as announcements
from models.reports import formats, stats
from models.tables import (
    AuditEntry,
    Consent,
    LinkCode,
    MemberContact,
    Membership,
    Outbox,
    Person,
    ProxyMember,
    Rsvp,
    SurveyAnswer,
)
from tests.meeting_helpers import in_days, schedule, team_with_members

PAPER, PHONE, NONE = "📝 Ja, auf Papier", "📞 Ja, am Telefon", "✖ Keine Einwilligung"
SKIP = "Überspringen ▶"


async def add_proxy(lead, name, *, consent=PAPER, evaluation="Ja", town="Saalfeld", group="Bürger*in", **contact):
    """The lead's typed dialogue: name, consent (its day, evaluation, town, group), then phone, address, e-mail."""
    await lead.send("/stellvertretend")
    await lead.press("➕ Mitglied ohne Telegram")
    await lead.send(name)
    await lead.press(consent)
    if consent != NONE:
        await lead.press("Heute")
        await lead.press(evaluation)
        await lead.press(town)
        await lead.press(group)
    for step in ("phone", "address", "email"):
        if contact.get(step):
            await lead.send(contact[step])
        else:
            await lead.press(SKIP)


async def person_named(bot, name) -> Person:
    async with bot.db.transaction() as s:
        return (await s.execute(select(Person).where(Person.display_name == name))).scalar_one()


async def two_proxies(bot):
    """A team (lead Lea, two members in Telegram) and two members without Telegram added by Lea."""
    team, lead, members = await team_with_members(bot)
    await add_proxy(lead, "Erna Beispiel", phone="03671 123456", address="Markt 1, 07318 Saalfeld")
    await add_proxy(
        lead, "Kurt Muster", consent=PHONE, evaluation="Nein", town="Rudolstadt", group="Unternehmer*in",
        email="kurt@example.de",
    )  # fmt: skip
    return team, lead, members


async def test_a_lead_adds_a_member_without_telegram_with_consent_and_contact(bot):
    team, lead, _ = await team_with_members(bot)
    await add_proxy(lead, "Erna Beispiel", phone="03671 123456", address="Markt 1, 07318 Saalfeld")
    texts = [m.text for m in lead.messages[-2:]]
    assert texts[0].startswith("✅ Erna Beispiel ist eingetragen, mit Einwilligung.")
    assert "📞 03671 123456" in texts[1] and "🏠 Markt 1, 07318 Saalfeld" in texts[1]
    assert "Einwilligung auf Papier am 25.11.2026" in texts[1]
    erna = await person_named(bot, "Erna Beispiel")
    assert erna.telegram_id is None and (erna.town, erna.stakeholder_group) == ("saalfeld", "citizen")
    assert erna.evaluation_consent is True and erna.consent_version == bot.config.privacy_version
    async with bot.db.transaction() as s:
        proxy = await s.get(ProxyMember, erna.id)
        contact = await s.get(MemberContact, erna.id)
        consents = list((await s.execute(select(Consent.purpose).where(Consent.person_id == erna.id))).scalars())
        member = await s.get(Membership, (erna.id, team.id))
    assert (proxy.consent_form, str(proxy.consent_on), proxy.notice_version) == (
        "paper", "2026-11-25", bot.config.privacy_version,
    )  # fmt: skip
    assert proxy.recorded_by is not None and proxy.recorded_by.startswith("P-")
    assert contact.postal_address == "Markt 1\n07318 Saalfeld" and contact.email is None
    assert sorted(consents) == ["evaluation", "privacy"] and member.role == "member"


async def test_without_consent_only_name_team_and_contact_are_stored(bot):
    team, lead, _ = await team_with_members(bot)
    await lead.send("/stellvertretend")
    await lead.press("➕ Mitglied ohne Telegram")
    await lead.send("Otto Ohne")
    consent_question = lead.last_message().text
    assert "Ohne Einwilligung wird nur gespeichert, was du zum Einladen brauchst" in consent_question
    await lead.press(NONE)
    await lead.send("0361 55555")
    await lead.press(SKIP)
    await lead.press(SKIP)
    otto = await person_named(bot, "Otto Ohne")
    assert (otto.town, otto.stakeholder_group, otto.evaluation_consent, otto.consent_version) == (None, None, None, "")
    async with bot.db.transaction() as s:
        proxy = await s.get(ProxyMember, otto.id)
        assert (await s.scalar(select(func.count()).select_from(Consent).where(Consent.person_id == otto.id))) == 0
    assert proxy.consent_form is None and proxy.consent_on is None


async def test_bad_input_gets_a_friendly_answer_and_the_question_stays(bot):
    _, lead, _ = await team_with_members(bot)
    await lead.send("/stellvertretend")
    await lead.press("➕ Mitglied ohne Telegram")
    [answer] = await lead.send("E")
    assert answer.text == "Bitte gib einen Namen mit mindestens 2 Zeichen ein."
    await lead.send("Erna Beispiel")
    await lead.press(PAPER)
    [answer] = await lead.send("31.02.2026")
    assert answer.text.startswith("Bitte das Datum als Tag.Monat.Jahr tippen")
    [answer] = await lead.send("24.12.2026")  # in the future
    assert answer.text.startswith("Das Datum muss in den letzten 12 Monaten liegen")
    await lead.send("20.11.2026")
    await lead.press("Nein")
    await lead.press("Saalfeld")
    await lead.press("Bürger*in")
    [answer] = await lead.send("ruf mich an")
    assert answer.text.startswith("Das sieht nicht nach einer Telefonnummer aus")
    await lead.press(SKIP)
    [answer] = await lead.send("nur eine Zeile")
    assert answer.text.startswith("Bitte Straße und Ort angeben")
    await lead.press(SKIP)
    [answer] = await lead.send("erna@")
    assert answer.text.startswith("Das sieht nicht nach einer E-Mail-Adresse aus")
    await lead.send("/cancel")
    async with bot.db.transaction() as s:
        assert await s.scalar(select(func.count()).select_from(ProxyMember)) == 0


async def test_a_member_who_leads_nothing_cannot_add_and_a_forged_button_stores_nothing(bot):
    team, _, (anna, _) = await team_with_members(bot)
    [answer] = await anna.send("/stellvertretend")
    assert answer.text == "Mitglieder ohne Telegram tragen die Teamleitung und das Projektmanagement ein."
    await anna.press_data(f"px:1:add:{team.id}", message=answer)
    assert anna.callback_answers[-1][0].startswith("Mitglieder ohne Telegram tragen")
    async with bot.db.transaction() as s:
        assert await s.scalar(select(func.count()).select_from(Person).where(Person.telegram_id.is_(None))) == 0


async def test_walk_through_invited_answered_present_counted_and_linked(bot):
    team, lead, (anna, ben) = await two_proxies(bot)
    erna, kurt = await person_named(bot, "Erna Beispiel"), await person_named(bot, "Kurt Muster")
    meeting = await schedule(bot, lead, team, in_days(bot, 3))
    await bot.deliver()
    async with bot.db.transaction() as s:
        invited = set((await s.execute(select(Rsvp.person_id).where(Rsvp.meeting_id == meeting.id))).scalars())
        to_proxies = await s.scalar(
            select(func.count())
            .select_from(Outbox)
            .where(Outbox.person_id.in_([erna.id, kurt.id]), Outbox.kind.not_like("meeting_mail_%"))
        )
    assert {erna.id, kurt.id} <= invited and to_proxies == 0  # invited (Kurt by e-mail), but nothing for Telegram

    # the lead records both answers from the meeting's card
    await lead.send("/meetings")
    await lead.press("📞 Ohne Telegram (2): eintragen")
    await lead.press("Erna Beispiel: ❔ offen")
    await lead.press("✅ Zusage")
    await lead.press("Kurt Muster: ❔ offen")
    await lead.press("❌ Absage")
    await lead.press("Gesundheit")
    assert lead.last_message().button_texts() == ["Erna Beispiel: ✅ Zusage", "Kurt Muster: ❌ Absage"]
    async with bot.db.transaction() as s:
        assert (await s.get(Rsvp, (meeting.id, erna.id))).answer == "yes"
        kurt_rsvp = await s.get(Rsvp, (meeting.id, kurt.id))
        assert (kurt_rsvp.answer, kurt_rsvp.reason) == ("no", "health")

    # the headcount counts them and lists them as a call list
    await bot.deliver(advance=meeting.starts_at - bot.clock.now() - timedelta(hours=23))
    headcount = next(m for m in reversed(lead.messages) if "Telefonkette" in m.text)
    assert "• Erna Beispiel: 03671 123456 – ✅ Zusage" in headcount.text
    assert "• Kurt Muster: keine Nummer – ❌ Absage" in headcount.text

    # after the meeting the lead ticks Erna present and enters her survey answer by proxy
    bot.clock.set(meeting.starts_at + timedelta(minutes=meeting.duration_min))
    await lead.send("/attendance")
    await lead.press("Werkstatt Mobilität")
    await lead.press("◻ Erna Beispiel")
    assert "✅ Erna Beispiel" in lead.last_message().button_texts()
    await lead.press("📞 Ohne Telegram (2): eintragen")
    await lead.press("Erna Beispiel: ✅ Zusage")
    await lead.press("4")
    await lead.press("◀ Zurück")
    await lead.press("Kurt Muster: ❌ Absage")
    await lead.press("4")  # not present, and no consent to the evaluation: refused
    assert lead.callback_answers[-1][0].startswith("Nur wer als anwesend eingetragen ist")
    async with bot.db.transaction() as s:
        answers = list((await s.execute(select(SurveyAnswer).where(SurveyAnswer.meeting_id == meeting.id))).scalars())
        assert (await s.get(Rsvp, (meeting.id, erna.id))).attended is True
    assert [(a.person_id, a.usefulness, a.entered_by_proxy) for a in answers] == [(erna.id, 4, True)]

    # the manager's figures and the exports count them
    manager = bot.manager()
    [figures] = await manager.send("/stats")
    assert "Mitglieder: 6" in figures.text.split("\n")
    rows = {r["display_name"]: r for r in await _export(bot, "rsvps_attendance")}
    assert len(rows) == 5  # Lea, two members in Telegram, Erna and Kurt
    assert (rows["Erna Beispiel"]["attended"], rows["Kurt Muster"]["reason"]) == (True, "health")
    survey = await _export(bot, "survey_answers")
    assert [(r["usefulness"], r["entered_by_proxy"]) for r in survey] == [(4, True)]

    # Erna joins Telegram: the lead gives her a code, she links up and finds her history
    await lead.send("/stellvertretend")
    await lead.press("👤 Erna Beispiel")
    [issued] = await lead.press("🔗 Code für Telegram")
    code = re.search(r"Einmal-Code: (\w+)", issued.text).group(1)
    phone_erna = bot.user("Erna")
    [welcome, *_] = await phone_erna.send(f"/start link-{code}")
    assert welcome.text.startswith("🔗 Willkommen, Erna Beispiel!") and "Aktions-Team Daseinsvorsorge" in welcome.text
    replies = await phone_erna.send("/mydata")
    data = json.loads(replies[-1].document[1])
    assert data["person"]["id"] == erna.id and data["person"]["telegram_id"] == phone_erna.user_id
    assert [(r["meeting_id"], r["answer"], r["attended"]) for r in data["rsvps"]] == [(meeting.id, "yes", True)]
    assert data["proxy_members"][0]["consent_form"] == "paper" and data["proxy_members"][0]["linked_at"]

    # the code works once only
    [refused] = await bot.user("Mallory").send(f"/start link-{code}")
    assert refused.text.startswith("Dieser Code gilt nicht (mehr)")


async def test_a_link_code_expires_after_14_days_and_only_its_hash_is_stored(bot):
    _, lead, _ = await team_with_members(bot)
    await add_proxy(lead, "Kurt Muster", consent=PHONE)
    await lead.send("/stellvertretend")
    await lead.press("👤 Kurt Muster")
    [issued] = await lead.press("🔗 Code für Telegram")
    code = re.search(r"Einmal-Code: (\w+)", issued.text).group(1)
    async with bot.db.transaction() as s:
        hashes = list((await s.execute(select(LinkCode.code_hash))).scalars())
    assert len(hashes) == 1 and code not in hashes[0]
    bot.clock.advance(timedelta(days=14, minutes=1))
    kurt = bot.user("Kurt")
    [refused] = await kurt.send(f"/start link-{code}")
    assert refused.text.startswith("Dieser Code gilt nicht (mehr)")
    assert (await person_named(bot, "Kurt Muster")).telegram_id is None


async def test_a_registered_account_cannot_take_over_a_proxy_member(bot):
    _, lead, (anna, _) = await team_with_members(bot)
    await add_proxy(lead, "Kurt Muster", consent=PHONE)
    await lead.send("/stellvertretend")
    await lead.press("👤 Kurt Muster")
    [issued] = await lead.press("🔗 Code für Telegram")
    code = re.search(r"Einmal-Code: (\w+)", issued.text).group(1)
    [refused] = await anna.send(f"/start link-{code}")
    assert refused.text.startswith("Dieses Telegram-Konto ist schon angemeldet.")
    assert (await person_named(bot, "Kurt Muster")).telegram_id is None


async def test_linking_without_consent_on_record_asks_for_it_first(bot):
    _, lead, _ = await team_with_members(bot)
    await lead.send("/stellvertretend")
    await lead.press("➕ Mitglied ohne Telegram")
    await lead.send("Otto Ohne")
    await lead.press(NONE)
    for _ in range(3):
        await lead.press(SKIP)
    await lead.send("/stellvertretend")
    await lead.press("👤 Otto Ohne")
    [issued] = await lead.press("🔗 Code für Telegram")
    code = re.search(r"Einmal-Code: (\w+)", issued.text).group(1)
    otto = bot.user("Otto")
    replies = await otto.send(f"/start link-{code}")
    assert replies[0].text.startswith("🔗 Willkommen, Otto Ohne!")
    assert replies[1].text.startswith("Bisher ist über dich nur Name, Team und Kontakt gespeichert")
    await otto.press("✅ Ich stimme zu")
    await otto.press("Ja")
    await otto.press("Bürger*in")
    await otto.press("Rudolstadt")
    person = await person_named(bot, "Otto Ohne")
    assert (person.consent_version, person.evaluation_consent, person.town) == (
        bot.config.privacy_version, True, "rudolstadt",
    )  # fmt: skip


async def test_the_lead_hands_over_her_data_and_erases_her_like_deleteme(bot):
    team, lead, _ = await team_with_members(bot)
    await add_proxy(lead, "Erna Beispiel", phone="03671 123456")
    erna = await person_named(bot, "Erna Beispiel")
    await lead.send("/stellvertretend")
    await lead.press("👤 Erna Beispiel")
    [export] = await lead.press("📄 Ihre Daten (Auskunft)")
    filename, body, _ = export.document
    data = json.loads(body)
    assert filename == f"daten-{erna.pseudonym}.json"
    assert data["person"]["display_name"] == "Erna Beispiel" and data["member_contacts"][0]["phone"] == "03671 123456"
    await lead.press("🗑 Löschen", message=lead.messages[-2])
    await lead.press("🗑 Ja, löschen")
    assert lead.last_message().text == "🗑 Erna Beispiel ist gelöscht."
    async with bot.db.transaction() as s:
        assert await s.get(Person, erna.id) is None
        assert await s.get(MemberContact, erna.id) is None and await s.get(ProxyMember, erna.id) is None
        actions = list((await s.execute(select(AuditEntry.action).order_by(AuditEntry.id))).scalars())
    assert actions[-2:] == ["proxy_export", "proxy_erase"]


async def test_announcement_audiences_show_members_without_telegram_as_a_reach_of_their_own(bot):
    team, lead, _ = await two_proxies(bot)
    async with bot.db.transaction() as s:
        count = await announcements.count_audience(s, announcements.Audience(teams=(team.id,)))
    assert (count.recipients, count.offline) == (3, 2)
    from handlers.announcements.views import count_text

    assert "Reichweite: 5 Mitglieder, davon 2 ohne Telegram – Brief/E-Mail/Telefon" in count_text(count, "de")


async def _export(bot, what):
    from handlers.reports.views import vocabulary

    buf = io.BytesIO()
    async with bot.db.transaction() as s:
        await formats.run_export(
            s, stats.OPERATOR, what=what, fmt="json", scope=stats.Scope(), pseudonymised=False, out=buf,
            tz=bot.config.time_zone, vocabulary=vocabulary(bot.config, "de"), now=bot.clock.now(), via="test",
        )  # fmt: skip
    return json.loads(buf.getvalue())
