"""Benchmark of the Salesforce emulator: load N generated contacts, serve them over HTTPS, and
read ALL of them with the real client (simple-salesforce) the two ways a connector can:

* one SOQL query and its queryMore cursor (``nextRecordsUrl``), 2,000 records per batch;
* keyset pages on the (SystemModstamp, Id) index: ``WHERE SystemModstamp > t OR
  (SystemModstamp = t AND Id > x) ORDER BY SystemModstamp, Id LIMIT 2000``, one query each.

Every Contact field is selected. Usage: ``python bench/bench_sandbox_salesforce.py [N ...]``
(default 100000 1000000).
"""

from __future__ import annotations

import gc
import sys
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import requests
from simple_salesforce import Salesforce, format_soql

from bench.common import print_read_figures, sizes_from_argv, timed
from sandbox.generator import generate
from sandbox.http import running
from sandbox.salesforce import SalesforceApp
from sandbox.tls import throwaway_tls

PAGE = 2000
SF_DATETIME = "%Y-%m-%dT%H:%M:%S.%f%z"


def cursor_walk(sf: Salesforce, fields: str) -> tuple[int, int]:
    """(pages, records) of one query followed through its queryMore cursor."""
    result = sf.query(f"SELECT {fields} FROM Contact")
    pages, records = 1, len(result["records"])
    while not result["done"]:
        result = sf.query_more(result["nextRecordsUrl"], identifier_is_url=True)
        pages, records = pages + 1, records + len(result["records"])
    return pages, records


def keyset_walk(sf: Salesforce, fields: str) -> tuple[int, int]:
    """(pages, records) of LIMIT-ed queries that each resume after the last (stamp, id)."""
    order = f"ORDER BY SystemModstamp, Id LIMIT {PAGE}"
    after = (
        f"SELECT {fields} FROM Contact WHERE SystemModstamp > {{t}} OR "
        f"(SystemModstamp = {{t}} AND Id > {{last}}) {order}"
    )
    page = sf.query(f"SELECT {fields} FROM Contact {order}")["records"]
    pages = records = 0
    while page:
        pages, records = pages + 1, records + len(page)
        last = page[-1]
        stamp = datetime.strptime(last["SystemModstamp"], SF_DATETIME)
        page = sf.query(format_soql(after, t=stamp, last=last["Id"]))["records"]
    return pages + 1, records


def bench(size: int) -> None:
    with timed() as generating:
        data = generate(size, seed=7)
    with timed() as loading:
        app = SalesforceApp(data)
    del data
    gc.collect()
    fields = ", ".join(f.name for f in app.store.tables["Contact"].schema.readable_fields())
    tls = throwaway_tls()
    with running(app, ssl_context=tls.context) as server:
        session = requests.Session()
        session.verify = str(tls.ca_path)
        session.trust_env = False  # REQUESTS_CA_BUNDLE in the environment would beat .verify
        credentials = app.credentials(server.base_url)
        sf = Salesforce(
            instance_url=credentials["instance_url"],
            session_id=credentials["access_token"],
            version="62.0",
            session=session,
        )
        with timed() as cursoring:
            cursor_pages, cursor_records = cursor_walk(sf, fields)
        with timed() as keyset:
            keyset_pages, keyset_records = keyset_walk(sf, fields)
    assert cursor_records == keyset_records == size, (cursor_records, keyset_records, size)
    print_read_figures(
        size,
        generating.seconds,
        loading.seconds,
        [
            ("queryMore", cursor_pages, cursor_records, cursoring.seconds),
            ("keyset LIMIT", keyset_pages, keyset_records, keyset.seconds),
        ],
    )


def main() -> None:
    for size in sizes_from_argv([100_000, 1_000_000]):
        bench(size)


if __name__ == "__main__":
    main()
