"""``crmsync rules list`` and ``crmsync rules outputs``: what the rules are and what they
write, for an admin choosing write-back fields or writing custom rules (which may test any
output as ``output.<name>``). Click commands for :mod:`sync.cli` to add."""

from __future__ import annotations

import json

import click

from sync.rules import RULES
from sync.rules.base import STAGES
from sync.segmentation.outputs import FIELD_OUTPUTS, TAGS

_json_option = click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")


@click.group("rules")
def rules_group() -> None:
    """The rules crmsync runs, and what they output."""


@rules_group.command("list")
@_json_option
def list_rules(as_json: bool) -> None:
    """Every rule, stage by stage, with what it does."""
    rules = [
        {"name": spec.name, "stage": spec.stage, "description": spec.description}
        for spec in RULES.values()
    ]
    if as_json:
        click.echo(json.dumps({"rules": rules}, indent=2))
        return
    for stage in STAGES:
        chosen = [r for r in rules if r["stage"] == stage]
        if chosen:
            click.echo(f"{stage}:")
            for r in chosen:
                click.echo(f"  {r['name']:<24} {r['description']}")


@rules_group.command("outputs")
@_json_option
def list_outputs(as_json: bool) -> None:
    """The fields and tags the segmentation and enrichment rules write."""
    fields = {
        name: {"type": kind, "meaning": meaning} for name, (kind, meaning) in FIELD_OUTPUTS.items()
    }
    if as_json:
        click.echo(json.dumps({"fields": fields, "tags": TAGS}, indent=2))
        return
    click.echo("fields (write-back: write_back.fields; in custom rules: output.<name>):")
    for name, (kind, meaning) in FIELD_OUTPUTS.items():
        click.echo(f"  {name:<27} {kind:<5} {meaning}")
    click.echo("tags (in crmsync's namespace; in custom rules: output.tags):")
    for tag, meaning in TAGS.items():
        click.echo(f"  {tag:<27} {meaning}")
