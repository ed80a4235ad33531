"""/mydata and /deleteme: the person's own copy of their data, and erasure with confirmation."""

from __future__ import annotations

import json

from handlers import commands
from handlers.codec import encode
from handlers.common import Btn, Req, View
from models import privacy as privacy_domain


async def send_my_data(req: Req) -> None:
    data = await privacy_domain.export_person(req.session, req.me)
    data["exported_at"] = req.now.isoformat()
    body = json.dumps(data, ensure_ascii=False, indent=2, default=str).encode()
    req.document(body, "meine-daten.json" if req.lang == "de" else "my-data.json", req.t("privacy.mydata_caption"))


async def ask_delete(req: Req) -> None:
    """/deleteme: works for anyone; without a stored person it says there is nothing to delete."""
    if req.person is None:
        req.reply(req.t("privacy.nothing_stored"))
        return
    req.reply(
        View(
            req.t("privacy.confirm_delete"),
            [
                [
                    Btn(req.t("privacy.delete_yes"), encode("del", "yes")),
                    Btn(req.t("privacy.delete_no"), encode("del", "no")),
                ]
            ],
        )
    )


async def on_delete_button(req: Req) -> None:
    """del:yes erases the person (a second press finds nothing left); del:no keeps everything."""
    assert req.cb is not None
    if req.person is None:
        req.show(View(req.t("privacy.nothing_stored")))
        return
    if req.cb.arg(0) != "yes":
        req.show(View(req.t("privacy.delete_kept")))
        return
    telegram_id = req.person.telegram_id
    await privacy_domain.erase_person(req.session, req.person)
    req.person = None
    await commands.refresh_later(req, None, telegram_id)
    req.show(View(req.t("privacy.deleted")))
