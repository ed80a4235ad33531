"""Meeting notices by e-mail through a real SMTP server (aiosmtpd in the test process): a member with an e-mail
address (member_contacts) gets the invitation, a change, the cancellation and the reminders by e-mail too, beside
the Telegram messages, with the meeting's .ics attached, in her language; a retried or re-planned e-mail never
arrives twice; a member without an address gets none."""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage
from zoneinfo import ZoneInfo

from icalendar import Calendar
from sqlalchemy import select, update

from models.meetings import core as meetings
from models.tables import MemberContact, Outbox, Person
from tests.mail_helpers import body
from tests.mail_helpers import mbot as mbot  # the fixture
from tests.mail_helpers import smtp as smtp  # the fixture
from tests.meeting_helpers import in_days, person_of, schedule, team_with_members

ANNA = "anna.alt@example.org"
LEA = "lea.lead@example.org"
BERLIN = ZoneInfo("Europe/Berlin")


async def give_contact(bot, user, email=None, phone=None, postal=None) -> Person:
    """A member_contacts row, as the lead's proxy screens would store it."""
    person = await person_of(bot, user)
    async with bot.db.transaction() as s:
        s.add(
            MemberContact(
                person_id=person.id, email=email, phone=phone, postal_address=postal, updated_at=bot.clock.now()
            )
        )
    return person


async def planned(bot, **kw):
    """Lea's team with Anna (e-mail address) and Ben (none); Lea gives her phone and e-mail for the answers."""
    team, lea, (anna, ben) = await team_with_members(bot)
    await give_contact(bot, lea, email=LEA, phone="03671 123456")
    await give_contact(bot, anna, email=ANNA)
    meeting = await schedule(bot, lea, team, in_days(bot, 3), agenda="Bürgerbus am Abend", **kw)
    return team, lea, anna, ben, meeting


