"""What the contract suite does not pin down for Zoho: the accounts server of each data centre
and the api_domain the token call names, token errors sent as HTTP 200, more than 50 fields read
in column groups, ties larger than a page, deleted records, deals' contact roles, batch sizes and
per-record outcomes, native tags, tasks created once, field provisioning, 429s, and the config
branch of ``build_connector``. All against the emulator over HTTP, except where only a foreign
host will do (``responses``)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any, cast

import pytest
import requests
import responses

from connectors.resilience import RateLimiter, RetryPolicy
from connectors.types import (
    AuthError,
    Cursor,
    FieldSchema,
    RecordUpdate,
    StopRunError,
    TaskRequest,
)
from connectors.zoho import ACCOUNTS_SERVERS, ZohoConnector, accounts_server, coql
from connectors.zoho import connect as connect_zoho
from connectors.zoho import oauth_token_source as zoho_tokens
from sandbox.http import running
from sandbox.tls import throwaway_tls
from sandbox.zoho import ZohoApp, ZohoSettings
from sync.config import parse_config
from sync.connect import build_connector
from tests.connectors.harness import (
    FAST_RETRIES,
    NAMESPACE,
    Clock,
    Running,
    ZohoHarness,
    dataset,
    requests_to,
)

UTC = timezone.utc
HARNESS = ZohoHarness()


@pytest.fixture
def crm() -> Iterator[Running]:
    with HARNESS.serve() as run:
        yield run


def connector(run: Running, **options: Any) -> ZohoConnector:
    return cast(ZohoConnector, run.connector(**options))


# --- auth -------------------------------------------------------------------------------------
DATA_CENTRES = {
    "us": ("accounts.zoho.com", "https://www.zohoapis.com"),
    "eu": ("accounts.zoho.eu", "https://www.zohoapis.eu"),
    "in": ("accounts.zoho.in", "https://www.zohoapis.in"),
    "au": ("accounts.zoho.com.au", "https://www.zohoapis.com.au"),
    "jp": ("accounts.zoho.jp", "https://www.zohoapis.jp"),
    "ca": ("accounts.zohocloud.ca", "https://www.zohoapis.ca"),
    "cn": ("accounts.zoho.com.cn", "https://www.zohoapis.com.cn"),
}


def zoho_config(extra_crm: str = "", extra_auth: str = "") -> Any:
    text = (
        "crm:\n  kind: zoho\n"
        f"{extra_crm}"
        "  auth:\n    mode: oauth\n    client_id: the-client\n"
        "    client_secret: ${ZOHO_SECRET}\n    refresh_token: ${ZOHO_REFRESH}\n"
        f"{extra_auth}"
    )
    environ = {"ZOHO_SECRET": "the-secret", "ZOHO_REFRESH": "the-refresh-token"}
    return parse_config(text, environ=environ).config


@pytest.mark.parametrize("data_centre", sorted(DATA_CENTRES))
def test_each_data_centre_refreshes_at_its_accounts_server_and_uses_the_api_domain_it_names(
    data_centre: str,
) -> None:
    accounts, api_domain = DATA_CENTRES[data_centre]
    assert accounts_server(data_centre) == f"https://{accounts}"
    built = build_connector(zoho_config(extra_auth=f"    data_centre: {data_centre}\n"))
    with responses.RequestsMock() as mock:
        token = mock.post(
            f"https://{accounts}/oauth/v2/token",
            json={"access_token": "1000.abc", "expires_in": 3600, "api_domain": api_domain},
        )
        fields = mock.get(f"{api_domain}/crm/v8/settings/fields", json={"fields": []})
        built.describe("Contacts")
        assert token.call_count == fields.call_count == 1
        refresh = mock.calls[0].request
        assert "refresh_token=the-refresh-token" in str(refresh.body)
        assert "the-secret" not in str(refresh.url), "secrets belong in the body, not the URL"
        assert mock.calls[1].request.headers["Authorization"] == "Zoho-oauthtoken 1000.abc"


def test_a_configured_api_domain_and_accounts_url_win() -> None:
    config = zoho_config(
        extra_crm="  api_domain: https://sandbox.zohoapis.eu\n  api_version: v7\n",
        extra_auth="    accounts_url: https://accounts.example.org\n",
    )
    with responses.RequestsMock() as mock:
        mock.post(
            "https://accounts.example.org/oauth/v2/token",
            json={"access_token": "t", "expires_in": 3600, "api_domain": "https://elsewhere"},
        )
        fields = mock.get("https://sandbox.zohoapis.eu/crm/v7/settings/fields", json={})
        build_connector(config).describe("Contacts")
    assert fields.call_count == 1


def test_every_data_centre_crmsync_accepts_has_an_accounts_server() -> None:
    assert set(DATA_CENTRES) <= set(ACCOUNTS_SERVERS)
    with pytest.raises(ValueError, match="unknown Zoho data centre"):
        accounts_server("mars")


@pytest.mark.parametrize(
    ("wrong", "error"), [("refresh_token", "invalid_code"), ("client_secret", "invalid_client")]
)
def test_a_refused_refresh_answered_with_http_200_stops_the_run_saying_why(
    crm: Running, wrong: str, error: str
) -> None:
    """Zoho's accounts server answers a bad refresh with 200 and {"error": ...}."""
    credentials = {**crm.app.credentials(crm.server.base_url), wrong: "1000.not-the-secret"}
    tokens = zoho_tokens(
        credentials["client_id"],
        credentials["client_secret"],
        credentials["refresh_token"],
        accounts_url=credentials["accounts_url"],
    )
    reader = connect_zoho(tokens, tag_namespace=NAMESPACE, retry=FAST_RETRIES)
    with pytest.raises(AuthError, match=error) as raised:
        next(iter(reader.read("Contacts", fields=["Email"])))
    assert "data centre" in str(raised.value)
    assert "1000.not-the-secret" not in str(raised.value)
    assert requests_to(crm, "POST", "/oauth/v2/token") == 1, "a refusal is not retried"
    assert crm.server.stats.total() == 1, "no API call without a token"


