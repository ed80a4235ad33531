"""Privacy self-service: /mydata sends everything stored about me, /deleteme erases me after a confirmation."""

from __future__ import annotations

import json

from sqlalchemy import JSON, Integer, String, Text, func, select

from models import drafts, people
from models.ideas import core as ideas
from models.privacy.core import PERSONAL_TABLES, erase_person, export_person
from models.tables import Base, Draft, Idea, IdeaSupport, IdeaTown, Membership, Person, Team
from tests.conftest import START
from tests.test_ideas import IDEA, join_team, submit_idea

BEN_IDEA = "Bens Idee: ein Repair-Café im Rathaus."


async def anna_with_a_bit_of_everything(bot):
    """Anna is in a team, wrote an idea, supports Ben's idea and has an idea half written."""
    anna = await bot.register(bot.user("Anna", last_name="Quenstedt"))
    ben = await bot.register(bot.user("Ben"))
    await join_team(anna)
    await join_team(ben)
    await submit_idea(anna, towns=("Saalfeld", "Rudolstadt"), team="Aktions-Team Daseinsvorsorge")
    await submit_idea(ben, text=BEN_IDEA, team="Aktions-Team Daseinsvorsorge")
    await anna.send("/ideas")
    await anna.press("👍 #2")
    await ben.send("/ideas")
    await ben.press("👍 #1")
    await anna.send("/idea")
    await anna.send("Eine halbe Idee über den Dorfladen")
    return anna, ben


async def count(bot, model, *where) -> int:
    async with bot.db.transaction() as s:
        return (await s.execute(select(func.count()).select_from(model).where(*where))).scalar_one()


async def person_id(bot, user) -> int | None:
    async with bot.db.transaction() as s:
        return (await s.execute(select(Person.id).where(Person.telegram_id == user.user_id))).scalar_one_or_none()


# -- /mydata ---------------------------------------------------------------------------------------------


def test_every_table_pointing_at_a_person_is_covered_by_mydata_and_deleteme():
    pointing = {
        (table.name, fk.parent.name)
        for table in Base.metadata.sorted_tables
        for fk in table.foreign_keys
        if fk.column.table.name == Person.__tablename__
    }
    assert pointing == {(name, column) for name, (column, _) in PERSONAL_TABLES.items()}
    assert {action for _, action in PERSONAL_TABLES.values()} <= {"delete", "anonymise"}


async def test_mydata_sends_everything_about_me_as_json(bot):
    anna, ben = await anna_with_a_bit_of_everything(bot)
    replies = await anna.send("/mydata")
    filename, body, _ = replies[-1].document
    assert filename == "meine-daten.json"
    assert replies[-1].caption == "Alles, was über dich gespeichert ist."
    data = json.loads(body)
    assert set(PERSONAL_TABLES) <= set(data)
    assert data["person"]["telegram_id"] == anna.user_id
    assert data["person"]["display_name"] == "Anna Quenstedt"
    assert (data["person"]["stakeholder_group"], data["person"]["town"]) == ("citizen", "saalfeld")
    assert data["person"]["consent_version"] == bot.config.privacy_version
    assert [m["team"] for m in data["memberships"]] == ["daseinsvorsorge"]
    assert [(i["text"], sorted(i["towns"]), i["status"]) for i in data["ideas"]] == [
        (IDEA, ["rudolstadt", "saalfeld"], "submitted")
    ]
    assert [x["idea_id"] for x in data["idea_supports"]] == [2]
    assert [(d["flow"], d["data"]["text"]) for d in data["drafts"]] == [("idea", "Eine halbe Idee über den Dorfladen")]
    assert str(ben.user_id) not in body.decode() and BEN_IDEA not in body.decode()


async def test_mydata_keeps_the_open_idea_draft(bot):
    anna = await bot.register(bot.user("Anna"))
    await anna.send("/idea")
    await anna.send(IDEA)
    await anna.send("/mydata")
    replies = await anna.press("Daseinsvorsorge")
    assert "Welche Orte" in replies[-1].text


async def test_mydata_of_someone_unknown_stores_nothing(bot):
    eve = bot.user("Eve")
    replies = await eve.send("/mydata")
    assert "Ich kenne dich noch nicht" in replies[-1].text
    assert replies[-1].document is None
    assert await count(bot, Person) == 0


# -- /deleteme -------------------------------------------------------------------------------------------


async def test_deleteme_asks_for_confirmation_first(bot):
    anna = await bot.register(bot.user("Anna"))
    replies = await anna.send("/deleteme")
    assert "wirklich löschen" in replies[-1].text
    assert replies[-1].button_texts() == ["Ja, alles löschen", "Nein, behalten"]
    assert await person_id(bot, anna) is not None


