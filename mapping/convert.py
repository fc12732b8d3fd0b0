"""Converting records between a CRM's native shape and the common model, driven by a
:class:`~mapping.spec.MappingSpec` compiled once.

``to_common`` never raises on a bad value from the CRM: the field becomes ``None`` (or empty)
and a :class:`ValueIssue` says which record, field and why, so one malformed record cannot
stop a sync. ``to_native`` produces only fields the mapping marks writable.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import reduce
from types import MappingProxyType
from typing import Any

from connectors.types import SourceRecord
from mapping.model import ENTITIES, Entity, Provenance
from mapping.spec import CUSTOM_PREFIX, FieldSpec, MappingSpec, ObjectSpec, kind_of
from mapping.transforms import TRANSFORMS
from mapping.values import normalise


@dataclass(frozen=True, slots=True)
class ValueIssue:
    """A native value that could not be read as its common field's kind."""

    object_type: str
    record_id: str
    field: str
    native_field: str
    reason: str


@dataclass(frozen=True, slots=True)
class _FieldPlan:
    name: str  # common field name, or custom.<name>
    kind: str
    spec: FieldSpec
    path: tuple[str, ...]  # native path, () for associations

    def read(self, record: SourceRecord) -> Any:
        spec = self.spec
        if spec.association is not None:
            value: Any = record.associations.get(spec.association, ())
            return value[0] if value and self.kind == "string" else value
        value = record.fields.get(self.path[0])
        for part in self.path[1:]:
            value = value.get(part) if isinstance(value, Mapping) else None
        for name in spec.transforms:
            if value is not None:
                value = TRANSFORMS[name].read(value)
        if spec.values is not None and isinstance(value, str):
            value = spec.values.get(value, spec.other if spec.other is not None else value)
        return normalise(self.kind, value)

    def write(self, value: Any) -> Any:
        spec = self.spec
        if value is not None and spec.values is not None:
            reverse = spec.write_values or _invert(spec.values)
            value = reverse.get(value, value)
        for name in reversed(spec.transforms):
            if value is not None:
                value = TRANSFORMS[name].write(value)
        if isinstance(value, frozenset | set):
            value = sorted(value)
        elif isinstance(value, tuple):
            value = list(value)
        return value


def _invert(values: Mapping[str, str]) -> dict[str, str]:
    """common -> native, the first native value listed for each common value."""
    inverted: dict[str, str] = {}
    for native, common in values.items():
        inverted.setdefault(common, native)
    return inverted


class ObjectConverter:
    """Converts one object type (e.g. HubSpot ``contacts`` <-> :class:`Contact`)."""

    def __init__(self, crm: str, object_name: str, spec: ObjectSpec):
        self.crm = crm
        self.object_name = object_name
        self.spec = spec
        self.entity = ENTITIES[object_name]
        self._plans = tuple(
            _FieldPlan(
                name,
                kind_of(object_name, name, field_spec),
                field_spec,
                tuple(field_spec.from_.split(".")) if field_spec.from_ else (),
            )
            for name, field_spec in spec.fields.items()
        )
        self._by_name = {plan.name: plan for plan in self._plans}

    @property
    def native_object(self) -> str:
        return self.spec.object

    def native_fields(self) -> list[str]:
        """Top-level native fields to read, the cursor field included, without repeats."""
        names = {p.path[0]: None for p in self._plans if p.path}
        names.setdefault(self.spec.cursor, None)
        return list(names)

    def associations(self) -> list[str]:
        """Native object types whose associated ids the mapping reads."""
        return [p.spec.association for p in self._plans if p.spec.association]

    def writable_fields(self) -> list[str]:
        return [p.name for p in self._plans if p.spec.writable]

    def native_name(self, field_name: str) -> str:
        """The native field a common field is written to (its top-level name)."""
        return self._by_name[field_name].path[0]

    def to_common(self, record: SourceRecord, issues: list[ValueIssue] | None = None) -> Entity:
        values: dict[str, Any] = {}
        custom: dict[str, Any] = {}
        for plan in self._plans:
            try:
                value = plan.read(record)
            except (ValueError, TypeError) as exc:
                if issues is not None:
                    native = ".".join(plan.path) or str(plan.spec.association)
                    issues.append(
                        ValueIssue(self.spec.object, record.id, plan.name, native, str(exc))
                    )
                value = normalise(plan.kind, None)
            if plan.name.startswith(CUSTOM_PREFIX):
                custom[plan.name[len(CUSTOM_PREFIX) :]] = value
            else:
                values[plan.name] = value
        source = Provenance(self.crm, record.object_type, record.id, record.updated_at)
        return self.entity(id=record.id, custom=MappingProxyType(custom), source=source, **values)

    def to_native(self, changes: Mapping[str, Any]) -> dict[str, Any]:
        """Common field -> value changes as a native record body. Raises ``KeyError`` for a
        field the mapping does not have and ``PermissionError`` for one it does not let
        crmsync write."""
        for name in changes:
            if not self._by_name[name].spec.writable:
                raise PermissionError(f"{self.object_name}.{name} is not writable in the mapping")
        return self.to_new_record(changes)

    def to_new_record(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """Common field -> value as the native body of a record crmsync creates (a
        migration): any field read from a native field, whether or not sync may write it
        back. Raises ``KeyError`` for a field the mapping does not have and ``ValueError``
        for one read from an association (those are links, not fields)."""
        native: dict[str, Any] = {}
        for name, value in values.items():
            plan = self._by_name[name]
            if not plan.path:
                raise ValueError(f"{self.object_name}.{name} is an association, not a field")
            _set_path(native, plan.path, plan.write(value))
        return native

    def field_spec(self, field_name: str) -> FieldSpec | None:
        """How a common field is mapped (None if it is not)."""
        plan = self._by_name.get(field_name)
        return None if plan is None else plan.spec

    def get(self, entity: Entity, field_name: str) -> Any:
        """A mapped field's value on a common record (custom fields included)."""
        if field_name.startswith(CUSTOM_PREFIX):
            return entity.custom.get(field_name[len(CUSTOM_PREFIX) :])
        return getattr(entity, field_name)


def _set_path(target: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    parent = reduce(lambda node, key: node.setdefault(key, {}), path[:-1], target)
    parent[path[-1]] = value


class CompiledMapping:
    """A whole mapping, compiled: one :class:`ObjectConverter` per common object."""

    def __init__(self, spec: MappingSpec):
        self.spec = spec
        self.objects: dict[str, ObjectConverter] = {
            name: ObjectConverter(spec.crm, name, object_spec)
            for name, object_spec in spec.objects.items()
        }

    def __getitem__(self, object_name: str) -> ObjectConverter:
        return self.objects[object_name]
