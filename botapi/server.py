"""FakeTelegram: an in-process Bot API server plus the test-facing control API.

The real PTB ``Application`` talks HTTP to this server exactly as it would to
api.telegram.org, so tests exercise the bot's real request/response handling,
error paths (403/429/400, 5xx outages) and update loop rather than mocked method calls.
"""

# The test API deliberately takes `timeout=` arguments (like asyncio.wait_for) so tests read
# naturally: `await anna.wait_for_message(pred, timeout=5)`.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from aiohttp import web

from .limits import Faults, FloodLimits
from .methods import BotApi
from .models import ApiError, BotMessage, UploadedFile, bad_request
from .params import read_params
from .updates import Notifier, UpdateQueue
from .users import SimChat, SimGroup, SimUser

T = TypeVar("T")
BOT_ID = 7000001


class FakeTelegram:
    """Fake Bot API server on 127.0.0.1 with simulated users, groups and failure injection."""

    def __init__(self, token: str = "123456:TEST", bot_username: str = "actionbot_test_bot") -> None:
        self.token = token
        self.bot_username = bot_username
        self.bot_user: dict[str, Any] = {"id": BOT_ID, "is_bot": True, "first_name": "actionbot",
                                         "username": bot_username}
        self.me: dict[str, Any] = {
            **self.bot_user, "can_join_groups": True, "can_read_all_group_messages": False,
            "supports_inline_queries": False, "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.stats: Counter[str] = Counter()
        self.latencies: list[float] = []
        self.on_bot_message: Callable[[BotMessage], None] | None = None
        self.clock: Callable[[], float] = time.time  # messages' dates (the demo's clock moves on its own)
        self.track_processing = False
        self.faults = Faults()
        self.limits: FloodLimits | None = None
        self.queue = UpdateQueue()
        self.users: dict[int, SimUser] = {}
        self.groups: dict[int, SimGroup] = {}
        self.chats: dict[int, SimChat] = {}
        self.files: dict[str, UploadedFile] = {}
        self.file_paths: dict[str, str] = {}
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.bot_settings: dict[str, dict[str, Any]] = {}
        self.callbacks: dict[str, tuple[SimUser, int]] = {}
        self.events: list[tuple[int, BotMessage]] = []  # (chat_id, message) per send/edit
        self._api = BotApi(self)
        self._changes = Notifier()
        self.queue.on_change = self._changes.notify
        self._processed: set[int] = set()
        self._processed_waiters: dict[int, asyncio.Future[None]] = {}
        self._touches: dict[int, list[float]] = {}  # chat -> [count, last monotonic time]
        self._outstanding: dict[int, dict[int, float]] = {}  # chat -> {update_id: enqueued}
        self._update_chat: dict[int, int] = {}
        self._next_update_id = 1000
        self._next_user_id = 100001
        self._next_group_id = 1
        self._next_file = 1
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- lifecycle ------------------------------------------------------------------

    async def start(self, port: int = 0, setup: Callable[[web.Application], None] | None = None) -> FakeTelegram:
        """Listen on 127.0.0.1 (`port` 0: any free port); `setup` may add routes (the demo's chat page)."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        if setup is not None:
            setup(app)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        await self.queue.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegram:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.url}/file/bot"

    # -- HTTP -----------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(ApiError(401, "Unauthorized").to_json(), status=401)
        found = self._api.lookup(request.match_info["method"])
        if found is None:
            return web.json_response(ApiError(404, "Not Found").to_json(), status=404)
        name, handler = found
        self.stats["requests"] += 1
        try:
            params = await read_params(request)
            self.requests.append((name, params))
            self.faults.check_method(name)
            result = handler(params)
            if asyncio.iscoroutine(result):
                result = await result
            body: dict[str, Any] = {"ok": True, "result": result}
            status = 200
        except ApiError as exc:
            body, status = exc.to_json(), exc.error_code
            self.stats[str(status)] += 1
        self._changes.notify()
        return web.json_response(body, status=status)

    async def _handle_file(self, request: web.Request) -> web.Response:
        file_id = self.file_paths.get(request.match_info["path"])
        if request.match_info["token"] != self.token or file_id is None:
            return web.json_response(ApiError(404, "Not Found").to_json(), status=404)
        f = self.files[file_id]
        return web.Response(body=f.data, content_type=f.mime_type)

    # -- state used by the method handlers ------------------------------------------------

    def resolve_chat(self, chat_id: Any) -> SimChat:
        if isinstance(chat_id, str):
            name = chat_id.lstrip("@").lower()
            for candidate in self.chats.values():
                if str(candidate.chat_json.get("username", "")).lower() == name:
                    return candidate
            raise bad_request("chat not found")
        chat: SimChat | None = self.chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None:
            raise bad_request("chat not found" if chat_id not in (None, "") else "chat_id is empty")
        return chat

    def register_file(self, f: UploadedFile, kind: str) -> tuple[str, str]:
        """Store uploaded bytes; return ``(file_id, file_unique_id)`` usable with getFile."""
        n = self._next_file
        self._next_file += 1
        file_id, unique = f"{kind}-{n:06d}-{BOT_ID}", f"u{kind[:3]}{n:06d}"
        ext = f.file_name.rsplit(".", 1)[-1] if "." in f.file_name else "bin"
        self.files[file_id] = f
        self.file_paths[f"{kind}s/file_{n}.{ext}"] = file_id
        return file_id, unique

    def touch(self, chat_id: int) -> None:
        t = self._touches.get(chat_id)
        if t is None:
            t = self._touches[chat_id] = [0, 0.0]
        t[0] += 1
        t[1] = time.monotonic()

    def record(self, chat: SimChat, msg: BotMessage, method: str) -> None:
        """Book-keeping for every successful send/edit (hot path: keep it cheap)."""
        now = time.monotonic()
        if self.limits is not None:
            self.limits.commit(chat.chat_id, now, msg.media_group_id)
        self.stats["edited" if method.startswith("edit") else "sent"] += 1
        self.events.append((chat.chat_id, msg))
        chat.last = msg
        self.touch(chat.chat_id)
        if method in ("sendMessage", "editMessageText"):
            out = self._outstanding.get(chat.chat_id)
            if out:
                uid = next(iter(out))
                self.latencies.append(now - out.pop(uid))
        if self.on_bot_message is not None:
            self.on_bot_message(msg)

    # -- updates & waiting ------------------------------------------------------------------

    def enqueue(self, payload: dict[str, Any], chat_id: int | None = None) -> int:
        """Queue a raw update (``{"message": {...}}`` etc.); returns its update_id."""
        uid = self._next_update_id
        self._next_update_id += 1
        self.queue.push({"update_id": uid, **payload})
        if chat_id is not None:
            self._update_chat[uid] = chat_id
            self._outstanding.setdefault(chat_id, {})[uid] = time.monotonic()
        self._changes.notify()
        return uid

    def mark_processed(self, update_id: int) -> None:
        """Called by the test harness once the bot finished handling ``update_id``."""
        self._processed.add(update_id)
        chat_id = self._update_chat.pop(update_id, None)
        if chat_id is not None:
            self._outstanding.get(chat_id, {}).pop(update_id, None)
        fut = self._processed_waiters.pop(update_id, None)
        if fut is not None and not fut.done():
            fut.set_result(None)
        self._changes.notify()

    async def wait_processed(self, update_id: int, timeout: float = 10) -> None:
        if update_id in self._processed:
            return
        fut = self._processed_waiters.get(update_id)
        if fut is None:
            fut = self._processed_waiters[update_id] = asyncio.get_running_loop().create_future()
        try:
            await asyncio.wait_for(asyncio.shield(fut), timeout)
        except TimeoutError:
            raise TimeoutError(f"update {update_id} was not processed within {timeout}s "
                               f"(is the bot polling {self.base_url}?)") from None

    def notify(self) -> None:
        """Wake everyone waiting in `wait_for` (the demo's page after the clock moved)."""
        self._changes.notify()

    async def wait_for(self, predicate: Callable[[], T | None], timeout: float = 5) -> T:
        """Wait until ``predicate()`` is truthy, re-checking after every state change."""
        try:
            async with asyncio.timeout(timeout):
                while not (result := predicate()):
                    await self._changes.wait()
                return result
        except TimeoutError:
            raise TimeoutError(f"condition not met within {timeout}s") from None

    async def dispatch(self, payload: dict[str, Any], chat_id: int, also: Iterable[int] = (),
                       timeout: float = 10) -> list[BotMessage]:
        """Enqueue an update, wait for the bot to handle it, return what it sent/edited."""
        chats = {chat_id, *also}
        start = len(self.events)
        before = {c: self._touches.get(c, [0, 0.0])[0] for c in chats}
        uid = self.enqueue(payload, chat_id)
        if self.track_processing:
            await self.wait_processed(uid, timeout)
        else:
            await self._wait_quiet(chats, before, uid, timeout)
            self._outstanding.get(chat_id, {}).pop(uid, None)  # done: later sends aren't replies
        seen: set[int] = set()
        out: list[BotMessage] = []
        for cid, msg in self.events[start:]:
            if cid in chats and id(msg) not in seen:
                seen.add(id(msg))
                out.append(msg)
        return out

    async def _wait_quiet(self, chats: set[int], before: dict[int, float], uid: int,
                          timeout: float) -> None:
        """Fallback without a tracker: first bot request for the chat, then 50 ms of quiet."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        touched = lambda: any(self._touches.get(c, [0, 0.0])[0] > before[c] for c in chats)  # noqa: E731
        try:
            await self.wait_for(touched, timeout)
        except TimeoutError:
            raise TimeoutError(f"bot made no request for chat(s) {sorted(chats)} within {timeout}s "
                               f"after update {uid} (is the bot polling {self.base_url}?)") from None
        while True:
            last = max(self._touches.get(c, [0, 0.0])[1] for c in chats)
            quiet = last + 0.05 - time.monotonic()
            if quiet <= 0:
                return
            if loop.time() + quiet > deadline:
                raise TimeoutError(f"bot kept sending to {sorted(chats)} for {timeout}s")
            await asyncio.sleep(quiet)

    # -- test API: chats & failures -------------------------------------------------------

    def user(self, first_name: str = "Anna", language_code: str | None = "de",
             user_id: int | None = None, username: str | None = None,
             last_name: str | None = None) -> SimUser:
        if user_id is None:
            while self._next_user_id in self.chats:
                self._next_user_id += 1
            user_id = self._next_user_id
            self._next_user_id += 1
        u = SimUser(self, user_id, first_name, last_name, username, language_code)
        self.users[user_id] = u
        self.chats[user_id] = u
        return u

    def group(self, title: str = "Team Daseinsvorsorge", chat_id: int | None = None,
              type: str = "group", username: str | None = None) -> SimGroup:
        if chat_id is None:
            n = self._next_group_id
            self._next_group_id += 1
            chat_id = -(1001000000000 + n) if type == "supergroup" else -(4000000 + n)
        g = SimGroup(self, chat_id, title, type, username)
        self.groups[chat_id] = g
        self.chats[chat_id] = g
        return g

    def block(self, chat_id: int) -> None:
        self.faults.blocked.add(chat_id)

    def unblock(self, chat_id: int) -> None:
        self.faults.blocked.discard(chat_id)

    def rate_limit(self, chat_id: int, retry_after: int = 5, times: int = 1) -> None:
        self.faults.rate_limited[chat_id] = [retry_after, times]

    def enforce_limits(self, overall_per_second: int | None = 30, per_chat_per_second: int |
                       None = 1, per_group_per_minute: int | None = 20, per_chat_burst: int = 3) -> None:
        """Turn Telegram's flood limits on; ``enforce_limits(None)`` turns all of them off. A chat may take
        ``per_chat_burst`` messages at once, then ``per_chat_per_second`` (see limits.FloodLimits).

        A single limit can be disabled with 0 (``overall_per_second=0``) or None.
        """
        if overall_per_second is None:
            self.limits = None
            return
        self.limits = FloodLimits(overall_per_second, per_chat_per_second, per_group_per_minute, per_chat_burst)

    def migrate_group(self, old_id: int, new_id: int, title: str | None = None) -> SimGroup:
        old = self.groups.get(old_id)
        new = self.groups.get(new_id) or self.group(title or (old.title if old else "Supergroup"),
                                                    chat_id=new_id, type="supergroup")
        self.faults.migrated[old_id] = new_id
        return new

    def inject_error(self, method: str, error_code: int, description: str, times: int = 1,
                     parameters: dict[str, Any] | None = None) -> None:
        """Make the next ``times`` calls of ``method`` fail with this error."""
        queue = self.faults.injected.setdefault(method, deque())
        queue.extend(ApiError(error_code, description, parameters) for _ in range(times))

    def outage(self, error_code: int | None = 502, description: str = "Bad Gateway",
               spare: Iterable[str] = ("getUpdates",)) -> None:
        """Answer every Bot API call with this error (Telegram's 502 during an outage) until
        ``outage(None)``. getUpdates is spared by default, so tests can still drive users meanwhile."""
        if error_code is None:
            self.faults.outage = None
            return
        self.faults.outage = ApiError(error_code, description)
        self.faults.outage_spares = frozenset(spare)

    def commands_for(self, scope: dict[str, Any] | None = None,
                     language_code: str = "") -> list[dict[str, Any]]:
        return list(self.commands.get((self._api.scope_key(scope), language_code), []))
