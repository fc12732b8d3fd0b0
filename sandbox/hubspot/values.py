"""HubSpot's wire formats for times and property values, and the validation of written values.

Every property value is a string on the wire: datetimes ``2024-05-01T10:00:00.000Z``, dates
``2024-05-01``, numbers ``"42"``/``"12.5"``, booleans ``"true"``/``"false"``, multi-checkbox
values joined by ``;``. Written values are normalised to exactly these forms, so stored
datetimes and dates also sort correctly as plain strings.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sandbox.hubspot.schema import PropertyDef

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MS = timedelta(milliseconds=1)
_NUMBER = re.compile(r"-?(\d+(\.\d*)?|\.\d+)")
_EPOCH_MS = re.compile(r"-?\d{1,15}")
#: the separator of stored cells (see store.py); never part of a stored value.
CELL_SEPARATOR = "\x1f"
#: types whose values are free text (everything else is checked for stray spaces).
TEXT_TYPES = frozenset({"string", "phone_number"})


def iso_ms(ms: int) -> str:
    """Milliseconds since the epoch as HubSpot writes datetimes: ISO-8601, ms, ``Z``."""
    t = time.gmtime(ms // 1000)
    return (
        f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}T"
        f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d}.{ms % 1000:03d}Z"
    )


def iso_datetime(moment: datetime) -> str:
    """A datetime (naive means UTC) as HubSpot writes it, to the millisecond."""
    if moment.tzinfo is not None and moment.utcoffset():
        moment = moment.astimezone(timezone.utc)
    return moment.isoformat(timespec="milliseconds")[:23] + "Z"


def to_ms(moment: datetime) -> int:
    """A datetime (naive means UTC) as milliseconds since the epoch."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return (moment - EPOCH) // _MS


def iso_date(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}-{day.day:02d}"


def parse_moment(text: str) -> int | None:
    """ms-epoch digits or an ISO date/datetime (naive = UTC) → ms; None when neither."""
    if _EPOCH_MS.fullmatch(text):
        return int(text)
    try:
        return to_ms(datetime.fromisoformat(text))
    except ValueError:
        return None


def parse_bool(text: str | None, default: bool = False) -> bool:
    """A query-string boolean (the SDK sends ``True``/``False``)."""
    if text is None or text == "":
        return default
    return text.strip().lower() == "true"


@dataclass(frozen=True, slots=True)
class PropertyProblem:
    """Why one written property value was refused (HubSpot's inner validation result)."""

    name: str
    code: str
    message: str
    value: str | None = None


def as_text(raw: Any) -> str:
    """A JSON value as the string HubSpot would receive (numbers and booleans accepted)."""
    if raw is None:
        return ""
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw)


def normalise(prop: PropertyDef, raw: Any, reject_padded: bool) -> str:
    """The stored form of a written value ("" clears); :class:`InvalidValue` when the value
    does not fit the property (``reject_padded``: refuse stray spaces around non-text values,
    HubSpot's rule since 2025-04-07, instead of trimming them)."""
    text = as_text(raw)
    if text == "":
        return ""
    if prop.type not in TEXT_TYPES and text != text.strip():
        if reject_padded:
            raise InvalidValue(_problem(prop, text, "has leading or trailing whitespace"))
        text = text.strip()
    converter = _CONVERTERS.get(prop.type)
    value = converter(prop, text) if converter else text
    return value.replace(CELL_SEPARATOR, " ")


class InvalidValue(Exception):
    """A written value that does not fit its property."""

    def __init__(self, problem: PropertyProblem):
        super().__init__(problem.message)
        self.problem = problem


def _problem(prop: PropertyDef, text: str, why: str) -> PropertyProblem:
    code = _INVALID_CODES.get(prop.type, "INVALID_PROPERTY_VALUE")
    return PropertyProblem(prop.name, code, f"{text} {why}.", text)


def _number(prop: PropertyDef, text: str) -> str:
    if not _NUMBER.fullmatch(text):
        raise InvalidValue(_problem(prop, text, "was not a valid number"))
    return format_number(Decimal(text))


def format_number(number: Decimal) -> str:
    """Decimal → HubSpot's number string: no exponent, no trailing zeros."""
    if number == number.to_integral_value():
        return str(int(number))
    return format(number.normalize(), "f")


def _bool(prop: PropertyDef, text: str) -> str:
    lowered = text.lower()
    if lowered not in ("true", "false"):
        raise InvalidValue(_problem(prop, text, "was not a valid boolean"))
    return lowered


def _date(prop: PropertyDef, text: str) -> str:
    ms = parse_moment(text)
    if ms is None:
        raise InvalidValue(_problem(prop, text, "was not a valid date"))
    if ms % 86_400_000:
        raise InvalidValue(_problem(prop, text, "is not midnight UTC, as date values must be"))
    return iso_ms(ms)[:10]


def _datetime(prop: PropertyDef, text: str) -> str:
    ms = parse_moment(text)
    if ms is None:
        raise InvalidValue(_problem(prop, text, "was not a valid datetime"))
    return iso_ms(ms)


def _enumeration(prop: PropertyDef, text: str) -> str:
    allowed = prop.option_values
    if prop.field_type == "checkbox":
        chosen = list(dict.fromkeys(part for part in text.split(";") if part))
    else:
        chosen = [text]
    for value in chosen:
        if value not in allowed:
            listing = ", ".join(sorted(allowed))
            why = f"was not one of the allowed options: [{listing}]"
            raise InvalidValue(PropertyProblem(prop.name, "INVALID_OPTION", f"{value} {why}", text))
    return ";".join(chosen)


_CONVERTERS = {
    "number": _number,
    "bool": _bool,
    "date": _date,
    "datetime": _datetime,
    "enumeration": _enumeration,
}
_INVALID_CODES = {
    "number": "INVALID_INTEGER",
    "bool": "INVALID_BOOLEAN",
    "date": "INVALID_DATE",
    "datetime": "INVALID_DATE",
    "enumeration": "INVALID_OPTION",
}
