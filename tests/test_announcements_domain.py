"""The announcement rules on their own: audiences, permissions, content limits, the rows created."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from handlers.announcements.views import num
from models.announcements import core as domain
from models.announcements.core import Audience, Content, CountChanged
from models.errors import Refusal
from models.people import register
from models.tables import Announcement, Membership, Outbox, Team
from tests.conftest import START

TOWNS, GROUPS = ["saalfeld", "rudolstadt", "bad_blankenburg"], ["citizen", "entrepreneur", "administration"]


class World:
    def __init__(self, s):
        self.s = s
        self.n = 0

    async def person(self, town="saalfeld", group="citizen", teams=(), lead_of=(), manager=False, **kw):
        self.n += 1
        p, _ = await register(
            self.s,
            telegram_id=1000 + self.n,
            display_name=f"P{self.n}",
            language="de",
            privacy_version="v",
            now=START,
            managers=[1000 + self.n] if manager else [],
        )
        p.town, p.stakeholder_group = town, group
        for key, value in kw.items():
            setattr(p, key, value)
        for team in teams:
            self.s.add(
                Membership(
                    person_id=p.id, team_id=team.id, role="lead" if team in lead_of else "member", joined_at=START
                )
            )
        await self.s.flush()
        return p

    async def team(self, slug):
        team = Team(
            slug=slug, field="f", name_de=slug, name_en=slug, description_de="", description_en="", created_at=START
        )
        self.s.add(team)
        await self.s.flush()
        return team


async def count(s, **audience):
    return (await domain.count_audience(s, Audience(**audience))).recipients


async def test_teams_are_or_ed_and_kinds_are_and_ed(db):
    async with db.transaction() as s:
        w = World(s)
        a, b = await w.team("a"), await w.team("b")
        await w.person(teams=[a, b])  # in both: counted once
        await w.person(teams=[a], town="rudolstadt")
        await w.person(teams=[b], group="entrepreneur")
        await w.person()
        assert await count(s, teams=(a.id, b.id)) == 3
        assert await count(s, teams=(a.id, b.id), towns=("saalfeld",)) == 2
        assert await count(s, teams=(b.id,), towns=("saalfeld",), groups=("entrepreneur",)) == 1
        assert await count(s, everyone=True) == 4


async def test_unfinished_registrations_opted_out_and_unreachable_are_left_out(db):
    async with db.transaction() as s:
        w = World(s)
        await w.person()
        await w.person(town=None)
        await w.person(announcements_opt_out=True)
        await w.person(unreachable_at=START)
        n = await domain.count_audience(s, Audience(everyone=True))
    assert (n.recipients, n.opted_out, n.unreachable) == (1, 1, 1)


async def test_a_lead_may_address_only_their_own_teams(db):
    async with db.transaction() as s:
        w = World(s)
        a, b = await w.team("a"), await w.team("b")
        lead = await w.person(teams=[a], lead_of=[a])
        scope = await domain.scope_of(s, lead)
        await domain.check_audience(s, scope, Audience(teams=(a.id,), towns=("saalfeld",)), TOWNS, GROUPS)
        for bad in (
            Audience(everyone=True),
            Audience(teams=(b.id,)),
            Audience(teams=(a.id, b.id)),
            Audience(towns=("saalfeld",)),
        ):
            with pytest.raises(Refusal) as refused:
                await domain.check_audience(s, scope, bad, TOWNS, GROUPS)
            assert refused.value.key == "announce.own_team_only"


async def test_a_plain_member_may_not_announce(db):
    async with db.transaction() as s:
        member = await World(s).person()
        with pytest.raises(Refusal) as refused:
            await domain.scope_of(s, member)
    assert refused.value.key == "announce.not_allowed"


async def test_unknown_towns_groups_and_teams_are_refused(db):
    async with db.transaction() as s:
        scope = domain.Scope(manager=True)
        for bad in (Audience(towns=("berlin",)), Audience(groups=("x",)), Audience(teams=(999,))):
            with pytest.raises(Refusal):
                await domain.check_audience(s, scope, bad, TOWNS, GROUPS)


def test_text_limits_are_counted_like_telegram_after_parsing_in_utf16():
    domain.check_content(Content("<b>" + "x" * 4096 + "</b>"))  # tags do not count
    domain.check_content(Content("&lt;" * 4096))  # an entity is one character
    with pytest.raises(Refusal):
        domain.check_content(Content("😀" * 2049))  # 4098 UTF-16 units
    domain.check_content(Content("x" * 1024, domain.PHOTO, "file-1"))
    with pytest.raises(Refusal):
        domain.check_content(Content("x" * 1025, domain.DOCUMENT, "file-1"))
    domain.check_content(Content("", domain.PHOTO, "file-1"))  # a photo needs no caption
    with pytest.raises(Refusal):
        domain.check_content(Content("<b> </b>"))


async def test_create_makes_one_row_per_recipient_after_reminders_without_expiry(db):
    async with db.transaction() as s:
        w = World(s)
        a, b = await w.team("a"), await w.team("b")
        manager = await w.person(manager=True)
        both = await w.person(teams=[a, b])
        gone = await w.person(teams=[a], unreachable_at=START)
        await w.person(teams=[b], announcements_opt_out=True)
        at = START + timedelta(days=1)
        ann = await domain.create(
            s,
            manager,
            Content("Hallo"),
            Audience(teams=(a.id, b.id)),
            START,
            towns=TOWNS,
            groups=GROUPS,
            scheduled_at=at,
            expected=1,
        )
        rows = list((await s.execute(select(Outbox).order_by(Outbox.person_id))).scalars())
    assert (ann.status, ann.recipients, ann.scheduled_at) == ("scheduled", 1, at)
    assert [(r.person_id, r.status) for r in rows] == [(both.id, "pending"), (gone.id, "unreachable")]
    assert all(r.kind == "announcement" and r.priority == 10 and r.expires_at is None for r in rows)
    assert all(r.due_at == at and r.announcement_id == ann.id for r in rows)


async def test_a_changed_audience_stores_nothing_and_says_the_new_number(db):
    async with db.transaction() as s:
        w = World(s)
        manager = await w.person(manager=True)
        await w.person()
        with pytest.raises(CountChanged) as changed:
            await domain.create(
                s, manager, Content("Hallo"), Audience(everyone=True), START, towns=TOWNS, groups=GROUPS, expected=1
            )
        assert changed.value.count == 2
        assert (await s.execute(select(Announcement))).first() is None


async def test_opting_out_says_whether_it_changed(db):
    async with db.transaction() as s:
        person = await World(s).person()
    assert domain.set_announcements_opt_out(person, True) is True
    assert domain.set_announcements_opt_out(person, True) is False
    assert person.announcements_opt_out is True
    assert domain.set_announcements_opt_out(person, False) is True


def test_numbers_are_formatted_per_language():
    assert (num(1240, "de"), num(3400, "en")) == ("1.240", "3,400")
