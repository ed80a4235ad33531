"""The demo's chat page and its small JSON API, served by the stand-in's own HTTP server.

The page (demo/static) renders what the bot sent from plain text and entities, building DOM nodes with
textContent, so nothing user-written is ever parsed as HTML. Requests must come from the page itself: the Host
must be this server's, an Origin (browsers send one with every POST and cross-site request) must be this
server's, and actions must be JSON (a foreign form cannot send that without a preflight this server refuses).
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime, timedelta
from importlib.resources import files
from typing import Any

from aiohttp import web

from botapi import BotMessage, SimUser
from botapi.html import utf16_len
from botapi.users import SimChat
from core.texts import catalogue, format_day, format_when
from demo import mailbox, seed
from demo.running import Demo

STATIC = files("demo") / "static"
DEMO = web.AppKey("demo", dict)
HOURS = (1, 24)
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
STATIC_TYPES = {"index.html": "text/html", "app.js": "text/javascript", "style.css": "text/css",
                "favicon.svg": "image/svg+xml"}
TEXT_LIMIT = 4096  # Telegram's limit for a typed message (UTF-16 code units, as the page counts)
CAPTION_LIMIT = 1024
PHOTO_LIMIT = 10 * 1024 * 1024  # Telegram takes photos up to 10 MB
DOCUMENT_LIMIT = 20 * 1024 * 1024  # a bot downloads files up to 20 MB


def install(app: web.Application, holder: dict[str, Demo]) -> None:
    app.middlewares.append(_same_origin)
    app[DEMO] = holder
    app.router.add_get("/", _index)
    app.router.add_get("/favicon.ico", _favicon)
    app.router.add_get("/static/{name}", _static)
    app.router.add_get("/api/state", _state)
    app.router.add_post("/api/send", _send)
    app.router.add_post("/api/upload", _upload)
    app.router.add_post("/api/press", _press)
    app.router.add_post("/api/clock", _clock)
    app.router.add_get("/api/file/{chat}/{message}", _file)


def _allowed_hosts(request: web.Request) -> set[str]:
    port = request.transport.get_extra_info("sockname")[1] if request.transport else 0
    return {f"127.0.0.1:{port}", f"localhost:{port}"}


@web.middleware
async def _same_origin(request: web.Request, handler: Any) -> web.StreamResponse:
    hosts = _allowed_hosts(request)
    origin = request.headers.get("Origin")
    if request.host not in hosts or (origin is not None and origin not in {f"http://{h}" for h in hosts}):
        return web.Response(status=403, text="forbidden: the demo answers its own page only")
    if request.method == "POST" and request.path.startswith("/api/") and request.content_type != "application/json":
        return web.Response(status=415, text="JSON only")
    response: web.StreamResponse = await handler(request)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    return response


def _demo(request: web.Request) -> Demo:
    demo: Demo | None = request.app[DEMO].get("demo")
    if demo is None:
        raise web.HTTPServiceUnavailable(text="starting")
    return demo


async def _index(request: web.Request) -> web.Response:
    return _static_response("index.html")


async def _favicon(request: web.Request) -> web.Response:
    return _static_response("favicon.svg")


async def _static(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    if name not in STATIC_TYPES:
        raise web.HTTPNotFound()
    return _static_response(name)


def _static_response(name: str) -> web.Response:
    body = (STATIC / name).read_text(encoding="utf-8")  # all text: the favicon is an SVG
    return web.Response(text=body, content_type=STATIC_TYPES[name], charset="utf-8",
                        headers={"Content-Security-Policy": CSP, "Cache-Control": "no-store"})


# --- state --------------------------------------------------------------------------------------------


def version(demo: Demo) -> tuple[int, int, int, int]:
    """Changes whenever anything the page shows may have changed (the bot's long polls do not count)."""
    fake = demo.fake
    calls = sum(1 for name, _ in fake.requests if name != "getUpdates")
    answers = sum(len(u.callback_answers) for u in fake.users.values())
    typed = sum(len(c.user_messages) for c in fake.chats.values())
    return calls, typed, answers, demo.version


async def _state(request: web.Request) -> web.Response:
    demo = _demo(request)
    after = request.query.get("after", "")
    if after and after == _key(version(demo)):
        try:
            await demo.fake.wait_for(lambda: _key(version(demo)) != after, timeout=20)
        except TimeoutError:
            pass
    return web.json_response(snapshot(demo))


def _key(v: tuple[int, ...]) -> str:
    return ".".join(map(str, v))


def snapshot(demo: Demo) -> dict[str, Any]:
    lang = demo.lang
    texts = {k.removeprefix("demo."): v for k, v in catalogue(lang).items() if k.startswith("demo.")}
    persons = []
    for p in seed.PERSONAS:
        user = demo.users[p.key]
        chats = [_chat(demo, user, user, f"{demo.fake.bot_user['first_name']}")]
        for group in demo.fake.groups.values():
            if user.user_id in group.members:
                chats.append(_chat(demo, user, group, group.title))
        persons.append({
            "key": p.key, "name": f"{p.first_name} {p.last_name}", "role": texts.get(p.role.removeprefix("demo."), ""),
            "chats": chats, "commands": _commands(demo, user),
            "toasts": [{"text": t or "", "alert": a} for t, a in user.callback_answers],
        })
    now = format_when(demo.clock.now(), lang, demo.config.time_zone)
    return {"version": _key(version(demo)), "now": now, "bot": demo.fake.bot_username, "texts": texts,
            "lang": lang, "persons": persons, "instance": demo.instance, "inbox": _inbox(demo),
            "limits": {"text": TEXT_LIMIT, "caption": CAPTION_LIMIT, "photo": PHOTO_LIMIT, "document": DOCUMENT_LIMIT}}


def _inbox(demo: Demo) -> dict[str, Any]:
    """The town hall's Posteingang (demo/mailbox.py): newest first, each with the answer page's link it holds. The
    demo's SMTP server also takes the invitations to members reached by e-mail: they are not the town hall's."""
    box = demo.inbox
    received = [] if box is None else [m for m in box.messages if mailbox.ADDRESS in m.to]
    page = f"{demo.config.web.public_url}/a/"
    mails = []
    for m in reversed(received):
        link = next((w for w in m.text.split() if w.startswith(page)), "") if demo.config.web.public_url else ""
        mails.append({"id": m.id, "subject": m.subject, "from": m.sender, "to": m.to, "text": m.text, "link": link,
                      **_stamp(demo, int(m.at.timestamp()))})
    return {"address": mailbox.ADDRESS, "mails": mails}


def _commands(demo: Demo, user: SimUser) -> list[dict[str, Any]]:
    fake = demo.fake
    for scope, code in (({"chat_id": user.user_id, "type": "chat"}, user.language_code or ""),
                        ({"chat_id": user.user_id, "type": "chat"}, ""), (None, user.language_code or ""), (None, "")):
        found = fake.commands_for(scope, code)
        if found:
            return found
    return []


def _chat(demo: Demo, viewer: SimUser, chat: SimChat, title: str) -> dict[str, Any]:
    items: list[tuple[int, dict[str, Any]]] = []
    for m in chat.messages:
        if not m.deleted:
            items.append((m.message_id, {**_bot_message(m), **_stamp(demo, m.date)}))
    for mid, raw in chat.user_messages.items():
        sender = raw.get("from", {})
        out = {"id": mid, "from": sender.get("first_name", ""), "mine": sender.get("id") == viewer.user_id,
               "text": raw.get("text") or raw.get("caption") or "", "entities": [], **_stamp(demo, raw.get("date"))}
        url = f"/api/file/{chat.chat_id}/{mid}"
        if raw.get("photo"):
            out["photo"] = url
        elif raw.get("document"):
            doc = raw["document"]
            out["document"] = {"name": doc.get("file_name", ""), "size": doc.get("file_size", 0), "url": url}
        items.append((mid, out))
    items.sort(key=lambda pair: pair[0])
    return {"id": chat.chat_id, "title": title, "group": chat.chat_id < 0, "messages": [m for _, m in items]}


def _stamp(demo: Demo, date: Any) -> dict[str, str]:
    """A message's time on the demo's clock (the stand-in dates messages by it), and its day for separators."""
    if not isinstance(date, int):
        return {}
    when = datetime.fromtimestamp(date, UTC)
    local = when.astimezone(demo.config.time_zone)
    return {"time": local.strftime("%H:%M"), "day": format_day(when, demo.lang, demo.config.time_zone),
            "at": format_when(when, demo.lang, demo.config.time_zone)}


def _bot_message(m: BotMessage) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": m.message_id, "from": "", "bot": True, "text": m.text, "entities": m.entities, "edited": m.edited,
        "buttons": [[{"text": b.text, "data": b.callback_data, "url": b.url} for b in row] for row in m.buttons],
        "album": m.media_group_id,
    }
    if m.document is not None:
        out["document"] = {"name": m.document[0], "size": len(m.document[1]),
                           "url": f"/api/file/{m.chat_id}/{m.message_id}"}
    if m.photo is not None:
        out["photo"] = f"/api/file/{m.chat_id}/{m.message_id}"
    if m.voice is not None:  # a recording played back to a lead: the page shows a player
        out["voice"] = f"/api/file/{m.chat_id}/{m.message_id}"
    return out


