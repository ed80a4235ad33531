"""Meetings: who may schedule, change and cancel them, invitations and RSVPs, and the messages they cause.

Nothing here touches Telegram. Every message a meeting causes later (invitation, reminders, change and
cancel notices, the lead's headcount, the attendance nudge) is planned as outbox rows in the same
transaction as the meeting change, so a crash can never leave a meeting without its messages.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import audit, outbox
from models.dates import shift_out_of_quiet
from models.errors import Refusal
from models.meetings import mail
from models.outbox import NewMessage
from models.tables import Meeting, Membership, Outbox, Person, Rsvp, Team, TeamGroup
from models.teams import LEAD
from models.text import require_visible

ANSWERS = ("yes", "maybe", "no")
REASONS = ("schedule", "travel", "health", "care", "no_interest")
SCHEDULED, CANCELLED = "scheduled", "cancelled"
TITLE_MAX = 200
TEXT_MAX = 1500
# outbox kinds this module plans; priorities: reminders first, notices next, nudges last
INVITATION, REMINDER, CHANGE, CANCEL = "invitation", "reminder", "change", "cancel"
HEADCOUNT, ATTENDANCE_NUDGE, RSVP_NUDGE = "headcount", "attendance_nudge", "rsvp_nudge"
REMINDER_KINDS = (REMINDER, mail.MAIL_REMINDER)  # by Telegram and by e-mail (models/meetings/mail.py)
TIMED_KINDS = (*REMINDER_KINDS, HEADCOUNT, ATTENDANCE_NUDGE)  # re-planned when the time changes
HEADCOUNT_MIN_WAIT = timedelta(minutes=30)  # members get at least this long to answer before the headcount
REMINDERS_MAX = 4  # reminders per meeting
REMINDER_EARLIEST, REMINDER_LATEST = 5, 14 * 1440  # minutes before the start (see `check_reminders`)


@dataclass(frozen=True)
class MeetingPolicy:
    """The config's rules for meeting messages (models/ does not read the config itself)."""

    tz: ZoneInfo
    reminder_offsets: tuple[int, ...] = (1440, 120)  # minutes before the start
    quiet_start: time | None = time(21, 0)
    quiet_end: time | None = time(8, 0)
    grace: timedelta = timedelta(minutes=30)
    headcount_before: timedelta = timedelta(hours=24)
    attendance_nudge_after: timedelta = timedelta(hours=2)
    show_rsvps_to_members: bool = False  # may invited members see who else answered what (models/meetings/rsvps.py)


@dataclass
class MeetingInput:
    """What a lead typed and picked; checked by `validate` before anything is stored."""

    title: str
    starts_at: datetime
    duration_min: int
    address: str | None = None
    town: str | None = None
    online_url: str | None = None
    agenda: str | None = None
    reminder_offsets: tuple[int, ...] | None = None


@dataclass
class Headcount:
    yes: int = 0
    maybe: int = 0
    no: int = 0
    open: int = 0
    yes_by_town: Counter[str] = field(default_factory=Counter)
    yes_by_group: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)
    open_people: list[int] = field(default_factory=list)


# --- permissions -------------------------------------------------------------------------------------


async def schedulable_teams(s: AsyncSession, person: Person) -> list[Team]:
    """Teams this person may schedule for: the ones they lead; every team for a project manager."""
    if person.is_manager:
        return list((await s.execute(select(Team).order_by(Team.id))).scalars())
    rows = await s.execute(
        select(Team)
        .join(Membership, Membership.team_id == Team.id)
        .where(Membership.person_id == person.id, Membership.role == LEAD)
        .order_by(Team.id)
    )
    return list(rows.scalars())


async def require_organiser(s: AsyncSession, person: Person, team_id: int) -> Team:
    if team_id not in {t.id for t in await schedulable_teams(s, person)}:
        raise Refusal("meetings.not_lead")
    team = await s.get(Team, team_id)
    assert team is not None
    return team


async def get_meeting(s: AsyncSession, meeting_id: int) -> Meeting:
    meeting = await s.get(Meeting, meeting_id)
    if meeting is None:
        raise Refusal("meetings.not_found")
    return meeting


