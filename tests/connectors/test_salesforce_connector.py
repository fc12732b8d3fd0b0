"""What the contract suite does not pin down for Salesforce: the three logins (refresh token,
JWT bearer, SOAP password) and re-login on 401, the CA bundle against REQUESTS_CA_BUNDLE, the
daily-quota stop and REQUEST_LIMIT_EXCEEDED, deals' OpportunityContactRole contacts, the
getDeleted window, lost query cursors and large ties, batch sizes and per-record outcomes,
tags in Tags__c, tasks created once, field provisioning and field-level security, SOQL
escaping, and the config branch of ``build_connector``. All against the emulator over HTTPS
with simple-salesforce."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, cast

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from connectors.salesforce import SalesforceConnector, login_url_for_domain
from connectors.salesforce import soql as sf_soql
from connectors.salesforce.connector import TASK_KEY
from connectors.types import (
    AuthError,
    Cursor,
    FieldSchema,
    RecordUpdate,
    StopRunError,
    TaskRequest,
)
from sandbox.http import Faults
from sync.config import parse_config
from sync.connect import build_connector
from tests.connectors.harness import (
    NAMESPACE,
    Clock,
    Running,
    SalesforceHarness,
    dataset,
    requests_to,
)

UTC = timezone.utc
HARNESS = SalesforceHarness()


@pytest.fixture
def crm() -> Iterator[Running]:
    with HARNESS.serve() as run:
        yield run


def connector(run: Running, **options: Any) -> SalesforceConnector:
    return cast(SalesforceConnector, run.connector(**options))


def api(path: str) -> str:
    return f"/services/data/v62.0/{path}"


def logins(run: Running, auth: str) -> int:
    """Token endpoint calls, or SOAP logins for the password flow."""
    prefix = "/services/Soap/u/" if auth == "password" else "/services/oauth2/token"
    snapshot = run.server.stats.snapshot()
    return sum(s["count"] for s in snapshot if s["endpoint"].startswith(prefix))


def queries(run: Running) -> int:
    """queryAll requests and their queryMore follow-ups."""
    snapshot = run.server.stats.snapshot()
    return sum(s["count"] for s in snapshot if "/queryAll" in s["endpoint"])


@pytest.fixture(scope="module")
def keypair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """(private key file, public key PEM) for the JWT bearer flow."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = tmp_path_factory.mktemp("jwt") / "server.key"
    private.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, public.decode()


# --- logins -----------------------------------------------------------------------------------
@pytest.mark.parametrize("auth", ["refresh_token", "jwt", "password"])
def test_each_login_reads_the_org_and_logs_in_again_when_the_session_expires(
    auth: str, keypair: tuple[Path, str]
) -> None:
    private, public = keypair
    clock = Clock()
    settings = {"clock": clock, "access_token_ttl_seconds": 3600, "jwt_public_key_pem": public}
    with HARNESS.serve(**settings) as run:
        reader = connector(run, auth=auth, private_key_file=str(private))
        assert len(list(reader.read("Contact", fields=["Email"]))) == len(dataset().contacts)
        clock.moment += timedelta(hours=2)  # the session died meanwhile
        assert len(list(reader.read("Contact", fields=["Email"]))) == len(dataset().contacts)
        assert logins(run, auth) == 2
        assert requests_to(run, "GET", api("queryAll"), status=401) == 1


@pytest.mark.parametrize("auth", ["refresh_token", "password"])
def test_sessions_dead_on_arrival_stop_the_run_after_a_bounded_number_of_logins(auth: str) -> None:
    with HARNESS.serve(access_token_ttl_seconds=0) as run:
        reader = connector(run, auth=auth)
        with pytest.raises(AuthError):
            reader.describe("Contact")
        refreshes = reader.transport.tokens.max_refreshes
        assert logins(run, auth) == 1 + refreshes
        assert requests_to(run, "GET", api("sobjects/Contact/describe")) == 1 + refreshes


