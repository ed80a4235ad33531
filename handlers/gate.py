"""The handler wrapper and the gate in front of every handler: one transaction per update, the person, and
whether they may run it (registered, finished registration, the current privacy notice agreed to).

It sits above handlers/common.py and handlers/privacy.py: the gate answers with the privacy prompt."""

from __future__ import annotations

import logging
from collections.abc import Callable

from telegram import Update
from telegram.ext import ContextTypes

from core.metrics import measured, note_outcome
from handlers.codec import BadCallback, decode
from handlers.common import (
    ANYONE,
    CONSENTED,
    MEMBER,
    HandlerFn,
    Req,
    TelegramCallback,
    services,
)
from handlers.privacy import ask_agree_again
from models.errors import Refusal
from models.people import get_person, note_activity
from models.privacy.consents import must_agree_again

log = logging.getLogger("actionbot.handlers")  # the same logger as handlers/common.py: one name in the log


def handler(needs: str = MEMBER) -> Callable[[HandlerFn], TelegramCallback]:
    """Wrap a `Req` handler: one transaction, the person, refusals turned into friendly answers.

    `needs` says who may run it; others are sent to /start with a short explanation.
    """

    def wrap(fn: HandlerFn) -> TelegramCallback:
        async def run(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            if update.effective_user is None or update.effective_chat is None:
                return
            req = Req(update, context, services(context))
            try:
                async with req.svc.db.transaction() as s:
                    req.session = s
                    req.person = await get_person(s, req.user_id)
                    if req.person is not None:
                        req.lang = req.person.language
                        if req.person.unreachable_at is not None:
                            req.person.unreachable_at = None  # they wrote to us, so they can be reached
                        note_activity(req.person, req.now)
                    if update.callback_query is not None:
                        req.cb = decode(update.callback_query.data)
                    if admitted(req, needs):
                        await fn(req)
            except Refusal as refusal:
                note_outcome("refused")
                req.discard()
                text = req.t(refusal.key, **refusal.params)
                if update.callback_query is not None:
                    req.toast(text, alert=True)
                else:
                    req.reply(text)
            except BadCallback as exc:
                log.info("stale or forged button update_id=%s reason=%s", update.update_id, exc)
                note_outcome("stale_button")
                req.discard()
                req.toast(req.t("errors.stale_button"), alert=True)
            await req.flush()

        run.__name__ = fn.__name__
        run.__doc__ = fn.__doc__
        return measured(run)

    return wrap


def admitted(req: Req, needs: str) -> bool:
    """Whether the person may run a screen that `needs` this much; if not, the answer is queued (the re-consent
    prompt, or why not yet). The handler wrapper asks it, and so does a menu button for the screen it opens."""
    missing = _missing(req, needs)
    if _must_agree_again(req, needs):  # a newer privacy notice: only that prompt until agreed
        note_outcome("not_allowed")
        ask_agree_again(req)
        return False
    if missing:
        note_outcome("not_allowed")
        req.toast(req.t(missing), alert=True)
        if req.update.callback_query is None:
            req.reply(req.t(missing))
        return False
    return True


def _must_agree_again(req: Req, needs: str) -> bool:
    """Whether the person must agree to a newer privacy notice first: everything but the handlers that need no
    consent (ANYONE: /start, /help, /privacy, /deleteme; KNOWN: /mydata, the evaluation switch in /privacy)."""
    return (
        needs in (CONSENTED, MEMBER)
        and req.person is not None
        and must_agree_again(req.person, req.config.privacy_version)
    )


def _missing(req: Req, needs: str) -> str | None:
    """The text key explaining why this person may not run the handler yet, if any."""
    if needs == ANYONE:
        return None
    if req.person is None:
        return "errors.not_registered"
    if needs == MEMBER and not req.person.is_complete:
        return "errors.finish_registration"
    return None
