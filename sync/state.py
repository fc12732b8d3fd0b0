"""The state store: cursors, a mirror of the records last read, runs, the journal of writes
and job locks, behind one interface on SQLAlchemy (a SQLite file by default, PostgreSQL by
URL). Every table is prefixed ``crmsync_`` so a shared database stays tidy.

The schema carries a version; opening a store upgrades an older schema step by step through
:data:`MIGRATIONS`, and refuses one written by a newer crmsync.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Connection,
    DateTime,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    delete,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import IntegrityError, OperationalError

from connectors.types import Cursor, SourceRecord

log = logging.getLogger(__name__)
UTC = timezone.utc
SCHEMA_VERSION = 3

metadata = MetaData()

meta_table = Table(
    "crmsync_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)
runs_table = Table(
    "crmsync_runs",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("job", String(64), nullable=False, index=True),
    Column("command", String(32), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("status", String(16), nullable=False),  # running, ok, failed, interrupted
    Column("counts", JSON, nullable=False, default=dict),
)
cursors_table = Table(
    "crmsync_cursors",
    metadata,
    Column("job", String(64), primary_key=True),
    Column("object_type", String(64), primary_key=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("record_id", String(64), nullable=False),
    Column("run_id", String(36)),
)
mirror_table = Table(
    "crmsync_mirror",
    metadata,
    Column("job", String(64), primary_key=True),
    Column("object_type", String(64), primary_key=True),
    Column("record_id", String(64), primary_key=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("deleted", Boolean, nullable=False, default=False),
    Column("fields", JSON, nullable=False),
    Column("associations", JSON, nullable=False),
)
journal_table = Table(
    "crmsync_journal",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(36), nullable=False, index=True),
    Column("job", String(64), nullable=False),
    Column("object_type", String(64), nullable=False),
    Column("record_id", String(64), nullable=False),
    Column("field", String(128), nullable=False),
    Column("before", JSON),
    Column("after", JSON),
    Column("status", String(16), nullable=False),  # pending, written, failed, skipped, undone
    Column("message", Text),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)
locks_table = Table(
    "crmsync_locks",
    metadata,
    Column("job", String(64), primary_key=True),
    Column("owner", String(128), nullable=False),
    Column("acquired_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)

kpis_table = Table(
    "crmsync_kpis",
    metadata,
    Column("run_id", String(36), primary_key=True),
    Column("name", String(200), primary_key=True),
    Column("job", String(64), nullable=False, index=True),
    Column("value", Float, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

id_map_table = Table(
    "crmsync_id_map",
    metadata,
    Column("migration", String(200), primary_key=True),
    Column("object_name", String(32), primary_key=True),
    Column("source_id", String(64), primary_key=True),
    Column("target_id", String(64), nullable=False),
    Column("run_id", String(36), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)


def _add_kpis(connection: Connection) -> None:
    """1 → 2: KPIs are kept per run."""
    kpis_table.create(connection)


def _add_id_map(connection: Connection) -> None:
    """2 → 3: migrations keep which target record each source record went to."""
    id_map_table.create(connection)


#: version n -> the step that upgrades a schema at version n to n + 1.
MIGRATIONS: dict[int, Callable[[Connection], None]] = {1: _add_kpis, 2: _add_id_map}


class StateError(Exception):
    """The state store cannot be used (newer schema, unreachable database…)."""


class LockHeld(StateError):
    """Another run of the same job holds the lock."""

    def __init__(self, job: str, owner: str, expires_at: datetime):
        self.job, self.owner, self.expires_at = job, owner, expires_at
        super().__init__(
            f"job {job!r} is already running ({owner}); its lock expires at "
            f"{expires_at:%Y-%m-%d %H:%M:%S} UTC"
        )


@dataclass(frozen=True, slots=True)
class RunRecord:
    id: str
    job: str
    command: str
    started_at: datetime
    finished_at: datetime | None
    status: str
    counts: Mapping[str, int]


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """One field written (or to be written) to one record."""

    object_type: str
    record_id: str
    field: str
    before: Any
    after: Any
    status: str = "pending"
    message: str | None = None


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything here is UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


class StateStore:
    """The one interface to crmsync's local state."""

    def __init__(self, url: str):
        self.url = url
        self.engine: Engine = create_engine(url, future=True, pool_pre_ping=True)
        self._postgres = self.engine.dialect.name == "postgresql"
        self._advisory: dict[str, Connection] = {}
        if self.engine.dialect.name == "sqlite":
            _prepare_sqlite(self.engine, url)
        try:
            self._upgrade()
        except OperationalError as error:
            raise StateError(
                f"cannot open the state store at {_safe_url(url)}: {error.orig}"
            ) from None

    # --- schema ---------------------------------------------------------------------------
    def schema_version(self) -> int:
        with self.engine.connect() as connection:
            return _read_version(connection)

    def _upgrade(self) -> None:
        with self.engine.begin() as connection:
            if self._postgres:  # one process at a time creates or upgrades the schema
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": _lock_key("(schema)")}
                )
            version = _read_version(connection)
            if version > SCHEMA_VERSION:
                raise StateError(
                    f"the state store at {_safe_url(self.url)} has schema version {version}, "
                    f"newer than this crmsync understands ({SCHEMA_VERSION}); upgrade crmsync"
                )
            if version == 0:
                metadata.create_all(connection)
                _write_version(connection, SCHEMA_VERSION)
                return
            while version < SCHEMA_VERSION:
                MIGRATIONS[version](connection)
                version += 1
                _write_version(connection, version)

    def close(self) -> None:
        for connection in self._advisory.values():
            connection.close()
        self._advisory.clear()
        self.engine.dispose()

    # --- runs -----------------------------------------------------------------------------
    def start_run(self, job: str, command: str) -> str:
        run_id = str(uuid.uuid4())
        with self.engine.begin() as connection:
            connection.execute(
                insert(runs_table).values(
                    id=run_id,
                    job=job,
                    command=command,
                    started_at=_now(),
                    status="running",
                    counts={},
                )
            )
        return run_id

    def finish_run(self, run_id: str, status: str, counts: Mapping[str, int]) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                update(runs_table)
                .where(runs_table.c.id == run_id)
                .values(finished_at=_now(), status=status, counts=dict(counts))
            )

    def runs(self, job: str | None = None, limit: int = 50) -> list[RunRecord]:
        query = select(runs_table).order_by(runs_table.c.started_at.desc()).limit(limit)
        if job is not None:
            query = query.where(runs_table.c.job == job)
        with self.engine.connect() as connection:
            return [
                RunRecord(
                    row.id,
                    row.job,
                    row.command,
                    _aware(row.started_at),  # type: ignore[arg-type]
                    _aware(row.finished_at),
                    row.status,
                    row.counts,
                )
                for row in connection.execute(query)
            ]

    # --- cursors --------------------------------------------------------------------------
    def cursor(self, job: str, object_type: str) -> Cursor | None:
        query = select(cursors_table).where(
            cursors_table.c.job == job, cursors_table.c.object_type == object_type
        )
        with self.engine.connect() as connection:
            row = connection.execute(query).first()
        return None if row is None else Cursor(_aware(row.updated_at), row.record_id)  # type: ignore[arg-type]

    def save_cursor(self, job: str, object_type: str, cursor: Cursor, run_id: str | None) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                delete(cursors_table).where(
                    cursors_table.c.job == job, cursors_table.c.object_type == object_type
                )
            )
            connection.execute(
                insert(cursors_table).values(
                    job=job,
                    object_type=object_type,
                    updated_at=cursor.updated_at.astimezone(UTC),
                    record_id=cursor.id,
                    run_id=run_id,
                )
            )

    # --- mirror ---------------------------------------------------------------------------
    def save_records(self, job: str, records: Iterable[SourceRecord]) -> int:
        """Insert or replace records in the mirror (deleted ones are kept, flagged)."""
        rows = [
            {
                "job": job,
                "object_type": r.object_type,
                "record_id": r.id,
                "updated_at": r.updated_at.astimezone(UTC),
                "deleted": r.deleted,
                "fields": json.loads(json.dumps(dict(r.fields), default=str)),
                "associations": {k: list(v) for k, v in r.associations.items()},
            }
            for r in records
        ]
        if not rows:
            return 0
        table = mirror_table
        with self.engine.begin() as connection:
            for object_type in {row["object_type"] for row in rows}:
                ids = [row["record_id"] for row in rows if row["object_type"] == object_type]
                for start in range(0, len(ids), 500):
                    connection.execute(
                        delete(table).where(
                            table.c.job == job,
                            table.c.object_type == object_type,
                            table.c.record_id.in_(ids[start : start + 500]),
                        )
                    )
            connection.execute(insert(table), rows)
        return len(rows)

    def records(
        self, job: str, object_type: str, *, deleted: bool = False
    ) -> Iterator[SourceRecord]:
        """The mirror's records of one object type (live ones unless ``deleted``)."""
        table = mirror_table
        query = (
            select(table)
            .where(table.c.job == job, table.c.object_type == object_type)
            .order_by(table.c.record_id)
        )
        if not deleted:
            query = query.where(table.c.deleted.is_(False))
        with self.engine.connect() as connection:
            for row in connection.execute(query.execution_options(yield_per=2000)):
                yield SourceRecord(
                    object_type=row.object_type,
                    id=row.record_id,
                    fields=row.fields,
                    updated_at=_aware(row.updated_at),  # type: ignore[arg-type]
                    deleted=row.deleted,
                    associations={k: tuple(v) for k, v in row.associations.items()},
                )

    # --- migration id maps ----------------------------------------------------------------
    def save_id_map(
        self, migration: str, object_name: str, pairs: Mapping[str, str], run_id: str
    ) -> None:
        """Record source id -> target id pairs of a migration (a pair seen again is replaced)."""
        if not pairs:
            return
        table = id_map_table
        ids = list(pairs)
        now = _now()
        with self.engine.begin() as connection:
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                connection.execute(
                    delete(table).where(
                        table.c.migration == migration,
                        table.c.object_name == object_name,
                        table.c.source_id.in_(chunk),
                    )
                )
                connection.execute(
                    insert(table),
                    [
                        {
                            "migration": migration,
                            "object_name": object_name,
                            "source_id": source_id,
                            "target_id": pairs[source_id],
                            "run_id": run_id,
                            "recorded_at": now,
                        }
                        for source_id in chunk
                    ],
                )

    def id_map(self, migration: str) -> dict[str, dict[str, str]]:
        """object name -> source id -> target id, for one migration."""
        query = select(
            id_map_table.c.object_name, id_map_table.c.source_id, id_map_table.c.target_id
        ).where(id_map_table.c.migration == migration)
        found: dict[str, dict[str, str]] = {}
        with self.engine.connect() as connection:
            for row in connection.execute(query):
                found.setdefault(row.object_name, {})[row.source_id] = row.target_id
        return found

    # --- journal --------------------------------------------------------------------------
    def journal(self, run_id: str, job: str, entries: Iterable[JournalEntry]) -> list[int]:
        """Record entries for a run; returns their ids, to update their status later."""
        now = _now()
        ids = []
        with self.engine.begin() as connection:
            for entry in entries:
                result = connection.execute(
                    insert(journal_table).values(
                        run_id=run_id,
                        job=job,
                        object_type=entry.object_type,
                        record_id=entry.record_id,
                        field=entry.field,
                        before=entry.before,
                        after=entry.after,
                        status=entry.status,
                        message=entry.message,
                        recorded_at=now,
                    )
                )
                ids.append(result.inserted_primary_key[0])  # type: ignore[index]
        return ids

    def mark_journal(
        self, entry_ids: Iterable[int], status: str, message: str | None = None
    ) -> None:
        ids = list(entry_ids)
        with self.engine.begin() as connection:
            for start in range(0, len(ids), 500):
                connection.execute(
                    update(journal_table)
                    .where(journal_table.c.id.in_(ids[start : start + 500]))
                    .values(status=status, message=message)
                )

    def journal_of_run(self, run_id: str) -> list[tuple[int, JournalEntry]]:
        query = (
            select(journal_table)
            .where(journal_table.c.run_id == run_id)
            .order_by(journal_table.c.id)
        )
        with self.engine.connect() as connection:
            return [
                (
                    row.id,
                    JournalEntry(
                        row.object_type,
                        row.record_id,
                        row.field,
                        row.before,
                        row.after,
                        row.status,
                        row.message,
                    ),
                )
                for row in connection.execute(query)
            ]

    def created_task_keys(self, job: str) -> set[str]:
        """Keys of the tasks this job has created (or found existing) in earlier runs."""
        query = select(journal_table.c.field).where(
            journal_table.c.job == job,
            journal_table.c.field.like("task:%"),
            journal_table.c.status.in_(("written", "skipped")),
        )
        with self.engine.connect() as connection:
            return {row[0].removeprefix("task:") for row in connection.execute(query)}

    # --- KPIs -----------------------------------------------------------------------------
    def save_kpis(self, run_id: str, job: str, kpis: Mapping[str, float]) -> None:
        now = _now()
        rows = [
            {"run_id": run_id, "job": job, "name": name, "value": float(value), "recorded_at": now}
            for name, value in kpis.items()
        ]
        if rows:
            with self.engine.begin() as connection:
                connection.execute(insert(kpis_table), rows)

    def kpi_history(
        self, job: str, limit: int = 30
    ) -> list[tuple[str, datetime, dict[str, float]]]:
        """(run id, time, KPIs) of the job's last ``limit`` runs that kept KPIs, oldest first."""
        runs = (
            select(kpis_table.c.run_id, kpis_table.c.recorded_at)
            .where(kpis_table.c.job == job)
            .group_by(kpis_table.c.run_id, kpis_table.c.recorded_at)
            .order_by(kpis_table.c.recorded_at.desc())
            .limit(limit)
        )
        with self.engine.connect() as connection:
            chosen = list(connection.execute(runs))
            values: dict[str, dict[str, float]] = defaultdict(dict)
            ids = [row.run_id for row in chosen]
            query = select(kpis_table).where(kpis_table.c.run_id.in_(ids))
            for row in connection.execute(query):
                values[row.run_id][row.name] = row.value
        return [
            (r.run_id, _aware(r.recorded_at), values[r.run_id])  # type: ignore[misc]
            for r in reversed(chosen)
        ]

    # --- locks ----------------------------------------------------------------------------
    def acquire_lock(self, job: str, owner: str, ttl: timedelta = timedelta(hours=6)) -> None:
        """Take the job's lock or raise :class:`LockHeld`.

        On PostgreSQL the lock is a session advisory lock, released by the server the moment
        the holder's connection ends, however it ends; the table row only says who holds it.
        On SQLite the row is the lock, and an expired one (its run died) is taken over."""
        if self._postgres:
            self._acquire_advisory(job)
        now = _now()
        with self.engine.begin() as connection:
            stale = locks_table.c.expires_at < now
            if self._postgres:  # we hold the advisory lock: any row left is a dead run's
                stale = locks_table.c.job == job
            connection.execute(delete(locks_table).where(locks_table.c.job == job, stale))
        try:
            with self.engine.begin() as connection:
                connection.execute(
                    insert(locks_table).values(
                        job=job, owner=owner, acquired_at=now, expires_at=now + ttl
                    )
                )
        except IntegrityError:
            with self.engine.connect() as connection:
                row = connection.execute(
                    select(locks_table).where(locks_table.c.job == job)
                ).first()
            if row is None:  # released between our insert and this read: try once more
                return self.acquire_lock(job, owner, ttl)
            if _dead_here(row.owner):  # its process on this machine was killed
                log.warning("taking over the lock of job %r from %s, which is no longer running",
                            job, row.owner)
                self.release_lock(job, row.owner)
                return self.acquire_lock(job, owner, ttl)
            raise LockHeld(job, row.owner, _aware(row.expires_at)) from None  # type: ignore[arg-type]

    def release_lock(self, job: str, owner: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                delete(locks_table).where(locks_table.c.job == job, locks_table.c.owner == owner)
            )
        held = self._advisory.pop(job, None)
        if held is not None:
            held.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _lock_key(job)})
            held.close()

    def _acquire_advisory(self, job: str) -> None:
        connection = self.engine.connect()
        got = connection.execute(
            text("SELECT pg_try_advisory_lock(:key)"), {"key": _lock_key(job)}
        ).scalar()
        connection.commit()
        if got:
            self._advisory[job] = connection
            return
        connection.close()
        with self.engine.connect() as reader:
            row = reader.execute(select(locks_table).where(locks_table.c.job == job)).first()
        owner = row.owner if row is not None else "another process"
        expires = _aware(row.expires_at) if row is not None else _now()
        raise LockHeld(job, owner, expires)  # type: ignore[arg-type]


def _dead_here(owner: str) -> bool:
    """Whether a lock owner named ``host:pid`` is a process of this machine that has ended."""
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _lock_key(job: str) -> int:
    """A stable signed 64-bit key for PostgreSQL's advisory locks."""
    digest = hashlib.sha256(f"crmsync:{job}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _read_version(connection: Connection) -> int:
    if not connection.dialect.has_table(connection, meta_table.name):
        return 0
    value = connection.execute(
        select(meta_table.c.value).where(meta_table.c.key == "schema_version")
    ).scalar()
    return int(value) if value is not None else 0


def _write_version(connection: Connection, version: int) -> None:
    connection.execute(delete(meta_table).where(meta_table.c.key == "schema_version"))
    connection.execute(insert(meta_table).values(key="schema_version", value=str(version)))


def _prepare_sqlite(engine: Engine, url: str) -> None:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    with engine.begin() as connection:
        connection.exec_driver_sql("PRAGMA journal_mode=WAL")


def _safe_url(url: str) -> str:
    """The URL without its password, for messages."""
    return make_url(url).render_as_string(hide_password=True)
