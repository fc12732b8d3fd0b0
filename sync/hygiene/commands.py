"""``crmsync dedupe`` and ``crmsync audit``: click commands for :mod:`sync.cli` to add.

Both read rule settings from ``--config`` when given (the ``rules:`` section of a crmsync
config), else use the playbook's defaults. ``--json`` prints one JSON document."""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import click
import yaml
from pydantic import ValidationError

from sync import exitcodes
from sync.config.rules import RulesSettings
from sync.hygiene.audit import audit
from sync.rules.base import CustomerBase

_config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="A crmsync config whose `rules:` section to use [default: the playbook's defaults].",
)
_json_option = click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")


def rules_settings(path: Path | None) -> RulesSettings:
    """The ``rules:`` section of the config at ``path`` (defaults without a path)."""
    if path is None:
        return RulesSettings()
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return RulesSettings.model_validate(document.get("rules") or {})


def _fail(as_json: bool, message: str) -> None:
    if as_json:
        click.echo(json.dumps({"ok": False, "error": message}))
    else:
        click.echo(f"error: {message}", err=True)
    sys.exit(exitcodes.USAGE)


def _settings_or_fail(path: Path | None, as_json: bool) -> RulesSettings:
    try:
        return rules_settings(path)
    except (ValidationError, yaml.YAMLError) as exc:
        _fail(as_json, f"{path}: {exc}")
        raise  # unreachable: _fail exits


@click.command("dedupe")
@click.argument("input_csv", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Where to write id, cluster_id, survivor_id, score.",
)
@click.option(
    "--object",
    "object_name",
    type=click.Choice(["contact", "company"]),
    default="contact",
    show_default=True,
    help="What the CSV holds.",
)
@click.option(
    "--threshold",
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    default=None,
    help="Match probability to link two records [config: 0.9].",
)
@click.option(
    "--survivor",
    type=click.Choice(["oldest", "most_complete", "most_recent_activity"]),
    default=None,
    help="Which record of a cluster survives [config: most_complete].",
)
@click.option("--region", default=None, help="Phone region for numbers without a country (ES).")
@_config_option
@_json_option
def dedupe_command(
    input_csv: Path,
    out: Path,
    object_name: str,
    threshold: float | None,
    survivor: str | None,
    region: str | None,
    config_path: Path | None,
    as_json: bool,
) -> None:
    """Find duplicates in a CSV whose columns are the common model's field names (id,
    first_name, last_name, email, phone, mobile, company, city, country…)."""
    from sync.hygiene.csvio import read_frame  # pandas and Splink: imported when needed
    from sync.hygiene.dedupe import find_duplicates

    settings = _settings_or_fail(config_path, as_json)
    try:
        frame = read_frame(input_csv)
    except (ValueError, UnicodeDecodeError) as exc:
        _fail(as_json, str(exc))
        return
    rules = settings.duplicates
    try:
        clusters = find_duplicates(
            frame,
            object_name="company" if object_name == "company" else "contact",
            threshold=threshold or rules.match_threshold,
            survivor=survivor or rules.survivor,  # type: ignore[arg-type]
            default_region=(region or settings.hygiene.default_region or "").upper() or None,
            identifier_fields=rules.identifier_fields,
        )
    except ValueError as exc:
        _fail(as_json, f"{input_csv}: {exc}")
        return
    clusters.to_csv(out, index=False, float_format="%.4f")
    duplicates = int((clusters["id"] != clusters["survivor_id"]).sum())
    groups = int(clusters.loc[clusters["id"] != clusters["survivor_id"], "survivor_id"].nunique())
    summary: dict[str, Any] = {
        "ok": True,
        "records": len(clusters),
        "duplicates": duplicates,
        "clusters_with_duplicates": groups,
        "written": str(out),
    }
    if as_json:
        click.echo(json.dumps(summary))
    else:
        click.echo(
            f"{len(clusters)} records, {duplicates} duplicates in {groups} clusters; wrote {out}"
        )


