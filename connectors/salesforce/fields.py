"""Salesforce field metadata in crmsync's terms: ``sobjects/{Obj}/describe`` entries as
:class:`FieldSchema`, and the Tooling API ``CustomField`` body that creates a field crmsync
needs (``Crmsync_Segment__c`` …)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from connectors.types import FieldSchema, NativeType

#: a custom field's API name: letters, digits and single underscores, then ``__c``
API_NAME = re.compile(r"[A-Za-z](?:[A-Za-z0-9]|_(?!_))*(?<!_)__c")
#: a long text area's default size (Salesforce allows up to 131,072)
LONG_TEXT = 32_768

_NATIVE_TYPES: dict[str, NativeType] = {
    "id": "id",
    "reference": "ref",
    "string": "string",
    "combobox": "string",
    "encryptedstring": "string",
    "textarea": "text",
    "email": "email",
    "phone": "phone",
    "url": "url",
    "picklist": "enum",
    "multipicklist": "multienum",
    "int": "int",
    "long": "int",
    "double": "float",
    "percent": "float",
    "currency": "decimal",
    "boolean": "bool",
    "date": "date",
    "datetime": "datetime",
    "address": "object",
    "location": "object",
}
_TEXT_TYPES = ("string", "text", "email", "phone", "url", "tags")


def field_schema(raw: Mapping[str, Any], tag_field: str | None = None) -> FieldSchema:
    """One describe entry; ``tag_field`` is the long text field crmsync keeps tags in."""
    kind = str(raw.get("type", "string"))
    name = str(raw["name"])
    native: NativeType = "tags" if name == tag_field else _NATIVE_TYPES.get(kind, "string")
    options = None
    if kind in ("picklist", "multipicklist"):
        options = tuple(
            str(p["value"]) for p in raw.get("picklistValues") or [] if p.get("active", True)
        )
    length = raw.get("length") or None
    required = (
        not raw.get("nillable", True)
        and bool(raw.get("createable"))
        and not raw.get("defaultedOnCreate", False)
    )
    return FieldSchema(
        name=name,
        type=native,
        writable=bool(raw.get("updateable")),
        label=str(raw.get("label") or ""),
        required=required,
        options=options,
        max_length=int(length) if length and native in _TEXT_TYPES else None,
        custom=bool(raw.get("custom")),
    )


def references(raw: Mapping[str, Any]) -> tuple[str, ...]:
    """The object types a lookup field points at (``AccountId`` → ``("Account",)``)."""
    if raw.get("type") != "reference":
        return ()
    return tuple(str(target) for target in raw.get("referenceTo") or ())


def custom_field_metadata(field: FieldSchema) -> dict[str, Any]:
    """The Tooling API ``Metadata`` of a new custom field (``FullName`` is added by the
    caller)."""
    if not API_NAME.fullmatch(field.name):
        raise ValueError(
            f"{field.name!r} cannot be a Salesforce custom field name: use letters, digits and "
            "single underscores, ending in __c (e.g. Crmsync_Segment__c)"
        )
    label = field.label or field.name[:-3].replace("_", " ")
    metadata: dict[str, Any] = {"label": label[:40]}
    kind = field.type
    if kind in ("enum", "multienum") and not field.options:
        kind = "string" if kind == "enum" else "text"  # a picklist needs its values
    if kind in ("string", "id", "ref"):
        metadata.update(type="Text", length=min(field.max_length or 255, 255))
    elif kind in ("text", "tags", "object"):
        length = max(256, min(field.max_length or LONG_TEXT, 131_072))
        metadata.update(type="LongTextArea", length=length, visibleLines=5)
    elif kind in ("email", "phone", "url"):
        metadata["type"] = {"email": "Email", "phone": "Phone", "url": "Url"}[kind]
    elif kind in ("int", "float", "decimal"):
        scale = {"int": 0, "float": 4, "decimal": 2}[kind]
        metadata.update(type="Number", precision=18, scale=scale)
    elif kind == "bool":
        metadata.update(type="Checkbox", defaultValue=False)
    elif kind in ("date", "datetime"):
        metadata["type"] = "Date" if kind == "date" else "DateTime"
    else:  # enum / multienum with options
        values = [{"fullName": o, "label": o, "default": False} for o in field.options or ()]
        metadata["valueSet"] = {"restricted": False, "valueSetDefinition": {"value": values}}
        if kind == "enum":
            metadata["type"] = "Picklist"
        else:
            metadata.update(type="MultiselectPicklist", visibleLines=4)
    return metadata