async def test_deleteme_no_keeps_everything(bot):
    anna, _ = await anna_with_a_bit_of_everything(bot)
    await anna.send("/deleteme")
    await anna.press("Nein, behalten")
    assert anna.last_message().text == "Gut, es bleibt alles, wie es ist."
    me = await person_id(bot, anna)
    assert me is not None
    assert await count(bot, Membership, Membership.person_id == me) == 1
    assert await count(bot, Idea, Idea.author_id == me) == 1
    assert await count(bot, IdeaSupport, IdeaSupport.person_id == me) == 1
    assert await count(bot, Draft, Draft.person_id == me) == 1


async def test_deleteme_yes_erases_me_and_keeps_my_ideas_without_my_name(bot):
    anna, ben = await anna_with_a_bit_of_everything(bot)
    me = await person_id(bot, anna)
    await anna.send("/deleteme")
    await anna.press("Ja, alles löschen")
    assert "Deine Daten sind gelöscht" in anna.last_message().text
    assert anna.last_message().buttons == []
    assert await person_id(bot, anna) is None
    assert await count(bot, Membership, Membership.person_id == me) == 0
    assert await count(bot, IdeaSupport, IdeaSupport.person_id == me) == 0
    assert await count(bot, Draft, Draft.person_id == me) == 0
    async with bot.db.transaction() as s:
        idea = (await s.execute(select(Idea).where(Idea.text == IDEA))).scalar_one()
        towns = sorted((await s.execute(select(IdeaTown.town).where(IdeaTown.idea_id == idea.id))).scalars())
    assert (idea.author_id, idea.author_group, idea.author_town) == (None, "citizen", "saalfeld")
    assert towns == ["rudolstadt", "saalfeld"]
    # Ben's support of Anna's idea is Ben's, not Anna's: it stays
    assert await count(bot, IdeaSupport, IdeaSupport.idea_id == idea.id) == 1
    replies = await ben.send("/ideas")
    assert IDEA in replies[-1].text and "von Bürger*in aus Saalfeld" in replies[-1].text


async def traces(bot, user, name: str) -> list[tuple[str, str]]:
    """Every table and column still holding the user's Telegram id or name (after /deleteme or retention: none)."""
    found = []
    async with bot.db.transaction() as s:
        for table in Base.metadata.sorted_tables:
            for row in (await s.execute(select(table))).mappings():
                for column in table.columns:
                    value = row[column.name]
                    if isinstance(column.type, Integer) and value == user.user_id:
                        found.append((table.name, column.name))
                    elif isinstance(column.type, String | Text | JSON):
                        text = json.dumps(value, ensure_ascii=False) if isinstance(column.type, JSON) else str(value)
                        if str(user.user_id) in text or name in text:
                            found.append((table.name, column.name))
    return found


async def test_after_deleteme_no_table_holds_my_telegram_id_or_name(bot):
    anna, _ = await anna_with_a_bit_of_everything(bot)
    await anna.send("/deleteme")
    await anna.press("Ja, alles löschen")
    assert await traces(bot, anna, "Quenstedt") == []


async def test_deleteme_twice_says_nothing_is_stored(bot):
    anna = await bot.register(bot.user("Anna"))
    await anna.send("/deleteme")
    await anna.press("Ja, alles löschen")
    replies = await anna.send("/deleteme")
    assert replies[-1].text == "Über dich ist nichts gespeichert."
    assert replies[-1].buttons == []
    assert await count(bot, Person) == 0


async def test_pressing_the_old_yes_button_again_is_harmless(bot):
    anna = await bot.register(bot.user("Anna"))
    ben = await bot.register(bot.user("Ben"))
    confirm = (await anna.send("/deleteme"))[-1]
    yes = next(b.callback_data for b in confirm.flat_buttons() if b.text == "Ja, alles löschen")
    await anna.press("Ja, alles löschen", message=confirm)
    await anna.press_data(yes, message=confirm)
    assert confirm.text == "Über dich ist nichts gespeichert."
    assert await count(bot, Person) == 1
    assert await person_id(bot, ben) is not None


async def test_erased_person_can_start_again_as_a_new_person(bot):
    anna = await bot.register(bot.user("Anna"))
    await submit_idea(anna)
    await anna.send("/deleteme")
    await anna.press("Ja, alles löschen")
    replies = await anna.send("/start")
    assert "Datenschutz" in replies[-1].text
    await bot.register(anna, group="Verwaltung", town="Bad Blankenburg")
    assert "Was möchtest du tun?" in anna.last_message().text
    async with bot.db.transaction() as s:
        person = (await s.execute(select(Person))).scalar_one()
        idea = (await s.execute(select(Idea))).scalar_one()
    assert (person.stakeholder_group, person.town) == ("administration", "bad_blankenburg")
    assert idea.author_id is None
    assert person.created_at == bot.clock.now() and person.consent_version == bot.config.privacy_version
    replies = await anna.send("/myideas")
    assert "noch keine Idee" in replies[-1].text


