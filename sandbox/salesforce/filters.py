"""WHERE clauses as row predicates: resolved field accessors, literals checked against field
types, and SOQL's comparison rules (text ignores case, ``!=`` and ``NOT IN`` keep nulls)."""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from functools import reduce
from typing import Any

from sandbox.salesforce import soql
from sandbox.salesforce.errors import SalesforceError, invalid_field
from sandbox.salesforce.ids import normalize_id
from sandbox.salesforce.schema import FieldDef
from sandbox.salesforce.store import IS_DELETED, ObjectStore, Row
from sandbox.salesforce.values import DECIMAL_TYPES, STRING_TYPES

Getter = Callable[[Row], Any]
Predicate = Callable[[Row], bool]
_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq, "!=": operator.ne, "<": operator.lt,
    "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}
_LITERAL_KINDS = {"boolean": "boolean", "int": "number", "date": "date", "datetime": "datetime"}


@dataclass(slots=True)
class Accessor:
    """A resolved field path: the field, how to read it from a row, and its relationship."""

    path: str  # canonical spelling, e.g. Account.Name
    field: FieldDef
    get: Getter
    relationship: FieldDef | None = None  # the lookup field of Rel.Field paths
    target: ObjectStore | None = None


def slot_getter(table: ObjectStore, definition: FieldDef) -> Getter:
    """Reads one field from a row (a C-level itemgetter unless rows may lack the slot)."""
    slot = definition.slot
    if slot < table.schema.base_width:
        return operator.itemgetter(slot)
    empty = definition.empty
    return lambda row: row[slot] if slot < len(row) else empty


def literal_kind(definition: FieldDef) -> str:
    """The kind of SOQL literal a field compares with: string, number, boolean, date..."""
    if definition.type in STRING_TYPES:
        return "string"
    if definition.type in DECIMAL_TYPES:
        return "number"
    return _LITERAL_KINDS.get(definition.type, "string")


def literal_value(definition: FieldDef, literal: soql.Literal) -> Any:
    """A literal checked against the field's type, in the field's stored form."""
    if literal.kind == "null":
        return None
    expected = literal_kind(definition)
    if literal.kind != expected:
        quoted = "should be enclosed in quotes" if expected == "string" else (
            "should not be enclosed in quotes"
        )
        raise invalid_field(
            f"value of filter criterion for field '{definition.name}' must be of type "
            f"{definition.type} and {quoted}"
        )
    if definition.type in ("id", "reference"):
        record_id = normalize_id(literal.value)
        if record_id is None:
            raise SalesforceError(
                "INVALID_QUERY_FILTER_OPERATOR", f"invalid ID field: {literal.value}"
            )
        return record_id
    if expected == "string":
        return literal.value.casefold()
    return literal.value


def folded_getter(accessor: Accessor) -> Getter:
    """The getter, case-folding text values (SOQL text comparisons ignore case)."""
    get = accessor.get
    if accessor.field.type not in STRING_TYPES or accessor.field.type in ("id", "reference"):
        return get

    def folded(row: Row) -> Any:
        value = get(row)
        return None if value is None else value.casefold()

    return folded


def comparison(accessor: Accessor, op: str, value: Any) -> Predicate:
    """``field op value``; ``= null`` / ``!= null`` test for absence."""
    get = folded_getter(accessor)
    if value is None:
        if op == "=":
            return lambda row: get(row) is None
        if op == "!=":
            return lambda row: get(row) is not None
        return lambda row: False
    compare = _OPERATORS[op]
    if op == "!=":
        return lambda row: get(row) != value
    return lambda row: (found := get(row)) is not None and compare(found, value)


def membership(accessor: Accessor, values: list[Any], negated: bool) -> Predicate:
    """``field [NOT] IN (values)``."""
    get = folded_getter(accessor)
    options = set(values)
    if negated:
        return lambda row: get(row) not in options
    return lambda row: get(row) in options


def includes(accessor: Accessor, values: list[Any], excludes: bool) -> Predicate:
    """``INCLUDES``/``EXCLUDES`` on a multi-select picklist; ``'a;b'`` means both a and b."""
    if accessor.field.type != "multipicklist":
        raise invalid_field(
            f"includes or excludes operator only valid on multipicklist field "
            f"{accessor.field.name}"
        )
    get = folded_getter(accessor)
    wanted = [frozenset(part.strip() for part in value.split(";")) for value in values if value]

    def has(row: Row) -> bool:
        value = get(row)
        chosen = frozenset(value.split(";")) if value else frozenset()
        return any(option <= chosen for option in wanted)

    if excludes:
        return lambda row: not has(row)
    return has


def like(accessor: Accessor, pattern: Any) -> Predicate:
    """``field LIKE pattern`` (the pattern compiled by the parser)."""
    if accessor.field.type not in STRING_TYPES:
        raise invalid_field(f"invalid operator on {accessor.field.type} field: LIKE")
    get, matches = accessor.get, pattern.fullmatch
    return lambda row: (value := get(row)) is not None and matches(value) is not None


def keeper(test: Predicate | None, with_deleted: bool) -> Predicate | None:
    """The row filter: the WHERE clause, and not deleted unless queryAll."""
    if with_deleted:
        return test
    if test is None:
        return lambda row: not row[IS_DELETED]
    return lambda row: not row[IS_DELETED] and test(row)


def all_of(parts: list[Predicate]) -> Predicate:
    """AND, short-circuiting left to right."""
    return reduce(lambda first, then: lambda row: first(row) and then(row), parts)


def any_of(parts: list[Predicate]) -> Predicate:
    """OR, short-circuiting left to right."""
    return reduce(lambda first, then: lambda row: first(row) or then(row), parts)
