"""/stats (and the same lines in /report and `actionbot stats`) never show a group of fewer than 5 people.

Totals stay; each breakdown by town, group, team, field, status or reason shows "< 5" instead of 1 to 4,
listed after the shown ones by code, so not even the order tells which small group is larger.
"""

import re

DASEIN = "Aktions-Team Daseinsvorsorge"


async def project_with_one_big_group(bot) -> None:
    """Five from Saalfeld (citizens) in the team, one entrepreneur from Rudolstadt and one from Bad Blankenburg."""
    users = [await bot.register(bot.user(f"Saal{i}"), town="Saalfeld") for i in range(5)]
    users.append(await bot.register(bot.user("Rudi"), town="Rudolstadt", group="Unternehmer*in"))
    await bot.register(bot.user("Bea"), town="Bad Blankenburg", group="Unternehmer*in")
    for u in users:
        await u.send("/teams")
        await u.press(f"Beitreten: {DASEIN}")
    await bot.register(bot.manager(), town="Rudolstadt", group="Verwaltung")


def breakdowns(text: str) -> list[str]:
    return [line for line in text.split("\n") if line.startswith("  ") or "Gründe:" in line]


async def test_stats_shows_groups_of_five_or_more_and_hides_the_smaller_ones(bot):
    await project_with_one_big_group(bot)
    [answer] = await bot.manager().send("/stats")
    lines = answer.text.split("\n")
    assert "Mitglieder: 8" in lines
    assert "  nach Ort: Saalfeld 5, Bad Blankenburg < 5, Rudolstadt < 5" in lines
    assert "  nach Gruppe: Bürger*in 5, Verwaltung < 5, Unternehmer*in < 5"  # small ones by key in lines
    assert f"  {DASEIN}: 6 · 0 · Saalfeld 5, Rudolstadt < 5" in lines  # no lead yet: 0 reveals no one
    assert lines[-1] == "„< 5“: weniger als 5 Personen – so kleine Gruppen werden nicht gezeigt."


async def test_no_breakdown_in_stats_names_a_count_from_1_to_4(bot):
    await project_with_one_big_group(bot)
    [answer] = await bot.manager().send("/stats")
    found = [line for line in breakdowns(answer.text) if re.search(r"(?<![<\d])\s[1-4](?!\d)(,|$| ·)", line)]
    assert found == []
    assert "< 5" in answer.text


async def test_the_html_report_shows_less_than_five_in_its_tables(bot):
    await project_with_one_big_group(bot)
    replies = await bot.manager().send("/report", timeout=60)  # a fresh matplotlib builds its font cache first
    [(_name, data, _mime)] = [m.document for m in replies if m.document is not None]
    html = data.decode()
    assert "<tr><td>Saalfeld</td><td>5</td>" in html  # members by town (Bürger*in), then the row's total
    assert "<tr><td>daseinsvorsorge</td><td>6</td><td>0</td><td>Saalfeld 5, Rudolstadt &lt; 5</td></tr>" in html
    assert re.search(r"<td>[1-4]</td>", html) is None
