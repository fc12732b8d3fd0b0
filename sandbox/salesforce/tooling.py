"""Custom fields created through the Tooling API, and the field-level security that hides them.

A field created by ``POST /tooling/sobjects/CustomField`` gets no field permissions: it stays
invisible to describe and SOQL, and unknown to writes, until a ``FieldPermissions`` record with
``PermissionsRead`` (and ``PermissionsEdit`` to write it) names it — unless the emulator's
``auto_grant_field_permissions`` setting is on.
"""

from __future__ import annotations

import re
from typing import Any

from sandbox.salesforce.errors import SalesforceError
from sandbox.salesforce.schema import FieldDef
from sandbox.salesforce.store import IS_DELETED, Row, Store

_FIELD_NAME = re.compile(r"[A-Za-z](?:[A-Za-z0-9]|_(?!_))*(?<!_)__c$")
#: Metadata type → (describe type, default length, maximum length)
_TYPES: dict[str, tuple[str, int, int]] = {
    "Text": ("string", 0, 255),
    "TextArea": ("textarea", 255, 255),
    "LongTextArea": ("textarea", 0, 131072),
    "Email": ("email", 80, 80),
    "Phone": ("phone", 40, 40),
    "Url": ("url", 255, 255),
    "Number": ("double", 0, 0),
    "Currency": ("currency", 0, 0),
    "Percent": ("percent", 0, 0),
    "Checkbox": ("boolean", 0, 0),
    "Date": ("date", 0, 0),
    "DateTime": ("datetime", 0, 0),
    "Picklist": ("picklist", 255, 255),
    "MultiselectPicklist": ("multipicklist", 4099, 4099),
}


def _integrity(message: str) -> SalesforceError:
    return SalesforceError("FIELD_INTEGRITY_EXCEPTION", message)


def _picklist_values(metadata: dict[str, Any]) -> tuple[tuple[str, ...], bool, str | None]:
    value_set = metadata.get("valueSet") or {}
    definition = value_set.get("valueSetDefinition") or {}
    entries = definition.get("value") or []
    if not entries:
        raise _integrity("Picklist values: You must enter at least one value")
    values = tuple(str(e.get("fullName") or e.get("label") or "") for e in entries)
    default = next((v for v, e in zip(values, entries, strict=True) if e.get("default")), None)
    return values, bool(value_set.get("restricted", False)), default


def _length(kind: str, metadata: dict[str, Any]) -> int:
    _, default, maximum = _TYPES[kind]
    if not maximum:
        return 0
    raw = metadata.get("length", default or None)
    if raw is None:
        raise _integrity("Length: You must enter a value")
    length = int(raw)
    minimum = 256 if kind == "LongTextArea" else 1
    if not minimum <= length <= maximum:
        raise _integrity(f"Length: value must be between {minimum} and {maximum}")
    return length


def field_from_metadata(name: str, metadata: dict[str, Any]) -> FieldDef:
    """A new custom field from a CustomField ``Metadata`` body."""
    if not _FIELD_NAME.match(name):
        raise _integrity(
            "The Field Name can only contain underscores and alphanumeric characters. It must "
            "be unique, begin with a letter, not include spaces, not end with an underscore, "
            "and not contain two consecutive underscores."
        )
    kind = metadata.get("type")
    if kind not in _TYPES:
        raise _integrity(f"Type: bad value for restricted picklist field: {kind}")
    if not metadata.get("label"):
        raise SalesforceError("REQUIRED_FIELD_MISSING", "Required fields are missing: [Label]",
                              ["Label"])
    describe_type = _TYPES[kind][0]
    definition = FieldDef(
        name, describe_type, str(metadata["label"]),
        length=_length(kind, metadata), custom=True,
        external_id=bool(metadata.get("externalId", False)),
        required=bool(metadata.get("required", False)), fls_managed=True,
    )
    if describe_type in ("double", "currency", "percent"):
        definition.precision = int(metadata.get("precision", 18))
        definition.scale = int(metadata.get("scale", 0))
        if not 0 <= definition.scale <= definition.precision <= 18:
            raise _integrity("Decimal Places: value must be between 0 and the length")
    if describe_type == "boolean":
        definition.default = str(metadata.get("defaultValue", "false")).lower() == "true"
    if describe_type in ("picklist", "multipicklist"):
        definition.picklist, definition.restricted, definition.default = _picklist_values(
            metadata
        )
    return definition


