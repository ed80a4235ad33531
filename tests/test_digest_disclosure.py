"""The monthly digest is a released figure (docs/evaluation.md, "Who sees what"): its numbers and the bars of its
chart hide what stands for fewer than 5 people, its total never gives a hidden bar away, and a number once
released for a month changes only when at least 5 people stand behind the change."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from models.evaluation import digest
from models.evaluation.disclosure import Sum, derivable
from models.tables import Meeting, Rsvp
from scheduler import digest as digest_job
from tests.meeting_helpers import in_days, person_of, schedule, team_with_members
from tests.test_digest import BERLIN, FIRST_OF_DECEMBER_9, digests

NOVEMBER = digest.month_by_key("2026-11", BERLIN)


async def meeting_with(bot, lead, team, present, day: float):
    """A November meeting of two hours with exactly `present` (simulated users) there, no guests."""
    meeting = await schedule(bot, lead, team, in_days(bot, day), duration_min=120)
    ids = [(await person_of(bot, u)).id for u in present]
    async with bot.db.transaction() as s:
        await s.execute(update(Rsvp).where(Rsvp.meeting_id == meeting.id, Rsvp.person_id.in_(ids))
                        .values(attended=True))
        await s.execute(update(Meeting).where(Meeting.id == meeting.id).values(guests=0))
    return meeting


async def figures_of(bot, team, now=None):
    async with bot.db.transaction() as s:
        return await digest.month_figures(s, NOVEMBER, [team.id], {team.id: team.name_de}, BERLIN, now=now)


async def test_a_meeting_behind_few_people_is_no_bar_and_the_total_does_not_give_it_away(bot, monkeypatch):
    from models.reports import charts

    drawn, real = [], charts._png
    monkeypatch.setattr(charts, "_png", lambda fig: drawn.append(fig) or real(fig))
    team, lead, members = await team_with_members(bot, members=8)
    everyone = [lead, *members]
    await meeting_with(bot, lead, team, everyone[:8], 1)
    await meeting_with(bot, lead, team, everyone[:7], 3)
    await meeting_with(bot, lead, team, everyone[:3], 4)  # 3 people: their bar would point at them
    fig = await figures_of(bot, team)
    bars = [cell for _, cell in fig.by_bar]
    assert [c.suppressed for c in bars] == [False, True, True]  # 3 hidden, and 7 with it: 18 − 8 tells neither
    assert fig.attendees.value == 18 and bars[0].value == 8
    cells = [fig.attendees, *bars]
    assert derivable([c.suppressed for c in cells], [Sum(0, (1, 2, 3))]) == set()
    assert fig.hours.suppressed  # 2 h × each bar: the hours would tell the hidden bars
    bot.clock.set(FIRST_OF_DECEMBER_9)
    await digest_job.check(bot.app.bot_data["services"])
    await bot.deliver()
    (mine,) = digests(lead)
    assert "Teilnahmen (mit Gästen): 18" in mine.text and "Engagement-Stunden: •" in mine.text
    assert "„•“: weniger als 5 Personen – nicht gezeigt" in mine.text
    assert mine.photo is not None  # one bar shown, two marked "•", and under the axis how many are not shown
    (ax,) = [fig.axes[0] for fig in drawn if "Treffen (Tag)" in fig.axes[0].get_xlabel()]
    assert "2 von 3 Werten nicht gezeigt (•: weniger als 5 Personen)" in ax.get_xlabel()
    assert ax.get_ylabel() == "Teilnahmen (Personen, mit Gästen)" and ax.get_ylim()[0] == 0
    assert [t.get_text() for t in ax.texts] == ["8", "•", "•"]


async def test_a_digest_whose_every_bar_is_hidden_says_so_in_words_instead_of_a_chart(bot):
    team, lead, members = await team_with_members(bot, members=3)
    await meeting_with(bot, lead, team, [lead, *members[:2]], 1)
    bot.clock.set(FIRST_OF_DECEMBER_9)
    await digest_job.check(bot.app.bot_data["services"])
    await bot.deliver()
    (mine,) = digests(lead)
    assert mine.photo is None
    assert "Teilnahmen (mit Gästen): •" in mine.text and "Treffen: •" in mine.text
    assert "Die Grafik entfällt: Alle Teilnahmen stehen für weniger als 5 Personen" in mine.text


async def test_a_released_month_changes_only_when_five_more_people_stand_behind_the_change(bot):
    """Sent to the manager with 6 present; attendance of one more recorded late; the lead's digest of the same
    month, sent after, still says 6: 7 − 6 would be that one person. Five more: the new number."""
    team, lead, members = await team_with_members(bot, members=11)
    everyone = [lead, *members]
    meeting = await meeting_with(bot, lead, team, everyone[:6], 1)
    first = await figures_of(bot, team, now=FIRST_OF_DECEMBER_9)
    assert first.attendees.value == 6
    late = (await person_of(bot, everyone[6])).id
    async with bot.db.transaction() as s:
        await s.execute(update(Rsvp).where(Rsvp.meeting_id == meeting.id, Rsvp.person_id == late)
                        .values(attended=True))
    again = await figures_of(bot, team, now=FIRST_OF_DECEMBER_9 + timedelta(hours=1))
    assert again.attendees.value == 6 and again.attendees.n == 6  # what was released
    assert (await figures_of(bot, team)).attendees.value == 7  # not a release: the number as it is
    more = [(await person_of(bot, u)).id for u in everyone[7:11]]
    async with bot.db.transaction() as s:
        await s.execute(update(Rsvp).where(Rsvp.meeting_id == meeting.id, Rsvp.person_id.in_(more))
                        .values(attended=True))
    later = await figures_of(bot, team, now=FIRST_OF_DECEMBER_9 + timedelta(hours=2))
    assert later.attendees.value == 11  # 5 more people behind the change


async def test_a_released_month_that_lost_a_few_people_is_held_back(bot):
    team, lead, members = await team_with_members(bot, members=7)
    everyone = [lead, *members]
    meeting = await meeting_with(bot, lead, team, everyone[:7], 1)
    assert (await figures_of(bot, team, now=FIRST_OF_DECEMBER_9)).attendees.value == 7
    gone = (await person_of(bot, everyone[0])).id
    async with bot.db.transaction() as s:
        await s.execute(update(Rsvp).where(Rsvp.meeting_id == meeting.id, Rsvp.person_id == gone)
                        .values(attended=False))
    held = await figures_of(bot, team, now=FIRST_OF_DECEMBER_9 + timedelta(hours=1))
    assert held.attendees.suppressed  # neither 7 nor 6: together they would tell about the one who left
