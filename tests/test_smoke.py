"""First story: a new user registers and sees the main menu."""

from sqlalchemy import select

from models.tables import Person


async def test_new_user_registers_and_sees_menu(bot):
    anna = bot.user("Anna")
    replies = await anna.send("/start")
    assert "Datenschutz" in replies[-1].text
    assert "Einverstanden" in " ".join(replies[-1].button_texts())
    async with bot.db.transaction() as s:
        assert (await s.execute(select(Person))).first() is None
    await bot.register(anna)
    assert "Was möchtest du tun?" in anna.last_message().text
    async with bot.db.transaction() as s:
        person = (await s.execute(select(Person))).scalar_one()
    assert (person.stakeholder_group, person.town, person.evaluation_consent) == ("citizen", "saalfeld", True)
