"""The buttons that move between the idea lists and an idea's path: supporting from a list and going back from
a path redraw the list it came from (the ideas of my teams, those without a team, my ideas).

Above the lists and the path screen, so neither has to import the other."""

from __future__ import annotations

from handlers.common import Req
from handlers.ideas import path, submit, teamless
from models.errors import Refusal
from models.ideas import core as ideas_domain


async def on_path(req: Req) -> None:
    """iv:<list>:<page>:<idea> shows the path; iv:<list>:<page> goes back to that list."""
    assert req.cb is not None
    which, page = req.cb.arg(0), req.cb.int(1)
    if which not in path.LISTS:
        raise Refusal("errors.stale_button")
    if len(req.cb.args) > 2:
        req.show(await path.path_view(req, req.cb.int(2), which, page))
        return
    if which == "t":
        req.show(await submit.ideas_page_view(req, page))
    elif which == "n":
        req.show(await teamless.teamless_view(req, page))
    else:
        req.show(await submit.my_ideas_view(req))


async def on_support(req: Req) -> None:
    """sup:<idea>:<page>[:n]: support, or withdraw when pressed again; then redraw the page (n: ideas without team)."""
    assert req.cb is not None
    supported, count = await ideas_domain.toggle_support(req.session, req.me, req.cb.int(0), req.now)
    req.toast(req.t("ideas.supported" if supported else "ideas.unsupported", count=count))
    if req.cb.args[2:] == ("n",):
        req.show(await teamless.teamless_view(req, req.cb.int(1)))
    else:
        req.show(await submit.ideas_page_view(req, req.cb.int(1)))
