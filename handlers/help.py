"""/help: what this user may do, from the same list that fills Telegram's command menu."""

from __future__ import annotations

from handlers.commands import LEAD_COMMANDS, role_commands
from handlers.common import Req, View, esc


async def show_help(req: Req) -> None:
    lines = [req.t("help.title")]
    names = await role_commands(req)
    lines += [f"/{name} – {req.t(f'cmd.{name}')}" for name in names]
    if set(LEAD_COMMANDS) & set(names):  # group commands are not in the private menu: explain them here
        lines += ["", req.t("groups.help_lead")]
    lines.append("")
    lines.append(req.t("help.footer", contact=esc(req.config.contact)))
    req.show(View("\n".join(lines)))