async def organised_meeting(s: AsyncSession, person: Person, meeting_id: int) -> Meeting:
    """A meeting the person may change: of a team they lead, still scheduled."""
    meeting = await get_meeting(s, meeting_id)
    await require_organiser(s, person, meeting.team_id)
    if meeting.status == CANCELLED:
        raise Refusal("meetings.cancelled")
    return meeting


# --- validation ----------------------------------------------------------------------------------------


def clean_title(raw: str | None) -> str:
    text = " ".join((raw or "").split())
    if text:
        require_visible(text)
    if len(text) < 3:
        raise Refusal("meetings.title_short")
    if len(text) > TITLE_MAX:
        raise Refusal("meetings.title_long", max=TITLE_MAX)
    return text


def clean_text(raw: str | None, empty_ok: bool = True) -> str | None:
    text = (raw or "").strip()
    if not text:
        if empty_ok:
            return None
        raise Refusal("meetings.text_empty")
    require_visible(text)
    if len(text) > TEXT_MAX:
        raise Refusal("meetings.text_long", max=TEXT_MAX)
    return text


def clean_url(raw: str | None) -> str:
    text = (raw or "").strip()
    parsed = urlparse(text)
    if parsed.scheme != "https" or not parsed.netloc or len(text) > 500 or " " in text:
        raise Refusal("meetings.bad_link")
    return text


def validate(data: MeetingInput, now: datetime, towns: Sequence[str]) -> None:
    data.title = clean_title(data.title)
    if data.starts_at <= now:
        raise Refusal("dates.past")
    if not 5 <= data.duration_min <= 720:
        raise Refusal("dates.bad_duration", min=5, max=720)
    if data.online_url:
        data.online_url = clean_url(data.online_url)
    else:
        data.address = clean_text(data.address, empty_ok=False)
        if data.town not in towns:
            raise Refusal("meetings.need_town")
    data.agenda = clean_text(data.agenda)
    if data.reminder_offsets is not None:
        check_reminders(data.reminder_offsets)


def check_reminders(offsets: Sequence[int]) -> None:
    """The one rule for reminder times, used by the config check (`meetings.reminder_hours`, the defaults the
    dialogue offers) and by `validate`, so a configured default can never be refused at the last step."""
    if len(offsets) > REMINDERS_MAX or any(not REMINDER_EARLIEST <= m <= REMINDER_LATEST for m in offsets):
        raise Refusal("meetings.bad_reminders")


# --- planning the messages -----------------------------------------------------------------------------


async def _group_chat(s: AsyncSession, team_id: int) -> int | None:
    return (await s.execute(select(TeamGroup.chat_id).where(TeamGroup.team_id == team_id))).scalar_one_or_none()


async def _leads(s: AsyncSession, team_id: int) -> list[Person]:
    rows = await s.execute(
        select(Person)
        .join(Membership, Membership.person_id == Person.id)
        .where(Membership.team_id == team_id, Membership.role == LEAD)
    )
    return list(rows.scalars())


def before(starts_at: datetime, delta: timedelta, tz: ZoneInfo) -> datetime:
    """`delta` before `starts_at`; whole days count on the local calendar, so on a DST weekend the
    "24 h" reminder of a Sunday 18:00 meeting still comes at Saturday 18:00 (23 or 25 real hours)."""
    days, rest = divmod(delta, timedelta(days=1))
    if rest:
        return starts_at - delta
    local = starts_at.astimezone(tz) - timedelta(days=days)  # aware arithmetic keeps the wall time
    return local.astimezone(UTC)  # a wall time missing in March reads as an hour later; doubled: the first


def _out_of_quiet(due: datetime, meeting: Meeting, policy: MeetingPolicy) -> datetime:
    """`due` moved out of quiet hours, unless the meeting comes before they end."""
    if policy.quiet_start is None or policy.quiet_end is None:
        return due
    shifted = shift_out_of_quiet(due, policy.tz, policy.quiet_start, policy.quiet_end)
    return due if shifted >= meeting.starts_at else shifted


def _reminder_due(meeting: Meeting, offset: int, policy: MeetingPolicy) -> datetime:
    return _out_of_quiet(before(meeting.starts_at, timedelta(minutes=offset), policy.tz), meeting, policy)


