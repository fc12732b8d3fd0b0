"""The ``crmsync`` command line.

Every command takes ``--config PATH`` (default ``./crmsync.yaml``) and ``--json`` for
machine-readable output. Exit codes are in :mod:`sync.exitcodes`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from mapping.check import check_object
from sync import exitcodes
from sync.cli_common import Output, config_option, load_or_exit, pass_output
from sync.cli_run import COMMANDS, crm_errors
from sync.cli_sandbox import sandbox_group
from sync.config import DEFAULT_CONFIG, Config
from sync.config.starter import CRMS, starter_config
from sync.hygiene.commands import audit_command, dedupe_command
from sync.logs import setup_logging
from sync.migrate.commands import migrate_command
from sync.migrate.export import export_command
from sync.report.commands import report
from sync.runner import Job
from sync.segmentation.commands import rules_group


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--json", "as_json", is_flag=True, help="Machine-readable output (one JSON document)."
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    default=DEFAULT_CONFIG,
    show_default=True,
    help="The config file (each command also takes --config).",
)
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json: one object per line, for log collectors.",
)
@click.option(
    "--log-level",
    type=click.Choice(["debug", "info", "warning", "error"]),
    default="warning",
    show_default=True,
)
@click.version_option(package_name="crmsync")
@click.pass_context
def cli(
    context: click.Context, as_json: bool, config_path: Path, log_format: str, log_level: str
) -> None:
    """crmsync keeps a customer base clean, segmented and useful inside HubSpot, Salesforce
    or Zoho CRM.

    \b
    Exit codes: 0 ok · 1 the run finished with failed records ·
    2 usage, config or mapping error (nothing contacted) · 3 CRM unreachable or auth failed.
    """
    context.obj = Output(as_json, config_path, setup_logging(log_level, log_format))


@cli.command()
@config_option
@click.option("--offline", is_flag=True, help="Do not contact the CRM.")
@pass_output
def check(output: Output, config_path: Path | None, offline: bool) -> None:
    """Validate the config and its mappings, then the mappings against the CRM's live field
    list (unless --offline)."""
    loaded = load_or_exit(output, config_path)
    config = loaded.config
    objects = {
        name: {
            "native_object": converter.native_object,
            "fields": len(converter.spec.fields),
            "writable": converter.writable_fields(),
        }
        for name, converter in loaded.mapping.objects.items()
    }
    source = (
        str(config.mapping.file) if config.mapping.file else f"shipped {config.crm.kind} default"
    )
    overrides = sum(len(o.fields) for o in config.mapping.overrides.values())
    lines = [
        f"ok  config {loaded.path}: {config.crm.kind}, auth {config.crm.auth.mode}, "
        f"job {config.job!r}",
        f"ok  mapping ({source}, {overrides} field override{'s' * (overrides != 1)}): "
        + ", ".join(
            f"{n} → {o['native_object']} ({o['fields']} fields)" for n, o in objects.items()
        ),
    ]
    live: dict[str, list[str]] | str = "skipped (--offline)"
    if not offline:
        live = live_problems(output, Job(loaded))
        for name, problems in live.items():
            verdict = "matches the CRM's fields" if not problems else f"{len(problems)} problems"
            lines.append(f"{'ok' if not problems else '!!'}  {name}: {verdict}")
            lines.extend(f"      {p}" for p in problems)
    document = {
        "ok": isinstance(live, str) or not any(live.values()),
        "config": str(loaded.path),
        "crm": config.crm.kind,
        "auth_mode": config.crm.auth.mode,
        "job": config.job,
        "mapping": {"source": source, "overrides": overrides, "objects": objects},
        "live_check": live,
    }
    output.result(document, lines)
    if not document["ok"]:
        sys.exit(exitcodes.USAGE)


def live_problems(output: Output, job: Job) -> dict[str, list[str]]:
    """Each mapped object's disagreements with the CRM's own field list, and the write-back
    fields still to provision."""
    found: dict[str, list[str]] = {}
    with crm_errors(output):
        connector = job.connector
        for name, converter in job.mapping.objects.items():
            schema = connector.describe(converter.native_object)
            problems = [str(i) for i in check_object(name, converter.spec, schema)]
            missing = [f for f in job.write_back.native_fields(name) if f not in schema.fields]
            if missing:
                problems.append(
                    f"fields crmsync writes are missing ({', '.join(missing)}):"
                    " run `crmsync provision`"
                )
            found[name] = problems
    return found


@cli.group("config")
def config_group() -> None:
    """Create a config, or print its JSON Schema."""


@config_group.command("schema")
def config_schema() -> None:
    """Print the config file's JSON Schema (for editors' completion and validation)."""
    schema = Config.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "crmsync configuration"
    click.echo(json.dumps(schema, indent=2))


@config_group.command("init")
@click.option("--crm", type=click.Choice(CRMS), default="hubspot", show_default=True)
@click.option("--out", type=click.Path(path_type=Path), default=DEFAULT_CONFIG, show_default=True)
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@pass_output
def config_init(output: Output, crm: str, out: Path, force: bool) -> None:
    """Write a starter config for a CRM (secrets as ${ENV_VAR} references)."""
    if out.exists() and not force:
        output.fail(exitcodes.USAGE, f"{out} already exists; use --force to overwrite it")
    out.write_text(starter_config(crm), encoding="utf-8")
    output.result(
        {"ok": True, "written": str(out), "crm": crm},
        [
            f"wrote {out} for {crm}; set the environment variables it names, then run "
            f"`crmsync check --config {out}`"
        ],
    )


@cli.command()
@click.option("--contacts", type=int, default=3000, show_default=True)
@click.option("--seed", type=int, default=7, show_default=True)
@click.option(
    "--dir",
    "folder",
    type=click.Path(path_type=Path),
    default=Path(".crmsync/demo"),
    show_default=True,
    help="Where the demo's config, state and plan go.",
)
@pass_output
def demo(output: Output, contacts: int, seed: int, folder: Path) -> None:
    """Run the whole job on the built-in sandbox: check, provision, pull, plan, apply, and a
    second sync that must change nothing."""
    from rich.console import Console

    from sync.demo import run_demo

    figures = run_demo(Console(quiet=output.as_json), folder=folder, contacts=contacts, seed=seed)
    if output.as_json:
        click.echo(json.dumps({"ok": True, **figures}, default=str))
    if figures["second_run_write_requests"]:
        sys.exit(exitcodes.FAILED_RECORDS)


for _command in [
    *COMMANDS,
    sandbox_group,
    audit_command,
    dedupe_command,
    report,
    rules_group,
    migrate_command,
]:
    cli.add_command(_command)
cli.add_command(export_command)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="crmsync")
