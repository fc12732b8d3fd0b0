"""The commands that talk to the CRM: provision, pull, plan, apply, sync, runs, undo."""

from __future__ import annotations

import atexit
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

from connectors.types import AuthError, ConnectorError, RetryableError, StopRunError
from sync import exitcodes
from sync.cli_common import Output, config_option, load_or_exit, pass_output
from sync.connect import NotSupported
from sync.metrics import render_metrics, write_metrics
from sync.plan import Plan
from sync.render import show_plan
from sync.runner import Job
from sync.state import LockHeld, StateError
from sync.undo import undo_run


@contextmanager
def crm_errors(output: Output) -> Iterator[None]:
    """Exit with the documented code and a plain message for what stops a run."""
    try:
        yield
    except LockHeld as error:
        output.fail(exitcodes.LOCKED, str(error))
    except NotSupported as error:
        output.fail(exitcodes.USAGE, str(error))
    except StateError as error:
        output.fail(exitcodes.USAGE, f"state store: {error}")
    except (AuthError, StopRunError) as error:
        output.fail(exitcodes.CRM_UNREACHABLE, f"the CRM refused: {error}")
    except RetryableError as error:
        output.fail(exitcodes.CRM_UNREACHABLE, f"the CRM could not be reached: {error}")
    except ConnectorError as error:
        output.fail(exitcodes.CRM_UNREACHABLE, f"the CRM answered with an error: {error}")


def job_for(output: Output, config_path: Path | None) -> Job:
    return Job(load_or_exit(output, config_path))


def console_for(output: Output) -> Console:
    return Console(stderr=output.as_json, quiet=output.as_json)


def progress_printer(output: Output, what: str) -> Callable[..., None] | None:
    """A rich progress display on stderr when it is a terminal (and not --json): one line
    per object with the records done so far. None (quiet) otherwise."""
    if output.as_json or not sys.stderr.isatty():
        return None
    progress = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TextColumn("{task.completed:,} records"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=False,
    )
    tasks: dict[str, TaskID] = {}

    def show(*args: Any) -> None:
        name, count = (str(args[0]), int(args[1])) if len(args) == 2 else ("", int(args[0]))
        if not tasks:
            progress.start()
            atexit.register(progress.stop)
        if name not in tasks:
            tasks[name] = progress.add_task(f"{what} {name}".strip(), total=None)
        progress.update(tasks[name], completed=count)

    return show


@click.command()
@config_option
@click.option("--yes", is_flag=True, help="Create without asking.")
@pass_output
def provision(output: Output, config_path: Path | None, yes: bool) -> None:
    """Create the custom fields crmsync writes (after showing what it will create)."""
    job = job_for(output, config_path)
    with crm_errors(output):
        connector = job.connector
        wanted = job.provision_plan()
        missing = {}
        for object_type, fields in wanted.items():
            present = connector.describe(object_type).fields  # once per object, not per field
            lacking = [f for f in fields if f.name not in present]
            if lacking:
                missing[object_type] = lacking
        lines = [
            f"{object_type}: {f.name} ({f.type})"
            for object_type, fields in missing.items()
            for f in fields
        ]
        if not missing:
            output.result({"ok": True, "created": {}}, ["nothing to create: every field exists"])
            return
        if not yes and not output.as_json:
            click.echo("crmsync will create these fields:\n  " + "\n  ".join(lines))
            if not click.confirm("Create them?", default=False):
                output.fail(exitcodes.USAGE, "nothing created")
        created = {
            object_type: connector.create_fields(object_type, fields)
            for object_type, fields in missing.items()
        }
    notes = ["created " + ", ".join(f"{k}.{n}" for k, names in created.items() for n in names)]
    if job.config.crm.kind == "salesforce":
        notes.append(
            "Salesforce: grant field-level security on the new fields to the "
            "integration user's profile or permission set, or crmsync cannot read "
            "or write them."
        )
    output.result({"ok": True, "created": created}, notes)


@click.command()
@config_option
@click.option("--full", is_flag=True, help="Read everything, not only what changed.")
@pass_output
def pull(output: Output, config_path: Path | None, full: bool) -> None:
    """Read the CRM into the local mirror (what changed since the last pull)."""
    job = job_for(output, config_path)
    with crm_errors(output):
        run_id, report = job.pull(full=full, progress=progress_printer(output, "read"))
    objects = {
        name: {"read": o.read, "deleted": o.deleted, "full": o.full}
        for name, o in report.objects.items()
    }
    output.result(
        {"ok": True, "run_id": run_id, "objects": objects},
        [
            f"pulled {name}: {o['read']} records ({o['deleted']} deleted)"
            for name, o in objects.items()
        ],
    )


@click.command()
@config_option
@click.option("--out", type=click.Path(path_type=Path), help="Also write the plan as JSON.")
@click.option("--limit", type=int, default=50, show_default=True, help="Records shown.")
@pass_output
def plan(output: Output, config_path: Path | None, out: Path | None, limit: int) -> None:
    """Show what the rules would change in the CRM (over the mirror; never writes)."""
    job = job_for(output, config_path)
    with crm_errors(output):
        the_plan = job.plan()
    if out:
        out.write_text(the_plan.to_json(), encoding="utf-8")
    if output.as_json:
        click.echo(the_plan.to_json())
        return
    show_plan(the_plan, Console(), limit=limit)
    if out:
        click.echo(f"plan written to {out} (apply it with `crmsync apply {out}`)")