def test_401s_refresh_the_token_a_bounded_number_of_times_then_stop_the_run() -> None:
    with HARNESS.serve(access_token_ttl=0) as run:  # every token is dead on arrival
        connector = run.connector()
        with pytest.raises(AuthError):
            connector.describe("Contacts")
        refreshes = connector.transport.tokens.max_refreshes  # type: ignore[attr-defined]
        assert requests_to(run, "POST", "/oauth/v2/token") == 1 + refreshes
        assert requests_to(run, "GET", "/crm/v8/settings/fields") == 1 + refreshes


def test_legacy_token_answers_in_milliseconds_are_refreshed_in_time() -> None:
    """Old answers say ``expires_in`` in ms and ``expires_in_sec``: reading the ms as seconds
    would keep a dead token and meet a 401."""
    with HARNESS.serve(access_token_ttl=1, legacy_expires_in_ms=True) as run:
        reader = run.connector()
        reader.describe("Contacts")
        import time

        time.sleep(1.1)
        reader.describe("Contacts")
        assert run.server.stats.total(status=401) == 0
        assert requests_to(run, "POST", "/oauth/v2/token") == 2


def test_a_custom_ca_bundle_is_trusted_and_without_it_tls_fails_clearly() -> None:
    tls = throwaway_tls()
    app = ZohoApp(dataset(), ZohoSettings())
    with running(app, ssl_context=tls.context) as server:
        credentials = app.credentials(server.base_url)

        def build(ca_bundle: str | None) -> ZohoConnector:
            tokens = zoho_tokens(
                credentials["client_id"],
                credentials["client_secret"],
                credentials["refresh_token"],
                accounts_url=credentials["accounts_url"],
                ca_bundle=ca_bundle,
            )
            # the emulator's token answer names an http:// api_domain even over TLS
            return connect_zoho(
                tokens,
                tag_namespace=NAMESPACE,
                api_domain=credentials["api_domain"],
                ca_bundle=ca_bundle,
                retry=FAST_RETRIES,
            )

        assert "Email" in build(str(tls.ca_path)).describe("Contacts").fields
        with pytest.raises(StopRunError, match="TLS verification failed"):
            build(None).describe("Contacts")


