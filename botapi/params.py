"""Decoding Bot API request parameters the way the real server does.

PTB's HTTPXRequest sends form data whose non-string values are JSON strings;
other clients send JSON bodies or query strings.  The server sees everything
as strings, so fields are decoded *by name*: ``text="123"`` must stay a string
while ``chat_id="123"`` becomes an int.
"""

from __future__ import annotations

import json
import re
from typing import Any

from aiohttp import web

from .models import UploadedFile, bad_request

JSON_FIELDS = frozenset({
    "reply_markup", "commands", "scope", "allowed_updates", "entities", "caption_entities",
    "link_preview_options", "reply_parameters", "media", "menu_button", "rights",
})
INT_FIELDS = frozenset({
    "chat_id", "message_id", "offset", "limit", "timeout", "from_chat_id", "cache_time",
    "max_connections", "user_id", "reply_to_message_id", "message_thread_id",
})
BOOL_FIELDS = frozenset({
    "disable_notification", "protect_content", "show_alert", "drop_pending_updates",
    "disable_web_page_preview", "allow_sending_without_reply", "has_spoiler",
    "disable_content_type_detection", "show_caption_above_media", "for_channels",
})
_INT_RE = re.compile(r"-?\d+")
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


async def read_params(request: web.Request) -> dict[str, Any]:
    """Merge query string and body (JSON, urlencoded or multipart) into decoded params."""
    params: dict[str, Any] = dict(request.query)
    if request.method == "POST" and request.can_read_body:
        ctype = request.content_type
        if ctype == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise bad_request("can't parse JSON request body") from None
            if not isinstance(body, dict):
                raise bad_request("request body must be a JSON object")
            params.update(body)
        elif ctype in _FORM_TYPES:
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    mime = value.content_type or "application/octet-stream"
                    params[key] = UploadedFile(value.filename, value.file.read(), mime)
                else:
                    params[key] = value
    return decode(params)


def decode(params: dict[str, Any]) -> dict[str, Any]:
    """Decode string values by field name; resolve ``attach://name`` file references."""
    files = {k: v for k, v in params.items() if isinstance(v, UploadedFile)}
    out: dict[str, Any] = {}
    for key, value in params.items():
        if isinstance(value, str):
            if key in JSON_FIELDS:
                value = _json(key, value)
            elif key in INT_FIELDS:
                if _INT_RE.fullmatch(value.strip()):
                    value = int(value)
            elif key in BOOL_FIELDS:
                value = value.strip().lower() in ("true", "1")
            elif value.startswith("attach://") and value[len("attach://"):] in files:
                value = files[value[len("attach://"):]]
        out[key] = value
    return out


def _json(key: str, value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        if key == "reply_markup":
            raise bad_request("can't parse reply keyboard markup JSON object") from None
        raise bad_request(f"can't parse {key} JSON object") from None
