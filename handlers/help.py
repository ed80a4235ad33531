"""/help: what this user may do, from the same list that fills Telegram's command menu."""

from __future__ import annotations

from handlers.commands import role_commands
from handlers.common import Req, View, esc


async def show_help(req: Req) -> None:
    lines = [req.t("help.title")]
    lines += [f"/{name} – {req.t(f'cmd.{name}')}" for name in await role_commands(req)]
    lines.append("")
    lines.append(req.t("help.footer", contact=esc(req.config.contact)))
    req.show(View("\n".join(lines)))
