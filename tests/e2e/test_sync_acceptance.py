"""The sync core's acceptance, on every CRM's emulator over real HTTP with the real rules:
sync twice and the second run writes nothing; 20% injected faults end in the same CRM state as
a clean run; a person's edit between plan and apply is skipped; a person's tags are never
removed; undo puts the records back; a run killed with SIGKILL at several points finishes on
the next run with the same final state and no duplicate task."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from connectors.types import RecordUpdate
from sandbox.http import Faults
from sandbox.serve import Sandbox, serve
from sync.config import load_config
from sync.demo import write_requests
from sync.runner import Job
from tests.e2e.sandboxes import (
    CRMS_WITH_CONNECTORS,
    SETTINGS,
    contacts_state,
    native_ids,
    task_keys,
    write_config,
)

CONTACTS = 200
SEED = 21


def available() -> list[str]:
    from tests.connectors.harness import HARNESSES

    return [crm for crm in CRMS_WITH_CONNECTORS if crm in HARNESSES]


def job_for(sandbox: Sandbox, folder: Path, extra: str = "") -> Job:
    path, env = write_config(sandbox, folder, extra)
    os.environ.update(env)
    job = Job(load_config(path))
    job.provision()
    return job


@pytest.mark.parametrize("crm", available())
def test_the_second_sync_writes_nothing(crm: str, tmp_path: Path) -> None:
    with serve(crm, contacts=CONTACTS, seed=SEED, **SETTINGS.get(crm, {})) as sandbox:
        job = job_for(sandbox, tmp_path)
        first = job.sync()
        assert first.applied.count("written") > 0
        assert first.applied.count("failed") == 0, first.applied.outcomes[:3]
        sandbox.server.stats.reset()
        second = job.sync()
        assert second.plan.changes == () and second.plan.tasks == ()
        assert write_requests(sandbox) == 0


def test_a_crmsync_field_no_rule_sets_any_more_is_cleared(tmp_path: Path) -> None:
    with serve("hubspot", contacts=CONTACTS, seed=SEED) as sandbox:
        job = job_for(sandbox, tmp_path)
        job.sync()
        unranked = [
            c["id"]
            for c in sandbox.app.dump()["contacts"]
            if not c["properties"].get("crmsync_rfm_group")
        ][:3]
        # left by an earlier run, when these contacts still had purchases (or RFM was on)
        job.connector.write(
            "contacts", [RecordUpdate(i, {"crmsync_rfm_group": "Champions"}) for i in unranked]
        )
        report = job.sync()
        cleared = {
            change.record_id
            for change in report.plan.changes
            for f in change.fields
            if f.native_field == "crmsync_rfm_group" and f.after is None
        }
        assert cleared == set(unranked)
        held = {c["id"]: c["properties"] for c in sandbox.app.dump()["contacts"]}
        assert all(not held[i].get("crmsync_rfm_group") for i in unranked)
        assert job.sync().plan.changes == ()


@pytest.mark.parametrize("crm", available())
def test_twenty_percent_faults_end_in_the_same_state_as_a_clean_run(
    crm: str, tmp_path: Path
) -> None:
    with serve(crm, contacts=CONTACTS, seed=SEED, **SETTINGS.get(crm, {})) as clean:
        job_for(clean, tmp_path / "clean").sync()
        expected = contacts_state(crm, clean.app.dump())
        expected_tasks = task_keys(crm, clean.app.dump())
    faults = Faults(
        {
            "rate_limit": 0.04,
            "server_error": 0.04,
            "reset": 0.04,
            "slow": 0.02,
            "truncated": 0.03,
            "expired_token": 0.03,
        },
        seed=9,
    )
    with serve(crm, contacts=CONTACTS, seed=SEED, faults=faults, **SETTINGS.get(crm, {})) as faulty:
        faulty.server.faults.slow_seconds = 0.05
        job = job_for(faulty, tmp_path / "faulty")
        report = job.sync()
        assert report.applied.count("failed") == 0
        injected = sum(r["count"] for r in faulty.server.stats.snapshot() if r["status"] != 200)
        faulty.server.faults = Faults()
        dump = faulty.app.dump()
        assert contacts_state(crm, dump) == expected
        assert task_keys(crm, dump) == expected_tasks
    assert injected >= 10  # the faults really happened (truncated bodies come with a 200)
    written = [
        e
        for run in job.store.runs(job.name)
        for _, e in job.store.journal_of_run(run.id)
        if e.status == "written"
    ]
    assert written, "the journal records what was written"


@pytest.mark.parametrize("crm", available())
def test_a_persons_edit_after_planning_is_not_overwritten(crm: str, tmp_path: Path) -> None:
    with serve(crm, contacts=CONTACTS, seed=SEED, **SETTINGS.get(crm, {})) as sandbox:
        job = job_for(sandbox, tmp_path)
        job.pull()
        plan = job.plan()
        target = next(c for c in plan.changes if c.fields)
        connector = job.connector
        name_field = job.mapping["contact"].native_name("job_title")
        time.sleep(1.1)  # a later second than the one planned against
        connector.write(
            target.native_object,
            [RecordUpdate(target.record_id, {name_field: "Edited by a person"})],
        )
        _, report = job.apply(plan)
        skipped = [o for o in report.outcomes if o.record_id == target.record_id]
        assert [o.status for o in skipped] == ["skipped"]
        assert "changed by someone" in skipped[0].message
        [after] = connector.read_by_ids(
            target.native_object,
            [target.record_id],
            [name_field, *(f.native_field for f in target.fields)],
        )
        assert after.fields[name_field] == "Edited by a person"
        for change in target.fields:
            assert (
                after.fields.get(change.native_field) != change.after
                or change.before == change.after
            )


@pytest.mark.parametrize("crm", available())
def test_a_persons_tags_survive_every_sync(crm: str, tmp_path: Path) -> None:
    with serve(crm, contacts=CONTACTS, seed=SEED, **SETTINGS.get(crm, {})) as sandbox:
        job = job_for(sandbox, tmp_path)
        converter = job.mapping["contact"]
        people = {c.key: set(c.tags) for c in sandbox.dataset.contacts if c.tags}
        job.sync()
        job.sync()
        records = {
            r.id: converter.to_common(r)
            for r in job.store.records(job.name, converter.native_object)
        }
        ids = native_ids(sandbox)
        for key, tags in people.items():
            record = records[ids[key]]
            assert tags <= set(record.tags), key
            assert all(t in tags or t.startswith("crmsync:") for t in record.tags)


@pytest.mark.parametrize("crm", available())
def test_undo_returns_the_records_to_their_state_before_the_run(crm: str, tmp_path: Path) -> None:
    with serve(crm, contacts=CONTACTS, seed=SEED, **SETTINGS.get(crm, {})) as sandbox:
        job = job_for(sandbox, tmp_path)
        before = contacts_state(crm, sandbox.app.dump())
        report = job.sync()
        assert contacts_state(crm, sandbox.app.dump()) != before
        from sync.undo import undo_run

        with job.run("undo", lock=True) as (undo_id, _):
            undone = undo_run(
                report.run_id, job.connector, job.store, job.mapping, job=job.name, run_id=undo_id
            )
        assert undone.skipped == []
        # values the CRM itself no longer accepts (it once took them) are reported, not lost
        refused = {tuple(r.split(" ", 2)[:2]) for r in undone.refused}
        after = contacts_state(crm, sandbox.app.dump())
        # CRMs trim text and may hold an empty text as null
        trimmed = lambda v: (v.strip() or None) if isinstance(v, str) else v  # noqa: E731
        for record_id, values in before.items():
            now = after[record_id]
            restorable = {k: trimmed(v) for k, v in values.items() if (record_id, k) not in refused}
            assert {k: trimmed(now.get(k)) for k in restorable} == restorable, record_id
            assert all(not now[k] for k in set(now) - set(values))  # crmsync's fields cleared
        assert len(refused) <= 3


def _killed_sync(
    sandbox: Sandbox, folder: Path, env: dict[str, str], when: Callable[[Sandbox], bool]
) -> bool:
    """Run `crmsync sync` in a child process and SIGKILL it once ``when`` holds."""
    command = [sys.executable, "-m", "sync", "sync", "--config", str(folder / "crmsync.yaml")]
    sandbox.server.stats.reset()  # count only the child's requests
    child = subprocess.Popen(
        command, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 120
    while child.poll() is None and time.monotonic() < deadline:
        if when(sandbox):
            child.send_signal(signal.SIGKILL)
            child.wait()
            return True
        time.sleep(0.002)
    child.wait(timeout=60)
    return False


def _requests(method: str, fragment: str) -> Callable[[Sandbox], int]:
    def count(sandbox: Sandbox) -> int:
        return sum(
            r["count"]
            for r in sandbox.server.stats.snapshot()
            if r["method"] == method and fragment in r["endpoint"]
        )

    return count


KILL_POINTS = {
    "during pull": lambda s: s.server.stats.total() >= 4,
    "during apply": lambda s: write_requests(s) >= 2,
    "late in apply": lambda s: write_requests(s) >= 5,
}


def kill_cases() -> list[tuple[str, str]]:
    """Every kill point on HubSpot; on the others the one that matters most (mid-apply),
    to keep the suite's time in bounds."""
    return [
        (crm, point)
        for crm in available()
        for point in sorted(KILL_POINTS)
        if crm == "hubspot" or point == "during apply"
    ]


