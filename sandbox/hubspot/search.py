"""``POST /crm/v3/objects/{type}/search``: filter groups (OR of ANDs), one sort, offset paging.

Ranges on the modified property (``lastmodifieddate`` / ``hs_lastmodifieddate``) are served
from the store's (modified, id) index; ranges on ``hs_object_id`` from the sorted id list.

Sorted ascending by modification, a search whose every filter group is a modified range --
optionally pinned to one instant plus an ``hs_object_id`` range -- costs O(log n + page) at any
size. That covers both incremental-sync patterns: ``modified >= t`` with offset paging, and the
keyset cursor ``(modified = t AND id > x) OR modified > t``. Anything else scans its candidates.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fnmatch import fnmatchcase
from typing import Any

from sandbox.hubspot.errors import bad_request
from sandbox.hubspot.schema import PropertyDef
from sandbox.hubspot.settings import HubSpotSettings
from sandbox.hubspot.store import ID_SPAN, ObjectStore, Row, modified_key
from sandbox.hubspot.values import iso_ms, parse_moment

OPERATORS = frozenset({
    "EQ", "NEQ", "LT", "LTE", "GT", "GTE", "BETWEEN", "IN", "NOT_IN", "HAS_PROPERTY",
    "NOT_HAS_PROPERTY", "CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN",
})
RANGE_OPERATORS = frozenset({"EQ", "LT", "LTE", "GT", "GTE", "BETWEEN"})
_TOKEN_SPLIT = re.compile(r"[\s;,@]+")
Test = Callable[[int, Row, list[str]], bool]


@dataclass(slots=True)
class Filter:
    prop: PropertyDef
    operator: str
    value: str | None
    values: list[str]
    high: str | None


@dataclass(slots=True)
class SearchRequest:
    groups: list[list[Filter]]
    sort: PropertyDef | None
    descending: bool
    limit: int
    offset: int
    properties: list[str] | None
    query: str


def parse_search(body: Any, store: ObjectStore, settings: HubSpotSettings) -> SearchRequest:
    """Validate a ``PublicObjectSearchRequest`` against HubSpot's limits (400 when over)."""
    if not isinstance(body, dict):
        raise bad_request("Invalid input JSON: expected an object")
    groups = [_parse_group(g, store) for g in body.get("filterGroups") or []]
    count = sum(len(g) for g in groups)
    if len(groups) > settings.search_max_groups:
        raise bad_request(f"Too many filter groups ({len(groups)}); the maximum is "
                          f"{settings.search_max_groups}.")
    if any(len(g) > settings.search_max_filters_per_group for g in groups):
        raise bad_request(f"Too many filters in a group; the maximum is "
                          f"{settings.search_max_filters_per_group}.")
    if count > settings.search_max_filters:
        raise bad_request(f"Too many filters ({count}); the maximum is "
                          f"{settings.search_max_filters}.")
    limit = _int(body.get("limit", 10), "limit")
    if not 0 < limit <= settings.search_page_max:
        raise bad_request(f"limit must be between 1 and {settings.search_page_max}")
    offset = _int(body.get("after") or 0, "after")
    if offset < 0:
        raise bad_request("after must not be negative")
    if offset + limit > settings.search_result_cap:
        raise bad_request(
            f"Paging past the first {settings.search_result_cap} results is not supported: "
            f"after={offset}, limit={limit}. Narrow the filters instead.",
            context={"after": [str(offset)], "limit": [str(limit)]},
        )
    sort, descending = _parse_sorts(body.get("sorts") or [], store)
    properties = body.get("properties")
    return SearchRequest(
        groups, sort, descending, limit, offset,
        [str(p) for p in properties] if properties else None, str(body.get("query") or ""),
    )