def headcount_due(meeting: Meeting, policy: MeetingPolicy) -> datetime | None:
    """When the lead's headcount goes out: `headcount_before` the start, but never sooner than halfway between
    the invitation (or the last change, `updated_at`) and the start, so members have had time to answer; none
    when halfway is less than HEADCOUNT_MIN_WAIT away (the meeting is too close for answers to come in).
    Quiet hours as for reminders. Re-planning for a newcomer or a changed answer leaves the time as it was."""
    asked = meeting.updated_at
    halfway = asked + (meeting.starts_at - asked) / 2
    if halfway - asked < HEADCOUNT_MIN_WAIT:
        return None
    return _out_of_quiet(max(before(meeting.starts_at, policy.headcount_before, policy.tz), halfway), meeting, policy)


async def plan_timed(s: AsyncSession, meeting: Meeting, policy: MeetingPolicy, now: datetime) -> None:
    """(Re)plan reminders, the lead's headcount and the attendance nudge for the meeting as it is now."""
    await outbox.cancel_open(s, Outbox.meeting_id == meeting.id, Outbox.kind.in_(TIMED_KINDS), reason="re-planned")
    rsvps = list((await s.execute(select(Rsvp).where(Rsvp.meeting_id == meeting.id))).scalars())
    people = {
        p.id: p for p in (await s.execute(select(Person).where(Person.id.in_([r.person_id for r in rsvps])))).scalars()
    }
    group = await _group_chat(s, meeting.team_id)
    emails = await mail.addresses(s, people)
    seq = meeting.sequence
    new: list[NewMessage] = []
    for offset in meeting.reminder_offsets:
        due = _reminder_due(meeting, offset, policy)
        if due <= now:
            continue
        expires = min(due + policy.grace, meeting.starts_at)
        for r in rsvps:
            p = people.get(r.person_id)
            if p is None or r.answer == "no" or p.mute_reminders:
                continue
            new.append(
                NewMessage(
                    REMINDER,
                    p.telegram_id,
                    due,
                    person_id=p.id,
                    meeting_id=meeting.id,
                    payload={"offset": offset},
                    dedupe_key=f"rem:{meeting.id}:{p.id}:{offset}:{seq}",
                    expires_at=expires,
                    priority=0,
                )
            )
            if p.id in emails:
                new.append(mail.notice(REMINDER, p.id, meeting, due, expires, {"offset": offset}, str(offset), 0))
        if group is not None:
            new.append(
                NewMessage(
                    REMINDER,
                    group,
                    due,
                    meeting_id=meeting.id,
                    payload={"offset": offset},
                    dedupe_key=f"rem:{meeting.id}:g:{offset}:{seq}",
                    expires_at=expires,
                    priority=0,
                )
            )
    head_due = headcount_due(meeting, policy)
    if head_due is not None:
        for lead in await _leads(s, meeting.team_id):
            new.append(
                NewMessage(
                    HEADCOUNT,
                    lead.telegram_id,
                    head_due,
                    person_id=lead.id,
                    meeting_id=meeting.id,
                    dedupe_key=f"head:{meeting.id}:{lead.id}:{seq}",
                    expires_at=meeting.starts_at,
                    priority=2,
                )
            )
    after = meeting.starts_at + timedelta(minutes=meeting.duration_min) + policy.attendance_nudge_after
    for lead in await _leads(s, meeting.team_id):
        new.append(
            NewMessage(
                ATTENDANCE_NUDGE,
                lead.telegram_id,
                after,
                person_id=lead.id,
                meeting_id=meeting.id,
                dedupe_key=f"att:{meeting.id}:{lead.id}:{seq}",
                expires_at=after + timedelta(days=7),
                priority=6,
            )
        )
    await outbox.enqueue(s, new, now)


def _over(meeting: Meeting) -> datetime:
    """When a notice about the meeting (invitation, change, cancellation) has lost its point: at its end."""
    return meeting.starts_at + timedelta(minutes=meeting.duration_min)