async def _file(request: web.Request) -> web.Response:
    demo = _demo(request)
    try:
        chat = demo.fake.chats[int(request.match_info["chat"])]
        message_id = int(request.match_info["message"])
    except (KeyError, ValueError):
        raise web.HTTPNotFound() from None
    if message_id in chat.user_messages:
        return _user_file(demo, chat.user_messages[message_id])
    msg = chat.bot_messages.get(message_id)
    if msg is None:
        raise web.HTTPNotFound()
    if msg.photo is not None:
        kind = "image/png" if msg.photo.startswith(b"\x89PNG") else "image/jpeg"
        return web.Response(body=msg.photo, content_type=kind)
    if msg.voice is not None:
        return web.Response(body=msg.voice, content_type="audio/ogg")
    if msg.document is None:
        raise web.HTTPNotFound()
    name, data, mime = msg.document
    return _attachment(name, data, mime)


def _user_file(demo: Demo, raw: dict[str, Any]) -> web.Response:
    """What a person uploaded: their photo shown, their document downloaded under its own (made safe) name."""
    if raw.get("photo"):
        file_id = raw["photo"][-1]["file_id"]
    elif raw.get("document"):
        file_id = raw["document"]["file_id"]
    else:
        raise web.HTTPNotFound()
    f = demo.fake.files.get(file_id)
    if f is None:
        raise web.HTTPNotFound()
    if raw.get("photo"):
        kind = "image/png" if f.data.startswith(b"\x89PNG") else "image/jpeg"
        return web.Response(body=f.data, content_type=kind)
    return _attachment(f.file_name, f.data, f.mime_type)