@pytest.mark.parametrize(
    ("auth", "wrong", "code"),
    [
        ("refresh_token", "client_secret", "invalid_client"),
        ("refresh_token", "refresh_token", "invalid_grant"),
        ("password", "security_token", "INVALID_LOGIN"),
        ("jwt", "username", "invalid_grant"),
    ],
)
def test_refused_credentials_stop_the_run_once_without_echoing_secrets(
    auth: str,
    wrong: str,
    code: str,
    keypair: tuple[Path, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    from connectors.salesforce import (
        connect,
        jwt_token_source,
        password_token_source,
        refresh_token_source,
    )

    caplog.set_level(logging.DEBUG)
    private, public = keypair
    with HARNESS.serve(jwt_public_key_pem=public) as run:
        c = {**run.app.credentials(run.server.base_url), wrong: "Not-The-Secret-0000"}
        base, ca = run.server.base_url, HARNESS.ca_bundle
        if auth == "password":
            tokens = password_token_source(
                base, c["username"], c["password"], c["security_token"], ca_bundle=ca
            )
        elif auth == "jwt":
            tokens = jwt_token_source(base, c["client_id"], c["username"], private, ca_bundle=ca)
        else:
            tokens = refresh_token_source(
                base, c["client_id"], c["client_secret"], c["refresh_token"], ca_bundle=ca
            )
        reader = connect(tokens, tag_namespace=NAMESPACE, ca_bundle=ca)
        with pytest.raises(AuthError, match=code) as raised:
            next(iter(reader.read("Contact", fields=["Email"])))
        assert run.server.stats.total() == 1, "a refusal is neither retried nor followed by calls"
    secrets = [c[k] for k in ("client_secret", "refresh_token", "password", "security_token")]
    for secret in secrets:
        assert secret not in str(raised.value)
        assert secret not in caplog.text


def test_rotated_refresh_tokens_are_used_for_the_next_refresh() -> None:
    clock = Clock()
    with HARNESS.serve(clock=clock, rotate_refresh_tokens=True) as run:
        reader = connector(run)
        for _ in range(3):
            reader.describe("Contact")
            clock.moment += timedelta(hours=3)
        assert logins(run, "refresh_token") == 3


def test_a_known_session_lifetime_refreshes_before_expiry() -> None:
    from connectors.salesforce import connect, refresh_token_source

    with HARNESS.serve(access_token_ttl_seconds=1) as run:
        credentials = run.app.credentials(run.server.base_url)
        tokens = refresh_token_source(
            run.server.base_url,
            credentials["client_id"],
            credentials["client_secret"],
            credentials["refresh_token"],
            ca_bundle=HARNESS.ca_bundle,
            session_lifetime=1.0,
        )
        reader = connect(tokens, tag_namespace=NAMESPACE, ca_bundle=HARNESS.ca_bundle)
        reader.describe("Contact")
        import time

        time.sleep(1.05)
        reader.describe("Contact")
        assert run.server.stats.total(status=401) == 0
        assert logins(run, "refresh_token") == 2


def test_a_configured_ca_bundle_beats_requests_ca_bundle_and_without_it_tls_fails_clearly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """requests lets REQUESTS_CA_BUNDLE override Session.verify; simple-salesforce's logins
    pass no verify at all. The configured bundle must win for the API and every login."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", requests.certs.where())
    with HARNESS.serve() as run:
        for auth in ("refresh_token", "password"):
            assert "Email" in connector(run, auth=auth).describe("Contact").fields
        with pytest.raises(StopRunError, match="TLS verification failed"):
            connector(run, ca_bundle=None).describe("Contact")
        with pytest.raises(StopRunError, match="TLS verification failed"):
            connector(run, auth="password", ca_bundle=None).describe("Contact")
        # nothing configured: the environment's bundle is used as requests would
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", HARNESS.ca_bundle)
        assert "Email" in connector(run, ca_bundle=None).describe("Contact").fields
        with pytest.raises(StopRunError, match="is not a file"):
            connector(run, ca_bundle="/nonexistent/ca.pem")


def test_login_urls_follow_simple_salesforces_domain_convention() -> None:
    assert login_url_for_domain("login") == "https://login.salesforce.com"
    assert login_url_for_domain("test") == "https://test.salesforce.com"
    assert login_url_for_domain("acme.my") == "https://acme.my.salesforce.com"
    assert login_url_for_domain("acme.my.salesforce.com") == "https://acme.my.salesforce.com"
    assert login_url_for_domain("127.0.0.1:8443") == "https://127.0.0.1:8443"


# --- limits -----------------------------------------------------------------------------------
def test_the_daily_quota_share_is_never_passed_and_the_run_stops_saying_so() -> None:
    with HARNESS.serve(daily_api_limit=40, query_batch_max=200) as run:
        writer = connector(run, daily_quota_share=0.5)
        ids = [run.native_id(c.key) for c in dataset().contacts]
        updates = [RecordUpdate(i, {"Title": "Quota"}) for i in ids]
        with pytest.raises(StopRunError, match=r"stops at 50% \(20\).*next run resumes"):
            for _ in range(10):
                writer.write("Contact", updates)
        assert run.app.usage.used(run.app.settings.clock().timestamp()) == 20


def test_a_spent_daily_allocation_stops_the_run_without_retrying() -> None:
    with HARNESS.serve(daily_api_limit=3, enforce_api_limit=True) as run:
        reader = connector(run, daily_quota_share=1.0)
        reader.describe("Contact")  # 1 of 3
        for _ in range(2):  # another integration spends the rest meanwhile
            run.app.usage.count(run.app.settings.clock().timestamp())
        with pytest.raises(StopRunError, match=r"REQUEST_LIMIT_EXCEEDED.*next run resumes"):
            list(reader.read("Contact", fields=["Email"]))
        assert run.server.stats.total(status=403) == 1


def test_request_limit_refusals_with_daily_requests_left_are_waited_out() -> None:
    """Salesforce also answers REQUEST_LIMIT_EXCEEDED for too many long requests at once;
    with the daily allocation not spent, that is worth a retry."""
    with HARNESS.serve(faults=Faults({"rate_limit": 0.5}, seed=1), query_batch_max=200) as run:
        records = list(connector(run).read("Contact", fields=["Email"]))
        assert len(records) == len(dataset().contacts)
        assert run.server.stats.total(status=403) > 0


def test_answers_that_time_out_are_retried(caplog: pytest.LogCaptureFixture) -> None:
    faults = Faults({"slow": 0.5}, seed=2, slow_seconds=0.4)
    with HARNESS.serve(faults=faults, query_batch_max=200) as run:
        records = list(connector(run, timeout=0.15).read("Contact", fields=["Email"]))
        assert len(records) == len(dataset().contacts)
    assert "Timeout" in caplog.text


# --- reads ------------------------------------------------------------------------------------
def test_reads_take_one_query_per_2000_records_and_one_describe(crm: Running) -> None:
    reader = connector(crm)
    reader.describe("Contact")
    crm.server.stats.reset()
    assert len(list(reader.read("Contact", fields=HARNESS.contact_fields))) == 600
    assert crm.server.stats.total() == 1  # one queryAll: live and deleted records together
    since = Cursor(min(c.updated_at for c in dataset().contacts), "")
    crm.server.stats.reset()
    list(reader.read("Contact", fields=["Email"], since=since))
    assert queries(crm) == 1


def test_unknown_or_hidden_fields_are_left_out_with_a_warning(
    crm: Running, caplog: pytest.LogCaptureFixture
) -> None:
    [record] = connector(crm).read_by_ids(
        "Contact", [crm.native_id(dataset().contacts[0].key)], ["email", "No_Such__c"]
    )
    assert "Email" in record.fields and "No_Such__c" not in record.fields
    assert "No_Such__c" in caplog.text and "field-level security" in caplog.text


def test_a_tie_larger_than_a_batch_is_walked_without_repeats() -> None:
    clock = Clock()
    with HARNESS.serve(clock=clock, query_batch_max=200) as run:
        writer = connector(run)
        writer.clock = clock
        tied = [run.native_id(c.key) for c in dataset().contacts[:450]]
        assert not writer.write("Contact", [RecordUpdate(i, {"Title": "Tie"}) for i in tied]).failed
        run.server.stats.reset()
        records = list(writer.read("Contact", fields=["Title"], since=Cursor(clock.moment, "")))
        assert sorted(r.id for r in records) == sorted(tied)
        assert {r.updated_at for r in records} == {clock.moment}
        assert queries(run) == 3  # 200 + 200 + 50
        assert requests_to(run, "GET", api("sobjects/Contact/deleted")) == 1


@pytest.mark.parametrize("incremental", [False, True])
def test_a_lost_query_cursor_is_resumed_after_the_last_record(
    incremental: bool, caplog: pytest.LogCaptureFixture
) -> None:
    """Salesforce keeps a few cursors per user: two reads interleaved with room for one
    cursor each lose theirs at every batch, and still read every record once."""
    with HARNESS.serve(query_batch_max=200, max_query_cursors=1) as run:
        reader = connector(run)
        since = Cursor(min(c.updated_at for c in dataset().contacts), "") if incremental else None
        first = reader.read("Contact", fields=["Email"], since=since)
        second = reader.read("Contact", fields=["Email"], since=since)
        together = [r for pair in zip(first, second, strict=True) for r in pair]
        expected = Counter({run.native_id(c.key): 2 for c in dataset().contacts})
        assert Counter(r.id for r in together) == expected
        assert "dropped the query cursor" in caplog.text


def test_deletions_are_reported_once_and_getdeleted_is_asked_inside_its_window(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Clock()
    with HARNESS.serve(clock=clock) as run:
        reader = connector(run)
        reader.clock = clock
        first, second = (run.native_id(c.key) for c in dataset().contacts[:2])
        HARNESS.delete(run, first)
        deleted_first = clock.moment
        clock.moment += timedelta(seconds=10)
        HARNESS.delete(run, second)
        changed = list(reader.read("Contact", fields=["Email"], since=Cursor(clock.moment, "")))
        assert [(r.id, r.deleted, r.updated_at) for r in changed] == [(second, True, clock.moment)]
        assert requests_to(run, "GET", api("sobjects/Contact/deleted")) == 1
        everything = list(reader.read("Contact", fields=["Email"]))
        assert {r.id: r.updated_at for r in everything if r.deleted} == {
            first: deleted_first,
            second: clock.moment,
        }
        assert "15 days" not in caplog.text
        # a cursor 20 days old: getDeleted cannot answer, the recycle bin still can
        clock.moment += timedelta(days=20)
        old = Cursor(deleted_first - timedelta(seconds=1), "")
        changed = list(reader.read("Contact", fields=["Email"], since=old))
        assert {r.id for r in changed if r.deleted} == {first, second}
        naive = Cursor(old.updated_at.replace(tzinfo=None), "")  # taken as UTC
        assert list(reader.read("Contact", fields=["Email"], since=naive)) == changed
        assert requests_to(run, "GET", api("sobjects/Contact/deleted")) == 1
        assert "15 days only" in caplog.text and "full read reconciles" in caplog.text


def test_a_deals_contacts_come_from_contact_roles_primary_first() -> None:
    data = dataset(150, 5)
    with HARNESS.serve(data, query_batch_max=200) as run:
        reader = connector(run)
        run.server.stats.reset()
        deals = list(reader.read("Opportunity", fields=["Name"], associations=["Contact"]))
        pages = -(-len(data.deals) // 200)
        assert queries(run) == pages
        role_queries = requests_to(run, "GET", api("query"))
        assert role_queries <= 2 * pages  # one per page (+ its queryMore)
        by_id = {r.id: r for r in deals}
        multi = 0
        for deal in data.deals:
            linked = by_id[run.native_id(deal.key)].associations["Contact"]
            expected = [run.native_id(k) for k in deal.contact_keys]
            assert list(linked) == expected, "the primary contact first, then the others"
            multi += len(expected) > 1
        assert multi > 10, "the data set should have deals with several contacts"
        some = [run.native_id(d.key) for d in data.deals[:20]]
        again = reader.read_by_ids("Opportunity", some, ["Name"], associations=["Contact"])
        assert {r.id: r.associations for r in again} == {i: by_id[i].associations for i in some}
        since = Cursor(min(d.updated_at for d in data.deals), "")
        changed = reader.read("Opportunity", fields=["Name"], since=since, associations=["Contact"])
        assert {r.id: r.associations for r in changed} == {
            i: r.associations for i, r in by_id.items()
        }
        # a person makes the second contact primary: it comes first from then on
        deal = next(d for d in data.deals if len(d.contact_keys) > 1)
        deal_id = run.native_id(deal.key)
        soql = f"SELECT Id, IsPrimary FROM OpportunityContactRole WHERE OpportunityId = '{deal_id}'"
        roles = HARNESS._request(run, "GET", "query", params={"q": soql}).json()["records"]
        flips = [
            {"attributes": {"type": "OpportunityContactRole"}, "id": r["Id"], "IsPrimary": n == 1}
            for n, r in enumerate(sorted(roles, key=lambda r: r["Id"]))
        ]
        body = {"allOrNone": True, "records": flips[:2]}
        assert HARNESS._request(run, "PATCH", "composite/sobjects", json=body).ok
        [again_deal] = reader.read_by_ids("Opportunity", [deal_id], ["Name"], ["Contact"])
        expected = [run.native_id(k) for k in deal.contact_keys]
        assert list(again_deal.associations["Contact"]) == [expected[1], expected[0], *expected[2:]]
        with pytest.raises(ValueError, match="no lookup or junction"):
            list(reader.read("Account", fields=["Name"], associations=["Opportunity"]))


def test_contacts_carry_their_account_as_a_lookup(crm: Running) -> None:
    people = [c for c in dataset().contacts if c.company_key][:20]
    ids = [crm.native_id(c.key) for c in people]
    read = {r.id: r for r in connector(crm).read_by_ids("Contact", ids, [], ["Account"])}
    for person, record_id in zip(people, ids, strict=True):
        company = crm.native_id(str(person.company_key))
        assert read[record_id].associations == {"Account": (company,)}
        assert read[record_id].fields["AccountId"] == company


# --- writes -----------------------------------------------------------------------------------
def test_updates_go_200_a_request_with_each_records_outcome(crm: Running) -> None:
    writer = connector(crm)
    ids = [crm.native_id(c.key) for c in dataset().contacts[:450]]
    updates = [RecordUpdate(i, {"Title": f"Title {n}"}) for n, i in enumerate(ids)]
    updates[123] = RecordUpdate(ids[123], {"Email": "not-an-email"})
    updates[321] = RecordUpdate(ids[321], {"Lifecycle_Stage__c": "Not a stage"})
    crm.server.stats.reset()
    result = writer.write("Contact", updates)
    assert requests_to(crm, "PATCH", api("composite/sobjects")) == 3 == result.requests
    assert [(o.id, o.error_code) for o in result.failed] == [
        (ids[123], "INVALID_EMAIL_ADDRESS"),
        (ids[321], "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"),
    ]
    assert "Lifecycle_Stage__c" in (result.failed[1].message or "")
    titles = {r.id: r.fields["Title"] for r in writer.read_by_ids("Contact", ids, ["Title"])}
    assert titles[ids[0]] == "Title 0" and titles[ids[449]] == "Title 449"


def test_a_value_that_fails_the_whole_request_is_isolated_to_its_record(crm: Running) -> None:
    writer = connector(crm)
    ids = [crm.native_id(c.key) for c in dataset().contacts[:16]]
    updates = [RecordUpdate(i, {"NPS_Score__c": 7}) for i in ids]
    updates[5] = RecordUpdate(ids[5], {"NPS_Score__c": "seven"})  # cannot deserialize
    crm.server.stats.reset()
    result = writer.write("Contact", updates)
    assert [(o.id, o.error_code) for o in result.failed] == [(ids[5], "JSON_PARSER_ERROR")]
    assert result.requests <= 1 + 2 * 4  # halved down to the record: log2(16) levels
    scores = {
        r.id: r.fields["NPS_Score__c"] for r in writer.read_by_ids("Contact", ids, ["NPS_Score__c"])
    }
    assert scores[ids[0]] == 7 and scores[ids[5]] != "seven"


def test_a_field_salesforce_does_not_know_stops_the_write_clearly(crm: Running) -> None:
    ids = [crm.native_id(c.key) for c in dataset().contacts[:3]]
    with pytest.raises(StopRunError, match=r"INVALID_FIELD.*visible to the integration user"):
        connector(crm).write("Contact", [RecordUpdate(i, {"No_Such__c": 1}) for i in ids])


def test_tags_keep_peoples_tags_and_are_read_first_when_not_given(crm: Running) -> None:
    writer = connector(crm)
    person = next(c for c in dataset().contacts if c.tags)
    record_id = crm.native_id(person.key)
    lead = f"{NAMESPACE}:lead"
    writer.describe("Contact")
    crm.server.stats.reset()
    result = writer.write("Contact", [RecordUpdate(record_id, tags_add=frozenset({lead}))])
    assert result.requests == 2  # the current tags read, then the update
    [record] = writer.read_by_ids("Contact", [record_id], ["Tags__c"])
    assert HARNESS.tags_of(dict(record.fields)) == set(person.tags) | {lead}
    with pytest.raises(ValueError, match="';'"):
        writer.write("Contact", [RecordUpdate(record_id, tags_add=frozenset({f"{NAMESPACE}:a;b"}))])
    only = RecordUpdate(
        record_id, tags_remove=frozenset({lead}), current_tags=frozenset({lead})
    )  # a stale view without the person's tags would drop them: the caller's view is trusted
    writer.write("Contact", [only])
    [record] = writer.read_by_ids("Contact", [record_id], ["Tags__c"])
    assert record.fields["Tags__c"] is None


# --- tasks ------------------------------------------------------------------------------------
def provisioned(run: Running, **options: Any) -> SalesforceConnector:
    writer = connector(run, **options)
    for object_type, fields in writer.support_fields.items():
        writer.create_fields(object_type, list(fields))
    return writer


def tasks_of(run: Running) -> list[dict[str, Any]]:
    return list(run.app.dump()["Task"])


def test_tasks_point_at_their_contact_or_deal_with_owner_due_date_and_priority(
    crm: Running,
) -> None:
    writer = provisioned(crm)
    contact = crm.native_id(dataset().contacts[0].key)
    deal = crm.native_id(dataset().deals[0].key)
    owner = next(
        u["Id"] for u in crm.app.dump()["User"] if u["Email"] != "integration@crmsync.sandbox"
    )
    due = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    tasks = [
        TaskRequest("k-contact", "Call back", due, owner, "Contact", contact, "MEDIUM", "NPS 3"),
        TaskRequest("k-deal", "Save the deal", due, None, "Opportunity", deal, "LOW"),
        TaskRequest("k-contact", "Call back", due, owner, "Contact", contact),
    ]
    result = writer.create_tasks(tasks)
    assert [(o.id, o.ok, o.error_code) for o in result.outcomes] == [
        ("k-contact", True, None),
        ("k-deal", True, None),
        ("k-contact", True, "ALREADY_EXISTS"),
    ]
    made = {t[TASK_KEY]: t for t in tasks_of(crm)}
    assert made["k-contact"]["WhoId"] == contact and "WhatId" not in made["k-contact"]
    assert made["k-contact"]["OwnerId"] == owner
    assert (made["k-contact"]["Priority"], made["k-contact"]["Description"]) == ("Normal", "NPS 3")
    assert made["k-deal"]["WhatId"] == deal and made["k-deal"]["Priority"] == "Low"
    assert made["k-deal"]["ActivityDate"] == "2026-12-01"
    assert made["k-deal"]["Status"] == "Not Started"


class LosesTheFirstTaskAnswer(requests.Session):
    """The first task creation goes through, but its answer never arrives."""

    lost = 0

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        response = super().request(method, url, *args, **kwargs)
        if method == "POST" and str(url).endswith("/composite/sobjects") and not self.lost:
            self.lost += 1
            raise requests.ConnectionError("connection reset by peer")
        return response


def test_a_task_whose_answer_was_lost_is_not_created_twice(crm: Running) -> None:
    session = LosesTheFirstTaskAnswer()
    writer = provisioned(crm, session=session)
    contact_id = crm.native_id(dataset().contacts[3].key)
    due = datetime(2026, 11, 1, tzinfo=UTC)
    tasks = [TaskRequest(f"lost-{n}", "Call", due, None, "Contact", contact_id) for n in range(3)]
    result = writer.create_tasks(tasks)
    assert session.lost == 1
    assert [(o.id, o.ok) for o in result.outcomes] == [(t.key, True) for t in tasks]
    assert Counter(t[TASK_KEY] for t in tasks_of(crm)) == {t.key: 1 for t in tasks}


def test_task_keys_are_escaped_in_soql(crm: Running) -> None:
    writer = provisioned(crm)
    key = 'o\'brien\\x "quoted"\nnext'
    task = TaskRequest(
        key,
        "Call",
        datetime(2026, 11, 1, tzinfo=UTC),
        None,
        "Contact",
        crm.native_id(dataset().contacts[1].key),
    )
    assert [o.ok for o in writer.create_tasks([task]).outcomes] == [True]
    assert list(writer.existing_tasks([key, "o'brien"])) == [key]
    assert sf_soql.quote("a'b\\c\n") == "'a\\'b\\\\c\\n'"


def test_tasks_without_the_provisioned_key_field_stop_the_run(crm: Running) -> None:
    task = TaskRequest("k", "Call", datetime(2026, 1, 1, tzinfo=UTC), None, "Contact", "1")
    with pytest.raises(StopRunError, match="provision"):
        connector(crm).create_tasks([task])


# --- provision --------------------------------------------------------------------------------
WANTED = [
    FieldSchema("Crmsync_Segment__c", "string", True, label="crmsync segment"),
    FieldSchema("Crmsync_Marketing_Excluded__c", "bool", True),
    FieldSchema("Crmsync_Next_Review_Date__c", "date", True),
    FieldSchema("Crmsync_Tier__c", "enum", True, options=("gold", "silver")),
]


def test_fields_are_created_once_with_their_types(crm: Running) -> None:
    writer = connector(crm)
    assert writer.create_fields("Contact", WANTED) == [f.name for f in WANTED]
    schema = writer.describe("Contact").fields
    assert [schema[f.name].type for f in WANTED] == ["string", "bool", "date", "enum"]
    assert schema["Crmsync_Tier__c"].options == ("gold", "silver")
    assert schema["Crmsync_Segment__c"].label == "crmsync segment"
    assert all(schema[f.name].writable and schema[f.name].custom for f in WANTED)
    crm.server.stats.reset()
    assert writer.create_fields("Contact", WANTED) == []
    assert requests_to(crm, "POST", api("tooling/sobjects/CustomField")) == 0
    with pytest.raises(ValueError, match="cannot be a Salesforce custom field name"):
        writer.create_fields("Contact", [FieldSchema("crmsync-score", "int", True)])


def test_new_fields_stay_hidden_until_field_level_security_is_granted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Salesforce's gotcha: a field made through the Tooling API is invisible to the
    integration user until a profile or permission set grants it."""
    with HARNESS.serve(auto_grant_field_permissions=False) as run:
        writer = connector(run)
        assert writer.create_fields("Contact", WANTED[:1]) == ["Crmsync_Segment__c"]
        assert "Crmsync_Segment__c" not in writer.describe("Contact").fields
        assert "field-level security hides" in caplog.text and "Crmsync_Segment__c" in caplog.text
        caplog.clear()
        assert writer.create_fields("Contact", WANTED[:1]) == []  # exists: not made twice
        assert "field-level security hides" in caplog.text
        record_id = run.native_id(dataset().contacts[0].key)
        with pytest.raises(StopRunError, match="INVALID_FIELD"):
            writer.write("Contact", [RecordUpdate(record_id, {"Crmsync_Segment__c": "vip"})])
        grant_field_access(run, "Contact", "Crmsync_Segment__c")
        assert not writer.write(
            "Contact", [RecordUpdate(record_id, {"Crmsync_Segment__c": "vip"})]
        ).failed
        # the next run (a new connector) sees the field
        [record] = connector(run).read_by_ids("Contact", [record_id], ["Crmsync_Segment__c"])
        assert record.fields["Crmsync_Segment__c"] == "vip"


def grant_field_access(run: Running, object_type: str, field: str) -> None:
    """What the org's admin does: Read and Edit on the field for the integration user."""
    permission_sets = HARNESS._request(
        run, "GET", "query", params={"q": "SELECT Id FROM PermissionSet"}
    )
    parent = permission_sets.json()["records"][0]["Id"]
    record = {
        "attributes": {"type": "FieldPermissions"},
        "ParentId": parent,
        "SobjectType": object_type,
        "Field": f"{object_type}.{field}",
        "PermissionsRead": True,
        "PermissionsEdit": True,
    }
    body = {"allOrNone": True, "records": [record]}
    answer = HARNESS._request(run, "POST", "composite/sobjects", json=body)
    assert answer.json()[0]["success"], answer.text


def test_describe_maps_salesforce_types(crm: Running) -> None:
    reader = connector(crm)
    opportunity = reader.describe("Opportunity").fields
    assert (opportunity["AccountId"].type, opportunity["OwnerId"].type) == ("ref", "ref")
    assert opportunity["Products__c"].type == "multienum" and opportunity["Products__c"].options
    assert opportunity["StageName"].type == "enum"
    assert "Closed Won" in (opportunity["StageName"].options or ())
    assert (opportunity["Amount"].type, opportunity["CloseDate"].type) == ("decimal", "date")
    assert opportunity["Name"].required and not opportunity["SystemModstamp"].writable
    contact = reader.describe("Contact").fields
    assert contact["Tags__c"].type == "tags" and contact["Email"].type == "email"
    assert (contact["Email"].max_length, contact["Title"].max_length) == (80, 128)
    assert not contact["IsEmailBounced"].writable and contact["Title"].writable


# --- config -----------------------------------------------------------------------------------
def test_each_config_mode_builds_a_connector_that_reads_the_org(keypair: tuple[Path, str]) -> None:
    private, public = keypair
    with HARNESS.serve(jwt_public_key_pem=public) as run:
        c = run.app.credentials(run.server.base_url)
        base = run.server.base_url
        modes = {
            "refresh_token": (
                f"    client_id: {c['client_id']}\n    client_secret: ${{SF_SECRET}}\n"
                f"    refresh_token: ${{SF_REFRESH}}\n    login_url: {base}\n"
            ),
            "jwt": (
                f"    consumer_key: {c['client_id']}\n    username: {c['username']}\n"
                f"    private_key_file: {private}\n    login_url: {base}\n"
            ),
            "password": (
                f"    username: {c['username']}\n    password: ${{SF_PASSWORD}}\n"
                f"    security_token: ${{SF_TOKEN}}\n    domain: {base.split('//')[1]}\n"
            ),
        }
        environ = {
            "SF_SECRET": c["client_secret"],
            "SF_REFRESH": c["refresh_token"],
            "SF_PASSWORD": c["password"],
            "SF_TOKEN": c["security_token"],
        }
        for mode, auth in modes.items():
            text = (
                f"crm:\n  kind: salesforce\n  ca_bundle: {HARNESS.ca_bundle}\n"
                f"  daily_quota_share: 0.25\n  auth:\n    mode: {mode}\n{auth}"
            )
            built = build_connector(parse_config(text, environ=environ).config)
            assert isinstance(built, SalesforceConnector)
            assert built.tag_field == "Tags__c" and built.transport.quota.share == 0.25
            assert len(list(built.read("Contact", fields=["Email"]))) == len(dataset().contacts)
