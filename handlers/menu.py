"""The main menu: the same screens as the commands, one tap away; managers see more entries."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from handlers import help as help_screen
from handlers import privacy, profile, roles, teams
from handlers.codec import encode
from handlers.common import ANYONE, KNOWN, MEMBER, Btn, Req, View
from handlers.gate import admitted
from handlers.ideas import submit as ideas
from handlers.surveys import sentences
from models.errors import Refusal

# key -> (label text key, screen, who sees it: "member" or "manager", what the screen needs as a command does)
ITEMS: dict[str, tuple[str, Callable[[Req], Awaitable[None]], str, str]] = {
    "teams": ("menu.teams", teams.show_teams, "member", MEMBER),
    "myteams": ("menu.myteams", teams.show_my_teams, "member", MEMBER),
    "idea": ("menu.idea", ideas.start_idea, "member", MEMBER),
    "ideas": ("menu.ideas", ideas.show_team_ideas, "member", MEMBER),
    "myideas": ("menu.myideas", ideas.show_my_ideas, "member", MEMBER),
    "profile": ("menu.profile", profile.show_profile, "member", MEMBER),
    "mydata": ("menu.mydata", privacy.send_my_data, "member", KNOWN),  # also before agreeing to a newer notice
    "privacy": ("menu.privacy", privacy.show_privacy, "member", ANYONE),
    "help": ("menu.help", help_screen.show_help, "member", ANYONE),
    "makelead": ("menu.makelead", roles.start_makelead, "manager", MEMBER),
    "saetze": ("menu.saetze", sentences.show_sentences, "manager", MEMBER),
}


def main_menu(req: Req) -> View:
    visible = [k for k, (_, _, who, _) in ITEMS.items() if who == "member" or req.me.is_manager]
    buttons = [Btn(req.t(ITEMS[k][0]), encode("menu", k)) for k in visible]
    return View(req.t("menu.title"), [buttons[i : i + 2] for i in range(0, len(buttons), 2)])


async def on_menu(req: Req) -> None:
    """menu:<item>: open that screen as a new message, keeping the menu where it is; the screen gets the same
    access check as its command (so "Meine Daten" works before agreeing to a newer notice, as /mydata does)."""
    assert req.cb is not None
    item = ITEMS.get(req.cb.arg(0))
    if item is None or (item[2] == "manager" and not req.me.is_manager):
        raise Refusal("errors.stale_button")
    if not admitted(req, item[3]):
        return
    req.new_message = True
    await item[1](req)
