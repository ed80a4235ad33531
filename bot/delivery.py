"""Assembles the dispatcher: the renderers of every outbox kind, the rate limiter, and its start and stop."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application

from handlers import announce_views, idea_answer_views, ideas_teamless, meeting_views, poll_views
from handlers.common import Services
from scheduler.dispatcher import Dispatcher, Renderer
from scheduler.limiter import Limits, RateLimiter


def all_renderers(svc: Services) -> dict[str, Renderer]:
    """Every outbox kind the bot knows; one delivery engine for the whole bot."""
    return {
        **meeting_views.renderers(svc.config),
        **poll_views.renderers(svc.config),
        **idea_answer_views.renderers(svc.config),
        **ideas_teamless.renderers(svc.config),
        **announce_views.renderers(svc.config),
    }


def make_dispatcher(app: Application[Any, Any, Any, Any, Any, Any], limits: Limits | None = None) -> Dispatcher:
    svc: Services = app.bot_data["services"]
    dispatcher = Dispatcher(
        svc.db, app.bot, svc.clock, all_renderers(svc), RateLimiter(limits), expiry=svc.config.delivery_expiry
    )
    dispatcher.on_outcome = svc.metrics.delivered
    dispatcher.limiter.on_pause = svc.metrics.retry_after
    svc.dispatcher = dispatcher
    return dispatcher
