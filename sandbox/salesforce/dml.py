"""Writes: turn a JSON record into checked field values, then apply it.

Two kinds of failure, as in Salesforce: :func:`parse_record` fails the whole request (unknown
field, JSON value of the wrong type: the body does not deserialize), while :func:`check_create`
and :func:`check_update` fail one record (DML rules: writability, restricted picklists, lengths,
required fields, lookups), which an sObject collection reports per record.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sandbox.salesforce import tooling
from sandbox.salesforce.errors import SalesforceError, invalid_field
from sandbox.salesforce.ids import normalize_id
from sandbox.salesforce.schema import FieldDef, ObjectSchema
from sandbox.salesforce.store import IS_DELETED, ObjectStore, Row, Store
from sandbox.salesforce.values import DECIMAL_TYPES, deserialize

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+$")
#: keys of a record body that are not fields
_NOT_FIELDS = frozenset({"attributes", "id"})


@dataclass(slots=True)
class Rules:
    """The write rules that depend on emulator settings."""

    validate_email_format: bool = True
    auto_grant_field_permissions: bool = False


@dataclass(slots=True)
class Change:
    """A checked write, ready to apply: ``row`` is None for a create."""

    table: ObjectStore
    row: Row | None
    values: dict[FieldDef, Any]


def parse_record(schema: ObjectSchema, body: Any) -> dict[FieldDef, Any]:
    """Field values of a JSON record; raises INVALID_FIELD / JSON_PARSER_ERROR."""
    if not isinstance(body, dict):
        raise SalesforceError("JSON_PARSER_ERROR", "The request body must be a JSON object")
    values: dict[FieldDef, Any] = {}
    for name, raw in body.items():
        if name.lower() in _NOT_FIELDS:
            continue
        definition = schema.readable(name)
        if definition is None:
            raise invalid_field(f"No such column '{name}' on sobject of type {schema.name}")
        values[definition] = deserialize(definition.type, raw)
    return values


def record_id_of(body: Any) -> str | None:
    """The ``id`` (or ``Id``) of a JSON record."""
    if not isinstance(body, dict):
        return None
    found = body.get("id", body.get("Id"))
    return str(found) if found is not None else None


def find_row(store: Store, table: ObjectStore, raw_id: str) -> Row:
    """The live row of an id of this object, or MALFORMED_ID / ENTITY_IS_DELETED /
    INVALID_CROSS_REFERENCE_KEY."""
    record_id = normalize_id(raw_id)
    if record_id is None:
        raise SalesforceError("MALFORMED_ID", f"malformed id {raw_id}")
    if record_id[:3] != table.schema.key_prefix:
        raise SalesforceError(
            "MALFORMED_ID", f"{table.schema.label} ID: id value of incorrect type: {raw_id}", ["Id"]
        )
    row = table.rows.get(record_id)
    if row is None:
        raise SalesforceError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")
    if row[IS_DELETED]:
        raise SalesforceError("ENTITY_IS_DELETED", "entity is deleted")
    return row


def check_create(
    store: Store, table: ObjectStore, values: dict[FieldDef, Any], rules: Rules
) -> Change:
    """A create checked against the DML rules (raises one record's SalesforceError)."""
    if not table.schema.createable:
        raise SalesforceError(
            "INSUFFICIENT_ACCESS_OR_READONLY", f"cannot create {table.schema.name} records"
        )
    _check_writable(values, "createable")
    _check_values(store, values, rules)
    given = {d for d, v in values.items() if v is not None}
    missing = [
        d.name for d in table.schema.fields
        if d.required and d.default is None and d.name != "OwnerId" and d not in given
    ]
    _require(missing)
    change = Change(table, None, values)
    _check_special(store, change)
    return change


def check_update(
    store: Store, table: ObjectStore, row: Row, values: dict[FieldDef, Any], rules: Rules
) -> Change:
    """An update of an existing live row checked against the DML rules."""
    _check_writable(values, "updateable")
    _check_values(store, values, rules)
    _require([d.name for d, v in values.items() if d.required and v is None])
    change = Change(table, row, values)
    _check_special(store, change)
    return change


def apply(store: Store, change: Change, rules: Rules, stamp: datetime | None = None) -> str:
    """Write a checked change; returns the record id."""
    stamp = stamp or store.now()
    table = change.table
    if change.row is None:
        row = store.new_row(table, stamp)
        for definition, value in change.values.items():
            row[definition.slot] = value
        table.insert(row)
        record_id = str(row[0])
    else:
        record_id = str(change.row[0])
        table.assign(record_id, change.values, stamp)
    if table.schema.name == "FieldPermissions":
        tooling.refresh_field_security(store, rules.auto_grant_field_permissions)
    return record_id


def delete(store: Store, table: ObjectStore, row: Row, rules: Rules) -> None:
    """Soft-delete a live row."""
    if not table.schema.deletable:
        raise SalesforceError(
            "INSUFFICIENT_ACCESS_OR_READONLY", "insufficient access rights on object id"
        )
    table.mark_deleted(row[0], store.now())
    if table.schema.name == "FieldPermissions":
        tooling.refresh_field_security(store, rules.auto_grant_field_permissions)


def _require(missing: list[str]) -> None:
    if missing:
        raise SalesforceError(
            "REQUIRED_FIELD_MISSING", f"Required fields are missing: [{', '.join(missing)}]",
            missing,
        )


def _check_writable(values: dict[FieldDef, Any], flag: str) -> None:
    for definition in values:
        if not (getattr(definition, flag) and definition.editable):
            raise SalesforceError(
                "INVALID_FIELD_FOR_INSERT_UPDATE",
                f"Unable to create/update fields: {definition.name}. Please check the security "
                "settings of this field and verify that it is read/write for your profile or "
                "permission set.",
                [definition.name],
            )


def _check_values(store: Store, values: dict[FieldDef, Any], rules: Rules) -> None:
    for definition, value in list(values.items()):
        if value is None:
            continue
        if definition.type in ("picklist", "multipicklist"):
            values[definition] = _check_picklist(definition, value)
        elif definition.type == "reference":
            values[definition] = _check_reference(store, definition, value)
        elif definition.type in DECIMAL_TYPES and definition.precision:
            _check_range(definition, value)
        if definition.length and isinstance(value, str) and len(value) > definition.length:
            raise SalesforceError(
                "STRING_TOO_LONG",
                f"{definition.label}: data value too large: {value[:40]} "
                f"(max length={definition.length})",
                [definition.name],
            )
        if definition.type == "email" and rules.validate_email_format and not _EMAIL.match(value):
            raise SalesforceError(
                "INVALID_EMAIL_ADDRESS", f"{definition.label}: invalid email address: {value}",
                [definition.name],
            )


def _check_picklist(definition: FieldDef, value: str) -> str:
    if definition.type == "picklist":
        chosen = [value]
    else:
        chosen = list(dict.fromkeys(v.strip() for v in value.split(";") if v.strip()))
    if definition.restricted:
        for item in chosen:
            if item not in definition.picklist:
                raise SalesforceError(
                    "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                    f"{definition.label}: bad value for restricted picklist field: {item}",
                    [definition.name],
                )
    if definition.type == "picklist":
        return value
    order = {v: i for i, v in enumerate(definition.picklist)}
    return ";".join(sorted(chosen, key=lambda v: order.get(v, len(order))))


def _check_reference(store: Store, definition: FieldDef, value: str) -> str:
    record_id = normalize_id(value)
    target = store.table_of(record_id) if record_id else None
    if record_id is None or target is None or target.schema.name not in definition.reference_to:
        raise SalesforceError(
            "MALFORMED_ID", f"{definition.label}: id value of incorrect type: {value}",
            [definition.name],
        )
    row = target.rows.get(record_id)
    if row is None:
        raise SalesforceError(
            "INVALID_CROSS_REFERENCE_KEY", f"{definition.label}: invalid cross reference id",
            [definition.name],
        )
    if row[IS_DELETED]:
        raise SalesforceError("ENTITY_IS_DELETED", "entity is deleted", [definition.name])
    return record_id


def _check_range(definition: FieldDef, value: float) -> None:
    if abs(value) >= 10 ** (definition.precision - definition.scale):
        raise SalesforceError(
            "NUMBER_OUTSIDE_VALID_RANGE",
            f"{definition.label}: value outside of valid range on numeric field: {value}",
            [definition.name],
        )


def _check_special(store: Store, change: Change) -> None:
    """Object-specific rules (FieldPermissions must name an existing field, once per parent)."""
    if change.table.schema.name != "FieldPermissions":
        return
    schema = change.table.schema
    merged = {} if change.row is None else {
        d.name: change.table.value(change.row, d) for d in schema.fields
    }
    merged.update({d.name: v for d, v in change.values.items()})
    own_id = None if change.row is None else str(change.row[0])
    tooling.check_permission_record(store, merged, own_id)
