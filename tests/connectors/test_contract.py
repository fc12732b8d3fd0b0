"""The contract every connector keeps, run against each CRM's emulator over real HTTP with
the real client: pagination, incremental cursors and ties, deletes, writes and partial
failures, tags in crmsync's namespace only, tasks created once, errors mapped, tokens
refreshed, faults survived, secrets kept out of the logs; records created in full batches
with their links, never twice, and links added once."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta

import pytest

from connectors.creating import ASSOCIATION_FAILED, OUTCOME_UNKNOWN
from connectors.types import AuthError, Connector, Cursor, NewRecord, RecordUpdate, TaskRequest
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


# --- creating records (a CRM-to-CRM migration) ------------------------------------------------
#: records per create request: HubSpot batch/create, Salesforce sObject Collections, Zoho insert
CREATE_BATCH = {"hubspot": 100, "salesforce": 200, "zoho": 100}


def new_contacts(harness: Harness, count: int, tag: str = "new") -> list[NewRecord]:
    return [
        harness.new_record(
            "contact",
            {"first_name": f"First{n}", "last_name": f"Last{n}", "email": f"{tag}{n}@example.org"},
        )
        for n in range(count)
    ]


def new_deal(harness: Harness, name: str) -> NewRecord:
    return harness.new_record(
        "deal", {"name": name, "stage": "won", "close_date": date(2026, 3, 2)}
    )


def warm_up(crm: Running, connector: Connector) -> None:
    """One read, so the connector holds an access token before a test counts or breaks
    requests."""
    harness = crm.harness
    list(connector.read_by_ids(harness.contact_object, [crm.native_id(live_contact_keys()[0])], []))


def emails_in(connector: Connector, harness: Harness) -> Counter[str]:
    """How many live contacts hold each e-mail."""
    email = harness.email_field()
    records = connector.read(harness.contact_object, fields=[email])
    return Counter(str(r.fields.get(email)) for r in records if not r.deleted)


def test_created_records_read_back_with_their_fields_and_links(crm: Running) -> None:
    harness, connector = crm.harness, crm.connector()
    [company] = connector.create(
        harness.company_object, [harness.new_record("company", {"name": "Migrated Ltd"})]
    ).outcomes
    assert company.ok
    contacts = [
        harness.new_record(
            "contact",
            {"first_name": f"Ana{n}", "last_name": "Migrated", "email": f"ana{n}@migrated.example"},
            {"company_id": [company.id]},
        )
        for n in range(3)
    ]
    created = connector.create(harness.contact_object, contacts)
    assert [o.ok for o in created.outcomes] == [True] * 3
    assert created.requests >= 1
    ids = [o.id for o in created.outcomes]
    assert len(set(ids)) == 3
    read = {
        r.id: harness.mapping["contact"].to_common(r)
        for r in connector.read_by_ids(
            harness.contact_object, ids, harness.contact_fields, harness.contact_associations
        )
    }
    for n, record_id in enumerate(ids):
        entity = read[record_id]
        assert (entity.first_name, entity.email) == (f"Ana{n}", f"ana{n}@migrated.example")
        assert entity.company_id == company.id
    deal_object = harness.mapping["deal"].native_object
    deal = NewRecord(new_deal(harness, "Migrated").fields, {harness.deal_contacts: tuple(ids[:2])})
    [created_deal] = connector.create(deal_object, [deal]).outcomes
    assert (created_deal.ok, created_deal.error_code) == (True, None)
    [read_deal] = connector.read_by_ids(
        deal_object, [created_deal.id], [], associations=[harness.deal_contacts]
    )
    assert read_deal.associations[harness.deal_contacts] == (ids[0], ids[1])


def test_a_create_larger_than_a_batch_is_split_into_full_batches(crm: Running) -> None:
    harness, connector = crm.harness, crm.connector()
    warm_up(crm, connector)
    crm.server.stats.reset()
    result = connector.create(harness.contact_object, new_contacts(harness, 1000))
    assert all(o.ok for o in result.outcomes)
    expected = -(-1000 // CREATE_BATCH[harness.name])  # 10, 5, 10 requests per 1,000 records
    assert result.requests == expected == crm.server.stats.total(method="POST")
    created = emails_in(connector, harness)
    assert all(created[f"new{n}@example.org"] == 1 for n in range(1000))


def test_a_record_the_crm_rejects_fails_alone(crm: Running) -> None:
    harness, connector = crm.harness, crm.connector()
    records = new_contacts(harness, 3, tag="alone")
    stage = harness.mapping["contact"].native_name("lifecycle_stage")
    records[1] = NewRecord({**records[1].fields, stage: "not-a-stage"})
    result = connector.create(harness.contact_object, records)
    assert [(o.ok, o.ok or o.id) for o in result.outcomes] == [
        (True, True),
        (False, "1"),
        (True, True),
    ]
    assert result.failed[0].error_code and result.failed[0].message
    emails = emails_in(connector, harness)
    assert (emails["alone0@example.org"], emails["alone1@example.org"]) == (1, 0)
    assert emails["alone2@example.org"] == 1


def test_associating_twice_leaves_one_link(crm: Running) -> None:
    harness, connector = crm.harness, crm.connector()
    deal_object = harness.mapping["deal"].native_object
    first, second = (
        o.id for o in connector.create(harness.contact_object, new_contacts(harness, 2)).outcomes
    )
    [deal] = connector.create(deal_object, [new_deal(harness, "Twice")]).outcomes
    once = connector.associate(deal_object, {deal.id: {harness.deal_contacts: (first,)}})
    again = connector.associate(deal_object, {deal.id: {harness.deal_contacts: (first, second)}})
    assert [(o.id, o.ok) for o in once.outcomes + again.outcomes] == [(deal.id, True)] * 2
    assert (harness.links(crm, deal.id, first), harness.links(crm, deal.id, second)) == (1, 1)
    [read] = connector.read_by_ids(deal_object, [deal.id], [], [harness.deal_contacts])
    assert read.associations[harness.deal_contacts] == (first, second)


def test_a_link_to_a_deleted_record_is_never_dropped_silently(crm: Running) -> None:
    """HubSpot refuses the deal (its links travel with it); Salesforce and Zoho create it,
    then flag that a link could not be added."""
    harness, connector = crm.harness, crm.connector()
    deleted = crm.native_id(live_contact_keys()[7])
    harness.delete(crm, deleted)
    deal = NewRecord(new_deal(harness, "Orphan").fields, {harness.deal_contacts: (deleted,)})
    [outcome] = connector.create(harness.mapping["deal"].native_object, [deal]).outcomes
    assert (not outcome.ok and outcome.id == "0") or outcome.error_code == ASSOCIATION_FAILED
    assert outcome.message


def test_a_contact_is_linked_to_its_company_where_the_mapping_reads_it(crm: Running) -> None:
    """HubSpot keeps the link in an association (associate() adds it); Salesforce and Zoho
    in a lookup field, which associate() refuses to touch."""
    harness, connector = crm.harness, crm.connector()
    contact = crm.native_id(next(c.key for c in dataset().contacts if not c.company_key))
    company = crm.native_id(dataset().companies[0].key)
    spec = harness.mapping["contact"].field_spec("company_id")
    assert spec is not None
    if spec.association is None:
        with pytest.raises(ValueError, match="lookup"):
            connector.associate(
                harness.contact_object, {contact: {harness.company_object: (company,)}}
            )
        return
    result = connector.associate(harness.contact_object, {contact: {spec.association: (company,)}})
    assert result.outcomes[0].ok
    [read] = connector.read_by_ids(harness.contact_object, [contact], [], [spec.association])
    assert read.associations[spec.association] == (company,)


def test_a_create_whose_answer_is_lost_is_not_sent_again(crm: Running) -> None:
    """The CRM created the records but the answer was cut short: the connector cannot know
    their ids, says so, and does not send them again (which would duplicate them)."""
    harness, connector = crm.harness, crm.connector()
    warm_up(crm, connector)
    crm.server.faults = Faults({"truncated": 1.0})
    try:
        result = connector.create(harness.contact_object, new_contacts(harness, 3, tag="lost"))
    finally:
        crm.server.faults = Faults()
    assert {o.error_code for o in result.outcomes} == {OUTCOME_UNKNOWN}
    assert result.requests == 1
    emails = emails_in(connector, harness)
    assert [emails[f"lost{n}@example.org"] for n in range(3)] == [1, 1, 1]


def test_creates_through_faults_make_each_record_exactly_once(harness: Harness) -> None:
    """Throttling and expired tokens are retried (the CRM did nothing); a lost answer is
    reported, and looking the records up by e-mail before creating the missing ones again
    (as the migration does) ends with every record exactly once."""
    faults = Faults(
        {
            "rate_limit": 0.05,
            "expired_token": 0.05,
            "server_error": 0.1,
            "reset": 0.1,
            "truncated": 0.1,
        },
        seed=4,  # lost answers in every CRM, recovered in two or three rounds
    )
    wanted = {r.fields[harness.email_field()]: r for r in new_contacts(harness, 900, tag="fault")}
    with harness.serve(faults=faults) as run:
        connector = run.connector(oauth=True)
        todo = list(wanted.values())
        codes: Counter[str | None] = Counter()
        for _ in range(6):
            result = connector.create(harness.contact_object, todo)
            codes.update(o.error_code for o in result.outcomes if not o.ok)
            present = emails_in(connector, harness)
            todo = [r for email, r in wanted.items() if not present[email]]
            if not todo:
                break
        run.server.faults = Faults()
        present = emails_in(connector, harness)
    assert not todo
    assert all(present[email] == 1 for email in wanted)
    assert codes, "expected some creates to fail under faults"