@click.command("audit")
@click.option(
    "--csv",
    "csv_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Audit a CSV of contacts (common-model column names).",
)
@click.option(
    "--source",
    "source_path",
    type=click.Path(exists=True, path_type=Path),
    default=None,
    help="Audit a whole base before a move: a crmsync config, a folder of CSV files or a CSV "
    "of contacts; writes audit.html and audit.json into --out.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("crmsync-audit"),
    show_default=True,
    help="Where --source writes its report.",
)
@click.option("--no-duplicates", is_flag=True, help="Skip duplicate detection (faster).")
@_config_option
@_json_option
def audit_command(
    csv_path: Path | None,
    source_path: Path | None,
    out: Path,
    no_duplicates: bool,
    config_path: Path | None,
    as_json: bool,
) -> None:
    """Print the data-quality KPIs: completeness, invalid e-mails and phones, duplicates,
    obsolete records (with --source: the whole report, as HTML and JSON)."""
    root = click.get_current_context().find_root().obj
    as_json = as_json or bool(getattr(root, "as_json", False))  # `crmsync --json audit` too
    if source_path is not None:
        _audit_source(source_path, out, as_json)
        return
    settings = _settings_or_fail(config_path, as_json)
    if csv_path is None:
        _audit_crm(config_path, as_json, duplicates=not no_duplicates)
        return
    from sync.hygiene.csvio import contacts_from_frame, read_frame  # pandas: when needed

    try:
        contacts, unreadable = contacts_from_frame(read_frame(csv_path))
    except (ValueError, UnicodeDecodeError) as exc:
        _fail(as_json, str(exc))
        return
    print_audit(
        CustomerBase(contacts),
        settings,
        as_json=as_json,
        duplicates=not no_duplicates,
        unreadable_values=len(unreadable),
    )


def _audit_source(path: Path, out: Path, as_json: bool) -> None:
    from connectors.types import ConnectorError
    from mapping.yamlsource import ProblemsError
    from sync.config import load_config
    from sync.migrate.audit import audit_source, source_config

    try:
        loaded = source_config(path) or load_config(path)
    except ProblemsError as exc:
        _fail(as_json, f"{path}: {exc}")
        return
    try:
        document = audit_source(loaded, out)
    except ConnectorError as exc:
        click.echo(f"error: the source could not be read: {exc}", err=True)
        sys.exit(exitcodes.CRM_UNREACHABLE)
    if as_json:
        click.echo(json.dumps({"ok": True, "written": str(out), **document}, default=str))
        return
    cleanup = document["migration_cleanup"]
    click.echo(f"audit of {path} written to {out}/audit.html and {out}/audit.json")
    for name, after in cleanup["records_after"].items():
        merged = cleanup["records_merged"].get(name, 0)
        fixed = cleanup["fields_fixed"].get(name, 0)
        click.echo(
            f"  {name}: {after + merged} records, {merged} duplicates would merge, "
            f"{fixed} values would be fixed"
        )


def _audit_crm(config_path: Path | None, as_json: bool, *, duplicates: bool) -> None:
    """Pull the configured CRM into the mirror (what changed since the last pull) and audit
    every live record there."""
    from connectors.types import ConnectorError
    from mapping.yamlsource import ProblemsError
    from sync.config import DEFAULT_CONFIG, load_config
    from sync.planner import load_mirror
    from sync.runner import Job

    try:
        loaded = load_config(config_path or DEFAULT_CONFIG)
    except ProblemsError as exc:
        _fail(as_json, f"{config_path or DEFAULT_CONFIG}: {exc}")
        return
    job = Job(loaded)
    try:
        job.pull()
    except ConnectorError as exc:
        click.echo(f"error: the CRM could not be read: {exc}", err=True)
        sys.exit(exitcodes.CRM_UNREACHABLE)
    mirror = load_mirror(job.store, job.name, job.mapping, loaded.config.run.objects)
    print_audit(
        mirror.base,
        loaded.config.rules,
        as_json=as_json,
        duplicates=duplicates,
        unreadable_values=len(mirror.issues),
    )


def print_audit(
    base: CustomerBase,
    settings: RulesSettings,
    *,
    as_json: bool = False,
    duplicates: bool = True,
    unreadable_values: int = 0,
    now: datetime | None = None,
) -> None:
    """Audit ``base`` and print the KPIs (the CRM path calls this with a pulled base)."""
    report = audit(
        base,
        settings,
        now or datetime.now(timezone.utc),
        duplicates=duplicates,
        unreadable_values=unreadable_values,
    )
    if as_json:
        click.echo(json.dumps({"ok": True, **report.as_dict()}, indent=2))
    else:
        for line in report.lines():
            click.echo(line)
