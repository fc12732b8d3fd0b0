"""What the contract suite does not pin down for HubSpot: how changes are read when most
records changed (after crmsync's own first run wrote to nearly every contact), where walking
search at 4 requests a second costs more than listing everything."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import datetime

import pytest

from connectors.types import Cursor
from tests.connectors.harness import HubSpotHarness, Running, dataset, requests_to

HARNESS = HubSpotHarness()
SEARCH = "/crm/v3/objects/contacts/search"
LIST = "/crm/v3/objects/contacts"
LINKS = "/crm/v4/associations/contacts/companies/batch/read"


@pytest.fixture
def crm() -> Iterator[Running]:
    with HARNESS.serve() as run:
        yield run


def changed_since(crm: Running, share_unchanged: float) -> tuple[datetime, set[str]]:
    contacts = dataset().contacts
    moments = sorted(c.updated_at for c in contacts)
    since = moments[int(len(moments) * share_unchanged)]
    return since, {crm.native_id(c.key) for c in contacts if c.updated_at >= since}


def read_changes(crm: Running, since: datetime) -> Counter[str]:
    crm.server.stats.reset()
    records = crm.connector().read(
        HARNESS.contact_object,
        fields=HARNESS.contact_fields,
        since=Cursor(since, "0"),
        associations=["companies"],
    )
    return Counter(r.id for r in records)


def test_when_most_records_changed_they_are_listed_not_searched(crm: Running) -> None:
    since, expected = changed_since(crm, 0.05)  # 95% of 600 contacts changed
    assert read_changes(crm, since) == Counter(expected)
    assert requests_to(crm, "POST", SEARCH) == 2  # the first page, then the count of all
    pages = -(-len(dataset().contacts) // 100)
    assert requests_to(crm, "GET", LIST) == pages + 1  # all, 100 a page; then archived ones
    assert not requests_to(crm, "POST", LINKS)  # (listed with their companies inline)


def test_when_a_few_records_changed_they_are_searched(crm: Running) -> None:
    since, expected = changed_since(crm, 0.75)  # 150 of 600
    assert read_changes(crm, since) == Counter(expected)
    assert requests_to(crm, "POST", SEARCH) == 1
    assert requests_to(crm, "POST", LINKS) == 1  # companies of the searched page
    assert requests_to(crm, "GET", LIST) == 1  # archived ones only
