"""The ``crmsync`` command line.

Every command takes ``--config PATH`` (default ``./crmsync.yaml``) and ``--json`` for
machine-readable output. Exit codes are in :mod:`sync.exitcodes`.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any, NoReturn

import click

from mapping.yamlsource import ProblemsError
from sync import exitcodes
from sync.config import DEFAULT_CONFIG, Config, LoadedConfig, load_config
from sync.config.starter import CRMS, starter_config


class Output:
    """Where a command's results go: plain lines for people, one JSON document for machines."""

    def __init__(self, as_json: bool, config_path: Path):
        self.as_json = as_json
        self.config_path = config_path

    def result(self, document: dict[str, Any], lines: list[str]) -> None:
        if self.as_json:
            click.echo(json.dumps(document, indent=2, default=str))
        else:
            for line in lines:
                click.echo(line)

    def fail(
        self, code: int, message: str, problems: list[dict[str, Any]] | None = None
    ) -> NoReturn:
        if self.as_json:
            click.echo(json.dumps({"ok": False, "error": message, "problems": problems or []}))
        else:
            click.echo(f"error: {message}", err=True)
            for problem in problems or []:
                click.echo(f"  {_problem_line(problem)}", err=True)
        sys.exit(code)


def _problem_line(problem: dict[str, Any]) -> str:
    where = f"{problem['file']}:{problem['line']}" if problem.get("line") else problem["file"]
    path = f" {problem['path']}:" if problem.get("path") else ""
    return f"{where}:{path} {problem['message']}"


pass_output = click.make_pass_decorator(Output)


def _load(output: Output, path: Path | None) -> LoadedConfig:
    """The config at ``path`` (else the one given before the command), or exit 2 listing
    every problem."""
    path = path or output.config_path
    if not path.exists():
        hint = " (create one with `crmsync config init`)" if path == DEFAULT_CONFIG else ""
        output.fail(exitcodes.USAGE, f"no config file at {path}{hint}")
    try:
        return load_config(path)
    except ProblemsError as exc:
        problems = [asdict(p) for p in exc.problems]
        count = len(problems)
        output.fail(exitcodes.USAGE, f"{path}: {count} problem{'s' * (count != 1)}", problems)


config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    default=None,
    help=f"The config file [default: {DEFAULT_CONFIG}].",
)


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
@click.version_option(package_name="crmsync")
@click.pass_context
def cli(context: click.Context, as_json: bool, config_path: Path) -> None:
    """crmsync keeps a customer base clean, segmented and useful inside HubSpot, Salesforce
    or Zoho CRM.

    \b
    Exit codes: 0 ok · 1 the run finished with failed records ·
    2 usage, config or mapping error (nothing contacted) · 3 CRM unreachable or auth failed.
    """
    context.obj = Output(as_json, config_path)


@cli.command()
@config_option
@pass_output
def check(output: Output, config_path: Path | None) -> None:
    """Validate the config and its mappings (and, with credentials, the CRM's field list)."""
    loaded = _load(output, config_path)
    config_path = loaded.path
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
    document = {
        "ok": True,
        "config": str(config_path),
        "crm": config.crm.kind,
        "auth_mode": config.crm.auth.mode,
        "job": config.job,
        "mapping": {"source": source, "overrides": overrides, "objects": objects},
        "live_check": "not available: this release has no connector to reach the CRM yet",
    }
    lines = [
        f"ok  config {config_path}: {config.crm.kind}, auth {config.crm.auth.mode}, "
        f"job {config.job!r}",
        f"ok  mapping ({source}, {overrides} field override{'s' * (overrides != 1)}): "
        + ", ".join(
            f"{n} → {o['native_object']} ({o['fields']} fields)" for n, o in objects.items()
        ),
        "--  CRM field list: not checked (no connector in this release can reach the CRM yet)",
    ]
    output.result(document, lines)


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


_LATER = {
    "pull": "read the CRM into the local mirror",
    "plan": "compute the changes the rules want, without writing",
    "apply": "write a plan to the CRM",
    "sync": "pull, plan and apply in one go",
    "undo": "restore the values a run changed",
    "runs": "list past runs",
    "audit": "the data-quality audit",
    "dedupe": "find duplicate contacts in a CSV",
    "export": "write the cleaned data as CSV for a CRM's importer",
    "provision": "create the custom fields crmsync writes",
    "report": "the HTML report",
    "migrate": "carry a customer base to another CRM",
    "sandbox": "serve an emulated CRM on this machine",
    "demo": "run the whole job on the built-in sandbox",
}


def _not_yet(name: str, summary: str) -> click.Command:
    @click.command(
        name,
        help=f"{summary[0].upper()}{summary[1:]} (not available yet).",
        context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    )
    @pass_output
    def command(output: Output) -> None:
        output.fail(exitcodes.USAGE, f"`crmsync {name}` ({summary}) is not available yet")

    return command


for _name, _summary in _LATER.items():
    cli.add_command(_not_yet(_name, _summary))


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="crmsync")
