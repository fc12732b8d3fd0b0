"""apply: execute exactly a plan, safely.

Per batch: read the records again, skip any a person changed (or deleted) since planning —
reported, never overwritten — journal every field and tag with its value before, write
through the connector, then mark each journal entry written or failed. Tasks are journalled
before they are created and the connector creates a task only if its key has none, so a run
killed at any point and started again writes nothing twice.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from connectors.types import Connector, RecordUpdate, TaskRequest
from mapping.convert import CompiledMapping, ObjectConverter
from sync.plan import Plan, RecordChange, TaskChange
from sync.state import JournalEntry, StateStore

log = logging.getLogger(__name__)
#: records re-read and written per step; connectors split them to their API maximum, so this
#: is a multiple of each (HubSpot and Zoho take 100 a request, Salesforce 200): no request goes
#: out part-full but the last (500 made Salesforce send 200 + 200 + 100)
BATCH = 1000
TAGS = "(tags)"


@dataclass(frozen=True, slots=True)
class Outcome:
    object_name: str
    record_id: str
    status: str  # written, failed, skipped
    message: str = ""


@dataclass
class ApplyReport:
    outcomes: list[Outcome] = field(default_factory=list)
    tasks_created: int = 0
    tasks_existing: int = 0
    tasks_failed: int = 0

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    def counts(self) -> dict[str, int]:
        return {
            "written": self.count("written"),
            "failed": self.count("failed"),
            "skipped": self.count("skipped"),
            "tasks_created": self.tasks_created,
            "tasks_existing": self.tasks_existing,
            "tasks_failed": self.tasks_failed,
        }


Progress = Callable[[int], None]


def apply_plan(
    plan: Plan,
    connector: Connector,
    store: StateStore,
    mapping: CompiledMapping,
    *,
    run_id: str,
    progress: Progress | None = None,
) -> ApplyReport:
    report = ApplyReport()
    by_object: dict[str, list[RecordChange]] = defaultdict(list)
    for change in plan.changes:
        by_object[change.object_name].append(change)
    done = 0
    for object_name, changes in by_object.items():
        converter = mapping[object_name]
        for start in range(0, len(changes), BATCH):
            batch = changes[start : start + BATCH]
            _apply_batch(batch, connector, store, converter, plan.job, run_id, report)
            done += len(batch)
            if progress:
                progress(done)
    if plan.tasks:
        _create_tasks(plan.tasks, connector, store, plan.job, run_id, report)
    return report


def _apply_batch(
    batch: Sequence[RecordChange],
    connector: Connector,
    store: StateStore,
    converter: ObjectConverter,
    job: str,
    run_id: str,
    report: ApplyReport,
) -> None:
    native = converter.native_object
    wanted_fields = sorted({f.native_field for c in batch for f in c.fields})
    tag_field = converter.native_name("tags") if "tags" in converter.spec.fields else None
    read_fields = wanted_fields + ([tag_field] if tag_field else [])
    fresh = {
        r.id: r for r in connector.read_by_ids(native, [c.record_id for c in batch], read_fields)
    }
    updates: list[RecordUpdate] = []
    journal: list[JournalEntry] = []
    owners: list[str] = []  # the record of each journal entry, in order
    for change in batch:
        record = fresh.get(change.record_id)
        if record is None or record.deleted:
            report.outcomes.append(
                Outcome(change.object_name, change.record_id, "skipped", "deleted since planning")
            )
            continue
        if record.updated_at > datetime.fromisoformat(change.updated_at):
            report.outcomes.append(
                Outcome(
                    change.object_name,
                    change.record_id,
                    "skipped",
                    "changed by someone since planning",
                )
            )
            continue
        current_tags: frozenset[str] = (
            converter.to_common(record).tags if tag_field else frozenset()  # type: ignore[union-attr]
        )
        entries = [
            JournalEntry(
                native, change.record_id, f.native_field, record.fields.get(f.native_field), f.after
            )
            for f in change.fields
        ]
        adds = frozenset(t.tag for t in change.tags_add)
        removes = frozenset(t.tag for t in change.tags_remove)
        if adds or removes:
            entries.append(
                JournalEntry(
                    native,
                    change.record_id,
                    TAGS,
                    sorted(current_tags),
                    sorted((current_tags - removes) | adds),
                )
            )
        journal.extend(entries)
        owners.extend([change.record_id] * len(entries))
        updates.append(
            RecordUpdate(
                change.record_id,
                {f.native_field: f.after for f in change.fields},
                tags_add=adds,
                tags_remove=removes,
                current_tags=current_tags,
            )
        )
    if not updates:
        return
    entry_ids: dict[str, list[int]] = defaultdict(list)
    for record_id, entry_id in zip(owners, store.journal(run_id, job, journal), strict=True):
        entry_ids[record_id].append(entry_id)
    result = connector.write(native, updates)
    object_name = batch[0].object_name
    written: list[int] = []
    for outcome in result.outcomes:
        if outcome.ok:
            written.extend(entry_ids[outcome.id])
            report.outcomes.append(Outcome(object_name, outcome.id, "written"))
        else:
            message = f"{outcome.error_code}: {outcome.message}"
            store.mark_journal(entry_ids[outcome.id], "failed", message)
            report.outcomes.append(Outcome(object_name, outcome.id, "failed", message))
    store.mark_journal(written, "written")


def _create_tasks(
    tasks: Sequence[TaskChange],
    connector: Connector,
    store: StateStore,
    job: str,
    run_id: str,
    report: ApplyReport,
) -> None:
    entries = {
        task.key: store.journal(
            run_id,
            job,
            [
                JournalEntry(
                    task.related_object, task.related_id, f"task:{task.key}", None, task.subject
                )
            ],
        )
        for task in tasks
    }
    requests = [
        TaskRequest(
            key=t.key,
            subject=t.subject,
            due=datetime.fromisoformat(t.due),
            owner_id=t.owner_id,
            related_object=t.related_object,
            related_id=t.related_id,
            priority=t.priority,  # type: ignore[arg-type]
            body=t.body,
        )
        for t in tasks
    ]
    result = connector.create_tasks(requests)
    for outcome in result.outcomes:
        if not outcome.ok:
            report.tasks_failed += 1
            store.mark_journal(entries[outcome.id], "failed", outcome.message)
        elif outcome.error_code == "ALREADY_EXISTS":
            report.tasks_existing += 1
            store.mark_journal(entries[outcome.id], "skipped", "task already existed")
        else:
            report.tasks_created += 1
            store.mark_journal(entries[outcome.id], "written")
