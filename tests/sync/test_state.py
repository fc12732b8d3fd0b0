"""The state store keeps cursors, the mirror, runs, the journal and locks across processes,
and upgrades or refuses a schema from another crmsync version."""

from __future__ import annotations

import os
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import Connection, create_engine, inspect, text

from connectors.types import Cursor, SourceRecord
from sync import state as state_module
from sync.state import SCHEMA_VERSION, JournalEntry, LockHeld, StateError, StateStore, metadata

UTC = timezone.utc
T0 = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


POSTGRES = os.environ.get("CRMSYNC_TEST_POSTGRES_URL")


def _fresh_postgres() -> str:
    if not POSTGRES:
        pytest.fail(
            "CRMSYNC_TEST_POSTGRES_URL is not set: run the suite with `bash .ci/run`, "
            "which starts a PostgreSQL server (or start one with .ci/start-postgres)"
        )
    engine = create_engine(POSTGRES)
    with engine.begin() as connection:
        for table in reversed(metadata.sorted_tables):
            connection.execute(text(f"DROP TABLE IF EXISTS {table.name}"))
    engine.dispose()
    return POSTGRES


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/nested/state.db"
    return _fresh_postgres()


def test_a_new_sqlite_store_creates_its_folder(tmp_path: Path) -> None:
    StateStore(f"sqlite:///{tmp_path}/nested/state.db")
    assert (tmp_path / "nested" / "state.db").exists()


def test_a_new_store_has_the_current_schema(url: str) -> None:
    assert StateStore(url).schema_version() == SCHEMA_VERSION


def test_cursors_survive_reopening_and_stay_utc(url: str) -> None:
    store = StateStore(url)
    store.save_cursor(
        "job", "contacts", Cursor(T0.astimezone(timezone(timedelta(hours=2))), "9"), None
    )
    store.save_cursor("job", "contacts", Cursor(T0 + timedelta(minutes=5), "11"), None)
    store.close()
    reopened = StateStore(url)
    assert reopened.cursor("job", "contacts") == Cursor(T0 + timedelta(minutes=5), "11")
    assert reopened.cursor("job", "deals") is None
    assert reopened.cursor("other-job", "contacts") is None


def test_the_mirror_replaces_records_and_keeps_deletes_apart(url: str) -> None:
    store = StateStore(url)
    store.save_records(
        "job",
        [
            SourceRecord(
                "contacts", "1", {"email": "a@x.io"}, T0, associations={"companies": ("7",)}
            ),
            SourceRecord("contacts", "2", {"email": "b@x.io"}, T0),
        ],
    )
    store.save_records(
        "job",
        [
            SourceRecord("contacts", "1", {"email": "new@x.io"}, T0 + timedelta(hours=1)),
            SourceRecord("contacts", "2", {}, T0 + timedelta(hours=1), deleted=True),
        ],
    )
    live = list(store.records("job", "contacts"))
    assert [(r.id, r.fields, r.updated_at) for r in live] == [
        ("1", {"email": "new@x.io"}, T0 + timedelta(hours=1))
    ]
    assert [r.id for r in store.records("job", "contacts", deleted=True)] == ["1", "2"]
    assert list(store.records("another", "contacts")) == []


def test_runs_and_their_journal(url: str) -> None:
    store = StateStore(url)
    run_id = store.start_run("job", "sync")
    ids = store.journal(
        run_id,
        "job",
        [
            JournalEntry("contacts", "1", "email", "A@x.io", "a@x.io"),
            JournalEntry("contacts", "1", "tags", ["vip"], ["vip", "crmsync:lead"]),
        ],
    )
    store.mark_journal(ids[:1], "written")
    store.mark_journal(ids[1:], "failed", "INVALID_OPTION")
    store.finish_run(run_id, "ok", {"written": 1, "failed": 1})
    [run] = store.runs("job")
    assert (run.id, run.status, dict(run.counts)) == (run_id, "ok", {"written": 1, "failed": 1})
    assert run.finished_at is not None and run.finished_at >= run.started_at
    entries = [entry for _, entry in store.journal_of_run(run_id)]
    assert [(e.field, e.before, e.after, e.status, e.message) for e in entries] == [
        ("email", "A@x.io", "a@x.io", "written", None),
        ("tags", ["vip"], ["vip", "crmsync:lead"], "failed", "INVALID_OPTION"),
    ]


def test_one_run_per_job_holds_the_lock(url: str) -> None:
    first, second = StateStore(url), StateStore(url)
    first.acquire_lock("nightly", "host-a:100")
    with pytest.raises(LockHeld, match="job 'nightly' is already running \\(host-a:100\\)"):
        second.acquire_lock("nightly", "host-b:200")
    second.acquire_lock("other-job", "host-b:200")  # other jobs are not blocked
    first.release_lock("nightly", "host-a:100")
    second.acquire_lock("nightly", "host-b:200")
    first.close()
    second.close()  # a PostgreSQL lock lives as long as its session


