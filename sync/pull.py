"""pull: read every configured object from the CRM into the local mirror, incrementally.

For each object the cursor ``(updated_at, id)`` is moved back by the look-back window, the
connector reads what changed since (deletes included), the records are saved to the mirror in
batches, and only then is the cursor advanced — never past the run's start, so records changed
while the run reads are read again next time. A run killed half-way leaves the old cursor and
a mirror that is merely ahead: the next run reads the same changes again and saves them again,
which changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from connectors.types import Connector, Cursor, SourceRecord
from mapping.convert import ObjectConverter
from sync.state import StateStore

log = logging.getLogger(__name__)
SAVE_BATCH = 2000


@dataclass
class ObjectPull:
    """What one object's pull read."""

    native_object: str
    read: int = 0
    deleted: int = 0
    full: bool = False
    cursor: Cursor | None = None


@dataclass
class PullReport:
    objects: dict[str, ObjectPull] = field(default_factory=dict)

    @property
    def read(self) -> int:
        return sum(o.read for o in self.objects.values())


Progress = Callable[[str, int], None]


def pull(
    connector: Connector,
    converters: Sequence[tuple[str, ObjectConverter, Sequence[str]]],
    store: StateStore,
    *,
    job: str,
    run_id: str,
    started_at: datetime,
    lookback: timedelta,
    full: bool = False,
    progress: Progress | None = None,
) -> PullReport:
    """Pull each ``(object name, converter, extra native fields)``; extra fields are those
    crmsync writes back that the mapping does not read (its own output fields, the tag field)."""
    report = PullReport()
    for object_name, converter, extra_fields in converters:
        native = converter.native_object
        previous = None if full else store.cursor(job, native)
        since = None if previous is None else Cursor(previous.updated_at - lookback, "")
        outcome = ObjectPull(native, full=since is None)
        fields = list(dict.fromkeys([*converter.native_fields(), *extra_fields]))
        batch: list[SourceRecord] = []
        newest = previous
        for record in connector.read(
            native, fields=fields, since=since, associations=converter.associations()
        ):
            batch.append(record)
            outcome.read += 1
            outcome.deleted += record.deleted
            position = Cursor(record.updated_at, record.id)
            if record.updated_at <= started_at and (newest is None or position > newest):
                newest = position
            if len(batch) >= SAVE_BATCH:
                store.save_records(job, batch)
                batch.clear()
                if progress:
                    progress(object_name, outcome.read)
        store.save_records(job, batch)
        if progress:
            progress(object_name, outcome.read)
        if newest is not None and newest != previous:
            store.save_cursor(job, native, newest, run_id)
        outcome.cursor = newest
        report.objects[object_name] = outcome
        log.info(
            "pulled %s: %d records (%d deleted)%s",
            native,
            outcome.read,
            outcome.deleted,
            " — full read" if outcome.full else "",
        )
    return report
