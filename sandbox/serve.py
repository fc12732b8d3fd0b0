"""Serving one emulated CRM with generated data: the shared entry point of
``crmsync sandbox serve``, ``crmsync demo``, the end-to-end tests and the benchmarks."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sandbox.dataset import Dataset
from sandbox.generator import generate
from sandbox.http import App, EmulatorServer, Faults, running
from sandbox.tls import throwaway_tls

CRMS = ("hubspot", "salesforce", "zoho")


def make_app(crm: str, dataset: Dataset | None, **settings: Any) -> App:
    """The emulator of ``crm`` loaded with ``dataset``; ``settings`` go to its Settings."""
    if crm == "hubspot":
        from sandbox.hubspot import HubSpotApp, HubSpotSettings

        return HubSpotApp(dataset, HubSpotSettings(**settings))
    if crm == "salesforce":
        from sandbox.salesforce import SalesforceApp, SalesforceSettings

        return SalesforceApp(dataset, SalesforceSettings(**settings))
    if crm == "zoho":
        from sandbox.zoho import ZohoApp, ZohoSettings

        return ZohoApp(dataset, ZohoSettings(**settings))
    raise ValueError(f"unknown CRM {crm!r}; the sandbox has {', '.join(CRMS)}")


@dataclass
class Sandbox:
    """A running emulator and what a client needs to reach it."""

    crm: str
    app: Any
    server: EmulatorServer
    dataset: Dataset | None
    ca_path: Path | None  # the CA to trust (Salesforce is served over HTTPS)

    @property
    def base_url(self) -> str:
        return self.server.base_url

    def credentials(self) -> dict[str, str]:
        return dict(self.app.credentials(self.server.base_url))


@contextmanager
def serve(
    crm: str,
    *,
    contacts: int = 2000,
    seed: int = 0,
    dataset: Dataset | None = None,
    faults: Faults | None = None,
    port: int = 0,
    **settings: Any,
) -> Iterator[Sandbox]:
    """Generate ``contacts`` (or take ``dataset``) and serve ``crm`` on 127.0.0.1."""
    data = dataset if dataset is not None else generate(contacts, seed=seed)
    app = make_app(crm, data, **settings)
    tls = throwaway_tls() if crm == "salesforce" else None
    with running(app, port=port, faults=faults, ssl_context=tls.context if tls else None) as server:
        yield Sandbox(crm, app, server, data, tls.ca_path if tls else None)
