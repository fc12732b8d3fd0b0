"""``crmsync report``: the click command for :mod:`sync.cli` to add (``cli.add_command(report)``).

It reads the mirror as it is (it never pulls and writes nothing to the state), plans over it
as a sync would, builds :class:`~sync.report.model.ReportData` and writes one file.
``crmsync --json report`` also prints the report's data. Progress shows on a terminal only.

Planning asks the CRM which fields exist; with ``--offline``, or when the CRM cannot be
reached, the report leaves out what a sync would change now (and says why), nothing else.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn

from connectors.types import ConnectorError
from sync import exitcodes
from sync.cli_common import Output, config_option, pass_output
from sync.cli_run import crm_errors, job_for
from sync.plan import Plan
from sync.planner import load_mirror
from sync.report.html import render_html
from sync.report.markdown import render_markdown
from sync.report.model import ReportData, build_report
from sync.rules import run_rules
from sync.runner import Job

DEFAULT_OUT = {"html": Path("crmsync-report.html"), "markdown": Path("crmsync-report.md")}
STEPS = 4


@contextmanager
def steps(show: bool, console: Console) -> Iterator[Callable[[str], None]]:
    """A progress bar over the command's steps on a terminal; silent otherwise."""
    if not show:
        yield lambda _: None
        return
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("report", total=STEPS)
        started = False

        def step(description: str) -> None:
            nonlocal started
            if started:
                progress.advance(task)
            started = True
            progress.update(task, description=description)

        yield step
        progress.update(task, completed=STEPS)


@click.command("report")
@config_option
@click.option(
    "--out",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    default=None,
    help="Where to write it; - for standard output "
    "[default: crmsync-report.html, or crmsync-report.md with --format markdown].",
)
@click.option(
    "--format",
    "kind",
    type=click.Choice(["html", "markdown"]),
    default="html",
    show_default=True,
    help="html: one self-contained page with charts; markdown: tables for chat or PRs.",
)
@click.option(
    "--offline",
    is_flag=True,
    help="Do not contact the CRM (the report then leaves out what a sync would change now).",
)
@pass_output
def report(
    output: Output, config_path: Path | None, out: Path | None, kind: str, offline: bool
) -> None:
    """Write the report people read: data quality, segments, RFM grid, whales, KPIs over
    runs and the last run, in plain words (over the mirror: `crmsync sync` first)."""
    path = out or DEFAULT_OUT[kind]
    to_stdout = str(path) == "-"
    if to_stdout and output.as_json:
        output.fail(exitcodes.USAGE, "--json and --out - both write to standard output")
    job = job_for(output, config_path)
    console = Console(stderr=to_stdout)
    show = not output.as_json and console.is_terminal
    with crm_errors(output), steps(show, console) as step:
        step("reading the mirror")
        if not holds_contacts(job):
            output.fail(
                exitcodes.USAGE,
                f"the mirror of job {job.name!r} holds no contacts: run `crmsync pull` "
                "(or `crmsync sync`) first",
            )
        step("running the rules" if offline else "running the rules and planning")
        data = report_data(job, offline=offline)
        step(f"writing {'standard output' if to_stdout else path}")
        text = render_html(data) if kind == "html" else render_markdown(data)
        text = output.redactor.redact(text)
        if not to_stdout:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_name(f".{path.name}.partial")
            partial.write_text(text, encoding="utf-8")
            partial.replace(path)
        step("done")
    if to_stdout:
        sys.stdout.write(text)
        return
    output.result(
        {"ok": True, "written": str(path), "format": kind, "report": json_safe(output, data)},
        [f"report written to {path}" + (": open it in a browser" if kind == "html" else "")],
    )


def holds_contacts(job: Job) -> bool:
    """Whether the job's mirror holds a contact (reads one record, not the mirror)."""
    if "contact" not in job.config.run.objects:
        return False
    records = job.store.records(job.name, job.mapping["contact"].native_object)
    return next(records, None) is not None  # the generator and its connection end here


def report_data(job: Job, *, offline: bool) -> ReportData:
    """The report with the plan a sync would make now; without it when ``offline`` or when
    the CRM (asked for its fields while planning) cannot be reached."""
    now = job.now()
    if not offline:
        try:
            plan: Plan = job.plan(now)
        except ConnectorError as error:
            note = (
                "Not shown: the CRM could not be reached to check its fields "
                f"({type(error).__name__}). The rest of the report is complete."
            )
        else:
            return build_report(job, plan, now=now)
    else:
        note = "Not shown: the report was made offline (--offline)."
    mirror, rules = job.last_mirror, job.last_rules  # set if the failed plan got that far
    if mirror is None or rules is None:
        mirror = load_mirror(job.store, job.name, job.mapping, job.config.run.objects)
        rules = run_rules(mirror.base, now, job.config.rules, rules=job.rules)
    return build_report(job, mirror=mirror, rules=rules, now=now, plan_note=note)


def json_safe(output: Output, data: ReportData) -> object:
    """The report's data as a JSON value, with any known secret redacted (none is expected)."""
    return json.loads(output.redactor.redact(data.to_json()))
