"""From the cleaned source base and the target as it is now to a :class:`MigrationPlan`.

Each entity has a migration key, stable across runs: a contact's e-mail, a company's domain,
else the source record's id. A target record is the entity's when the id map says so, or
when crmsync's source-id field holds one of the entity's source ids (the record was created by
an earlier run, even one killed before its id map was saved), or when its own e-mail or domain
is the key (a record that was there before the migration). Found records are updated only
where they differ; the others are created. Values are compared in the common model, so a
record migrated once compares equal the next time and a rerun plans nothing.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from email_validator import EmailNotValidError, validate_email

from connectors.types import FieldSchema, ObjectSchema, SourceRecord
from mapping.convert import CompiledMapping, ObjectConverter
from mapping.model import Entity
from mapping.spec import CUSTOM_PREFIX
from sync.migrate.clean import CleanBase, migration_key
from sync.migrate.plan import OBJECT_ORDER, Item, Link, MigrationPlan, Rejection
from sync.writeback import native_output_name

#: common fields a migration does not carry as values: bookkeeping the target sets itself,
#: owners (their ids differ between CRMs) and links (carried as links)
NOT_CARRIED = frozenset({"created_at", "updated_at", "owner_id", "company_id", "contact_ids"})
#: the links of each object: common field -> the object it points at
LINKS: dict[str, dict[str, str]] = {
    "contact": {"company_id": "company"},
    "company": {},
    "deal": {"company_id": "company", "contact_ids": "contact"},
}
#: written in a required text field the source has no value for
PLACEHOLDER = "[not provided]"
_TEXT = ("string", "text", "email", "phone", "url")


@dataclass
class TargetObject:
    """One object of the target as read before planning."""

    object_name: str
    converter: ObjectConverter
    schema: ObjectSchema
    source_id_field: str  # crmsync's field holding the source id of records it created
    records: dict[str, tuple[SourceRecord, Entity]] = field(default_factory=dict)

    def index(self) -> tuple[dict[str, str], dict[str, str]]:
        """source-id field value -> target id, and natural key -> target id."""
        by_source: dict[str, str] = {}
        by_key: dict[str, str] = {}
        for target_id, (record, entity) in sorted(self.records.items()):
            mark = record.fields.get(self.source_id_field)
            if mark:
                by_source.setdefault(str(mark), target_id)
            key = migration_key(self.object_name, entity)
            if not key.startswith("source:"):
                by_key.setdefault(key, target_id)
        return by_source, by_key


def source_id_field(target_kind: str) -> FieldSchema:
    """crmsync's field in the target holding each created record's source id."""
    return FieldSchema(
        native_output_name(target_kind, "source_id"),
        "string",
        True,
        label="crmsync source id",
        max_length=255,
        custom=True,
    )


def source_mark(source_kind: str, source_id: str) -> str:
    """What crmsync writes in the target's source-id field."""
    return f"{source_kind}:{source_id}"


def make_migration_plan(
    clean: CleanBase,
    source_kind: str,
    source_mapping: CompiledMapping,
    target: Mapping[str, TargetObject],
    *,
    target_kind: str,
    id_map: Mapping[str, Mapping[str, str]],
    now: datetime,
    extend_picklists: bool = False,
) -> MigrationPlan:
    """``extend_picklists``: the target can take new options in its custom picklists (the
    migration adds them before writing) rather than refusing values outside them."""
    records: dict[str, Sequence[Entity]] = {
        "contact": clean.base.contacts,
        "company": clean.base.companies,
        "deal": clean.base.deals,
    }
    keys = {name: {r.id: migration_key(name, r) for r in records[name]} for name in records}
    matched: dict[str, dict[str, str]] = {}  # object -> source id -> target id
    new_options: dict[str, dict[str, list[str]]] = {}
    items: list[Item] = []
    rejections: list[Rejection] = []
    unmapped: Counter[str] = Counter()
    counts: dict[str, dict[str, int]] = {}
    for object_name in OBJECT_ORDER:
        if object_name not in target:
            continue
        place = target[object_name]
        planner = _ObjectPlanner(place, source_kind, id_map.get(object_name, {}), extend_picklists)
        unchanged = 0
        for record in records[object_name]:
            key = keys[object_name][record.id]
            source_ids = clean.merged_ids(object_name, record.id)
            target_id = planner.find(key, source_ids)
            if target_id is not None:
                matched.setdefault(object_name, {}).update(dict.fromkeys(source_ids, target_id))
            item, refused = planner.item(record, key, source_ids, target_id)
            links = _links(object_name, record, keys, matched, place, target_id)
            rejections += refused + _dropped_links(place, key, links)
            links = tuple(_first_only(place, link) for link in links)
            if item is None:
                continue
            if target_id is not None and not item.fields and not links:
                unchanged += 1
                continue
            items.append(_with_links(item, links))
        for record in records[object_name]:
            unmapped.update(_unmapped(object_name, record, source_mapping, place))
        for native_name, options in sorted(planner.new_options.items()):
            if options:
                new_options.setdefault(object_name, {})[native_name] = sorted(options)
        merged = clean.merged.get(object_name, 0)
        counts[object_name] = {
            "read": len(records[object_name]) + merged,
            "merged": merged,
            "unchanged": unchanged,
        }
    return MigrationPlan(
        source_kind,
        target_kind,
        now.isoformat(),
        tuple(items),
        tuple(rejections),
        dict(sorted(unmapped.items())),
        counts,
        matched,
        new_options,
    )