async def _notify_invitees(
    s: AsyncSession, meeting: Meeting, kind: str, now: datetime, payload: dict[str, Any], actor: Person
) -> None:
    """Tell every invited member (by e-mail too, where they gave an address) and the team's group; not the one
    who acted (her confirmation says it)."""
    rows = await s.execute(
        select(Person)
        .join(Rsvp, Rsvp.person_id == Person.id)
        .where(Rsvp.meeting_id == meeting.id, Person.id != actor.id)
    )
    invitees = list(rows.scalars())
    new = [
        NewMessage(
            kind,
            p.telegram_id,
            now,
            person_id=p.id,
            meeting_id=meeting.id,
            payload=payload,
            dedupe_key=f"{kind}:{meeting.id}:{p.id}:{meeting.sequence}",
            expires_at=_over(meeting),
            priority=1,
        )
        for p in invitees
    ]
    emails = await mail.addresses(s, [p.id for p in invitees])
    new += [mail.notice(kind, p.id, meeting, now, _over(meeting), payload) for p in invitees if p.id in emails]
    group = await _group_chat(s, meeting.team_id)
    if group is not None:
        new.append(
            NewMessage(
                kind,
                group,
                now,
                meeting_id=meeting.id,
                payload=payload,
                dedupe_key=f"{kind}:{meeting.id}:g:{meeting.sequence}",
                expires_at=_over(meeting),
                priority=1,
            )
        )
    await outbox.enqueue(s, new, now)


# --- state changes -------------------------------------------------------------------------------------


async def create_meeting(
    s: AsyncSession,
    actor: Person,
    team_id: int,
    data: MeetingInput,
    now: datetime,
    policy: MeetingPolicy,
    towns: Sequence[str],
) -> Meeting:
    """Schedule a meeting, invite every team member and plan all its messages.

    The planner, if in the team, is counted as coming (changeable like any answer) and gets no invitation
    of her own: her confirmation is it. A manager planning for a team she is not in is not invited."""
    await require_organiser(s, actor, team_id)
    validate(data, now, towns)
    meeting = Meeting(
        team_id=team_id,
        title=data.title,
        starts_at=data.starts_at,
        duration_min=data.duration_min,
        address=None if data.online_url else data.address,
        town=None if data.online_url else data.town,
        online_url=data.online_url,
        agenda=data.agenda,
        status=SCHEDULED,
        sequence=0,
        reminder_offsets=list(data.reminder_offsets if data.reminder_offsets is not None else policy.reminder_offsets),
        created_by=actor.id,
        created_at=now,
        updated_at=now,
        guests=0,
    )
    s.add(meeting)
    await s.flush()
    members = (await s.execute(select(Membership.person_id).where(Membership.team_id == team_id))).scalars()
    s.add_all(
        Rsvp(meeting_id=meeting.id, person_id=pid, invited_at=now)
        if pid != actor.id
        else Rsvp(meeting_id=meeting.id, person_id=pid, invited_at=now, answer="yes", answered_at=now)
        for pid in members
    )
    await s.flush()
    await _notify_invitees(s, meeting, INVITATION, now, {}, actor)
    await plan_timed(s, meeting, policy, now)
    await audit.record(s, actor, audit.MEETING_CREATE, now, meeting=meeting.id, team_id=team_id)
    return meeting


CHANGEABLE = ("starts_at", "duration_min", "address", "town", "online_url", "agenda", "title")


