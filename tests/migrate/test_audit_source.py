"""``crmsync audit --source``: the whole base's audit before a move, as HTML and JSON, from a
configured CRM (real HTTP to the emulator) or from a CSV of contacts."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from sandbox.serve import serve
from sync.cli import cli
from tests.e2e.sandboxes import write_config
from tests.migrate.test_migrate_plan import spreadsheets


def test_a_zoho_base_is_audited_before_the_move(tmp_path: Path) -> None:
    with serve("zoho", contacts=300, seed=4) as sandbox:
        config, env = write_config(sandbox, tmp_path / "zoho")
        out = tmp_path / "audit"
        result = CliRunner().invoke(
            cli,
            ["--json", "audit", "--source", str(config), "--out", str(out)],
            env=env,
            catch_exceptions=False,
        )
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    written = json.loads((out / "audit.json").read_text(encoding="utf-8"))
    assert printed["report"] == written["report"]
    audit = written["report"]["audit"]
    assert audit["contacts"] == 300
    assert audit["invalid_emails"]["count"] > 0  # the base is messy
    assert audit["duplicates"]["count"] > 0
    cleanup = written["migration_cleanup"]
    assert cleanup["records_merged"]["contact"] > 0
    assert cleanup["records_after"]["contact"] + cleanup["records_merged"]["contact"] == 300
    assert cleanup["fields_fixed"]["contact"] > 0
    assert written["report"]["plan"] is not None  # what a cleanup sync would change
    html = (out / "audit.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "Data quality" in html
    assert env["CRM_SECRET"] not in html and env["CRM_SECRET"] not in result.stdout


def test_a_csv_of_contacts_is_audited_too(tmp_path: Path) -> None:
    contacts = spreadsheets(tmp_path / "data") / "contacts.csv"
    out = tmp_path / "audit"
    result = CliRunner().invoke(
        cli, ["audit", "--source", str(contacts), "--out", str(out)], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    assert "contact: 3 records, 1 duplicates would merge" in result.stdout
    assert (out / "audit.html").exists()
