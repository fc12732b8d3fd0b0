"""``crmsync sandbox serve``: an emulated CRM on this machine, for trying crmsync safely."""

from __future__ import annotations

import json
import threading
from typing import Any

import click

from sandbox.http import Faults
from sandbox.serve import CRMS, serve
from sync import exitcodes
from sync.cli_common import Output, pass_output


@click.group("sandbox")
def sandbox_group() -> None:
    """Emulated HubSpot, Salesforce and Zoho CRM APIs with generated messy data."""


@sandbox_group.command("serve")
@click.option("--crm", type=click.Choice(CRMS), required=True)
@click.option("--records", type=int, default=2000, show_default=True, help="Contacts to generate.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--port", type=int, default=0, help="Port on 127.0.0.1 (default: a free one).")
@click.option("--faults", default="", help="e.g. rate_limit=0.05,server_error=0.05,reset=0.02")
@click.option("--rate-limit", is_flag=True, help="Enforce the vendor's rate limits.")
@pass_output
def serve_command(
    output: Output, crm: str, records: int, seed: int, port: int, faults: str, rate_limit: bool
) -> None:
    """Serve one emulated CRM on 127.0.0.1 until interrupted; prints its URL and credentials."""
    try:
        injected = Faults.parse(faults, seed=seed)
    except ValueError as error:
        output.fail(exitcodes.USAGE, f"--faults: {error}")
    settings: dict[str, Any] = {"rate_limit": True} if rate_limit else {}
    if not output.as_json:
        click.echo(f"generating {records} contacts (seed {seed})…", err=True)
    with serve(crm, contacts=records, seed=seed, port=port, faults=injected, **settings) as box:
        credentials = box.credentials()
        document = {"crm": crm, "base_url": box.base_url, "credentials": credentials,
                    "ca_bundle": str(box.ca_path) if box.ca_path else None,
                    "inspect": f"{box.base_url}/_sandbox/stats"}
        if output.as_json:
            click.echo(json.dumps(document))
        else:
            click.echo(f"{crm} sandbox at {box.base_url} (Ctrl-C to stop)")
            for key, value in credentials.items():
                click.echo(f"  {key}: {value}")
            if box.ca_path:
                click.echo(f"  ca_bundle: {box.ca_path}  (trust it: crm.ca_bundle in the config)")
            click.echo(f"  request counts: {document['inspect']}")
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            click.echo("stopped", err=True)
