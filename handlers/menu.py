"""The main menu: the same screens as the commands, one tap away; managers see more entries."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from handlers import help as help_screen
from handlers import privacy, profile, roles, teams
from handlers.codec import encode
from handlers.common import Btn, Req, View
from handlers.ideas import submit as ideas
from models.errors import Refusal

# key -> (label text key, screen, who sees it: "member" or "manager")
ITEMS: dict[str, tuple[str, Callable[[Req], Awaitable[None]], str]] = {
    "teams": ("menu.teams", teams.show_teams, "member"),
    "myteams": ("menu.myteams", teams.show_my_teams, "member"),
    "idea": ("menu.idea", ideas.start_idea, "member"),
    "ideas": ("menu.ideas", ideas.show_team_ideas, "member"),
    "myideas": ("menu.myideas", ideas.show_my_ideas, "member"),
    "profile": ("menu.profile", profile.show_profile, "member"),
    "mydata": ("menu.mydata", privacy.send_my_data, "member"),
    "privacy": ("menu.privacy", privacy.show_privacy, "member"),
    "help": ("menu.help", help_screen.show_help, "member"),
    "makelead": ("menu.makelead", roles.start_makelead, "manager"),
}


def main_menu(req: Req) -> View:
    visible = [k for k, (_, _, who) in ITEMS.items() if who == "member" or req.me.is_manager]
    buttons = [Btn(req.t(ITEMS[k][0]), encode("menu", k)) for k in visible]
    return View(req.t("menu.title"), [buttons[i : i + 2] for i in range(0, len(buttons), 2)])


async def on_menu(req: Req) -> None:
    """menu:<item>: open that screen as a new message, keeping the menu where it is."""
    assert req.cb is not None
    item = ITEMS.get(req.cb.arg(0))
    if item is None or (item[2] == "manager" and not req.me.is_manager):
        raise Refusal("errors.stale_button")
    req.new_message = True
    await item[1](req)