# --- reads ------------------------------------------------------------------------------------
EXTRA = [FieldSchema(f"Extra_{n:02d}", "int", True) for n in range(1, 13)]


@pytest.mark.parametrize("incremental", [False, True])
def test_more_than_50_fields_are_read_in_column_groups_merged_by_id(
    crm: Running, incremental: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    reader = connector(crm)
    assert reader.create_fields("Contacts", EXTRA) == [f.name for f in EXTRA]
    contacts = dataset().contacts
    ids = [crm.native_id(c.key) for c in contacts]
    values = {i: {f.name: n * 10 + k for k, f in enumerate(EXTRA)} for n, i in enumerate(ids)}
    assert not reader.write("Contacts", [RecordUpdate(i, values[i]) for i in ids]).failed
    fields = [*HARNESS.contact_fields, *(f.name for f in EXTRA)]
    assert len(fields) + 1 > 50  # + Account_Name.Account_Name
    monkeypatch.setattr(coql, "PAGE", 100)
    crm.server.stats.reset()
    since = Cursor(min(c.updated_at for c in contacts), "0") if incremental else None
    records = list(reader.read("Contacts", fields=fields, since=since))
    assert Counter(r.id for r in records) == Counter(ids)
    by_key = {crm.native_id(c.key): c for c in contacts}
    for record in records:
        assert {f.name: record.fields[f.name] for f in EXTRA} == values[record.id]
        assert record.fields["Email"] == (by_key[record.id].email or None)
    pages = -(-len(ids) // 100)
    assert requests_to(crm, "POST", "/crm/v8/coql") == 2 * pages  # two groups per page


def test_a_tie_larger_than_a_page_is_walked_by_id_without_repeats(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = Clock()
    with HARNESS.serve(clock=clock) as run:
        writer = connector(run)
        tied = [run.native_id(c.key) for c in dataset().contacts[:25]]
        assert not writer.write(
            "Contacts", [RecordUpdate(i, {"Title": "Tie"}) for i in tied]
        ).failed
        monkeypatch.setattr(coql, "PAGE", 10)
        run.server.stats.reset()
        records = list(writer.read("Contacts", fields=["Title"], since=Cursor(clock.moment, "")))
        assert sorted(r.id for r in records) == sorted(tied)
        assert {r.updated_at for r in records} == {clock.moment}
        assert requests_to(run, "POST", "/crm/v8/coql") == 3


def test_deletions_are_reported_from_the_cursor_on_and_all_of_them_in_a_full_read() -> None:
    clock = Clock()
    with HARNESS.serve(clock=clock) as run:
        reader = run.connector()
        first, second = (run.native_id(c.key) for c in dataset().contacts[:2])
        HARNESS.delete(run, first)
        deleted_first = clock.moment
        clock.moment += timedelta(seconds=10)
        HARNESS.delete(run, second)
        # a cursor on the very second of a deletion still reports it, and nothing earlier
        changed = list(reader.read("Contacts", fields=["Email"], since=Cursor(clock.moment, "")))
        assert [(r.id, r.deleted, r.updated_at) for r in changed] == [(second, True, clock.moment)]
        everything = list(reader.read("Contacts", fields=["Email"]))
        gone = {r.id: r.updated_at for r in everything if r.deleted}
        assert gone == {first: deleted_first, second: clock.moment}
        assert first not in {r.id for r in everything if not r.deleted}


def test_contacts_carry_their_account_as_a_lookup_with_its_name_however_read(
    crm: Running,
) -> None:
    reader = connector(crm)
    companies = {c.key: c for c in dataset().companies}
    people = [c for c in dataset().contacts if c.company_key][:30]
    ids = [crm.native_id(c.key) for c in people]
    read = {r.id: r for r in reader.read("Contacts", fields=["Account_Name"])}
    by_ids = {r.id: r for r in reader.read_by_ids("Contacts", ids, ["Account_Name"])}
    for person, record_id in zip(people, ids, strict=True):
        company = companies[str(person.company_key)]
        expected = {"id": crm.native_id(company.key), "name": company.name}
        assert read[record_id].fields["Account_Name"] == expected
        assert by_ids[record_id].fields["Account_Name"] == expected


def test_a_deals_contacts_are_its_primary_contact_then_its_contact_roles() -> None:
    data = dataset(150, 5)
    with HARNESS.serve(data) as run:
        reader = run.connector()
        deals = list(reader.read("Deals", fields=["Deal_Name"], associations=["Contacts"]))
        assert requests_to(run, "GET", "/crm/v8/Deals/{id}/Contact_Roles") == len(data.deals)
        by_id = {r.id: r for r in deals}
        multi = 0
        for deal in data.deals:
            linked = by_id[run.native_id(deal.key)].associations["Contacts"]
            expected = [run.native_id(k) for k in deal.contact_keys]
            assert sorted(linked) == sorted(expected)
            assert linked[:1] == tuple(expected[:1]), "the primary contact comes first"
            multi += len(expected) > 1
        assert multi > 10, "the data set should have deals with several contacts"
        some = [run.native_id(d.key) for d in data.deals[:20]]
        again = reader.read_by_ids("Deals", some, ["Deal_Name"], associations=["Contacts"])
        assert {r.id: r.associations for r in again} == {i: by_id[i].associations for i in some}


# --- writes -----------------------------------------------------------------------------------
def test_updates_go_100_a_request_with_each_records_outcome(crm: Running) -> None:
    writer = connector(crm)
    ids = [crm.native_id(c.key) for c in dataset().contacts[:250]]
    bad = ids[123]
    updates = [
        RecordUpdate(i, {"Title": f"Title {n}"}, tags_add=frozenset({f"{NAMESPACE}:checked"}))
        for n, i in enumerate(ids)
    ]
    updates[123] = RecordUpdate(
        bad, {"Email": "not-an-email"}, tags_add=frozenset({f"{NAMESPACE}:checked"})
    )
    crm.server.stats.reset()
    result = writer.write("Contacts", updates)
    assert requests_to(crm, "PUT", "/crm/v8/Contacts") == 3
    assert [o.id for o in result.outcomes] == ids
    [failure] = result.failed
    assert (failure.id, failure.error_code) == (bad, "INVALID_DATA")
    assert "Email" in (failure.message or "")
    after = {r.id: r for r in writer.read_by_ids("Contacts", [ids[0], bad], ["Title", "Tag"])}
    assert after[ids[0]].fields["Title"] == "Title 0"
    assert f"{NAMESPACE}:checked" in HARNESS.tags_of(dict(after[ids[0]].fields))
    assert f"{NAMESPACE}:checked" not in HARNESS.tags_of(dict(after[bad].fields)), (
        "a record whose fields failed keeps its tags"
    )
    # a batch in which every record fails (HTTP 400 listing each record) is still per record
    [alone] = writer.write("Contacts", [RecordUpdate(ids[1], {"Email": "bad"})]).outcomes
    assert (alone.ok, alone.error_code) == (False, "INVALID_DATA")


def test_tags_go_per_tag_500_records_a_call_and_leave_peoples_tags_alone(crm: Running) -> None:
    writer = connector(crm)
    ids = [crm.native_id(c.key) for c in dataset().contacts]
    before = {
        r.id: HARNESS.tags_of(dict(r.fields)) for r in writer.read_by_ids("Contacts", ids, ["Tag"])
    }
    tag = f"{NAMESPACE}:bulk"
    crm.server.stats.reset()
    added = writer.write("Contacts", [RecordUpdate(i, tags_add=frozenset({tag})) for i in ids])
    assert (
        not added.failed
        and added.requests == requests_to(crm, "POST", "/crm/v8/Contacts/actions/add_tags") == 2
    )
    tagged = {
        r.id: HARNESS.tags_of(dict(r.fields)) for r in writer.read_by_ids("Contacts", ids, ["Tag"])
    }
    assert tagged == {i: before[i] | {tag} for i in ids}
    removed = writer.write("Contacts", [RecordUpdate(i, tags_remove=frozenset({tag})) for i in ids])
    assert not removed.failed and removed.requests == 2
    after = {
        r.id: HARNESS.tags_of(dict(r.fields)) for r in writer.read_by_ids("Contacts", ids, ["Tag"])
    }
    assert after == before


def test_tag_names_longer_than_zohos_25_characters_are_refused_before_anything_is_sent(
    crm: Running,
) -> None:
    writer = connector(crm)
    record_id = crm.native_id(dataset().contacts[0].key)
    longest = f"{NAMESPACE}:" + "x" * (25 - len(NAMESPACE) - 1)
    crm.server.stats.reset()
    with pytest.raises(ValueError, match="at most 25 characters"):
        writer.write("Contacts", [RecordUpdate(record_id, tags_add=frozenset({longest + "y"}))])
    assert crm.server.stats.total() == 0
    assert not writer.write(
        "Contacts", [RecordUpdate(record_id, tags_add=frozenset({longest}))]
    ).failed


# --- tasks ------------------------------------------------------------------------------------
def provisioned(run: Running, **options: Any) -> ZohoConnector:
    made = connector(run, **options)
    for object_type, fields in made.support_fields.items():
        made.create_fields(object_type, fields)
    return made


def tasks_of(run: Running) -> list[dict[str, Any]]:
    return [t for t in run.app.dump()["Tasks"] if not t["$deleted"]]


def test_tasks_point_at_their_contact_or_deal_with_owner_due_date_and_priority(
    crm: Running,
) -> None:
    writer = provisioned(crm)
    contact, deal = dataset().contacts[0], dataset().deals[0]
    owner = crm.app.dump()["users"][-1]["id"]
    due = datetime(2026, 10, 2, 9, 0, tzinfo=UTC)
    result = writer.create_tasks(
        [
            TaskRequest(
                "k-contact", "Call back", due, owner, "Contacts", crm.native_id(contact.key)
            ),
            TaskRequest(
                "k-deal", "Chase quote", due, None, "Deals", crm.native_id(deal.key), "MEDIUM", "b"
            ),
        ]
    )
    assert [(o.id, o.ok) for o in result.outcomes] == [("k-contact", True), ("k-deal", True)]
    made = {t["Crmsync_Task_Key"]: t for t in tasks_of(crm)}
    assert made["k-contact"]["Who_Id"]["id"] == crm.native_id(contact.key)
    assert made["k-contact"]["Owner"]["id"] == owner
    assert (made["k-contact"]["Priority"], made["k-contact"]["Due_Date"]) == ("High", "2026-10-02")
    assert made["k-deal"]["What_Id"]["id"] == crm.native_id(deal.key)
    assert made["k-deal"]["$se_module"] == "Deals"
    assert (made["k-deal"]["Priority"], made["k-deal"]["Description"]) == ("Normal", "b")


class LosesTheFirstTaskAnswer(requests.Session):
    """The task request reaches Zoho, its answer never comes back."""

    lost = 0

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        response = super().request(method, url, *args, **kwargs)
        if method == "POST" and str(url).endswith("/crm/v8/Tasks") and not self.lost:
            self.lost += 1
            raise requests.ConnectionError("connection reset by peer")
        return response


def test_a_task_whose_answer_was_lost_is_not_created_twice(crm: Running) -> None:
    session = LosesTheFirstTaskAnswer()
    writer = provisioned(crm, session=session)
    contact_id = crm.native_id(dataset().contacts[3].key)
    due = datetime(2026, 11, 1, tzinfo=UTC)
    tasks = [TaskRequest(f"lost-{n}", "Call", due, None, "Contacts", contact_id) for n in range(3)]
    result = writer.create_tasks(tasks)
    assert session.lost == 1
    assert [(o.id, o.ok, o.error_code) for o in result.outcomes] == [
        (t.key, True, None) for t in tasks
    ]
    assert Counter(t["Crmsync_Task_Key"] for t in tasks_of(crm)) == {t.key: 1 for t in tasks}


def test_tasks_without_the_provisioned_key_field_stop_the_run(crm: Running) -> None:
    task = TaskRequest("k", "Call", datetime(2026, 1, 1, tzinfo=UTC), None, "Contacts", "1")
    with pytest.raises(StopRunError, match="provision"):
        connector(crm).create_tasks([task])


# --- provision --------------------------------------------------------------------------------
def test_fields_are_created_under_the_wanted_api_names_once(crm: Running) -> None:
    writer = connector(crm)
    wanted = [
        FieldSchema("Crmsync_Segment", "string", True, label="crmsync segment"),
        FieldSchema("Crmsync_Marketing_Excluded", "bool", True),
        FieldSchema("Crmsync_Next_Review_Date", "date", True),
        FieldSchema("Crmsync_Tier", "enum", True, options=("gold", "silver")),
    ]
    assert writer.create_fields("Contacts", wanted) == [f.name for f in wanted]
    schema = writer.describe("Contacts")
    assert schema.fields["Crmsync_Segment"].label == "Crmsync Segment"
    assert [schema.fields[f.name].type for f in wanted] == ["string", "bool", "date", "enum"]
    assert schema.fields["Crmsync_Tier"].options == ("gold", "silver")
    assert all(schema.fields[f.name].writable and schema.fields[f.name].custom for f in wanted)
    crm.server.stats.reset()
    assert writer.create_fields("Contacts", wanted) == []
    assert requests_to(crm, "POST", "/crm/v8/settings/fields") == 0
    with pytest.raises(ValueError, match="cannot be a Zoho API name"):
        writer.create_fields("Contacts", [FieldSchema("crmsync-score", "int", True)])


def test_describe_maps_zoho_types(crm: Running) -> None:
    deals = connector(crm).describe("Deals").fields
    assert (deals["Account_Name"].type, deals["Owner"].type) == ("ref", "ref")
    assert deals["Products"].type == "multienum" and deals["Products"].options
    assert deals["Stage"].type == "enum" and "Closed Won" in (deals["Stage"].options or ())
    assert (deals["Amount"].type, deals["Closing_Date"].type) == ("decimal", "date")
    assert deals["Deal_Name"].required and not deals["Modified_Time"].writable
    assert deals["Tag"].type == "tags"


# --- limits -----------------------------------------------------------------------------------
PATIENT = RetryPolicy(attempts=40, initial_wait=0.05, max_wait=0.2)


def test_429s_for_spent_credits_are_waited_out() -> None:
    with HARNESS.serve(daily_credits=4, credit_window_seconds=0.5) as run:
        writer = connector(run, retry=PATIENT)
        ids = [run.native_id(c.key) for c in dataset().contacts]
        result = writer.write("Contacts", [RecordUpdate(i, {"Title": "Paced"}) for i in ids])
        assert not result.failed
        assert run.server.stats.total(status=429) > 0


def test_a_configured_pace_keeps_clear_of_429s_and_one_request_is_in_flight_at_a_time() -> None:
    settings = {
        "daily_credits": 4,
        "credit_window_seconds": 0.5,
        "concurrency_limit": 1,
        "request_delay_seconds": 0.002,
    }
    with HARNESS.serve(**settings) as run:
        writer = connector(run, retry=PATIENT)
        writer.transport.limiter = RateLimiter(3, 0.6)
        ids = [run.native_id(c.key) for c in dataset().contacts]
        result = writer.write("Contacts", [RecordUpdate(i, {"Title": "Paced"}) for i in ids])
        assert not result.failed
        assert run.server.stats.total(status=429) == 0


def test_a_zoho_config_builds_a_connector_that_reads_the_org(crm: Running) -> None:
    credentials = crm.app.credentials(crm.server.base_url)
    text = (
        "crm:\n  kind: zoho\n  auth:\n    mode: oauth\n"
        f"    client_id: {credentials['client_id']}\n"
        "    client_secret: ${ZOHO_SECRET}\n    refresh_token: ${ZOHO_REFRESH}\n"
        f"    accounts_url: {credentials['accounts_url']}\n"
    )
    environ = {
        "ZOHO_SECRET": credentials["client_secret"],
        "ZOHO_REFRESH": credentials["refresh_token"],
    }
    built = build_connector(parse_config(text, environ=environ).config)
    records = list(built.read("Contacts", fields=["Email"]))
    assert len(records) == len(dataset().contacts)