def run_search(store: ObjectStore, request: SearchRequest) -> tuple[list[int], int]:
    """The ids of the requested page and the total number of matches."""
    modified = store.catalogue.properties[store.type.modified_property]
    spans = _index_spans(store, request, modified)
    if spans is not None:
        return _page_of_spans(store, spans, request.offset, request.limit)
    candidates, order = _candidates(store, request, modified)
    tests = [[_compile(f, store) for f in group] for group in request.groups]
    query = _query_test(store, request.query)
    matches = [rid for rid in candidates if _matches(store, rid, tests, query)]
    if request.descending or order != _requested_order(request, modified):
        matches = _sorted(store, matches, request.sort, request.descending)
    return matches[request.offset:request.offset + request.limit], len(matches)


# --- parsing --------------------------------------------------------------------------------
def _int(raw: Any, name: str) -> int:
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise bad_request(f"{name} must be an integer, got {raw!r}") from None


def _property(store: ObjectStore, name: Any) -> PropertyDef:
    prop = store.catalogue.get(str(name))
    if prop is None:
        raise bad_request(f"There was a problem with the request: property {name!r} does not "
                          f"exist on {store.type.name}.")
    return prop


def _parse_group(group: Any, store: ObjectStore) -> list[Filter]:
    filters = group.get("filters") if isinstance(group, dict) else None
    if not isinstance(filters, list):
        raise bad_request("Each filter group needs a list of filters")
    out = []
    for item in filters:
        operator = str(item.get("operator", "EQ"))
        if operator not in OPERATORS:
            raise bad_request(f"Unknown filter operator {operator!r}")
        prop = _property(store, item.get("propertyName"))
        value = item.get("value")
        high = item.get("highValue")
        values = [str(v) for v in item.get("values") or []]
        needs_value = operator not in ("HAS_PROPERTY", "NOT_HAS_PROPERTY", "IN", "NOT_IN")
        if needs_value and value is None:
            raise bad_request(f"Filter on {prop.name} with {operator} needs a value")
        if operator == "BETWEEN" and high is None:
            raise bad_request(f"BETWEEN on {prop.name} needs a highValue")
        out.append(Filter(prop, operator, None if value is None else str(value), values,
                          None if high is None else str(high)))
    return out


def _parse_sorts(sorts: Any, store: ObjectStore) -> tuple[PropertyDef | None, bool]:
    if not isinstance(sorts, list) or len(sorts) > 1:
        raise bad_request("At most one sort is supported")
    if not sorts:
        return None, False
    sort = sorts[0]
    if isinstance(sort, dict):
        name = sort.get("propertyName")
        descending = str(sort.get("direction", "ASCENDING")).upper() == "DESCENDING"
    else:
        text = str(sort)
        name, descending = text.lstrip("-"), text.startswith("-")
    return _property(store, name), descending


# --- planning -------------------------------------------------------------------------------
def _bounds(filters: Iterable[Filter], parse: Callable[[str], int]) -> tuple[int, int]:
    low, high = -(2**62), 2**62
    for f in filters:
        value = parse(f.value or "")
        if f.operator in ("GT", "GTE", "EQ", "BETWEEN"):
            low = max(low, value + 1 if f.operator == "GT" else value)
        if f.operator in ("LT", "LTE", "EQ"):
            high = min(high, value - 1 if f.operator == "LT" else value)
        if f.operator == "BETWEEN":
            high = min(high, parse(f.high or ""))
    return low, high


def _moment(text: str) -> int:
    ms = parse_moment(text)
    if ms is None:
        raise bad_request(f"{text!r} is not a valid datetime (ms since epoch or ISO-8601)")
    return ms


def _whole(text: str) -> int:
    try:
        return int(Decimal(text))
    except (InvalidOperation, ValueError):
        raise bad_request(f"{text!r} is not a valid number") from None


def _split(request: SearchRequest, prop: PropertyDef) -> tuple[list[Filter], list[Filter]]:
    """(range filters on prop, the rest) of a single-group request."""
    group = request.groups[0] if len(request.groups) == 1 else []
    on_prop = [f for f in group if f.prop is prop and f.operator in RANGE_OPERATORS]
    return on_prop, [f for f in group if f not in on_prop]


