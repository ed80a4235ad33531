"""/stats (and the same lines in /report and `actionbot stats`) are operational figures for the project manager:
exact counts, small groups included (docs/evaluation.md, "Who sees what"). She appointed the leads and sees
every name anyway; hiding "1 lead" from her as "< 5" helped no one. Released figures are tested elsewhere
(tests/test_disclosure_*.py).
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


async def test_stats_shows_the_manager_exact_counts_of_small_groups(bot):
    await project_with_one_big_group(bot)
    [answer] = await bot.manager().send("/stats")
    lines = answer.text.split("\n")
    assert "Mitglieder: 8" in lines
    assert "  nach Ort: Saalfeld 5, Rudolstadt 2, Bad Blankenburg 1" in lines
    assert "  nach Gruppe: Bürger*in 5, Unternehmer*in 2, Verwaltung 1" in lines
    assert f"  {DASEIN}: 6 · 0 · Saalfeld 5, Rudolstadt 1" in lines
    assert "< 5" not in answer.text and "•" not in answer.text


async def test_a_team_with_one_lead_shows_one_lead(bot):
    await project_with_one_big_group(bot)
    manager = bot.manager()
    [answer] = await manager.send("/stats")
    before = next(line for line in answer.text.split("\n") if line.startswith(f"  {DASEIN}:"))
    assert before.startswith(f"  {DASEIN}: 6 · 0 ·")
    await manager.send("/makelead")  # the manager appoints Rudi: she knows who leads
    await manager.press(DASEIN)
    await manager.press("Rudi")
    [answer] = await manager.send("/stats")
    assert f"  {DASEIN}: 6 · 1 · Saalfeld 5, Rudolstadt 1" in answer.text.split("\n")


async def test_the_html_report_shows_exact_counts_in_its_tables(bot):
    await project_with_one_big_group(bot)
    replies = await bot.manager().send("/report", timeout=60)  # a fresh matplotlib builds its font cache first
    [(_name, data, _mime)] = [m.document for m in replies if m.document is not None]
    html = data.decode()
    assert "<tr><td>Saalfeld</td><td>5</td>" in html  # members by town (Bürger*in), then the row's total
    assert "<tr><td>Aktions-Team Daseinsvorsorge</td><td>6</td><td>0</td><td>Saalfeld 5, Rudolstadt 1</td></tr>" in html
    assert re.search(r"&lt; 5", html) is None


def test_stats_rates_are_rounded_half_up_like_every_figure():
    """12.5 % is 13 % (Python's round would say 12), as in the report and docs/evaluation.md, "Rounding"."""
    from handlers.reports.views import _rate

    assert (_rate(0.125, "de"), _rate(0.375, "en"), _rate(None, "de")) == ("13 %", "38%", "–")


async def test_the_report_charts_label_their_axes_and_counts_start_at_zero(bot, monkeypatch):
    """Every /report chart with data says what its axes count, and no count axis runs below zero."""
    from models.reports import charts

    drawn, real = [], charts._png

    def catch(fig):
        drawn.append(fig)
        return real(fig)

    monkeypatch.setattr(charts, "_png", catch)
    await project_with_one_big_group(bot)
    await bot.manager().send("/report", timeout=60)
    with_data = [f.axes[0] for f in drawn if len(f.axes[0].get_xticks())]
    assert with_data  # the members at least (no ideas or meetings yet: those charts say so)
    for ax in with_data:
        assert ax.get_xlabel().strip(), ax.get_title()
        low = ax.get_ylim()[0] if ax.get_ylabel() else ax.get_xlim()[0]
        assert low >= 0, ax.get_title()


def test_long_names_under_stacked_bars_do_not_run_into_each_other():
    """The demo's /report drew "DaseinsvorsorgeBürgerschaftliches Engagement" as one run of text (1 pixel
    apart): long field names break into lines, so a visible space stays between neighbouring names."""
    from collections import Counter

    from models.reports import charts

    drawn, real = [], charts._png

    def catch(fig):
        drawn.append(fig)
        return real(fig)

    fields = ("Daseinsvorsorge", "Bürgerschaftliches Engagement", "Fachkräfte")
    statuses = ("eingereicht", "umgesetzt", "abgelehnt", "in Prüfung", "angenommen", "an Stadt weitergeleitet")
    counts = Counter({(f, status): 6 - i for i, f in enumerate(fields) for status in statuses})
    original, charts._png = charts._png, catch
    try:
        charts.stacked_bars(counts, "field", "idea_status", "Ideen", lambda _kind, key: key, "leer", ("Feld", "Ideen"))
    finally:
        charts._png = original
    fig = drawn[0]
    renderer = fig.canvas.get_renderer()
    boxes = [label.get_window_extent(renderer) for label in fig.axes[0].get_xticklabels()]
    assert [label.get_text().replace("\n", " ") for label in fig.axes[0].get_xticklabels()] == list(fields)
    gaps = [right.x0 - left.x1 for left, right in zip(boxes, boxes[1:], strict=False)]
    assert min(gaps) >= 10, gaps  # pixels at 100 dpi: a visible space between two names (it was 1)
