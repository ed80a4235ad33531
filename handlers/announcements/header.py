"""The header above an announcement ("📣 Mitteilung von Maria Keller, Projektmanagement").

It is composed here, with the text, for the recipients' messages and for the sender's preview alike; the
composer's length limits leave room for it, so text and header together stay within Telegram's limits.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy.ext.asyncio import AsyncSession

from core.texts import LANGUAGES, t
from handlers.common import esc
from handlers.names import shown_name
from models.announcements.core import Content, visible_length
from models.announcements.sender import Sender
from models.tables import Team

SEPARATOR = "\n\n"


async def header_html(s: AsyncSession, sender: Sender, lang: str) -> str:
    """The header in `lang`: name and role, the name alone, or a plain header when the sender is gone."""
    if sender.name is None:
        return t(lang, "announce.header_unknown")
    name = esc(shown_name(lang, sender.name))
    if sender.manager:
        role = t(lang, "announce.role_manager")
    elif sender.lead_of:
        teams = [team for i in sender.lead_of if (team := await s.get(Team, i)) is not None]
        role = t(lang, "announce.role_lead", teams=", ".join(esc(team.name(lang)) for team in teams))
    else:
        return t(lang, "announce.header_name", name=name)
    return t(lang, "announce.header", name=name, role=role)


def with_header(content: Content, header: str) -> Content:
    """The content as recipients get it: the header, a blank line, then the sender's text or caption."""
    body = content.text_html
    return replace(content, text_html=header + (SEPARATOR + body if body else ""))


async def room(s: AsyncSession, sender: Sender) -> int:
    """How many characters the header takes in the longest language, so the composer can leave room for it."""
    return max([visible_length(await header_html(s, sender, lang) + SEPARATOR) for lang in LANGUAGES])