@click.command()
@config_option
@click.argument("plan_file", required=False, type=click.Path(exists=True, path_type=Path))
@pass_output
def apply(output: Output, config_path: Path | None, plan_file: Path | None) -> None:
    """Write a plan to the CRM (a saved plan.json, or a fresh plan of the mirror)."""
    job = job_for(output, config_path)
    with crm_errors(output):
        if plan_file is not None:
            try:
                the_plan = Plan.from_json(plan_file.read_text(encoding="utf-8"))
            except (ValueError, KeyError, TypeError) as error:
                output.fail(exitcodes.USAGE, f"{plan_file}: not a usable plan ({error})")
        else:
            the_plan = job.plan()
        try:
            run_id, report = job.apply(the_plan, progress=progress_printer(output, "applied"))
        except ValueError as error:
            output.fail(exitcodes.USAGE, str(error))
    counts = report.counts()
    skipped = [
        f"{o.object_name} {o.record_id}: {o.message}"
        for o in report.outcomes
        if o.status != "written"
    ]
    output.result(
        {"ok": counts["failed"] == 0, "run_id": run_id, "counts": counts, "not_written": skipped},
        [f"run {run_id}: " + ", ".join(f"{k} {v}" for k, v in counts.items()), *skipped[:50]],
    )
    if counts["failed"] or counts["tasks_failed"]:
        sys.exit(exitcodes.FAILED_RECORDS)


@click.command()
@config_option
@click.option("--full", is_flag=True, help="Read everything, not only what changed.")
@click.option(
    "--metrics-file",
    type=click.Path(path_type=Path),
    default=None,
    help="Write the run's metrics for node_exporter's textfile collector here.",
)
@pass_output
def sync(output: Output, config_path: Path | None, full: bool, metrics_file: Path | None) -> None:
    """pull + plan + apply, for schedulers."""
    job = job_for(output, config_path)
    started = time.monotonic()
    try:
        with crm_errors(output):
            report = job.sync(full=full, progress=progress_printer(output, "read"))
    except SystemExit:
        if metrics_file is not None:
            write_metrics(
                metrics_file,
                render_metrics(job.name, "sync", False, time.monotonic() - started, {}, {}, 0),
            )
        raise
    counts = report.applied.counts()
    if metrics_file is not None:
        failed = counts["failed"] + counts["tasks_failed"]
        write_metrics(
            metrics_file,
            render_metrics(
                job.name,
                "sync",
                failed == 0,
                time.monotonic() - started,
                {"read": report.pulled.read, **counts},
                report.kpis,
                len(report.alerts),
            ),
        )
    output.result(
        {
            "ok": counts["failed"] == 0,
            "run_id": report.run_id,
            "read": report.pulled.read,
            "planned": report.plan.summary(),
            "applied": counts,
        },
        [
            f"run {report.run_id}: read {report.pulled.read}, planned "
            f"{len(report.plan.changes)} records, "
            + ", ".join(f"{k} {v}" for k, v in counts.items())
        ],
    )
    if counts["failed"] or counts["tasks_failed"]:
        sys.exit(exitcodes.FAILED_RECORDS)


@click.command()
@config_option
@click.option("--limit", type=int, default=20, show_default=True)
@pass_output
def runs(output: Output, config_path: Path | None, limit: int) -> None:
    """List past runs with their counts."""
    job = job_for(output, config_path)
    records = job.store.runs(job.name, limit=limit)
    output.result(
        {
            "ok": True,
            "runs": [
                {
                    "id": r.id,
                    "command": r.command,
                    "status": r.status,
                    "started_at": r.started_at.isoformat(),
                    "counts": dict(r.counts),
                }
                for r in records
            ],
        },
        [
            f"{r.id}  {r.started_at:%Y-%m-%d %H:%M:%S}  {r.command:<6} {r.status:<14} "
            + ", ".join(f"{k} {v}" for k, v in r.counts.items())
            for r in records
        ]
        or ["no runs yet"],
    )


@click.command()
@config_option
@click.argument("run_id")
@pass_output
def undo(output: Output, config_path: Path | None, run_id: str) -> None:
    """Restore the values a run changed (values changed by others since are kept)."""
    job = job_for(output, config_path)
    if not any(r.id == run_id for r in job.store.runs(job.name, limit=10_000)):
        output.fail(exitcodes.USAGE, f"no run {run_id} in job {job.name!r} (see `crmsync runs`)")
    with crm_errors(output), job.run("undo", lock=True) as (undo_id, counts):
        report = undo_run(
            run_id, job.connector, job.store, job.mapping, job=job.name, run_id=undo_id
        )
        counts.update(report.counts())
    output.result(
        {
            "ok": report.failed == 0,
            "run_id": undo_id,
            "counts": report.counts(),
            "skipped": report.skipped,
        },
        [f"restored {report.restored} records of run {run_id}", *report.skipped[:50]],
    )
    if report.failed:
        sys.exit(exitcodes.FAILED_RECORDS)


COMMANDS = [provision, pull, plan, apply, sync, runs, undo]