def calendar_of(mail: EmailMessage) -> Calendar:
    [part] = [p for p in mail.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert part.get_filename().endswith(".ics")
    return Calendar.from_ical(part.get_content())


def event_of(mail: EmailMessage):
    [event] = calendar_of(mail).walk("VEVENT")
    return event


async def mail_rows(bot, kind: str | None = None) -> list[Outbox]:
    async with bot.db.transaction() as s:
        q = select(Outbox).where(Outbox.kind.like("meeting_mail_%")).order_by(Outbox.id)
        if kind:
            q = q.where(Outbox.kind == kind)
        return list((await s.execute(q)).scalars())


async def test_the_invitation_reaches_her_by_email_with_the_ics_beside_telegram(mbot, smtp):
    bot, (box, _) = mbot, smtp
    team, lea, anna, ben, meeting = await planned(bot)
    await bot.deliver()
    [mail] = box.to(ANNA)
    assert mail["Subject"] == "Einladung: Werkstatt Mobilität – Samstag, 28. November 2026, 18:00 Uhr"
    assert mail["From"] == "bot@saalebogen.de" and mail["Reply-To"] == LEA  # "reply" reaches the lead
    text, html = body(mail, "plain"), body(mail, "html")
    for part in (text, html):
        assert "Guten Tag Mitglied0," in part and "Aktions-Team Daseinsvorsorge" in part
        assert "Markt 1, Saalfeld" in part and "Bürgerbus am Abend" in part and "(90 Minuten)" in part
        assert "Telefon: 03671 123456" in part and f"E-Mail: {LEA}" in part
    assert "Wann: Samstag, 28. November 2026, 18:00 Uhr (90 Minuten)" in text
    assert "Kommen Sie? Bitte sagen Sie Lea Bescheid:" in text and "treffen-1.ics" in text
    assert "<table" in html and "<" not in text
    event = event_of(mail)
    start = event.decoded("dtstart")
    assert start.tzinfo is not None and str(start.tzinfo) == "Europe/Berlin"
    assert (start.hour, start.minute) == (18, 0) and start == meeting.starts_at.astimezone(BERLIN)
    assert str(event["summary"]) == "Werkstatt Mobilität" and int(event["sequence"]) == 0
    assert str(event["uid"]) == f"meeting-{meeting.id}@actionbot" and str(event["status"]) == "CONFIRMED"
    assert "Markt 1, Saalfeld" in str(event["location"])
    # beside Telegram, not instead; Ben gave no address and gets no e-mail
    assert any("Einladung" in m.text for m in anna.messages) and any("Einladung" in m.text for m in ben.messages)
    assert [m["To"] for m in box.messages] == [ANNA]
    anna_id = (await person_of(bot, anna)).id
    assert [(r.kind, r.status, r.chat_id, r.person_id) for r in await mail_rows(bot, "meeting_mail_invitation")] == [
        ("meeting_mail_invitation", "sent", 0, anna_id)
    ]
    assert "to" not in (await mail_rows(bot))[0].payload  # the address is read at send time, not stored twice
    await bot.deliver(advance=timedelta(minutes=5))
    assert len(box.to(ANNA)) == 1


async def test_english_speakers_get_it_in_english(mbot, smtp):
    bot, (box, _) = mbot, smtp
    team, lea, (anna, _) = await team_with_members(bot)
    person = await give_contact(bot, anna, email=ANNA)
    async with bot.db.transaction() as s:
        await s.execute(update(Person).where(Person.id == person.id).values(language="en"))
    await schedule(bot, lea, team, in_days(bot, 3))
    await bot.deliver()
    [mail] = box.to(ANNA)
    assert mail["Subject"] == "Invitation: Werkstatt Mobilität – Saturday, 28 November 2026, 6:00 PM"
    text = body(mail, "plain")
    assert "Hello Mitglied0," in text and "Are you coming? Please let Lea know:" in text
    assert "Contact: projekt@example.org" in text  # Lea gave no phone or e-mail: the project's contact
    assert mail["Reply-To"] is None
    assert str(event_of(mail)["summary"]) == "Werkstatt Mobilität"


async def test_a_change_goes_out_by_email_with_the_updated_ics(mbot, smtp):
    bot, (box, _) = mbot, smtp
    team, lea, anna, ben, meeting = await planned(bot)
    await bot.deliver()
    later = meeting.starts_at + timedelta(days=1, hours=1)
    lea_person = await person_of(bot, lea)
    async with bot.db.transaction() as s:
        await meetings.change_meeting(
            s, lea_person, meeting.id, {"starts_at": later}, bot.clock.now(), bot.config.meetings, ["saalfeld"]
        )
    await bot.deliver()
    first, changed = box.to(ANNA)
    assert changed["Subject"] == "Geändert: Werkstatt Mobilität – Sonntag, 29. November 2026, 19:00 Uhr"
    text = body(changed, "plain")
    assert "Was sich geändert hat:" in text
    assert "- Zeit: Sa., 28. Nov. 2026, 18:00 Uhr → So., 29. Nov. 2026, 19:00 Uhr" in text
    assert "Wann: Sonntag, 29. November 2026, 19:00 Uhr" in text
    event = event_of(changed)
    assert int(event["sequence"]) == 1 and event.decoded("dtstart") == later.astimezone(BERLIN)
    assert str(event["uid"]) == str(event_of(first)["uid"])  # the calendar updates the same event
    assert len(box.to(ANNA)) == 2


async def test_a_cancellation_goes_out_by_email_and_its_reminders_never_do(mbot, smtp):
    bot, (box, _) = mbot, smtp
    team, lea, anna, ben, meeting = await planned(bot)
    await bot.deliver()
    anna_id = (await person_of(bot, anna)).id
    planned_rows = [r for r in await mail_rows(bot, "meeting_mail_reminder") if r.status == "pending"]
    assert sorted(r.payload["offset"] for r in planned_rows if r.person_id == anna_id) == [120, 1440]  # 24 h, 2 h
    lea_person = await person_of(bot, lea)
    async with bot.db.transaction() as s:
        await meetings.cancel_meeting(s, lea_person, meeting.id, bot.clock.now())
    await bot.deliver()
    cancel = box.to(ANNA)[-1]
    assert cancel["Subject"] == "Abgesagt: Werkstatt Mobilität – Samstag, 28. November 2026, 18:00 Uhr"
    text = body(cancel, "plain")
    assert "fällt leider aus" in text and "damit Ihr Kalender den Termin entfernt" in text
    assert "Kommen Sie?" not in text
    event = event_of(cancel)
    assert str(event["status"]) == "CANCELLED" and str(event["summary"]) == "Abgesagt: Werkstatt Mobilität"
    assert int(event["sequence"]) == 1
    assert {r.status for r in await mail_rows(bot, "meeting_mail_reminder")} == {"cancelled"}
    bot.clock.set(meeting.starts_at - timedelta(hours=2))
    await bot.deliver()
    assert [m["Subject"].split(":")[0] for m in box.to(ANNA)] == ["Einladung", "Abgesagt"]


async def test_reminders_by_email_come_on_time_and_stop_for_a_declined_member(mbot, smtp):
    bot, (box, _) = mbot, smtp
    team, lea, anna, ben, meeting = await planned(bot)
    await give_contact(bot, ben, email="ben@example.org")
    await bot.deliver()
    assert box.to("ben@example.org") == []  # his address came after the invitation
    async with bot.db.transaction() as s:
        ben_person = (await s.execute(select(Person).where(Person.telegram_id == ben.user_id))).scalar_one()
        assert await meetings.invite_by_mail(s, ben_person, bot.clock.now(), bot.config.meetings) == 1
    await bot.deliver()
    assert [m["Subject"].split(":")[0] for m in box.to("ben@example.org")] == ["Einladung"]
    async with bot.db.transaction() as s:  # asked again (the address saved twice): nothing doubles
        await meetings.invite_by_mail(s, ben_person, bot.clock.now(), bot.config.meetings)
    await bot.deliver()
    assert len(box.to("ben@example.org")) == 1
    await ben.press("Absage", message=[m for m in ben.messages if "Einladung" in m.text][-1])
    bot.clock.set(meeting.starts_at - timedelta(hours=24) + timedelta(minutes=1))
    await bot.deliver()
    reminder = box.to(ANNA)[-1]
    assert reminder["Subject"] == "Erinnerung: Werkstatt Mobilität – Samstag, 28. November 2026, 18:00 Uhr"
    assert "wir erinnern Sie an das nächste Treffen" in body(reminder, "plain")
    assert event_of(reminder).decoded("dtstart") == meeting.starts_at.astimezone(BERLIN)
    assert [m["Subject"].split(":")[0] for m in box.to("ben@example.org")] == ["Einladung"]  # declined: no reminder
    bot.clock.set(meeting.starts_at - timedelta(hours=2) + timedelta(minutes=1))
    await bot.deliver()
    await bot.deliver(advance=timedelta(minutes=1))
    assert [m["Subject"].split(":")[0] for m in box.to(ANNA)] == ["Einladung", "Erinnerung", "Erinnerung"]


async def test_a_temporary_smtp_error_is_retried_and_the_email_arrives_once(mbot, smtp):
    bot, (box, _) = mbot, smtp
    box.fail_next = ["451 4.3.0 Mailbox busy, try again later"]
    await planned(bot)
    await bot.deliver()
    [row] = await mail_rows(bot, "meeting_mail_invitation")
    assert row.status == "pending" and row.last_error.startswith("smtp 451")
    assert box.to(ANNA) == []
    await bot.deliver(advance=timedelta(seconds=6))
    await bot.deliver(advance=timedelta(minutes=10))
    assert len(box.to(ANNA)) == 1
    [row] = await mail_rows(bot, "meeting_mail_invitation")
    assert row.status == "sent"


async def test_a_removed_address_gets_nothing_more_and_a_refused_one_tells_the_manager(mbot, smtp):
    bot, (box, _) = mbot, smtp
    box.fail_next = ["550 5.1.1 No such mailbox"]
    team, lea, anna, ben, meeting = await planned(bot)
    manager = bot.manager()
    await bot.deliver()
    [row] = await mail_rows(bot, "meeting_mail_invitation")
    assert row.status == "failed"
    await bot.deliver()
    assert any(f"Eine E-Mail an {ANNA} ging nicht hinaus" in m.text for m in manager.messages)
    anna_id = (await person_of(bot, anna)).id
    async with bot.db.transaction() as s:
        await s.execute(update(MemberContact).where(MemberContact.person_id == anna_id).values(email=None))
    bot.clock.set(meeting.starts_at - timedelta(hours=24) + timedelta(minutes=1))
    await bot.deliver()
    assert box.to(ANNA) == []
    reminders = [r for r in await mail_rows(bot, "meeting_mail_reminder") if r.person_id == anna_id]
    assert [r.status for r in reminders if r.payload["offset"] == 1440] == ["skipped"]  # no address any more


async def test_muted_reminders_are_muted_by_email_too_and_come_back_when_unmuted(mbot, smtp):
    from models.people import set_mute_reminders

    bot, (box, _) = mbot, smtp
    team, lea, anna, ben, meeting = await planned(bot)
    await bot.deliver()
    async with bot.db.transaction() as s:
        person = await s.get(Person, (await person_of(bot, anna)).id)
        await set_mute_reminders(s, person, True, bot.clock.now(), bot.config.meetings)
    bot.clock.set(meeting.starts_at - timedelta(hours=24) + timedelta(minutes=1))
    await bot.deliver()
    assert [m["Subject"].split(":")[0] for m in box.to(ANNA)] == ["Einladung"]
    async with bot.db.transaction() as s:
        person = await s.get(Person, person.id)
        await set_mute_reminders(s, person, False, bot.clock.now(), bot.config.meetings)
    bot.clock.set(meeting.starts_at - timedelta(hours=2) + timedelta(minutes=1))
    await bot.deliver()
    assert [m["Subject"].split(":")[0] for m in box.to(ANNA)] == ["Einladung", "Erinnerung"]
