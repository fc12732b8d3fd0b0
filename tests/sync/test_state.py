"""The state store keeps cursors, the mirror, runs, the journal and locks across processes,
and upgrades or refuses a schema from another crmsync version."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import Connection, text

from connectors.types import Cursor, SourceRecord
from sync import state as state_module
from sync.state import SCHEMA_VERSION, JournalEntry, LockHeld, StateError, StateStore

UTC = timezone.utc
T0 = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/nested/state.db"


def test_a_new_store_creates_its_folder_and_current_schema(url: str, tmp_path: Path) -> None:
    store = StateStore(url)
    assert (tmp_path / "nested" / "state.db").exists()
    assert store.schema_version() == SCHEMA_VERSION


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


def test_a_lock_left_by_a_dead_run_expires(url: str) -> None:
    store = StateStore(url)
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
        columns = [row[1] for row in connection.execute(text("PRAGMA table_info(crmsync_runs)"))]
    assert "note" in columns
    StateStore(url)  # opening again runs no step twice
    assert steps == [SCHEMA_VERSION]
