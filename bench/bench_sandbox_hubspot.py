"""Benchmark of the HubSpot emulator: load N generated contacts, serve them, and read ALL of them
with the real client (hubspot-api-client) the two ways a connector can:

* list pages (``crm.contacts.basic_api.get_page``, 100 per page, every contact property);
* search keyset pages (``(lastmodifieddate = t AND hs_object_id > x) OR lastmodifieddate > t``,
  sorted by ``lastmodifieddate``, 200 per page), which never meets search's 10,000-result cap.

Usage: ``python bench/bench_sandbox_hubspot.py [N ...]`` (default 100000 1000000).
"""

from __future__ import annotations

import gc
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hubspot import HubSpot
from hubspot.crm.contacts import PublicObjectSearchRequest

from bench.common import print_read_figures, sizes_from_argv, timed
from sandbox.generator import generate
from sandbox.http import running
from sandbox.hubspot import HubSpotApp

LIST_PAGE = 100
SEARCH_PAGE = 200


def list_all(client: HubSpot, properties: list[str]) -> tuple[int, int]:
    """(pages, records) of a cursor walk over every contact."""
    pages = records = 0
    after = None
    while True:
        page = client.crm.contacts.basic_api.get_page(
            limit=LIST_PAGE, after=after, properties=properties
        )
        pages, records = pages + 1, records + len(page.results)
        if page.paging is None:
            return pages, records
        after = page.paging.next.after


def keyset_filters(modified: str, record_id: str) -> list[dict[str, Any]]:
    """Everything after the cursor (modified, id) in (modified, id) order."""
    return [
        {
            "filters": [
                {"propertyName": "lastmodifieddate", "operator": "EQ", "value": modified},
                {"propertyName": "hs_object_id", "operator": "GT", "value": record_id},
            ]
        },
        {"filters": [{"propertyName": "lastmodifieddate", "operator": "GT", "value": modified}]},
    ]


def search_all(client: HubSpot, properties: list[str]) -> tuple[int, int]:
    """(pages, records) of a keyset walk over every contact through search."""
    pages = records = 0
    groups: list[dict[str, Any]] = []
    while True:
        found = client.crm.contacts.search_api.do_search(
            PublicObjectSearchRequest(
                filter_groups=groups,
                sorts=["lastmodifieddate"],
                limit=SEARCH_PAGE,
                properties=properties,
            )
        )
        pages, records = pages + 1, records + len(found.results)
        if found.paging is None:
            return pages, records
        last = found.results[-1]
        groups = keyset_filters(last.properties["lastmodifieddate"], last.id)


def bench(size: int) -> None:
    with timed() as generating:
        data = generate(size, seed=7)
    with timed() as loading:
        app = HubSpotApp(data)
    del data
    gc.collect()
    properties = list(app.store("contacts").catalogue.properties)
    with running(app) as server:
        client = HubSpot(access_token=app.settings.private_app_token, host=server.base_url)
        with timed() as listing:
            list_pages, list_records = list_all(client, properties)
        with timed() as searching:
            search_pages, search_records = search_all(client, properties)
    assert list_records == search_records == size, (list_records, search_records, size)
    print_read_figures(
        size,
        generating.seconds,
        loading.seconds,
        [
            ("list pages", list_pages, list_records, listing.seconds),
            ("search keyset", search_pages, search_records, searching.seconds),
        ],
    )


def main() -> None:
    for size in sizes_from_argv([100_000, 1_000_000]):
        bench(size)


if __name__ == "__main__":
    main()