@pytest.mark.parametrize(("crm", "point"), kill_cases())
def test_a_run_killed_midway_finishes_next_time_without_doing_anything_twice(
    crm: str, point: str, tmp_path: Path
) -> None:
    with serve(crm, contacts=CONTACTS, seed=SEED, **SETTINGS.get(crm, {})) as clean:
        job_for(clean, tmp_path / "clean").sync()
        expected = contacts_state(crm, clean.app.dump())
        expected_tasks = task_keys(crm, clean.app.dump())
    folder = tmp_path / "killed"
    folder.mkdir()
    with serve(crm, contacts=CONTACTS, seed=SEED, **SETTINGS.get(crm, {})) as sandbox:
        job_for(sandbox, folder)
        _, env = write_config(sandbox, folder)
        assert _killed_sync(sandbox, folder, env, KILL_POINTS[point]), "the run ended too soon"
        rerun = subprocess.run(
            [
                sys.executable,
                "-m",
                "sync",
                "--json",
                "sync",
                "--config",
                str(folder / "crmsync.yaml"),
            ],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert rerun.returncode == 0, rerun.stderr[-2000:]
        dump = sandbox.app.dump()
        assert contacts_state(crm, dump) == expected
        keys = task_keys(crm, dump)
        assert keys == expected_tasks and len(keys) == len(set(keys))
        statuses = [
            r.status
            for r in Job(load_config(folder / "crmsync.yaml")).store.runs(
                load_config(folder / "crmsync.yaml").config.job
            )
        ]
        assert statuses[0] == "ok" and "interrupted" in statuses
