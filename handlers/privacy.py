"""/privacy, /mydata and /deleteme: the notice and my consents, my own copy of my data, erasure with confirmation."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta

from core.texts import format_day, format_when
from handlers import commands
from handlers.codec import encode
from handlers.common import Btn, Req, View, esc
from models import people as people_domain
from models import voice as voice_domain
from models.errors import Refusal
from models.privacy import core as privacy_domain


def notice_text(req: Req) -> str:
    """The privacy notice of the configured version: the text people agree to at /start and reread in /privacy."""
    c = req.config
    return req.t(
        "onboarding.privacy", controller=esc(c.controller), contact=esc(c.contact), version=esc(c.privacy_version)
    )


def local_time(req: Req, at: datetime) -> str:
    return format_when(at, req.lang, req.config.time_zone)


def retention_lines(req: Req) -> list[str]:
    """The retention rule of the config, in words ([privacy]; enforced daily by models/privacy/retention.py)."""
    r = req.config.retention
    lines = [req.t("privacy.retention_inactive", days=r.inactive_days)]
    if req.person is not None and req.person.last_seen_at is not None:
        lines.append(req.t("privacy.retention_last_seen", day=format_day(req.person.last_seen_at, req.lang, r.tz)))
    erase_all = r.erase_all_from()
    if erase_all is not None and r.end_date is not None:
        end = datetime.combine(r.end_date, datetime.min.time(), r.tz)
        day = format_day(end, req.lang, r.tz)
        erase_on = format_day(erase_all - timedelta(seconds=1), req.lang, r.tz)  # the last day data is kept
        lines.append(req.t("privacy.retention_end", days=r.after_end_days, end=day, erase_on=erase_on))
    else:
        lines.append(req.t("privacy.retention_end_open", days=r.after_end_days))
    lines.append(req.t("privacy.retention_audit", days=r.audit_days))
    lines.append(req.t("voice.retention", days=r.voice_days))  # an idea given by voice (models/voice.py)
    return lines


def version_tag(version: str) -> str:
    """A short stand-in for a notice version in button data (any text may be a version)."""
    return hashlib.sha256(version.encode()).hexdigest()[:10]


def agree_again_view(req: Req) -> View:
    """The one message asking a person to agree to a newer notice: what changed (from the config), the notice."""
    c = req.config
    parts = [req.t("privacy.agree_again", version=esc(c.privacy_version))]
    changes = c.retention.changes.get(req.lang) or c.retention.changes.get("de")
    if changes:
        parts.append(req.t("privacy.agree_again_changes", changes=esc(changes)))
    parts.append(notice_text(req))
    yes = encode("agree", "yes", version_tag(c.privacy_version))
    return View(
        "\n\n".join(parts),
        [[Btn(req.t("privacy.agree_again_yes"), yes)], [Btn(req.t("privacy.agree_again_no"), encode("agree", "no"))]],
    )


def ask_agree_again(req: Req) -> None:
    """What anything that needs consent answers while the person has not agreed to the current notice."""
    if req.update.callback_query is not None:
        req.toast(req.t("privacy.agree_again_first"))
    chat = req.update.effective_chat
    if chat is not None and chat.type != "private":  # a button in a team's group: the prompt goes to the person
        req.send_to(req.user_id, agree_again_view(req))
    else:
        req.reply(agree_again_view(req))


def privacy_view(req: Req) -> View:
    """The notice; for a registered person also the version agreed to, the evaluation consent and its switch."""
    p = req.person
    if p is None:
        rule = "\n".join([req.t("privacy.retention_title"), *retention_lines(req)])
        return View(notice_text(req) + "\n\n" + rule + "\n\n" + req.t("privacy.not_registered"))
    lines = [notice_text(req), "", req.t("privacy.consents_title")]
    lines.append(req.t("privacy.agreed", version=esc(p.consent_version), when=local_time(req, p.consent_at)))
    buttons: list[list[Btn]] = []
    if p.consent_version != req.config.privacy_version:
        lines.append(req.t("privacy.newer_version", version=esc(req.config.privacy_version)))
        agree = encode("agree", "yes", version_tag(req.config.privacy_version))
        buttons.append([Btn(req.t("privacy.agree_again_yes"), agree)])
    if p.evaluation_consent is None:  # still to be answered in registration (/start asks)
        lines.append(req.t("privacy.evaluation_open"))
    else:
        since = local_time(req, p.evaluation_consent_at or p.consent_at)  # no time: answered at registration
        lines.append(req.t("privacy.evaluation_yes" if p.evaluation_consent else "privacy.evaluation_no", when=since))
        label = "privacy.withdraw_evaluation" if p.evaluation_consent else "privacy.give_evaluation"
        buttons.append([Btn(req.t(label), encode("priv", "eval", "n" if p.evaluation_consent else "y"))])
    lines += ["", req.t("privacy.rights")]
    lines += ["", req.t("privacy.retention_title"), *retention_lines(req)]
    return View("\n".join(lines), buttons)


async def show_privacy(req: Req) -> None:
    """/privacy: works for anyone; the notice can always be read again."""
    req.show(privacy_view(req))


async def on_privacy_button(req: Req) -> None:
    """priv:eval:y|n gives or withdraws the evaluation consent (the same rule as /profile) and redraws."""
    assert req.cb is not None
    if req.cb.arg(0) != "eval" or req.cb.arg(1) not in ("y", "n"):
        raise Refusal("errors.stale_button")
    given = req.cb.arg(1) == "y"
    await people_domain.set_evaluation_consent(req.session, req.me, given, req.now)
    req.toast(req.t("privacy.evaluation_given" if given else "privacy.evaluation_withdrawn"))
    req.show(privacy_view(req))


async def send_my_data(req: Req) -> None:
    data = await privacy_domain.export_person(req.session, req.me)
    data["exported_at"] = req.now.isoformat()
    data["retention"] = " ".join(retention_lines(req))  # the rule in words, next to people.last_seen_at
    body = json.dumps(data, ensure_ascii=False, indent=2, default=str).encode()
    req.document(body, "meine-daten.json" if req.lang == "de" else "my-data.json", req.t("privacy.mydata_caption"))
    for voice in await voice_domain.of_person(req.session, req.me.id):  # the audio itself, listed in the JSON
        req.document(bytes(voice.data), voice_domain.file_name(voice), req.t("voice.mydata_caption", id=voice.id))


async def ask_delete(req: Req) -> None:
    """/deleteme: works for anyone; without a stored person it says there is nothing to delete."""
    if req.person is None:
        req.reply(req.t("privacy.nothing_stored"))
        return
    req.reply(
        View(
            req.t("privacy.confirm_delete"),
            [
                [
                    Btn(req.t("privacy.delete_yes"), encode("del", "yes")),
                    Btn(req.t("privacy.delete_no"), encode("del", "no")),
                ]
            ],
        )
    )


async def on_delete_button(req: Req) -> None:
    """del:yes erases the person (a second press finds nothing left); del:no keeps everything."""
    assert req.cb is not None
    if req.person is None:
        req.show(View(req.t("privacy.nothing_stored")))
        return
    if req.cb.arg(0) != "yes":
        req.show(View(req.t("privacy.delete_kept")))
        return
    telegram_id = req.person.telegram_id
    await privacy_domain.erase_person(req.session, req.person)
    req.person = None
    await commands.refresh_later(req, None, telegram_id)
    req.show(View(req.t("privacy.deleted")))
