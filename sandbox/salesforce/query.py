"""SOQL execution: resolve names against the schema, pick a source, filter, sort, page.

Sources, cheapest first: ``Id = / IN`` picks the ids directly; a ``SystemModstamp`` bound or an
``ORDER BY SystemModstamp[, Id]`` walks the sorted (SystemModstamp, Id) index from a bisect;
anything else scans the rows in Id order. When the source already yields the requested order,
a ``LIMIT`` stops the walk early. A result larger than one batch becomes a cursor — the list of
matching ids — that ``queryMore`` pages through in O(page).
"""

from __future__ import annotations

import operator
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import islice
from typing import Any

from sandbox.salesforce import soql
from sandbox.salesforce.errors import SalesforceError, invalid_field
from sandbox.salesforce.filters import (
    Accessor,
    Predicate,
    all_of,
    any_of,
    comparison,
    folded_getter,
    includes,
    keeper,
    like,
    literal_value,
    membership,
    slot_getter,
)
from sandbox.salesforce.ids import QUERY_LOCATOR_PREFIX
from sandbox.salesforce.plan import StampRange, conjuncts, id_candidates, stamp_range
from sandbox.salesforce.store import ObjectStore, Row, Store
from sandbox.salesforce.values import as_json, format_datetime

MAX_OFFSET = 2000


@dataclass(slots=True)
class Cursor:
    """The ids of a query result and how to render them."""

    ids: list[str]
    render: Callable[[str], dict[str, Any]]
    endpoint: str  # query or queryAll
    batch: int  # the batch size asked for by the first request


