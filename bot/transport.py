"""A lean HTTP transport for python-telegram-bot: `AiohttpRequest`, a `BaseRequest` on aiohttp.

PTB's default `HTTPXRequest` costs a lot of CPU per call (httpx builds several objects per request and
response); profiling the benchmark showed it as the largest single cost of a bare echo bot. This class
keeps PTB's contract exactly:

* `do_request` returns `(status, body bytes)`; PTB's `BaseRequest` turns non-2xx answers into
  `Forbidden`, `RetryAfter`, `BadRequest`, `ChatMigrated`, ... as it does for httpx.
* Parameters are sent like HTTPXRequest sends them: `application/x-www-form-urlencoded` with every
  value already JSON-encoded by PTB (`RequestData.json_parameters`), or `multipart/form-data` with the
  same fields plus the files when the request uploads something.
* Timeouts: `connect_timeout` bounds opening a connection, `pool_timeout` waiting for a free one,
  `read_timeout` each read (PTB adds the long-poll `timeout` to it for getUpdates), and the whole request
  is bounded by the sum of all four (aiohttp has no separate write timeout). Timeouts raise `TimedOut`,
  other transport failures `NetworkError`.
* One `ClientSession` with a keep-alive connection pool, created in `initialize()` (it needs the loop).
"""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import urlencode

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

_FORM = {"Content-Type": "application/x-www-form-urlencoded"}
_TOKEN_IN_PATH = re.compile(r"/(file/)?bot[^/]+/")
log = logging.getLogger("actionbot.transport")


def redact_url(url: str) -> str:
    """The URL with the bot token in its path replaced by `<token>` (safe to log)."""
    return _TOKEN_IN_PATH.sub(lambda m: f"/{m.group(1) or ''}bot<token>/", url, count=1)


def _pick(value: ODVInput[float], default: float | None) -> float | None:
    return default if isinstance(value, DefaultValue) else value


def _total(*parts: float | None) -> float | None:
    """The whole-request deadline: the sum of the phase budgets, or none if any phase is unbounded."""
    if any(p is None for p in parts):
        return None
    return sum(p for p in parts if p is not None)


class AiohttpRequest(BaseRequest):
    """`telegram.request.BaseRequest` on an aiohttp `ClientSession` (keep-alive pool, no cookies).

    Defaults mirror `HTTPXRequest`: 256 connections, 5 s read/write/connect, 1 s pool, 20 s write for
    uploads. For getUpdates use a separate instance (PTB's builder does the same) so a long poll never
    holds a connection that a reply needs.
    """

    __slots__ = (
        "_connect_timeout",
        "_media_write_timeout",
        "_pool_size",
        "_pool_timeout",
        "_read_timeout",
        "_session",
        "_write_timeout",
    )

    def __init__(
        self,
        connection_pool_size: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        if connection_pool_size < 1:
            raise ValueError("connection_pool_size must be at least 1")
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is not None and not self._session.closed:
            return
        connector = aiohttp.TCPConnector(limit=self._pool_size, limit_per_host=self._pool_size, keepalive_timeout=30)
        self._session = aiohttp.ClientSession(
            connector=connector,
            cookie_jar=aiohttp.DummyCookieJar(),
            headers={"User-Agent": self.USER_AGENT},
            timeout=aiohttp.ClientTimeout(total=None),
        )

    async def shutdown(self) -> None:
        if self._session is None or self._session.closed:
            return
        session, self._session = self._session, None
        await session.close()

    def _timeout(
        self,
        files: bool,
        read_timeout: ODVInput[float],
        write_timeout: ODVInput[float],
        connect_timeout: ODVInput[float],
        pool_timeout: ODVInput[float],
    ) -> aiohttp.ClientTimeout:
        read = _pick(read_timeout, self._read_timeout)
        write = _pick(write_timeout, self._media_write_timeout if files else self._write_timeout)
        connect = _pick(connect_timeout, self._connect_timeout)
        pool = _pick(pool_timeout, self._pool_timeout)
        return aiohttp.ClientTimeout(
            total=_total(read, write, connect, pool),
            connect=_total(connect, pool),  # aiohttp's `connect` includes waiting for a pooled connection
            sock_connect=connect,
            sock_read=read,
        )

    @staticmethod
    def _body(request_data: RequestData | None) -> tuple[Any, dict[str, str] | None]:
        if request_data is None:
            return None, None
        fields = request_data.json_parameters
        if not request_data.contains_files:
            return urlencode(fields).encode("ascii"), _FORM
        form = aiohttp.FormData()
        for name, value in fields.items():
            form.add_field(name, value)
        for name, (filename, content, mime) in request_data.multipart_data.items():
            form.add_field(name, content, filename=filename, content_type=mime)
        return form, None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        body, headers = self._body(request_data)
        files = bool(request_data is not None and request_data.contains_files)
        timeout = self._timeout(files, read_timeout, write_timeout, connect_timeout, pool_timeout)
        try:
            async with session.request(method, url, data=body, headers=headers, timeout=timeout) as resp:
                payload = await resp.read()
        except aiohttp.ConnectionTimeoutError as exc:
            raise TimedOut(
                "Pool or connect timeout: no connection to the Bot API became available in time. "
                "The request was *not* sent."
            ) from exc
        except TimeoutError as exc:  # aiohttp's ServerTimeoutError is one too
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{exc.__class__.__name__}: {exc}") from exc
        if log.isEnabledFor(logging.DEBUG):  # like httpx's request line, but at DEBUG and without the token
            log.debug("HTTP %s %s -> %s", method, redact_url(url), resp.status)
        return resp.status, payload