class _ObjectPlanner:
    def __init__(
        self,
        place: TargetObject,
        source_kind: str,
        id_map: Mapping[str, str],
        extend_picklists: bool,
    ):
        self.place = place
        self.extend_picklists = extend_picklists
        self.source_kind = source_kind
        self.id_map = id_map
        self.by_source, self.by_key = place.index()
        #: native field -> options a custom picklist of the target lacks (added before writing)
        self.new_options: dict[str, set[str]] = {}
        converter = place.converter
        # a reference field carries its link; a value read from it (Zoho's account name on a
        # contact) follows the link and is not written on its own
        references = {
            converter.native_name(name)
            for name in LINKS[place.object_name]
            if (spec := converter.field_spec(name)) is not None and spec.from_ is not None
        }
        self.carried = [
            name
            for name, spec in converter.spec.fields.items()
            if spec.from_ is not None
            and name not in NOT_CARRIED
            and converter.native_name(name) not in references
            and _writable(place, name)
        ]

    def find(self, key: str, source_ids: Sequence[str]) -> str | None:
        for source_id in source_ids:
            mapped = self.id_map.get(source_id)
            if mapped in self.place.records:
                return mapped
        for source_id in source_ids:
            marked = self.by_source.get(source_mark(self.source_kind, source_id))
            if marked is not None:
                return marked
        return self.by_key.get(key)

    def item(
        self, record: Any, key: str, source_ids: tuple[str, ...], target_id: str | None
    ) -> tuple[Item | None, list[Rejection]]:
        """The item for one entity (``None`` when a required value is missing), and the
        values the target would refuse."""
        place = self.place
        existing = place.records[target_id][1] if target_id is not None else None
        fields: dict[str, Any] = {}
        refused: list[Rejection] = []
        for name in self.carried:
            value = _value(record, name)
            if value is None or value == frozenset():
                continue
            if existing is not None:
                current = place.converter.get(existing, name)
                if isinstance(value, frozenset) and isinstance(current, frozenset):
                    if value <= current:
                        continue
                    value = value | current  # never drop tags people gave the record
                elif value == current:
                    continue
            native = {
                k: _json_safe(v) for k, v in place.converter.to_new_record({name: value}).items()
            }
            native = _scalars(place.schema, native)
            problem = _refusal(
                place.schema, native, self.new_options if self.extend_picklists else None
            )
            if problem is not None:
                refused.append(Rejection(place.object_name, key, name, _plain(value), problem))
                continue
            fields.update(native)
        if existing is None:
            fields[place.source_id_field] = source_mark(self.source_kind, record.id)
            missing = self._fill_required(fields, key, refused)
            if missing:
                return None, refused
        return Item(place.object_name, key, source_ids, target_id, fields), refused

    def _fill_required(self, fields: dict[str, Any], key: str, refused: list[Rejection]) -> bool:
        """Fill required text fields the source lacks; True if another kind is missing (the
        target would refuse the record: it is left out, and said so)."""
        place = self.place
        linked = {
            place.converter.native_name(name)
            for name in LINKS[place.object_name]
            if (spec := place.converter.field_spec(name)) and spec.from_
        }
        for schema in place.schema.fields.values():
            if not schema.required or not schema.writable or schema.name in fields:
                continue
            if schema.name in linked:
                continue
            if schema.type in _TEXT:
                fields[schema.name] = PLACEHOLDER
                refused.append(
                    Rejection(place.object_name, key, schema.name, None, "is required", PLACEHOLDER)
                )
            else:
                refused.append(
                    Rejection(
                        place.object_name,
                        key,
                        schema.name,
                        None,
                        "is required and the source has none: record not migrated",
                    )
                )
                return True
        return False


def _writable(place: TargetObject, name: str) -> bool:
    schema = place.schema.get(place.converter.native_name(name))
    return schema is not None and schema.writable


def _value(record: Any, name: str) -> Any:
    if name.startswith(CUSTOM_PREFIX):
        return record.custom.get(name[len(CUSTOM_PREFIX) :])
    return getattr(record, name, None)


def _refusal(
    schema: ObjectSchema, native: Mapping[str, Any], new_options: dict[str, set[str]] | None
) -> str | None:
    """Why the target would refuse these native values, if it would. With ``new_options``,
    values outside a custom picklist are not refused: they go there, for the migration to
    add."""
    for name, value in native.items():
        described = schema.get(name)
        if described is None:
            return f"has no field {name!r} in the target"
        if new_options is not None and described.custom and described.options is not None:
            new_options.setdefault(name, set()).update(
                set(_choices(value)) - set(described.options)
            )
            described = dataclasses.replace(described, options=None)
        problem = _field_refusal(described, value)
        if problem:
            return problem
    return None


