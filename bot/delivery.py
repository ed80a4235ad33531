"""Assembles the dispatcher: the renderers of every outbox kind, the rate limiter, and its start and stop."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram.ext import Application

from core.services import Services
from handlers import later as replies_later
from handlers.announcements import views as announce_views
from handlers.ideas import answer_views as idea_answer_views
from handlers.ideas import codes as idea_codes
from handlers.ideas import route_mail_views
from handlers.ideas import routing_views as idea_routing_views
from handlers.ideas import similar as ideas_similar
from handlers.ideas import teamless as ideas_teamless
from handlers.meetings import mail_views as meeting_mail_views
from handlers.meetings import views as meeting_views
from handlers.polls import views as poll_views
from handlers.reports import digest as digest_views
from handlers.surveys import away as survey_away
from handlers.surveys import views as survey_views
from models.privacy.consents import must_agree_among
from models.tables import Outbox
from scheduler.dispatcher import Dispatcher, Outgoing, Renderer, with_batch
from scheduler.limiter import Limits, RateLimiter
from scheduler.mail import Mailer

log = logging.getLogger("actionbot.delivery")


def consent_gate(renderer: Renderer, version: str) -> Renderer:
    """Rows to a person who has not agreed to the current privacy notice render to nothing: the dispatcher skips
    them (reminders, announcements, answers…). Rows to a group (no person) always go. One check for every kind."""

    async def held_back(s: AsyncSession, rows: Sequence[Outbox]) -> set[int]:
        blocked = await must_agree_among(s, (r.person_id for r in rows if r.person_id is not None), version)
        for row in rows:
            if row.person_id in blocked:
                log.info("message skipped row=%s kind=%s reason=consent_outdated", row.id, row.kind)
        return blocked

    async def render(s: AsyncSession, row: Outbox) -> Outgoing | None:
        return None if await held_back(s, [row]) else await renderer(s, row)

    inner = getattr(renderer, "render_batch", None)
    if inner is None:
        return render

    async def render_batch(s: AsyncSession, rows: Sequence[Outbox]) -> Sequence[Outgoing | None]:
        blocked = await held_back(s, rows)
        keep = [r for r in rows if r.person_id not in blocked]
        outs = iter(await inner(s, keep) if keep else [])
        return [None if r.person_id in blocked else next(outs) for r in rows]

    return with_batch(render, render_batch)


def all_renderers(svc: Services) -> dict[str, Renderer]:
    """Every outbox kind the bot knows; one delivery engine for the whole bot, one consent check for all."""
    kinds: dict[str, Renderer] = {
        **meeting_views.renderers(svc.config),
        **meeting_mail_views.renderers(svc.config, svc.clock),
        **poll_views.renderers(svc.config),
        **idea_answer_views.renderers(svc.config),
        **idea_codes.renderers(svc.config),
        **ideas_teamless.renderers(svc.config),
        **ideas_similar.renderers(svc.config),
        **idea_routing_views.renderers(svc.config),
        **route_mail_views.renderers(svc.config, svc.clock),
        **announce_views.renderers(svc.config),
        **digest_views.renderers(svc.config),
        **survey_views.renderers(svc.config),
        **survey_away.renderers(svc.config),
        **replies_later.renderers(svc.config),
    }
    return {kind: consent_gate(renderer, svc.config.privacy_version) for kind, renderer in kinds.items()}


def make_dispatcher(app: Application[Any, Any, Any, Any, Any, Any], limits: Limits | None = None) -> Dispatcher:
    svc: Services = app.bot_data["services"]
    mailer = Mailer(svc.config.mail) if svc.config.mail is not None else None
    dispatcher = Dispatcher(
        svc.db,
        app.bot,
        svc.clock,
        all_renderers(svc),
        RateLimiter(limits),
        expiry=svc.config.delivery_expiry,
        mailer=mailer,
    )
    dispatcher.on_outcome = svc.metrics.delivered
    dispatcher.limiter.on_pause = svc.metrics.retry_after
    svc.dispatcher = dispatcher
    return dispatcher
