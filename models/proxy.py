"""Proxy members: people without Telegram, kept by the leads of their teams (docs/proxy-members.md).

Nothing here touches Telegram. Who may act for a proxy member is decided here once: a project manager, or a lead
of a team she is in. A proxy member is a `people` row without `telegram_id`; every fan-out of messages skips her
(models/outbox.py `enqueue`), every count of members includes her. Without consent (on paper or by phone) only her
name, her teams and how to reach her are stored: what her lead needs to invite her.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import audit
from models.errors import Refusal
from models.meetings import core as meetings
from models.meetings.core import MeetingPolicy
from models.people import OTHER_TOWN, _pseudonym, get_person
from models.privacy import consents
from models.privacy.core import erase_person, export_person
from models.tables import LinkCode, MemberContact, Membership, Person, ProxyMember, Rsvp, SurveyAnswer, Team
from models.teams import MEMBER
from models.text import require_visible

FORMS = ("paper", "phone")  # how the consent was given
NO_CONSENT = "none"
LINK_DAYS = 14  # a link code is void after this many days
LINK_PREFIX = "link-"
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10
NAME_MAX, PHONE_MAX, EMAIL_MAX, ADDRESS_MAX, ADDRESS_LINES = 128, 40, 254, 300, 5
CONSENT_LOOK_BACK = timedelta(days=366)  # a consent date older than a year is a typo rather than a record
_PHONE = re.compile(r"^\+?[0-9][0-9 /()\-]{3,38}$")
_EMAIL = re.compile(r"^[^@\s<>\"',;]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9\-]{1,63})+$")
_DAY = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{2}|\d{4})$")


@dataclass
class ProxyInput:
    """What a lead typed and picked for a new proxy member; checked by `add` before anything is stored."""

    name: str
    form: str = NO_CONSENT  # 'paper' | 'phone' | 'none'
    consent_on: date | None = None
    evaluation: bool = False
    town: str | None = None
    group: str | None = None
    phone: str | None = None
    postal_address: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class Kept:
    """One proxy member as her lead sees her."""

    person: Person
    proxy: ProxyMember
    contact: MemberContact | None
    team_ids: tuple[int, ...]


# --- checking what was typed ---------------------------------------------------------------------------------


def clean_name(raw: str | None) -> str:
    text = " ".join((raw or "").split())
    if not text or len(text) < 2:
        raise Refusal("proxy.name_short")
    require_visible(text)
    if len(text) > NAME_MAX:
        raise Refusal("proxy.name_long", max=NAME_MAX)
    return text


def clean_phone(raw: str | None) -> str:
    text = " ".join((raw or "").split())
    if not _PHONE.match(text) or sum(c.isdigit() for c in text) < 4:
        raise Refusal("proxy.bad_phone")
    return text


def clean_email(raw: str | None) -> str:
    text = (raw or "").strip()
    if len(text) > EMAIL_MAX or not _EMAIL.match(text):
        raise Refusal("proxy.bad_email")
    return text


def clean_address(raw: str | None) -> str:
    """Two to five lines as they go into a letter's window (street, town); the name is added when printing."""
    lines = [" ".join(line.split()) for line in (raw or "").splitlines()]
    lines = [line for line in lines if line]
    if len(lines) == 1 and "," in lines[0]:  # "Markt 1, 07318 Saalfeld" typed on one line
        lines = [part.strip() for part in lines[0].split(",") if part.strip()]
    text = "\n".join(lines)
    if not 2 <= len(lines) <= ADDRESS_LINES or len(text) > ADDRESS_MAX:
        raise Refusal("proxy.bad_address", lines=ADDRESS_LINES)
    require_visible(text)
    return text


def parse_consent_day(raw: str | None, today: date) -> date:
    """ "24.11.2026" (or "24.11.26"): the day the consent was given; not in the future, at most a year back."""
    m = _DAY.match((raw or "").strip())
    if m is None:
        raise Refusal("proxy.bad_day")
    day_, month, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
    year = year + 2000 if year < 100 else year
    try:
        day = date(year, month, day_)
    except ValueError:
        raise Refusal("proxy.bad_day") from None
    if day > today or day < today - CONSENT_LOOK_BACK:
        raise Refusal("proxy.day_out_of_range")
    return day


# --- who may act for whom ------------------------------------------------------------------------------------


