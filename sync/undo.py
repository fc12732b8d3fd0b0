"""undo: put back the values a run changed, from its journal.

A field is restored only where the CRM still holds what the run wrote; a value someone
changed since is left alone and reported. Tags the run added are removed and tags it removed
are added back, again only while nobody has changed them since.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from connectors.types import Connector, RecordUpdate
from mapping.convert import CompiledMapping, ObjectConverter
from sync.apply import TAGS
from sync.planner import same_value
from sync.state import JournalEntry, StateStore

BATCH = 100


@dataclass
class UndoReport:
    restored: int = 0
    failed: int = 0
    skipped: list[str] = field(default_factory=list)  # "record field: why"
    refused: list[str] = field(default_factory=list)  # "record field: what the CRM said"

    def counts(self) -> dict[str, int]:
        return {"restored": self.restored, "failed": self.failed, "skipped": len(self.skipped),
                "refused": len(self.refused)}


def undo_run(
    undone_run: str,
    connector: Connector,
    store: StateStore,
    mapping: CompiledMapping,
    *,
    job: str,
    run_id: str,
) -> UndoReport:
    """Restore what ``undone_run`` wrote, recording the restores under ``run_id``."""
    report = UndoReport()
    by_record: dict[tuple[str, str], list[tuple[int, JournalEntry]]] = defaultdict(list)
    for entry_id, entry in store.journal_of_run(undone_run):
        if entry.status == "written" and not entry.field.startswith("task:"):
            by_record[(entry.object_type, entry.record_id)].append((entry_id, entry))
    converters = {c.native_object: c for c in mapping.objects.values()}
    objects = sorted({object_type for object_type, _ in by_record})
    for object_type in objects:
        keys = [k for k in by_record if k[0] == object_type]
        for start in range(0, len(keys), BATCH):
            chunk = {
                record_id: by_record[(object_type, record_id)]
                for _, record_id in keys[start : start + BATCH]
            }
            _undo_chunk(
                object_type, chunk, converters[object_type], connector, store, job, run_id, report
            )
    return report


def _undo_chunk(
    object_type: str,
    chunk: dict[str, list[tuple[int, JournalEntry]]],
    converter: ObjectConverter,
    connector: Connector,
    store: StateStore,
    job: str,
    run_id: str,
    report: UndoReport,
) -> None:
    tag_field = converter.native_name("tags") if "tags" in converter.spec.fields else None
    fields = sorted({e.field for entries in chunk.values() for _, e in entries if e.field != TAGS})
    fresh = {
        r.id: r
        for r in connector.read_by_ids(
            object_type, list(chunk), fields + ([tag_field] if tag_field else [])
        )
    }
    updates: list[RecordUpdate] = []
    journal: list[JournalEntry] = []
    undone: dict[str, list[int]] = defaultdict(list)
    for record_id, entries in chunk.items():
        record = fresh.get(record_id)
        if record is None or record.deleted:
            report.skipped.append(f"{record_id}: deleted since")
            continue
        restore: dict[str, object] = {}
        tags_add: frozenset[str] = frozenset()
        tags_remove: frozenset[str] = frozenset()
        current_tags = converter.to_common(record).tags if tag_field else frozenset()  # type: ignore[union-attr]
        for entry_id, entry in entries:
            if entry.field == TAGS:
                added = set(entry.after) - set(entry.before)
                removed = set(entry.before) - set(entry.after)
                tags_remove = frozenset(added & current_tags)
                tags_add = frozenset(removed - current_tags)
                if (added - current_tags) or (removed & current_tags):
                    report.skipped.append(f"{record_id} tags: changed since, restored the rest")
            elif same_value(record.fields.get(entry.field), entry.after):
                restore[entry.field] = entry.before
            else:
                report.skipped.append(f"{record_id} {entry.field}: changed since the run")
                continue
            undone[record_id].append(entry_id)
            journal.append(
                JournalEntry(
                    object_type, record_id, entry.field, entry.after, entry.before, "written"
                )
            )
        if restore or tags_add or tags_remove:
            updates.append(
                RecordUpdate(record_id, restore, tags_add, tags_remove, frozenset(current_tags))
            )
    if not updates:
        return
    result = connector.write(object_type, updates)
    failed = {o.id for o in result.failed}
    refused_fields = _retry_field_by_field(
        object_type, [u for u in updates if u.id in failed], connector, report
    )
    still_failed = {record_id for record_id, _ in refused_fields}
    report.failed += len(still_failed)
    report.restored += len(updates) - len(still_failed)
    kept = [j for j in journal if (j.record_id, j.field) not in refused_fields]
    store.journal(run_id, job, kept)
    entry_fields = {entry_id: entry.field for entries in chunk.values()
                    for entry_id, entry in entries}
    store.mark_journal(
        [i for r, ids in undone.items() for i in ids if (r, entry_fields[i]) not in refused_fields],
        "undone",
    )


def _retry_field_by_field(
    object_type: str, updates: list[RecordUpdate], connector: Connector, report: UndoReport
) -> set[tuple[str, str]]:
    """A record the CRM refused as a whole is restored one field at a time, so that one value
    the CRM no longer accepts (an e-mail with spaces it once took) does not keep the others
    from coming back. Returns the (record, field) pairs still refused."""
    refused: set[tuple[str, str]] = set()
    for update in updates:
        parts = [RecordUpdate(update.id, {name: value}) for name, value in update.fields.items()]
        if update.tags_add or update.tags_remove:
            parts.append(RecordUpdate(update.id, {}, update.tags_add, update.tags_remove,
                                      update.current_tags))
        for part in parts:
            outcome = connector.write(object_type, [part]).outcomes[0]
            if not outcome.ok:
                name = next(iter(part.fields), TAGS)
                refused.add((update.id, name))
                report.refused.append(f"{update.id} {name}: {outcome.error_code} "
                                      f"{outcome.message or ''}".rstrip())
    return refused