def _scalars(schema: ObjectSchema, native: dict[str, Any]) -> dict[str, Any]:
    """One value where the target field holds one (a set of one e-mail into Zoho's
    ``Secondary_Email``)."""
    for name, value in native.items():
        described = schema.get(name)
        single = described is not None and described.type in _TEXT
        if single and isinstance(value, list) and len(value) == 1:
            native[name] = value[0]
    return native


def _choices(value: Any) -> list[str]:
    """The options a picklist value names (a multi-select's are a list or ;-joined)."""
    return [str(v) for v in value] if isinstance(value, list) else str(value).split(";")


def _field_refusal(schema: FieldSchema, value: Any) -> str | None:
    if isinstance(value, list) and schema.type in _TEXT:
        if len(value) > 1:
            return f"are {len(value)} values; {schema.name} holds one"
        value = value[0] if value else None
    if schema.options is not None and schema.type in ("enum", "multienum"):
        outside = [v for v in _choices(value) if v not in schema.options]
        if outside:
            return f"is not among the {len(schema.options)} options of {schema.name}"
    if schema.type == "email" and isinstance(value, str) and not _is_address(value):
        return f"is not an e-mail address {schema.name} accepts"
    too_long = isinstance(value, str) and len(value) > (schema.max_length or len(value))
    if too_long:
        return f"is longer than {schema.name}'s {schema.max_length} characters"
    return None


def _is_address(text: str) -> bool:
    try:
        validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def _links(
    object_name: str,
    record: Any,
    present: Mapping[str, Mapping[str, str]],
    matched: Mapping[str, Mapping[str, str]],
    place: TargetObject,
    target_id: str | None,
) -> tuple[Link, ...]:
    """The links the target record lacks, to migrated records (by their source ids)."""
    links = []
    existing = place.records[target_id][1] if target_id is not None else None
    for name, other in LINKS[object_name].items():
        if place.converter.field_spec(name) is None:
            continue
        value = getattr(record, name)
        ids = value if isinstance(value, tuple) else ((value,) if value else ())
        wanted = tuple(i for i in ids if i in present[other])
        if place.converter.field_spec(name).from_ is not None:  # type: ignore[union-attr]
            wanted = wanted[:1] if existing is not None else wanted  # see _first_only
        if existing is not None:
            current = getattr(existing, name)
            have = set(current if isinstance(current, tuple) else (current,))
            wanted = tuple(i for i in wanted if matched.get(other, {}).get(i) not in have)
        if wanted:
            links.append(Link(name, other, wanted))
    return tuple(links)


def _reference(place: TargetObject, link: Link) -> str | None:
    """The reference field a link is written to (None for an association)."""
    spec = place.converter.field_spec(link.field)
    return place.converter.native_name(link.field) if spec and spec.from_ else None


def _first_only(place: TargetObject, link: Link) -> Link:
    """A reference field holds one record: the first (the primary contact of a deal)."""
    if _reference(place, link) is None or len(link.source_ids) < 2:
        return link
    return Link(link.field, link.object_name, link.source_ids[:1])


def _dropped_links(place: TargetObject, key: str, links: Sequence[Link]) -> list[Rejection]:
    return [
        Rejection(
            place.object_name,
            key,
            link.field,
            list(link.source_ids[1:]),
            f"{_reference(place, link)} holds one record: links to the others not made",
        )
        for link in links
        if _reference(place, link) is not None and len(link.source_ids) > 1
    ]


def _with_links(item: Item, links: tuple[Link, ...]) -> Item:
    return Item(item.object_name, item.key, item.source_ids, item.target_id, item.fields, links)


def _unmapped(
    object_name: str, record: Any, source_mapping: CompiledMapping, place: TargetObject
) -> Iterable[str]:
    """The source fields holding a value that the target mapping has no place for."""
    if object_name not in source_mapping.objects:
        return
    for name in source_mapping[object_name].spec.fields:
        if name in NOT_CARRIED - {"owner_id"} or name in LINKS[object_name]:
            continue
        value = _value(record, name)
        if value is None or value == frozenset() or value == ():
            continue
        if name == "owner_id":
            yield f"{object_name}.owner_id (owners differ between CRMs)"
        elif place.converter.field_spec(name) is None:
            yield f"{object_name}.{name}"
        elif not _writable(place, name):
            yield f"{object_name}.{name} (read-only in the target)"


def _json_safe(value: Any) -> Any:
    """A native value as JSON carries it (the plan file, the journal, the request body)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, frozenset):
        return sorted(value)
    if isinstance(value, int | float | str | bool) or value is None:
        return value
    return str(value)
