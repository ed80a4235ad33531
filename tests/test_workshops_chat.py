"""/workshop: the project manager records a Demografie-Werkstatt in the chat (name, date, town, save) and is
shown the key for the import; others are refused; stale and forged buttons change nothing. Imported ideas
then appear in /ideas like any other, attributed to their workshop instead of an author."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from models import workshops
from models.ideas import import_file, imports
from models.tables import Draft, Workshop
from tests.conftest import MANAGER_ID
from tests.test_ideas import join_team
from tests.test_ideas_teamless import teamless_list

MANAGERS_ONLY = "Das darf nur das Projektmanagement."


async def stored_workshops(bot) -> list[tuple[str, str, date, str]]:
    async with bot.db.transaction() as s:
        rows = (await s.execute(select(Workshop).order_by(Workshop.id))).scalars()
        return [(w.key, w.name, w.held_on, w.town) for w in rows]


async def record(maria, name: str = "Demografie-Werkstatt Saalfeld", day: str = "14.3.2026", town: str = "Saalfeld"):
    await maria.send("/workshop")
    await maria.send(name)
    await maria.send(day)
    await maria.press(town)
    return await maria.press("Speichern")


async def test_the_manager_records_a_workshop_and_is_shown_the_key_for_the_import(bot):
    maria = await bot.register(bot.manager())
    replies = await maria.send("/workshop")
    assert replies[0].text == "Noch keine Demografie-Werkstatt erfasst."
    assert replies[1].text.startswith("Neue Werkstatt erfassen: Wie heißt sie?")
    [ask_date] = await maria.send("Demografie-Werkstatt Saalfeld")
    assert ask_date.text == "Wann fand „Demografie-Werkstatt Saalfeld“ statt? Schreib das Datum, z. B. 14.03.2026."
    [ask_town] = await maria.send("14.3.2026")
    assert ask_town.button_texts() == ["Saalfeld", "Rudolstadt", "Bad Blankenburg"]
    await maria.press("Saalfeld")
    confirm = maria.last_message()
    assert "Sa., 14. März 2026, Saalfeld" in confirm.text
    assert "Schlüssel für den Import: demografie-werkstatt-saalfeld" in confirm.text
    await maria.press("Speichern")
    saved = maria.last_message().text
    assert saved.startswith("✅ Werkstatt „Demografie-Werkstatt Saalfeld“ gespeichert.")
    assert "actionbot import ideas DATEI --workshop demografie-werkstatt-saalfeld --dry-run" in saved
    assert await stored_workshops(bot) == [
        ("demografie-werkstatt-saalfeld", "Demografie-Werkstatt Saalfeld", date(2026, 3, 14), "saalfeld")
    ]
    [listed, _ask] = await maria.send("/workshop")
    assert "Demografie-Werkstatt Saalfeld – Sa., 14. März 2026, Saalfeld · Schlüssel demografie-werkstatt-saalfeld" in (
        listed.text
    )


async def test_a_second_workshop_of_the_same_name_gets_its_own_key(bot):
    maria = await bot.register(bot.manager())
    await record(maria)
    await record(maria, day="2027-03-13", town="Rudolstadt")
    assert [w[0] for w in await stored_workshops(bot)] == [
        "demografie-werkstatt-saalfeld",
        "demografie-werkstatt-saalfeld-2",
    ]


async def test_in_english_the_flow_speaks_english(bot):
    mary = bot.fake.user(first_name="Mary", language_code="en", user_id=MANAGER_ID)
    await bot.register(mary, group="Administration", town="Saalfeld", evaluation="Yes")
    replies = await mary.send("/workshop")
    assert replies[0].text == "No workshop recorded yet."
    await mary.send("Demografie-Werkstatt Bad Blankenburg")
    [ask_town] = await mary.send("2026-05-09")
    assert ask_town.text == "In which town did “Demografie-Werkstatt Bad Blankenburg” take place?"
    await mary.press("Bad Blankenburg")
    assert "Sat, 9 May 2026, Bad Blankenburg" in mary.last_message().text
    await mary.press("Save")
    assert mary.last_message().text.startswith("✅ Workshop “Demografie-Werkstatt Bad Blankenburg” saved.")


async def test_a_member_may_not_record_a_workshop(bot):
    anna = await bot.register(bot.user("Anna"))
    [reply] = await anna.send("/workshop")
    assert reply.text == MANAGERS_ONLY
    [menu] = await anna.send("/start")
    await anna.press_data("ws:1:abcd1234:ok", message=menu)  # a forged button
    assert anna.callback_answers[-1] == (MANAGERS_ONLY, True)
    async with bot.db.transaction() as s:
        assert (await s.execute(select(Draft))).first() is None


async def test_a_bad_date_or_name_is_asked_again_and_nothing_is_stored(bot):
    maria = await bot.register(bot.manager())
    await maria.send("/workshop")
    [too_short] = await maria.send("ab")
    assert too_short.text == "Der Name braucht 3 bis 128 sichtbare Zeichen."
    await maria.send("Werkstatt <b>Rudolstadt</b>")
    [bad] = await maria.send("31.02.2026")
    assert bad.text == "Das Datum verstehe ich nicht. Bitte so: 14.03.2026 oder 2026-03-14."
    [ask_town] = await maria.send("2026-03-20")
    assert ask_town.text == "In welcher Stadt fand „Werkstatt <b>Rudolstadt</b>“ statt?"  # shown as typed, not as HTML
    assert await stored_workshops(bot) == []


async def test_forged_stale_and_double_presses_change_nothing(bot):
    maria = await bot.register(bot.manager())
    await maria.send("/workshop")
    await maria.send("Demografie-Werkstatt Saalfeld")
    await maria.send("14.3.2026")
    towns = maria.last_message()
    nonce = str(towns.flat_buttons()[0].callback_data).split(":")[2]
    await maria.press_data(f"ws:1:{nonce}:town:jena", message=towns)
    assert (maria.callback_answers[-1][0] or "").startswith("Dieser Knopf ist nicht mehr aktuell")
    await maria.press_data(f"ws:1:{nonce}:ok", message=towns)  # saving before a town is chosen
    assert (maria.callback_answers[-1][0] or "").startswith("Dieser Knopf ist nicht mehr aktuell")
    await maria.press_data("ws:1:00000000:town:saalfeld", message=towns)  # another run's button
    assert (maria.callback_answers[-1][0] or "").startswith("Dieser Knopf ist nicht mehr aktuell")
    await maria.press("Saalfeld", message=towns)
    confirm = maria.last_message()
    save = str(confirm.flat_buttons()[0].callback_data)
    await maria.press("Speichern", message=confirm)
    await maria.press_data(save, message=confirm)  # a double click
    assert (maria.callback_answers[-1][0] or "").startswith("Diese Eingabe ist schon abgeschlossen.")
    assert len(await stored_workshops(bot)) == 1


async def import_rows(bot, tmp_path, rows: str, name: str = "Werkstatt <Saalfeld>") -> list[int]:
    """Record a workshop and import `rows` (CSV lines after the header) through the domain, as the CLI does."""
    path = tmp_path / "ergebnisse.csv"
    path.write_text("Text;Handlungsfeld;Orte;Team\n" + rows, encoding="utf-8")
    async with bot.db.transaction() as s:
        workshop = await workshops.create(
            s,
            None,
            key="saalfeld-2026",
            name=name,
            day=date(2026, 3, 14),
            town="saalfeld",
            allowed_towns=["saalfeld"],
            now=bot.clock.now(),
        )
        plan = await imports.check(
            s, workshop, import_file.read(path), fields=bot.config.fields, towns=bot.config.towns
        )
        return await imports.store(s, plan, None, bot.clock.now(), via="cli", file_name=path.name)


async def test_imported_ideas_show_in_ideas_attributed_to_their_workshop(bot, tmp_path):
    anna = await bot.register(bot.user("Anna"))
    await join_team(anna)
    await import_rows(
        bot,
        tmp_path,
        "Mehr Busse am Abend zwischen den Städten;Daseinsvorsorge;Saalfeld;daseinsvorsorge\n"
        "Ein Repair-Café im Rathaus, einmal im Monat;civic_engagement;Rudolstadt;\n",
    )
    [page] = await anna.send("/ideas")
    assert "Mehr Busse am Abend zwischen den Städten" in page.text
    assert "<i>aus „Werkstatt &lt;Saalfeld&gt;“ (Sa., 14. März 2026)</i>" in page.html
    assert "von – aus –" not in page.text
    assert page.button_texts()[0] == "👍 #1 (0)"  # anyone may support it: it has no author
    await anna.press("👍 #1")
    teamless = await teamless_list(anna)
    assert (
        "Ein Repair-Café im Rathaus" in teamless.text and "aus „Werkstatt <Saalfeld>“ (Sa., 14. März" in teamless.text
    )


async def test_an_imported_ideas_path_names_its_workshop_day_and_team(bot, tmp_path):
    anna = await bot.register(bot.user("Anna"))
    await join_team(anna)
    row = "Mehr Busse am Abend zwischen den Städten;Daseinsvorsorge;Saalfeld;daseinsvorsorge\n"
    await import_rows(bot, tmp_path, row)
    await anna.send("/ideas")
    await anna.press("📜 Verlauf #1")
    path = anna.last_message().text
    assert "📥 Aus einer Demografie-Werkstatt übernommen" in path
    assert "Werkstatt: Werkstatt <Saalfeld>, Sa., 14. März 2026" in path
    assert "für das Team „Aktions-Team Daseinsvorsorge“" in path.split("📥")[1] and "saalfeld-2026" not in path


async def test_a_workshop_named_as_the_example_suggests_is_not_named_twice(bot, tmp_path):
    anna = await bot.register(bot.user("Anna"))
    await join_team(anna)
    row = "Mehr Busse am Abend zwischen den Städten;Daseinsvorsorge;Saalfeld;daseinsvorsorge\n"
    await import_rows(bot, tmp_path, row, name="Demografie-Werkstatt Saalfeld")
    [page] = await anna.send("/ideas")
    assert "aus „Demografie-Werkstatt Saalfeld“ (Sa., 14. März 2026)" in page.text
    assert "Werkstatt Demografie-Werkstatt" not in page.text


async def test_a_workshop_named_without_the_word_is_called_a_demografie_werkstatt(bot, tmp_path):
    anna = await bot.register(bot.user("Anna"))
    await join_team(anna)
    row = "Mehr Busse am Abend zwischen den Städten;Daseinsvorsorge;Saalfeld;daseinsvorsorge\n"
    await import_rows(bot, tmp_path, row, name="Saalfeld im März")
    [page] = await anna.send("/ideas")
    assert "aus der Demografie-Werkstatt „Saalfeld im März“ (Sa., 14. März 2026)" in page.text


async def test_answer_shows_an_imported_idea_from_its_workshop_and_day(bot, tmp_path):
    maria = await bot.register(bot.manager())
    row = "Mehr Busse am Abend zwischen den Städten;Daseinsvorsorge;Saalfeld;daseinsvorsorge\n"
    await import_rows(bot, tmp_path, row, name="Demografie-Werkstatt Saalfeld")
    await maria.send("/answer")
    await maria.press("#1 ·")
    screen = maria.last_message().text
    assert "Mehr Busse am Abend zwischen den Städten" in screen
    assert "aus „Demografie-Werkstatt Saalfeld“ (Sa., 14. März 2026)" in screen
    assert "von – aus –" not in screen and " – aus " not in screen


async def test_similar_shows_an_imported_ideas_workshop_and_a_typed_ideas_author(bot, tmp_path):
    maria = await bot.register(bot.manager())
    await join_team(maria)
    await maria.send("/idea")
    await maria.send("Ein Bürgerbus am Wochenende zwischen den drei Städten")
    await maria.press("Daseinsvorsorge")
    await maria.press("Saalfeld")
    await maria.press("Weiter")
    await maria.press("Aktions-Team Daseinsvorsorge")
    await maria.press("Einreichen")
    row = "Bürgerbus am Wochenende zwischen den drei Städten!;Daseinsvorsorge;Rudolstadt;\n"
    await import_rows(bot, tmp_path, row, name="Demografie-Werkstatt Saalfeld")
    [screen] = await maria.send("/similar")
    assert "<i>aus „Demografie-Werkstatt Saalfeld“ (Sa., 14. März 2026)</i>" in screen.html
    assert "<i>von Bürger*in aus Saalfeld</i>" in screen.html