def _attachment(name: str, data: bytes, mime: str) -> web.Response:
    safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in name) or "download"
    return web.Response(body=data, content_type="application/octet-stream",
                        headers={"Content-Disposition": f'attachment; filename="{safe}"', "X-Mime": mime})


# --- actions ------------------------------------------------------------------------------------------


async def _body(request: web.Request) -> tuple[Demo, SimUser, dict[str, Any]]:
    demo = _demo(request)
    try:
        data = await request.json()
    except json.JSONDecodeError:
        raise web.HTTPBadRequest(text="bad JSON") from None
    if not isinstance(data, dict):
        raise web.HTTPBadRequest(text="bad JSON")
    user = demo.users.get(str(data.get("person", "")))
    if user is None:
        raise web.HTTPBadRequest(text="unknown person")
    return demo, user, data


def _target(demo: Demo, user: SimUser, data: dict[str, Any]) -> SimChat:
    chat_id = data.get("chat", user.user_id)
    chat = demo.fake.chats.get(chat_id) if isinstance(chat_id, int) else None
    if chat is None or (chat is not user and chat_id not in demo.fake.groups):
        raise web.HTTPBadRequest(text="unknown chat")
    if chat is not user and user.user_id not in demo.fake.groups[chat_id].members:
        raise web.HTTPForbidden(text="not in this group")
    return chat


async def _send(request: web.Request) -> web.Response:
    demo, user, data = await _body(request)
    chat = _target(demo, user, data)
    text = str(data.get("text", "")).strip()
    if not text:
        raise web.HTTPBadRequest(text="empty")
    if utf16_len(text) > TEXT_LIMIT:  # refused, never cut: the page says so before it gets here
        raise web.HTTPRequestEntityTooLarge(max_size=TEXT_LIMIT, actual_size=utf16_len(text), text="too long")
    demo.spawn(user.send(text) if chat is user else user.send_in(demo.fake.groups[chat.chat_id], text))
    demo.version += 1
    return web.json_response({"ok": True})


async def _upload(request: web.Request) -> web.Response:
    """A photo or a document from the page, delivered to the bot as Telegram delivers it (photo sizes with a
    file_id; a document with its name and type), with the composer's text as its caption."""
    demo, user, data = await _body(request)
    chat = _target(demo, user, data)
    try:
        body = base64.b64decode(str(data.get("data", "")), validate=True)
    except (binascii.Error, ValueError):
        raise web.HTTPBadRequest(text="bad file") from None
    name = str(data.get("name") or "datei")[:200]
    mime = str(data.get("mime") or "application/octet-stream")[:100]
    caption = str(data.get("caption") or "").strip() or None
    as_photo = data.get("kind") == "photo"
    if not body:
        raise web.HTTPBadRequest(text="empty file")
    if len(body) > (PHOTO_LIMIT if as_photo else DOCUMENT_LIMIT) or (caption and utf16_len(caption) > CAPTION_LIMIT):
        raise web.HTTPRequestEntityTooLarge(max_size=DOCUMENT_LIMIT, actual_size=len(body), text="too large")
    group = demo.fake.groups[chat.chat_id] if chat is not user else None
    if as_photo:
        demo.spawn(user.send_photo(body, caption, chat=group))
    else:
        demo.spawn(user.send_document(body, name, mime, caption, chat=group))
    demo.version += 1
    return web.json_response({"ok": True})


async def _press(request: web.Request) -> web.Response:
    demo, user, data = await _body(request)
    chat = _target(demo, user, data)
    message_id = data.get("message")
    msg = chat.bot_messages.get(message_id) if isinstance(message_id, int) else None
    button = None
    if msg is not None and not msg.deleted:
        button = next((b for b in msg.flat_buttons() if b.callback_data and b.callback_data == data.get("data")), None)
    if msg is None or button is None or button.callback_data is None:
        raise web.HTTPBadRequest(text="no such button")
    demo.spawn(user.press_data(button.callback_data, message=msg))
    demo.version += 1
    return web.json_response({"ok": True})


async def _clock(request: web.Request) -> web.Response:
    demo = _demo(request)
    data = await request.json()
    hours = data.get("hours") if isinstance(data, dict) else None
    if hours not in HOURS:
        raise web.HTTPBadRequest(text="hours: 1 or 24")
    sent = await demo.advance(timedelta(hours=hours))
    return web.json_response({"ok": True, "sent": sent})
