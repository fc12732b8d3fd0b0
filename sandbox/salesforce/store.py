"""Record storage: one :class:`ObjectStore` per sObject, rows as tuples indexed by field slot.

Each object keeps its rows by id (ids grow with creation, so the dict's order is Id order), a
sorted index of ``(SystemModstamp, Id)`` for incremental queries and ``updated/``, a delete log
for ``deleted/``, and lazily built lookup tables for external-id fields. Rows are never removed:
a delete sets ``IsDeleted`` (queryAll still sees the row).

Rows are immutable tuples of plain values, replaced on write: the garbage collector stops
tracking them, so millions of rows cost it nothing. The index is two parallel lists (stamps and
ids) rather than a list of pairs, which saves a tuple per record.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any

from sandbox.salesforce.ids import IdFactory
from sandbox.salesforce.schema import FieldDef, ObjectSchema
from sandbox.salesforce.values import to_utc

Row = tuple[Any, ...]

ID, IS_DELETED, CREATED, LAST_MODIFIED, STAMP = range(5)  # slots of the system fields
#: a position in the (SystemModstamp, Id) index
IndexKey = tuple[datetime, str]
#: sorts after any id: (stamp, AFTER_ANY_ID) follows every entry of that stamp
AFTER_ANY_ID = "\uffff"


def _fold(value: Any) -> str:
    return str(value).casefold()


class ObjectStore:
    """The rows of one sObject type."""

    def __init__(self, schema: ObjectSchema) -> None:
        self.schema = schema
        self.rows: dict[str, Row] = {}
        #: the (SystemModstamp, Id) index, sorted; an entry whose stamp is no longer its row's
        #: is stale (skipped, and dropped by the next compaction)
        self._index_stamps: list[datetime] = []
        self._index_ids: list[str] = []
        self._stale = 0
        #: (deletedDate, Id) in deletion order
        self.deletions: list[tuple[datetime, str]] = []
        self._lookups: dict[int, dict[str, list[str]]] = {}

    # --- reading -----------------------------------------------------------------------
    @staticmethod
    def value(row: Row, definition: FieldDef) -> Any:
        """A field's value in a row (rows may predate fields added later)."""
        slot = definition.slot
        return row[slot] if slot < len(row) else definition.empty

    def live(self, record_id: str) -> Row | None:
        """The row of a record that exists and is not deleted."""
        row = self.rows.get(record_id)
        return row if row is not None and not row[IS_DELETED] else None

    def _position(self, key: IndexKey) -> int:
        """The first index position whose (stamp, id) is >= ``key``."""
        stamp, record_id = key
        low = bisect_left(self._index_stamps, stamp)
        high = bisect_right(self._index_stamps, stamp, low)
        return bisect_left(self._index_ids, record_id, low, high)

    def stamp_range(
        self, low: IndexKey | None = None, high: IndexKey | None = None, descending: bool = False
    ) -> Iterator[tuple[str, Row]]:
        """(id, row) of records whose (SystemModstamp, Id) is >= ``low`` and < ``high``, in
        that order (or the reverse)."""
        start = 0 if low is None else self._position(low)
        end = len(self._index_ids) if high is None else self._position(high)
        positions = range(end - 1, start - 1, -1) if descending else range(start, end)
        stamps, ids, rows = self._index_stamps, self._index_ids, self.rows
        for position in positions:
            record_id = ids[position]
            row = rows[record_id]
            if row[STAMP] == stamps[position]:
                yield record_id, row

    def lookup(self, definition: FieldDef, value: str) -> list[str]:
        """Ids of live records whose field equals ``value`` (case-insensitively)."""
        if definition.slot == ID:
            return [value] if self.live(value) is not None else []
        table = self._lookups.get(definition.slot)
        if table is None:
            table = {}
            for record_id, row in self.rows.items():
                found = self.value(row, definition)
                if found is not None and not row[IS_DELETED]:
                    table.setdefault(_fold(found), []).append(record_id)
            self._lookups[definition.slot] = table
        return list(table.get(_fold(value), ()))

    # --- writing -----------------------------------------------------------------------
    def load(self, rows: Sequence[Row]) -> None:
        """Bulk-add rows of ids above every existing one (at start-up), then sort the index
        once: a stable sort by stamp keeps equal stamps in id order."""
        for row in rows:
            self.rows[row[ID]] = row
            self._index_stamps.append(row[STAMP])
            self._index_ids.append(row[ID])
        stamps, ids = self._index_stamps, self._index_ids
        order = sorted(range(len(ids)), key=stamps.__getitem__)
        self._index_stamps = [stamps[i] for i in order]
        self._index_ids = [ids[i] for i in order]

    def insert(self, row: Sequence[Any]) -> None:
        """Add a new record's row."""
        stored = tuple(row)
        self.rows[stored[ID]] = stored
        self._index(stored[STAMP], stored[ID])
        for slot, table in self._lookups.items():
            if slot < len(stored) and stored[slot] is not None:
                table.setdefault(_fold(stored[slot]), []).append(stored[ID])

    def assign(self, record_id: str, values: dict[FieldDef, Any], stamp: datetime) -> None:
        """Write field values into a record and move its modification stamps."""
        row = list(self.rows[record_id])
        for definition, value in values.items():
            slot = definition.slot
            if slot >= len(row):
                row.extend(f.empty for f in self.schema.fields[len(row) : slot + 1])
            table = self._lookups.get(slot)
            if table is not None:
                self._unlist(table, row[slot], record_id)
                if value is not None:
                    table.setdefault(_fold(value), []).append(record_id)
            row[slot] = value
        self._restamp(row, stamp)

    def mark_deleted(self, record_id: str, stamp: datetime) -> None:
        row = list(self.rows[record_id])
        row[IS_DELETED] = True
        self._restamp(row, stamp)
        self.deletions.append((stamp, record_id))
        for slot, table in self._lookups.items():
            if slot < len(row):
                self._unlist(table, row[slot], record_id)

    def _restamp(self, row: list[Any], stamp: datetime) -> None:
        previous = row[STAMP]
        row[LAST_MODIFIED] = row[STAMP] = stamp
        self.rows[row[ID]] = tuple(row)
        if previous == stamp:
            return
        self._stale += 1
        self._index(stamp, row[ID])
        if self._stale > 1000 and self._stale * 2 > len(self._index_ids):
            self._compact()

    def _index(self, stamp: datetime, record_id: str) -> None:
        stamps, ids = self._index_stamps, self._index_ids
        if not ids or (stamp, record_id) > (stamps[-1], ids[-1]):
            stamps.append(stamp)
            ids.append(record_id)
        else:
            position = self._position((stamp, record_id))
            stamps.insert(position, stamp)
            ids.insert(position, record_id)

    def _compact(self) -> None:
        rows = self.rows
        valid = [
            position for position, record_id in enumerate(self._index_ids)
            if rows[record_id][STAMP] == self._index_stamps[position]
        ]
        self._index_stamps = [self._index_stamps[p] for p in valid]
        self._index_ids = [self._index_ids[p] for p in valid]
        self._stale = 0

    @staticmethod
    def _unlist(table: dict[str, list[str]], value: Any, record_id: str) -> None:
        if value is None:
            return
        ids = table.get(_fold(value))
        if ids and record_id in ids:
            ids.remove(record_id)


