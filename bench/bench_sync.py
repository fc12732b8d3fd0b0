"""End-to-end sync on each emulated CRM: wall time split by pull / rules / plan / apply,
requests per 1,000 contacts, and the same for the second (idempotent) run.

    python bench/bench_sync.py                  # 100k contacts on every CRM
    python bench/bench_sync.py 10000 --crm zoho
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rich.console import Console

from bench.common import peak_rss_mb, timed
from sandbox.serve import serve
from sync.apply import apply_plan
from sync.config import load_config
from sync.demo import write_requests
from sync.plan import Plan
from sync.render import record_lines
from sync.runner import Job
from tests.e2e.sandboxes import SETTINGS, write_config


def one_run(job: Job, sandbox, label: str, contacts: int) -> Plan:  # type: ignore[no-untyped-def]
    stats = sandbox.server.stats
    stats.reset()
    with job.run(label, lock=True) as (run_id, _):
        with timed() as pull_time:
            job._pull(run_id, full=False)
        pull_requests = stats.total()
        now = datetime.now(timezone.utc)
        with timed() as rules_time:  # the mirror loaded, and the rules run over it
            job._run_rules(now)
        with timed() as plan_time:
            plan = job._make_plan(now)
        stats.reset()
        with timed() as apply_time:
            applied = apply_plan(plan, job.connector, job.store, job.mapping, run_id=run_id)
        apply_requests, writes = stats.total(), write_requests(sandbox)
    per_k = 1000 / contacts
    print(
        f"  {label:<6} pull {pull_time.seconds:7.1f}s ({pull_requests * per_k:5.2f} req/1k)"
        f"  rules {rules_time.seconds:6.1f}s  plan {plan_time.seconds:5.1f}s"
        f"  apply {apply_time.seconds:6.1f}s ({apply_requests * per_k:5.2f} req/1k, "
        f"{writes} writes)  changes {len(plan.changes)}  written {applied.count('written')}"
        f"  failed {applied.count('failed')}"
    )
    return plan


def show_changes(plan: Plan, limit: int = 10) -> None:
    """What a run that should have been empty still changed, with each rule and reason, as
    ``crmsync plan`` shows it."""
    console = Console(highlight=False)
    for change in plan.changes[:limit]:
        for line in record_lines(change):
            console.print(f"    {line}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("sizes", nargs="*", type=int, default=[100_000])
    parser.add_argument("--crm", action="append", choices=["hubspot", "salesforce", "zoho"])
    args = parser.parse_args()
    for crm in args.crm or ["hubspot", "salesforce", "zoho"]:
        for size in args.sizes:
            with serve(crm, contacts=size, seed=3, **SETTINGS.get(crm, {})) as sandbox:
                folder = Path(tempfile.mkdtemp(prefix="crmsync-bench-"))
                path, env = write_config(sandbox, folder)
                os.environ.update(env)
                job = Job(load_config(path))
                job.provision()
                print(f"{crm} {size:,} contacts")
                one_run(job, sandbox, "first", size)
                show_changes(one_run(job, sandbox, "second", size))
    print(f"peak RSS {peak_rss_mb():,.0f} MiB")


if __name__ == "__main__":
    main()