# -- models/privacy/core.py without Telegram -------------------------------------------------------------------


async def _anna_and_ben(s):
    """Anna: team, idea with towns, a support of Ben's idea, a draft. Ben: the same team, an idea and a support of
    Anna's idea."""
    anna, _ = await people.register(
        s, telegram_id=111, display_name="Anna Quenstedt", language="de", privacy_version="v1", now=START
    )
    ben, _ = await people.register(
        s, telegram_id=222, display_name="Ben", language="de", privacy_version="v1", now=START
    )
    for p in (anna, ben):
        p.stakeholder_group, p.town = "citizen", "saalfeld"
    team = Team(slug="t", field="public_services", name_de="T", name_en="T", description_de="", description_en="")
    team.created_at = START
    s.add(team)
    await s.flush()
    s.add_all(Membership(person_id=p.id, team_id=team.id, role="member", joined_at=START) for p in (anna, ben))
    idea = await ideas.submit(
        s,
        anna,
        text=IDEA,
        field="public_services",
        towns=["saalfeld"],
        team_id=team.id,
        now=START,
        fields=["public_services"],
        allowed_towns=["saalfeld"],
    )
    bens = await ideas.submit(
        s,
        ben,
        text=BEN_IDEA,
        field="public_services",
        towns=["saalfeld"],
        team_id=team.id,
        now=START,
        fields=["public_services"],
        allowed_towns=["saalfeld"],
    )
    await ideas.toggle_support(s, anna, bens.id, START)
    await ideas.toggle_support(s, ben, idea.id, START)
    await drafts.save_draft(s, anna.id, "idea", "field", {"text": "halb"}, START)
    await drafts.save_draft(s, ben.id, "idea", "text", {}, START)
    return anna, ben, idea


async def test_export_person_has_a_list_for_every_personal_table(db):
    async with db.transaction() as s:
        anna, _, idea = await _anna_and_ben(s)
        data = await export_person(s, anna)
    assert set(data) == {"person", *PERSONAL_TABLES}
    assert data["person"]["telegram_id"] == 111 and data["person"]["consent_at"] == START.isoformat()
    assert data["memberships"] == [{"team_id": 1, "role": "member", "joined_at": START.isoformat(), "team": "t"}]
    assert [(i["id"], i["towns"]) for i in data["ideas"]] == [(idea.id, ["saalfeld"])]
    assert [x["idea_id"] for x in data["idea_supports"]] == [idea.id + 1]  # Ben's idea
    assert [d["data"] for d in data["drafts"]] == [{"text": "halb"}]
    json.dumps(data)  # ready for the document as it is


async def test_erase_person_deletes_rows_about_them_and_anonymises_what_stays(db):
    async with db.transaction() as s:
        anna, ben, idea = await _anna_and_ben(s)
        anna_id, ben_id = anna.id, ben.id
        await erase_person(s, anna)
    async with db.transaction() as s:
        assert await s.get(Person, anna_id) is None
        for model in (Membership, IdeaSupport, Draft):
            assert (await s.execute(select(model).where(model.person_id == anna_id))).first() is None
            assert (await s.execute(select(model).where(model.person_id == ben_id))).first() is not None
        kept = await s.get(Idea, idea.id)
        assert (kept.author_id, kept.author_group, kept.author_town, kept.text) == (None, "citizen", "saalfeld", IDEA)
        assert (await s.execute(select(IdeaTown).where(IdeaTown.idea_id == idea.id))).first() is not None


async def test_deleteme_from_someone_unknown_says_nothing_is_stored(bot):
    eve = bot.user("Eve")
    replies = await eve.send("/deleteme")
    assert replies[-1].text == "Über dich ist nichts gespeichert."
    assert await count(bot, Person) == 0


async def test_after_deleteme_no_announcement_keeps_the_senders_chat(bot):
    """The progress message's chat and id are the sender's too: erasure clears them with the link."""
    from tests.announce_helpers import send_now
    from tests.meeting_helpers import team_with_members

    await team_with_members(bot)
    maria = bot.manager()
    await send_now(bot, maria, "Alle")
    await maria.send("/deleteme")
    await maria.press("Ja, alles löschen")
    async with bot.db.transaction() as s:
        rows = (await s.execute(select(Base.metadata.tables["announcements"]))).mappings().all()
    assert rows and all(r["sender_id"] is None for r in rows)
    assert [(r["progress_chat_id"], r["progress_message_id"]) for r in rows] == [(None, None)] * len(rows)
