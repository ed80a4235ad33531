"""Workshops (Demografie-Werkstätten): recording one, finding it by its key, listing them.

Nothing here touches Telegram: the chat flow (/workshop) and the command line (`actionbot workshop add`) get
the same checks. Only a project manager records a workshop in the chat; the command line is trusted like the
database file it can write anyway (actor None). A workshop's key names it on the command line
(`actionbot import ideas FILE --workshop KEY`), so it is short, lower-case and never changes.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.errors import Refusal
from models.tables import Idea, Person, Workshop
from models.teams import require_manager
from models.text import clean, require_visible

KEY_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
KEY_MAX = 40
NAME_MIN, NAME_MAX = 3, 128
FIRST_YEAR, LAST_YEAR = 2000, 2100
_GERMAN_DAY = re.compile(r"(\d{1,2})\.\s*(\d{1,2})\.\s*(\d{4})")
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def clean_key(raw: str | None) -> str:
    """A key as typed: 1-40 of a-z, 0-9 and '-', starting with a letter or digit (upper case is lowered)."""
    key = (raw or "").strip().lower()
    if not KEY_RE.fullmatch(key):
        raise Refusal("workshops.bad_key", code=key[: KEY_MAX + 10], max=KEY_MAX)
    return key


def clean_name(raw: str | None) -> str:
    """A workshop's name: 3-128 characters with something visible."""
    name = " ".join(clean(raw or "").split())
    if name:
        require_visible(name)
    if not NAME_MIN <= len(name) <= NAME_MAX:
        raise Refusal("workshops.bad_name", min=NAME_MIN, max=NAME_MAX)
    return name


def parse_day(raw: str | None) -> date:
    """The day it was held: 2026-03-14 or 14.3.2026, between the years 2000 and 2100."""
    text = (raw or "").strip()
    try:
        german = _GERMAN_DAY.fullmatch(text)
        day = date(int(german[3]), int(german[2]), int(german[1])) if german else date.fromisoformat(text)
    except ValueError:
        raise Refusal("workshops.bad_date") from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR or len(text) > 10:
        raise Refusal("workshops.bad_date")
    return day


def key_from(name: str) -> str:
    """A key suggested by a name: 'Werkstatt Saalfeld März' → 'werkstatt-saalfeld-maerz' (at most 32 characters)."""
    ascii_name = unicodedata.normalize("NFKD", name.lower().translate(_UMLAUTS)).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name).strip("-")[:32].strip("-")
    return slug or "werkstatt"


async def free_key(s: AsyncSession, name: str) -> str:
    """`key_from(name)`, with -2, -3 … added while that key is taken."""
    base = key_from(name)
    taken = set((await s.execute(select(Workshop.key).where(Workshop.key.startswith(base)))).scalars())
    key, n = base, 1
    while key in taken:
        n += 1
        key = f"{base}-{n}"
    return key


async def create(
    s: AsyncSession,
    actor: Person | None,
    *,
    key: str,
    name: str,
    day: date,
    town: str,
    allowed_towns: Iterable[str],
    now: datetime,
) -> Workshop:
    """Record a workshop; every value is checked again here. `actor` None: the operator on the command line."""
    if actor is not None:
        require_manager(actor)
    key, name = clean_key(key), clean_name(name)
    if town not in set(allowed_towns):
        raise Refusal("workshops.bad_town", town=town[:40])
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise Refusal("workshops.bad_date")
    if (await s.execute(select(Workshop.id).where(Workshop.key == key))).first() is not None:
        raise Refusal("workshops.key_taken", code=key)
    workshop = Workshop(key=key, name=name, held_on=day, town=town, created_at=now)
    s.add(workshop)
    await s.flush()
    return workshop


async def by_key(s: AsyncSession, key: str) -> Workshop:
    workshop = (
        await s.execute(select(Workshop).where(Workshop.key == (key or "").strip().lower()))
    ).scalar_one_or_none()
    if workshop is None:
        raise Refusal("workshops.unknown", code=(key or "")[: KEY_MAX + 10])
    return workshop


async def all_workshops(s: AsyncSession) -> list[Workshop]:
    """Every workshop, the most recent first."""
    return list((await s.execute(select(Workshop).order_by(Workshop.held_on.desc(), Workshop.id.desc()))).scalars())


async def idea_counts(s: AsyncSession) -> dict[int, int]:
    """How many ideas each workshop brought in, by workshop id (one query)."""
    query = select(Idea.workshop_id, func.count()).where(Idea.workshop_id.is_not(None)).group_by(Idea.workshop_id)
    return {w_id: int(n) for w_id, n in await s.execute(query) if w_id is not None}


async def of_idea(s: AsyncSession, idea: Idea) -> Workshop | None:
    """The workshop an imported idea came from; None for a typed one."""
    return await s.get(Workshop, idea.workshop_id) if idea.workshop_id is not None else None


async def of_ideas(s: AsyncSession, workshop_ids: Iterable[int | None]) -> dict[int, Workshop]:
    """The workshops behind some ideas' `workshop_id`, by id (one query)."""
    ids = {i for i in workshop_ids if i is not None}
    if not ids:
        return {}
    return {w.id: w for w in (await s.execute(select(Workshop).where(Workshop.id.in_(ids)))).scalars()}
