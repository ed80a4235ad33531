"""The bot's whole surface on one screen: every command, button prefix and typed-input flow.

`build_application` wires them to the real python-telegram-bot `Application`; `prepare` brings the
database to the state the config describes (migrations, teams, managers) before updates are taken.
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.health import PollingRequest
from bot.logs import on_error
from bot.processing import PerChatUpdateProcessor
from bot.transport import AiohttpRequest
from core.config import Config
from core.metrics import Metrics
from core.services import Services
from handlers import (
    flows,
    groups,
    onboarding,
    privacy,
    profile,
    proxy,
    roles,
    settings,
    teams,
    workshop_handout,
    workshop_import,
    workshops,
)
from handlers import help as help_screen
from handlers import menu as main_menu
from handlers import voice as voice_handlers
from handlers.announcements import compose as announce
from handlers.announcements import progress as announcements_progress
from handlers.common import ANYONE, CONSENTED, KNOWN, MEMBER, HandlerFn, TelegramCallback
from handlers.gate import handler
from handlers.ideas import answers as idea_answers
from handlers.ideas import browse as ideas_browse
from handlers.ideas import codes as idea_codes
from handlers.ideas import route_reply, route_requests
from handlers.ideas import routing as idea_routing
from handlers.ideas import similar as ideas_similar
from handlers.ideas import submit as ideas
from handlers.ideas import teamless as ideas_teamless
from handlers.meetings import attendance, calendar, letters, rsvp, rsvp_list
from handlers.meetings import flow as meeting_flow
from handlers.meetings import offline as meetings_offline
from handlers.polls import flow as polls
from handlers.reachability import on_my_chat_member
from handlers.reports import commands as reports
from handlers.reports import evaluation as evaluation_report
from handlers.surveys import answer as survey_answer
from handlers.surveys import away as survey_away
from handlers.surveys import results as survey_results
from handlers.surveys import sentences as survey_sentences
from models import people
from models import teams as teams_domain
from models.clock import Clock
from models.db import Database
from models.migrate import upgrade
from models.outage import Outage

# command -> (screen, who may run it)
COMMANDS: dict[str, tuple[HandlerFn, str]] = {
    "start": (onboarding.start, ANYONE),
    "help": (help_screen.show_help, ANYONE),
    "teams": (teams.show_teams, MEMBER),
    "myteams": (teams.show_my_teams, MEMBER),
    "idea": (ideas.start_idea, MEMBER),
    "ideas": (ideas.show_team_ideas, MEMBER),
    "myideas": (ideas.show_my_ideas, MEMBER),
    "profile": (profile.show_profile, MEMBER),
    "language": (profile.show_language, MEMBER),
    "privacy": (privacy.show_privacy, ANYONE),
    "mydata": (privacy.send_my_data, KNOWN),  # works before agreeing to a newer notice, like /privacy
    "deleteme": (privacy.ask_delete, ANYONE),
    "cancel": (flows.cancel, CONSENTED),
    "members": (roles.show_members, MEMBER),
    "makelead": (roles.start_makelead, MEMBER),
    "meeting": (meeting_flow.start_meeting, MEMBER),
    "meetings": (meeting_flow.show_my_meetings, MEMBER),
    "attendance": (attendance.show_open, MEMBER),
    "poll": (polls.start_poll, MEMBER),
    "calendar": (calendar.send_calendar, MEMBER),
    "settings": (settings.show_settings, MEMBER),
    "announce": (announce.start_announce, MEMBER),
    "announcements": (announcements_progress.show_announcements, MEMBER),
    "answer": (idea_answers.show_answer, MEMBER),
    "follow": (idea_answers.show_follow, MEMBER),
    "stats": (reports.show_stats, MEMBER),  # project manager: checked in the domain
    "report": (reports.send_report, MEMBER),
    "export": (reports.start_export, MEMBER),
    "audit": (reports.show_audit, MEMBER),
    "feedback": (survey_results.show_feedback, MEMBER),  # leads (their teams) and managers: checked in the domain
    "workshop": (workshops.start_workshop, MEMBER),  # project manager: checked in the domain
    "similar": (ideas_similar.show_similar, MEMBER),  # project manager: checked in the domain
    "saetze": (survey_sentences.show_sentences, MEMBER),  # project manager: checked in the domain
    "sentences": (survey_sentences.show_sentences, MEMBER),  # the English name of /saetze
    "anfragen": (route_requests.show_requests, MEMBER),  # a town's contacts: checked in the domain
    "voices": (voice_handlers.show_waiting, MEMBER),  # leads and managers: what each may summarise (domain)
    "stellvertretend": (proxy.show_overview, MEMBER),  # members without Telegram: leads and managers (domain)
}

# commands that work inside a team's Telegram group (privacy mode: the bot sees only commands there)
GROUP_COMMANDS: dict[str, tuple[HandlerFn, str]] = {
    "linkgroup": (groups.link_group, ANYONE),  # tells unregistered people to sign up privately first
    "unlinkgroup": (groups.unlink_group, ANYONE),
}

# callback-data prefix (see handlers/codec.py) -> (handler, who may press it)
BUTTONS: dict[str, tuple[HandlerFn, str]] = {
    "consent": (onboarding.on_consent, ANYONE),
    "eval": (onboarding.on_evaluation, CONSENTED),
    "grp": (onboarding.on_group, CONSENTED),
    "town": (onboarding.on_town, CONSENTED),
    "menu": (main_menu.on_menu, KNOWN),  # each entry checks what its screen needs (handlers/menu.py)
    "prof": (profile.on_profile_button, MEMBER),
    "lang": (profile.on_language, MEMBER),
    "team": (teams.on_team_button, MEMBER),
    "ml": (roles.on_makelead_button, MEMBER),
    "idf": (ideas.on_field, MEMBER),
    "idt": (ideas.on_town, MEMBER),
    "idm": (ideas.on_team, MEMBER),
    "idc": (ideas.on_confirm, MEMBER),
    "idp": (ideas.on_page, MEMBER),
    "sup": (ideas_browse.on_support, MEMBER),
    "idn": (ideas_teamless.on_page, MEMBER),
    "ida": (ideas_teamless.on_assign, MEMBER),
    "iv": (ideas_browse.on_path, MEMBER),  # an idea's timeline ("Verlauf")
    "ids": (ideas.on_support_instead, MEMBER),
    "sim": (ideas_similar.on_button, MEMBER),
    "del": (privacy.on_delete_button, ANYONE),
    "priv": (privacy.on_privacy_button, KNOWN),
    "agree": (onboarding.on_agree_again, KNOWN),  # agreeing to a newer privacy notice
    "rsvp": (rsvp.on_rsvp, MEMBER),
    "rsn": (rsvp.on_reason, MEMBER),
    "nudge": (rsvp.on_nudge, MEMBER),
    "rl": (rsvp_list.on_button, MEMBER),  # Zusagen ansehen (from /meetings)
    "ics": (calendar.on_ics, MEMBER),
    "mt": (meeting_flow.on_flow_button, MEMBER),
    "me": (meeting_flow.on_manage_button, MEMBER),
    "lt": (letters.on_button, MEMBER),  # 🖨 a meeting's letters and notice as a PDF (its lead or a manager)
    "pl": (polls.on_poll_button, MEMBER),
    "pv": (polls.on_vote, MEMBER),
    "set": (settings.on_settings_button, MEMBER),
    "grp_link": (groups.on_group_button, MEMBER),
    "att": (attendance.on_attendance_button, MEMBER),
    "an": (announce.on_button, MEMBER),
    "anx": (announce.on_unschedule, MEMBER),
    "anl": (announcements_progress.on_list_button, MEMBER),
    "ia": (idea_answers.on_button, MEMBER),
    "fol": (idea_answers.on_follow, MEMBER),
    "ic": (idea_codes.on_button, MEMBER),  # success factors and obstacles on an idea (checked in the domain)
    "rt": (idea_routing.on_button, MEMBER),  # a town's administration answers a forwarded idea
    "rr": (route_reply.on_button, MEMBER),  # the project answers a town's question (checked in the domain)
    "ex": (reports.on_export_button, MEMBER),
    "sv": (survey_answer.on_survey_button, MEMBER),  # the survey after a meeting
    "st": (survey_sentences.on_button, MEMBER),  # survey sentences released or left out (project manager)
    "aw": (survey_away.on_button, MEMBER),  # the one question to members who stopped coming
    "tmx": (announce.on_fill, MEMBER),  # /members: announce to those who could fill a team's gaps
    "ws": (workshops.on_button, MEMBER),
    "wi": (workshop_import.on_button, MEMBER),  # a workshop's results sent in the chat (project manager)
    "wh": (workshop_handout.on_button, MEMBER),  # a workshop's handout as a PDF (project manager)
    "er": (evaluation_report.on_button, MEMBER),  # project manager: checked in the domain
    "vo": (voice_handlers.on_button, MEMBER),  # a voice message: ▶️ and its summary (checked in the domain)
    "px": (proxy.on_button, MEMBER),  # /stellvertretend: add a member without Telegram, her code, export, erasure
    "pr": (meetings_offline.on_button, MEMBER),  # a meeting's members without Telegram (answers, survey)
}

# draft flow -> what typed input means while that flow is open
FLOWS: dict[str, flows.FlowFn] = {
    "idea": ideas.on_input,
    "meeting": meeting_flow.on_input,
    "poll": polls.on_input,
    "minutes": attendance.on_input,
    "announce": announce.on_input,
    "answer": idea_answers.on_input,
    "survey": survey_answer.on_input,  # the optional sentence of the survey
    "away": survey_away.on_input,  # the optional sentence of the stayed-away question
    "workshop": workshops.on_input,
    "route": idea_routing.on_input,
    "route_reply": route_reply.on_input,
    "voicesum": voice_handlers.on_input,  # the summary of a voice message (idea, sentence, answer, minutes)
    "proxy": proxy.on_input,  # adding a member without Telegram
}


async def _unknown_button(req: Any) -> None:
    req.toast(req.t("errors.stale_button"), alert=True)


async def _unknown_command(req: Any) -> None:
    req.reply(req.t("errors.unknown_command"))


def _callback_router() -> TelegramCallback:
    routes = {prefix: handler(needs)(fn) for prefix, (fn, needs) in BUTTONS.items()}
    stale = handler(ANYONE)(_unknown_button)

    async def route(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        data = update.callback_query.data if update.callback_query else None
        prefix = (data or "").split(":", 1)[0]
        await routes.get(prefix, stale)(update, context)

    return route


def register_handlers(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    private = filters.ChatType.PRIVATE
    for name, (fn, needs) in COMMANDS.items():
        app.add_handler(CommandHandler(name, handler(needs)(fn), filters=private))
    groups_only = filters.ChatType.GROUPS
    for name, (fn, needs) in GROUP_COMMANDS.items():
        app.add_handler(CommandHandler(name, handler(needs)(fn), filters=groups_only))
    app.add_handler(CallbackQueryHandler(_callback_router()))
    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, groups.on_migrate))  # group -> supergroup
    app.add_handler(MessageHandler(private & filters.COMMAND, handler(ANYONE)(_unknown_command)))
    app.add_handler(
        MessageHandler(
            private & ~filters.COMMAND & ~filters.StatusUpdate.ALL, handler(MEMBER)(flows.input_router(FLOWS))
        )
    )
    app.add_handler(ChatMemberHandler(on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_error_handler(on_error)


def build_application(
    config: Config,
    db: Database,
    clock: Clock | None = None,
    *,
    application_class: type[Application[Any, Any, Any, Any, Any, Any]] = Application,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
    ptb_defaults: bool = False,
    concurrency: int = 64,
) -> Application[Any, Any, Any, Any, Any, Any]:
    """The real Application, pointed at `config.api_base_url` (a local or fake Bot API server works too).

    By default it talks HTTP through `AiohttpRequest` (bot/transport.py) and processes updates of
    different people concurrently (at most `concurrency` at a time) while each user's and chat's updates
    stay in order (`PerChatUpdateProcessor`, bot/processing.py). `ptb_defaults=True` falls back to PTB's
    own httpx transport and strictly sequential processing.
    """
    metrics = Metrics()
    builder = (
        Application.builder()
        .token(config.token)
        .base_url(f"{config.api_base_url}/bot")
        .base_file_url(f"{config.api_base_url}/file/bot")
        .application_class(application_class)
    )
    if not ptb_defaults:
        request = request or AiohttpRequest()
        if config.mode != "webhook":
            get_updates_request = get_updates_request or PollingRequest(metrics, connection_pool_size=1)
        builder = builder.concurrent_updates(PerChatUpdateProcessor(concurrency))
    if request is not None:
        builder = builder.request(request)
    if get_updates_request is not None:
        builder = builder.get_updates_request(get_updates_request)
    if config.mode == "webhook":
        builder = builder.updater(None)
    app = builder.build()
    clock = clock or Clock()
    # outages logged once at start and once at the end, counted in /metrics (models/outage.py)
    db.outage = metrics.database = Outage("Datenbank", clock.now, metrics.outage_changed, dependency="database")
    metrics.telegram = Outage("Telegram", clock.now, metrics.outage_changed, dependency="telegram")
    app.bot_data["services"] = Services(config=config, db=db, clock=clock, metrics=metrics)
    register_handlers(app)
    return app


async def prepare(config: Config, db: Database, clock: Clock | None = None) -> None:
    """Apply pending migrations, create or update the configured teams and give managers their role."""
    await upgrade(db.url)
    now = (clock or Clock()).now()
    async with db.transaction() as s:
        await teams_domain.seed_teams(s, config.teams, now)
        await people.sync_managers(s, config.managers)