def test_a_sqlite_lock_left_by_a_dead_run_expires(tmp_path: Path) -> None:
    store = StateStore(f"sqlite:///{tmp_path}/state.db")
    store.acquire_lock("nightly", "crashed", ttl=timedelta(seconds=-1))
    store.acquire_lock("nightly", "next-run")  # taken over, no error


def test_a_schema_from_a_newer_crmsync_is_refused(url: str) -> None:
    store = StateStore(url)
    with store.engine.begin() as connection:
        connection.execute(
            text("UPDATE crmsync_meta SET value = '99' WHERE key = 'schema_version'")
        )
    with pytest.raises(StateError, match="schema version 99, newer than this crmsync"):
        StateStore(url)


def test_an_older_schema_is_upgraded_step_by_step(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    StateStore(url).close()
    steps: list[int] = []

    def add_note_column(connection: Connection) -> None:
        connection.execute(text("ALTER TABLE crmsync_runs ADD COLUMN note TEXT"))
        steps.append(SCHEMA_VERSION)

    monkeypatch.setattr(state_module, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    monkeypatch.setitem(state_module.MIGRATIONS, SCHEMA_VERSION, add_note_column)
    upgraded = StateStore(url)
    assert upgraded.schema_version() == SCHEMA_VERSION + 1
    assert steps == [SCHEMA_VERSION]
    with upgraded.engine.connect() as connection:
        columns = {c["name"] for c in inspect(connection).get_columns("crmsync_runs")}
    assert "note" in columns
    StateStore(url)  # opening again runs no step twice
    assert steps == [SCHEMA_VERSION]


def test_concurrent_runs_of_one_job_never_both_hold_the_lock(url: str) -> None:
    """Eight workers race for one job's lock, each from its own store (own connections):
    at every moment at most one holds it, and other jobs are never blocked."""
    StateStore(url).close()
    holding: list[str] = []
    overlaps: list[tuple[str, ...]] = []
    acquired: list[str] = []
    guard = threading.Lock()
    start = threading.Barrier(8)

    def worker(index: int) -> None:
        store = StateStore(url)
        name = f"worker-{index}"
        start.wait()
        for _ in range(5):
            try:
                store.acquire_lock("nightly", name)
            except LockHeld:
                continue
            with guard:
                holding.append(name)
                acquired.append(name)
                if len(holding) > 1:
                    overlaps.append(tuple(holding))
            store.acquire_lock(f"own-job-{index}", name)  # a different job: never blocked
            with guard:
                holding.remove(name)
            store.release_lock(f"own-job-{index}", name)
            store.release_lock("nightly", name)
        store.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert overlaps == []
    assert acquired  # somebody got it


def test_a_postgres_lock_dies_with_its_holders_connection() -> None:
    url = _fresh_postgres()
    holder = StateStore(url)
    holder.acquire_lock("nightly", "crashing-host:1")
    other = StateStore(url)
    with pytest.raises(LockHeld, match="crashing-host:1"):
        other.acquire_lock("nightly", "next-run:2")
    holder.close()  # the process died: its session ends, PostgreSQL frees the lock
    deadline = time.monotonic() + 10
    while True:  # the server ends the dead session's backend a moment later
        try:
            other.acquire_lock("nightly", "next-run:2")
            break
        except LockHeld:
            assert time.monotonic() < deadline, "the lock outlived its session"
            time.sleep(0.05)
    other.close()


def test_a_lock_left_by_a_killed_process_on_this_machine_is_taken_over(tmp_path: Path) -> None:
    import socket
    import subprocess
    import sys

    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    store = StateStore(f"sqlite:///{tmp_path}/state.db")
    store.acquire_lock("nightly", f"{socket.gethostname()}:{dead.stdout.strip()}")
    store.acquire_lock("nightly", "next-run")  # the holder is gone: no need to wait 6 hours
    store.acquire_lock("other", f"{socket.gethostname()}:{os.getpid()}")
    with pytest.raises(LockHeld):  # a live holder (this process) is respected
        store.acquire_lock("other", "someone-else")


def test_a_migrations_id_map_keeps_the_last_target_of_each_source_record(url: str) -> None:
    store = StateStore(url)
    store.save_id_map("zoho:a -> hubspot:b", "contact", {"z1": "h1", "z2": "h1"}, "run-1")
    store.save_id_map("zoho:a -> hubspot:b", "contact", {"z2": "h2"}, "run-2")  # seen again
    store.save_id_map("zoho:a -> salesforce:c", "contact", {"z1": "003X"}, "run-3")
    assert store.id_map("zoho:a -> hubspot:b") == {"contact": {"z1": "h1", "z2": "h2"}}
    assert store.id_map("zoho:a -> salesforce:c") == {"contact": {"z1": "003X"}}
    assert store.id_map("nothing") == {}