class Store:
    """All sObjects of the org, id generation and the clock."""

    def __init__(self, objects: dict[str, ObjectSchema], clock: Callable[[], datetime]) -> None:
        self.tables = {name: ObjectStore(schema) for name, schema in objects.items()}
        self._by_lower = {name.lower(): table for name, table in self.tables.items()}
        self._by_prefix = {t.schema.key_prefix: t for t in self.tables.values()}
        self.ids = IdFactory()
        self.clock = clock
        #: the integration user: owner of records created without OwnerId
        self.current_user_id = ""

    def now(self) -> datetime:
        """The current time, as stored (UTC, milliseconds)."""
        return to_utc(self.clock())

    def table(self, name: str) -> ObjectStore | None:
        """The store of an sObject by case-insensitive API name."""
        return self._by_lower.get(name.lower())

    def table_of(self, record_id: str) -> ObjectStore | None:
        """The store an id belongs to, by key prefix."""
        return self._by_prefix.get(record_id[:3])

    def new_row(self, table: ObjectStore, stamp: datetime) -> list[Any]:
        """A row for a new record: a fresh id, system fields set, defaults applied."""
        schema = table.schema
        row = [f.default if f.default is not None else f.empty for f in schema.fields]
        row[ID] = self.ids.next(schema.key_prefix)
        row[IS_DELETED] = False
        row[CREATED] = row[LAST_MODIFIED] = row[STAMP] = stamp
        owner = schema.field("OwnerId")
        if owner is not None:
            row[owner.slot] = self.current_user_id
        return row