class QueryEngine:
    """Runs SOQL against a :class:`Store` and keeps the open cursors."""

    def __init__(self, store: Store, max_cursors: int = 10, long_text_filterable: bool = False):
        self.store = store
        self.max_cursors = max_cursors
        self.long_text_filterable = long_text_filterable
        self._cursors: OrderedDict[str, Cursor] = OrderedDict()

    # --- entry points --------------------------------------------------------------------
    def run(self, text: str, version: str, batch: int, include_deleted: bool) -> dict[str, Any]:
        """The first page of a query (``query`` or, with deleted rows, ``queryAll``)."""
        query = soql.parse(text)
        table = self.store.table(query.sobject)
        if table is None:
            raise SalesforceError(
                "INVALID_TYPE",
                f"sObject type '{query.sobject}' is not supported. If you are attempting to use "
                "a custom object, be sure to append the '__c' after the entity name. Please "
                "reference your WSDL or the describe call for the appropriate names.",
            )
        if query.offset > MAX_OFFSET:
            raise SalesforceError(
                "NUMBER_OUTSIDE_VALID_RANGE", f"Maximum SOQL offset allowed is {MAX_OFFSET}"
            )
        selected = [self._resolve(table, name) for name in query.fields]
        seen: set[str] = set()
        for accessor in selected:
            if accessor.path.lower() in seen:
                raise soql_duplicate(accessor.path)
            seen.add(accessor.path.lower())
        ids = self._matching_ids(table, query, include_deleted)
        if query.count:
            return {"totalSize": len(ids), "done": True, "records": []}
        endpoint = "queryAll" if include_deleted else "query"
        cursor = Cursor(ids, self._renderer(table, selected, version), endpoint, batch)
        locator = self._new_locator(cursor) if len(ids) > batch else ""
        return self._page(cursor, locator, 0, batch, version)

    def more(self, locator: str, version: str, batch: int | None) -> dict[str, Any]:
        """The page of an open cursor named by ``{cursorId}-{offset}``."""
        cursor_id, _, start = locator.rpartition("-")
        cursor = self._cursors.get(cursor_id)
        if cursor is None or not start.isdigit() or int(start) > len(cursor.ids):
            raise SalesforceError("INVALID_QUERY_LOCATOR", "invalid query locator")
        self._cursors.move_to_end(cursor_id)
        return self._page(cursor, cursor_id, int(start), batch or cursor.batch, version)

    def record(
        self, table: ObjectStore, record_id: str, version: str, fields: list[str] | None = None
    ) -> dict[str, Any]:
        """One record with the given fields (default: every readable one), as GET shows it."""
        names = fields or [f.name for f in table.schema.readable_fields()]
        selected = [self._resolve(table, name) for name in names]
        return self._renderer(table, selected, version)(record_id)

    # --- paging --------------------------------------------------------------------------
    def _new_locator(self, cursor: Cursor) -> str:
        locator = self.store.ids.next(QUERY_LOCATOR_PREFIX)
        self._cursors[locator] = cursor
        while len(self._cursors) > self.max_cursors:
            self._cursors.popitem(last=False)
        return locator

    def _page(
        self, cursor: Cursor, locator: str, start: int, batch: int, version: str
    ) -> dict[str, Any]:
        end = start + batch
        done = end >= len(cursor.ids)
        page: dict[str, Any] = {"totalSize": len(cursor.ids), "done": done}
        if not done:  # cursors stay open (until evicted) so a failed page can be fetched again
            page["nextRecordsUrl"] = f"/services/data/{version}/{cursor.endpoint}/{locator}-{end}"
        page["records"] = [cursor.render(record_id) for record_id in cursor.ids[start:end]]
        return page

    # --- names ---------------------------------------------------------------------------
    def _resolve(self, table: ObjectStore, path: str) -> Accessor:
        schema = table.schema
        parts = path.split(".")
        if len(parts) == 1:
            definition = schema.readable(path)
            if definition is None:
                raise invalid_field(
                    f"No such column '{path}' on entity '{schema.name}'. If you are attempting "
                    "to use a custom field, be sure to append the '__c' after the custom field "
                    "name. Please reference your WSDL or the describe call for the appropriate "
                    "names."
                )
            return Accessor(definition.name, definition, slot_getter(table, definition))
        lookup = schema.relationship(parts[0]) if len(parts) == 2 else None
        if lookup is None or len(lookup.reference_to) != 1:
            raise invalid_field(
                f"Didn't understand relationship '{parts[0]}' in field path. If you are "
                "attempting to use a custom relationship, be sure to append the '__r' after the "
                "custom relationship name. Please reference your WSDL or the describe call for "
                "the appropriate names."
            )
        target = self.store.tables[lookup.reference_to[0]]
        inner = self._resolve(target, parts[1])
        link, read, rows = slot_getter(table, lookup), inner.get, target.rows

        def get(row: Row) -> Any:
            parent = rows.get(link(row) or "")
            return None if parent is None else read(parent)

        path = f"{lookup.relationship_name}.{inner.field.name}"
        return Accessor(path, inner.field, get, lookup, target)

    def _filterable(self, accessor: Accessor, verb: str) -> Accessor:
        definition = accessor.field
        long_text = definition.type == "textarea" and definition.length > 255
        if long_text and not self.long_text_filterable:
            raise invalid_field(f"field '{definition.name}' can not be {verb} in a query call")
        return accessor

    # --- conditions ----------------------------------------------------------------------
    def _compile(self, table: ObjectStore, condition: soql.Condition) -> Predicate:
        if isinstance(condition, soql.Junction):
            parts = [self._compile(table, item) for item in condition.items]
            return all_of(parts) if condition.op == "and" else any_of(parts)
        if isinstance(condition, soql.Negation):
            inner = self._compile(table, condition.item)
            return lambda row: not inner(row)
        accessor = self._filterable(self._resolve(table, condition.field), "filtered")
        if isinstance(condition, soql.Like):
            return like(accessor, condition.pattern)
        if isinstance(condition, soql.Membership):
            values = [literal_value(accessor.field, lit) for lit in condition.literals]
            if condition.multiselect:
                return includes(accessor, values, condition.negated)
            return membership(accessor, values, condition.negated)
        return comparison(accessor, condition.op, literal_value(accessor.field, condition.literal))

    # --- planning ------------------------------------------------------------------------
    def _matching_ids(self, table: ObjectStore, query: soql.Query, with_deleted: bool) -> list[str]:
        test = self._compile(table, query.where) if query.where is not None else None
        order = [
            (self._filterable(self._resolve(table, item.field), "sorted"), item)
            for item in query.order
        ]
        signature = [(a.path, item.descending) for a, item in order]
        source, in_order = self._source(table, query, signature)
        keep = keeper(test, with_deleted)
        matches = (record_id for record_id, row in source if keep is None or keep(row))
        wanted = None if query.limit is None else query.offset + query.limit
        if in_order and wanted is not None:
            found = list(islice(matches, wanted))
        else:
            found = list(matches)
            if not in_order:
                _sort(found, table.rows, order)
        return found[query.offset : wanted]

    def _source(
        self, table: ObjectStore, query: soql.Query, signature: list[tuple[str, bool]]
    ) -> tuple[Iterable[tuple[str, Row]], bool]:
        """Candidate (id, row) pairs, and whether they already come in the requested order."""
        rows = table.rows
        by_id = not signature or signature == [("Id", False)]
        ids = id_candidates(conjuncts(query.where))
        if ids is not None:
            return [(i, rows[i]) for i in sorted(ids) if i in rows], by_id
        directions = {descending for _, descending in signature}
        by_stamp = bool(signature) and len(directions) == 1 and [p for p, _ in signature] in (
            ["SystemModstamp"], ["SystemModstamp", "Id"]
        )
        bounds = stamp_range(query.where) if query.where is not None else StampRange()
        if bounds.low or bounds.high or by_stamp:
            descending = by_stamp and signature[0][1]
            walk = table.stamp_range(bounds.low, bounds.high, descending)
            return walk, by_stamp or not signature
        if signature == [("Id", True)]:
            return reversed(rows.items()), True
        return rows.items(), by_id

    # --- rendering -----------------------------------------------------------------------
    def _renderer(
        self, table: ObjectStore, selected: list[Accessor], version: str
    ) -> Callable[[str], dict[str, Any]]:
        name = table.schema.name
        prefix = f"/services/data/{version}/sobjects/"
        rows = table.rows
        plain = [a for a in selected if a.relationship is None]
        names = [a.path for a in plain]
        moments = [a.path for a in plain if a.field.type == "datetime"]
        pick = _picker(table, plain)
        related = [a for a in selected if a.relationship is not None]

        def render(record_id: str) -> dict[str, Any]:
            row = rows[record_id]
            record: dict[str, Any] = {
                "attributes": {"type": name, "url": f"{prefix}{name}/{record_id}"}
            }
            record.update(zip(names, pick(row), strict=True))
            for path in moments:
                if record[path] is not None:
                    record[path] = format_datetime(record[path])
            for accessor in related:
                _render_related(record, row, accessor, prefix)
            return record

        return render


