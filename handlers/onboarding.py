"""Onboarding: privacy notice and consent, evaluation consent, stakeholder group and town; then the menu.

Before consent nothing is stored: a team from a deep link rides along in the consent button, after it in an
`onboarding` draft until registration completes (/cancel keeps it: registration can go on later). An idea from a
workshop handout's link (`idea-<n>`) rides along the same way (as `idea.<n>`: team slugs have no dot) and is
followed once registration completes (handlers/workshop_handout.py).

What a new person sees, top to bottom: the notice (kept, its buttons replaced by when they agreed), one message
that thanks and asks the questions in turn and ends as "Fertig!", the invited team's welcome, the main menu.
"""

from __future__ import annotations

from handlers import commands, menu, names, profile, teams
from handlers.codec import encode
from handlers.common import Btn, Req, View, esc
from handlers.pickers import group_picker, town_picker
from handlers.privacy import agree_again_view, ask_agree_again, local_time, notice_text, version_tag
from handlers.workshop_handout import follow_after_link
from models import drafts
from models import people as people_domain
from models import proxy as proxy_domain
from models import teams as teams_domain
from models.errors import Refusal
from models.ideas.handout import idea_of_link
from models.privacy import consents
from models.tables import Draft, Team

DEEP_LINK_PREFIX = "team-"
IDEA_ARG = "idea."  # an idea to follow, in the consent button (team slugs have no dot)
FLOW = "onboarding"  # the draft that carries the invited team through registration


def _team_slug(req: Req) -> str | None:
    """The slug of a `team-<slug>` deep link; the lookup in the database is what validates it."""
    args = req.context.args or []
    if args and args[0].startswith(DEEP_LINK_PREFIX):
        return args[0][len(DEEP_LINK_PREFIX) :] or None
    return None


def consent_view(req: Req, slug: str | None) -> View:
    text = req.t("onboarding.welcome", project=esc(req.config.project_name)) + "\n\n" + notice_text(req)
    yes = encode("consent", "yes", slug) if slug else encode("consent", "yes")
    return View(
        text,
        [[Btn(req.t("onboarding.consent_yes"), yes)], [Btn(req.t("onboarding.consent_no"), encode("consent", "no"))]],
    )


def agreed_view(req: Req) -> View:
    """The notice as it stays in the chat after consent: same text, the buttons replaced by the consent."""
    text = consent_view(req, None).text
    return View(text + "\n\n" + req.t("onboarding.agreed", when=local_time(req, req.me.consent_at)))


async def _onboarding_draft(req: Req) -> Draft | None:
    draft = await drafts.get_draft(req.session, req.me.id)
    return draft if draft is not None and draft.flow == FLOW else None


async def _invited_team(req: Req, draft: Draft | None) -> Team | None:
    if draft is None:
        return None
    return await teams_domain.get_team_by_slug(req.session, str(draft.data.get("join", "")))


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
    code = proxy_domain.code_of_link((req.context.args or [""])[0] if req.context.args else None)
    if code is not None:
        await link_account(req, code)
        return
    slug = _team_slug(req)
    team = await teams_domain.get_team_by_slug(req.session, slug) if slug is not None else None
    if slug is not None and team is None:
        req.reply(req.t("teams.link_unknown"))
    idea_id = idea_of_link((req.context.args or [""])[0] if req.context.args else None)
    if req.person is None:
        if idea_id is not None:
            view = consent_view(req, f"{IDEA_ARG}{idea_id}")
            req.reply(View(req.t("handout.after_registration", id=idea_id) + "\n\n" + view.text, view.buttons))
            return
        req.reply(consent_view(req, team.slug if team else None))
        return
    if consents.must_agree_again(req.me, req.config.privacy_version):
        ask_agree_again(req)
        return
    if idea_id is not None and req.me.is_complete:
        await follow_after_link(req, idea_id)  # no draft: it would replace an open /idea draft
        return
    if idea_id is not None:
        await drafts.save_draft(req.session, req.me.id, FLOW, "join", {"follow": idea_id}, req.now)
    if team is not None and req.me.is_complete:
        await teams.join_and_tell(req, team.id)  # no draft: it would replace an open /idea draft
    elif team is not None:
        await drafts.save_draft(req.session, req.me.id, FLOW, "join", {"join": team.slug}, req.now)
    await continue_registration(req, fresh=False)


async def link_account(req: Req, code: str) -> None:
    """/start link-<code>: this Telegram account becomes the proxy member the code was made for (models/proxy.py);
    her teams, answers and consent stay. Without a consent on record she is asked to agree first."""
    person = await proxy_domain.redeem(req.session, code, req.user_id, req.lang, req.now)
    req.person = person
    mine = await teams_domain.my_teams(req.session, person)
    names_ = ", ".join(t.name(req.lang) for t, _ in mine) or "–"
    req.reply(req.t("proxy.linked", name=esc(names.person_name(req, person.display_name)), teams=esc(names_)))
    await commands.refresh_later(req, person)
    if consents.must_agree_again(person, req.config.privacy_version):
        if not person.consent_version:  # no consent on record: only name, team and contact were kept
            req.reply(req.t("proxy.linked_consent_first"))
        ask_agree_again(req)
        return
    await continue_registration(req, fresh=False)


