"""A Prometheus textfile of a run's metrics, for node_exporter's textfile collector.

Written atomically (a temporary file renamed over the target) so the collector never reads
half a file. Metric names follow Prometheus conventions; every sample carries the job name.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def render_metrics(
    job: str,
    command: str,
    succeeded: bool,
    duration_seconds: float,
    counts: Mapping[str, float],
    kpis: Mapping[str, float],
    alerts: int,
    finished_at: float | None = None,
) -> str:
    """The textfile's content."""
    labels = f'job="{_escape(job)}",command="{_escape(command)}"'
    lines = [
        "# HELP crmsync_run_success 1 if the last run finished without failed records.",
        "# TYPE crmsync_run_success gauge",
        f"crmsync_run_success{{{labels}}} {int(succeeded)}",
        "# HELP crmsync_run_duration_seconds Wall time of the last run.",
        "# TYPE crmsync_run_duration_seconds gauge",
        f"crmsync_run_duration_seconds{{{labels}}} {duration_seconds:.3f}",
        "# HELP crmsync_run_finished_timestamp_seconds When the last run finished.",
        "# TYPE crmsync_run_finished_timestamp_seconds gauge",
        f"crmsync_run_finished_timestamp_seconds{{{labels}}} "
        f"{finished_at if finished_at is not None else time.time():.0f}",
        "# HELP crmsync_run_records Records of the last run, by outcome.",
        "# TYPE crmsync_run_records gauge",
    ]
    lines += [
        f'crmsync_run_records{{{labels},outcome="{_escape(name)}"}} {value:g}'
        for name, value in sorted(counts.items())
    ]
    lines += [
        "# HELP crmsync_kpi The playbook's KPIs after the last run.",
        "# TYPE crmsync_kpi gauge",
    ]
    lines += [
        f'crmsync_kpi{{job="{_escape(job)}",kpi="{_escape(name)}"}} {value:g}'
        for name, value in sorted(kpis.items())
    ]
    lines += [
        "# HELP crmsync_kpi_alerts KPIs that worsened by more than 10% in the last run.",
        "# TYPE crmsync_kpi_alerts gauge",
        f'crmsync_kpi_alerts{{job="{_escape(job)}"}} {alerts}',
    ]
    return "\n".join(lines) + "\n"


def write_metrics(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` in one step."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".crmsync-", suffix=".prom", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
