"""Announcements through the delivery engine: scheduling, 403, 429, a restart mid-send, progress and reports."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select, update

from handlers.announcements import progress as announcements_progress
from models import outbox
from models.tables import Announcement, AuditEntry, Outbox, Person
from tests.announce_helpers import ANNOUNCE_TEXT, announcements, body, compose, copies, rows, send_now
from tests.conftest import start_bot, stop_bot
from tests.meeting_helpers import team_with_members

DASEIN = "Aktions-Team Daseinsvorsorge"


def attempts_to(fake, user):
    """Every sendMessage of the announcement to `user`, answered with success or not."""
    return [
        p
        for name, p in fake.requests
        if name == "sendMessage" and p.get("chat_id") == user.user_id and body(p.get("text")) == ANNOUNCE_TEXT
    ]


async def test_a_scheduled_announcement_goes_out_only_when_due(bot):
    team, lead, (anna, ben) = await team_with_members(bot)
    manager = bot.manager()
    await compose(manager, DASEIN)
    await manager.press("Planen für")
    await manager.send("morgen 9 Uhr")  # the clock says Wed 25 Nov, 10:00 in Berlin
    assert "Do., 26. Nov. 2026, 09:00 Uhr" in manager.last_message().text
    await manager.press("Ja, so planen")
    assert "geplant für Do., 26. Nov. 2026, 09:00 Uhr" in manager.last_message().text
    await bot.deliver()
    bot.clock.set(datetime(2026, 11, 26, 7, 59, tzinfo=UTC))
    await bot.deliver()
    await announcements_progress.tick(bot.app)
    assert copies(anna) == 0 and copies(ben) == 0
    await bot.deliver(advance=timedelta(minutes=1))
    assert copies(anna) == 1 and copies(ben) == 1
    await announcements_progress.tick(bot.app)
    assert "fertig" in manager.last_message().text
    async with bot.db.transaction() as s:
        actions = list((await s.execute(select(AuditEntry.action))).scalars())
    assert "announce_scheduled" in actions


async def test_a_scheduled_announcement_can_be_called_off(bot):
    team, lead, (anna, _) = await team_with_members(bot)
    manager = bot.manager()
    await compose(manager, DASEIN)
    await manager.press("Planen für")
    await manager.press("Do., 26. Nov. 2026, 08:00 Uhr")  # a quick choice
    await manager.press("Ja, so planen")
    await manager.press("Planung aufheben")
    assert "nicht gesendet" in manager.last_message().text
    await bot.deliver(advance=timedelta(days=2))
    assert copies(anna) == 0
    assert {r.status for r in await rows(bot)} == {"cancelled"}


async def test_a_blocked_member_is_marked_unreachable_and_not_tried_again(bot):
    team, lead, (anna, ben) = await team_with_members(bot)
    bot.fake.block(anna.user_id)
    await send_now(bot, bot.manager(), DASEIN)
    await bot.deliver(advance=timedelta(hours=1))
    assert len(attempts_to(bot.fake, anna)) == 1
    assert copies(ben) == 1
    row = next(r for r in await rows(bot) if r.chat_id == anna.user_id)
    assert (row.status, row.attempts) == ("unreachable", 1)
    async with bot.db.transaction() as s:
        person = (await s.execute(select(Person).where(Person.telegram_id == anna.user_id))).scalar_one()
    assert person.unreachable_at is not None


async def test_a_429_waits_as_long_as_telegram_asks(bot):
    team, lead, (anna, ben) = await team_with_members(bot)
    bot.fake.rate_limit(anna.user_id, retry_after=1)
    manager = bot.manager()
    await compose(manager, DASEIN)
    await manager.press("Jetzt senden")
    await bot.deliver()
    assert copies(anna) == 0 and copies(ben) == 1
    row = next(r for r in await rows(bot) if r.chat_id == anna.user_id)
    assert row.status == "pending" and row.due_at == bot.clock.now() + timedelta(seconds=1)
    await bot.deliver()  # not yet: the clock has not moved
    assert copies(anna) == 0
    await bot.deliver(advance=timedelta(seconds=1))
    assert copies(anna) == 1
    assert len(attempts_to(bot.fake, anna)) == 2


async def test_a_restart_in_the_middle_sends_nobody_a_second_copy(bot, fake, db):
    team, lead, members = await team_with_members(bot, members=4)
    manager = bot.manager()
    await compose(manager, DASEIN)
    await manager.press("Jetzt senden")
    d = bot.dispatcher
    async with db.transaction() as s:  # the old process took three rows, sent two, then died
        ids = await outbox.claim_due(s, d.worker, bot.clock.now(), limit=3)
    for row_id in ids[:2]:
        await d._send_one(row_id)
    await stop_bot(bot)
    restarted = await start_bot(fake, db, bot.clock)
    try:
        bot.clock.advance(timedelta(minutes=3))  # past the dead worker's lease
        async with db.transaction() as s:
            await outbox.recover(s, bot.clock.now(), d.lease)
        await restarted.deliver()
        await announcements_progress.tick(restarted.app)
    finally:
        await stop_bot(restarted)
    for user in (lead, *members):
        assert copies(user) == 1, user
    assert {r.status for r in await rows(restarted)} == {"sent"}
    assert "Zugestellt: 5 von 5" in manager.last_message().text


async def test_progress_updates_and_ends_with_the_report_by_town_group_and_team(bot):
    team, lead, (anna, ben) = await team_with_members(bot)  # towns: Bad Blankenburg, Saalfeld, Rudolstadt
    bot.fake.block(ben.user_id)
    manager = bot.manager()
    await compose(manager, DASEIN)
    await manager.press("Jetzt senden")
    progress = manager.last_message()
    d = bot.dispatcher
    async with bot.db.transaction() as s:
        ids = await outbox.claim_due(s, d.worker, bot.clock.now(), limit=1)
    await d._send_one(ids[0])
    await announcements_progress.tick(bot.app)
    assert "1 / 3 zugestellt" in progress.text
    await bot.deliver()
    await announcements_progress.tick(bot.app)
    assert progress.text.startswith("📢 Ankündigung #1: fertig")
    assert "✅ Zugestellt: 2 von 3\n🚫 Nicht erreichbar: 1\n⚠️ Fehlgeschlagen: 0" in progress.text
    assert "Nach Ort\nBad Blankenburg: ✅ 1 · 🚫 0 · ⚠️ 0\nRudolstadt: ✅ 0 · 🚫 1 · ⚠️ 0" in progress.text
    assert "Nach Gruppe\nBürger*in: ✅ 2 · 🚫 1 · ⚠️ 0" in progress.text
    assert f"Nach Team\n{DASEIN}: ✅ 2 · 🚫 1 · ⚠️ 0" in progress.text
    (ann,) = await announcements(bot)
    assert ann.status == "done" and ann.finished_at == bot.clock.now()


async def test_progress_counts_in_german_number_format(bot):
    manager = await bot.register(bot.manager())
    now = bot.clock.now()
    async with bot.db.transaction() as s:
        await s.execute(
            insert(Person),
            [
                dict(
                    telegram_id=5_000_000 + i,
                    display_name=f"P{i}",
                    language="de",
                    stakeholder_group="citizen",
                    town="saalfeld",
                    pseudonym=f"P-B{i:07d}",
                    consent_version="v",
                    consent_at=now,
                    created_at=now,
                )
                for i in range(3399)
            ],
        )
    await compose(manager, "Alle")
    assert "Empfänger*innen: 3.400" in manager.last_message().text
    await manager.press("Jetzt senden")
    progress = manager.last_message()
    async with bot.db.transaction() as s:
        ids = list((await s.execute(select(Outbox.id).order_by(Outbox.id).limit(1240))).scalars())
        await s.execute(update(Outbox).where(Outbox.id.in_(ids)).values(status="sent"))
    await announcements_progress.tick(bot.app)
    assert "1.240 / 3.400 zugestellt" in progress.text


async def test_announcements_lists_figures_and_unreachable_names_per_team(bot):
    team, lead, (anna, ben) = await team_with_members(bot)
    karl = await bot.register(bot.user("Karl"))
    await karl.send("/teams")
    await karl.press("Beitreten: Aktions-Team Fachkräfte")
    bot.fake.block(anna.user_id)
    bot.fake.block(karl.user_id)
    manager = bot.manager()
    await send_now(bot, manager, "Alle")
    listing = (await manager.send("/announcements"))[-1].text
    assert "✅ 3 / 5 zugestellt · 🚫 2 nicht erreichbar · ⚠️ 0 fehlgeschlagen" in listing
    assert f"🚫 {DASEIN} (Teamleitung: Lea): Mitglied0" in listing  # the manager may ask the lead
    assert "🚫 Aktions-Team Fachkräfte: Karl" in listing
    lead_view = (await lead.send("/announcements"))[-1].text
    assert f"🚫 {DASEIN}: Mitglied0" in lead_view and "Karl" not in lead_view


async def test_the_report_button_shows_the_breakdown(bot):
    team, lead, _ = await team_with_members(bot)
    manager = bot.manager()
    await send_now(bot, manager, DASEIN)
    await manager.send("/announcements")
    await manager.press("Bericht #1")
    assert "Nach Ort" in manager.last_message().text and "Nach Team" in manager.last_message().text


async def test_a_member_who_opts_out_mid_send_is_skipped(bot):
    from models.announcements.core import set_announcements_opt_out

    team, lead, (anna, ben) = await team_with_members(bot)
    manager = bot.manager()
    await compose(manager, DASEIN)
    await manager.press("Jetzt senden")
    async with bot.db.transaction() as s:
        person = (await s.execute(select(Person).where(Person.telegram_id == anna.user_id))).scalar_one()
        assert set_announcements_opt_out(person, True)
    await bot.deliver()
    assert copies(anna) == 0 and copies(ben) == 1
    async with bot.db.transaction() as s:
        ann = (await s.execute(select(Announcement))).scalar_one()
    assert ann.text_html == ANNOUNCE_TEXT
