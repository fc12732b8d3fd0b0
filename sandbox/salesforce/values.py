"""Salesforce value formats and the JSON → stored-value conversion of a write.

Datetimes are stored as aware UTC ``datetime`` objects with millisecond precision (loaded ones
are the data set's own objects, shared rather than copied) and printed the Salesforce way,
``2013-05-20T20:49:32.000+0000``; dates are stored as ``YYYY-MM-DD`` strings. Both compare
correctly, which the SOQL engine and the SystemModstamp index rely on.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta, timezone
from typing import Any

from sandbox.salesforce.errors import SalesforceError

#: describe types whose values are strings
STRING_TYPES = frozenset(
    {"id", "reference", "string", "textarea", "email", "phone", "url", "picklist", "multipicklist"}
)
#: describe types whose values are floats
DECIMAL_TYPES = frozenset({"double", "currency", "percent"})

_DATETIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$"
)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}$")


def format_datetime(moment: datetime) -> str:
    """``2013-05-20T20:49:32.000+0000`` (naive datetimes are taken as UTC)."""
    if moment.tzinfo is None:
        return moment.isoformat(timespec="milliseconds") + "+0000"
    if moment.utcoffset():
        moment = moment.astimezone(timezone.utc)
    return moment.isoformat(timespec="milliseconds")[:-6] + "+0000"


def as_json(value: Any) -> Any:
    """A stored value as the API shows it (datetimes become Salesforce-formatted text)."""
    return format_datetime(value) if isinstance(value, datetime) else value


def to_utc(moment: datetime) -> datetime:
    """The stored form of a datetime: aware, UTC, milliseconds (the same object when it
    already is; naive datetimes are taken as UTC)."""
    if moment.tzinfo is not timezone.utc:
        moment = (
            moment.replace(tzinfo=timezone.utc)
            if moment.tzinfo is None
            else moment.astimezone(timezone.utc)
        )
    if moment.microsecond % 1000:
        moment = moment.replace(microsecond=moment.microsecond // 1000 * 1000)
    return moment


def parse_datetime(text: str, *, offset_required: bool = False) -> datetime | None:
    """An aware UTC datetime from an ISO-8601 text, or None when it is not one."""
    found = _DATETIME.match(text.strip())
    if found is None:
        return None
    year, month, day, hour, minute, second, fraction, offset = found.groups()
    if offset is None and offset_required:
        return None
    try:
        moment = datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second),
            int((fraction or "0")[:6].ljust(6, "0")), tzinfo=timezone.utc,
        )
    except ValueError:
        return None
    if offset and offset != "Z":
        sign = 1 if offset[0] == "+" else -1
        digits = offset[1:].replace(":", "")
        moment -= sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return moment


def canonical_datetime(text: str, *, offset_required: bool = False) -> datetime | None:
    """The stored form of a datetime text, or None when it is not a datetime."""
    moment = parse_datetime(text, offset_required=offset_required)
    return None if moment is None else to_utc(moment)


def canonical_date(text: str) -> str | None:
    """``YYYY-MM-DD`` when the text is a valid date, else None."""
    if not _DATE.match(text):
        return None
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        return None


def _cannot_deserialize(kind: str, value: Any) -> SalesforceError:
    token = "VALUE_STRING" if isinstance(value, str) else f"VALUE_{type(value).__name__.upper()}"
    return SalesforceError(
        "JSON_PARSER_ERROR",
        f"Cannot deserialize instance of {kind} from {token} value {value} "
        "or request may be missing a required field",
    )


def _as_float(value: Any, kind: str) -> float:
    if isinstance(value, bool):
        raise _cannot_deserialize(kind, value)
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            raise _cannot_deserialize(kind, value) from None
    else:
        raise _cannot_deserialize(kind, value)
    if not math.isfinite(number):
        raise _cannot_deserialize(kind, value)
    return number


def _as_bool(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise _cannot_deserialize("boolean", value)


def deserialize(kind: str, value: Any) -> Any:
    """The stored value for a JSON value written to a field of describe type ``kind``; raises
    JSON_PARSER_ERROR (which fails the whole request) when the JSON type does not fit."""
    if kind == "boolean":
        return _as_bool(value)
    if value is None:
        return None
    if isinstance(value, dict | list):
        raise _cannot_deserialize(kind, value)
    if kind in STRING_TYPES:
        text = value if isinstance(value, str) else str(value).lower()
        return text or None  # Salesforce stores empty strings as null
    if kind == "int":
        number = _as_float(value, "int")
        if not number.is_integer():
            raise _cannot_deserialize("int", value)
        return int(number)
    if kind in DECIMAL_TYPES:
        return _as_float(value, "double")
    if not isinstance(value, str):
        raise _cannot_deserialize(kind, value)
    if value == "":
        return None
    parsed = canonical_date(value) if kind == "date" else canonical_datetime(value)
    if parsed is None:
        raise _cannot_deserialize(kind, value)
    return parsed