async def change_meeting(
    s: AsyncSession,
    actor: Person,
    meeting_id: int,
    changes: dict[str, Any],
    now: datetime,
    policy: MeetingPolicy,
    towns: Sequence[str],
) -> list[tuple[str, Any, Any]]:
    """Apply changes; members get one notice listing old → new, and reminders move with the time."""
    meeting = await organised_meeting(s, actor, meeting_id)
    if meeting.starts_at <= now:
        raise Refusal("meetings.already_started")
    data = MeetingInput(
        title=changes.get("title", meeting.title),
        starts_at=changes.get("starts_at", meeting.starts_at),
        duration_min=changes.get("duration_min", meeting.duration_min),
        address=changes.get("address", meeting.address),
        town=changes.get("town", meeting.town),
        online_url=changes.get("online_url", meeting.online_url),
        agenda=changes.get("agenda", meeting.agenda),
        reminder_offsets=tuple(changes.get("reminder_offsets", meeting.reminder_offsets)),
    )
    validate(data, now, towns)
    if data.online_url:
        data.address, data.town = None, None
    diff: list[tuple[str, Any, Any]] = []
    for name in CHANGEABLE:
        old, new = getattr(meeting, name), getattr(data, name)
        if old != new:
            diff.append((name, old, new))
            setattr(meeting, name, new)
    offsets_changed = list(data.reminder_offsets or ()) != list(meeting.reminder_offsets)
    meeting.reminder_offsets = list(data.reminder_offsets or ())
    if not diff and not offsets_changed:
        return []
    meeting.sequence += 1
    meeting.updated_at = now
    await s.flush()
    if diff:
        payload = {"changes": [[n, _json(o), _json(v)] for n, o, v in diff]}
        await _notify_invitees(s, meeting, CHANGE, now, payload, actor)
    await plan_timed(s, meeting, policy, now)
    await audit.record(s, actor, audit.MEETING_CHANGE, now, meeting=meeting.id, fields=[d[0] for d in diff])
    return diff


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


async def cancel_meeting(s: AsyncSession, actor: Person, meeting_id: int, now: datetime) -> Meeting:
    """Cancel: drop every pending message of the meeting and tell the invited members."""
    meeting = await organised_meeting(s, actor, meeting_id)
    if meeting.starts_at <= now:
        raise Refusal("meetings.already_started")
    meeting.status, meeting.cancelled_at, meeting.updated_at = CANCELLED, now, now
    meeting.sequence += 1
    await outbox.cancel_open(s, Outbox.meeting_id == meeting.id, reason="meeting cancelled")
    await _notify_invitees(s, meeting, CANCEL, now, {}, actor)
    await audit.record(s, actor, audit.MEETING_CANCEL, now, meeting=meeting.id)
    return meeting


async def invite_new_member(s: AsyncSession, person: Person, team_id: int, now: datetime, policy: MeetingPolicy) -> int:
    """Someone joined a team: invite them to its upcoming meetings too."""
    meetings = list(
        (
            await s.execute(
                select(Meeting).where(Meeting.team_id == team_id, Meeting.status == SCHEDULED, Meeting.starts_at > now)
            )
        ).scalars()
    )
    for m in meetings:
        if await s.get(Rsvp, (m.id, person.id)) is None:
            s.add(Rsvp(meeting_id=m.id, person_id=person.id, invited_at=now))
            await s.flush()
            email = await mail.address_of(s, person.id)
            by_mail = [mail.notice(INVITATION, person.id, m, now, _over(m))] if email else []
            await outbox.enqueue(
                s,
                [
                    NewMessage(
                        INVITATION,
                        person.telegram_id,
                        now,
                        person_id=person.id,
                        meeting_id=m.id,
                        dedupe_key=f"invitation:{m.id}:{person.id}:{m.sequence}",
                        expires_at=_over(m),
                        priority=1,
                    ),
                    *by_mail,
                ],
                now,
            )
            await plan_timed(s, m, policy, now)
    return len(meetings)


async def invite_by_mail(s: AsyncSession, person: Person, now: datetime, policy: MeetingPolicy) -> int:
    """Someone's e-mail address was given or changed: the invitations to their upcoming meetings by e-mail (one per
    meeting and version: the dedupe key), and their reminders by e-mail planned. Returns how many meetings."""
    if await mail.address_of(s, person.id) is None:
        return 0
    rows = await s.execute(
        select(Meeting)
        .join(Rsvp, Rsvp.meeting_id == Meeting.id)
        .where(Rsvp.person_id == person.id, Meeting.status == SCHEDULED, Meeting.starts_at > now)
    )
    meetings = list(rows.scalars())
    for m in meetings:
        await outbox.enqueue(s, [mail.notice(INVITATION, person.id, m, now, _over(m))], now)
        await plan_timed(s, m, policy, now)
    return len(meetings)


async def forget_member(s: AsyncSession, person: Person, team_id: int, now: datetime) -> None:
    """Someone left a team: no more reminders for its upcoming meetings; their open invitations go."""
    ids = select(Meeting.id).where(Meeting.team_id == team_id, Meeting.starts_at > now)
    await outbox.cancel_open(s, Outbox.person_id == person.id, Outbox.meeting_id.in_(ids), reason="left the team")
    await s.execute(delete(Rsvp).where(Rsvp.person_id == person.id, Rsvp.meeting_id.in_(ids)))


