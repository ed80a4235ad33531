"""Callback data codec: `prefix:version:arg:arg`, parsed and validated in one place.

Telegram allows 64 bytes of callback data and anyone can forge it, so buttons carry only short ids
and every handler re-checks them against the database. A number no column can hold is refused here, like
any stale button: it must never reach a query (PostgreSQL would fail the whole update).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

VERSION = "1"
MAX_BYTES = 64
_ARG = re.compile(r"^[A-Za-z0-9_.\-]*$")
_NUMBER = re.compile(r"-?[0-9]{1,19}")
INT_MAX = 2**31 - 1  # Integer columns (models/tables.py): every row id, counts, page numbers
BIGINT_MIN, BIGINT_MAX = -(2**63), 2**63 - 1  # BigInteger columns: Telegram user and chat ids


class BadCallback(Exception):
    """Callback data that does not decode: forged, truncated or from an older version of the bot."""


@dataclass(frozen=True)
class Callback:
    prefix: str
    args: tuple[str, ...]

    def arg(self, i: int) -> str:
        if i >= len(self.args):
            raise BadCallback(f"missing argument {i}")
        return self.args[i]

    def bigint(self, i: int) -> int:
        """A Telegram user or chat id (groups are negative) or an instant in seconds: the BigInteger range."""
        return self._number(i, BIGINT_MIN, BIGINT_MAX)

    def _number(self, i: int, low: int, high: int) -> int:
        value = self.arg(i)
        if not _NUMBER.fullmatch(value) or not low <= int(value) <= high:
            raise BadCallback(f"argument {i} is not a number from {low} to {high}")
        return int(value)

    def int(self, i: int) -> int:
        """A row id, count or page number: 0 to INT_MAX (no row of an Integer column has a larger id)."""
        return self._number(i, 0, INT_MAX)


def encode(prefix: str, *args: object) -> str:
    """Build callback data; raises ValueError if it would break Telegram's limit or the format."""
    parts = [str(a) for a in args]
    for part in (prefix, *parts):
        if not _ARG.match(part):
            raise ValueError(f"callback part {part!r} has characters outside A-Z a-z 0-9 _ . -")
    data = ":".join((prefix, VERSION, *parts))
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"callback data {data!r} is longer than {MAX_BYTES} bytes")
    return data


def decode(data: str | None) -> Callback:
    if not data or len(data.encode()) > MAX_BYTES:
        raise BadCallback("empty or too long")
    prefix, _, rest = data.partition(":")
    version, _, args = rest.partition(":")
    if version != VERSION or not prefix:
        raise BadCallback("unknown version")
    parts = tuple(args.split(":")) if args else ()
    if not all(_ARG.match(p) for p in (prefix, *parts)):
        raise BadCallback("bad characters")
    return Callback(prefix, parts)
