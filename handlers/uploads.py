"""Files a handler sends back: documents, and pictures as albums (Telegram takes 2–10 per album).

`Req` queues them (`req.document`, `req.album`) and sends them after the commit through `send_upload`, each API
call through the update's pace (`Req.paced`: per-chat pace, 429 waited out).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from telegram import Bot, InputFile, InputMediaPhoto
from telegram.constants import ParseMode

ALBUM_MAX = 10  # Telegram's limit of pictures in one album
Pace = Callable[[int, Callable[[], Awaitable[Any]], str], Awaitable[Any]]


@dataclass
class Doc:
    data: bytes
    filename: str
    caption: str


@dataclass
class Album:
    photos: list[Doc]


async def send_upload(bot: Bot, pace: Pace, target: int, item: Doc | Album) -> None:
    if isinstance(item, Doc):
        doc = InputFile(item.data, filename=item.filename)
        caption = item.caption or None
        await pace(
            target, lambda: bot.send_document(target, doc, caption=caption, parse_mode=ParseMode.HTML), "document"
        )
        return
    for i in range(0, len(item.photos), ALBUM_MAX):
        await _album(bot, pace, target, item.photos[i : i + ALBUM_MAX])


async def _album(bot: Bot, pace: Pace, target: int, photos: list[Doc]) -> None:
    """Up to ten pictures: one album (sendMediaGroup needs at least two), a single one as a photo."""
    if len(photos) == 1:
        one = photos[0]
        await pace(
            target,
            lambda: bot.send_photo(
                target, one.data, caption=one.caption or None, parse_mode=ParseMode.HTML, filename=one.filename
            ),
            "photo",
        )
        return
    media = [
        InputMediaPhoto(p.data, caption=p.caption or None, parse_mode=ParseMode.HTML, filename=p.filename)
        for p in photos
    ]
    await pace(target, lambda: bot.send_media_group(target, media), "album")
