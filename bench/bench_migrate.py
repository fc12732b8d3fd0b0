"""Migration benchmark: a messy Zoho sandbox into an empty HubSpot and Salesforce sandbox.

    python -m bench.bench_migrate [contacts] [targets...]     (default: 20000 hubspot salesforce)

Per target: wall time of each step (pull and clean the source, read the target, plan, write),
requests per 1,000 records against the physical limit of the vendor's batch size, what
arrived measured against the generator's ground truth (entities split over several target
records, target records holding several entities), and the rerun (its plan and its writes).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from bench.common import peak_rss_mb, row, timed
from sandbox.serve import serve
from sync.config import load_config
from sync.migrate.runner import Migration
from tests.e2e.sandboxes import SETTINGS, native_ids, write_config
from tests.migrate.targets import holdings, spread

#: records per create request (HubSpot batch/create, Salesforce sObject Collections)
BATCH = {"hubspot": 100, "salesforce": 200}


def run(contacts: int, target_kind: str) -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-migrate-"))
    with (
        serve("zoho", contacts=contacts, seed=11) as source,
        serve(target_kind, contacts=0, seed=1, **SETTINGS.get(target_kind, {})) as target,
    ):
        source_path, source_env = write_config(source, folder / "source")
        os.environ.update(source_env)
        source_config = load_config(source_path)
        target_path, target_env = write_config(target, folder / "target")
        os.environ.update(target_env)
        migration = Migration(source_config, load_config(target_path))

        with timed() as read_source:
            cleaned = migration.read_source()
        with timed() as read_target:
            place = migration.read_target()
        with timed() as planning:
            plan = migration.plan_over(cleaned, place)
        target.server.stats.reset()
        with timed() as writing:
            plan, report = migration.apply(plan=plan)
        created = sum(report.created.values())

        source.server.stats.reset()
        target.server.stats.reset()
        with timed() as rerun:
            again, second = migration.apply()
        rerun_reads = target.server.stats.total() + source.server.stats.total()

        mapped = migration.store.id_map(migration.name)
        assert source.dataset is not None
        found = spread(source.dataset.truth.contact_entity, native_ids(source), mapped["contact"])
        held = holdings(target_kind, target.app.dump())
        marks = [h.mark for records in held.values() for h in records.values()]

    summary = plan.summary()
    print(f"\n== zoho {contacts:,} contacts -> {target_kind} ==")
    print(row("object", "read", "merged", "created", "rejected"))
    for name, counts in summary.items():
        print(
            row(
                name,
                counts["read"],
                counts["merged"],
                report.created.get(name, 0),
                counts["rejected_values"],
            )
        )
    print(row("step", "seconds"))
    for name, timing in (
        ("pull + clean", read_source),
        ("read target", read_target),
        ("plan", planning),
        ("write", writing),  # with provisioning (a few field-list requests)
        ("rerun", rerun),
    ):
        print(row(name, round(timing.seconds, 1)))
    limit = 1000 / BATCH[target_kind]
    print(
        f"write requests: {report.requests} for {created:,} records = "
        f"{1000 * report.requests / max(created, 1):.1f} per 1,000 "
        f"(physical limit {limit:.0f} per 1,000 at {BATCH[target_kind]} a request, "
        f"+ association requests where the CRM needs them)"
    )
    print(
        f"ground truth: {found.records:,} contact records of {found.entities:,} people -> "
        f"{found.targets:,} target contacts; {found.split} people split over >1 record "
        f"({100 * found.split / found.entities:.2f}%), {found.mixed} target records holding "
        f">1 person ({100 * found.mixed / max(found.targets, 1):.2f}%)"
    )
    print(
        f"target records: {len(marks):,}, distinct source marks: {len(set(marks)):,} "
        f"(equal: nothing created twice)"
    )
    rerun_writes = sum(r["create"] + r["update"] for r in again.summary().values())
    print(
        f"rerun: planned writes {rerun_writes}, write requests {second.requests}, "
        f"requests to both CRMs {rerun_reads} (reads)"
    )
    print(f"peak RSS {peak_rss_mb():.0f} MiB")


def main() -> None:
    contacts = int(float(sys.argv[1])) if len(sys.argv) > 1 else 20_000
    targets = sys.argv[2:] or ["hubspot", "salesforce"]
    for target_kind in targets:
        run(contacts, target_kind)


if __name__ == "__main__":
    main()
