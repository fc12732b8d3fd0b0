"""Bad config input: one clear message per problem, with file, line and key path; exit code
2; nothing contacted or written; secrets never echoed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from mapping.yamlsource import ProblemsError
from sync.cli import cli
from sync.config import load_config

SECRET = "s3cr3t-VALUE-never-shown"
ENV = {"HS_TOKEN": SECRET, "ZOHO_SECRET": SECRET, "ZOHO_REFRESH": SECRET, "SF_SECRET": SECRET}

HUBSPOT = "crm:\n  kind: hubspot\n  auth:\n    mode: private_app\n    token: ${HS_TOKEN}\n"
ZOHO = (
    "crm:\n  kind: zoho\n  auth:\n    mode: oauth\n    client_id: abc\n"
    "    client_secret: ${ZOHO_SECRET}\n    refresh_token: ${ZOHO_REFRESH}\n"
)

# (case id, file text, [(line, key path, fragment of the message)])
CASES: list[tuple[str, str, list[tuple[int | None, str, str]]]] = [
    ("unclosed-bracket", "crm:\n  kind: [hubspot\n", [(3, "", "invalid YAML")]),
    ("tab-indent", "crm:\n\tkind: hubspot\n", [(2, "", "invalid YAML")]),
    ("empty-file", "", [(None, "", "this is empty")]),
    ("top-level-list", "- crm\n", [(1, "", "a config is a YAML mapping; this is a list")]),
    ("repeated-key", HUBSPOT + "run:\n  job: a\n  job: b\n", [(8, "run.job", "appears twice")]),
    (
        "unknown-top-key",
        HUBSPOT + "stat:\n  url: sqlite://\n",
        [(6, "stat", "unknown key 'stat' (did you mean 'state'?)")],
    ),
    ("missing-crm", "version: 1\n", [(1, "crm", "required key 'crm' is missing")]),
    ("unknown-crm", "crm:\n  kind: pipedrive\n", [(2, "crm.kind", "unknown kind 'pipedrive'")]),
    (
        "missing-kind",
        "crm:\n  auth: {mode: private_app}\n",
        [(1, "crm", "required key 'kind' is missing")],
    ),
    (
        "unknown-auth-mode",
        HUBSPOT.replace("private_app", "api_key"),
        [(4, "crm.auth.mode", "unknown mode 'api_key'; expected one of 'private_app', 'oauth'")],
    ),
    (
        "missing-auth-mode",
        "crm:\n  kind: hubspot\n  auth:\n    token: ${HS_TOKEN}\n",
        [(3, "crm.auth", "required key 'mode' is missing")],
    ),
    (
        "missing-token",
        "crm:\n  kind: hubspot\n  auth:\n    mode: private_app\n",
        [(3, "crm.auth.token", "required key 'token' is missing")],
    ),
    (
        "literal-secret",
        HUBSPOT.replace("${HS_TOKEN}", SECRET),
        [(5, "crm.auth.token", "secrets must come from the environment")],
    ),
    (
        "unset-env-var",
        HUBSPOT.replace("HS_TOKEN", "NOT_SET_ANYWHERE"),
        [(5, "crm.auth.token", "environment variable NOT_SET_ANYWHERE is not set")],
    ),
    (
        "malformed-reference",
        HUBSPOT.replace("${HS_TOKEN}", "${HS_TOKEN"),
        [(5, "crm.auth.token", "malformed ${...} reference")],
    ),
    (
        "unknown-auth-key",
        HUBSPOT + "    tokn: x\n",
        [(6, "crm.auth.tokn", "unknown key 'tokn' (did you mean 'token'?)")],
    ),
    (
        "sf-jwt-missing-username",
        "crm:\n  kind: salesforce\n  auth:\n    mode: jwt\n    consumer_key: k\n"
        "    private_key_file: key.pem\n",
        [(3, "crm.auth.username", "required key 'username'")],
    ),
    (
        "sf-bad-api-version",
        "crm:\n  kind: salesforce\n  api_version: '62'\n  auth:\n    mode: refresh_token\n"
        "    client_id: c\n    client_secret: ${SF_SECRET}\n    refresh_token: ${SF_SECRET}\n",
        [(3, "crm.api_version", "should match pattern")],
    ),
    (
        "zoho-unknown-data-centre",
        ZOHO + "    data_centre: mars\n",
        [(8, "crm.auth.data_centre", "got 'mars'")],
    ),
    (
        "zoho-unknown-api-version",
        ZOHO + "  api_version: v9\n",
        [(8, "crm.api_version", "Input should be 'v7' or 'v8'")],
    ),
    (
        "base-url-not-a-url",
        HUBSPOT + "  base_url: api.hubapi.com\n",
        [(6, "crm.base_url", "should match pattern")],
    ),
    (
        "rate-limit-zero",
        HUBSPOT + "  requests_per_10s: 0\n",
        [(6, "crm.requests_per_10s", "greater than or equal to 1")],
    ),
    ("version-2", "version: 2\n" + HUBSPOT, [(1, "version", "Input should be 1")]),
    (
        "lookback-not-a-number",
        HUBSPOT + "run:\n  lookback_minutes: ten\n",
        [(7, "run.lookback_minutes", "valid integer")],
    ),
    (
        "negative-timeout",
        HUBSPOT + "run:\n  timeout_seconds: -1\n",
        [(7, "run.timeout_seconds", "greater than 0")],
    ),
    (
        "unknown-object",
        HUBSPOT + "run:\n  objects: [contact, lead]\n",
        [(7, "run.objects[1]", "got 'lead'")],
    ),
    (
        "repeated-object",
        HUBSPOT + "run:\n  objects: [deal, deal]\n",
        [(7, "run.objects", "listed more than once")],
    ),
    ("bad-log-level", HUBSPOT + "run:\n  log_level: loud\n", [(7, "run.log_level", "got 'loud'")]),
    (
        "dormant-days-zero",
        HUBSPOT + "rules:\n  lifecycle:\n    dormant_min_days: 0\n",
        [(8, "rules.lifecycle.dormant_min_days", "greater than or equal to 1")],
    ),
    (
        "unknown-survivor-rule",
        HUBSPOT + "rules:\n  duplicates:\n    survivor: newest\n",
        [(8, "rules.duplicates.survivor", "got 'newest'")],
    ),
    (
        "unknown-rules-section",
        HUBSPOT + "rules:\n  rfmm: {scores: 5}\n",
        [(7, "rules.rfmm", "unknown key 'rfmm' (did you mean 'rfm'?)")],
    ),
    ("rules-not-a-mapping", HUBSPOT + "rules: [1, 2]\n", [(6, "rules", "valid dictionary")]),
    (
        "share-above-one",
        HUBSPOT + "rules:\n  whales:\n    revenue_share: 1.5\n",
        [(8, "rules.whales.revenue_share", "less than or equal to 1")],
    ),
    (
        "bad-tag-namespace",
        HUBSPOT + "write_back:\n  tag_namespace: CRM Sync!\n",
        [(7, "write_back.tag_namespace", "should match pattern")],
    ),
    (
        "unsupported-state-url",
        HUBSPOT + "state:\n  url: mysql://db/crm\n",
        [(7, "state.url", "must be a sqlite:/// or postgresql:// URL")],
    ),
    (
        "override-unknown-field",
        HUBSPOT + "mapping:\n  overrides:\n    contact:\n      fields:\n"
        "        emial: {from: email}\n",
        [
            (
                10,
                "mapping.overrides.contact.fields.emial",
                "contact has no field 'emial' (did you mean 'email'?)",
            )
        ],
    ),
    (
        "override-unknown-transform",
        HUBSPOT + "mapping:\n  overrides:\n    contact:\n"
        "      fields:\n        email: {from: email, transforms: [lowr]}\n",
        [
            (
                10,
                "mapping.overrides.contact.fields.email.transforms",
                "unknown transform 'lowr' (did you mean 'lower'?)",
            )
        ],
    ),
    (
        "override-two-sources",
        HUBSPOT + "mapping:\n  overrides:\n    deal:\n      fields:\n"
        "        company_id: {from: x, association: companies}\n",
        [(10, "mapping.overrides.deal.fields.company_id", "give exactly one of 'from'")],
    ),
    (
        "override-wrong-type",
        HUBSPOT + "mapping:\n  overrides:\n    contact:\n      fields:\n"
        "        email: {from: email, type: int}\n",
        [
            (
                10,
                "mapping.overrides.contact.fields.email",
                "is a string in the common model, not int",
            )
        ],
    ),
    (
        "override-unknown-object",
        HUBSPOT + "mapping:\n  overrides:\n    lead: {fields: {}}\n",
        [(8, "mapping.overrides.lead", "Input should be 'contact', 'company' or 'deal'")],
    ),
    (
        "override-bad-custom-name",
        HUBSPOT + "mapping:\n  overrides:\n    contact:\n"
        "      fields:\n        custom.9lives: {from: x}\n",
        [(10, "mapping.overrides.contact.fields.custom.9lives", "custom.<name>")],
    ),
    (
        "mapping-file-missing",
        HUBSPOT + "mapping:\n  file: nowhere.yaml\n",
        [(None, "", "cannot read: No such file or directory")],
    ),
]


def problems_of(tmp_path: Path, text: str) -> list[tuple[int | None, str, str]]:
    path = tmp_path / "crmsync.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProblemsError) as caught:
        load_config(path, ENV)
    return [(p.line, p.path, p.message) for p in caught.value.problems]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_problem_is_located_and_explained(
    tmp_path: Path, text: str, expected: list[tuple[int | None, str, str]]
) -> None:
    found = problems_of(tmp_path, text)
    assert len(found) == len(expected), found
    for (line, path, message), (want_line, want_path, fragment) in zip(
        found, expected, strict=True
    ):
        assert (line, path) == (want_line, want_path), found
        assert fragment in message, found
        assert SECRET not in message


def test_many_problems_are_reported_together(tmp_path: Path) -> None:
    text = (
        HUBSPOT.replace("${HS_TOKEN}", "${UNSET_VAR}")
        + "run:\n  log_level: loud\n  objects: [lead]\nwrite_back:\n  tag_namspace: x\n"
    )
    found = problems_of(tmp_path, text)
    assert [(line, path) for line, path, _ in found] == [
        (5, "crm.auth.token"),
        (7, "run.log_level"),
        (8, "run.objects[0]"),
        (10, "write_back.tag_namspace"),
    ]


def test_a_mapping_file_for_another_crm_is_refused(tmp_path: Path) -> None:
    (tmp_path / "sf.yaml").write_text(
        "crm: salesforce\nobjects:\n  contact:\n    object: Contact\n    cursor: SystemModstamp\n"
        "    fields: {email: {from: Email}}\n",
        encoding="utf-8",
    )
    found = problems_of(tmp_path, HUBSPOT + "mapping:\n  file: sf.yaml\n")
    assert found == [
        (7, "mapping.file", f"{tmp_path / 'sf.yaml'} maps salesforce, but crm.kind is hubspot")
    ]


def test_the_cli_exits_2_lists_problems_and_writes_nothing(tmp_path: Path) -> None:
    config = tmp_path / "crmsync.yaml"
    config.write_text(HUBSPOT.replace("${HS_TOKEN}", SECRET) + "run:\n  log_level: loud\n")
    before = set(tmp_path.iterdir())
    runner = CliRunner()
    result = runner.invoke(cli, ["check", "--config", str(config)], env=ENV)
    assert result.exit_code == 2
    assert f"{config}:5: crm.auth.token: secrets must come from the environment" in result.output
    assert f"{config}:7: run.log_level:" in result.output
    assert SECRET not in result.output
    assert set(tmp_path.iterdir()) == before  # no state file, nothing else


def test_json_output_lists_problems_for_machines(tmp_path: Path) -> None:
    config = tmp_path / "crmsync.yaml"
    config.write_text(HUBSPOT.replace("HS_TOKEN", "UNSET_VAR"))
    result = CliRunner().invoke(cli, ["--json", "check", "--config", str(config)], env=ENV)
    assert result.exit_code == 2
    import json

    document = json.loads(result.output)
    assert document["ok"] is False
    assert document["problems"] == [
        {
            "file": str(config),
            "line": 5,
            "path": "crm.auth.token",
            "message": "environment variable UNSET_VAR is not set (looked in the environment of "
            "this process)",
        }
    ]


def test_a_missing_config_file_says_how_to_make_one(tmp_path: Path) -> None:
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        result = CliRunner().invoke(cli, ["check"])
    finally:
        os.chdir(cwd)
    assert result.exit_code == 2
    assert "no config file at crmsync.yaml (create one with `crmsync config init`)" in result.output