async def keeping_teams(s: AsyncSession, actor: Person) -> list[Team]:
    """The teams the actor may add proxy members to: the ones she leads, every team for a project manager."""
    return await meetings.schedulable_teams(s, actor)


async def require_keeper(s: AsyncSession, actor: Person, team_id: int) -> Team:
    if team_id not in {t.id for t in await keeping_teams(s, actor)}:
        raise Refusal("proxy.not_lead")
    team = await s.get(Team, team_id)
    assert team is not None
    return team


async def kept_person(s: AsyncSession, actor: Person, person_id: int) -> Person:
    """A proxy member the actor may act for (still without Telegram); refused otherwise, alike for all cases."""
    person = await s.get(Person, person_id)
    if person is None or person.telegram_id is not None or await s.get(ProxyMember, person_id) is None:
        raise Refusal("proxy.not_found")
    if actor.is_manager:
        return person
    teams = set((await s.execute(select(Membership.team_id).where(Membership.person_id == person_id))).scalars())
    if not teams & {t.id for t in await keeping_teams(s, actor)}:
        raise Refusal("proxy.not_found")
    return person


# --- adding one ------------------------------------------------------------------------------------------------


async def add(
    s: AsyncSession,
    actor: Person,
    team_id: int,
    data: ProxyInput,
    now: datetime,
    *,
    privacy_version: str,
    towns: list[str],
    groups: list[str],
    policy: MeetingPolicy,
) -> Person:
    """Store a proxy member in the team and invite her to its upcoming meetings (nothing goes to Telegram).

    With consent (`form` paper or phone, and its day) her town, group and the evaluation answer are stored and
    the consent history records the notice version shown; without it they are dropped before anything is stored.
    """
    team = await require_keeper(s, actor, team_id)
    name = clean_name(data.name)
    consented = data.form in FORMS
    if data.form not in (*FORMS, NO_CONSENT) or (consented and data.consent_on is None):
        raise Refusal("errors.unknown_choice")
    if consented and (data.town is None or data.group is None):
        raise Refusal("errors.unknown_choice")
    if data.town is not None and data.town != OTHER_TOWN and data.town not in towns:
        raise Refusal("errors.unknown_choice")
    if data.group is not None and data.group not in groups:
        raise Refusal("errors.unknown_choice")
    phone = clean_phone(data.phone) if data.phone else None
    email = clean_email(data.email) if data.email else None
    address = clean_address(data.postal_address) if data.postal_address else None
    person = Person(
        telegram_id=None,
        display_name=name,
        language="de",
        is_manager=False,
        pseudonym=_pseudonym(),
        consent_version=privacy_version if consented else "",
        consent_at=now,
        evaluation_consent=data.evaluation if consented else None,
        evaluation_consent_at=now if consented else None,
        stakeholder_group=data.group if consented else None,
        town=data.town if consented else None,
        created_at=now,
        last_seen_at=now,
    )
    s.add(person)
    await s.flush()
    s.add(
        ProxyMember(
            person_id=person.id,
            consent_form=data.form if consented else None,
            consent_on=data.consent_on if consented else None,
            notice_version=privacy_version if consented else None,
            evaluation=bool(consented and data.evaluation),
            recorded_by=actor.pseudonym,
            recorded_at=now,
        )
    )
    if consented:
        await consents.agree(s, person, consents.PRIVACY, privacy_version, now)
        if data.evaluation:
            await consents.agree(s, person, consents.EVALUATION, privacy_version, now)
    if phone or email or address:
        s.add(MemberContact(person_id=person.id, phone=phone, postal_address=address, email=email, updated_at=now))
    s.add(Membership(person_id=person.id, team_id=team.id, role=MEMBER, joined_at=now))
    await s.flush()
    await meetings.invite_new_member(s, person, team.id, now, policy)
    await audit.record(s, actor, audit.PROXY_ADD, now, person=person.pseudonym, team=team.slug, consent=data.form)
    return person


# --- what leads see and do for them ---------------------------------------------------------------------------


