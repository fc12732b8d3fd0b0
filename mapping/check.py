"""Checking a mapping against a CRM's own field list (from ``Connector.describe``).

Every problem is returned at once: a native field the CRM does not have, a field the mapping
writes that the CRM keeps read-only, a type that cannot hold the common value, a value map
naming options the CRM's picklist does not offer. A mapping that fails here fails the plan,
never the apply.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from connectors.types import FieldSchema, ObjectSchema
from mapping.spec import FieldSpec, ObjectSpec, kind_of

#: Which native types can hold each common kind.
COMPATIBLE: dict[str, frozenset[str]] = {
    "string": frozenset({"string", "text", "email", "phone", "url", "enum", "id", "ref", "object"}),
    "int": frozenset({"int", "float", "decimal", "string"}),
    "float": frozenset({"float", "decimal", "int", "string"}),
    "decimal": frozenset({"decimal", "float", "int", "string"}),
    "bool": frozenset({"bool", "enum", "string"}),
    "date": frozenset({"date", "datetime", "string"}),
    "datetime": frozenset({"datetime", "date", "string"}),
    "set": frozenset({"multienum", "tags", "string", "text", "email"}),
    "refs": frozenset({"ref", "string", "id"}),
}


@dataclass(frozen=True, slots=True)
class MappingIssue:
    """One way a mapping and a CRM's field list disagree."""

    object_name: str  # common object (contact, company, deal)
    field: str  # common field
    native_field: str
    message: str

    def __str__(self) -> str:
        return f"{self.object_name}.{self.field} -> {self.native_field}: {self.message}"


def check_object(object_name: str, spec: ObjectSpec, schema: ObjectSchema) -> list[MappingIssue]:
    """Every disagreement between one object's mapping and the CRM's description of it."""
    issues: list[MappingIssue] = []
    if schema.get(spec.cursor) is None:
        issues.append(
            MappingIssue(object_name, "(cursor)", spec.cursor, _missing(spec.cursor, schema))
        )
    for name, field_spec in spec.fields.items():
        if field_spec.from_ is None:
            continue  # associations are not fields of the object
        native = field_spec.from_.split(".", 1)[0]
        described = schema.get(native)
        if described is None:
            issues.append(MappingIssue(object_name, name, native, _missing(native, schema)))
            continue
        issues.extend(
            MappingIssue(object_name, name, native, message)
            for message in _disagreements(
                kind_of(object_name, name, field_spec), field_spec, described
            )
        )
    return issues


def _missing(native: str, schema: ObjectSchema) -> str:
    close = difflib.get_close_matches(native, list(schema.fields), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"{schema.crm} {schema.object_type} has no field {native!r}{hint}"


def _disagreements(kind: str, spec: FieldSpec, described: FieldSchema) -> list[str]:
    messages = []
    if spec.writable and not described.writable:
        messages.append("the mapping writes it but the CRM keeps it read-only")
    nested = spec.from_ is not None and "." in spec.from_
    if not nested and described.type not in COMPATIBLE[kind]:
        messages.append(f"a {described.type} field cannot hold {kind} values")
    if described.options is not None:
        offered = set(described.options)
        named = set(spec.values or {}) | set((spec.write_values or {}).values())
        unknown = sorted(named - offered)
        if unknown:
            messages.append(f"values {unknown} are not options of the field")
    return messages
