"""Execute a migration plan: create and update records in the target, object by object.

Companies go first, then contacts, then deals, so every link points at a record that exists.
Per batch: journal what will be created or changed, write through the connector, then save
the new records in the id map (source id -> target id) and mark the journal. A created record
carries its source id in crmsync's source-id field, so a run killed between the write and the
id map still finds the record next time and never creates it twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from connectors.types import Connector, NewRecord, RecordOutcome, RecordUpdate, WriteResult
from mapping.convert import ObjectConverter
from sync.migrate.plan import OBJECT_ORDER, Item, MigrationPlan
from sync.state import JournalEntry, StateStore

log = logging.getLogger(__name__)
BATCH = 500  # records journalled and written per step; connectors split to their API maximum
CREATE = "(create)"
LINKS = "(links)"
#: a create the CRM may have carried out although no answer said so
UNKNOWN = frozenset({"OUTCOME_UNKNOWN"})

Progress = Callable[[str, int, int], None]  # object name, done, total


@dataclass
class MigrationReport:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    failed: list[str] = field(default_factory=list)  # "contact email:x: CODE message"
    requests: int = 0

    def counts(self) -> dict[str, int]:
        return {
            "created": sum(self.created.values()),
            "updated": sum(self.updated.values()),
            "failed": len(self.failed),
            "requests": self.requests,
        }


def apply_migration(
    plan: MigrationPlan,
    connector: Connector,
    converters: Mapping[str, ObjectConverter],
    store: StateStore,
    *,
    migration: str,
    run_id: str,
    progress: Progress | None = None,
) -> MigrationReport:
    report = MigrationReport()
    #: object -> source id -> target id, of the entities the target holds (growing as we go)
    target_ids: dict[str, dict[str, str]] = {name: {} for name in OBJECT_ORDER}
    for object_name, pairs in plan.matched.items():  # found in the target: known from now on
        store.save_id_map(migration, object_name, pairs, run_id)
        target_ids[object_name].update(pairs)
    writer = _Writer(connector, store, migration, run_id, report, target_ids)
    for object_name in OBJECT_ORDER:
        items = [i for i in plan.items if i.object_name == object_name]
        if not items:
            continue
        converter = converters[object_name]
        for start in range(0, len(items), BATCH):
            batch = items[start : start + BATCH]
            writer.create(converter, [i for i in batch if i.creates])
            writer.update(converter, [i for i in batch if not i.creates])
            if progress:
                progress(object_name, start + len(batch), len(items))
    return report


@dataclass
class _Writer:
    connector: Connector
    store: StateStore
    migration: str
    run_id: str
    report: MigrationReport
    target_ids: dict[str, dict[str, str]]

    def create(self, converter: ObjectConverter, items: Sequence[Item]) -> None:
        if not items:
            return
        native = converter.native_object
        entries = [JournalEntry(native, i.key, CREATE, None, i.fields) for i in items]
        journal_ids = self.store.journal(self.run_id, self.migration, entries)
        records = [self._new_record(converter, i) for i in items]
        result = self.connector.create(native, records)
        self.report.requests += result.requests
        pairs: dict[str, str] = {}
        written = []
        for item, outcome, entry_id in zip(items, result.outcomes, journal_ids, strict=True):
            if outcome.ok:
                pairs.update(dict.fromkeys(item.source_ids, outcome.id))
                written.append(entry_id)
                if outcome.error_code:  # created, but some of its links were refused
                    self._failed(item, outcome.error_code, outcome.message)
            else:
                self._failed(item, outcome.error_code, outcome.message)
                self.store.mark_journal([entry_id], "failed", outcome.message)
        self.store.save_id_map(self.migration, items[0].object_name, pairs, self.run_id)
        self.target_ids[items[0].object_name].update(pairs)
        self.store.mark_journal(written, "written")
        name = items[0].object_name
        self.report.created[name] = self.report.created.get(name, 0) + len(written)

    def update(self, converter: ObjectConverter, items: Sequence[Item]) -> None:
        if not items:
            return
        native = converter.native_object
        updates: list[RecordUpdate] = []
        associations: dict[str, dict[str, tuple[str, ...]]] = {}
        for item in items:
            assert item.target_id is not None
            fields, linked = self._resolved_links(converter, item)
            if item.fields or fields:
                updates.append(RecordUpdate(item.target_id, {**item.fields, **fields}))
            if linked:
                associations[item.target_id] = linked
        entries = [
            JournalEntry(native, u.id, name, None, value)
            for u in updates
            for name, value in u.fields.items()
        ] + [JournalEntry(native, i, LINKS, None, dict(a)) for i, a in associations.items()]
        journal_ids = self.store.journal(self.run_id, self.migration, entries)
        failed: list[RecordOutcome] = []
        if updates:
            failed += self._sent(self.connector.write(native, updates))
        if associations:
            failed += self._sent(self.connector.associate(native, associations))
        by_id = {i.target_id: i for i in items}
        for outcome in failed:
            self._failed(by_id[outcome.id], outcome.error_code, outcome.message)
        ok = not failed
        self.store.mark_journal(journal_ids, "written" if ok else "failed")
        name = items[0].object_name
        self.report.updated[name] = self.report.updated.get(name, 0) + len(items)

    def _sent(self, result: WriteResult) -> tuple[RecordOutcome, ...]:
        self.report.requests += result.requests
        return result.failed

    def _new_record(self, converter: ObjectConverter, item: Item) -> NewRecord:
        fields, associations = self._resolved_links(converter, item)
        return NewRecord({**item.fields, **fields}, associations)

    def _resolved_links(
        self, converter: ObjectConverter, item: Item
    ) -> tuple[dict[str, Any], dict[str, tuple[str, ...]]]:
        """An item's links as native field values (reference fields) and associations, with
        the target ids of the linked records; links to records that failed are dropped."""
        fields: dict[str, Any] = {}
        associations: dict[str, tuple[str, ...]] = {}
        for link in item.links:
            known = self.target_ids[link.object_name]
            ids = tuple(dict.fromkeys(known[i] for i in link.source_ids if i in known))
            spec = converter.field_spec(link.field)
            if not ids or spec is None:
                continue
            if spec.association is not None:
                associations[spec.association] = ids
            else:  # a reference field holds one record
                fields.update(converter.to_new_record({link.field: ids[0]}))
        return fields, associations

    def _failed(self, item: Item, code: str | None, message: str | None) -> None:
        if code in UNKNOWN:
            message = f"{message or ''} (it may exist: the next run finds it by its source id)"
        text = f"{item.object_name} {item.key}: {code or 'error'} {message or ''}".strip()
        log.warning("migration write failed: %s", text)
        self.report.failed.append(text)
