"""``crmsync report`` on a config whose CRM does not exist: over an empty mirror it says what
to run first; over a mirror filled by hand it writes the report without the plan, and says
why. The full path, with a real sync, is in test_browser.py."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.console import Console

from connectors.types import SourceRecord
from sync.cli import cli
from sync.config import load_config
from sync.report.commands import report, steps
from sync.runner import Job


@pytest.fixture(autouse=True)
def wired(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setitem(cli.commands, "report", report)  # until sync/cli.py adds it
    yield


TOKEN = "pat-na1-secret-token"


def config(folder: Path) -> Path:
    path = folder / "crmsync.yaml"
    path.write_text(
        "crm:\n  kind: hubspot\n  base_url: http://127.0.0.1:9\n"  # nothing listens there
        "  auth:\n    mode: private_app\n    token: ${HS_TOKEN}\n"
        f"state:\n  url: sqlite:///{folder}/state.db\n"
        "run:\n  max_retries: 0\n",
        encoding="utf-8",
    )
    return path


def mirror(path: Path) -> None:
    """Two HubSpot contacts in the job's mirror, as a pull would have saved them."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("HS_TOKEN", TOKEN)
        job = Job(load_config(path))
    moment = datetime(2026, 3, 1, tzinfo=timezone.utc)
    job.store.save_records(
        job.name,
        [
            SourceRecord("contacts", "1", {"firstname": "Ada", "email": "ada@example.org"}, moment),
            SourceRecord("contacts", "2", {"firstname": "Bob", "email": "bob@"}, moment),
        ],
    )
    job.store.close()


def crmsync(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), env={"HS_TOKEN": TOKEN})
    return result.exit_code, result.output


def test_an_empty_mirror_asks_for_a_pull_first(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    code, text = crmsync("report", "--config", str(config(tmp_path)), "--out", str(out))
    assert code == 2
    assert "holds no contacts: run `crmsync pull` (or `crmsync sync`) first" in text
    assert not out.exists()


def test_the_same_as_json(tmp_path: Path) -> None:
    code, text = crmsync("--json", "report", "--config", str(config(tmp_path)))
    assert code == 2
    assert json.loads(text)["ok"] is False


def test_json_and_standard_output_exclude_each_other(tmp_path: Path) -> None:
    code, text = crmsync("--json", "report", "--config", str(config(tmp_path)), "--out", "-")
    assert code == 2 and "both write to standard output" in text


def test_a_missing_config_is_a_usage_error(tmp_path: Path) -> None:
    code, text = crmsync("report", "--config", str(tmp_path / "nope.yaml"))
    assert code == 2 and "no config file" in text


def test_progress_shows_on_a_terminal_only() -> None:
    screen = io.StringIO()
    with steps(True, Console(file=screen, force_terminal=True, width=80)) as step:
        step("reading the mirror")
        step("writing")
    assert "writing" in screen.getvalue()
    quiet = io.StringIO()
    with steps(False, Console(file=quiet)) as step:
        step("reading the mirror")
    assert quiet.getvalue() == ""


def test_offline_the_report_leaves_out_the_plan_only(tmp_path: Path) -> None:
    path = config(tmp_path)
    mirror(path)
    code, text = crmsync("report", "--config", str(path), "--offline", "--format", "markdown",
                         "--out", "-")  # fmt: skip
    assert code == 0, text
    assert text.startswith("# Customer base report")
    assert "- 2 contacts, 0 companies and 0 deals in the mirror of HubSpot" in text
    assert "| E-mail | 100% | 2 |" in text
    assert "If you sync now: Not shown: the report was made offline" in text
    assert TOKEN not in text


def test_an_unreachable_crm_costs_the_plan_not_the_report(tmp_path: Path) -> None:
    path = config(tmp_path)
    mirror(path)
    out = tmp_path / "out" / "report.html"
    code, text = crmsync("--json", "report", "--config", str(path), "--out", str(out))
    assert code == 0, text
    document = json.loads(text)
    assert document["written"] == str(out) and document["format"] == "html"
    assert document["report"]["plan"] is None
    assert "could not be reached" in document["report"]["plan_note"]
    page = out.read_text(encoding="utf-8")
    assert "could not be reached to check its fields" in page
    assert document["report"]["audit"]["contacts"] == 2
    assert TOKEN not in page and TOKEN not in text
