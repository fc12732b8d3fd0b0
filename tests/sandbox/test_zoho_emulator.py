"""The Zoho CRM emulator, driven over real HTTP with plain ``requests`` (Zoho's client in our
stack): OAuth refresh, Get Records paging, COQL, writes, tags, merge, contact roles, field
metadata, users, limits, faults and the inspection endpoints."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import requests

from sandbox.dataset import Company, Contact, Dataset, Deal, GroundTruth, Owner
from sandbox.http import Faults, running
from sandbox.zoho import ZohoApp, ZohoSettings

T0 = datetime(2024, 1, 1, tzinfo=timezone.utc)
TAG_COLORS = {
    "#57B1FD", "#879BFC", "#658BA8", "#FD87BD", "#969696", "#F48435", "#1DB9B4",
    "#E7A826", "#63C57E", "#F17574", "#D297EE", "#A8C026", "#B88562",
}
ZOHO_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")
FIELDS_MD = Path(__file__).resolve().parents[2] / "docs" / "fields.md"


# --- data sets built by hand ------------------------------------------------------------------
def person(key: str, first: str | None, last: str | None, email: str | None, *,
           minute: int = 0, company: str | None = None, **changes: Any) -> Contact:
    base = Contact(
        key=key, first_name=first, last_name=last, email=email, other_emails=(), phone=None,
        mobile=None, street=None, city=None, state=None, zip=None, country=None,
        birth_date=None, job_title=None, company_key=company, company_name=None,
        owner_id="own-1", source_channel="web", created_at=T0,
        updated_at=T0 + timedelta(minutes=minute), last_interaction_at=None, last_open_at=None,
        last_click_at=None, email_opens=0, email_clicks=0, marketing_consent=None,
        unsubscribed=False, hard_bounce=False, nps_score=None, nps_date=None,
        support_tickets=0, avg_resolution_hours=None, returns=0, failed_payments=0,
        referrals=0, reward_preference=None, disqualified=False, disqualified_reason=None,
        retired_reason=None, asked_price=False, meeting_booked=False, quote_received=False,
    )
    return replace(base, **changes)


def firm(key: str, name: str, **changes: Any) -> Company:
    base = Company(key, name, None, None, None, None, None, None, None, None, None, None, False,
                   "own-1", T0, T0)
    return replace(base, **changes)


def deal(key: str, name: str, stage: str, contacts: tuple[str, ...], company: str) -> Deal:
    return Deal(key, name, 1000.0, "EUR", stage, date(2024, 6, 30), ("Pro Plan",), "own-2",
                "web", company, contacts, T0, T0)


def small_dataset() -> Dataset:
    """Two owners, two companies, six contacts (two share a Modified_Time), three deals."""
    owners = [Owner("own-1", "Ann", "Lee", "ann@sales.example"),
              Owner("own-2", "Raj", "Patel", "raj@sales.example")]
    companies = [firm("co-1", "Acme", tags=frozenset({"partner"})), firm("co-2", "Globex")]
    contacts = [
        person("ct-1", "Ana", "Ruiz", "ana@acme.example", minute=1, company="co-1",
               tags=frozenset({"vip"}), nps_score=9),
        person("ct-2", "Bo", "Chen", "bo@acme.example", minute=2, company="co-1",
               source_channel="chat"),
        person("ct-3", "Cy", "O'Brien", "cy@globex.example", minute=3, company="co-2"),
        person("ct-4", "Di", "Park", None, minute=4, owner_id="own-2"),
        person("ct-5", "Ed", "Stone", "ed@example.com", minute=5),
        person("ct-6", "Flo", "Stone", "flo@example.com", minute=5),
    ]
    deals = [
        deal("dl-1", "Acme renewal", "won", ("ct-1", "ct-2"), "co-1"),
        deal("dl-2", "Globex pilot", "open", ("ct-3",), "co-2"),
        deal("dl-3", "Acme expansion", "quote", ("ct-1", "ct-2", "ct-5"), "co-1"),
    ]
    return Dataset(1, owners, companies, contacts, deals, GroundTruth())


def bulk_dataset(count: int) -> Dataset:
    """``count`` contacts, seven per Modified_Time (ties on purpose)."""
    owners = [Owner("own-1", "Ann", "Lee", "ann@sales.example")]
    contacts = [person(f"ct-{i}", "P", f"Person {i}", f"p{i}@bulk.example", minute=i // 7)
                for i in range(count)]
    return Dataset(2, owners, [], contacts, [], GroundTruth())


# --- a plain-requests client, as a connector would write it ----------------------------------
class Clock:
    """A settable clock for the emulator."""

    def __init__(self, start: datetime = datetime(2025, 3, 1, tzinfo=timezone.utc)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class Zoho:
    """Refreshes a token at the accounts URL, then calls the returned api_domain."""

    def __init__(self, credentials: dict[str, str]) -> None:
        self.credentials = credentials
        self.session = requests.Session()
        self.api_domain = ""
        self.token = ""
        self.refresh()

    def refresh(self) -> dict[str, Any]:
        c = self.credentials
        answer = self.session.post(c["accounts_url"] + "/oauth/v2/token", data={
            "grant_type": "refresh_token", "client_id": c["client_id"],
            "client_secret": c["client_secret"], "refresh_token": c["refresh_token"],
        })
        body: dict[str, Any] = answer.json()
        self.token, self.api_domain = body["access_token"], body["api_domain"]
        return body

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {"Authorization": f"Zoho-oauthtoken {self.token}", **kwargs.pop("headers", {})}
        return self.session.request(method, self.api_domain + path, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.call("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> requests.Response:
        return self.call("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.call("DELETE", path, **kwargs)

    def coql(self, query: str) -> requests.Response:
        return self.post("/crm/v8/coql", json={"select_query": query})

    def id_of(self, module: str, field: str, value: str) -> str:
        found = self.coql(f"select id from {module} where {field} = '{value}'")
        assert found.status_code == 200, found.text
        return str(found.json()["data"][0]["id"])


@contextmanager
def zoho(dataset: Dataset | None = None, faults: Faults | None = None,
         **settings: Any) -> Iterator[tuple[Zoho, ZohoApp, Any]]:
    app = ZohoApp(small_dataset() if dataset is None else dataset, ZohoSettings(**settings))
    with running(app, faults=faults) as server:
        yield Zoho(app.credentials(server.base_url)), app, server


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def crm(clock: Clock) -> Iterator[Zoho]:
    """A fresh emulator per test, for tests that write."""
    with zoho(clock=clock, access_token_ttl=30 * 86_400) as (client, _, _):
        yield client


@pytest.fixture(scope="module")
def reader() -> Iterator[Zoho]:
    """One emulator shared by the tests that only read."""
    with zoho(access_token_ttl=30 * 86_400) as (client, _, _):
        yield client


def error_of(response: requests.Response) -> dict[str, Any]:
    body: dict[str, Any] = response.json()
    assert set(body) == {"code", "details", "message", "status"} and body["status"] == "error"
    return body


# --- OAuth --------------------------------------------------------------------------------------
def test_refresh_token_grant_answers_a_token_for_its_own_api_domain() -> None:
    with zoho() as (_, app, server):
        c = app.credentials(server.base_url)
        params = {k: c[k] for k in ("client_id", "client_secret", "refresh_token")}
        by_query = requests.post(c["token_url"], params={"grant_type": "refresh_token", **params})
        by_form = requests.post(c["token_url"], data={"grant_type": "refresh_token", **params})
        by_basic = requests.post(
            c["token_url"], auth=(c["client_id"], c["client_secret"]),
            data={"grant_type": "refresh_token", "refresh_token": c["refresh_token"]})
        for answer in (by_query, by_form, by_basic):
            body = answer.json()
            assert answer.status_code == 200
            assert body["expires_in"] == 3600 and body["token_type"] == "Bearer"
            assert body["api_domain"] == server.base_url
            assert body["access_token"].startswith("1000.")
        first = by_query.json()["access_token"]
        users = requests.get(server.base_url + "/crm/v8/users",
                             headers={"Authorization": f"Zoho-oauthtoken {first}"})
        assert users.status_code == 200


def test_bad_client_or_refresh_token_is_http_200_with_an_error_and_no_token() -> None:
    with zoho() as (_, app, server):
        c = app.credentials(server.base_url)
        good = {"grant_type": "refresh_token", "client_id": c["client_id"],
                "client_secret": c["client_secret"], "refresh_token": c["refresh_token"]}
        bad_secret = requests.post(c["token_url"], data={**good, "client_secret": "nope"})
        bad_refresh = requests.post(c["token_url"], data={**good, "refresh_token": "1000.x"})
        assert (bad_secret.status_code, bad_secret.json()) == (200, {"error": "invalid_client"})
        assert (bad_refresh.status_code, bad_refresh.json()) == (200, {"error": "invalid_code"})


def test_legacy_token_answer_gives_expires_in_milliseconds() -> None:
    with zoho(legacy_expires_in_ms=True, access_token_ttl=60) as (client, _, _):
        body = client.refresh()
        assert (body["expires_in"], body["expires_in_sec"]) == (60_000, 60)


def test_api_calls_need_a_live_zoho_oauthtoken(clock: Clock) -> None:
    with zoho(clock=clock) as (client, _, _):
        check_token_expiry(client, clock)


def check_token_expiry(crm: Zoho, clock: Clock) -> None:
    url = crm.api_domain + "/crm/v8/users"
    expected = {"code": "INVALID_TOKEN", "details": {}, "message": "invalid oauth token",
                "status": "error"}
    for headers in ({}, {"Authorization": f"Bearer {crm.token}"},
                    {"Authorization": "Zoho-oauthtoken 1000.unknown.token"}):
        answer = requests.get(url, headers=headers)
        assert (answer.status_code, answer.json()) == (401, expected)
    assert crm.get("/crm/v8/users").status_code == 200
    clock.advance(seconds=3601)
    expired = crm.get("/crm/v8/users")
    assert (expired.status_code, expired.json()) == (401, expected)
    crm.refresh()
    assert crm.get("/crm/v8/users").status_code == 200


def test_v7_and_v8_are_served_and_other_versions_are_not(reader: Zoho) -> None:
    params = {"fields": "Last_Name"}
    v7 = reader.get("/crm/v7/Contacts", params=params)
    v8 = reader.get("/crm/v8/Contacts", params=params)
    assert v7.status_code == v8.status_code == 200 and v7.json() == v8.json()
    v2 = reader.get("/crm/v2/Contacts", params=params)
    assert v2.status_code == 404 and error_of(v2)["code"] == "INVALID_URL_PATTERN"
    unknown = reader.get("/crm/v8/Leads", params=params)
    assert unknown.status_code == 400 and error_of(unknown)["code"] == "INVALID_MODULE"


# --- Get Records ----------------------------------------------------------------------------
def test_fields_are_mandatory_and_at_most_50(reader: Zoho) -> None:
    missing = reader.get("/crm/v8/Contacts")
    assert missing.status_code == 400
    assert error_of(missing)["code"] == "REQUIRED_PARAM_MISSING"
    too_many = reader.get("/crm/v8/Contacts", params={"fields": ",".join(["Email"] * 51)})
    assert too_many.status_code == 400 and error_of(too_many)["code"] == "LIMIT_EXCEEDED"
    fifty = reader.get("/crm/v8/Contacts", params={"fields": ",".join(["Email"] * 50)})
    assert fifty.status_code == 200
    over_page = reader.get("/crm/v8/Contacts", params={"fields": "Email", "per_page": 201})
    assert over_page.status_code == 400


def test_get_records_returns_zoho_shaped_records(reader: Zoho) -> None:
    fields = "First_Name,Last_Name,Email,Phone,Account_Name,Owner,Tag,Modified_Time"
    answer = reader.get("/crm/v8/Contacts", params={
        "fields": fields, "sort_by": "Modified_Time", "sort_order": "asc", "per_page": 2})
    assert answer.status_code == 200
    body = answer.json()
    ana = body["data"][0]
    assert re.fullmatch(r"\d{19}", ana["id"])
    assert ana["Last_Name"] == "Ruiz" and ana["Phone"] is None
    assert ana["Account_Name"]["name"] == "Acme" and re.fullmatch(r"\d{19}",
                                                                  ana["Account_Name"]["id"])
    assert ana["Owner"]["name"] == "Ann Lee" and ana["Owner"]["email"] == "ann@sales.example"
    assert [t["name"] for t in ana["Tag"]] == ["vip"] and ana["Tag"][0]["color_code"] in TAG_COLORS
    assert ana["Modified_Time"] == "2024-01-01T00:01:00+00:00"
    assert set(ana) == {*fields.split(","), "id"}
    assert body["info"] == {
        "per_page": 2, "count": 2, "page": 1, "sort_by": "Modified_Time", "sort_order": "asc",
        "more_records": True, "next_page_token": body["info"]["next_page_token"],
        "previous_page_token": None, "page_token_expiry": body["info"]["page_token_expiry"],
    }
    assert ZOHO_TIME.match(body["info"]["page_token_expiry"])


def test_org_offset_shows_in_timestamps() -> None:
    with zoho(org_utc_offset_minutes=330) as (client, _, _):
        answer = client.get("/crm/v8/Contacts", params={
            "fields": "Modified_Time", "sort_by": "Modified_Time", "sort_order": "asc"})
        assert answer.json()["data"][0]["Modified_Time"] == "2024-01-01T05:31:00+05:30"


def test_ids_parameter_and_get_one_record(reader: Zoho) -> None:
    ana = reader.id_of("Contacts", "Email", "ana@acme.example")
    bo = reader.id_of("Contacts", "Email", "bo@acme.example")
    listed = reader.get("/crm/v8/Contacts", params={"fields": "Email", "ids": f"{ana},{bo}"})
    assert {r["Email"] for r in listed.json()["data"]} == {"ana@acme.example", "bo@acme.example"}
    one = reader.get(f"/crm/v8/Contacts/{ana}")
    record = one.json()["data"][0]
    assert record["Email"] == "ana@acme.example" and record["NPS_Score"] == 9
    assert record["Lead_Source"] == "Web" and "Marketing_Consent" in record
    missing = reader.get("/crm/v8/Contacts/5725767000099999999")
    assert missing.status_code == 204 and missing.content == b""


def test_page_stops_at_2000_records_and_page_token_goes_on_over_5000() -> None:
    with zoho(bulk_dataset(5_000)) as (client, _, _):
        seen: list[str] = []
        params: dict[str, Any] = {"fields": "Last_Name", "per_page": 200}
        for page in range(1, 11):
            body = client.get("/crm/v8/Contacts", params={**params, "page": page}).json()
            seen += [r["id"] for r in body["data"]]
        refused = client.get("/crm/v8/Contacts", params={**params, "page": 11})
        assert refused.status_code == 400
        assert error_of(refused)["code"] == "DISCRETE_PAGINATION_LIMIT_EXCEEDED"
        token = body["info"]["next_page_token"]
        both = client.get("/crm/v8/Contacts", params={**params, "page": 2, "page_token": token})
        assert both.status_code == 400
        while token:
            body = client.get("/crm/v8/Contacts", params={**params, "page_token": token}).json()
            seen += [r["id"] for r in body["data"]]
            token = body["info"]["next_page_token"]
        assert body["info"]["more_records"] is False
        assert len(seen) == len(set(seen)) == 5_000
        assert seen == sorted(seen, key=int, reverse=True)  # default: id descending


def test_page_token_ceiling_and_expiry(clock: Clock) -> None:
    with zoho(bulk_dataset(30), clock=clock, page_token_record_ceiling=20) as (client, _, _):
        params = {"fields": "Last_Name", "per_page": 10}
        first = client.get("/crm/v8/Contacts", params=params).json()["info"]
        second = client.get("/crm/v8/Contacts", params={
            **params, "page_token": first["next_page_token"]}).json()["info"]
        assert second["more_records"] is True and second["next_page_token"] is None
        clock.advance(days=1, seconds=1)
        client.refresh()
        stale = client.get("/crm/v8/Contacts", params={
            **params, "page_token": first["next_page_token"]})
        assert stale.status_code == 400 and error_of(stale)["code"] == "INVALID_DATA"


def test_if_modified_since_gives_changes_then_304(crm: Zoho, clock: Clock) -> None:
    since = {"If-Modified-Since": "2024-01-01T00:04:00+00:00"}
    params = {"fields": "Email,Modified_Time", "sort_by": "Modified_Time", "sort_order": "asc"}
    changed = crm.get("/crm/v8/Contacts", params=params, headers=since).json()["data"]
    assert [r["Email"] for r in changed] == ["ed@example.com", "flo@example.com"]
    later = {"If-Modified-Since": clock.now.isoformat()}
    unchanged = crm.get("/crm/v8/Contacts", params=params, headers=later)
    assert unchanged.status_code == 304 and unchanged.content == b""
    bo = crm.id_of("Contacts", "Email", "bo@acme.example")
    clock.advance(seconds=5)
    crm.put("/crm/v8/Contacts", json={"data": [{"id": bo, "Title": "CTO"}]})
    by_id = crm.get("/crm/v8/Contacts", params={"fields": "Title"}, headers=later).json()
    assert [r["id"] for r in by_id["data"]] == [bo] and by_id["data"][0]["Title"] == "CTO"


def test_empty_module_answers_204(reader: Zoho) -> None:
    empty = reader.get("/crm/v8/Tasks", params={"fields": "Subject"})
    assert empty.status_code == 204 and empty.content == b""


# --- COQL ---------------------------------------------------------------------------------
def test_coql_keyset_paging_over_modified_time_ties_returns_every_record_once() -> None:
    with zoho(bulk_dataset(50)) as (client, _, _):
        seen: list[tuple[str, str]] = []
        query = ("select Last_Name, Modified_Time from Contacts where "
                 "Modified_Time >= '2024-01-01T00:00:00+00:00' "
                 "order by Modified_Time asc, id asc limit 0, 8")
        while True:
            answer = client.coql(query)
            rows = answer.json()["data"]
            seen += [(r["Modified_Time"], r["id"]) for r in rows]
            if not answer.json()["info"]["more_records"]:
                break
            when, last = seen[-1]
            query = ("select Last_Name, Modified_Time from Contacts where "
                     f"((Modified_Time > '{when}') or ((Modified_Time = '{when}') and "
                     f"(id > '{last}'))) order by Modified_Time asc, id asc limit 8")
        assert len(seen) == len(set(seen)) == 50
        assert seen == sorted(seen, key=lambda pair: (pair[0], int(pair[1])))
        by_offset = client.coql("select Last_Name from Contacts order by Modified_Time asc, "
                                "id asc limit 8 offset 8").json()
        assert [r["id"] for r in by_offset["data"]] == [i for _, i in seen[8:16]]
        assert by_offset["info"] == {"count": 8, "more_records": True}


def test_coql_filters(reader: Zoho) -> None:
    def last_names(where: str) -> list[str]:
        answer = reader.coql(f"select Last_Name from Contacts where {where} order by Last_Name, "
                          "First_Name")
        return [] if answer.status_code == 204 else [r["Last_Name"] for r in answer.json()["data"]]

    assert last_names("Last_Name = 'O''Brien'") == ["O'Brien"]
    assert last_names("Email like '%acme%'") == ["Chen", "Ruiz"]
    assert last_names("Email is null") == ["Park"]
    assert last_names("Lead_Source in ('Chat', 'Call')") == ["Chen"]
    assert last_names("(Last_Name = 'Stone') and (First_Name != 'Ed')") == ["Stone"]
    assert last_names("((Last_Name = 'Park') or (Last_Name = 'Chen')) and "
                      "(Email is not null)") == ["Chen"]
    assert last_names("Account_Name.Account_Name = 'Globex'") == ["O'Brien"]
    assert last_names("NPS_Score >= 9") == ["Ruiz"]
    assert last_names("Tag = 'VIP'") == ["Ruiz"]
    assert last_names("Last_Name = 'Nobody'") == []
    row = reader.coql("select Email, Account_Name, Owner.email from Contacts "
                   "where Email = 'cy@globex.example'").json()["data"][0]
    assert set(row["Account_Name"]) == {"id"} and row["Owner.email"] == "ann@sales.example"


def test_coql_errors_use_the_zoho_envelope(reader: Zoho) -> None:
    cases = {
        "select Last_Name Contacts": "SYNTAX_ERROR",
        "select Last_Name from Contacts where Last_Name = 'a' and First_Name = 'b' "
        "and Email = 'c'": "SYNTAX_ERROR",
        "select Nope from Contacts": "INVALID_QUERY",
        "select Last_Name from Contacts limit 2001": "LIMIT_EXCEEDED",
        "select Last_Name from Contacts limit 99000, 2000": "LIMIT_EXCEEDED",
        f"select {', '.join(['Email'] * 51)} from Contacts": "LIMIT_EXCEEDED",
    }
    for query, code in cases.items():
        answer = reader.coql(query)
        assert answer.status_code == 400, query
        assert error_of(answer)["code"] == code, query


# --- writes -------------------------------------------------------------------------------
def test_insert_answers_201_with_details(crm: Zoho, clock: Clock) -> None:
    answer = crm.post("/crm/v8/Contacts", json={"data": [
        {"Last_Name": "Ng", "Email": "ng@new.example", "Lead_Source": "Form",
         "Tag": [{"name": "imported"}]}]})
    assert answer.status_code == 201
    item = answer.json()["data"][0]
    assert (item["code"], item["status"], item["message"]) == ("SUCCESS", "success",
                                                               "record added")
    details = item["details"]
    assert details["Created_Time"] == details["Modified_Time"] == "2025-03-01T00:00:00+00:00"
    assert details["Created_By"]["name"] == "Sandbox Admin"
    stored = crm.get(f"/crm/v8/Contacts/{details['id']}").json()["data"][0]
    assert stored["Lead_Source"] == "Form" and [t["name"] for t in stored["Tag"]] == ["imported"]
    newest = crm.get("/crm/v8/Contacts", params={
        "fields": "Created_Time", "sort_by": "Created_Time", "sort_order": "desc", "per_page": 1})
    assert newest.json()["data"][0]["id"] == details["id"]


def test_mixed_batch_answers_207_with_per_record_errors(crm: Zoho) -> None:
    answer = crm.post("/crm/v8/Contacts", json={"data": [
        {"Last_Name": "Fine"},
        {"First_Name": "No last name"},
        {"Last_Name": "Bad phone", "Phone": "call me maybe"},
        {"Last_Name": "Bad pick", "Lead_Source": "Carrier pigeon"},
        {"Last_Name": "x" * 81},
        {"Last_Name": "Bad type", "NPS_Score": "ten"},
        {"Last_Name": "Bad lookup", "Account_Name": {"id": "5725767000099999999"}},
    ]})
    assert answer.status_code == 207
    items = answer.json()["data"]
    assert items[0]["status"] == "success"
    assert items[1] == {"code": "MANDATORY_NOT_FOUND", "status": "error",
                        "message": "required field not found",
                        "details": {"api_name": "Last_Name", "json_path": "$.data[1].Last_Name"}}
    assert items[2]["details"] == {"expected_data_type": "phone", "api_name": "Phone",
                                   "json_path": "$.data[2].Phone"}
    assert items[3]["details"]["expected_data_type"] == "picklist"
    assert items[4]["details"]["maximum_length"] == 80
    assert items[5]["details"]["expected_data_type"] == "integer"
    assert items[6]["details"]["api_name"] == "Account_Name"
    assert all(i["code"] == "INVALID_DATA" for i in items[2:])


def test_all_failing_batch_and_oversized_batch_are_400(crm: Zoho) -> None:
    failed = crm.put("/crm/v8/Contacts", json={"data": [{"id": "5725767000099999999",
                                                         "Title": "x"}]})
    assert failed.status_code == 400
    assert failed.json()["data"][0]["details"]["api_name"] == "id"
    oversized = crm.post("/crm/v8/Contacts", json={"data": [{"Last_Name": str(i)}
                                                            for i in range(101)]})
    assert oversized.status_code == 400 and error_of(oversized)["code"] == "LIMIT_EXCEEDED"
    hundred = crm.post("/crm/v8/Contacts", json={"data": [{"Last_Name": str(i)}
                                                          for i in range(100)]})
    assert hundred.status_code == 201


def test_updates_stamp_modified_time_and_ignore_read_only_fields(crm: Zoho,
                                                                  clock: Clock) -> None:
    ana = crm.id_of("Contacts", "Email", "ana@acme.example")
    clock.advance(hours=2)
    batch = crm.put("/crm/v8/Contacts", json={"data": [
        {"id": ana, "Title": "Head of Ops", "Modified_Time": "2000-01-01T00:00:00+00:00"}]})
    assert batch.status_code == 200
    assert batch.json()["data"][0]["message"] == "record updated"
    single = crm.put(f"/crm/v8/Contacts/{ana}", json={"data": [{"Mobile": "+1 555 0100"}]})
    assert single.status_code == 200
    record = crm.get(f"/crm/v8/Contacts/{ana}").json()["data"][0]
    assert record["Title"] == "Head of Ops" and record["Mobile"] == "+1 555 0100"
    assert record["Modified_Time"] == "2025-03-01T02:00:00+00:00"
    assert record["Modified_By"]["name"] == "Sandbox Admin"


def test_upsert_matches_on_email_by_default_and_on_given_fields(crm: Zoho) -> None:
    answer = crm.post("/crm/v8/Contacts/upsert", json={"data": [
        {"Last_Name": "Ruiz", "Email": "ANA@acme.example", "Title": "CEO"},
        {"Last_Name": "New", "Email": "new@acme.example"},
    ]})
    assert answer.status_code == 200
    updated, inserted = answer.json()["data"]
    assert (updated["action"], updated["duplicate_field"]) == ("update", "Email")
    assert updated["details"]["id"] == crm.id_of("Contacts", "Email", "ana@acme.example")
    assert (inserted["action"], inserted["duplicate_field"]) == ("insert", None)
    by_name = crm.post("/crm/v8/Accounts/upsert", json={
        "data": [{"Account_Name": "acme", "Employees": 50}],
        "duplicate_check_fields": ["Account_Name"]})
    assert by_name.json()["data"][0]["action"] == "update"


# --- delete -------------------------------------------------------------------------------
def test_deletes_and_the_deleted_records_list(crm: Zoho, clock: Clock) -> None:
    ed = crm.id_of("Contacts", "Email", "ed@example.com")
    flo = crm.id_of("Contacts", "Email", "flo@example.com")
    before = {"If-Modified-Since": clock.now.isoformat()}
    nothing = crm.get("/crm/v8/Contacts/deleted", headers=before)
    assert nothing.status_code == 304
    clock.advance(minutes=1)
    many = crm.delete("/crm/v8/Contacts", params={"ids": f"{ed},5725767000099999999"})
    assert many.status_code == 207
    one = crm.delete(f"/crm/v8/Contacts/{flo}")
    assert one.status_code == 200 and one.json()["data"][0]["message"] == "record deleted"
    assert crm.get(f"/crm/v8/Contacts/{ed}").status_code == 204
    listed = crm.get("/crm/v8/Contacts/deleted", params={"type": "all"}, headers=before).json()
    assert {d["display_name"] for d in listed["data"]} == {"Ed Stone", "Flo Stone"}
    entry = listed["data"][0]
    assert entry["type"] == "recycle" and entry["deleted_by"]["name"] == "Sandbox Admin"
    assert entry["deleted_time"] == "2025-03-01T00:01:00+00:00"
    assert crm.get("/crm/v8/Contacts/deleted", params={"type": "permanent"}).status_code == 204


# --- tags ---------------------------------------------------------------------------------
def test_add_and_remove_tags(crm: Zoho, clock: Clock) -> None:
    ana = crm.id_of("Contacts", "Email", "ana@acme.example")
    bo = crm.id_of("Contacts", "Email", "bo@acme.example")
    clock.advance(hours=1)
    added = crm.post("/crm/v8/Contacts/actions/add_tags", json={
        "tags": [{"name": "Newsletter"}], "ids": [ana, bo], "over_write": False})
    assert added.status_code == 200
    body = added.json()
    assert body["success_count"] == "2" and body["locked_count"] == "0"
    ana_tags = body["data"][0]["details"]["tags"]
    assert [t["name"] for t in ana_tags] == ["vip", "Newsletter"]
    assert ana_tags[1]["color_code"] in TAG_COLORS
    record = crm.get(f"/crm/v8/Contacts/{bo}", params={"fields": "Tag,Modified_Time"}).json()
    assert record["data"][0]["Modified_Time"] == "2025-03-01T01:00:00+00:00"
    listed = crm.get("/crm/v8/settings/tags", params={"module": "Contacts"}).json()["tags"]
    assert {t["name"] for t in listed} == {"vip", "Newsletter"}
    crm.post(f"/crm/v8/Contacts/{ana}/actions/add_tags", json={
        "tags": [{"name": "Solo"}], "over_write": True})
    removed = crm.post("/crm/v8/Contacts/actions/remove_tags", json={
        "tags": [{"name": "Newsletter"}], "ids": [ana, bo]})
    assert [d["details"]["tags"] for d in removed.json()["data"]][1] == []
    single = crm.post(f"/crm/v8/Contacts/{ana}/actions/remove_tags", json={
        "tags": [{"name": "Solo"}]})
    assert single.json()["data"][0]["details"]["tags"] == []


def test_tag_limits(crm: Zoho) -> None:
    ana = crm.id_of("Contacts", "Email", "ana@acme.example")
    long_name = crm.post("/crm/v8/Contacts/actions/add_tags", json={
        "tags": [{"name": "x" * 26}], "ids": [ana]})
    assert long_name.status_code == 400
    assert error_of(long_name)["details"]["maximum_length"] == 25
    assert crm.post("/crm/v8/Contacts/actions/add_tags", json={
        "tags": [{"name": "x" * 25}], "ids": [ana]}).status_code == 200
    too_many = crm.post("/crm/v8/Contacts/actions/add_tags", json={
        "tags": [{"name": "bulk"}], "ids": [ana] * 501})
    assert too_many.status_code == 400 and error_of(too_many)["code"] == "LIMIT_EXCEEDED"
    mixed = crm.post("/crm/v8/Contacts/actions/add_tags", json={
        "tags": [{"name": "bulk"}], "ids": [ana, "5725767000099999999"]})
    assert mixed.status_code == 207 and mixed.json()["success_count"] == "1"


# --- merge, contact roles, related lists ------------------------------------------------------
def test_merge_moves_relations_and_tags_to_the_master(crm: Zoho) -> None:
    ana = crm.id_of("Contacts", "Email", "ana@acme.example")
    bo = crm.id_of("Contacts", "Email", "bo@acme.example")
    crm.post(f"/crm/v8/Contacts/{bo}/actions/add_tags", json={"tags": [{"name": "late"}]})
    merged = crm.post(f"/crm/v8/Contacts/{ana}/actions/merge", json={"merge": [{
        "data": [{"id": bo}], "master_fields": [{"api_name": "Email", "id": bo}]}]})
    assert merged.status_code == 200
    assert merged.json()["data"][0]["code"] == "SUCCESS"
    assert crm.get(f"/crm/v8/Contacts/{bo}").status_code == 204
    master = crm.get(f"/crm/v8/Contacts/{ana}").json()["data"][0]
    assert master["Email"] == "bo@acme.example"
    assert [t["name"] for t in master["Tag"]] == ["vip", "late"]
    deals = crm.get(f"/crm/v8/Contacts/{ana}/Deals", params={"fields": "Deal_Name"}).json()
    assert sorted(d["Deal_Name"] for d in deals["data"]) == ["Acme expansion", "Acme renewal"]
    renewal = crm.id_of("Deals", "Deal_Name", "Acme renewal")
    roles = crm.get(f"/crm/v8/Deals/{renewal}/Contact_Roles", params={"fields": "Email"})
    assert [r["id"] for r in roles.json()["data"]] == [ana]
    deleted = crm.get("/crm/v8/Contacts/deleted").json()["data"]
    assert [d["id"] for d in deleted] == [bo]
    refused = crm.post(f"/crm/v8/Contacts/{ana}/actions/merge", json={"merge": [{
        "data": [{"id": ana}]}]})
    assert refused.status_code == 400


def test_contact_roles_and_related_lists(crm: Zoho) -> None:
    pilot = crm.id_of("Deals", "Deal_Name", "Globex pilot")
    flo = crm.id_of("Contacts", "Email", "flo@example.com")
    roles = crm.get("/crm/v8/Contacts/roles").json()["contact_roles"]
    assert "Purchasing" in {r["name"] for r in roles}
    put = crm.put(f"/crm/v8/Deals/{pilot}/Contact_Roles/{flo}", json={
        "data": [{"Contact_Role": "Purchasing"}]})
    assert put.status_code == 200 and put.json()["data"][0]["status"] == "success"
    listed = crm.get(f"/crm/v8/Deals/{pilot}/Contact_Roles", params={"fields": "Email"}).json()
    assert listed["data"] == [{"Email": "flo@example.com", "id": flo,
                               "Contact_Role": {"name": "Purchasing",
                                                "id": listed["data"][0]["Contact_Role"]["id"]}}]
    deals = crm.get(f"/crm/v8/Contacts/{flo}/Deals", params={"fields": "Deal_Name"}).json()
    assert [d["Deal_Name"] for d in deals["data"]] == ["Globex pilot"]
    assert crm.get(f"/crm/v8/Deals/{pilot}/Contact_Roles").status_code == 400
    bad = crm.put(f"/crm/v8/Deals/{pilot}/Contact_Roles/{flo}", json={
        "data": [{"Contact_Role": "Astronaut"}]})
    assert bad.status_code == 400
    acme = crm.id_of("Accounts", "Account_Name", "Acme")
    people = crm.get(f"/crm/v8/Accounts/{acme}/Contacts", params={"fields": "Last_Name"})
    assert sorted(p["Last_Name"] for p in people.json()["data"]) == ["Chen", "Ruiz"]
    acme_deals = crm.get(f"/crm/v8/Accounts/{acme}/Deals", params={"fields": "Deal_Name"})
    assert sorted(d["Deal_Name"] for d in acme_deals.json()["data"]) == [
        "Acme expansion", "Acme renewal"]
    removed = crm.delete(f"/crm/v8/Deals/{pilot}/Contact_Roles/{flo}")
    assert removed.status_code == 200
    assert crm.get(f"/crm/v8/Contacts/{flo}/Deals", params={"fields": "Deal_Name"}
                   ).status_code == 204


def test_tasks_link_a_contact_and_a_deal(crm: Zoho) -> None:
    ana = crm.id_of("Contacts", "Email", "ana@acme.example")
    pilot = crm.id_of("Deals", "Deal_Name", "Globex pilot")
    created = crm.post("/crm/v8/Tasks", json={"data": [{
        "Subject": "Call back", "Due_Date": "2025-03-02", "Priority": "High",
        "Status": "Not Started", "Who_Id": {"id": ana}, "What_Id": {"id": pilot},
        "$se_module": "Deals", "Description": "NPS follow-up"}]})
    assert created.status_code == 201
    task = crm.get(f"/crm/v8/Tasks/{created.json()['data'][0]['details']['id']}").json()
    record = task["data"][0]
    assert record["Who_Id"] == {"name": "Ana Ruiz", "id": ana}
    assert record["What_Id"] == {"name": "Globex pilot", "id": pilot}
    assert record["$se_module"] == "Deals" and record["Priority"] == "High"
    wrong = crm.post("/crm/v8/Tasks", json={"data": [{"Subject": "x", "What_Id": {"id": ana}}]})
    assert wrong.status_code == 400


# --- metadata, users ------------------------------------------------------------------------
def documented_zoho_fields() -> dict[str, set[str]]:
    """The Zoho column of docs/fields.md, per module."""
    modules = {"Contact": "Contacts", "Company": "Accounts", "Deal": "Deals"}
    found: dict[str, set[str]] = {}
    current = None
    for line in FIELDS_MD.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            current = modules.get(line[3:].split()[0])
            found.setdefault(current or "", set())
        elif current and line.startswith("| ") and not line.startswith("| common"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            names = re.findall(r"`([A-Za-z_$.]+)`", cells[-1])
            found[current].update(n.split(".")[0] for n in names if n != "Contact_Roles")
            if "native tags" in cells[-1]:
                found[current].add("Tag")
    return {m: n for m, n in found.items() if m}


def test_field_metadata_lists_exactly_the_documented_fields(reader: Zoho) -> None:
    system = {"Created_By", "Modified_By", "Tag"}  # every Zoho module takes tags
    for module, documented in documented_zoho_fields().items():
        answer = reader.get("/crm/v8/settings/fields", params={"module": module}).json()
        listed = {f["api_name"]: f for f in answer["fields"]}
        assert set(listed) | {"id"} == documented | system | {"id"}, module
    contacts = {f["api_name"]: f for f in reader.get(
        "/crm/v8/settings/fields", params={"module": "Contacts"}).json()["fields"]}
    assert contacts["Last_Name"]["system_mandatory"] is True
    assert contacts["Email"]["data_type"] == "email"
    assert contacts["Modified_Time"]["read_only"] is True
    assert contacts["NPS_Score"]["custom_field"] is True
    assert contacts["Account_Name"]["lookup"] == {"module": {"api_name": "Accounts"}}
    assert {v["actual_value"] for v in contacts["Lead_Source"]["pick_list_values"]} == {
        "Chat", "Call", "Form", "Social", "Web", "Store", "Referral"}
    deals = {f["api_name"]: f for f in reader.get(
        "/crm/v8/settings/fields", params={"module": "Deals"}).json()["fields"]}
    stages = {v["actual_value"] for v in deals["Stage"]["pick_list_values"]}
    assert {"Qualification", "Needs Analysis", "Proposal/Price Quote", "Closed Won",
            "Closed Lost"} <= stages


def test_custom_fields_can_be_created_once_and_then_written(crm: Zoho) -> None:
    spec = {"fields": [{"field_label": "Sync Tags", "data_type": "text", "length": 200}]}
    created = crm.post("/crm/v8/settings/fields", params={"module": "Contacts"}, json=spec)
    assert created.status_code == 201 and created.json()["fields"][0]["code"] == "SUCCESS"
    again = crm.post("/crm/v8/settings/fields", params={"module": "Contacts"}, json=spec)
    assert again.status_code == 400 and error_of(again)["code"] == "DUPLICATE_DATA"
    fields = crm.get("/crm/v8/settings/fields", params={"module": "Contacts"}).json()["fields"]
    sync_tags = next(f for f in fields if f["api_name"] == "Sync_Tags")
    assert sync_tags["custom_field"] is True and sync_tags["length"] == 200
    ana = crm.id_of("Contacts", "Email", "ana@acme.example")
    crm.put("/crm/v8/Contacts", json={"data": [{"id": ana, "Sync_Tags": "a;b"}]})
    assert crm.coql("select Sync_Tags from Contacts where Sync_Tags = 'a;b'").json()[
        "data"][0]["id"] == ana
    picklist = crm.post("/crm/v8/settings/fields", params={"module": "Deals"}, json={
        "fields": [{"field_label": "Segment", "data_type": "picklist",
                    "pick_list_values": [{"display_value": "Whale", "actual_value": "Whale"}]}]})
    assert picklist.status_code == 201


def test_users_are_the_data_sets_owners(reader: Zoho) -> None:
    users = reader.get("/crm/v8/users", params={"type": "ActiveUsers"}).json()["users"]
    emails = {u["email"] for u in users}
    assert {"ann@sales.example", "raj@sales.example"} <= emails
    owner_ids = {u["id"] for u in users}
    records = reader.get("/crm/v8/Deals", params={"fields": "Owner"}).json()["data"]
    assert {r["Owner"]["id"] for r in records} <= owner_ids


def test_data_set_loads_in_zoho_shape(reader: Zoho) -> None:
    deals = reader.coql("select Deal_Name, Stage, Contact_Name, Currency, Products from Deals "
                     "order by Deal_Name").json()["data"]
    assert [(d["Deal_Name"], d["Stage"]) for d in deals] == [
        ("Acme expansion", "Proposal/Price Quote"), ("Acme renewal", "Closed Won"),
        ("Globex pilot", "Qualification")]
    assert deals[0]["Products"] == ["Pro Plan"] and deals[0]["Currency"] == "EUR"
    expansion = deals[0]["id"]
    roles = reader.get(f"/crm/v8/Deals/{expansion}/Contact_Roles", params={"fields": "Email"})
    assert len(roles.json()["data"]) == 3
    single = deals[2]["id"]
    assert reader.get(f"/crm/v8/Deals/{single}/Contact_Roles",
                      params={"fields": "Email"}).status_code == 204
    accounts = reader.get("/crm/v8/Accounts", params={"fields": "Account_Name,Tag"}).json()
    acme = next(a for a in accounts["data"] if a["Account_Name"] == "Acme")
    assert [t["name"] for t in acme["Tag"]] == ["partner"]


def test_ids_are_deterministic_19_digit_numbers() -> None:
    app = ZohoApp(small_dataset())
    first, second = app.dump(), ZohoApp(small_dataset()).dump()
    ids = [r["id"] for r in first["Contacts"]]
    assert ids == [r["id"] for r in second["Contacts"]]
    assert all(re.fullmatch(r"\d{19}", i) for i in ids)
    ana = next(r for r in first["Contacts"] if r.get("Email") == "ana@acme.example")
    assert str(app.ids["ct-1"]) == ana["id"]
    assert {str(app.ids[k]) for k in ("dl-1", "dl-2", "dl-3")} == {
        r["id"] for r in first["Deals"]}


# --- limits ------------------------------------------------------------------------------------
def test_daily_credits_run_out_with_429(clock: Clock) -> None:
    with zoho(clock=clock, daily_credits=3, credit_window_seconds=60) as (client, _, _):
        answers = [client.get("/crm/v8/users").status_code for _ in range(4)]
        assert answers == [200, 200, 200, 429]
        refused = client.get("/crm/v8/users")
        assert error_of(refused)["code"] == "TOO_MANY_REQUESTS"
        clock.advance(seconds=61)
        assert client.get("/crm/v8/users").status_code == 200


def test_concurrent_requests_beyond_the_limit_get_429() -> None:
    with zoho(concurrency_limit=2, request_delay_seconds=0.5) as (client, _, _):
        statuses: list[int] = []

        def call() -> None:
            answer = requests.get(client.api_domain + "/crm/v8/users",
                                  headers={"Authorization": f"Zoho-oauthtoken {client.token}"})
            statuses.append(answer.status_code)

        threads = [threading.Thread(target=call) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert statuses.count(429) >= 1 and statuses.count(200) >= 2
        assert client.get("/crm/v8/users").status_code == 200


# --- faults and inspection ----------------------------------------------------------------------
def test_injected_faults_reach_the_client() -> None:
    with zoho() as (client, _, server):
        def fault(kind: str) -> None:
            requests.put(server.base_url + "/_sandbox/faults", json={"rates": {kind: 1.0}})

        fault("rate_limit")
        throttled = client.get("/crm/v8/users")
        assert throttled.status_code == 429 and error_of(throttled)["code"] == "TOO_MANY_REQUESTS"
        fault("expired_token")
        expired = client.get("/crm/v8/users")
        assert expired.status_code == 401 and error_of(expired)["code"] == "INVALID_TOKEN"
        fault("server_error")
        assert client.get("/crm/v8/users").status_code >= 500
        fault("truncated")
        with pytest.raises(requests.exceptions.JSONDecodeError):
            client.get("/crm/v8/users").json()
        fault("reset")
        with pytest.raises(requests.exceptions.ConnectionError):
            requests.get(client.api_domain + "/crm/v8/users")
        requests.put(server.base_url + "/_sandbox/faults", json={"rates": {}})
        assert client.get("/crm/v8/users").status_code == 200


def test_slow_fault_delays_the_answer() -> None:
    with zoho(faults=Faults({"slow": 1.0}, slow_seconds=0.3)) as (client, _, _):
        answer = client.get("/crm/v8/users")
        assert answer.status_code == 200 and answer.elapsed >= timedelta(seconds=0.3)


def test_inspection_endpoints_count_requests_and_dump_state(crm: Zoho) -> None:
    base = crm.api_domain
    requests.delete(base + "/_sandbox/stats")
    crm.get("/crm/v8/Contacts", params={"fields": "Email"})
    crm.get("/crm/v8/Contacts")
    stats = requests.get(base + "/_sandbox/stats").json()
    api = {(r["endpoint"], r["status"], r["count"]) for r in stats["requests"]
           if r["endpoint"].startswith("/crm/")}
    assert api == {("/crm/v8/Contacts", 200, 1), ("/crm/v8/Contacts", 400, 1)}
    ed = crm.id_of("Contacts", "Email", "ed@example.com")
    crm.delete(f"/crm/v8/Contacts/{ed}")
    dump = requests.get(base + "/_sandbox/dump").json()
    by_id = {r["id"]: r for r in dump["Contacts"]}
    assert by_id[ed]["$deleted"] is True and len(by_id) == 6
    ana = next(r for r in dump["Contacts"] if r.get("Email") == "ana@acme.example")
    assert ana["$deleted"] is False and [t["name"] for t in ana["Tag"]] == ["vip"]
    assert {r["Contact_Role"] for r in dump["Contact_Roles"]} >= {"Economic Decision Maker"}
