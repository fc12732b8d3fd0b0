"""The README's main command: crmsync demo runs the whole job on the sandbox and its second
sync changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from sync.cli import cli


def test_the_demo_runs_end_to_end_and_its_second_sync_writes_nothing(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        ["--json", "demo", "--contacts", "300", "--dir", str(tmp_path)],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output[-2000:]
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert figures["pulled"] >= 300 and figures["applied"]["written"] > 0
    assert figures["applied"]["failed"] == 0
    assert figures["second_run_changes"] == 0 and figures["second_run_write_requests"] == 0
    report = Path(figures["report"]).read_text(encoding="utf-8")
    assert "<svg" in report and "http://" not in report.split("<body", 1)[1][:200]
    assert (tmp_path / "plan.json").exists()
