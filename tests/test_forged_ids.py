"""Forged buttons with numbers no row can have: refused like any stale button, on SQLite and PostgreSQL alike.

Row ids, counts and pages live in Integer columns (32 bits on PostgreSQL); a larger number must never reach
a query (PostgreSQL would fail the whole update with an internal error).
"""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import select

from models.tables import Base
from tests.meeting_helpers import in_days, schedule, team_with_members

STALE = ("Dieser Knopf ist nicht mehr aktuell. Tippe /start für das Menü.", True)
TOO_BIG = (2**31, 2**32 + 1, 10**18 - 1, 2**63 - 1, 2**63, 2**64)

# every button that carries an id, count or page; {} is the forged number, {m} a real meeting, {t} a real team
FORGED = [
    "team:1:join:{}",
    "team:1:leave:{}",
    "ml:1:t:{}:0",
    "ml:1:t:{t}:{}",
    "ml:1:p:{t}:{}:0",
    "ml:1:p:{}:1:0",
    "sup:1:{}:0",
    "idp:1:{}",
    "rsvp:1:{}:yes",
    "rsn:1:{}:none",
    "nudge:1:{}",
    "ics:1:{}",
    "me:1:edit:{}",
    "me:1:cx:{}",
    "pl:1:r:{}",
    "pl:1:k:{}:1",
    "pv:1:{}:yes",
    "grp_link:1:{}:1",
    "att:1:{}:show:0",
    "att:1:{m}:show:{}",
    "att:1:{m}:y:{}:0",
    "att:1:{m}:g:{}:0",
    "anx:1:{}",
    "anl:1:d:{}:0",
    "anl:1:p:{}",
    "ia:1:l:w:{}",
    "ia:1:i:{}:w:0",
    "ia:1:s:{}:planned",
    "ia:1:m:{}:0",
    "fol:1:{}",
    "fol:1:0:{}",
    "ic:1:{}:o",
    "ic:1:{}:f:t:shared_goal:1",
    "sim:1:l:{}",
    "sim:1:a:{}:1:0",
    "sim:1:m:1:{}:0",
    "sim:1:d:{}:1:0",
    "sim:1:a:1:2:{}",
]


async def _snapshot(bot) -> dict[str, list[tuple[object, ...]]]:
    async with bot.db.transaction() as s:
        return {
            table.name: sorted((tuple(row) for row in (await s.execute(select(table))).all()), key=repr)
            for table in Base.metadata.sorted_tables
        }


@pytest.mark.parametrize("template", FORGED)
async def test_a_forged_number_beyond_any_row_is_a_stale_button(bot, template, caplog):
    team, lead, _ = await team_with_members(bot, members=1)
    meeting = await schedule(bot, lead, team, in_days(bot, 1))
    bot.clock.advance(timedelta(days=2))  # the meeting is over: its attendance list is open
    manager = bot.manager()
    await manager.send("/help")  # a message of the bot in the manager's chat to press on
    before = await _snapshot(bot)
    caplog.set_level(logging.ERROR)
    for number in TOO_BIG:  # the manager passes every permission check, so the number is what gets checked
        await manager.press_data(template.format(number, m=meeting.id, t=team.id))
        assert manager.callback_answers[-1] == STALE, (template, number)
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert await _snapshot(bot) == before


async def _nonce(user) -> str:
    return user.last_message().flat_buttons()[0].callback_data.split(":")[2]


async def test_a_forged_team_in_a_dialogue_is_a_stale_button(bot, caplog):
    await team_with_members(bot, members=1)
    manager = bot.manager()
    caplog.set_level(logging.ERROR)
    await manager.send("/announce")
    await manager.send("Liebe Aktive, am Samstag ist Werkstatt!")
    nonce, before = await _nonce(manager), await _snapshot(bot)
    for number in TOO_BIG:
        await manager.press_data(f"an:1:{nonce}:t:{number}")
        assert manager.callback_answers[-1] == STALE
    assert await _snapshot(bot) == before
    await manager.send("/meeting")  # the manager may schedule for every team: the team step comes first
    nonce, before = await _nonce(manager), await _snapshot(bot)
    for number in TOO_BIG:
        await manager.press_data(f"mt:1:{nonce}:team:{number}")
        assert manager.callback_answers[-1] == STALE
    assert await _snapshot(bot) == before
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


async def test_an_instant_after_2038_still_decodes(bot):
    """Instants are seconds, not row ids: the codec's wider range lets a far-future plan reach the dialogue."""
    team, lead, _ = await team_with_members(bot, members=1)
    await lead.send("/announce")
    await lead.send("Liebe Aktive, am Samstag ist Werkstatt!")
    await lead.press("Weiter")
    await lead.press("Planen für")
    picker = lead.last_message()
    nonce = picker.flat_buttons()[0].callback_data.split(":")[2]
    await lead.press_data(f"an:1:{nonce}:at:{2**31 + 3600}", message=picker)
    assert "nicht mehr aktuell" not in (lead.callback_answers[-1][0] or "")
    assert "2038" in lead.last_message().text


def test_the_codec_knows_the_range_of_each_kind_of_number():
    from handlers.codec import BadCallback, decode

    ids = decode(f"x:1:0:{2**31 - 1}:007:{2**31}:-1:1x")
    assert (ids.int(0), ids.int(1), ids.int(2)) == (0, 2**31 - 1, 7)
    big = decode(f"x:1:{2**31}:-1:{2**63 - 1}:-{2**63}")
    assert (big.bigint(0), big.bigint(1), big.bigint(2), big.bigint(3)) == (2**31, -1, 2**63 - 1, -(2**63))
    beyond = decode(f"x:1:{2**63}:-{2**63 + 1}")
    for cb, i in ((ids, 3), (ids, 4), (ids, 5)):
        with pytest.raises(BadCallback):
            cb.int(i)
    for i in (0, 1):
        with pytest.raises(BadCallback):
            beyond.bigint(i)