async def kept_by(s: AsyncSession, actor: Person) -> list[Kept]:
    """The proxy members of the actor's teams (all of them for a manager), by name."""
    team_ids = [t.id for t in await keeping_teams(s, actor)]
    if not team_ids:
        raise Refusal("proxy.not_lead")
    rows = await s.execute(
        select(Person, ProxyMember, MemberContact)
        .join(ProxyMember, ProxyMember.person_id == Person.id)
        .outerjoin(MemberContact, MemberContact.person_id == Person.id)
        .where(
            Person.telegram_id.is_(None),
            Person.id.in_(select(Membership.person_id).where(Membership.team_id.in_(team_ids))),
        )
        .order_by(func.lower(Person.display_name), Person.id)
    )
    found = rows.all()
    teams: dict[int, list[int]] = {}
    if found:
        ms = await s.execute(
            select(Membership.person_id, Membership.team_id).where(
                Membership.person_id.in_([p.id for p, _, _ in found])
            )
        )
        for pid, tid in ms:
            teams.setdefault(pid, []).append(tid)
    return [Kept(p, x, c, tuple(sorted(teams.get(p.id, [])))) for p, x, c in found]


async def offline_invitees(s: AsyncSession, meeting_id: int) -> list[tuple[Person, Rsvp, str | None]]:
    """The invited members without Telegram of a meeting, with their answer and phone: the lead's call list."""
    rows = await s.execute(
        select(Person, Rsvp, MemberContact.phone)
        .join(Rsvp, Rsvp.person_id == Person.id)
        .outerjoin(MemberContact, MemberContact.person_id == Person.id)
        .where(Rsvp.meeting_id == meeting_id, Person.telegram_id.is_(None))
        .order_by(func.lower(Person.display_name), Person.id)
    )
    return [(p, r, phone) for p, r, phone in rows.all()]


async def record_rsvp(
    s: AsyncSession,
    actor: Person,
    meeting_id: int,
    person_id: int,
    value: str,
    now: datetime,
    policy: MeetingPolicy,
    reason: str | None = None,
) -> bool:
    """The organiser records a proxy member's Zusage / Vielleicht / Absage (after a call); the rules are the ones
    of a member's own answer (models/meetings/core.py `answer`). Returns whether it changed."""
    await meetings.organised_meeting(s, actor, meeting_id)
    person = await s.get(Person, person_id)
    if person is None or person.telegram_id is not None:
        raise Refusal("proxy.not_found")
    _, _, changed = await meetings.answer(s, person, meeting_id, value, now, policy, reason)
    person.last_seen_at = now  # her lead spoke with her: retention counts it as activity
    if changed:
        await audit.record(s, actor, audit.PROXY_RSVP, now, person=person.pseudonym, meeting=meeting_id, answer=value)
    return changed


async def _proxy_answer(
    s: AsyncSession, actor: Person, meeting_id: int, person_id: int, now: datetime
) -> tuple[Person, SurveyAnswer]:
    """The answer row a lead may fill in for a proxy member: the actor organises the meeting and keeps the person
    (her team's lead or the manager), the person is ticked present, consents to the evaluation, and the survey is
    open. Refused otherwise, before anything is written."""
    from models.surveys import answers as survey_answers  # surveys build on meetings and people
    from models.surveys.core import closes_at, is_present

    meeting = await meetings.organised_meeting(s, actor, meeting_id)
    person = await kept_person(s, actor, person_id)
    rsvp = await s.get(Rsvp, (meeting_id, person_id))
    if rsvp is None:
        raise Refusal("proxy.not_found")
    if not is_present(meeting, rsvp):
        raise Refusal("proxy.survey_not_present")
    if person.evaluation_consent is not True:
        raise Refusal("proxy.survey_no_consent")
    if not meeting.starts_at <= now < closes_at(meeting):
        raise Refusal("survey.closed")
    return person, await survey_answers.answer_row(s, person, meeting, now)


async def enter_survey(
    s: AsyncSession, actor: Person, meeting_id: int, person_id: int, usefulness: int, now: datetime
) -> bool:
    """The organiser enters a present proxy member's answer to the survey (how useful, 1–5) after asking her; only
    with her evaluation consent and while the survey is open. The row is marked `entered_by_proxy`; a change is
    audited (a repeated press changes and records nothing)."""
    from models.surveys import answers as survey_answers  # surveys build on meetings and people

    survey_answers.require_usefulness(usefulness)
    person, row = await _proxy_answer(s, actor, meeting_id, person_id, now)
    changed = survey_answers.rate(row, usefulness, now) or not row.entered_by_proxy
    if changed:
        row.entered_by_proxy, row.updated_at = True, now
        await audit.record(s, actor, audit.PROXY_SURVEY, now, person=person.pseudonym, meeting=meeting_id)
    await s.flush()
    return changed


