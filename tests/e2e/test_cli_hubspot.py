"""The command line against an emulated HubSpot, as an admin would use it: check against
the live field list, provision, sync twice (the second writes nothing), list runs, undo."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from sandbox.serve import Sandbox, serve
from sync.cli import cli
from tests.e2e.sandboxes import write_config


@pytest.fixture
def hubspot() -> Iterator[Sandbox]:
    with serve("hubspot", contacts=300, seed=4) as sandbox:
        yield sandbox


config_for = write_config  # a config whose token comes from the environment it returns


def crmsync(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.output


def write_requests(sandbox: Sandbox) -> int:
    from sync.demo import write_requests as count

    return count(sandbox)


def test_check_compares_the_mapping_with_the_live_field_list(
    hubspot: Sandbox, tmp_path: Path
) -> None:
    config, env = config_for(hubspot, tmp_path)
    code, out = crmsync(env, "check", "--config", str(config))
    assert code == 2
    assert "fields crmsync writes are missing" in out and "crmsync provision" in out
    code, out = crmsync(env, "provision", "--yes", "--config", str(config))
    assert code == 0 and "crmsync_segment" in out
    code, out = crmsync(env, "check", "--config", str(config))
    assert code == 0, out
    assert "contact: matches the CRM's fields" in out


def test_a_wrong_token_exits_3_without_showing_it(hubspot: Sandbox, tmp_path: Path) -> None:
    config, _ = config_for(hubspot, tmp_path)
    code, out = crmsync({"CRM_TOKEN": "pat-na1-not-the-token"}, "pull", "--config", str(config))
    assert code == 3
    assert "refused" in out and "pat-na1-not-the-token" not in out


def test_sync_twice_then_undo(hubspot: Sandbox, tmp_path: Path) -> None:
    config, env = config_for(hubspot, tmp_path)
    assert crmsync(env, "provision", "--yes", "--config", str(config))[0] == 0
    before = hubspot.server.app.dump()
    code, out = crmsync(env, "--json", "sync", "--config", str(config))
    assert code == 0, out
    first = json.loads(out)
    assert first["applied"]["written"] > 0

    hubspot.server.stats.reset()
    code, out = crmsync(env, "--json", "sync", "--config", str(config))
    second = json.loads(out)
    assert second["planned"].get("contacts changed", 0) == 0
    assert write_requests(hubspot) == 0

    code, out = crmsync(env, "--json", "runs", "--config", str(config))
    runs = json.loads(out)["runs"]
    assert [r["command"] for r in runs] == ["sync", "sync"]
    code, out = crmsync(env, "--json", "undo", first["run_id"], "--config", str(config))
    assert code == 0, out
    after = {c["id"]: c["properties"] for c in hubspot.server.app.dump()["contacts"]}
    stamps = {"lastmodifieddate", "hs_lastmodifieddate"}
    for contact in before["contacts"]:
        now = after[contact["id"]]
        for name, value in contact["properties"].items():
            if name not in stamps:
                assert now.get(name) == value, (contact["id"], name)
        # what crmsync wrote into its own fields is cleared again
        assert all(not now[name] for name in set(now) - set(contact["properties"]) - stamps)


def test_json_logs_are_one_object_per_line_and_never_hold_the_token(tmp_path: Path) -> None:
    from sandbox.http import Faults

    with serve(
        "hubspot",
        contacts=200,
        seed=2,
        faults=Faults({"server_error": 0.2, "rate_limit": 0.1}, seed=5),
    ) as sandbox:
        config, env = config_for(sandbox, tmp_path)
        result = CliRunner().invoke(
            cli,
            ["--log-format", "json", "--log-level", "debug", "pull", "--config", str(config)],
            env=env,
            catch_exceptions=False,
        )
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]
    assert any("retry" in r["message"] for r in records)  # the injected faults were logged
    assert all({"time", "level", "logger", "message"} <= set(r) for r in records)
    assert env["CRM_TOKEN"] not in result.stderr and env["CRM_TOKEN"] not in result.stdout


def test_sync_writes_a_prometheus_textfile_for_node_exporter(
    hubspot: Sandbox, tmp_path: Path
) -> None:
    config, env = config_for(hubspot, tmp_path)
    assert crmsync(env, "provision", "--yes", "--config", str(config))[0] == 0
    metrics = tmp_path / "textfile" / "crmsync.prom"
    code, out = crmsync(
        env, "--json", "sync", "--config", str(config), "--metrics-file", str(metrics)
    )
    assert code == 0, out
    summary = json.loads(out)
    text = metrics.read_text(encoding="utf-8")
    assert 'crmsync_run_success{job="hubspot",command="sync"} 1' in text
    written = summary["applied"]["written"]
    assert (
        f'crmsync_run_records{{job="hubspot",command="sync",outcome="written"}} {written}' in text
    )
    assert 'crmsync_kpi{job="hubspot",kpi="complete_share"}' in text
    assert "# TYPE crmsync_kpi gauge" in text and not list(metrics.parent.glob(".crmsync-*"))
    assert env["CRM_TOKEN"] not in text
