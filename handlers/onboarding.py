"""Onboarding: privacy notice and consent, then stakeholder group and town; /start shows the menu after.

Before consent nothing is stored: a team from a deep link rides along in the consent button.
"""

from __future__ import annotations

from handlers import commands, menu, names, profile, teams
from handlers.codec import encode
from handlers.common import Btn, Req, View, esc
from handlers.pickers import group_picker, town_picker
from models import drafts
from models import people as people_domain
from models import teams as teams_domain
from models.errors import Refusal

DEEP_LINK_PREFIX = "team-"


def _team_slug(req: Req) -> str | None:
    """The slug of a `team-<slug>` deep link; the lookup in the database is what validates it."""
    args = req.context.args or []
    if args and args[0].startswith(DEEP_LINK_PREFIX):
        return args[0][len(DEEP_LINK_PREFIX) :] or None
    return None


def privacy_view(req: Req, slug: str | None) -> View:
    c = req.config
    text = (
        req.t("onboarding.welcome", project=esc(c.project_name))
        + "\n\n"
        + req.t(
            "onboarding.privacy", controller=esc(c.controller), contact=esc(c.contact), version=esc(c.privacy_version)
        )
    )
    yes = encode("consent", "yes", slug) if slug else encode("consent", "yes")
    return View(
        text,
        [[Btn(req.t("onboarding.consent_yes"), yes)], [Btn(req.t("onboarding.consent_no"), encode("consent", "no"))]],
    )


def next_step_view(req: Req) -> View | None:
    """The next registration question, or None when registration is complete."""
    p = req.me
    if p.evaluation_consent is None:
        return View(
            req.t("onboarding.ask_evaluation"),
            [[Btn(req.t("common.yes"), encode("eval", "y")), Btn(req.t("common.no"), encode("eval", "n"))]],
        )
    if p.stakeholder_group is None:
        return group_picker(req)
    if p.town is None:
        return town_picker(req)
    return None


async def start(req: Req) -> None:
    """/start [team-<slug>]: consent for new users, the next question while registering, else the menu.

    A team link joins a registered member at once; while registering it waits in a draft until the end.
    """
    slug = _team_slug(req)
    team = await teams_domain.get_team_by_slug(req.session, slug) if slug is not None else None
    if slug is not None and team is None:
        req.reply(req.t("teams.link_unknown"))
    if req.person is None:
        req.reply(privacy_view(req, team.slug if team else None))
        return
    if team is not None and req.me.is_complete:
        await teams.join_and_tell(req, team.id)  # no draft: it would replace an open /idea draft
    elif team is not None:
        await drafts.save_draft(req.session, req.me.id, "onboarding", "join", {"join": team.slug}, req.now)
    await continue_registration(req, fresh=False)


async def continue_registration(req: Req, fresh: bool) -> None:
    """Ask the next question, or finish: join the deep-linked team and show the main menu."""
    step = next_step_view(req)
    if step is not None:
        req.show(step) if fresh else req.reply(step)
        return
    draft = await drafts.get_draft(req.session, req.me.id)
    if draft is not None and draft.flow == "onboarding":
        await drafts.clear_draft(req.session, req.me.id)
        team = await teams_domain.get_team_by_slug(req.session, str(draft.data.get("join", "")))
        if team is not None:
            await teams.join_and_tell(req, team.id)
    if req.me.is_manager:
        await commands.refresh_later(req, req.me)  # the manager's extra commands in their own menu
    if fresh:
        req.show(
            View(
                req.t(
                    "onboarding.done",
                    group=esc(names.group_name(req, req.me.stakeholder_group)),
                    town=esc(names.town_name(req, req.me.town)),
                )
            )
        )
    req.reply(menu.main_menu(req))


async def on_consent(req: Req) -> None:
    """consent:yes[:slug] registers the person; consent:no stores nothing."""
    assert req.cb is not None
    user = req.update.effective_user
    assert user is not None
    if req.cb.arg(0) != "yes":
        if req.person is None:
            req.show(View(req.t("onboarding.declined")))
        else:
            req.toast(req.t("onboarding.already_registered"))
        return
    person, created = await people_domain.register(
        req.session,
        telegram_id=user.id,
        display_name=people_domain.clean_display_name(user.first_name, user.last_name, user.username),
        language=req.lang,
        privacy_version=req.config.privacy_version,
        now=req.now,
        managers=req.config.managers,
    )
    req.person = person
    if not created:  # a double tap or an older notice: say so and show where registration stands
        req.toast(req.t("onboarding.already_registered"))
        req.show(next_step_view(req) or menu.main_menu(req))
        return
    if len(req.cb.args) > 1:
        await drafts.save_draft(req.session, person.id, "onboarding", "join", {"join": req.cb.args[1]}, req.now)
    req.reply(req.t("onboarding.thanks"))
    await continue_registration(req, fresh=True)


def _was_registered(req: Req) -> bool:
    """True if registration was already complete before this button (so it came from /profile)."""
    if req.person is None:
        raise Refusal("errors.not_registered")
    return next_step_view(req) is None


async def on_evaluation(req: Req) -> None:
    assert req.cb is not None
    done = _was_registered(req)
    people_domain.set_evaluation_consent(req.me, req.cb.arg(0) == "y")
    await _after_choice(req, done)


async def on_group(req: Req) -> None:
    assert req.cb is not None
    done = _was_registered(req)
    people_domain.set_group(req.me, req.cb.arg(0), [g.key for g in req.config.groups])
    await _after_choice(req, done)


async def on_town(req: Req) -> None:
    assert req.cb is not None
    done = _was_registered(req)
    people_domain.set_town(req.me, req.cb.arg(0), [t.key for t in req.config.towns])
    await _after_choice(req, done)


async def _after_choice(req: Req, was_registered: bool) -> None:
    """While registering, go on to the next question; afterwards the choice came from /profile."""
    req.toast(req.t("common.saved"))
    if was_registered:
        req.show(profile.profile_view(req))
    else:
        await continue_registration(req, fresh=True)
