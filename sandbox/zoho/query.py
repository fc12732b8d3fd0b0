"""Running a parsed COQL :class:`Query`: a predicate over stored rows, walked along the
table's sorted indexes when the ordering allows it (so keyset paging on Modified_Time, id is
O(page)), else over a candidate set or the whole table, then sorted."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import islice
from typing import Any

from sandbox.zoho.coql import (
    STRINGISH,
    Column,
    Condition,
    Junction,
    Node,
    Parser,
    Query,
)
from sandbox.zoho.fields import cell
from sandbox.zoho.index import ID_MASK, key_id, key_time, time_key
from sandbox.zoho.settings import ZohoSettings
from sandbox.zoho.store import Store

INDEXED_ORDERS = ("id", "Created_Time", "Modified_Time")
#: above this many candidates an index scan beats sorting the candidates.
CANDIDATE_SORT_LIMIT = 50_000

Row = tuple[Any, ...]
Getter = Callable[[int, Row], Any]
Predicate = Callable[[int, Row], bool]


class Executor:
    """Runs a parsed query against the store."""

    def __init__(self, query: Query, store: Store) -> None:
        self.query = query
        self.store = store
        self.table = store.tables[query.module]

    def getter(self, column: Column) -> Getter:
        if column.field is None:
            return lambda record_id, row: record_id
        if column.type == "multiselectpicklist" and column.field.api_name == "Tag":
            return self.tag_names
        slot = column.field.slot
        if column.owner_attribute is not None:
            users = self.store.users
            attribute = column.owner_attribute

            def owner_value(record_id: int, row: Row) -> Any:
                user = users.get(cell(row, slot))
                return None if user is None else (
                    user.id if attribute == "id" else getattr(user, attribute))

            return owner_value
        if column.target is not None and column.target_module is not None:
            rows = self.store.tables[column.target_module].rows
            target_slot = column.target.slot

            def lookup_value(record_id: int, row: Row) -> Any:
                target = rows.get(cell(row, slot))
                return None if target is None else cell(target, target_slot)

            return lookup_value
        return lambda record_id, row: row[slot] if slot < len(row) else None

    def predicate(self, node: Node) -> Predicate:
        if isinstance(node, Junction):
            parts = [self.predicate(child) for child in node.children]
            if node.op == "and":
                return lambda i, r: all(p(i, r) for p in parts)
            return lambda i, r: any(p(i, r) for p in parts)
        return self.condition(node)

    def condition(self, node: Condition) -> Predicate:
        get = self.getter(node.column)
        kind = node.column.type
        fold = kind in STRINGISH
        test = comparison(node.op, node.values, multi=kind == "multiselectpicklist")

        def check(record_id: int, row: Row) -> bool:
            value = get(record_id, row)
            if fold and isinstance(value, str):
                value = value.casefold()
            return test(value)

        return check

    # --- planning -------------------------------------------------------------------------
    def rows(self) -> Iterator[tuple[int, Row]]:
        """Matching rows in the query's order."""
        query = self.query
        keep = self.predicate(query.where) if query.where else (lambda i, r: True)
        candidates = self.candidates(query.where) if query.where else None
        indexed = self.index_order()
        if candidates is not None and (indexed is None or len(candidates) <= CANDIDATE_SORT_LIMIT):
            rows = self.table.rows
            found = [(i, rows[i]) for i in candidates if i in rows]
            return iter(self.sort([(i, r) for i, r in found if keep(i, r)]))
        if indexed is None:
            return iter(self.sort([(i, r) for i, r in self.table.rows.items() if keep(i, r)]))
        return (pair for pair in self.scan(*indexed) if keep(*pair))

    def index_order(self) -> tuple[str, bool] | None:
        """(indexed field, descending) when the order by can be served by an index."""
        order = self.query.order
        if not order:
            return "id", False
        leading, descending = order[0]
        if leading.name not in INDEXED_ORDERS:
            return None
        if any(c.name != "id" or d != descending for c, d in order[1:]):
            return None
        return leading.name, descending

    def scan(self, name: str, descending: bool) -> Iterator[tuple[int, Row]]:
        """Rows along an index, starting and stopping at the where clause's bounds."""
        table = self.table
        low = bound(self.query.where, name, upper=False)
        high = bound(self.query.where, name, upper=True)
        if name == "id":
            keys, to_id, timed = table.by_id, (lambda k: k), False
        else:
            keys = table.by_created if name == "Created_Time" else table.by_modified
            to_id, timed = key_id, True
        if descending:
            start = None if high is None else (time_key(high, ID_MASK) if timed else high)
            ordered = keys.descending(start)
            stop = low
        else:
            start = None if low is None else (time_key(low, 0) if timed else low)
            ordered = keys.ascending(start)
            stop = high
        rows = table.rows
        for key in ordered:
            if stop is not None:
                position = key_time(key) if timed else key
                if (position < stop) if descending else (position > stop):
                    return
            record_id = to_id(key)
            yield record_id, rows[record_id]

    def candidates(self, node: Node | None) -> set[int] | None:
        """Ids a where clause can only match (from id equalities or value indexes)."""
        if node is None:
            return None
        if isinstance(node, Junction):
            sets = [self.candidates(child) for child in node.children]
            if node.op == "and":
                known = [s for s in sets if s is not None]
                return set.intersection(*known) if known else None
            if any(s is None for s in sets):
                return None
            return set().union(*(s for s in sets if s is not None))
        column = node.column
        if node.op not in ("=", "in") or column.target or column.owner_attribute:
            return None
        if column.field is None:
            return set(node.values)
        if column.type not in STRINGISH | {"id"}:
            return None
        found: set[int] = set()
        for value in node.values:
            found.update(self.table.find(column.field.api_name, value))
        return found

    def sort(self, pairs: list[tuple[int, Row]]) -> list[tuple[int, Row]]:
        order = self.query.order or [(Column("id", None), False)]
        for column, descending in reversed(order):
            get = self.getter(column)

            def key(pair: tuple[int, Row], get: Getter = get) -> tuple[bool, Any]:
                return sort_key(get(*pair))

            pairs.sort(key=key, reverse=descending)
        return pairs

    # --- output ---------------------------------------------------------------------------
    def run(self) -> tuple[list[dict[str, Any]], bool]:
        """The page of records and whether more records follow."""
        query = self.query
        page = list(islice(self.rows(), query.offset, query.offset + query.limit + 1))
        more = len(page) > query.limit
        columns = [(c.name, self.column_json(c)) for c in query.columns]
        data = []
        for record_id, row in page[: query.limit]:
            record = {name: render(record_id, row) for name, render in columns}
            record["id"] = str(record_id)
            data.append(record)
        return data, more

    def column_json(self, column: Column) -> Getter:
        """The JSON of one selected column, as a function of (id, row)."""
        if column.field is None:
            return lambda record_id, row: str(record_id)
        if column.field.api_name == "Tag":
            return self.tags_json
        get = self.getter(column)
        convert = self.converter(column)
        if convert is None:
            return get

        def converted(record_id: int, row: Row) -> Any:
            value = get(record_id, row)
            return None if value is None else convert(value)

        return converted

    def converter(self, column: Column) -> Callable[[Any], Any] | None:
        """How a stored value of the column becomes JSON (None: as it is)."""
        item = column.target or column.field
        assert item is not None
        if column.owner_attribute is not None:
            return str if column.owner_attribute == "id" else None
        if column.type == "id":
            bare = column.name == item.api_name
            return (lambda value: {"id": str(value)}) if bare else str
        if item.data_type == "datetime":
            return self.store.format_time
        if item.data_type == "multiselectpicklist":
            return list
        return None

    def tag_names(self, record_id: int, row: Row) -> tuple[str, ...] | None:
        book = self.store.tagbooks[self.query.module].by_id
        return tuple(book[t].name for t in self.table.tags.get(record_id, ())) or None

    def tags_json(self, record_id: int, row: Row) -> Any:
        tags = self.store.tag_list(self.query.module, self.table.tags.get(record_id, ()))
        return [{"name": t["name"], "id": t["id"]} for t in tags] or None


