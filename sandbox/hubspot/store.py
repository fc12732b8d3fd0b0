"""Records of one object type, stored compactly and indexed for paging and incremental search.

A record is ONE string: its created and updated times (13-digit ms each), then its stored
property values in catalogue slot order separated by ``\x1f`` (empty cell = no value). A
million contacts then cost a few hundred bytes each instead of a dict and objects apiece;
:class:`Row` is the readable view of a record, made when one is read.

Indexes, all kept up to date on writes:

- ``live`` / ``archived``: sorted record ids, for cursor paging by bisect (O(page));
- ``by_modified``: sorted keys ``updated_ms * ID_SPAN + id`` of live records, i.e. the order
  (modified, id), for ``lastmodifieddate >= x`` searches sorted by modification;
- unique-property lookups (``email``): value → id, built on first use.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterator, Mapping

from sandbox.hubspot.schema import Catalogue, ObjectType, PropertyDef
from sandbox.hubspot.values import CELL_SEPARATOR, iso_ms

#: ids stay below this, so (modified, id) packs into one int key.
ID_SPAN = 10**10
#: digits of each of the two times in front of a stored record.
_TIME = 13


class Row:
    """A record as read: its times and its packed cells."""

    __slots__ = ("archived_at", "created", "packed", "updated")

    def __init__(self, stored: str, archived_at: int | None = None) -> None:
        self.created = int(stored[:_TIME])
        self.updated = int(stored[_TIME : 2 * _TIME])
        self.packed = stored[2 * _TIME :]
        self.archived_at = archived_at

    def cells(self) -> list[str]:
        return self.packed.split(CELL_SEPARATOR)


def pack(cells: list[str]) -> str:
    return CELL_SEPARATOR.join(cells).rstrip(CELL_SEPARATOR)


def stored_record(created: int, updated: int, packed: str) -> str:
    """The stored form of a record (times must lie between 1970 and 2286)."""
    if not (0 <= created < 10**_TIME and 0 <= updated < 10**_TIME):
        raise ValueError(f"record times out of range: {created}, {updated}")
    return f"{created:013d}{updated:013d}{packed}"


def modified_key(updated_ms: int, record_id: int) -> int:
    return updated_ms * ID_SPAN + record_id


class ObjectStore:
    """All records of one object type."""

    def __init__(self, object_type: ObjectType, catalogue: Catalogue) -> None:
        self.type = object_type
        self.catalogue = catalogue
        self._records: dict[int, str] = {}
        self._archived_at: dict[int, int] = {}
        self.live: list[int] = []
        self.archived: list[int] = []
        self.by_modified: list[int] = []
        #: merged-away id → the id of the record it was merged into.
        self.merged_into: dict[int, int] = {}
        self._unique: dict[str, dict[str, int]] = {}
        self._next_id = object_type.first_id

    # --- loading ----------------------------------------------------------------------------
    def load(self, packed: str, created: int, updated: int) -> int:
        """Append one record from the data set; call :meth:`finish_loading` after the last."""
        record_id = self._next_id
        self._next_id += 1
        self._records[record_id] = stored_record(created, updated, packed)
        self.live.append(record_id)
        self.by_modified.append(modified_key(updated, record_id))
        return record_id

    def finish_loading(self) -> None:
        self.by_modified.sort()

    # --- reading ----------------------------------------------------------------------------
    def row(self, record_id: int) -> Row:
        """The record with this id (archived or not); KeyError when there is none."""
        return Row(self._records[record_id], self._archived_at.get(record_id))

    def get(self, record_id: int, *, archived: bool = False) -> Row | None:
        """The record if it exists and its archived state is the one asked for."""
        if record_id not in self._records or (record_id in self._archived_at) != archived:
            return None
        return self.row(record_id)

    def read(self, record_id: int, row: Row, cells: list[str], prop: PropertyDef) -> str | None:
        """One property value of a record (None when it has none)."""
        if prop.virtual == "id":
            return str(record_id)
        if prop.virtual == "created":
            return iso_ms(row.created)
        if prop.virtual == "updated":
            return iso_ms(row.updated)
        slot = prop.slot
        return (cells[slot] or None) if slot < len(cells) else None

    def values(self, record_id: int, row: Row) -> dict[str, str]:
        """Every property that has a value."""
        cells = row.cells()
        out = {}
        for prop in self.catalogue.properties.values():
            value = self.read(record_id, row, cells, prop)
            if value is not None:
                out[prop.name] = value
        return out

    def page(self, after: int, limit: int, archived: bool) -> tuple[list[int], int | None]:
        """Ids from ``after`` on (ascending), and the id the next page starts at."""
        ids = self.archived if archived else self.live
        start = bisect_left(ids, after)
        end = start + limit
        return ids[start:end], ids[end] if end < len(ids) else None

    def find(self, name: str, value: str) -> int | None:
        """The live record whose unique property ``name`` equals ``value`` (case-insensitive)."""
        return self._unique_index(name).get(value.lower())

    def modified_between(self, low_ms: int, high_ms: int) -> tuple[int, int]:
        """The slice of :attr:`by_modified` with low_ms <= modified <= high_ms."""
        start = bisect_left(self.by_modified, modified_key(low_ms, 0))
        end = bisect_left(self.by_modified, modified_key(high_ms + 1, 0))
        return start, end

    def iter_all(self) -> Iterator[tuple[int, Row]]:
        """Every record, archived ones included, by id."""
        for record_id in sorted(self._records):
            yield record_id, self.row(record_id)

    # --- writing ----------------------------------------------------------------------------
    def create(self, changes: Mapping[str, str], now_ms: int) -> int:
        """A new record with the given (already validated) stored values."""
        record_id = self._next_id
        self._next_id += 1
        cells = [""] * self.catalogue.slot_count
        self._apply(cells, changes)
        self._records[record_id] = stored_record(now_ms, now_ms, pack(cells))
        insort(self.live, record_id)
        insort(self.by_modified, modified_key(now_ms, record_id))
        self._index_unique(record_id, {}, changes)
        return record_id

    def update(self, record_id: int, changes: Mapping[str, str], now_ms: int) -> None:
        """Overwrite values ("" clears) and touch the modified time."""
        row = self.row(record_id)
        cells = row.cells()
        before = {name: self._cell(cells, name) for name in changes}
        cells.extend([""] * (self.catalogue.slot_count - len(cells)))
        self._apply(cells, changes)
        if row.archived_at is None:  # move the record in the modified index
            self._unindex_modified(record_id, row.updated)
            insort(self.by_modified, modified_key(now_ms, record_id))
        self._records[record_id] = stored_record(row.created, now_ms, pack(cells))
        self._index_unique(record_id, before, changes)

    def archive(self, record_id: int, now_ms: int) -> bool:
        """Move a live record to the archive; False when there is no such live record."""
        row = self.get(record_id)
        if row is None:
            return False
        self._records[record_id] = stored_record(row.created, now_ms, row.packed)
        self._unindex_modified(record_id, row.updated)
        del self.live[bisect_left(self.live, record_id)]
        insort(self.archived, record_id)
        self._archived_at[record_id] = now_ms
        cells = row.cells()
        before = {name: self._cell(cells, name) for name in self._unique}
        self._index_unique(record_id, before, dict.fromkeys(self._unique, ""))
        return True

    def forget_unique(self, name: str) -> None:
        """Drop the lookup of a property that no longer exists."""
        self._unique.pop(name, None)

    def point_unique(self, name: str, value: str, record_id: int) -> None:
        """Make a unique lookup of ``value`` answer ``record_id`` (merges keep old emails)."""
        if value:
            self._unique_index(name)[value.lower()] = record_id

    # --- internals ----------------------------------------------------------------------------
    def _cell(self, cells: list[str], name: str) -> str:
        slot = self.catalogue.properties[name].slot
        return cells[slot] if slot < len(cells) else ""

    def _apply(self, cells: list[str], changes: Mapping[str, str]) -> None:
        properties = self.catalogue.properties
        for name, value in changes.items():
            cells[properties[name].slot] = value

    def _unindex_modified(self, record_id: int, updated_ms: int) -> None:
        key = modified_key(updated_ms, record_id)
        position = bisect_left(self.by_modified, key)
        if position < len(self.by_modified) and self.by_modified[position] == key:
            del self.by_modified[position]

    def _unique_index(self, name: str) -> dict[str, int]:
        index = self._unique.get(name)
        if index is None:
            index = {}
            slot = self.catalogue.properties[name].slot
            for record_id in self.live:
                cells = self.row(record_id).cells()
                if slot < len(cells) and cells[slot]:
                    index.setdefault(cells[slot].lower(), record_id)
            self._unique[name] = index
        return index

    def _index_unique(
        self, record_id: int, before: Mapping[str, str], after: Mapping[str, str]
    ) -> None:
        for name, index in self._unique.items():
            if name not in after:
                continue
            old, new = before.get(name, ""), after[name]
            if old and index.get(old.lower()) == record_id:
                del index[old.lower()]
            if new:
                index[new.lower()] = record_id
