"""Normalising values at the boundary into the common model's kinds.

Every value that enters the common model goes through :func:`normalise` for its field's kind:
empty strings become ``None``, datetimes become tz-aware UTC, multi-selects become frozensets.
Values that cannot be read as their kind raise :class:`ValueError` with a short reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any, Literal, get_args

UTC = timezone.utc

Kind = Literal["string", "int", "float", "decimal", "bool", "date", "datetime", "set", "refs"]
KINDS: tuple[str, ...] = get_args(Kind)

_TRUE = frozenset({"true", "1", "yes", "y", "on", "t"})
_FALSE = frozenset({"false", "0", "no", "n", "off", "f"})
_EPOCH_MS = re.compile(r"^-?\d{11,14}$")
#: Salesforce writes offsets without a colon ("+0000"); fromisoformat wants "+00:00".
_OFFSET_NO_COLON = re.compile(r"([+-]\d{2})(\d{2})$")


def blank(value: Any) -> bool:
    """True for None and for strings that hold only white space."""
    return value is None or (isinstance(value, str) and not value.strip())


def to_string(value: Any) -> str | None:
    if blank(value):
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return str(value)
    raise ValueError(f"expected text, got {type(value).__name__}")


def to_bool(value: Any) -> bool | None:
    if blank(value):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"expected true/false, got {value!r}")


def to_decimal(value: Any) -> Decimal | None:
    if blank(value):
        return None
    if isinstance(value, bool):
        raise ValueError("expected a number, got a boolean")
    if isinstance(value, float):  # the number the float was written as, not its binary form
        value = repr(value)
    text = str(value).strip().replace(",", "") if isinstance(value, str) else value
    try:
        number = Decimal(text)
    except (InvalidOperation, TypeError) as exc:
        raise ValueError(f"expected a number, got {value!r}") from exc
    if not number.is_finite():
        raise ValueError(f"expected a finite number, got {value!r}")
    return number


def to_int(value: Any) -> int | None:
    number = to_decimal(value)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise ValueError(f"expected a whole number, got {value!r}")
    return int(number)


def to_float(value: Any) -> float | None:
    number = to_decimal(value)
    return None if number is None else float(number)


def to_datetime(value: Any) -> datetime | None:
    """Any of the vendors' datetime shapes (ISO with ``Z``, ``+0000`` or ``+05:30``, epoch
    milliseconds, dates) as an aware UTC datetime. Naive values are taken as UTC."""
    if blank(value):
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        moment = _from_epoch_ms(value)
    elif isinstance(value, str):
        text = value.strip()
        if _EPOCH_MS.match(text):
            moment = _from_epoch_ms(int(text))
        else:
            text = _OFFSET_NO_COLON.sub(r"\1:\2", text.replace("Z", "+00:00"))
            try:
                moment = datetime.fromisoformat(text)
            except ValueError as exc:
                raise ValueError(f"expected a date and time, got {value!r}") from exc
    else:
        raise ValueError(f"expected a date and time, got {type(value).__name__}")
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _from_epoch_ms(milliseconds: float) -> datetime:
    try:
        return datetime.fromtimestamp(milliseconds / 1000, UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise ValueError(f"expected a date and time, got {milliseconds!r}") from exc


def to_date(value: Any) -> date | None:
    if blank(value):
        return None
    if isinstance(value, datetime):
        return to_datetime(value).date()  # type: ignore[union-attr]
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if len(text) == 10 and text[4] == "-":
        try:
            return date.fromisoformat(text)
        except ValueError as exc:
            raise ValueError(f"expected a date, got {value!r}") from exc
    moment = to_datetime(value)
    return None if moment is None else moment.date()


_NO_VALUES: frozenset[str] = frozenset()  # one object: each new empty frozenset takes 216 bytes


def to_set(value: Any) -> frozenset[str]:
    """A multi-select: a ``;``-joined string or an iterable of values, as a frozenset of
    non-blank, stripped strings. Empty and None give the empty set."""
    if blank(value):
        return _NO_VALUES
    if isinstance(value, str):
        parts: Iterable[Any] = value.split(";")
    elif isinstance(value, Mapping):
        raise ValueError("expected a list of values, got a mapping")
    elif isinstance(value, Iterable):
        parts = value
    else:
        parts = [value]
    return _shared(
        frozenset(text.strip() for p in parts if (text := to_string(p)) and text.strip())
    )


@lru_cache(maxsize=8192)
def _shared(values: frozenset[str]) -> frozenset[str]:
    """One object for each set seen often (a deal's products, a contact's tags): a base of
    millions of records holds a few thousand distinct sets, not millions of copies."""
    return values


def to_refs(value: Any) -> tuple[str, ...]:
    """Ids of associated records, in order, without blanks or repeats."""
    if blank(value):
        return ()
    if isinstance(value, str | int) and not isinstance(value, bool):
        items: list[Any] = [value]
    elif isinstance(value, Iterable) and not isinstance(value, Mapping):
        items = list(value)
    else:
        raise ValueError(f"expected record ids, got {type(value).__name__}")
    seen: dict[str, None] = {}
    for item in items:
        text = to_string(item)
        if text:
            seen.setdefault(text.strip(), None)
    return tuple(seen)


NORMALISERS: dict[str, Callable[[Any], Any]] = {
    "string": to_string,
    "int": to_int,
    "float": to_float,
    "decimal": to_decimal,
    "bool": to_bool,
    "date": to_date,
    "datetime": to_datetime,
    "set": to_set,
    "refs": to_refs,
}


def normalise(kind: str, value: Any) -> Any:
    """``value`` as the common model holds a field of ``kind``."""
    return NORMALISERS[kind](value)
