"""/stellvertretend: a lead's members without Telegram (docs/proxy-members.md): adding one in a typed dialogue, a
one-time code to link a Telegram account later, her data export and her erasure.

The dialogue is a `proxy` draft: name → consent (paper / phone / none) → with consent: its day, the evaluation
consent, town, group → phone, address, e-mail (each skippable). Its buttons are `px:1:<nonce>:<step>:<value>`;
the screens for one member `px:1:m|code|x|d|dd:<person>`. Permissions live in models/proxy.py.
"""

from __future__ import annotations

import json
from typing import Any

from core.texts import format_day
from handlers.codec import encode
from handlers.common import Btn, Req, View, esc
from handlers.names import group_name, person_name, town_name
from models import drafts
from models import proxy as domain
from models.drafts import NONCE
from models.errors import Refusal
from models.people import OTHER_TOWN
from models.tables import Draft
from models.teams import get_team

FLOW = "proxy"
PREFIX = "px"
CONTACT_STEPS = ("phone", "address", "email")


def _btn(label: str, *args: object) -> Btn:
    return Btn(label, encode(PREFIX, *args))


# --- the overview ---------------------------------------------------------------------------------------------


async def overview(req: Req) -> View:
    kept = await domain.kept_by(req.session, req.me)
    teams = await domain.keeping_teams(req.session, req.me)
    lines = [req.t("proxy.title")]
    if not kept:
        lines.append(req.t("proxy.none"))
    names = {t.id: t.name(req.lang) for t in teams}
    for k in kept:
        team_names = ", ".join(names.get(i, "?") for i in k.team_ids if i in names)
        lines.append(f"• <b>{esc(person_name(req, k.person.display_name))}</b> – {esc(team_names)}")
    rows = [[_btn("👤 " + person_name(req, k.person.display_name, 40), "m", k.person.id)] for k in kept[:40]]
    rows += [[_btn(req.t("proxy.add", team=t.name(req.lang)), "add", t.id)] for t in teams]
    return View("\n".join(lines), rows)


async def show_overview(req: Req) -> None:
    """/stellvertretend: leads and managers; everyone else is refused by the domain."""
    req.show(await overview(req))


# --- one member --------------------------------------------------------------------------------------------------


def _consent_line(req: Req, k: domain.Kept) -> str:
    x = k.proxy
    if x.consent_form is None or x.consent_on is None:
        return req.t("proxy.consent_none")
    evaluation = req.t("common.yes" if x.evaluation else "common.no")
    return req.t(
        "proxy.consent_line",
        form=req.t(f"proxy.form_short_{x.consent_form}"),
        day=x.consent_on.strftime("%d.%m.%Y"),
        version=esc(x.notice_version or ""),
        evaluation=evaluation,
        by=esc(x.recorded_by or "–"),
    )


async def member_view(req: Req, person_id: int) -> View:
    await domain.kept_person(req.session, req.me, person_id)
    k = next((k for k in await domain.kept_by(req.session, req.me) if k.person.id == person_id), None)
    if k is None:
        raise Refusal("proxy.not_found")
    p, c = k.person, k.contact
    lines = [req.t("proxy.member_title", name=esc(person_name(req, p.display_name)))]
    if p.town is not None or p.stakeholder_group is not None:
        lines.append(f"{esc(group_name(req, p.stakeholder_group))}, {esc(town_name(req, p.town))}")
    for label, value in (("phone", c and c.phone), ("address", c and c.postal_address), ("email", c and c.email)):
        if value:
            lines.append(req.t(f"proxy.show_{label}", value=esc(value).replace("\n", ", ")))
    lines.append(_consent_line(req, k))
    rows = [
        [_btn(req.t("proxy.link_code"), "code", p.id)],
        [_btn(req.t("proxy.export"), "x", p.id), _btn(req.t("proxy.erase"), "d", p.id)],
        [_btn(req.t("proxy.back"), "o")],
    ]
    return View("\n".join(lines), rows)


