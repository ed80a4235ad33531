"""Pictures as albums (handlers/uploads.py): Telegram takes 2–10 per album; more are split, one alone is a photo."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from telegram import Bot

from bot.transport import AiohttpRequest
from handlers.uploads import Album, Doc, send_upload
from tests.fakegram import FakeTelegram


@pytest.fixture
async def tg(fake: FakeTelegram) -> AsyncIterator[Bot]:
    async with Bot(fake.token, base_url=fake.base_url, request=AiohttpRequest()) as bot:
        yield bot


async def at_once(chat_id: int, call: Callable[[], Awaitable[Any]], what: str) -> Any:
    return await call()


@pytest.mark.parametrize(("count", "albums"), [(1, [1]), (4, [4]), (10, [10]), (11, [10, 1]), (12, [10, 2])])
async def test_pictures_go_out_in_albums_of_at_most_ten(fake: FakeTelegram, tg: Bot, count: int, albums: list[int]):
    anna = fake.user("Anna")
    pictures = [Doc(b"\x89PNG-%d" % i, f"bild-{i}.png", f"<b>Bild</b> {i}") for i in range(count)]
    await send_upload(tg, at_once, anna.chat_id, Album(pictures))
    assert [m.file_name for m in anna.messages] == [f"bild-{i}.png" for i in range(count)]
    assert [m.caption for m in anna.messages] == [f"Bild {i}" for i in range(count)]
    sizes = Counter(m.media_group_id or f"alone-{m.message_id}" for m in anna.messages)
    assert list(sizes.values()) == albums
    assert all(m.kind == "photo" for m in anna.messages)
