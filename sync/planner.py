"""plan: run the rules over the mirror and diff what they want against what the CRM holds.

A change is planned only where the normalised values differ, so a record crmsync already
wrote plans nothing (the CRM's own normalisation of a value is undone by reading it back
through the mapping before comparing). Tags are sets: only tags in crmsync's namespace are
added or removed, a person's tags never. Only fields the write-back config names, or that the
mapping marks writable, are ever planned.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any

from connectors.types import SourceRecord
from mapping.convert import CompiledMapping, ObjectConverter, ValueIssue
from mapping.model import Company, Contact, Deal
from mapping.values import normalise
from sync.plan import FieldChange, Plan, RecordChange, TagChange, TaskChange, json_value
from sync.rules.base import CustomerBase, Output, RuleRun, TaskSpec
from sync.state import StateStore
from sync.writeback import WriteBack

UTC = timezone.utc


@dataclass
class Mirror:
    """The mirror's live records of each object, native and as the common model."""

    records: dict[str, dict[str, SourceRecord]] = field(default_factory=dict)
    base: CustomerBase = field(default_factory=lambda: CustomerBase([]))
    issues: list[ValueIssue] = field(default_factory=list)


def load_mirror(
    store: StateStore, job: str, mapping: CompiledMapping, objects: Iterable[str]
) -> Mirror:
    mirror = Mirror()
    entities: dict[str, list[Any]] = {"contact": [], "company": [], "deal": []}
    for object_name in objects:
        converter = mapping[object_name]
        natives = {r.id: r for r in store.records(job, converter.native_object)}
        mirror.records[object_name] = natives
        entities[object_name] = [converter.to_common(r, mirror.issues) for r in natives.values()]
    contacts: list[Contact] = entities["contact"]
    companies: list[Company] = entities["company"]
    deals: list[Deal] = entities["deal"]
    mirror.base = CustomerBase(contacts, companies, deals)
    return mirror


def make_plan(
    run: RuleRun,
    mirror: Mirror,
    mapping: CompiledMapping,
    write_back: WriteBack,
    *,
    job: str,
    crm: str,
    now: datetime,
    done_tasks: set[str] | frozenset[str] = frozenset(),
    crm_fields: Mapping[str, set[str]] | None = None,
) -> Plan:
    """The frozen plan for what ``run`` wants over ``mirror``; tasks whose key is in
    ``done_tasks`` were created by an earlier run and are not planned again."""
    conflicted = {(c.object_name, c.record_id, c.field) for c in run.conflicts}
    problems = [f"rule conflict, not written: {c}" for c in run.conflicts]
    by_record: dict[tuple[str, str], list[Output]] = defaultdict(list)
    for output in run.outputs:
        by_record[(output.object_name, output.record_id)].append(output)
    unwritable: set[tuple[str, str]] = set()
    if crm_fields is not None:
        write_back, missing = write_back.present_in(crm_fields)
        problems += [
            f"not written: {o}.{n} has no field {f!r} in the CRM (run `crmsync "
            "provision`; in Salesforce also grant field-level security)"
            for o, n, f in missing
        ]
    taken = _emails_in_use(mirror.base)
    changes = []
    for object_name, records in mirror.records.items():
        converter = mapping[object_name]
        entities = {e.id: e for e in _entities(mirror.base, object_name)}
        for record_id, record in records.items():
            outputs = by_record.get((object_name, record_id), [])
            outputs, clashes = _without_email_clashes(object_name, record_id, outputs, taken)
            problems += clashes
            change = _record_change(
                object_name,
                record,
                entities[record_id],
                outputs,
                converter,
                write_back,
                conflicted,
                unwritable,
            )
            if change is not None:
                changes.append(change)
    problems += [
        f"not written: no write-back field or writable mapping for {o}.{n}"
        for o, n in sorted(unwritable)
    ]
    tasks = _tasks(run.outputs, mapping) if write_back.create_tasks else []
    tasks = [t for t in tasks if t.key not in done_tasks]
    return Plan(
        job=job,
        crm=crm,
        planned_at=datetime.now(UTC).isoformat(),
        now=now.isoformat(),
        changes=tuple(changes),
        tasks=tuple(tasks),
        problems=tuple(problems),
    )


def _emails_in_use(base: CustomerBase) -> dict[str, set[str]]:
    """Lower-cased e-mail -> ids of the contacts that hold it now."""
    taken: dict[str, set[str]] = defaultdict(set)
    for contact in base.contacts:
        if contact.email:
            taken[contact.email.strip().lower()].add(contact.id)
    return taken


def _without_email_clashes(
    object_name: str, record_id: str, outputs: list[Output], taken: Mapping[str, set[str]]
) -> tuple[list[Output], list[str]]:
    """Drop an e-mail fix that would give a contact another contact's e-mail: CRMs that key
    contacts by e-mail refuse it, and two records with one address are a duplicate to merge,
    not to write (the duplicate rules report it)."""
    if object_name != "contact":
        return outputs, []
    kept, problems = [], []
    for output in outputs:
        if output.target == "field" and output.name == "email" and isinstance(output.value, str):
            others = taken.get(output.value.strip().lower(), set()) - {record_id}
            if others:
                problems.append(
                    f"contact {record_id}: e-mail not changed to {output.value!r}, "
                    f"which contact {min(others)} already has"
                )
                continue
        kept.append(output)
    return kept, problems