# --- the dialogue ---------------------------------------------------------------------------------------------


async def _save(req: Req, step: str, data: dict[str, Any]) -> Draft:
    return await drafts.save_draft(req.session, req.me.id, FLOW, step, data, req.now)


def _ask(req: Req, draft: Draft) -> View:
    """The question of the draft's step."""
    n, step = draft.data[NONCE], draft.step
    if step == "name":
        return View(req.t("proxy.ask_name"))
    if step == "consent":
        return View(
            req.t("proxy.ask_consent", version=esc(req.config.privacy_version)),
            [
                [_btn(req.t("proxy.form_paper"), n, "consent", "paper")],
                [_btn(req.t("proxy.form_phone"), n, "consent", "phone")],
                [_btn(req.t("proxy.consent_no"), n, "consent", domain.NO_CONSENT)],
            ],
        )
    if step == "day":
        return View(req.t("proxy.ask_day"), [[_btn(req.t("proxy.today"), n, "day", "today")]])
    if step == "eval":
        return View(
            req.t("proxy.ask_evaluation"),
            [[_btn(req.t("common.yes"), n, "eval", "y"), _btn(req.t("common.no"), n, "eval", "n")]],
        )
    if step == "town":
        rows = [[_btn(t.name(req.lang), n, "town", t.key)] for t in req.config.towns]
        rows.append([_btn(req.t("common.other_town"), n, "town", OTHER_TOWN)])
        return View(req.t("proxy.ask_town"), rows)
    if step == "group":
        return View(req.t("proxy.ask_group"), [[_btn(g.name(req.lang), n, "group", g.key)] for g in req.config.groups])
    return View(req.t(f"proxy.ask_{step}"), [[_btn(req.t("proxy.skip"), n, step, "skip")]])


async def _go(req: Req, draft: Draft, step: str, data: dict[str, Any], fresh: bool) -> None:
    """Move to `step` (or store the member after the last one) and ask its question."""
    if step == "done":
        await _finish(req, data, fresh)
        return
    draft = await _save(req, step, data)
    req.show(_ask(req, draft)) if fresh else req.reply(_ask(req, draft))


def _after(step: str, data: dict[str, Any]) -> str:
    """The step after `step`: town, group and the evaluation only with consent."""
    consented = data.get("form") in domain.FORMS
    order = ["name", "consent", *(["day", "eval", "town", "group"] if consented else []), *CONTACT_STEPS, "done"]
    return order[order.index(step) + 1]


async def start_add(req: Req, team_id: int) -> None:
    await domain.require_keeper(req.session, req.me, team_id)
    team = await get_team(req.session, team_id)
    assert team is not None
    draft = await _save(req, "name", drafts.new_run(team=team_id))
    req.show(View(req.t("proxy.intro", team=esc(team.name(req.lang))) + "\n\n" + _ask(req, draft).text))


async def on_input(req: Req, draft: Draft) -> None:
    """Typed answers: the name, the consent's day, phone, address, e-mail; each checked before it is kept."""
    text = req.text
    if text is None:
        raise Refusal("proxy.text_please")
    data = dict(draft.data)
    step = draft.step
    if step == "name":
        data["name"] = domain.clean_name(text)
    elif step == "day":
        data["day"] = domain.parse_consent_day(text, req.now.astimezone(req.config.time_zone).date()).isoformat()
    elif step == "phone":
        data["phone"] = domain.clean_phone(text)
    elif step == "address":
        data["address"] = domain.clean_address(text)
    elif step == "email":
        data["email"] = domain.clean_email(text)
    else:
        raise Refusal("proxy.press_a_button")
    await _go(req, draft, _after(step, data), data, fresh=False)