def create_custom_field(store: Store, body: Any, auto_grant: bool) -> FieldDef:
    """``POST /tooling/sobjects/CustomField``: add the field to its object's schema."""
    if not isinstance(body, dict) or not isinstance(body.get("Metadata"), dict):
        raise SalesforceError("JSON_PARSER_ERROR", "CustomField needs FullName and Metadata")
    object_name, _, field_name = str(body.get("FullName", "")).partition(".")
    table = store.table(object_name)
    if table is None or not field_name:
        raise SalesforceError(
            "INVALID_CROSS_REFERENCE_KEY",
            f"In field: FullName - no CustomObject named {object_name} found",
        )
    schema = table.schema
    if schema.field(field_name) is not None:
        raise SalesforceError(
            "DUPLICATE_DEVELOPER_NAME",
            f"There is already a field named {field_name} on {schema.name}.",
        )
    definition = field_from_metadata(field_name, body["Metadata"])
    definition.readable = definition.editable = auto_grant
    return schema.add(definition)


def check_permission_record(store: Store, values: dict[str, Any], own_id: str | None) -> None:
    """Rules of a FieldPermissions record: an existing field, one record per (parent, field)."""
    sobject, field = values.get("SobjectType"), values.get("Field")
    table = store.table(str(sobject or ""))
    object_name, _, field_name = str(field or "").partition(".")
    if (
        table is None
        or object_name.lower() != table.schema.name.lower()
        or table.schema.field(field_name) is None
    ):
        raise SalesforceError(
            "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
            f"Field Name: bad value for restricted picklist field: {field}",
            ["Field"],
        )
    for other_id, row in _permission_rows(store):
        if other_id != own_id and row_key(store, row) == (values.get("ParentId"), str(field)):
            raise SalesforceError(
                "DUPLICATE_VALUE",
                f"duplicate value found: <unknown> duplicates value on record with id: {other_id}",
            )


def row_key(store: Store, row: Row) -> tuple[Any, str]:
    """(ParentId, Field) of a FieldPermissions row."""
    schema = store.tables["FieldPermissions"].schema
    parent, field = schema.by_lower["parentid"], schema.by_lower["field"]
    return row[parent.slot], str(row[field.slot])


def _permission_rows(store: Store) -> list[tuple[str, Row]]:
    rows = store.tables["FieldPermissions"].rows
    return [(record_id, row) for record_id, row in rows.items() if not row[IS_DELETED]]


def refresh_field_security(store: Store, auto_grant: bool) -> None:
    """Recompute which Tooling-created fields are readable and editable."""
    schema = store.tables["FieldPermissions"].schema
    read, edit = schema.by_lower["permissionsread"], schema.by_lower["permissionsedit"]
    granted: dict[str, tuple[bool, bool]] = {}
    for _, row in _permission_rows(store):
        _, name = row_key(store, row)
        can_read, can_edit = granted.get(name.lower(), (False, False))
        granted[name.lower()] = (can_read or bool(row[read.slot]), can_edit or bool(row[edit.slot]))
    for table in store.tables.values():
        for definition in table.schema.fields:
            if definition.fls_managed:
                key = f"{table.schema.name}.{definition.name}".lower()
                can_read, can_edit = granted.get(key, (False, False))
                definition.readable = auto_grant or can_read or can_edit
                definition.editable = auto_grant or can_edit
