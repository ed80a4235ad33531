"""/linkgroup and /unlinkgroup, run by a team lead inside the team's Telegram group, and supergroup moves.

In groups the bot sees only commands (privacy mode) and buttons under its own messages, so everything here
starts from one of those. Anyone in a group can press a button: the team choice only acts for the lead who
asked, and the domain checks the lead's right again.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ContextTypes

from handlers.codec import encode
from handlers.common import Btn, Req, View, esc, services
from handlers.privacy import ask_agree_again
from models import groups as groups_domain
from models.errors import Refusal
from models.privacy.consents import must_agree_again

log = logging.getLogger("actionbot.groups")
NOT_PEOPLE = (1087968824, 777000)  # the anonymous group admin and Telegram itself post under these ids


def _group_chat(req: Req) -> tuple[int, str]:
    chat = req.update.effective_chat
    if chat is None or chat.type not in (chat.GROUP, chat.SUPERGROUP):
        raise Refusal("groups.only_in_groups")
    return chat.id, chat.title or "?"


def _registered(req: Req) -> bool:
    """A registered person may go on; anyone else is told what to do first (privately, not here)."""
    if req.user_id in NOT_PEOPLE:
        req.reply(req.t("groups.anonymous"))
        return False
    if req.person is None or not req.person.is_complete:
        url = f"https://t.me/{req.context.bot.username}"
        req.reply(View(req.t("groups.register_first"), [[Btn(req.t("groups.register_button"), url=url)]]))
        return False
    if must_agree_again(req.person, req.config.privacy_version):  # a newer notice: agree first, privately
        ask_agree_again(req)
        return False
    return True


async def link_group(req: Req) -> None:
    """/linkgroup: link this group to the lead's team, asking which one if they lead several."""
    chat_id, _ = _group_chat(req)
    if not _registered(req):
        return
    teams = await groups_domain.linkable_teams(req.session, req.me)
    if len(teams) == 1:
        await _link(req, teams[0].id)
        return
    buttons = [[Btn(t.name(req.lang), encode("grp_link", t.id, req.me.id))] for t in teams]
    req.reply(View(req.t("groups.which_team"), buttons))
    log.info("group link asked chat_id=%s person_id=%s teams=%s", chat_id, req.me.id, len(teams))


async def on_group_button(req: Req) -> None:
    """grp_link:<team>:<person who asked>: only that person's tap links the group."""
    assert req.cb is not None
    team_id, asker = req.cb.int(0), req.cb.int(1)
    if asker != req.me.id:
        raise Refusal("groups.not_your_button")
    await _link(req, team_id)


async def _link(req: Req, team_id: int) -> None:
    chat_id, title = _group_chat(req)
    linked = await groups_domain.link(req.session, req.me, team_id, chat_id, title, req.now, req.config.meetings)
    team = esc(linked.team.name(req.lang))
    if linked.already:
        req.show(View(req.t("groups.already_linked", team=team)))
        return
    lines = [req.t("groups.linked", team=team)]
    if linked.replaced_title is not None:
        lines.append(req.t("groups.replaced", title=esc(linked.replaced_title)))
    if linked.meetings:
        lines.append(req.t("groups.upcoming", count=linked.meetings))
    req.show(View("\n\n".join(lines)))
    req.deliver_soon()
    log.info("group linked chat_id=%s team_id=%s replaced=%s", chat_id, team_id, linked.replaced_title is not None)


async def unlink_group(req: Req) -> None:
    """/unlinkgroup: this group no longer gets the team's meeting messages."""
    chat_id, _ = _group_chat(req)
    if not _registered(req):
        return
    team = await groups_domain.unlink(req.session, req.me, chat_id, req.now, req.config.meetings)
    req.reply(req.t("groups.unlinked", team=esc(team.name(req.lang))))
    log.info("group unlinked chat_id=%s team_id=%s", chat_id, team.id)


async def on_migrate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Telegram's service message when a group becomes a supergroup (sent in the old and in the new chat)."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return
    if message.migrate_to_chat_id:
        old, new = chat.id, message.migrate_to_chat_id
    elif message.migrate_from_chat_id:
        old, new = message.migrate_from_chat_id, chat.id
    else:
        return
    svc = services(context)
    async with svc.db.transaction() as s:
        moved = await groups_domain.follow_migration(s, old, new)
    log.info("group migrated old=%s new=%s linked=%s", old, new, moved)
