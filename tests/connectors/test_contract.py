"""The contract every connector keeps, run against each CRM's emulator over real HTTP with
the real client: pagination, incremental cursors and ties, deletes, writes and partial
failures, tags in crmsync's namespace only, tasks created once, errors mapped, tokens
refreshed, faults survived, secrets kept out of the logs."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta

import pytest

from connectors.types import AuthError, Cursor, RecordUpdate, TaskRequest
from sandbox.http import Faults
from tests.connectors.harness import HARNESSES, NAMESPACE, Harness, Running, dataset


@pytest.fixture(params=sorted(HARNESSES), scope="module")
def harness(request: pytest.FixtureRequest) -> Harness:
    return HARNESSES[request.param]()


@pytest.fixture
def crm(harness: Harness) -> Iterator[Running]:
    with harness.serve() as run:
        yield run


def live_contact_keys() -> list[str]:
    return [c.key for c in dataset().contacts]


def test_a_full_read_returns_every_contact_once_with_its_company(crm: Running) -> None:
    harness = crm.harness
    records = list(
        crm.connector().read(
            harness.contact_object,
            fields=harness.contact_fields,
            associations=harness.contact_associations,
        )
    )
    ids = Counter(r.id for r in records)
    assert sorted(ids) == sorted(crm.native_id(k) for k in live_contact_keys())
    assert set(ids.values()) == {1}
    assert not any(r.deleted for r in records)
    by_id = {r.id: r for r in records}
    with_company = [c for c in dataset().contacts if c.company_key][:20]
    contact_mapping = harness.mapping["contact"]  # where this CRM keeps the company link
    for contact in with_company:
        entity = contact_mapping.to_common(by_id[crm.native_id(contact.key)])
        assert entity.company_id == crm.native_id(str(contact.company_key)), (
            f"{contact.key} lost its company"
        )


def test_pages_are_as_large_as_the_api_allows(crm: Running) -> None:
    connector = crm.connector()
    harness = crm.harness
    crm.server.stats.reset()
    count = sum(1 for _ in connector.read(harness.contact_object, fields=harness.contact_fields))
    requests = crm.server.stats.total()
    floor = {"hubspot": 100, "salesforce": 2000, "zoho": 200}[harness.name]
    assert requests <= count / floor + 3, f"{requests} requests for {count} records"


def test_an_incremental_read_returns_exactly_what_changed_since_the_cursor(crm: Running) -> None:
    contacts = dataset().contacts
    moments = sorted(c.updated_at for c in contacts)
    since = moments[len(moments) * 3 // 4]
    expected = {crm.native_id(c.key) for c in contacts if c.updated_at >= since}
    harness = crm.harness
    records = list(
        crm.connector().read(
            harness.contact_object, fields=harness.contact_fields, since=Cursor(since, "0")
        )
    )
    assert Counter(r.id for r in records) == Counter(expected)
    assert all(r.updated_at >= since for r in records)


def test_records_sharing_a_timestamp_are_all_returned(crm: Running) -> None:
    """Bulk imports stamp many records with one second: a cursor on that second must not
    lose any of them."""
    by_moment = Counter(c.updated_at for c in dataset().contacts)
    moment, count = by_moment.most_common(1)[0]
    assert count > 1
    harness = crm.harness
    records = list(
        crm.connector().read(
            harness.contact_object, fields=harness.contact_fields, since=Cursor(moment, "0")
        )
    )
    returned = {r.id for r in records if r.updated_at == moment}
    tied = {crm.native_id(c.key) for c in dataset().contacts if c.updated_at == moment}
    assert tied <= returned


def test_deleted_records_are_reported_as_deleted(crm: Running) -> None:
    harness = crm.harness
    connector = crm.connector()
    victim = crm.native_id(live_contact_keys()[5])
    before = max(c.updated_at for c in dataset().contacts)
    harness.delete(crm, victim)
    records = list(
        connector.read(
            harness.contact_object, fields=harness.contact_fields, since=Cursor(before, "0")
        )
    )
    deleted = [r for r in records if r.id == victim]
    assert deleted and all(r.deleted for r in deleted)
    assert victim not in {r.id for r in records if not r.deleted}


def test_writes_land_and_partial_failures_are_per_record(crm: Running) -> None:
    harness = crm.harness
    connector = crm.connector()
    email = harness.email_field()
    first, second = (crm.native_id(k) for k in live_contact_keys()[:2])
    missing = crm.native_id(live_contact_keys()[2])
    harness.delete(crm, missing)
    result = connector.write(
        harness.contact_object,
        [
            RecordUpdate(first, {email: "first@example.org"}),
            RecordUpdate(missing, {email: "ghost@example.org"}),
            RecordUpdate(second, {email: "second@example.org"}),
        ],
    )
    assert [(o.id, o.ok) for o in result.outcomes] == [
        (first, True),
        (missing, False),
        (second, True),
    ]
    assert result.failed[0].error_code
    read = {
        r.id: r for r in connector.read_by_ids(harness.contact_object, [first, second], [email])
    }
    assert read[first].fields[email] == "first@example.org"
    assert read[second].fields[email] == "second@example.org"


def test_only_tags_in_crmsyncs_namespace_are_added_or_removed(crm: Running) -> None:
    harness = crm.harness
    connector = crm.connector()
    person_tagged = next(c for c in dataset().contacts if c.tags)
    record_id = crm.native_id(person_tagged.key)
    tag_field = harness.tag_field()
    fields = [tag_field] if tag_field else []

    def tags() -> set[str]:
        [record] = connector.read_by_ids(harness.contact_object, [record_id], fields)
        return harness.tags_of(dict(record.fields))

    original = tags()
    assert original == set(person_tagged.tags)
    lead, customer = f"{NAMESPACE}:lead", f"{NAMESPACE}:customer"
    connector.write(
        harness.contact_object,
        [RecordUpdate(record_id, tags_add=frozenset({lead}), current_tags=frozenset(original))],
    )
    assert tags() == original | {lead}
    connector.write(
        harness.contact_object,
        [
            RecordUpdate(
                record_id,
                tags_add=frozenset({customer}),
                tags_remove=frozenset({lead}),
                current_tags=frozenset(original | {lead}),
            )
        ],
    )
    assert tags() == original | {customer}
    with pytest.raises(ValueError, match="outside the 'crmsync:' namespace"):
        connector.write(
            harness.contact_object, [RecordUpdate(record_id, tags_remove=frozenset(original))]
        )
    assert tags() == original | {customer}


def test_a_task_is_created_once_per_trigger_key(crm: Running) -> None:
    harness = crm.harness
    connector = crm.connector()
    for object_type, fields in connector.support_fields.items():
        connector.create_fields(object_type, fields)
    contact = dataset().contacts[0]
    task = TaskRequest(
        key=f"nps-detractor:{contact.key}:2026-10-01",
        subject="Call back: NPS 3",
        due=contact.updated_at + timedelta(hours=24),
        owner_id=None,
        related_object=harness.contact_object,
        related_id=crm.native_id(contact.key),
    )
    first = connector.create_tasks([task])
    again = connector.create_tasks([task])
    assert [o.ok for o in first.outcomes] == [True]
    assert [(o.ok, o.error_code) for o in again.outcomes] == [(True, "ALREADY_EXISTS")]
    assert list(connector.existing_tasks([task.key])) == [task.key]


def test_a_wrong_token_stops_the_run_with_an_auth_error(crm: Running) -> None:
    connector = crm.connector(token="pat-na1-wrong")
    with pytest.raises(AuthError):
        next(iter(connector.read(crm.harness.contact_object, fields=["email"])))


def test_oauth_tokens_are_refreshed_before_they_expire(harness: Harness) -> None:
    with harness.serve(access_token_ttl=1) as run:
        connector = run.connector(oauth=True)
        fields = harness.contact_fields
        first = list(connector.read(harness.contact_object, fields=fields))
        import time

        time.sleep(1.1)
        second = list(connector.read(harness.contact_object, fields=fields))
    assert len(first) == len(second) == len(live_contact_keys())


def test_a_sync_through_20_percent_faults_reads_the_same_records(harness: Harness) -> None:
    faults = Faults(
        {
            "rate_limit": 0.04,
            "server_error": 0.04,
            "reset": 0.04,
            "truncated": 0.04,
            "expired_token": 0.04,
        },
        seed=7,
    )
    with harness.serve(faults=faults) as run:
        records = list(
            run.connector(oauth=True).read(
                harness.contact_object,
                fields=harness.contact_fields,
                associations=harness.contact_associations,
            )
        )
        injected = run.server.stats.total() - run.server.stats.total(status=200)
    assert sorted(r.id for r in records) == sorted(run.native_id(k) for k in live_contact_keys())
    assert injected > 0


def test_describe_reports_types_and_writability(crm: Running) -> None:
    harness = crm.harness
    schema = crm.connector().describe(harness.contact_object)
    for name in harness.contact_fields:
        assert name in schema.fields, f"{name} missing from {harness.name}'s field list"
    assert schema.fields[harness.email_field()].writable
    created = harness.mapping["contact"].native_name("created_at")
    assert not schema.fields[created].writable


def test_secrets_never_reach_the_logs(harness: Harness, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    faults = Faults({"server_error": 0.2, "expired_token": 0.1}, seed=3)
    with harness.serve(faults=faults) as run:
        credentials = run.app.credentials(run.server.base_url)
        connector = run.connector(oauth=True)
        stats = run.server.stats
        # a CRM with large pages reads the data set in a few requests: read again until both
        # kinds of fault have been served (and handled, and logged)
        for _ in range(20):
            list(connector.read(harness.contact_object, fields=["email"]))
            statuses = {s["status"] for s in stats.snapshot()}
            if 401 in statuses and any(status >= 500 for status in statuses):
                break
    secrets = [
        v for k, v in credentials.items() if "secret" in k or ("token" in k and "url" not in k)
    ]
    assert caplog.records, "expected the retries to be logged"
    for secret in secrets:
        assert secret not in caplog.text
