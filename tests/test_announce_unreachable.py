"""The final report (the sender's edited progress message) names who was not reached, per team, as far as the
sender may see them, says how to reach them otherwise, and always fits into one Telegram message."""

import re

from sqlalchemy import insert, select, update

from handlers.announcements import progress as announcements_progress
from handlers.common import visible_len
from models.tables import Membership, Person, Team
from tests.announce_helpers import announcements, compose, send_now
from tests.meeting_helpers import team_with_members

DASEIN = "Aktions-Team Daseinsvorsorge"
FACHKRAEFTE = "Aktions-Team Fachkräfte"


async def join(user, team: str) -> None:
    await user.send("/teams")
    await user.press(f"Beitreten: {team}")


async def test_the_managers_report_names_the_unreached_per_team_with_their_lead_and_how_to_reach_them(bot):
    team, lead, (anna, ben) = await team_with_members(bot)
    karl = await bot.register(bot.user("Karl"))
    await join(karl, FACHKRAEFTE)
    loner = await bot.register(bot.user("Olga"))  # in no team
    for user in (anna, karl, loner):
        bot.fake.block(user.user_id)
    manager = bot.manager()
    await compose(manager, "Alle")
    await manager.press("Jetzt senden")
    progress = manager.last_message()
    await bot.deliver()
    await announcements_progress.tick(bot.app)
    report = progress.text
    assert report.startswith("📢 Ankündigung #1: fertig")
    assert "Nicht erreicht (Bot blockiert oder Telegram-Konto gelöscht):" in report
    assert f"🚫 {DASEIN} (Teamleitung: Lea): Mitglied0\n" in report
    assert f"🚫 {FACHKRAEFTE}: Karl\n" in report  # a team without a lead: nobody to name
    assert "🚫 ohne Team: Olga\n" in report
    assert "Mitglied1" not in report.split("Nicht erreicht")[1]  # reached: not named
    assert "persönlich, per Telefon oder beim nächsten Treffen" in report
    assert "Die Teamleitung in Klammern kennt ihre Leute" in report and "/members" in report
    assert "Alle Namen" not in report  # nothing was left out
    (ann,) = await announcements(bot)
    assert ann.status == "done"


async def test_a_leads_report_names_only_their_own_teams_unreached_members(bot):
    team, lead, (anna, ben) = await team_with_members(bot)
    await join(anna, FACHKRAEFTE)
    bot.fake.block(anna.user_id)
    bot.fake.block(ben.user_id)
    await compose(lead)  # a lead's own team is chosen already
    await lead.press("Jetzt senden")
    progress = lead.last_message()
    await bot.deliver()
    await announcements_progress.tick(bot.app)
    report = progress.text
    assert f"🚫 {DASEIN}: Mitglied0, Mitglied1\n" in report  # the sender leads it alone: no "(Teamleitung …)"
    assert FACHKRAEFTE not in report  # Anna's other team is not the lead's business
    assert "Teamleitung in Klammern" not in report


async def test_a_report_with_hundreds_unreached_fits_one_message_and_points_to_all_names(bot):
    team, lead, _ = await team_with_members(bot)
    now = bot.clock.now()
    async with bot.db.transaction() as s:
        teams = {t.slug: t.id for t in (await s.execute(select(Team))).scalars()}
        first = await s.scalar(select(Person.id).order_by(Person.id.desc()).limit(1))
        await s.execute(
            insert(Person),
            [
                dict(
                    telegram_id=6_000_000 + i,
                    display_name=f"Langer Vorname Nachname-{i:04d}",
                    language="de",
                    stakeholder_group="citizen",
                    town="saalfeld",
                    pseudonym=f"P-U{i:07d}",
                    consent_version="v",
                    consent_at=now,
                    created_at=now,
                    unreachable_at=now,  # blocked the bot before: their rows are unreachable at once
                )
                for i in range(600)
            ],
        )
        slugs = sorted(teams)
        await s.execute(
            insert(Membership),
            [
                dict(person_id=first + 1 + i, team_id=teams[slugs[i % len(slugs)]], role="member", joined_at=now)
                for i in range(600)
            ],
        )
    manager = bot.manager()
    await send_now(bot, manager, "Alle")
    (ann,) = await announcements(bot)
    assert ann.status == "done"  # the report was shown, so the announcement counts as done
    report = next(m for m in manager.messages if m.message_id == ann.progress_message_id).text
    assert report.startswith("📢 Ankündigung #1: fertig")
    assert visible_len(report) <= 4096
    assert "🚫 Nicht erreichbar: 600" in report
    assert f"🚫 {DASEIN} (Teamleitung: Lea): Langer Vorname Nachname-0000, " in report
    lines = [line for line in report.split("\n") if line.startswith("🚫 Aktions-Team")]
    assert len(lines) == 3  # every team gets its share of the room
    assert all(re.search(r"Nachname-\d{4} und \d+ weitere$", line) for line in lines)  # the rest is counted
    assert "Alle Namen: /announcements → „📊 Bericht #1“" in report
    await manager.send("/announcements")
    full = await manager.press("Bericht #1")
    every = "\n".join(m.text for m in full)
    assert all(f"Nachname-{i:04d}" in every for i in range(600))  # the report button shows every name


async def test_the_report_comes_even_if_the_sender_is_no_longer_a_lead(bot):
    team, lead, (anna, _) = await team_with_members(bot)
    bot.fake.block(anna.user_id)
    await compose(lead)
    await lead.press("Jetzt senden")
    progress = lead.last_message()
    async with bot.db.transaction() as s:
        await s.execute(update(Membership).where(Membership.role == "lead").values(role="member"))
    await bot.deliver()
    await announcements_progress.tick(bot.app)
    assert progress.text.startswith("📢 Ankündigung #1: fertig")
    assert "🚫 Nicht erreichbar: 1" in progress.text and "Mitglied0" not in progress.text
