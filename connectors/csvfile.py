"""The CSV adapter: one file per object type in a folder, read and written like a CRM.

``<folder>/<object_type>.csv`` (``contacts.csv``, ``companies.csv``, ...) holds one record a
row; the header row names the fields and every value is the string in the cell (an empty cell
is ""). The file is UTF-8, with or without a byte-order mark (kept as found when rewritten, so a
spreadsheet still opens it with its accents). Rows are identified by ``id_column``; a row with no
id is kept in the file but never read. A row is reported deleted when ``deleted_column`` holds a
true value (``1``, ``true``, ``yes``, ``y``, ``x``).

A row's time is its ``updated_column`` (ISO 8601, naive means UTC); a row where it is empty
takes the file's modification time, so an incremental read reports it again after every change
to the file. Writes rewrite the whole file atomically (a temporary file in the same folder, then
``os.replace``), keep the columns in their order and stamp ``updated_column`` on the rows they
change. There is one writer and no lock.

Tags live in one ``;``-separated column (``tag_field``) and are changed by delta from the row's
value in the file, only inside crmsync's namespace. Associations are columns named after the
associated object type, holding ``;``-separated ids. Follow-up tasks are rows appended to
``tasks.csv``, at most once per ``key``. Created records are rows appended with fresh ids.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import stat
import tempfile
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, ClassVar

from connectors.common import check_namespace
from connectors.creating import linked_types
from connectors.resilience import RetryPolicy
from connectors.tasks import create_once
from connectors.types import (
    Cursor,
    FieldSchema,
    NewRecord,
    ObjectSchema,
    RecordOutcome,
    RecordUpdate,
    SourceRecord,
    StopRunError,
    TaskRequest,
    WriteResult,
)

UTC = timezone.utc
TASKS = "tasks"
TASK_COLUMNS = (
    "key",
    "subject",
    "due",
    "owner_id",
    "related_object",
    "related_id",
    "priority",
    "body",
)
TRUE = frozenset({"1", "true", "yes", "y", "x"})


@dataclass
class _Table:
    """One CSV file in memory: its header, its rows (padded to the header) and its format."""

    path: Path
    header: list[str]
    rows: list[list[str]]
    bom: bool = False
    newline: str = "\r\n"

    def column(self, name: str) -> int | None:
        return self.header.index(name) if name in self.header else None

    def add_column(self, name: str) -> int:
        if name not in self.header:
            self.header.append(name)
            for row in self.rows:
                row.append("")
        return self.header.index(name)


class CsvConnector:
    """Reads and writes the CSV files of one folder."""

    name: ClassVar[str] = "csv"
    support_fields: ClassVar[Mapping[str, tuple[FieldSchema, ...]]] = {}

    def __init__(
        self,
        folder: Path,
        *,
        tag_namespace: str,
        tag_field: str = "tags",
        id_column: str = "id",
        updated_column: str = "updated_at",
        deleted_column: str = "deleted",
        delimiter: str = ",",
    ):
        self.folder = Path(folder)
        self.tag_namespace = tag_namespace
        self.tag_field = tag_field
        self.id_column = id_column
        self.updated_column = updated_column
        self.deleted_column = deleted_column
        self.delimiter = delimiter

    def path(self, object_type: str) -> Path:
        return self.folder / f"{object_type}.csv"

    # --- describe -------------------------------------------------------------------------
    def describe(self, object_type: str) -> ObjectSchema:
        table = self._load(object_type)
        fixed = self._fixed()
        fields = {
            name: FieldSchema(name, "string", name not in fixed, label=name)
            for name in table.header
        }
        return ObjectSchema(self.name, object_type, fields)

    # --- read -----------------------------------------------------------------------------
    def read(
        self,
        object_type: str,
        *,
        fields: Sequence[str],
        since: Cursor | None = None,
        associations: Sequence[str] = (),
    ) -> Iterator[SourceRecord]:
        """Every row with an id (``since``: those whose time is at or after it), by time then
        id. ``fields`` empty means every column."""
        table = self._load(object_type)
        records = self._records(table, object_type, fields, associations)
        if since is not None:
            records = [r for r in records if r.updated_at >= since.updated_at]
        yield from sorted(records, key=lambda r: (r.updated_at, r.id))

    def read_by_ids(
        self,
        object_type: str,
        ids: Sequence[str],
        fields: Sequence[str],
        associations: Sequence[str] = (),
    ) -> Iterator[SourceRecord]:
        wanted = set(ids)
        table = self._load(object_type)
        for record in self._records(table, object_type, fields, associations):
            if record.id in wanted:
                yield record

    def _records(
        self,
        table: _Table,
        object_type: str,
        fields: Sequence[str],
        associations: Sequence[str],
    ) -> list[SourceRecord]:
        id_at = self._id_index(table)
        names = list(table.header) if not fields else [self.id_column, *fields]
        picked = [(n, table.header.index(n)) for n in dict.fromkeys(names) if n in table.header]
        updated_at = table.column(self.updated_column)
        deleted_at = table.column(self.deleted_column)
        linked = [(a, table.column(a)) for a in associations]
        mtime = datetime.fromtimestamp(table.path.stat().st_mtime, UTC)
        records = []
        for line, row in enumerate(table.rows, start=2):
            if not row[id_at].strip():
                continue
            stamp = row[updated_at].strip() if updated_at is not None else ""
            records.append(
                SourceRecord(
                    object_type=object_type,
                    id=row[id_at].strip(),
                    fields={name: row[i] for name, i in picked},
                    updated_at=_parse_moment(stamp, table.path, line) if stamp else mtime,
                    deleted=deleted_at is not None and row[deleted_at].strip().lower() in TRUE,
                    associations={a: _split(row[i]) if i is not None else () for a, i in linked},
                )
            )
        return records

    # --- write ----------------------------------------------------------------------------
    def write(self, object_type: str, updates: Sequence[RecordUpdate]) -> WriteResult:
        """Field and tag changes; an id not in the file is a ``NOT_FOUND`` outcome. The file
        is rewritten once, only when something changed."""
        for update in updates:
            check_namespace(update, self.tag_namespace)
        table = self._load(object_type)
        by_id = self._rows_by_id(table)
        fixed = self._fixed()
        now = _now()
        changed = False
        outcomes = []
        for update in updates:
            rows = by_id.get(update.id, []) if update.id.strip() else []
            read_only = sorted(fixed & set(update.fields))
            if not rows:
                outcomes.append(RecordOutcome(update.id, False, "NOT_FOUND", "no row with this id"))
                continue
            if read_only:
                message = f"read-only columns: {read_only}"
                outcomes.append(RecordOutcome(update.id, False, "READ_ONLY", message))
                continue
            for row in rows:
                changed = self._change(table, row, update, now) or changed
            outcomes.append(RecordOutcome(update.id, True))
        if changed:
            self._save(table)
        return WriteResult(tuple(outcomes), 1 if changed else 0)

    def _change(self, table: _Table, row: list[str], update: RecordUpdate, now: str) -> bool:
        """Applies ``update`` to the row and stamps its time when that changed anything."""
        if not self._apply(table, row, update):
            return False
        row[table.add_column(self.updated_column)] = now
        return True

    def _apply(self, table: _Table, row: list[str], update: RecordUpdate) -> bool:
        """Sets the row's new values (adding columns as needed); whether any changed."""
        values = {name: _as_text(value) for name, value in update.fields.items()}
        if update.tags_add or update.tags_remove:
            at = table.column(self.tag_field)
            current = _split(row[at]) if at is not None else ()
            kept = [t for t in current if t not in update.tags_remove]
            added = sorted(update.tags_add - set(kept))
            values[self.tag_field] = ";".join([*kept, *added])
        changed = False
        for name, value in values.items():
            at = table.column(name)
            if at is None:
                if value == "":
                    continue  # a new column for nothing
                at = table.add_column(name)
            if row[at] != value:
                row[at] = value
                changed = True
        return changed

    # --- create ---------------------------------------------------------------------------
    def create(self, object_type: str, records: Sequence[NewRecord]) -> WriteResult:
        """Rows appended with fresh ids — the next number when every id in the file is one,
        else a random hex id — and the time stamped; associations go to the columns named after
        their object type, ``;``-joined in the order given. The file is created when missing. A
        record setting the id, time or deleted column fails alone (``READ_ONLY``)."""
        self._check_links(linked_types(r.associations for r in records))
        path = self.path(object_type)
        table = self._load(object_type) if path.exists() else _Table(path, [self.id_column], [])
        fresh = _fresh_ids([row[self._id_index(table)] for row in table.rows])
        fixed = self._fixed()
        now = _now()
        outcomes = []
        for position, record in enumerate(records):
            read_only = sorted(fixed & set(record.fields))
            if read_only:
                message = f"read-only columns: {read_only}"
                outcomes.append(RecordOutcome(str(position), False, "READ_ONLY", message))
                continue
            new_id = next(fresh)
            links = {
                name: ";".join(dict.fromkeys(ids)) for name, ids in record.associations.items()
            }
            row = [""] * len(table.header)
            table.rows.append(row)
            values = {**record.fields, **links, self.id_column: new_id}
            self._change(table, row, RecordUpdate(new_id, values), now)
            outcomes.append(RecordOutcome(new_id, True))
        written = any(o.ok for o in outcomes)
        if written:
            self._save(table)
        return WriteResult(tuple(outcomes), 1 if written else 0)

    def associate(
        self, object_type: str, links: Mapping[str, Mapping[str, tuple[str, ...]]]
    ) -> WriteResult:
        """Ids added to the association columns (named after the associated object type) of
        the rows, after the ids they hold (none twice); an id not in the file is
        ``NOT_FOUND``."""
        self._check_links(linked_types(links.values()))
        table = self._load(object_type)
        by_id = self._rows_by_id(table)
        now = _now()
        changed = False
        outcomes = []
        for record_id, by_type in links.items():
            rows = by_id.get(record_id, []) if record_id.strip() else []
            if not rows:
                outcomes.append(RecordOutcome(record_id, False, "NOT_FOUND", "no row with this id"))
                continue
            for row in rows:
                values = {}
                for name, ids in by_type.items():
                    at = table.column(name)
                    held = _split(row[at]) if at is not None else ()
                    values[name] = ";".join(dict.fromkeys([*held, *ids]))
                changed = self._change(table, row, RecordUpdate(record_id, values), now) or changed
            outcomes.append(RecordOutcome(record_id, True))
        if changed:
            self._save(table)
        return WriteResult(tuple(outcomes), 1 if changed else 0)

    def _check_links(self, types: list[str]) -> None:
        special = sorted((self._fixed() | {self.tag_field}) & set(types))
        if special:
            raise ValueError(f"{special} hold no associations in a CSV file")

    # --- tasks ----------------------------------------------------------------------------
    def existing_tasks(self, keys: Sequence[str]) -> dict[str, str]:
        """Task key -> task id (the ``id_column`` when ``tasks.csv`` has one, else the key)."""
        if not self.path(TASKS).exists():
            return {}
        table = self._load(TASKS)
        key_at = table.column("key")
        if key_at is None:
            return {}
        id_at = table.column(self.id_column)
        wanted = set(keys)
        found: dict[str, str] = {}
        for row in table.rows:
            key = row[key_at]
            if key in wanted and key not in found:
                found[key] = (row[id_at] if id_at is not None else "") or key
        return found

    def create_tasks(self, tasks: Sequence[TaskRequest]) -> WriteResult:
        """Rows appended to ``tasks.csv`` (created when missing) for keys that have none."""
        written = 0

        def send(todo: list[TaskRequest]) -> dict[str, RecordOutcome]:
            nonlocal written
            self._append_tasks(todo)
            written += 1
            return {t.key: RecordOutcome(t.key, True) for t in todo}

        outcomes = create_once(
            tasks,
            look_up=self.existing_tasks,
            send=send,
            batch=max(len(tasks), 1),
            retry=RetryPolicy(attempts=1),
            what="CSV create tasks",
        )
        return WriteResult(outcomes, written)

    def _append_tasks(self, todo: list[TaskRequest]) -> None:
        path = self.path(TASKS)
        table = self._load(TASKS) if path.exists() else _Table(path, list(TASK_COLUMNS), [])
        for column in TASK_COLUMNS:
            table.add_column(column)
        for task in todo:
            values = {
                "key": task.key,
                "subject": task.subject,
                "due": task.due.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "owner_id": task.owner_id or "",
                "related_object": task.related_object,
                "related_id": task.related_id,
                "priority": task.priority,
                "body": task.body,
            }
            if self.id_column in table.header:
                values[self.id_column] = task.key
            table.rows.append([values.get(name, "") for name in table.header])
        self._save(table)

    # --- provision ------------------------------------------------------------------------
    def create_fields(self, object_type: str, fields: Sequence[FieldSchema]) -> list[str]:
        """Empty columns for the fields the file lacks; their names."""
        table = self._load(object_type)
        created = list(dict.fromkeys(f.name for f in fields if f.name not in table.header))
        for name in created:
            table.add_column(name)
        if created:
            self._save(table)
        return created

    # --- files ----------------------------------------------------------------------------
    def _fixed(self) -> set[str]:
        """The columns only the connector writes."""
        return {self.id_column, self.updated_column, self.deleted_column}

    def _rows_by_id(self, table: _Table) -> dict[str, list[list[str]]]:
        id_at = self._id_index(table)
        by_id: dict[str, list[list[str]]] = {}
        for row in table.rows:
            by_id.setdefault(row[id_at].strip(), []).append(row)
        return by_id

    def _id_index(self, table: _Table) -> int:
        at = table.column(self.id_column)
        if at is None:
            raise StopRunError(f"{table.path} has no {self.id_column!r} column")
        return at

    def _load(self, object_type: str) -> _Table:
        path = self.path(object_type)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise StopRunError(f"no CSV file for {object_type!r}: {path} does not exist") from None
        except OSError as error:
            raise StopRunError(f"cannot read {path}: {error}") from error
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise StopRunError(f"{path} is not UTF-8 ({error})") from error
        try:
            lines = list(csv.reader(io.StringIO(text, newline=""), delimiter=self.delimiter))
        except csv.Error as error:
            raise StopRunError(f"{path} is not a valid CSV file: {error}") from error
        if not lines or not any(cell.strip() for cell in lines[0]):
            raise StopRunError(f"{path} has no header row")
        header = [cell.strip() for cell in lines[0]]
        duplicated = sorted({n for n in header if header.count(n) > 1})
        if duplicated:
            raise StopRunError(f"{path} repeats columns: {duplicated}")
        rows = []
        for line, cells in enumerate(lines[1:], start=2):
            if not any(cell.strip() for cell in cells):
                continue  # blank line
            extra = cells[len(header) :]
            if any(cell.strip() for cell in extra):
                raise StopRunError(f"{path} line {line}: more cells than columns")
            rows.append(cells[: len(header)] + [""] * (len(header) - len(cells)))
        newline = "\r\n" if "\r\n" in text or "\n" not in text else "\n"
        return _Table(path, header, rows, raw.startswith(codecs.BOM_UTF8), newline)

    def _save(self, table: _Table) -> None:
        """Writes the table to a temporary file beside it, then replaces the file with it."""
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, delimiter=self.delimiter, lineterminator=table.newline)
        writer.writerow(table.header)
        writer.writerows(table.rows)
        data = (codecs.BOM_UTF8 if table.bom else b"") + buffer.getvalue().encode("utf-8")
        self.folder.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(
            dir=self.folder, prefix=f".{table.path.name}.", suffix=".tmp"
        )
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            if table.path.exists():
                os.chmod(temp, stat.S_IMODE(table.path.stat().st_mode))
            else:
                os.chmod(temp, 0o644)
            os.replace(temp, table.path)
        except OSError as error:
            Path(temp).unlink(missing_ok=True)
            raise StopRunError(f"cannot write {table.path}: {error}") from error
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _fresh_ids(taken: Sequence[str]) -> Iterator[str]:
    """Ids not in ``taken``: the numbers after the largest when every id is a number, else
    random hex ids."""
    ids = [i.strip() for i in taken if i.strip()]
    if all(i.isdigit() for i in ids):
        number = max((int(i) for i in ids), default=0)
        while True:
            number += 1
            yield str(number)
    while True:
        yield uuid.uuid4().hex


def _split(cell: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(part.strip() for part in cell.split(";") if part.strip()))


def _parse_moment(text: str, path: Path, line: int) -> datetime:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise StopRunError(f"{path} line {line}: {text!r} is not an ISO 8601 time") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list | tuple | set | frozenset):
        return ";".join(sorted(str(v) for v in value))
    return str(value)
