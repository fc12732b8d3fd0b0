"""Small, fast helpers shared by the generator's modules: weighted picks, accent folding and
the clock that turns second offsets into (cached) dates and datetimes."""

from __future__ import annotations

import dataclasses
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from datetime import date, datetime, timezone
from functools import partial
from random import Random
from typing import Generic, TypeVar

T = TypeVar("T")

DAY = 86_400


_SLOTS = 4096


class Weighted(Generic[T]):
    """A weighted choice over fixed items. ``pick`` is one ``random()`` and a table look-up:
    each item fills a share of a 4096-slot table proportional to its weight."""

    __slots__ = ("_table", "items")

    def __init__(self, pairs: Sequence[tuple[T, float]]) -> None:
        self.items = tuple(item for item, _ in pairs)
        total = sum(weight for _, weight in pairs)
        table: list[T] = []
        cumulative = 0.0
        for item, weight in pairs:
            cumulative += weight
            table.extend([item] * (round(cumulative / total * _SLOTS) - len(table)))
        self._table = tuple(table)

    def pick(self, rng: Random) -> T:
        """One item, drawn with probability proportional to its weight."""
        return self._table[int(rng.random() * _SLOTS)]


def require_field_order(cls: type, names: str) -> None:
    """Check that the dataclass ``cls``'s leading fields are ``names`` (white-space separated)
    in that order, so code that builds its records positionally fails at import, not silently."""
    expected = tuple(names.split())
    actual = tuple(f.name for f in dataclasses.fields(cls))
    if actual[:len(expected)] != expected:
        raise ImportError(f"{cls.__name__}'s fields changed: expected {expected}, got {actual}")


def choose(rng: Random, pairs: Sequence[tuple[T, float]]) -> T:
    """A weighted choice among a few ad-hoc options (no table to build)."""
    r = rng.random() * sum(weight for _, weight in pairs)
    for item, weight in pairs:
        r -= weight
        if r < 0:
            return item
    return pairs[-1][0]


def pick(rng: Random, seq: Sequence[T]) -> T:
    """A uniform choice (cheaper than ``Random.choice``)."""
    return seq[int(rng.random() * len(seq))]


def _fold_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for code in range(0xC0, 0x250):
        char = chr(code)
        base = "".join(c for c in unicodedata.normalize("NFKD", char) if c.isascii())
        if base and base != char:
            table[code] = base
    table.update({ord("ß"): "ss", ord("Æ"): "AE", ord("æ"): "ae", ord("Ø"): "O", ord("ø"): "o",
                  ord("Œ"): "OE", ord("œ"): "oe", ord("Ł"): "L", ord("ł"): "l", ord("Đ"): "D",
                  ord("đ"): "d"})
    return table


_FOLD = _fold_table()


def fold(text: str) -> str:
    """``text`` with accents dropped as people type without them ("Núñez" -> "Nunez")."""
    return text.translate(_FOLD)


def has_accents(text: str) -> bool:
    """Whether :func:`fold` would change ``text``."""
    return fold(text) != text


class Clock:
    """Times of the generated history, as integer seconds since the epoch.

    Every record's timestamps are drawn as offsets before ``now``; dates are cached so the
    millions of close dates and birth dates share a few thousand ``date`` objects. ``bulk``
    holds the seconds of bulk imports and mass updates, which many records share.
    """

    def __init__(self, now: datetime, rng: Random, span_days: int) -> None:
        self.now_ts = int(now.timestamp())
        self.start_ts = self.now_ts - span_days * DAY
        self._dates: dict[int, date] = {}
        bulk: list[int] = []
        ts = self.start_ts + int(rng.random() * 10 * DAY)
        while ts < self.now_ts - DAY:
            bulk.append(ts)
            ts += int((2 + rng.random() * 12) * DAY) + int(rng.random() * 3600)
        self.bulk = bulk
        self._bulk_dt = {ts: datetime.fromtimestamp(ts, timezone.utc) for ts in bulk}
        #: ``dt(ts)``: the UTC datetime of ``ts``.
        self.dt = partial(datetime.fromtimestamp, tz=timezone.utc)

    def day(self, ts: int) -> date:
        """The (shared) UTC date of ``ts``."""
        ordinal = (ts // DAY) + 719_163  # 1970-01-01 is ordinal 719163
        cached = self._dates.get(ordinal)
        if cached is None:
            cached = self._dates[ordinal] = date.fromordinal(ordinal)
        return cached

    def bulk_before(self, rng: Random, ts: int) -> int | None:
        """A random bulk operation at or before ``ts``, if any."""
        i = bisect_right(self.bulk, ts)
        return self.bulk[int(rng.random() * i)] if i else None

    def updated(self, rng: Random, latest: int, bulk_share: float, max_lag_days: float
                ) -> datetime:
        """When a record last changed, given its ``latest`` own activity: for ``bulk_share``
        of the records one of the next few bulk operations (a datetime shared by all the
        records it touched), else up to ``max_lag_days`` later; always before now."""
        if rng.random() < bulk_share:
            i = bisect_left(self.bulk, latest) + int(rng.random() * 8)
            if i < len(self.bulk):
                return self._bulk_dt[self.bulk[i]]
        room = min(max_lag_days * DAY, self.now_ts - 1 - latest)
        return self.dt(latest + int(rng.random() * room))


def blank(rng: Random) -> str | None:
    """A missing value as people leave it: mostly None, sometimes "" or white space."""
    r = rng.random()
    return None if r < 0.8 else ("" if r < 0.94 else "  ")
