"""What a meeting's e-mail rows (models/meetings/mail.py) become at send time: the invitation, a change, the
cancellation or a reminder as an e-mail in the member's language (plain text and HTML, like the town-hall
e-mails), with the meeting's .ics attached (the same file as the 📆 button's) and the host's phone and e-mail
for the answer; an answer by "reply" goes to the host. A row that lost its point renders to None and is
skipped, by the same rules as its Telegram twin (handlers/meetings/views.py): a cancelled meeting, someone who
left the team, declined or muted reminders, or no address any more.
"""

from __future__ import annotations

import html
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.config import Config
from core.texts import format_when_long, t
from handlers.meetings.calendar import meeting_file
from handlers.meetings.views import describe_changes, row_context, town_label
from models.clock import Clock
from models.meetings import core as meetings_domain
from models.meetings import mail as domain
from models.meetings.letters import Host, host_of
from models.tables import Meeting, Membership, Outbox, Person, Rsvp, Team
from scheduler.dispatcher import Outgoing, Renderer
from scheduler.mail import Attachment, Mail
from web.templating import render

ICS_MIME = "text/calendar; method=PUBLISH; charset=utf-8"  # RFC 5545 text is UTF-8: say so for every reader
WHAT = {
    domain.MAIL_INVITATION: "invitation",
    domain.MAIL_CHANGE: "change",
    domain.MAIL_CANCEL: "cancel",
    domain.MAIL_REMINDER: "reminder",
}


def facts(config: Config, meeting: Meeting, lang: str) -> list[tuple[str, str]]:
    """Title, time with its length, place or link, agenda: as label and value, plain text."""
    when = format_when_long(meeting.starts_at, lang, config.time_zone)
    length = t(lang, "meeting_mail.fact_duration", minutes=meeting.duration_min)
    rows = [(t(lang, "meeting_mail.fact_title"), meeting.title)]
    rows.append((t(lang, "meeting_mail.fact_when"), f"{when} ({length})"))
    if meeting.online_url:
        rows.append((t(lang, "meeting_mail.fact_online"), meeting.online_url))
    else:
        place = f"{meeting.address}, {town_label(config, meeting.town, lang)}"
        rows.append((t(lang, "meeting_mail.fact_place"), place))
    if meeting.agenda:
        rows.append((t(lang, "meeting_mail.fact_agenda"), meeting.agenda))
    return rows


def host_lines(config: Config, host: Host, lang: str) -> list[str]:
    """How to reach the host (phone, e-mail); the project's contact when she gave neither."""
    lines = [t(lang, "meeting_mail.phone", phone=host.phone)] if host.phone else []
    if host.email:
        lines.append(t(lang, "meeting_mail.email", email=host.email))
    return lines or [t(lang, "meeting_mail.project_contact", contact=config.contact)]


def meeting_mail(
    config: Config,
    what: str,
    meeting: Meeting,
    team: Team,
    person: Person,
    rsvp: Rsvp | None,
    host: Host,
    address: str,
    changes: list[Any],
    now: Any,
) -> Mail:
    lang = person.language
    team_name = team.name(lang)
    host_name = host.name or team_name
    when = format_when_long(meeting.starts_at, lang, config.time_zone)
    ask: str | None = None
    if what != "cancel":
        answer = rsvp.answer if rsvp else None
        if answer:
            ask = t(lang, f"meeting_mail.answered_{answer}", host=host_name)
        else:
            ask = t(lang, "meeting_mail.ask" if host.name else "meeting_mail.ask_project", host=host_name)
    file_name = t(lang, "calendar.one_filename", id=meeting.id)
    values: dict[str, Any] = {
        "lang": lang,
        "subject": t(lang, f"meeting_mail.subject_{what}", title=meeting.title, when=when),
        "greeting": t(lang, "meeting_mail.greeting", name=person.display_name),
        "intro": t(lang, f"meeting_mail.intro_{what}", team=team_name),
        "changes": [html.unescape(line) for line in describe_changes(config, changes, lang)],
        "changes_title": t(lang, "meeting_mail.changes_title"),
        "now_title": t(lang, "meeting_mail.now_title"),
        "facts": facts(config, meeting, lang),
        "cancelled": what == "cancel",
        "ask": ask,
        "contact": host_lines(config, host, lang),
        "reply_note": t(lang, "meeting_mail.reply_note") if host.email else None,
        "calendar": t(lang, f"meeting_mail.calendar{'_cancel' if what == 'cancel' else ''}", file=file_name),
        "closing": t(lang, "meeting_mail.closing"),
        "signature": host_name if host_name == team_name else f"{host_name}\n{team_name}",
        "footer": t(
            lang,
            "meeting_mail.footer",
            team=team_name,
            project=config.project_name,
            host=host_name,
            contact=config.contact,
        ),
    }
    ics = meeting_file(config, lang, meeting, team, now)
    return Mail(
        to=address,
        subject=str(values["subject"]),
        text=render("meeting_mail.txt", **values),
        html=render("meeting_mail.html", **{**values, "signature": str(values["signature"]).replace("\n", ", ")}),
        attachments=(Attachment(ics, file_name, ICS_MIME),),
        reply_to=host.email,
    )


def renderers(config: Config, clock: Clock) -> dict[str, Renderer]:
    """The e-mail twins of the meeting notices (models/meetings/mail.py)."""

    async def render_row(s: AsyncSession, row: Outbox) -> Outgoing | None:
        ctx = await row_context(s, row)
        if ctx is None or ctx[2] is None:
            return None
        meeting, team, person, rsvp = ctx
        assert person is not None
        what = WHAT[row.kind]
        if what != "cancel" and (meeting.status != meetings_domain.SCHEDULED or rsvp is None):
            return None  # cancelled meanwhile (the cancellation tells), or left the team
        if what == "reminder":
            if rsvp is None or rsvp.answer == "no" or person.mute_reminders:
                return None
            if await s.get(Membership, (person.id, team.id)) is None:
                return None
        address = await domain.address_of(s, person.id)
        if address is None:
            return None  # the address was removed since
        host = await host_of(s, meeting)
        changes = list(row.payload.get("changes", []))
        mail = meeting_mail(config, what, meeting, team, person, rsvp, host, address, changes, clock.now())
        return Outgoing("", mail=mail)

    return {kind: render_row for kind in domain.KINDS}