def _index_spans(
    store: ObjectStore, request: SearchRequest, modified: PropertyDef
) -> list[tuple[int, int]] | None:
    """Disjoint, ordered slices of :attr:`ObjectStore.by_modified` holding exactly the matches,
    or None when the request is not answerable from the index alone."""
    if request.sort is not modified or request.descending or request.query:
        return None
    if not request.groups:
        return [(0, len(store.by_modified))] if store.by_modified else []
    record_id = store.catalogue.properties["hs_object_id"]
    spans = []
    for group in request.groups:
        keys = _key_range(group, modified, record_id)
        if keys is None:
            return None
        spans.append((bisect_left(store.by_modified, keys[0]),
                      bisect_right(store.by_modified, keys[1])))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(s for s in spans if s[0] < s[1]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _key_range(
    group: list[Filter], modified: PropertyDef, record_id: PropertyDef
) -> tuple[int, int] | None:
    """The (modified, id) key range a filter group selects, if it is one."""
    on_modified = [f for f in group if f.prop is modified and f.operator in RANGE_OPERATORS]
    on_id = [f for f in group if f.prop is record_id and f.operator in RANGE_OPERATORS]
    if not on_modified or len(on_modified) + len(on_id) != len(group):
        return None
    low_ms, high_ms = _bounds(on_modified, _moment)
    if not on_id:
        return modified_key(low_ms, 0), modified_key(high_ms, ID_SPAN - 1)
    if low_ms != high_ms:
        return None
    low_id, high_id = _bounds(on_id, _whole)
    return modified_key(low_ms, max(low_id, 0)), modified_key(low_ms, min(high_id, ID_SPAN - 1))


def _page_of_spans(
    store: ObjectStore, spans: list[tuple[int, int]], offset: int, limit: int
) -> tuple[list[int], int]:
    """The ids of one page of matches spread over index spans, and the total."""
    page: list[int] = []
    skip = offset
    for start, end in spans:
        first = start + skip
        skip = max(0, first - end)
        if len(page) < limit and first < end:
            keys = store.by_modified[first:min(end, first + limit - len(page))]
            page.extend(key % ID_SPAN for key in keys)
    return page, sum(end - start for start, end in spans)


def _candidates(
    store: ObjectStore, request: SearchRequest, modified: PropertyDef
) -> tuple[Sequence[int], str]:
    """Ids worth testing and the order they come in ("modified" or "id")."""
    on_modified, _ = _split(request, modified)
    if on_modified:
        start, end = store.modified_between(*_bounds(on_modified, _moment))
        return [key % ID_SPAN for key in store.by_modified[start:end]], "modified"
    on_id, _ = _split(request, store.catalogue.properties["hs_object_id"])
    if on_id:
        low, high = _bounds(on_id, _whole)
        return store.live[bisect_left(store.live, low):bisect_right(store.live, high)], "id"
    return store.live, "id"


def _requested_order(request: SearchRequest, modified: PropertyDef) -> str:
    if request.sort is None or request.sort.name == "hs_object_id":
        return "id"
    return "modified" if request.sort is modified else request.sort.name


# --- evaluating -----------------------------------------------------------------------------
def _matches(
    store: ObjectStore, record_id: int, tests: list[list[Test]], query: Test | None
) -> bool:
    row = store.row(record_id)
    cells = row.cells()
    if query is not None and not query(record_id, row, cells):
        return False
    return not tests or any(all(t(record_id, row, cells) for t in group) for group in tests)


def _stored_key(prop: PropertyDef) -> Callable[[str], Any]:
    if prop.type == "number":
        return _decimal
    if prop.type in ("date", "datetime"):
        return str
    return str.lower


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _filter_key(prop: PropertyDef, text: str) -> Any:
    if prop.type == "number":
        value = _decimal(text)
        if value is None:
            raise bad_request(f"{text!r} is not a valid number for {prop.name}")
        return value
    if prop.type in ("date", "datetime"):
        ms = _moment(text)
        return iso_ms(ms)[:10] if prop.type == "date" else iso_ms(ms)
    return text.lower()


def _compile(f: Filter, store: ObjectStore) -> Test:
    prop, operator, read = f.prop, f.operator, store.read

    def value_of(record_id: int, row: Row, cells: list[str]) -> str | None:
        return read(record_id, row, cells, prop)

    if operator in ("HAS_PROPERTY", "NOT_HAS_PROPERTY"):
        wanted = operator == "HAS_PROPERTY"
        return lambda rid, row, cells: (value_of(rid, row, cells) is not None) == wanted
    if operator in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"):
        return _token_test(value_of, (f.value or "").lower(), operator == "CONTAINS_TOKEN")
    key = _stored_key(prop)
    if prop.field_type == "checkbox" and operator in ("EQ", "NEQ", "IN", "NOT_IN"):
        wanted_set = {v.lower() for v in (f.values if operator in ("IN", "NOT_IN") else
                                          [f.value or ""])}
        positive = operator in ("EQ", "IN")

        def multi(rid: int, row: Row, cells: list[str]) -> bool:
            value = value_of(rid, row, cells)
            chosen = set(value.lower().split(";")) if value else set()
            return bool(chosen & wanted_set) == positive

        return multi
    if operator in ("IN", "NOT_IN"):
        members = {_filter_key(prop, v) for v in f.values}
        positive = operator == "IN"

        def membership(rid: int, row: Row, cells: list[str]) -> bool:
            value = value_of(rid, row, cells)
            return (value is not None and key(value) in members) == positive

        return membership
    low = _filter_key(prop, f.value or "")
    high = _filter_key(prop, f.high) if f.high is not None else None
    compare = _COMPARISONS[operator]

    def comparison(rid: int, row: Row, cells: list[str]) -> bool:
        value = value_of(rid, row, cells)
        if value is None:
            return operator == "NEQ"
        stored = key(value)
        return stored is not None and compare(stored, low, high)

    return comparison


_COMPARISONS: dict[str, Callable[[Any, Any, Any], bool]] = {
    "EQ": lambda v, a, _: v == a,
    "NEQ": lambda v, a, _: v != a,
    "LT": lambda v, a, _: v < a,
    "LTE": lambda v, a, _: v <= a,
    "GT": lambda v, a, _: v > a,
    "GTE": lambda v, a, _: v >= a,
    "BETWEEN": lambda v, a, b: a <= v <= b,
}


def _token_test(
    value_of: Callable[[int, Row, list[str]], str | None], token: str, positive: bool
) -> Test:
    def test(rid: int, row: Row, cells: list[str]) -> bool:
        value = value_of(rid, row, cells)
        if value is None:
            return not positive
        lowered = value.lower()
        if "*" in token:
            found = fnmatchcase(lowered, token)
        else:
            found = lowered == token or token in _TOKEN_SPLIT.split(lowered)
        return found == positive

    return test


def _query_test(store: ObjectStore, query: str) -> Test | None:
    """Free-text ``query``: every word is a prefix of a word of a searchable property."""
    words = query.lower().split()
    if not words:
        return None
    props = [store.catalogue.properties[name] for name in store.type.searchable]

    def test(rid: int, row: Row, cells: list[str]) -> bool:
        tokens = [
            token
            for prop in props
            for token in _TOKEN_SPLIT.split((store.read(rid, row, cells, prop) or "").lower())
        ]
        return all(any(t.startswith(w) for t in tokens) for w in words)

    return test


def _sorted(
    store: ObjectStore, ids: list[int], sort: PropertyDef | None, descending: bool
) -> list[int]:
    """By the sort property (records without a value last), ties by id ascending."""
    if sort is None or sort.name == "hs_object_id":
        return sorted(ids, reverse=descending)
    key = _stored_key(sort)
    present: list[tuple[Any, int]] = []
    missing: list[int] = []
    for rid in ids:
        row = store.row(rid)
        value = store.read(rid, row, row.cells(), sort)
        stored = key(value) if value is not None else None
        if stored is None:
            missing.append(rid)
        else:
            present.append((stored, rid))
    present.sort(key=lambda pair: pair[1])
    present.sort(key=lambda pair: pair[0], reverse=descending)  # stable: ties keep id order
    return [rid for _, rid in present] + sorted(missing)
