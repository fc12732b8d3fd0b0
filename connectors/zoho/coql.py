"""COQL text for keyset reads: the ``where`` clause that resumes after the last row seen, and
the ``where`` clause that selects exactly one page again (to read more columns for it).

COQL takes at most 25 criteria and wants more than two grouped in brackets, two by two; every
clause here has at most six, bracketed in pairs. Values are quoted (``'`` doubled) and times
are written in UTC with whole seconds, which is Zoho's precision.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

UTC = timezone.utc
MODIFIED = "Modified_Time"
#: rows per COQL query (Zoho's maximum)
PAGE = 2000
#: columns per COQL query or Get Records call (Zoho's maximum)
MAX_COLUMNS = 50
#: values per ``in (...)`` (kept well inside Zoho's limits)
MAX_IN = 50


def quote(value: Any) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def zoho_time(moment: datetime) -> str:
    """``2024-01-01T00:00:00+00:00`` (naive datetimes are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def parse_time(text: str) -> datetime:
    """A Zoho datetime (``2019-07-25T15:26:49+05:30``) in UTC."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def ceil_second(moment: datetime) -> datetime:
    """The first whole second at or after ``moment``: Zoho times have no fractions, so
    "at or after 12:00:00.4" means "at or after 12:00:01"."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    whole = moment.replace(microsecond=0)
    return whole if whole == moment else whole + timedelta(seconds=1)


def in_list(column: str, values: Iterable[Any]) -> str:
    return f"{column} in ({', '.join(quote(v) for v in values)})"


def select(module: str, columns: Sequence[str], where: str, order: str) -> str:
    return f"select {', '.join(columns)} from {module} where {where} order by {order} limit {PAGE}"


class ById:
    """Every record, in id order: ``id > last``. Records edited during the read keep their
    place, so each is read once."""

    order = "id asc"

    def __init__(self) -> None:
        self.last = "0"

    def where(self) -> str:
        return f"id > {quote(self.last)}"

    def window(self, first: Mapping[str, Any], last: Mapping[str, Any]) -> str:
        return f"(id >= {quote(first['id'])} and id <= {quote(last['id'])})"

    def advance(self, row: Mapping[str, Any]) -> None:
        self.last = str(row["id"])


class ByModified:
    """Records modified at or after ``since``, in (Modified_Time, id) order, resuming after the
    last pair seen: no offsets, so no gaps or repeats when records change during the read, and
    any number of records on one second is walked by id. A record edited during the read moves
    behind the cursor's end and is read again later in the same read."""

    order = f"{MODIFIED} asc, id asc"

    def __init__(self, since: datetime) -> None:
        self.start = zoho_time(ceil_second(since))
        self.last: tuple[str, str] | None = None

    def where(self) -> str:
        if self.last is None:
            return f"{MODIFIED} >= {quote(self.start)}"
        return _after(*self.last, inclusive=False)

    def window(self, first: Mapping[str, Any], last: Mapping[str, Any]) -> str:
        low = _after(*_key(first), inclusive=True)
        high = _before(*_key(last))
        return f"({low} and {high})"

    def advance(self, row: Mapping[str, Any]) -> None:
        self.last = _key(row)


def _key(row: Mapping[str, Any]) -> tuple[str, str]:
    return zoho_time(parse_time(row[MODIFIED])), str(row["id"])


def _after(moment: str, record_id: str, *, inclusive: bool) -> str:
    op = ">=" if inclusive else ">"
    return (
        f"({MODIFIED} > {quote(moment)} or "
        f"({MODIFIED} = {quote(moment)} and id {op} {quote(record_id)}))"
    )


def _before(moment: str, record_id: str) -> str:
    return (
        f"({MODIFIED} < {quote(moment)} or "
        f"({MODIFIED} = {quote(moment)} and id <= {quote(record_id)}))"
    )
