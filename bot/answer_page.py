"""The answer page: a town's contact by e-mail opens her link and takes the idea on, asks back (a typed question)
or declines it (obstacle chips, an optional sentence): `models/ideas/routing.answer`, the same domain function
as the Telegram buttons, with the same refusals, the same people told and the same audit (with the contact).

No login: the link is the key (web/links.py: signed, expiring, one per contact and request). Forms carry a CSRF
token derived from the link and are refused from another origin. Every response has a strict CSP (no scripts, no
external resources: one stylesheet of its own). A forged, expired or reused link gets a clear page and changes
nothing. German by default (as the e-mail), English with ?lang=en (the page's switch).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from aiohttp import web
from markupsafe import Markup
from sqlalchemy import select

from core.services import Services
from core.texts import LANGUAGES, format_day, t
from handlers.ideas import routing_views as views
from models.errors import Refusal
from models.ideas import routing
from models.tables import Idea, IdeaRoute, IdeaTown
from web import links
from web.templating import render

log = logging.getLogger("actionbot.web")
STATIC = Path(__file__).resolve().parent.parent / "web" / "static"  # the page's files live with its templates
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",  # the link is never sent elsewhere; forms keep their Origin
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}
ACTIONS = {"take": routing.TAKEN, "ask": routing.QUESTION, "decline": routing.DECLINED}
INPUT_ERRORS = ("routing.text_empty", "routing.text_long", "routing.need_obstacle", "errors.invisible_text")
MAX_FORM = 16 * 1024  # bytes of a posted form: 1000 characters of text and a few chips fit easily


def _lang(request: web.Request) -> str:
    """German, as the e-mail the link came in; English when asked (the page's switch adds ?lang=en)."""
    asked = request.query.get("lang") or ""
    return asked if asked in LANGUAGES else "de"


@web.middleware
async def _secure(request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> Any:
    try:
        response = await handler(request)
    except web.HTTPException as exc:  # a redirect or a 404: the same headers
        for key, value in HEADERS.items():
            exc.headers.setdefault(key, value)
        raise
    for key, value in HEADERS.items():
        response.headers.setdefault(key, value)
    return response


class AnswerPage:
    def __init__(self, svc: Services) -> None:
        self.svc = svc
        self.config = svc.config

    def app(self) -> web.Application:
        app = web.Application(middlewares=[_secure], client_max_size=MAX_FORM)
        app.router.add_get("/a/{token}", self.show)
        app.router.add_post("/a/{token}", self.post)
        app.router.add_get("/static/page.css", self.css)
        return app

    async def css(self, request: web.Request) -> web.Response:
        return web.Response(body=(STATIC / "page.css").read_bytes(), content_type="text/css")

    def _page(self, lang: str, status: int = 200, **values: Any) -> web.Response:
        values.setdefault("error", None)
        html = render("answer_page.html", lang=lang, tr=lambda key, **kw: t(lang, f"answer_page.{key}", **kw), **values)
        return web.Response(text=html, status=status, content_type="text/html", charset="utf-8")

    def _problem(self, lang: str, why: str, status: int) -> web.Response:
        return self._page(
            lang, status, kind="problem", title=t(lang, f"answer_page.{why}_title"), body=t(lang, f"answer_page.{why}")
        )

    async def show(self, request: web.Request) -> web.Response:
        lang, token = _lang(request), request.match_info["token"]
        link, why = links.read_token(self.config.web.secret, token, self.svc.clock.now())
        if link is None:
            return self._problem(lang, why, 403 if why == "forged" else 410)
        return await self._form(lang, token, link, done=request.query.get("done") == "1")

    async def _form(
        self,
        lang: str,
        token: str,
        link: links.Link,
        *,
        done: bool = False,
        error: str | None = None,
        status: int = 200,
    ) -> web.Response:
        policy = self.config.routing
        async with self.svc.db.transaction() as s:
            route = await s.get(IdeaRoute, link.route_id)
            idea = await s.get(Idea, route.idea_id) if route is not None else None
            if route is None or idea is None or link.contact not in policy.mail_contacts_of(route.town):
                return self._problem(lang, "forged", 403)
            keys = set((await s.execute(select(IdeaTown.town).where(IdeaTown.idea_id == idea.id))).scalars())
            note = await views.forward_note(s, route)
            closed = None
            try:
                await routing.answerable_route(s, link.contact, route.id, policy, routing.TAKEN)
            except Refusal as refusal:
                closed = t(lang, refusal.key, **refusal.params)
        town = views.town_name(self.config, route.town, lang)
        field = self.config.field_of_action(idea.field)
        return self._page(
            lang,
            status,
            kind="form",
            title=t(lang, "answer_page.title", id=idea.id, town=town),
            idea=idea,
            town=town,
            towns=", ".join(x.name(lang) for x in self.config.towns if x.key in keys),
            field=field.name(lang) if field else "–",
            day=views.deadline_day(self.config, route, lang),
            note=note,
            route=route,
            state=Markup(views.answer_line(self.config, route, lang)),  # noqa: S704 (escaped Telegram HTML)
            closed=closed,
            done=done,
            error=error,
            can_ask=route.status == routing.OPEN,
            obstacles=[(o.key, o.name(lang)) for o in self.config.obstacles],
            csrf=links.csrf_token(self.config.web.secret, token),
            other_lang="en" if lang == "de" else "de",
            expires=format_day(link.expires_at, lang, self.config.time_zone),
            max=routing.TEXT_MAX,
        )

    def _same_origin(self, request: web.Request) -> bool:
        origin = request.headers.get("Origin")
        if origin is None or origin == "null":
            return origin is None  # a form posted from an opaque origin (a sandbox, a file) is refused
        allowed = {f"{request.scheme}://{request.host}"}
        public = urlparse(self.config.web.public_url)
        if public.scheme and public.netloc:
            allowed.add(f"{public.scheme}://{public.netloc}")
        return origin in allowed

    async def post(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        form = await request.post()
        lang = str(form.get("lang") or "") if form.get("lang") in LANGUAGES else _lang(request)
        link, why = links.read_token(self.config.web.secret, token, self.svc.clock.now())
        if link is None:
            return self._problem(lang, why, 403 if why == "forged" else 410)
        if not self._same_origin(request) or not links.check_csrf(
            self.config.web.secret, token, str(form.get("csrf") or "")
        ):
            log.warning("answer page: form refused (origin or CSRF token) route=%s", link.route_id)
            return self._problem(lang, "csrf", 403)
        kind = ACTIONS.get(str(form.get("action") or ""))
        if kind is None:
            return self._problem(lang, "forged", 400)
        text = str(form.get("text_ask" if kind == routing.QUESTION else "text_decline") or "")
        obstacles = [str(v) for v in form.getall("obstacle", [])]
        try:
            async with self.svc.db.transaction() as s:
                route, told = await routing.answer(
                    s,
                    link.contact,
                    link.route_id,
                    kind,
                    self.config.routing,
                    self.svc.clock.now(),
                    text=text if kind != routing.TAKEN else None,
                    obstacles=obstacles,
                    allowed_obstacles=[o.key for o in self.config.obstacles],
                )
        except Refusal as refusal:
            message = t(lang, refusal.key, **refusal.params)
            status = 400 if refusal.key in INPUT_ERRORS else 409
            return await self._form(lang, token, link, error=message, status=status)
        log.info(
            "route answered by e-mail contact route=%s town=%s answer=%s told=%s", route.id, route.town, kind, told
        )
        if self.svc.dispatcher is not None:
            self.svc.dispatcher.wake()
        raise web.HTTPSeeOther(location=f"?done=1&lang={lang}")


async def start_answer_page(svc: Services) -> web.AppRunner:
    """Serve the page on `[web] host:port` until `runner.cleanup()` (behind the reverse proxy in production)."""
    runner = web.AppRunner(AnswerPage(svc).app(), access_log=None)  # no access log: the URLs hold the links
    await runner.setup()
    try:
        await web.TCPSite(runner, svc.config.web.host, svc.config.web.port).start()
    except OSError:
        await runner.cleanup()
        raise
    log.info("answer page listening host=%s port=%s", svc.config.web.host, svc.config.web.port)
    return runner
