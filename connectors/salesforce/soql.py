"""SOQL text: escaped literals, Salesforce datetimes, and the keysets reads walk by.

Every value that goes into a query goes through :func:`literal` (strings quoted with the
backslash escapes Salesforce defines, datetimes unquoted in UTC). Reads order by a keyset so a
query can be restarted after the last row seen when its cursor is lost: everything by ``Id``,
changes by ``(SystemModstamp, Id)``. A keyset also gives the condition that selects the rows
of a junction object (OpportunityContactRole) belonging to one page of parents.

A REST query travels in the URL, and Salesforce refuses a URI and headers longer than 16,384
bytes (414/431): long ``IN (...)`` lists are split by :func:`in_chunks`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any
from urllib.parse import quote_plus

UTC = timezone.utc
MODSTAMP = "SystemModstamp"
#: records per query batch asked for (``Sforce-Query-Options: batchSize``; 2,000 is the max)
BATCH = 2000
#: budget for the URL-encoded SOQL of one query, well inside the 16,384-byte URI limit
MAX_QUERY_BYTES = 12_000

_ESCAPES = {
    "\\": "\\\\",
    "'": "\\'",
    '"': '\\"',
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\b": "\\b",
    "\f": "\\f",
}


def quote(value: Any) -> str:
    """A quoted SOQL string literal: ``O'Brien`` → ``'O\\'Brien'``."""
    return "'" + "".join(_ESCAPES.get(char, char) for char in str(value)) + "'"


def soql_time(moment: datetime) -> str:
    """An unquoted datetime literal in UTC: whole seconds as Salesforce documents them
    (``2024-01-01T00:00:00Z``), milliseconds only when the moment has them. Naive datetimes
    are taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    millis = moment.microsecond // 1000
    return f"{text}.{millis:03d}Z" if millis else f"{text}Z"


def literal(value: Any) -> str:
    """Any value as a SOQL literal."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return soql_time(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float | Decimal):
        return str(value)
    return quote(value)


def parse_time(text: str) -> datetime:
    """A Salesforce datetime (``2013-05-20T20:49:32.000+0000``) in UTC."""
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    elif len(text) > 5 and text[-5] in "+-" and text[-3] != ":":
        text = f"{text[:-2]}:{text[-2:]}"
    return datetime.fromisoformat(text).astimezone(UTC)


def select(
    sobject: str, columns: Sequence[str], where: str | None = None, order: str | None = None
) -> str:
    text = f"SELECT {', '.join(columns)} FROM {sobject}"
    if where:
        text += f" WHERE {where}"
    if order:
        text += f" ORDER BY {order}"
    return text


def in_list(column: str, values: Iterable[Any]) -> str:
    return f"{column} IN ({', '.join(literal(v) for v in values)})"


def in_chunks(
    values: Sequence[Any], query: str, *, budget: int = MAX_QUERY_BYTES, most: int = 1000
) -> Iterator[list[Any]]:
    """``values`` in chunks whose ``IN (...)`` list keeps ``query`` (the rest of the SOQL)
    within ``budget`` bytes once URL-encoded, at most ``most`` values each."""
    room = budget - len(quote_plus(query))
    chunk: list[Any] = []
    used = 0
    for value in values:
        size = len(quote_plus(literal(value) + ", "))
        if chunk and (used + size > room or len(chunk) >= most):
            yield chunk
            chunk, used = [], 0
        chunk.append(value)
        used += size
    if chunk:
        yield chunk


class ById:
    """Every record in ``Id`` order, resuming after the last id seen."""

    order = "Id"

    def __init__(self) -> None:
        self.last: str | None = None

    def where(self) -> str | None:
        return None if self.last is None else f"Id > {quote(self.last)}"

    def advance(self, row: Mapping[str, Any]) -> None:
        self.last = str(row["Id"])

    @staticmethod
    def window(link: str, first: Mapping[str, Any], last: Mapping[str, Any]) -> str:
        """The junction rows whose ``link`` points into the id range of one page."""
        return f"{link} >= {quote(first['Id'])} AND {link} <= {quote(last['Id'])}"


class ByModstamp:
    """Records whose SystemModstamp is at or after ``since``, in ``(SystemModstamp, Id)``
    order, resuming after the last pair seen: no offsets, so no gaps or repeats, and any
    number of records sharing one timestamp is walked by id."""

    order = f"{MODSTAMP}, Id"

    def __init__(self, since: datetime) -> None:
        self.since = since
        self.last: tuple[datetime, str] | None = None

    def where(self) -> str:
        if self.last is None:
            # the literal keeps milliseconds at most; rows before ``since`` are dropped later
            return f"{MODSTAMP} >= {soql_time(self.since)}"
        stamp, record_id = self.last
        moment = soql_time(stamp)
        return f"({MODSTAMP} > {moment} OR ({MODSTAMP} = {moment} AND Id > {quote(record_id)}))"

    def advance(self, row: Mapping[str, Any]) -> None:
        self.last = (parse_time(row[MODSTAMP]), str(row["Id"]))