async def answer(
    s: AsyncSession,
    person: Person,
    meeting_id: int,
    value: str,
    now: datetime,
    policy: MeetingPolicy,
    reason: str | None = None,
) -> tuple[Meeting, Rsvp, bool]:
    """Record Zusage / Vielleicht / Absage (changeable until the start); returns whether it changed."""
    if value not in ANSWERS or (reason is not None and reason not in REASONS):
        raise Refusal("errors.unknown_choice")
    meeting = await get_meeting(s, meeting_id)
    if meeting.status == CANCELLED:
        raise Refusal("meetings.cancelled")
    if meeting.starts_at <= now:
        raise Refusal("meetings.already_started")
    rsvp = await s.get(Rsvp, (meeting_id, person.id))
    if rsvp is None:
        raise Refusal("meetings.not_invited")
    changed = rsvp.answer != value or (reason is not None and rsvp.reason != reason)
    was_no = rsvp.answer == "no"
    rsvp.answer, rsvp.answered_at = value, now
    if value != "no":
        rsvp.reason = None
    elif reason is not None:
        rsvp.reason = reason
    await s.flush()
    if value == "no" and not was_no:
        await outbox.cancel_open(
            s,
            Outbox.meeting_id == meeting_id,
            Outbox.person_id == person.id,
            Outbox.kind.in_(REMINDER_KINDS),
            reason="declined",
        )
    elif was_no and value != "no":
        await plan_timed(s, meeting, policy, now)
    return meeting, rsvp, changed


# --- queries -------------------------------------------------------------------------------------------


async def upcoming_for(s: AsyncSession, person: Person, now: datetime) -> list[tuple[Meeting, Rsvp, Team]]:
    rows = await s.execute(
        select(Meeting, Rsvp, Team)
        .join(Rsvp, Rsvp.meeting_id == Meeting.id)
        .join(Team, Team.id == Meeting.team_id)
        .where(Rsvp.person_id == person.id, Meeting.status == SCHEDULED, Meeting.starts_at > now - timedelta(hours=13))
        .order_by(Meeting.starts_at)
    )
    return [(m, r, t) for m, r, t in rows.all() if m.starts_at + timedelta(minutes=m.duration_min) > now]


async def team_meetings(s: AsyncSession, team_id: int, now: datetime, upcoming: bool = True) -> list[Meeting]:
    q = select(Meeting).where(Meeting.team_id == team_id, Meeting.status == SCHEDULED)
    q = (
        q.where(Meeting.starts_at > now).order_by(Meeting.starts_at)
        if upcoming
        else q.where(Meeting.starts_at <= now).order_by(Meeting.starts_at.desc())
    )
    return list((await s.execute(q.limit(20))).scalars())


async def last_places(s: AsyncSession, team_id: int, now: datetime, limit: int = 3) -> list[Meeting]:
    """Where the team met lately (meetings that have begun, newest first), so the three towns can take turns."""
    rows = await s.execute(
        select(Meeting)
        .where(Meeting.team_id == team_id, Meeting.status == SCHEDULED, Meeting.starts_at <= now)
        .order_by(Meeting.starts_at.desc())
        .limit(limit)
    )
    return list(rows.scalars())


async def headcount(s: AsyncSession, meeting_id: int) -> Headcount:
    hc = Headcount()
    rows = await s.execute(
        select(Rsvp, Person).join(Person, Person.id == Rsvp.person_id).where(Rsvp.meeting_id == meeting_id)
    )
    for rsvp, person in rows.all():
        if rsvp.answer == "yes":
            hc.yes += 1
            hc.yes_by_town[person.town or "other"] += 1
            hc.yes_by_group[person.stakeholder_group or "?"] += 1
        elif rsvp.answer == "maybe":
            hc.maybe += 1
        elif rsvp.answer == "no":
            hc.no += 1
            if rsvp.reason:
                hc.reasons[rsvp.reason] += 1
        else:
            hc.open += 1
            hc.open_people.append(person.id)
    return hc
