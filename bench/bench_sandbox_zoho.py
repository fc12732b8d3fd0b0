"""Benchmark of the Zoho CRM emulator: load N contacts, serve them, and page through them with
plain ``requests`` (Zoho's client in our stack) the two ways a connector can.

* Get Records with every contact field: ``page`` for the first 2,000 records, then
  ``page_token`` up to Zoho's 100,000-record ceiling;
* COQL keyset paging (``where id > last order by id limit 2000``) over ALL contacts.

Usage: ``python bench/bench_sandbox_zoho.py [N ...]`` (default 100000 1000000).
"""

from __future__ import annotations

import gc
import sys
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import print_read_figures, sizes_from_argv, timed
from sandbox.generator import generate
from sandbox.http import running
from sandbox.zoho import ZohoApp

COQL_PAGE = 2_000


class Client:
    """Token refresh, then calls against the returned api_domain."""

    def __init__(self, credentials: dict[str, str]) -> None:
        self.session = requests.Session()
        answer = self.session.post(
            credentials["token_url"],
            data={
                "grant_type": "refresh_token",
                "client_id": credentials["client_id"],
                "client_secret": credentials["client_secret"],
                "refresh_token": credentials["refresh_token"],
            },
        ).json()
        self.api = answer["api_domain"]
        self.session.headers["Authorization"] = f"Zoho-oauthtoken {answer['access_token']}"

    def records_page(self, params: dict[str, Any]) -> dict[str, Any]:
        answer = self.session.get(self.api + "/crm/v8/Contacts", params=params)
        answer.raise_for_status()
        return dict(answer.json())

    def coql(self, query: str) -> dict[str, Any]:
        answer = self.session.post(self.api + "/crm/v8/coql", json={"select_query": query})
        answer.raise_for_status()
        return dict(answer.json()) if answer.status_code == 200 else {"data": [], "info": {}}


def get_records(client: Client, fields: str) -> tuple[int, int]:
    """(pages, records) read with page, then page_token until Zoho's ceiling."""
    pages = records = 0
    params: dict[str, Any] = {
        "fields": fields,
        "per_page": 200,
        "sort_by": "id",
        "sort_order": "asc",
    }
    body: dict[str, Any] = {"info": {"next_page_token": None}}
    for page in range(1, 11):
        body = client.records_page({**params, "page": page})
        pages, records = pages + 1, records + len(body["data"])
        if not body["info"]["more_records"]:
            return pages, records
    token = body["info"]["next_page_token"]
    while token:
        body = client.records_page({**params, "page_token": token})
        pages, records = pages + 1, records + len(body["data"])
        token = body["info"]["next_page_token"]
    return pages, records


def coql_keyset(client: Client, fields: str) -> tuple[int, int]:
    """(pages, records) of a keyset walk over every contact."""
    pages = records = 0
    where = ""
    while True:
        body = client.coql(
            f"select {fields} from Contacts{where} order by id asc limit {COQL_PAGE}"
        )
        pages, records = pages + 1, records + len(body["data"])
        if not body["info"].get("more_records"):
            return pages, records
        where = f" where id > '{body['data'][-1]['id']}'"


def bench(size: int) -> None:
    with timed() as generating:
        data = generate(size, seed=7)
    with timed() as loading:
        app = ZohoApp(data)
    del data
    gc.collect()
    schema = app.store.schemas["Contacts"]
    fields = ",".join(f.api_name for f in schema.listed())
    coql_fields = ", ".join(f.api_name for f in schema.listed() if f.api_name != "Tag")
    with running(app) as server:
        client = Client(app.credentials(server.base_url))
        with timed() as listing:
            list_pages, list_records = get_records(client, fields)
        with timed() as querying:
            coql_pages, coql_records = coql_keyset(client, coql_fields)
    assert coql_records == size, (coql_records, size)
    print_read_figures(
        size,
        generating.seconds,
        loading.seconds,
        [
            ("get records", list_pages, list_records, listing.seconds),
            ("coql keyset", coql_pages, coql_records, querying.seconds),
        ],
    )


def main() -> None:
    for size in sizes_from_argv([100_000, 1_000_000]):
        bench(size)


if __name__ == "__main__":
    main()
