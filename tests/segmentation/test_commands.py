"""``crmsync rules list`` and ``crmsync rules outputs`` tell an admin what the rules are and
which names they write."""

from __future__ import annotations

import json

from click.testing import CliRunner

from sync.segmentation.commands import rules_group


def test_rules_list_names_every_rule_by_stage() -> None:
    result = CliRunner().invoke(rules_group, ["list"])
    assert result.exit_code == 0
    assert "segmentation:" in result.output
    assert "  lifecycle " in result.output
    document = json.loads(CliRunner().invoke(rules_group, ["list", "--json"]).output)
    stages = {r["name"]: r["stage"] for r in document["rules"]}
    assert stages["generation"] == "enrichment"
    assert stages["custom"] == "segmentation"


def test_rules_outputs_lists_fields_and_tags() -> None:
    result = CliRunner().invoke(rules_group, ["outputs", "--json"])
    document = json.loads(result.output)
    assert document["fields"]["rfm_group"]["type"] == "text"
    assert "whale-at-risk" in document["tags"]
    assert "output.<name>" in CliRunner().invoke(rules_group, ["outputs"]).output