def _picker(table: ObjectStore, plain: list[Accessor]) -> Callable[[Row], Iterable[Any]]:
    """The values of plain fields from a row, in one C-level call when every slot exists in
    every row (the common case)."""
    slots = [a.field.slot for a in plain]
    if len(slots) > 1 and all(slot < table.schema.base_width for slot in slots):
        return operator.itemgetter(*slots)
    getters = [a.get for a in plain]
    return lambda row: [get(row) for get in getters]


def soql_duplicate(path: str) -> SalesforceError:
    return SalesforceError("MALFORMED_QUERY", f"duplicate field selected: {path}")


def _render_related(record: dict[str, Any], row: Row, accessor: Accessor, prefix: str) -> None:
    assert accessor.relationship is not None and accessor.target is not None
    relationship, field_name = accessor.path.split(".")
    parent_id = row[accessor.relationship.slot] if accessor.relationship.slot < len(row) else None
    if parent_id is None or parent_id not in accessor.target.rows:
        record[relationship] = None
        return
    if record.get(relationship) is None:
        kind = accessor.target.schema.name
        record[relationship] = {"attributes": {"type": kind, "url": f"{prefix}{kind}/{parent_id}"}}
    record[relationship][field_name] = as_json(accessor.get(row))


def _sort(
    ids: list[str], rows: dict[str, Row], order: list[tuple[Accessor, soql.OrderItem]]
) -> None:
    """Sort ids by ORDER BY items, one stable pass per item from the last: text ignoring case,
    nulls first unless told otherwise. Keys are the plain values (no per-row key tuples)."""
    for accessor, item in reversed(order):
        get = folded_getter(accessor)
        nulls = [i for i in ids if get(rows[i]) is None]
        present = [i for i in ids if get(rows[i]) is not None]
        present.sort(key=lambda record_id: get(rows[record_id]), reverse=item.descending)
        ids[:] = nulls + present if item.nulls_first else present + nulls
