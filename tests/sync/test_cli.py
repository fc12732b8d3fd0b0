"""The command line as an admin meets it: help everywhere, a starter config, the JSON Schema,
`check` on a valid config, and clear refusals for what is not built yet."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from sync.cli import cli
from sync.config import load_config
from sync.config.starter import CRMS

ROOT = Path(__file__).resolve().parents[2]
ENV = {
    "HUBSPOT_TOKEN": "pat-na1-0000",
    "SALESFORCE_CLIENT_ID": "cid",
    "SALESFORCE_CLIENT_SECRET": "shh",
    "SALESFORCE_REFRESH_TOKEN": "rt",
    "ZOHO_CLIENT_ID": "zid",
    "ZOHO_CLIENT_SECRET": "zs",
    "ZOHO_REFRESH_TOKEN": "zr",
}


def run(*args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, list(args), env=env or ENV, catch_exceptions=False)


@pytest.mark.parametrize(
    "command",
    ["config schema", "config init", *sorted(cli.commands)],  # type: ignore[attr-defined]
)
def test_every_command_has_help(command: str) -> None:
    result = run(*command.split(), "--help")
    assert result.exit_code == 0
    assert "Usage: " in result.output and "--help" in result.output


def test_the_example_config_checks_clean() -> None:
    result = run("check", "--offline", "--config", str(ROOT / "config.example.yaml"))
    assert result.exit_code == 0, result.output
    assert "hubspot, auth private_app" in result.output
    assert "contact → contacts" in result.output


def test_check_reports_json_for_machines() -> None:
    result = run("--json", "check", "--offline", "--config", str(ROOT / "config.example.yaml"))
    document = json.loads(result.output)
    assert document["ok"] is True and document["crm"] == "hubspot"
    assert "email" in document["mapping"]["objects"]["contact"]["writable"]
    assert "pat-na1-0000" not in result.output


@pytest.mark.parametrize("crm", CRMS)
def test_config_init_writes_a_config_that_checks(tmp_path: Path, crm: str) -> None:
    out = tmp_path / "crmsync.yaml"
    result = run("config", "init", "--crm", crm, "--out", str(out))
    assert result.exit_code == 0
    assert load_config(out, ENV).config.crm.kind == crm
    assert "${" in out.read_text()  # secrets stay references
    assert run("check", "--offline", "--config", str(out)).exit_code == 0


def test_config_init_never_overwrites_by_accident(tmp_path: Path) -> None:
    out = tmp_path / "crmsync.yaml"
    out.write_text("mine")
    result = run("config", "init", "--out", str(out))
    assert result.exit_code == 2 and "already exists; use --force" in result.output
    assert out.read_text() == "mine"
    assert run("config", "init", "--out", str(out), "--force").exit_code == 0


def test_config_schema_is_json_schema_an_editor_can_use() -> None:
    schema = json.loads(run("config", "schema").output)
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert schema["required"] == ["crm"]
    assert set(schema["properties"]) == {
        "version",
        "crm",
        "mapping",
        "rules",
        "write_back",
        "state",
        "run",
    }
    secret = schema["$defs"]["HubSpotPrivateApp"]["properties"]["token"]
    assert secret.get("writeOnly") is True and secret.get("format") == "password"


def test_the_global_config_option_works_too() -> None:
    result = run("--config", str(ROOT / "config.example.yaml"), "check", "--offline")
    assert result.exit_code == 0, result.output


def test_the_redactor_removes_secrets_from_messages_and_tracebacks() -> None:
    import logging

    from sync.logs import JsonFormatter, Redactor

    redactor = Redactor(["pat-na1-secret-token"])
    try:
        raise RuntimeError("auth failed for pat-na1-secret-token")
    except RuntimeError:
        record = logging.LogRecord(
            "x",
            logging.ERROR,
            __file__,
            1,
            "token %s",
            ("pat-na1-secret-token",),
            exc_info=__import__("sys").exc_info(),
        )
    redactor.filter(record)
    line = JsonFormatter().format(record)
    assert "pat-na1-secret-token" not in line
    assert json.loads(line)["message"] == "token ***"
    assert "auth failed for ***" in json.loads(line)["exception"]
