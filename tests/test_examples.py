"""The scheduling examples run crmsync with options that exist (a renamed option would break
every user who copied them)."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from sync.cli import cli

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def crmsync_argv(text: str) -> list[str]:
    start = text.index("crmsync --")
    words = shlex.split(text[start:].splitlines()[0].split(">>")[0].rstrip('",)'))
    return words[1:]


def parses(argv: list[str]) -> bool:
    """The command line is accepted: crmsync gets as far as looking for its config file."""
    missing = ["--config" if a == "--config" else a for a in argv]
    if "--config" in missing:
        missing[missing.index("--config") + 1] = "/nonexistent/crmsync.yaml"
    result = CliRunner().invoke(cli, missing)
    return result.exit_code == 2 and "no config file at /nonexistent" in result.output


@pytest.mark.parametrize("name", ["crontab", "airflow_dag.py"])
def test_example_command_lines_parse(name: str) -> None:
    text = (EXAMPLES / name).read_text(encoding="utf-8")
    if name.endswith(".py"):
        text = " ".join(
            part.strip().strip('"')
            for part in text.split("bash_command=(")[1].split(")")[0].splitlines()
        )
    argv = crmsync_argv(text)
    assert "sync" in argv and parses(argv)


def test_kubernetes_cronjob_is_valid_and_never_overlaps() -> None:
    manifest = yaml.safe_load((EXAMPLES / "kubernetes-cronjob.yaml").read_text(encoding="utf-8"))
    assert manifest["kind"] == "CronJob"
    assert manifest["spec"]["concurrencyPolicy"] == "Forbid"
    container = manifest["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
    command = " ".join(container["args"]).split("&&")[-1]
    assert parses(shlex.split(command)[1:])


def test_a_wrong_option_would_be_caught() -> None:
    assert not parses(["--log-format", "xml", "sync", "--config", "x.yaml"])
    assert not parses(["sync", "--config", "x.yaml", "--no-such-option"])
