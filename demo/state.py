"""What the demo keeps beside its database: the demo's clock and every chat of the stand-in.

The database remembers what the bot did; the stand-in keeps chats in memory. Without this file a restart
showed empty chats over the kept data and put the clock back to the wall clock, so finished meetings came
back as upcoming. The file is rewritten (atomically) shortly after every change and when the demo stops;
`--fresh` deletes it with the database.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import os
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

from botapi import BotMessage, Button, FakeTelegram
from botapi.models import UploadedFile
from botapi.users import SimGroup

VERSION = 1


def state_path(db_path: Path) -> Path:
    """`actionbot-demo.db` keeps its chats and clock in `actionbot-demo.db.chats.json`."""
    return db_path.with_name(db_path.name + ".chats.json")


@dataclasses.dataclass
class Saved:
    now: datetime
    instance: str  # the page keeps its own memory (open chat, read messages) per demo, not per address


def load(path: Path, fake: FakeTelegram) -> Saved | None:
    """Put the saved chats and files into `fake` (its users and groups exist already); None without a file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    if data.get("version") != VERSION:
        return None
    for key, raw in data["files"].items():
        fake.files[key] = UploadedFile(raw["name"], _unb64(raw["data"]), raw["mime"])
    fake.file_paths.update(data["file_paths"])
    fake._next_file = max(fake._next_file, int(data["next_file"]))  # noqa: SLF001 - the stand-in's own counter
    for key, raw in data["chats"].items():
        chat = fake.chats.get(int(key))
        if chat is None:
            continue
        chat.messages = [_message(m) for m in raw["messages"]]
        chat.bot_messages = {m.message_id: m for m in chat.messages}
        chat.user_messages = {int(k): v for k, v in raw["user_messages"].items()}
        chat._next_mid = int(raw["next_mid"])  # noqa: SLF001 - message ids go on where they stopped
        chat.last = chat.messages[-1] if chat.messages else None
        if isinstance(chat, SimGroup):
            chat.members |= set(raw.get("members", []))
    return Saved(datetime.fromisoformat(data["now"]), str(data.get("instance") or uuid.uuid4().hex))


def dump(fake: FakeTelegram, now: datetime, instance: str) -> dict[str, Any]:
    chats: dict[str, Any] = {}
    for chat_id, chat in fake.chats.items():
        if not chat.messages and not chat.user_messages:
            continue
        entry: dict[str, Any] = {
            "messages": [_message_json(m) for m in chat.messages],
            "user_messages": {str(k): v for k, v in chat.user_messages.items()},
            "next_mid": chat._next_mid,  # noqa: SLF001
        }
        if isinstance(chat, SimGroup):
            entry["members"] = sorted(chat.members)
        chats[str(chat_id)] = entry
    files = {k: {"name": f.file_name, "data": _b64(f.data), "mime": f.mime_type} for k, f in fake.files.items()}
    return {"version": VERSION, "instance": instance, "now": now.isoformat(), "chats": chats, "files": files,
            "file_paths": fake.file_paths, "next_file": fake._next_file}  # noqa: SLF001


def save(path: Path, fake: FakeTelegram, now: datetime, instance: str) -> None:
    """Write atomically: a demo stopped mid-write keeps the previous state."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(dump(fake, now, instance), ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


def change_key(fake: FakeTelegram, extra: int) -> tuple[int, ...]:
    """Moves whenever something worth saving changed (sends, edits, deletions, typed messages)."""
    typed = sum(len(c.user_messages) for c in fake.chats.values())
    deleted = sum(m.deleted for c in fake.chats.values() for m in c.messages)
    return len(fake.events), typed, deleted, len(fake.files), extra


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"))


def _message_json(m: BotMessage) -> dict[str, Any]:
    out = {f.name: getattr(m, f.name) for f in dataclasses.fields(BotMessage)}
    out["buttons"] = [[dataclasses.asdict(b) for b in row] for row in m.buttons]
    out["document"] = None if m.document is None else [m.document[0], _b64(m.document[1]), m.document[2]]
    out["photo"] = None if m.photo is None else _b64(m.photo)
    out["voice"] = None if m.voice is None else _b64(m.voice)  # a recording played back to a lead
    return out


def _message(raw: dict[str, Any]) -> BotMessage:
    raw = dict(raw)
    raw["buttons"] = [[Button(**b) for b in row] for row in raw["buttons"]]
    if raw["document"] is not None:
        name, data, mime = raw["document"]
        raw["document"] = (name, _unb64(data), mime)
    if raw["photo"] is not None:
        raw["photo"] = _unb64(raw["photo"])
    if raw.get("voice") is not None:  # states saved before voices were played have no such field
        raw["voice"] = _unb64(raw["voice"])
    known = {f.name for f in dataclasses.fields(BotMessage)}
    return BotMessage(**{k: v for k, v in raw.items() if k in known})
