"""Zoho field metadata in crmsync's terms: ``GET /settings/fields`` entries as
:class:`FieldSchema`, and the ``POST /settings/fields`` body that makes Zoho give a custom field
the wanted API name (Zoho derives it from the label: ``Crmsync Segment`` → ``Crmsync_Segment``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from connectors.types import FieldSchema, NativeType

API_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*(_[A-Za-z0-9]+)*")

_NATIVE_TYPES: dict[str, NativeType] = {
    "text": "string",
    "autonumber": "string",
    "formula": "string",
    "textarea": "text",
    "email": "email",
    "phone": "phone",
    "website": "url",
    "picklist": "enum",
    "multiselectpicklist": "multienum",
    "integer": "int",
    "bigint": "int",
    "double": "float",
    "percent": "float",
    "currency": "decimal",
    "decimal": "decimal",
    "boolean": "bool",
    "date": "date",
    "datetime": "datetime",
    "lookup": "ref",
    "ownerlookup": "ref",
    "userlookup": "ref",
}
_ZOHO_TYPES: dict[str, str] = {
    "string": "text",
    "id": "text",
    "ref": "text",
    "text": "textarea",
    "object": "textarea",
    "email": "email",
    "phone": "phone",
    "url": "website",
    "int": "integer",
    "float": "double",
    "decimal": "double",
    "bool": "boolean",
    "date": "date",
    "datetime": "datetime",
    "enum": "picklist",
    "multienum": "multiselectpicklist",
}


def field_schema(raw: Mapping[str, Any]) -> FieldSchema:
    kind = str(raw.get("data_type", "text"))
    native: NativeType = "tags" if raw["api_name"] == "Tag" else _NATIVE_TYPES.get(kind, "string")
    read_only = bool(raw.get("read_only") or raw.get("field_read_only"))
    options = None
    if kind in ("picklist", "multiselectpicklist"):
        options = tuple(str(o.get("actual_value")) for o in raw.get("pick_list_values") or [])
    return FieldSchema(
        name=raw["api_name"],
        type=native,
        writable=not read_only and kind not in ("autonumber", "formula"),
        label=str(raw.get("field_label") or raw.get("display_label") or ""),
        required=bool(raw.get("system_mandatory")),
        options=options,
        max_length=raw.get("length") if native in ("string", "text", "email", "url") else None,
        custom=bool(raw.get("custom_field")),
    )


def lookup_module(raw: Mapping[str, Any]) -> str | None:
    if raw.get("data_type") != "lookup":
        return None
    module = ((raw.get("lookup") or {}).get("module") or {}).get("api_name")
    return str(module) if module else None


def field_spec(field: FieldSchema) -> dict[str, Any]:
    """The create-field body whose label makes Zoho name the field ``field.name``."""
    if not API_NAME.fullmatch(field.name):
        raise ValueError(
            f"{field.name!r} cannot be a Zoho API name: use letters and digits in words "
            "joined by single underscores"
        )
    if field.type == "tags":
        raise ValueError("Zoho keeps tags natively: no tag field to create")
    kind = _ZOHO_TYPES[field.type]
    if kind in ("picklist", "multiselectpicklist") and not field.options:
        kind = "text"  # a picklist needs its values
    spec: dict[str, Any] = {"field_label": field.name.replace("_", " "), "data_type": kind}
    if kind == "text":
        spec["length"] = min(field.max_length or 255, 255)
    if kind in ("picklist", "multiselectpicklist"):
        spec["pick_list_values"] = [
            {"display_value": o, "actual_value": o} for o in field.options or ()
        ]
    return spec
