"""``crmsync demo``: the whole job on the built-in sandbox, start to finish.

Starts an emulated CRM on 127.0.0.1 with a few thousand messy records, writes a config for it
(the token goes through an environment variable, as in real life), then runs check, provision,
pull, plan (shown), apply, and a second sync that must plan nothing and send no write request.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from mapping.check import check_object
from sandbox.serve import Sandbox, serve
from sync.config import load_config
from sync.render import show_plan
from sync.report.html import render_html
from sync.report.model import build_report
from sync.runner import Job

TOKEN_VARIABLE = "CRMSYNC_DEMO_TOKEN"
READ_ONLY_POSTS = ("/search", "/batch/read", "/oauth/v1/token", "/coql", "/oauth/v2/token")


def demo_config(sandbox: Sandbox, folder: Path) -> Path:
    """A config for the running sandbox; its secret is an environment reference."""
    credentials = sandbox.credentials()
    os.environ[TOKEN_VARIABLE] = credentials["access_token"]
    path = folder / "crmsync.yaml"
    path.write_text(
        "# written by `crmsync demo` for the sandbox it started\n"
        "crm:\n  kind: hubspot\n"
        f"  base_url: {sandbox.base_url}\n"
        "  auth:\n    mode: private_app\n"
        f"    token: ${{{TOKEN_VARIABLE}}}\n"
        "state:\n"
        f"  url: sqlite:///{folder / 'state.db'}\n",
        encoding="utf-8",
    )
    return path


def write_requests(sandbox: Sandbox) -> int:
    """Requests that could change the CRM, from the sandbox's own counts."""
    total = 0
    for row in sandbox.server.stats.snapshot():
        method, endpoint = row["method"], row["endpoint"]
        if method in ("PATCH", "PUT", "DELETE") or (
            method == "POST" and not endpoint.endswith(READ_ONLY_POSTS)
        ):
            total += row["count"]
    return total


def run_demo(
    console: Console, *, folder: Path, contacts: int = 3000, seed: int = 7
) -> dict[str, Any]:
    """Run the demo, printing as it goes; returns the figures it printed."""
    folder.mkdir(parents=True, exist_ok=True)
    for stale in ("state.db", "state.db-wal", "state.db-shm"):
        (folder / stale).unlink(missing_ok=True)
    console.rule("crmsync demo")
    console.print(f"Generating {contacts} messy contacts and starting an emulated HubSpot…")
    with serve("hubspot", contacts=contacts, seed=seed) as sandbox:
        console.print(f"  sandbox at {sandbox.base_url}")
        config_path = demo_config(sandbox, folder)
        job = Job(load_config(config_path))
        console.print(f"[bold]1. check[/bold]  config {config_path} is valid")
        for object_name, converter in job.mapping.objects.items():
            issues = check_object(
                object_name, converter.spec, job.connector.describe(converter.native_object)
            )
            verdict = "matches" if not issues else f"{len(issues)} problems"
            console.print(f"   mapping of {object_name} → {converter.native_object}: {verdict}")
        console.print("[bold]2. provision[/bold] the fields crmsync writes")
        created = "; ".join(
            f"{native}: {', '.join(names)}" for native, names in job.provision().items() if names
        )
        console.print(f"   created {created or 'nothing (every field is there)'}")
        console.print("[bold]3. pull[/bold]")
        _, pulled = job.pull()
        console.print("   " + ", ".join(f"{n}: {o.read}" for n, o in pulled.objects.items()))
        console.print("[bold]4. plan[/bold]")
        plan = job.plan()
        show_plan(plan, console, limit=5, page=False)
        (folder / "plan.json").write_text(plan.to_json(), encoding="utf-8")
        console.print("[bold]5. apply[/bold]")
        run_id, applied = job.apply(plan)
        console.print("   " + ", ".join(f"{k} {v}" for k, v in applied.counts().items()))
        console.print("[bold]6. sync again[/bold] (nothing changed in the CRM)")
        sandbox.server.stats.reset()
        again = job.sync()
        writes = write_requests(sandbox)
        console.print(f"   planned {len(again.plan.changes)} changes, sent {writes} write requests")
        report_path = folder / "report.html"
        report_path.write_text(render_html(build_report(job, again.plan)), encoding="utf-8")
        figures = {
            "contacts": contacts,
            "pulled": pulled.read,
            "planned": len(plan.changes),
            "applied": applied.counts(),
            "second_run_changes": len(again.plan.changes),
            "second_run_write_requests": writes,
            "run_id": run_id,
            "report": str(report_path),
        }
        _summary(console, job, folder)
        console.print(f"[bold]Full report:[/bold] {report_path} (open it in a browser)")
    return figures


def _summary(console: Console, job: Job, folder: Path) -> None:
    outputs = job.last_rules.outputs if job.last_rules else ()
    segments = Counter(o.value for o in outputs if o.target == "field" and o.name == "segment")
    findings = Counter(o.name for o in outputs if o.target == "finding")
    table = Table(title="what the rules found")
    table.add_column("")
    table.add_column("records", justify="right")
    for name, count in sorted(segments.items()):
        table.add_row(f"segment {name}", str(count))
    for name, count in findings.most_common():
        table.add_row(name.replace("_", " "), str(count))
    console.print(table)
    console.print(
        f"Plan, config and state are in {folder}; `crmsync runs --config "
        f"{folder / 'crmsync.yaml'}` lists the runs."
    )
