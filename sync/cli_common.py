"""What every crmsync command shares: output for people or machines, and loading the
config with every problem listed."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any, NoReturn

import click

from mapping.yamlsource import ProblemsError
from sync import exitcodes
from sync.config import DEFAULT_CONFIG, LoadedConfig, load_config
from sync.logs import Redactor, add_secrets, secrets_of


class Output:
    """Where a command's results go: plain lines for people, one JSON document for machines."""

    def __init__(self, as_json: bool, config_path: Path, redactor: Redactor | None = None):
        self.as_json = as_json
        self.config_path = config_path
        self.redactor = redactor or Redactor()

    def result(self, document: dict[str, Any], lines: list[str]) -> None:
        if self.as_json:
            click.echo(json.dumps(document, indent=2, default=str))
        else:
            for line in lines:
                click.echo(line)

    def fail(
        self, code: int, message: str, problems: list[dict[str, Any]] | None = None
    ) -> NoReturn:
        message = self.redactor.redact(message)
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


def load_or_exit(output: Output, path: Path | None) -> LoadedConfig:
    """The config at ``path`` (else the one given before the command), or exit 2 listing
    every problem."""
    path = path or output.config_path
    if not path.exists():
        hint = " (create one with `crmsync config init`)" if path == DEFAULT_CONFIG else ""
        output.fail(exitcodes.USAGE, f"no config file at {path}{hint}")
    try:
        loaded = load_config(path)
    except ProblemsError as exc:
        problems = [asdict(p) for p in exc.problems]
        count = len(problems)
        output.fail(exitcodes.USAGE, f"{path}: {count} problem{'s' * (count != 1)}", problems)
    add_secrets(output.redactor, secrets_of(loaded.config))
    return loaded


config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    default=None,
    help=f"The config file [default: {DEFAULT_CONFIG}].",
)