def comparison(op: str, values: list[Any], *, multi: bool) -> Callable[[Any], bool]:
    """A test of one stored value (already case-folded for strings)."""
    if op == "is_null":
        return lambda v: v is None
    if op == "not_null":
        return lambda v: v is not None
    if multi:
        wanted = {str(v).casefold() for v in values}

        def matches(v: Any) -> bool:
            if v is None:
                return False
            items = [x.casefold() for x in v]
            if op in ("like", "not_like"):
                hit = any(values[0].fullmatch(x) for x in items)
                return hit if op == "like" else not hit
            hit = bool(wanted.intersection(items))
            return not hit if op in ("!=", "not_in") else hit

        return matches
    if op in ("like", "not_like"):
        pattern = values[0]
        positive = op == "like"
        return lambda v: v is not None and bool(pattern.fullmatch(str(v))) == positive
    if op in ("in", "not_in"):
        members = set(values)
        inside = op == "in"
        return lambda v: v is not None and (v in members) == inside
    if op == "between":
        low, high = values
        return lambda v: v is not None and low <= v <= high
    target = values[0]
    tests: dict[str, Callable[[Any], bool]] = {
        "=": lambda v: v == target,
        "!=": lambda v: v != target,
        "<": lambda v: v < target,
        "<=": lambda v: v <= target,
        ">": lambda v: v > target,
        ">=": lambda v: v >= target,
    }
    test = tests[op]
    return lambda v: v is not None and target is not None and test(v)


def bound(node: Node | None, name: str, *, upper: bool) -> Any:
    """A value every match's ``name`` is >= (or <= when ``upper``), or None."""
    if node is None:
        return None
    if isinstance(node, Junction):
        found = [bound(child, name, upper=upper) for child in node.children]
        known = [b for b in found if b is not None]
        if node.op == "and":
            if not known:
                return None
            return min(known) if upper else max(known)
        if len(known) < len(found):
            return None
        return max(known) if upper else min(known)
    if node.column.name != name or not node.values:
        return None
    if node.op in ("=", "in"):
        return max(node.values) if upper else min(node.values)
    if node.op == "between":
        return node.values[1] if upper else node.values[0]
    if (node.op in ("<", "<=")) == upper and node.op in ("<", "<=", ">", ">="):
        return node.values[0]
    return None


def sort_key(value: Any) -> tuple[bool, Any]:
    """Nulls last ascending; strings case-insensitively."""
    if isinstance(value, str):
        value = value.casefold()
    return (value is None, value if value is not None else 0)


def run_query(text: str, store: Store, settings: ZohoSettings) -> tuple[list[dict[str, Any]],
                                                                          bool]:
    """Parse and run one ``select_query``."""
    query = Parser(text, store, settings).parse()
    return Executor(query, store).run()
