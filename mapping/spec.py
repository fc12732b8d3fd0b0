"""Mappings as validated data: which native field feeds each common field, and how.

A mapping file (the shipped defaults are in ``mapping/defaults/``)::

    crm: hubspot
    objects:
      contact:
        object: contacts          # the CRM's object type
        cursor: lastmodifieddate  # the native field incremental reads follow
        fields:
          email: {from: email, transforms: [strip, lower], writable: true}
          owner_id: {from: Owner.id}            # a path into a nested value
          company_id: {association: companies}  # ids of associated records
          stage: {from: dealstage, values: {closedwon: won}, other: open}
          custom.loyalty: {from: Loyalty__c, type: string}

Fields are read-only for crmsync unless ``writable: true``: only fields a mapping marks
writable (or the write-back config names) are ever written.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from mapping.model import ENTITIES, field_kinds
from mapping.transforms import TRANSFORMS
from mapping.values import Kind
from mapping.yamlsource import (
    Loc,
    Problem,
    ProblemsError,
    YamlDocument,
    parse_yaml,
    read_yaml,
    validation_problems,
    vocabulary,
)

CrmName = Literal["hubspot", "salesforce", "zoho", "csv"]
ObjectName = Literal["contact", "company", "deal"]
CUSTOM_PREFIX = "custom."


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class FieldSpec(_Strict):
    """How one common field is read from, and written to, the CRM."""

    from_: str | None = Field(default=None, alias="from", min_length=1)
    association: str | None = Field(default=None, min_length=1)
    via: str | None = None  # the junction object the connector reads it from, if any
    transforms: tuple[str, ...] = ()
    values: dict[str, str] | None = None
    other: str | None = None
    write_values: dict[str, str] | None = None
    type: Kind | None = None
    writable: bool = False

    @field_validator("transforms")
    @classmethod
    def _known_transforms(cls, names: tuple[str, ...]) -> tuple[str, ...]:
        for name in names:
            if name not in TRANSFORMS:
                close = difflib.get_close_matches(name, list(TRANSFORMS), n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                known = ", ".join(sorted(TRANSFORMS))
                raise ValueError(f"unknown transform {name!r}{hint}; known: {known}")
        return names

    @model_validator(mode="after")
    def _one_source(self) -> FieldSpec:
        if (self.from_ is None) == (self.association is None):
            raise ValueError("give exactly one of 'from' (a native field) or 'association'")
        if self.association and self.writable:
            raise ValueError("associations are read-only in a mapping")
        return self

    @property
    def native_root(self) -> str | None:
        """The top-level native field this reads (``Owner`` for ``Owner.id``)."""
        return self.from_.split(".", 1)[0] if self.from_ else None


class ObjectSpec(_Strict):
    """The mapping of one common object to one native object type."""

    object: str = Field(min_length=1)
    cursor: str = Field(min_length=1)
    fields: dict[str, FieldSpec]

    @field_validator("fields")
    @classmethod
    def _has_id_free_fields(cls, fields: dict[str, FieldSpec]) -> dict[str, FieldSpec]:
        if "id" in fields:
            raise ValueError("'id' is always the record's native id; do not map it")
        return fields


class MappingSpec(_Strict):
    """A whole mapping file."""

    crm: CrmName
    objects: dict[ObjectName, ObjectSpec]


class ObjectOverride(_Strict):
    """Per-object changes an admin makes to a shipped mapping (in the config file).

    A field given here replaces the shipped one whole; ``null`` removes it."""

    object: str | None = None
    cursor: str | None = None
    fields: dict[str, FieldSpec | None] = {}


def kind_of(object_name: str, field_name: str, spec: FieldSpec) -> str:
    """The common value kind of a mapped field (custom fields default to string)."""
    if field_name.startswith(CUSTOM_PREFIX):
        return spec.type or "string"
    return field_kinds(ENTITIES[object_name])[field_name]


def default_mapping_path(crm: str) -> Path:
    return Path(str(resources.files("mapping.defaults").joinpath(f"{crm}.yaml")))


def load_mapping(path: Path) -> tuple[MappingSpec, YamlDocument]:
    """Read and validate a mapping file; every problem is reported at once."""
    return validate_mapping(read_yaml(path))


def parse_mapping(text: str, file: str) -> tuple[MappingSpec, YamlDocument]:
    return validate_mapping(parse_yaml(text, file))


def validate_mapping(document: YamlDocument) -> tuple[MappingSpec, YamlDocument]:
    objects = document.data.get("objects") if isinstance(document.data, Mapping) else None
    problems = common_field_problems(objects, document, ("objects",))
    try:
        spec = MappingSpec.model_validate(document.data)
    except ValidationError as exc:
        problems += validation_problems(document, exc, vocabulary(MappingSpec))
    if problems:
        raise ProblemsError(sorted(problems, key=lambda p: p.line or 0))
    return spec, document


def apply_overrides(
    spec: MappingSpec, overrides: Mapping[ObjectName, ObjectOverride]
) -> MappingSpec:
    """The shipped mapping with an admin's overrides laid over it."""
    objects = dict(spec.objects)
    for object_name, override in overrides.items():
        base = objects.get(object_name)
        fields: dict[str, Any] = dict(base.fields) if base else {}
        for name, field_spec in override.fields.items():
            if field_spec is None:
                fields.pop(name, None)
            else:
                fields[name] = field_spec
        merged = {
            "object": override.object or (base.object if base else None),
            "cursor": override.cursor or (base.cursor if base else None),
            "fields": fields,
        }
        objects[object_name] = ObjectSpec.model_validate(merged)
    return MappingSpec.model_validate({"crm": spec.crm, "objects": objects})


def common_field_problems(objects: Any, document: YamlDocument, objects_loc: Loc) -> list[Problem]:
    """Fields named after no common field (custom ones are ``custom.<name>``), and types
    that contradict the common model. Works on raw YAML data too, so these problems are
    reported together with schema errors."""
    problems = []
    for object_name, spec in _items(objects):
        if object_name not in ENTITIES:
            continue  # reported by the schema
        kinds = field_kinds(ENTITIES[object_name])
        for name, field_spec in _items(_attr(spec, "fields")):
            loc = (*objects_loc, object_name, "fields", name)
            declared = _attr(field_spec, "type")
            if not isinstance(name, str):
                problems.append(document.problem(loc, "field names are text"))
            elif name.startswith(CUSTOM_PREFIX):
                if not name[len(CUSTOM_PREFIX) :].isidentifier():
                    problems.append(document.problem(loc, "custom field names are custom.<name>"))
            elif name not in kinds:
                close = difflib.get_close_matches(name, list(kinds), n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                message = f"{object_name} has no field {name!r}{hint}; name custom fields "
                problems.append(document.problem(loc, message + "'custom.<name>'"))
            elif declared is not None and declared != kinds[name]:
                message = f"is a {kinds[name]} in the common model, not {declared}"
                problems.append(document.problem(loc, message))
    return problems


def _items(value: Any) -> list[tuple[Any, Any]]:
    return list(value.items()) if isinstance(value, Mapping) else []


def _attr(value: Any, name: str) -> Any:
    return value.get(name) if isinstance(value, Mapping) else getattr(value, name, None)
