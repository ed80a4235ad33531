"""The README's command table says what the bot publishes: each row's command is in the menu of exactly the
roles the row names (or in none, where the row says "not in the menu"), and every published command has a row."""

from pathlib import Path

from telegram.ext import CommandHandler

from handlers.commands import publish_default_commands
from tests.meeting_helpers import team_with_members

README = Path(__file__).resolve().parent.parent / "README.md"
ROLES = ("member", "lead", "manager")
WHO = {  # the README's "Who" column: the menus the command must be in
    "anyone": {"member", "lead", "manager"},
    "registered": {"member", "lead", "manager"},
    "members": {"member", "lead", "manager"},
    "team leads, managers": {"lead", "manager"},
    "managers": {"manager"},
}


def table() -> dict[str, tuple[str, str]]:
    """command -> (who, what) from the README's table under "| Command | Who | What |"."""
    lines = README.read_text(encoding="utf-8").splitlines()
    start = lines.index("| Command | Who | What |") + 2
    rows: dict[str, tuple[str, str]] = {}
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        command, who, what = (cell.strip() for cell in line.strip("|").split(" | ", 2))
        rows[command.removeprefix("/")] = (who, what)
    return rows


def test_the_table_is_read_and_every_who_is_known():
    rows = table()
    assert {"start", "help", "follow", "meetings", "makelead", "similar"} <= set(rows)
    assert {who for who, _ in rows.values()} <= set(WHO)


async def test_every_claim_of_the_readme_command_table_matches_the_published_menus(bot):
    await publish_default_commands(bot.app.bot)
    _team, lead, (member, _) = await team_with_members(bot)  # registers the manager too, who makes Lea lead

    def chat_menu(user) -> set[str]:
        return {c["command"] for c in bot.fake.commands_for({"type": "chat", "chat_id": user.user_id})}

    menus = {
        "member": {c["command"] for c in bot.fake.commands_for(None)},
        "lead": chat_menu(lead),
        "manager": chat_menu(bot.manager()),
    }
    assert chat_menu(member) in (set(), menus["member"])  # a member keeps the default menu (or her own copy)
    assert {c["command"] for c in bot.fake.commands_for(None, "en")} == menus["member"]
    rows = table()
    known = {c for h in bot.app.handlers[0] if isinstance(h, CommandHandler) for c in h.commands}
    wrong = []
    for command, (who, what) in rows.items():
        expected = set() if "not in the menu" in what else WHO[who]
        actual = {role for role in ROLES if command in menus[role]}
        if actual != expected:
            wrong.append(f"/{command}: README says {who!r} ({what[:40]!r}…), published in {sorted(actual)}")
        if command not in known:
            wrong.append(f"/{command}: in the README but the bot has no such command")
    published = set().union(*menus.values())
    wrong += [f"/{c}: published in a menu but missing from the README's table" for c in sorted(published - set(rows))]
    assert wrong == []


async def test_help_lists_what_the_member_menu_publishes(bot):
    await publish_default_commands(bot.app.bot)
    anna = await bot.register(bot.user("Anna"))
    [help_text] = await anna.send("/help")
    listed = {line.split(" ")[0][1:] for line in help_text.text.split("\n") if line.startswith("/")}
    assert listed == {c["command"] for c in bot.fake.commands_for(None)}
    assert "follow" in listed and "follow" in table()