async def continue_registration(req: Req, fresh: bool, intro: str | None = None) -> None:
    """Ask the next question (in the pressed message if `fresh`, else a new one, after `intro`), or finish:
    "Fertig!" in place of the last question, then the invited team's welcome, then the main menu."""
    step = next_step_view(req)
    if step is not None:
        if intro:
            step = View(intro + "\n\n" + step.text, step.buttons)
        req.show(step) if fresh else req.reply(step)
        return
    if fresh:
        group, town = names.group_name(req, req.me.stakeholder_group), names.town_name(req, req.me.town)
        req.show(View(req.t("onboarding.done", group=esc(group), town=esc(town))))
    draft = await _onboarding_draft(req)
    if draft is not None:
        team = await _invited_team(req, draft)
        follow = draft.data.get("follow")
        await drafts.clear_draft(req.session, req.me.id)
        if team is not None:
            await teams.join_and_tell(req, team.id)
        if isinstance(follow, int):
            try:
                await follow_after_link(req, follow)
            except Refusal as refusal:  # gone meanwhile: registration is still done
                req.reply(req.t(refusal.key, **refusal.params))
    if req.me.is_manager:
        await commands.refresh_later(req, req.me)  # the manager's extra commands in their own menu
    req.reply(menu.main_menu(req))


async def pause_registration(req: Req) -> None:
    """/cancel while registering: nothing is dropped (consent is stored, the invited team stays noted); say
    what is stored, that /start goes on and that /deleteme removes it."""
    p = req.me
    items = [
        req.t("onboarding.stored_consent", version=esc(p.consent_version), when=local_time(req, p.consent_at)),
        req.t(
            "onboarding.stored_identity",
            name=esc(names.person_name(req, p.display_name)),
            language=req.t(f"profile.language_{p.language}"),
        ),
    ]
    if p.evaluation_consent is not None:
        answer = req.t("common.yes" if p.evaluation_consent else "common.no")
        items.append(req.t("onboarding.stored_evaluation", answer=answer))
    if p.stakeholder_group is not None:
        items.append(req.t("onboarding.stored_group", group=esc(names.group_name(req, p.stakeholder_group))))
    if p.town is not None:
        items.append(req.t("onboarding.stored_town", town=esc(names.town_name(req, p.town))))
    team = await _invited_team(req, await _onboarding_draft(req))
    if team is not None:
        items.append(req.t("onboarding.stored_team", team=esc(team.name(req.lang))))
    lines = [req.t("onboarding.paused"), *(f"• {item}" for item in items), "", req.t("onboarding.paused_footer")]
    req.reply("\n".join(lines))


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
    req.show(agreed_view(req))  # the notice stays readable in the chat; only its buttons go
    if not created:  # a double tap or an older notice: the questions are already in the chat (or /start)
        req.toast(req.t("onboarding.already_registered"))
        return
    if len(req.cb.args) > 1 and req.cb.args[1].startswith(IDEA_ARG):
        idea_id = idea_of_link("idea-" + req.cb.args[1][len(IDEA_ARG) :])
        if idea_id is not None:
            await drafts.save_draft(req.session, person.id, FLOW, "join", {"follow": idea_id}, req.now)
    elif len(req.cb.args) > 1:
        await drafts.save_draft(req.session, person.id, FLOW, "join", {"join": req.cb.args[1]}, req.now)
    await continue_registration(req, fresh=False, intro=req.t("onboarding.thanks"))


async def on_agree_again(req: Req) -> None:
    """agree:yes:<version tag> records agreement to the current notice, then the bot works again (the next
    registration question or the menu); agree:no changes nothing. A tag of an older notice shows the current one."""
    assert req.cb is not None
    c = req.config
    if req.cb.arg(0) != "yes":
        req.show(View(req.t("privacy.agree_again_later")))
        return
    if not consents.must_agree_again(req.me, c.privacy_version):
        req.toast(req.t("privacy.agreed_already"))
        return
    if req.cb.arg(1) != version_tag(c.privacy_version):
        req.toast(req.t("privacy.agree_again_stale"), alert=True)
        req.show(agree_again_view(req))
        return
    await consents.agree_again(req.session, req.me, c.privacy_version, req.now)
    text = req.t("privacy.agreed_again", version=esc(c.privacy_version), when=local_time(req, req.now))
    req.show(View(text))
    await continue_registration(req, fresh=False)


def _was_registered(req: Req) -> bool:
    """True if registration was already complete before this button (so it came from /profile)."""
    if req.person is None:
        raise Refusal("errors.not_registered")
    return next_step_view(req) is None


async def on_evaluation(req: Req) -> None:
    assert req.cb is not None
    done = _was_registered(req)
    await people_domain.set_evaluation_consent(req.session, req.me, req.cb.arg(0) == "y", req.now)
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