async def enter_survey_code(
    s: AsyncSession,
    actor: Person,
    meeting_id: int,
    person_id: int,
    kind: str,
    key: str,
    on: bool,
    known: Sequence[str],
    now: datetime,
) -> bool:
    """The organiser ticks (on) or unticks a success factor or obstacle for a proxy member, with the chips of the
    member's own survey (`tick_code`) and the checks of `enter_survey`; the row is marked `entered_by_proxy`, a
    change audited. No sentence: it would be the lead's words, not hers (docs/proxy-members.md)."""
    from models.surveys import answers as survey_answers

    if kind not in survey_answers.CODE_KINDS or key not in known:
        raise Refusal("errors.stale_button")
    person, row = await _proxy_answer(s, actor, meeting_id, person_id, now)
    changed = survey_answers.tick_code(row, kind, key, on, known, now)
    if changed:
        row.entered_by_proxy = True
        await audit.record(
            s, actor, audit.PROXY_SURVEY, now, person=person.pseudonym, meeting=meeting_id, code=f"{kind}:{key}"
        )
    await s.flush()
    return changed


# --- linking a Telegram account ------------------------------------------------------------------------------


def _hash(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


async def issue_link_code(s: AsyncSession, actor: Person, person_id: int, now: datetime) -> tuple[str, datetime]:
    """A new one-time code for the proxy member (older unused ones are void); only its hash is stored."""
    person = await kept_person(s, actor, person_id)
    await s.execute(delete(LinkCode).where(LinkCode.person_id == person.id, LinkCode.used_at.is_(None)))
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    expires = now + timedelta(days=LINK_DAYS)
    s.add(LinkCode(code_hash=_hash(code), person_id=person.id, created_at=now, expires_at=expires))
    await s.flush()
    await audit.record(s, actor, audit.PROXY_LINK_CODE, now, person=person.pseudonym)
    return code, expires


def code_of_link(arg: str | None) -> str | None:
    """The code of a `/start link-<code>` argument (None for any other argument)."""
    if arg and arg.startswith(LINK_PREFIX) and 4 <= len(arg) - len(LINK_PREFIX) <= 32:
        return arg[len(LINK_PREFIX) :]
    return None


async def redeem(s: AsyncSession, code: str, telegram_id: int, language: str, now: datetime) -> Person:
    """Attach the Telegram account to the proxy member the code was made for: her history, teams and consent stay
    (it is the same row). A used, expired or unknown code is refused alike; so is an account already registered."""
    if await get_person(s, telegram_id) is not None:
        raise Refusal("proxy.link_already_registered")
    row = await s.get(LinkCode, _hash(code), with_for_update=True)
    if row is None or row.used_at is not None or row.expires_at <= now:
        raise Refusal("proxy.link_invalid")
    person = await s.get(Person, row.person_id)
    proxy = await s.get(ProxyMember, row.person_id)
    if person is None or proxy is None or person.telegram_id is not None:
        raise Refusal("proxy.link_invalid")
    row.used_at = now
    person.telegram_id = telegram_id
    person.language = language
    person.last_seen_at = now
    proxy.linked_at = now
    await s.flush()
    return person


# --- /mydata and /deleteme through the lead -----------------------------------------------------------------


async def export_for(s: AsyncSession, actor: Person, person_id: int, now: datetime) -> tuple[Person, dict[str, Any]]:
    """Everything stored about the proxy member (the content of her /mydata), for her lead to hand over."""
    person = await kept_person(s, actor, person_id)
    data = await export_person(s, person)
    data["exported_at"] = now.isoformat()
    await audit.record(s, actor, audit.PROXY_EXPORT, now, person=person.pseudonym)
    return person, data


async def erase_for(s: AsyncSession, actor: Person, person_id: int, now: datetime) -> str:
    """Erase the proxy member as /deleteme does (models/privacy/core.py); returns the name for the confirmation."""
    person = await kept_person(s, actor, person_id)
    name, pseudonym = person.display_name, person.pseudonym
    await erase_person(s, person)
    await audit.record(s, actor, audit.PROXY_ERASE, now, person=pseudonym)
    return name
