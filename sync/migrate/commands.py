"""``crmsync migrate``: carry a customer base from one CRM (or folder of CSVs) to another."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from sync import exitcodes
from sync.cli_common import Output, load_or_exit, pass_output
from sync.cli_run import crm_errors, progress_printer
from sync.config import LoadedConfig
from sync.migrate.audit import source_config
from sync.migrate.plan import OBJECT_ORDER, MigrationPlan
from sync.migrate.runner import Migration

SHOWN_REJECTIONS = 20


def _source(output: Output, path: Path) -> LoadedConfig:
    """A crmsync config, or a folder of CSV files (or one CSV of contacts) read with the
    shipped csv mapping."""
    return source_config(path) or load_or_exit(output, path)


@click.command("migrate")
@click.option(
    "--from",
    "source_path",
    type=click.Path(exists=True, path_type=Path),
    required=True,
    help="The source: a crmsync config, a folder of contacts/companies/deals CSV files, or "
    "a CSV of contacts.",
)
@click.option(
    "--to",
    "target_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="The target CRM's crmsync config.",
)
@click.option("--plan", "mode", flag_value="plan", default=True, help="Show the plan (default).")
@click.option("--apply", "mode", flag_value="apply", help="Plan and write to the target.")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also save the plan as JSON here.",
)
@pass_output
def migrate_command(
    output: Output, source_path: Path, target_path: Path, mode: str, out: Path | None
) -> None:
    """Read contacts, companies and deals from the source, clean them with the source
    config's hygiene and duplicate rules (duplicates merged), map them through the target's
    mapping and upsert them into the target (by e-mail, domain, or crmsync's source-id field),
    links included. A rerun writes only what changed; a killed run resumes."""
    source = _source(output, source_path)
    target = load_or_exit(output, target_path)
    migration = Migration(source, target)
    with crm_errors(output):
        if mode == "plan":
            plan = migration.plan(progress=progress_printer(output, "read"))
            report = None
        else:
            plan, report = migration.apply(progress=_apply_progress(output))
    if out is not None:
        out.write_text(plan.to_json(), encoding="utf-8")
    document: dict[str, Any] = {
        "ok": not (report and report.failed),
        "migration": migration.name,
        "mode": mode,
        "plan": plan.summary(),
        "rejected": [str(r) for r in plan.rejections],
        "unmapped": plan.unmapped,
        "new_options": plan.new_options,
    }
    lines = _plan_lines(migration.name, plan)
    if report is not None:
        document["applied"] = {
            "created": report.created,
            "updated": report.updated,
            "failed": report.failed,
            "requests": report.requests,
        }
        lines += [
            f"applied: {report.counts()['created']} created, {report.counts()['updated']} "
            f"updated, {len(report.failed)} failed, {report.requests} write requests",
            *(f"  failed: {f}" for f in report.failed[:SHOWN_REJECTIONS]),
        ]
    elif not plan.empty:
        lines.append("nothing written: run again with --apply to migrate")
    if out is not None:
        lines.append(f"plan saved to {out}")
    output.result(document, lines)
    if report is not None and report.failed:
        raise SystemExit(exitcodes.FAILED_RECORDS)


def _plan_lines(name: str, plan: MigrationPlan) -> list[str]:
    summary = plan.summary()
    lines = [f"migration {name}"]
    for object_name in OBJECT_ORDER:
        row = summary[object_name]
        if not row.get("read"):
            continue
        lines.append(
            f"  {object_name}: {row.get('read', 0)} read, {row.get('merged', 0)} merged as "
            f"duplicates, {row['create']} to create, {row['update']} to update, "
            f"{row.get('unchanged', 0)} unchanged"
        )
    for object_name, fields in plan.new_options.items():
        for field_name, options in fields.items():
            shown = ", ".join(options[:5]) + (", …" if len(options) > 5 else "")
            lines.append(f"  options to add to {object_name} {field_name}: {shown}")
    if plan.rejections:
        lines.append(f"values the target will not take ({len(plan.rejections)}):")
        lines += [f"  {r}" for r in plan.rejections[:SHOWN_REJECTIONS]]
        if len(plan.rejections) > SHOWN_REJECTIONS:
            lines.append(f"  … and {len(plan.rejections) - SHOWN_REJECTIONS} more (--json)")
    if plan.unmapped:
        lines.append("source fields the target mapping has no place for (records holding one):")
        lines += [f"  {name}: {count}" for name, count in plan.unmapped.items()]
    return lines


def _apply_progress(output: Output) -> Any:
    show = progress_printer(output, "migrated")
    if show is None:
        return None
    return lambda object_name, done, total: show(object_name, done)
