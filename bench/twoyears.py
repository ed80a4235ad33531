"""The two-year synthetic data set of the backup benchmark: what the project may hold at its end.

3 teams (one per field of action) across the 3 towns; 2,000 people (every fifth in two teams); 104 weekly
meetings per team (312), each with an invitation to every member, RSVPs from a quarter of them (attendance
recorded) and two reminders to each yes/maybe; 48 announcements to everyone (two a month); 1,200 ideas with
towns, supports, followers and answers; a poll per team and quarter; 3,000 audit entries; the outbox keeps every
row (sent, or pending for the last week). About 450,000 rows, most of them in the outbox.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.config import Config
from models import teams
from models.db import Database
from models.migrate import upgrade
from models.tables import (
    Announcement,
    AuditEntry,
    Idea,
    IdeaAnswer,
    IdeaFollower,
    IdeaSupport,
    IdeaTown,
    Meeting,
    Membership,
    Outbox,
    Person,
    Poll,
    PollSlot,
    PollVote,
    Rsvp,
    Team,
)

T0 = datetime(2027, 1, 4, 16, 0, tzinfo=UTC)
TOWNS = ("saalfeld", "rudolstadt", "bad_blankenburg")
GROUPS = ("citizen", "entrepreneur", "administration")
PEOPLE, WEEKS, ANNOUNCEMENTS, IDEAS, AUDIT = 2000, 104, 48, 1200, 3000
BATCH = 5000
END = T0 + timedelta(weeks=WEEKS)


class Rows:
    """Collects rows per table and writes them in batches, in the order the foreign keys need."""

    def __init__(self, s: AsyncSession) -> None:
        self.s, self.total = s, 0
        self.pending: dict[Any, list[dict[str, Any]]] = {}

    async def add(self, model: Any, row: dict[str, Any]) -> None:
        rows = self.pending.setdefault(model, [])
        rows.append(row)
        if len(rows) >= BATCH:
            await self.flush(model)

    async def flush(self, model: Any = None) -> None:
        for m in [model] if model is not None else list(self.pending):
            if self.pending.get(m):
                await self.s.execute(insert(m), self.pending[m])
                self.total += len(self.pending[m])
                self.pending[m] = []


def _outbox(oid: int, kind: str, person: int, due: datetime, **kw: Any) -> dict[str, Any]:
    sent = due < END - timedelta(days=7)
    return {
        "id": oid,
        "kind": kind,
        "priority": 5,
        "chat_id": 7_000_000_000 + person,
        "person_id": person,
        "payload": kw.pop("payload", {}),
        "due_at": due,
        "status": "sent" if sent else "pending",
        "attempts": int(sent),
        "sent_at": due if sent else None,
        "created_at": due - timedelta(days=1),
        **kw,
    }


async def seed(url: str, config: Config) -> int:
    """Migrate `url` and fill it with the data set; returns the number of rows written."""
    await upgrade(url)
    db = Database(url)
    try:
        async with db.transaction() as s:
            await teams.seed_teams(s, config.teams, T0)
            team_ids = list((await s.execute(select(Team.id).order_by(Team.id))).scalars())
            w = Rows(s)
            await _people(w, team_ids)
            await _meetings(w, team_ids)
            await _rest(w, team_ids)
            await w.flush()
            return w.total + len(team_ids)
    finally:
        await db.dispose()


def members_of(team_index: int) -> list[int]:
    return [p for p in range(1, PEOPLE + 1) if p % 3 == team_index or (p % 5 == 0 and (p + 1) % 3 == team_index)]


async def _people(w: Rows, team_ids: list[int]) -> None:
    for p in range(1, PEOPLE + 1):
        joined = T0 + timedelta(hours=p)
        await w.add(
            Person,
            {
                "id": p,
                "telegram_id": 7_000_000_000 + p,
                "display_name": f"Person {p}",
                "language": "de",
                "stakeholder_group": GROUPS[p % 3],
                "town": TOWNS[p % 3],
                "is_manager": p == 1,
                "pseudonym": f"P-{p:07d}",
                "consent_version": "1",
                "consent_at": joined,
                "evaluation_consent": p % 2 == 0,
                "created_at": joined,
                "mute_reminders": False,
                "announcements_opt_out": False,
            },
        )
    await w.flush(Person)
    for i, team in enumerate(team_ids):
        for n, p in enumerate(members_of(i)):
            row = {"person_id": p, "team_id": team, "role": "lead" if n == 0 else "member", "joined_at": T0}
            await w.add(Membership, row)
    await w.flush(Membership)


async def _meetings(w: Rows, team_ids: list[int]) -> None:
    mid = oid = 0
    for i, team in enumerate(team_ids):
        members = members_of(i)
        for week in range(WEEKS):
            mid += 1
            starts = T0 + timedelta(weeks=week, days=i)
            await w.add(
                Meeting,
                {
                    "id": mid,
                    "team_id": team,
                    "title": f"Treffen {week + 1}",
                    "starts_at": starts,
                    "duration_min": 90,
                    "address": "Markt 1",
                    "town": TOWNS[week % 3],
                    "agenda": "Bericht, Ideen, nächste Schritte",
                    "status": "scheduled",
                    "sequence": 0,
                    "reminder_offsets": [1440, 120],
                    "created_by": members[0],
                    "created_at": starts - timedelta(days=7),
                    "updated_at": starts - timedelta(days=7),
                    "guests": week % 4,
                    "attendance_recorded_at": starts + timedelta(hours=3) if starts < END else None,
                },
            )
        await w.flush(Meeting)
        for week in range(WEEKS):
            m, starts = mid - WEEKS + week + 1, T0 + timedelta(weeks=week, days=i)
            for n, p in enumerate(members):
                oid += 1
                inv = _outbox(
                    oid,
                    "meeting_invitation",
                    p,
                    starts - timedelta(days=7),
                    meeting_id=m,
                    dedupe_key=f"inv:{m}:{p}:0",
                    payload={"sequence": 0},
                )
                await w.add(Outbox, inv)
                if (n + week) % 4:
                    continue
                answer = ("yes", "yes", "maybe", "no")[(n // 4 + week) % 4]
                await w.add(
                    Rsvp,
                    {
                        "meeting_id": m,
                        "person_id": p,
                        "answer": answer,
                        "reason": "time" if answer == "no" else None,
                        "invited_at": starts - timedelta(days=7),
                        "answered_at": starts - timedelta(days=5),
                        "attended": answer == "yes" and n % 3 > 0,
                    },
                )
                if answer != "no":
                    for minutes in (1440, 120):
                        oid += 1
                        due = starts - timedelta(minutes=minutes)
                        await w.add(
                            Outbox,
                            _outbox(
                                oid,
                                "meeting_reminder",
                                p,
                                due,
                                meeting_id=m,
                                dedupe_key=f"rem:{m}:{p}:{minutes}",
                                expires_at=due + timedelta(minutes=30),
                            ),
                        )
    w.outbox_id = oid  # type: ignore[attr-defined]


async def _rest(w: Rows, team_ids: list[int]) -> None:
    await w.flush()
    oid: int = w.outbox_id  # type: ignore[attr-defined]
    for a in range(1, ANNOUNCEMENTS + 1):
        at = T0 + timedelta(days=15 * a)
        await w.add(
            Announcement,
            {
                "id": a,
                "sender_id": 1,
                "text_html": f"<b>Neuigkeiten {a}</b>\nTermine, Ideen und Ergebnisse des Projekts.",
                "audience": {"all": True, "teams": [], "towns": [], "groups": []},
                "status": "done",
                "recipients": PEOPLE,
                "created_at": at,
                "started_at": at,
                "finished_at": at + timedelta(minutes=20),
            },
        )
    await w.flush(Announcement)
    for a in range(1, ANNOUNCEMENTS + 1):
        for p in range(1, PEOPLE + 1):
            oid += 1
            await w.add(Outbox, _outbox(oid, "announcement", p, T0 + timedelta(days=15 * a), announcement_id=a))
    for n in range(1, IDEAS + 1):
        at = T0 + timedelta(hours=14 * n)
        author = (n * 37) % PEOPLE + 1
        await w.add(
            Idea,
            {
                "id": n,
                "author_id": author,
                "author_group": GROUPS[author % 3],
                "author_town": TOWNS[author % 3],
                "text": f"Idee {n}: mehr Busse am Abend, ein Ärztehaus, Treffpunkte für Jung und Alt.",
                "field": ("public_services", "skilled_workers", "civic_engagement")[n % 3],
                "team_id": team_ids[n % 3],
                "status": ("submitted", "in_review", "accepted", "rejected")[n % 4],
                "created_at": at,
                "updated_at": at,
            },
        )
    await w.flush(Idea)
    for n in range(1, IDEAS + 1):
        at = T0 + timedelta(hours=14 * n)
        await w.add(IdeaTown, {"idea_id": n, "town": TOWNS[n % 3]})
        for k in range(4):
            await w.add(IdeaSupport, {"idea_id": n, "person_id": (n * 11 + k * 101) % PEOPLE + 1, "created_at": at})
        for k in range(2):
            await w.add(IdeaFollower, {"idea_id": n, "person_id": (n * 13 + k * 97) % PEOPLE + 1, "created_at": at})
        if n % 2 == 0:
            await w.add(
                IdeaAnswer,
                {
                    "idea_id": n,
                    "actor_id": 1,
                    "status": "in_review",
                    "text": "Danke, wir prüfen es.",
                    "created_at": at,
                    "published_at": at,
                },
            )
    slot = 0
    for q in range(8):
        for i, team in enumerate(team_ids):
            poll = q * 3 + i + 1
            at = T0 + timedelta(weeks=13 * q)
            await w.add(
                Poll,
                {
                    "id": poll,
                    "team_id": team,
                    "title": f"Klausur {q + 1}",
                    "deadline_at": at,
                    "status": "closed",
                    "created_by": members_of(i)[0],
                    "created_at": at,
                },
            )
            await w.flush(Poll)
            for k in range(3):
                slot += 1
                await w.add(PollSlot, {"id": slot, "poll_id": poll, "starts_at": at + timedelta(days=7 + k)})
                await w.flush(PollSlot)
                for p in members_of(i)[k::16]:
                    await w.add(PollVote, {"slot_id": slot, "person_id": p, "answer": "yes", "voted_at": at})
    for n in range(1, AUDIT + 1):
        await w.add(
            AuditEntry,
            {
                "id": n,
                "actor_id": 1,
                "actor_pseudonym": "P-0000001",
                "action": "announcement.sent",
                "details": {"announcement": n % ANNOUNCEMENTS + 1},
                "created_at": T0 + timedelta(hours=5 * n),
            },
        )
