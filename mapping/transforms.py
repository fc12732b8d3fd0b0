"""Named transforms a mapping applies to a field's value, in both directions.

A field's ``transforms`` run in order when reading (native → common) and in reverse order
when writing (common → native). Each transform is a pair of small pure functions; ``None``
passes through untouched both ways. Reading then runs the common kind's normaliser
(:mod:`mapping.values`), so transforms deal only with what is vendor-specific.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from mapping.values import to_date, to_datetime, to_set


@dataclass(frozen=True, slots=True)
class Transform:
    name: str
    read: Callable[[Any], Any]
    write: Callable[[Any], Any]
    doc: str


def _same(value: Any) -> Any:
    return value


def _on_text(function: Callable[[str], Any]) -> Callable[[Any], Any]:
    return lambda value: function(value) if isinstance(value, str) else value


def _joined(separator: str) -> Callable[[Any], Any]:
    def join(value: Any) -> Any:
        if isinstance(value, Iterable) and not isinstance(value, str | bytes):
            return separator.join(sorted(str(v) for v in value))
        return value

    return join


def _split(separator: str) -> Callable[[Any], Any]:
    return _on_text(lambda text: to_set(text.replace(separator, ";")))


def _format_moment(pattern: Callable[[datetime], str]) -> Callable[[Any], Any]:
    def write(value: Any) -> Any:
        moment = to_datetime(value)
        return None if moment is None else pattern(moment)

    return write


def _format_date(value: Any) -> Any:
    day = to_date(value) if isinstance(value, date | str) else value
    return day.isoformat() if isinstance(day, date) else day


def _hubspot_datetime(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _salesforce_datetime(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def _zoho_datetime(moment: datetime) -> str:
    return moment.replace(microsecond=0).isoformat()


def _bool_text(value: Any) -> Any:
    return ("true" if value else "false") if isinstance(value, bool) else value


def _tag_names(value: Any) -> Any:
    if isinstance(value, list):
        return frozenset(t["name"] for t in value if isinstance(t, dict) and t.get("name"))
    return value


def _tag_objects(value: Any) -> Any:
    if isinstance(value, Iterable) and not isinstance(value, str | bytes):
        return [{"name": name} for name in sorted(value)]
    return value


_ALL = (
    Transform("strip", _on_text(str.strip), _same, "remove white space around text"),
    Transform("lower", _on_text(str.lower), _same, "lower-case text when reading"),
    Transform("upper", _on_text(str.upper), _same, "upper-case text when reading"),
    Transform("split", _split(";"), _joined(";"), "multi-select joined by ';' <-> set"),
    Transform("split_comma", _split(","), _joined(","), "list joined by ',' <-> set"),
    Transform("bool_text", _same, _bool_text, "write booleans as 'true'/'false' text"),
    Transform("text", _same, lambda v: v if v is None else str(v), "write any value as text"),
    Transform(
        "hubspot_datetime",
        to_datetime,
        _format_moment(_hubspot_datetime),
        "HubSpot datetime: ISO or epoch ms <-> '2019-10-30T03:30:17.883Z'",
    ),
    Transform(
        "hubspot_date", to_date, _format_date, "HubSpot date: epoch ms or ISO <-> 'YYYY-MM-DD'"
    ),
    Transform(
        "salesforce_datetime",
        to_datetime,
        _format_moment(_salesforce_datetime),
        "Salesforce datetime <-> '2013-05-20T20:49:32.000+0000'",
    ),
    Transform("salesforce_date", to_date, _format_date, "Salesforce date <-> 'YYYY-MM-DD'"),
    Transform(
        "zoho_datetime",
        to_datetime,
        _format_moment(_zoho_datetime),
        "Zoho datetime with offset <-> '2019-07-25T15:26:49+00:00'",
    ),
    Transform("zoho_date", to_date, _format_date, "Zoho date <-> 'YYYY-MM-DD'"),
    Transform("zoho_tags", _tag_names, _tag_objects, "Zoho Tag [{name, id}] <-> set of names"),
)

TRANSFORMS: dict[str, Transform] = {t.name: t for t in _ALL}