def _entities(base: CustomerBase, object_name: str) -> Iterable[Any]:
    return {"contact": base.contacts, "company": base.companies, "deal": base.deals}[object_name]


def _record_change(
    object_name: str,
    record: SourceRecord,
    entity: Any,
    outputs: list[Output],
    converter: ObjectConverter,
    write_back: WriteBack,
    conflicted: set[tuple[str, str, str]],
    unwritable: set[tuple[str, str]],
) -> RecordChange | None:
    fields: dict[str, FieldChange] = {}
    wanted_tags: dict[str, Output] = {}
    for output in outputs:
        if output.target == "tag":
            wanted_tags.setdefault(write_back.tag(output.name), output)
        elif output.target == "field" and (object_name, record.id, output.name) not in conflicted:
            if not _writable(output.name, converter, write_back):
                unwritable.add((object_name, output.name))
                continue
            change = _field_change(record, entity, output, converter, write_back)
            if change is not None:
                fields.setdefault(change.native_field, change)
    set_by_rules = {o.name for o in outputs if o.target == "field"}
    for name, native_name in write_back.outputs.get(object_name, {}).items():
        # (a checkbox is never empty: false is its blank)
        stale = record.fields.get(native_name) not in (None, "", [], False)
        if stale and name not in set_by_rules and native_name not in fields:
            fields[native_name] = FieldChange(
                name, native_name, record.fields[native_name], None,
                "(no rule sets it)", "no longer applies",
            )  # fmt: skip
    current_tags = frozenset(getattr(entity, "tags", frozenset()))
    ours = {t for t in current_tags if write_back.owns(t)}
    tags_add = tuple(
        TagChange(t, o.rule, o.reason)
        for t, o in sorted(wanted_tags.items())
        if t not in current_tags
    )
    tags_remove = tuple(
        TagChange(t, "(no rule wants it)", "no longer applies")
        for t in sorted(ours - set(wanted_tags))
    )
    if not fields and not tags_add and not tags_remove:
        return None
    return RecordChange(
        object_name=object_name,
        native_object=record.object_type,
        record_id=record.id,
        updated_at=record.updated_at.isoformat(),
        fields=tuple(fields.values()),
        tags_add=tags_add,
        tags_remove=tags_remove,
        current_tags=tuple(sorted(current_tags)),
    )


def _writable(name: str, converter: ObjectConverter, write_back: WriteBack) -> bool:
    native = write_back.native_field(converter.object_name, name)
    return native is not None or name in converter.writable_fields()


def _field_change(
    record: SourceRecord,
    entity: Any,
    output: Output,
    converter: ObjectConverter,
    write_back: WriteBack,
) -> FieldChange | None:
    """The change for one (writable) field output; None when the CRM already holds it."""
    native_name = write_back.native_field(converter.object_name, output.name)
    if native_name is not None:
        before = record.fields.get(native_name)
        after = write_back.native_value(output.value)
        if same_value(before, output.value):
            return None
        return FieldChange(
            output.name, native_name, _jsonable(before), after, output.rule, output.reason
        )
    # a writable field of the mapping: compare what the CRM would hold after the write,
    # read back through the mapping, with what it holds now
    current = converter.get(entity, output.name)
    native = converter.to_native({output.name: output.value})
    read_back = converter.to_common(
        SourceRecord(record.object_type, record.id, {**record.fields, **native}, record.updated_at)
    )
    if converter.get(read_back, output.name) == current:
        return None
    root = converter.native_name(output.name)
    return FieldChange(
        output.name,
        root,
        _jsonable(record.fields.get(root)),
        _jsonable(native[root]),
        output.rule,
        output.reason,
    )


def same_value(native_before: Any, wanted: Any) -> bool:
    """Whether the CRM's value already is ``wanted``, compared as ``wanted``'s kind."""
    kind = _kind_of(wanted)
    try:
        return bool(normalise(kind, native_before) == normalise(kind, wanted))
    except ValueError:
        return False


def _kind_of(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, Decimal):
        return "decimal"
    if isinstance(value, datetime):
        return "datetime"
    if isinstance(value, date):
        return "date"
    if isinstance(value, set | frozenset | list | tuple):
        return "set"
    return "string"


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return json_value(value)


def _tasks(outputs: Iterable[Output], mapping: CompiledMapping) -> list[TaskChange]:
    tasks: dict[str, TaskChange] = {}
    for output in outputs:
        if output.target != "task" or not isinstance(output.value, TaskSpec):
            continue
        spec: TaskSpec = output.value
        tasks.setdefault(
            output.name,
            TaskChange(
                key=output.name,
                subject=spec.subject,
                due=spec.due.astimezone(UTC).isoformat(),
                owner_id=spec.owner_id,
                related_object=mapping[output.object_name].native_object,
                related_id=output.record_id,
                priority=spec.priority,
                body=spec.body,
                rule=output.rule,
                reason=output.reason,
            ),
        )
    return list(tasks.values())