async def _on_step_button(req: Req) -> None:
    """px:<nonce>:<step>:<value>: a choice of the dialogue, taken only at its own step."""
    assert req.cb is not None
    draft = await drafts.draft_of_button(req.session, req.me.id, FLOW, req.cb.arg(0), "proxy.no_dialogue")
    step, value = req.cb.arg(1), req.cb.arg(2)
    if step != draft.step:
        raise Refusal("errors.stale_button")
    data = dict(draft.data)
    if step == "consent":
        if value not in (*domain.FORMS, domain.NO_CONSENT):
            raise Refusal("errors.unknown_choice")
        data["form"] = value
    elif step == "day" and value == "today":
        data["day"] = req.now.astimezone(req.config.time_zone).date().isoformat()
    elif step == "eval":
        data["evaluation"] = value == "y"
    elif step == "town":
        if value != OTHER_TOWN and value not in {t.key for t in req.config.towns}:
            raise Refusal("errors.unknown_choice")
        data["town"] = value
    elif step == "group":
        if value not in {g.key for g in req.config.groups}:
            raise Refusal("errors.unknown_choice")
        data["group"] = value
    elif step in CONTACT_STEPS and value == "skip":
        data.pop(step, None)
    else:
        raise Refusal("errors.stale_button")
    await _go(req, draft, _after(step, data), data, fresh=True)


async def _finish(req: Req, data: dict[str, Any], fresh: bool) -> None:
    from datetime import date

    day = data.get("day")
    entry = domain.ProxyInput(
        name=str(data.get("name", "")),
        form=str(data.get("form", domain.NO_CONSENT)),
        consent_on=date.fromisoformat(day) if isinstance(day, str) else None,
        evaluation=bool(data.get("evaluation")),
        town=data.get("town"),
        group=data.get("group"),
        phone=data.get("phone"),
        postal_address=data.get("address"),
        email=data.get("email"),
    )
    person = await domain.add(
        req.session,
        req.me,
        int(data["team"]),
        entry,
        req.now,
        privacy_version=req.config.privacy_version,
        towns=[t.key for t in req.config.towns],
        groups=[g.key for g in req.config.groups],
        policy=req.config.meetings,
    )
    await drafts.clear_draft(req.session, req.me.id)
    key = "proxy.added" if entry.form in domain.FORMS else "proxy.added_without_consent"
    done = View(req.t(key, name=esc(person.display_name)))
    req.show(done) if fresh else req.reply(done)
    req.reply(await member_view(req, person.id))


# --- the member's buttons ---------------------------------------------------------------------------------------


async def on_button(req: Req) -> None:
    """px:add:<team> starts the dialogue; m / code / x / d / dd act on one member; o shows the overview; any
    other first argument is a dialogue run's nonce."""
    assert req.cb is not None
    action = req.cb.arg(0)
    if action == "add":
        await start_add(req, req.cb.int(1))
    elif action == "o":
        req.show(await overview(req))
    elif action == "m":
        req.show(await member_view(req, req.cb.int(1)))
    elif action == "code":
        code, expires = await domain.issue_link_code(req.session, req.me, req.cb.int(1), req.now)
        link = f"https://t.me/{req.context.bot.username}?start={domain.LINK_PREFIX}{code}"
        until = format_day(expires, req.lang, req.config.time_zone)
        req.reply(req.t("proxy.code_issued", code=code, link=link, until=until, days=domain.LINK_DAYS))
    elif action == "x":
        person, data = await domain.export_for(req.session, req.me, req.cb.int(1), req.now)
        body = json.dumps(data, ensure_ascii=False, indent=2, default=str).encode()
        req.document(body, f"daten-{person.pseudonym}.json", req.t("proxy.export_caption", name=person.display_name))
    elif action == "d":
        person = await domain.kept_person(req.session, req.me, req.cb.int(1))
        req.show(
            View(
                req.t("proxy.erase_confirm", name=esc(person.display_name)),
                [[_btn(req.t("proxy.erase_yes"), "dd", person.id), _btn(req.t("proxy.erase_no"), "m", person.id)]],
            )
        )
    elif action == "dd":
        name = await domain.erase_for(req.session, req.me, req.cb.int(1), req.now)
        req.show(View(req.t("proxy.erased", name=esc(name))))
    else:
        await _on_step_button(req)
