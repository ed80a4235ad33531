"""Telegram's command menu (setMyCommands), per language and per role.

Everyone sees the member commands in their Telegram app's language; leads and project managers get their
extra entries in their own chat's menu, set whenever their role or language changes (a chosen language
can differ from the app's, so a person's own menu is kept even when it only lists member commands).
"""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand, BotCommandScopeChat
from telegram.error import TelegramError

from core.texts import LANGUAGES, t
from handlers.common import Req
from models.ideas.routing import contact_towns
from models.tables import Person
from models.teams import led_team_ids

log = logging.getLogger("actionbot.commands")

MEMBER_COMMANDS = (
    "start",
    "teams",
    "myteams",
    "idea",
    "ideas",
    "myideas",
    "follow",
    "meetings",
    "profile",
    "language",
    "privacy",
    "mydata",
    "deleteme",
    "cancel",
    "calendar",
    "settings",
    "help",
)
LEAD_COMMANDS = (
    "members",
    "stellvertretend",
    "meeting",
    "poll",
    "attendance",
    "feedback",
    "answer",
    "voices",
    "announce",
    "announcements",
)
MANAGER_COMMANDS = ("makelead", "stats", "report", "export", "audit", "workshop", "similar", "saetze")
CONTACT_COMMANDS = ("anfragen",)  # a town's administration contacts ([routing.contacts])


def commands_for(person: Person | None, is_lead: bool) -> tuple[str, ...]:
    """Member commands, plus the lead's and the manager's where the person has that role."""
    names: tuple[str, ...] = MEMBER_COMMANDS
    if person is not None and (is_lead or person.is_manager):
        names += LEAD_COMMANDS
    if person is not None and person.is_manager:
        names += MANAGER_COMMANDS
    return names


def _with_contact(req: Req, person: Person | None, names: tuple[str, ...]) -> tuple[str, ...]:
    """A town's contact also gets /anfragen (the contacts are named in the config, not stored as a role)."""
    if person is not None and contact_towns(req.config.routing, person):
        return names + CONTACT_COMMANDS
    return names


async def role_commands(req: Req) -> tuple[str, ...]:
    is_lead = req.person is not None and bool(await led_team_ids(req.session, req.person))
    return _with_contact(req, req.person, commands_for(req.person, is_lead))


def _bot_commands(names: tuple[str, ...], lang: str) -> list[BotCommand]:
    return [BotCommand(n, t(lang, f"cmd.{n}")[:256]) for n in names]


async def publish_default_commands(bot: Bot) -> None:
    """The menu everyone sees: German by default, English for English-speaking Telegram apps."""
    await bot.set_my_commands(_bot_commands(MEMBER_COMMANDS, "de"))
    for lang in LANGUAGES:
        await bot.set_my_commands(_bot_commands(MEMBER_COMMANDS, lang), language_code=lang)


async def publish_person_commands(bot: Bot, telegram_id: int, names: tuple[str, ...] | None, lang: str) -> None:
    """The menu of one person's chat in their chosen language; `names` None (an erased person) clears it."""
    scope = BotCommandScopeChat(telegram_id)
    try:
        if names is None:
            await bot.delete_my_commands(scope=scope)
        else:
            await bot.set_my_commands(_bot_commands(names, lang), scope=scope)
    except TelegramError as exc:
        log.info("command menu not updated chat=%s reason=%s", telegram_id, exc)


async def refresh_later(req: Req, person: Person | None, telegram_id: int | None = None) -> None:
    """After commit, set the command menu of `person` from their roles (or clear it for an erased person)."""
    chat = telegram_id if telegram_id is not None else (person.telegram_id if person else req.user_id)
    if chat is None:  # a proxy member has no Telegram chat and so no command menu
        return
    names = None
    lang = person.language if person else req.lang
    if person is not None:
        names = _with_contact(req, person, commands_for(person, bool(await led_team_ids(req.session, person))))
    req.after(lambda: publish_person_commands(req.context.bot, chat, names, lang))
