"""The Salesforce emulator driven over HTTPS by the real simple-salesforce 1.12.10 client (and
plain requests for the OAuth token endpoint and the inspection endpoints)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
import requests
from requests.adapters import HTTPAdapter
from simple_salesforce import Salesforce, format_soql
from simple_salesforce.exceptions import (
    SalesforceAuthenticationFailed,
    SalesforceExpiredSession,
    SalesforceGeneralError,
    SalesforceMalformedRequest,
    SalesforceMoreThanOneRecord,
    SalesforceRefusedRequest,
    SalesforceResourceNotFound,
)

from sandbox.dataset import Company, Contact, Dataset, Deal, GroundTruth, Owner
from sandbox.http import EmulatorServer, Faults, running
from sandbox.salesforce import SalesforceApp, SalesforceSettings
from sandbox.tls import Tls, throwaway_tls

UTC = timezone.utc
BASE = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
LOGIN_HOST = "https://login.salesforce.com"
VERSION = "62.0"


# --- data set and harness -----------------------------------------------------------------
def make_contact(number: int, company_key: str | None, **overrides: Any) -> Contact:
    """A plain contact; ``updated_at`` grows with ``number``."""
    values: dict[str, Any] = dict(
        key=f"ct-{number:07d}", first_name=f"First{number}", last_name=f"Last{number}",
        email=f"person{number}@example.com", other_emails=(), phone=None, mobile=None,
        street=None, city="Lyon", state=None, zip=None, country="France", birth_date=None,
        job_title=None, company_key=company_key, company_name=None, owner_id="ow-1",
        source_channel="web", created_at=BASE - timedelta(days=30),
        updated_at=BASE + timedelta(seconds=number), last_interaction_at=None,
        last_open_at=None, last_click_at=None, email_opens=number % 7, email_clicks=0,
        marketing_consent=True, unsubscribed=False, hard_bounce=False, nps_score=None,
        nps_date=None, support_tickets=0, avg_resolution_hours=None, returns=0,
        failed_payments=0, referrals=0, reward_preference=None, disqualified=False,
        disqualified_reason=None, retired_reason=None, asked_price=False,
        meeting_booked=False, quote_received=False, tags=frozenset(),
    )
    values.update(overrides)
    return Contact(**values)


def make_dataset(contacts: int = 6) -> Dataset:
    """Two owners, two companies, ``contacts`` contacts (the first three hand-shaped) and
    five deals covering every logical stage."""
    owners = [
        Owner("ow-1", "Ada", "Lovelace", "ada@example.com"),
        Owner("ow-2", "Alan", "Turing", "alan@example.com"),
    ]
    companies = [
        Company(
            key=f"co-{n}", name=name, domain=f"{name.lower()}.example", phone=None,
            street=None, city="Lyon", state=None, zip=None, country="France",
            industry="Retail", employees=50 * (n + 1), linkedin=None, closed=False,
            owner_id="ow-2", created_at=BASE - timedelta(days=60), updated_at=BASE,
            tags=frozenset({"partner"}) if n == 0 else frozenset(),
        )
        for n, name in enumerate(("Acme", "Globex"))
    ]
    people = [
        make_contact(0, "co-0", first_name="Zoë", last_name="O'Brien", source_channel="chat",
                     tags=frozenset({"vip", "newsletter"}), nps_score=9,
                     birth_date=date(1990, 5, 17), owner_id="ow-2",
                     last_open_at=datetime(2024, 2, 1, 8, 30, tzinfo=UTC)),
        make_contact(1, "co-1", email=None, marketing_consent=None, reward_preference="gift"),
        make_contact(2, None, last_name=None, other_emails=("a@x.example", "b@x.example")),
        *(make_contact(n, "co-0" if n % 2 else "co-1") for n in range(3, contacts)),
    ]
    deals = [
        Deal(
            key=f"dl-{n}", name=f"Deal {stage}", amount=1000.0 * (n + 1), currency="EUR",
            stage=stage, close_date=date(2024, 6, n + 1), products=("Pro Plan", "Onboarding"),
            owner_id="ow-1", channel="referral", company_key="co-0",
            contact_keys=(people[0].key, people[1].key), created_at=BASE, updated_at=BASE,
        )
        for n, stage in enumerate(("open", "meeting", "quote", "won", "lost"))
    ]
    return Dataset(seed=1, owners=owners, companies=companies, contacts=people, deals=deals,
                   truth=GroundTruth())


class Clock:
    """A settable clock for the emulator (timestamps, token expiry, API-usage window)."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class LoginHostAdapter(HTTPAdapter):
    """Sends simple-salesforce's https://login.salesforce.com/... requests to the emulator."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.base_url = base_url

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        request.url = (request.url or "").replace(LOGIN_HOST, self.base_url, 1)
        return super().send(request, **kwargs)


@dataclass
class Org:
    """A running emulator and clients for it."""

    app: SalesforceApp
    server: EmulatorServer
    session: requests.Session
    clock: Clock
    sf: Salesforce

    @property
    def base_url(self) -> str:
        return self.server.base_url

    def login(self) -> Salesforce:
        """A client that logs in with username + password + security token (SOAP)."""
        s = self.app.settings
        return Salesforce(username=s.username, password=s.password,
                          security_token=s.security_token, version=VERSION,
                          session=self.session)

    def contact_ids(self) -> list[str]:
        return [r["Id"] for r in self.sf.query_all("SELECT Id FROM Contact ORDER BY Id")["records"]]


def client_session(tls: Tls, base_url: str) -> requests.Session:
    session = requests.Session()
    session.verify = str(tls.ca_path)
    session.trust_env = False  # else REQUESTS_CA_BUNDLE from the environment beats .verify
    session.mount(LOGIN_HOST, LoginHostAdapter(base_url))
    return session


class Harness:
    """One HTTPS server for the module; each test gets a fresh app, stats and faults on it
    (stopping a server costs half a second, starting one per test would dominate the run)."""

    def __init__(self, tls: Tls, server: EmulatorServer) -> None:
        self.tls = tls
        self.server = server

    @contextmanager
    def open(
        self, dataset: Dataset | None = None, faults: Faults | None = None, **settings: Any
    ) -> Iterator[Org]:
        clock = Clock(BASE + timedelta(days=1))
        app = SalesforceApp(dataset or make_dataset(), SalesforceSettings(clock=clock, **settings))
        server = self.server
        server.app, server.faults = app, faults or Faults()
        server.stats.reset()
        session = client_session(self.tls, server.base_url)
        credentials = app.credentials(server.base_url)
        sf = Salesforce(instance_url=credentials["instance_url"],
                        session_id=credentials["access_token"], version=VERSION, session=session)
        try:
            yield Org(app, server, session, clock, sf)
        finally:
            session.close()


@pytest.fixture(scope="module")
def harness() -> Iterator[Harness]:
    tls = throwaway_tls()
    with running(SalesforceApp(), ssl_context=tls.context) as server:
        yield Harness(tls, server)


@pytest.fixture
def org(harness: Harness) -> Iterator[Org]:
    with harness.open() as running_org:
        yield running_org


def stats_count(org: Org, method: str, endpoint_part: str, status: int | None = None) -> int:
    return sum(
        row["count"] for row in org.server.stats.snapshot()
        if row["method"] == method and endpoint_part in row["endpoint"]
        and (status is None or row["status"] == status)
    )


# --- authentication ------------------------------------------------------------------------
def test_refresh_token_grant_returns_a_working_session(org: Org) -> None:
    s = org.app.settings
    reply = org.session.post(f"{org.base_url}/services/oauth2/token", data={
        "grant_type": "refresh_token", "refresh_token": s.refresh_token,
        "client_id": s.client_id, "client_secret": s.client_secret,
    })
    assert reply.status_code == 200
    token = reply.json()
    assert token["instance_url"] == org.base_url
    assert token["token_type"] == "Bearer"
    assert token["id"].startswith("https://login.salesforce.com/id/00D")
    assert {"issued_at", "signature", "scope"} <= token.keys()
    assert "refresh_token" not in token  # no rotation by default
    sf = Salesforce(instance_url=token["instance_url"], session_id=token["access_token"],
                    version=VERSION, session=org.session)
    assert sf.query("SELECT COUNT() FROM Contact")["totalSize"] == 6


@pytest.mark.parametrize(("change", "error"), [
    ({"refresh_token": "nope"}, "invalid_grant"),
    ({"client_id": "someone-else"}, "invalid_client_id"),
    ({"client_secret": "wrong"}, "invalid_client"),
    ({"grant_type": "authorization_code"}, "unsupported_grant_type"),
])
def test_token_endpoint_errors(org: Org, change: dict[str, str], error: str) -> None:
    s = org.app.settings
    form = {"grant_type": "refresh_token", "refresh_token": s.refresh_token,
            "client_id": s.client_id, "client_secret": s.client_secret, **change}
    reply = org.session.post(f"{org.base_url}/services/oauth2/token", data=form)
    assert reply.status_code == 400
    assert reply.json()["error"] == error
    assert reply.json()["error_description"]


def test_refresh_token_rotation_invalidates_the_old_token(harness: Harness) -> None:
    with harness.open(rotate_refresh_tokens=True) as org:
        s = org.app.settings
        form = {"grant_type": "refresh_token", "refresh_token": s.refresh_token,
                "client_id": s.client_id, "client_secret": s.client_secret}
        url = f"{org.base_url}/services/oauth2/token"
        first = org.session.post(url, data=form).json()
        assert first["refresh_token"] != s.refresh_token
        assert org.session.post(url, data=form).json()["error"] == "invalid_grant"
        rotated = org.session.post(url, data={**form, "refresh_token": first["refresh_token"]})
        assert rotated.status_code == 200


def test_soap_login_and_automatic_relogin_after_expiry(harness: Harness) -> None:
    with harness.open(access_token_ttl_seconds=60) as org:
        sf = org.login()
        assert sf.sf_instance == org.base_url.removeprefix("https://")
        assert sf.query("SELECT Id FROM Contact LIMIT 1")["totalSize"] == 1
        org.clock.advance(seconds=61)
        assert sf.query("SELECT Id FROM Contact LIMIT 2")["totalSize"] == 2
        assert stats_count(org, "GET", "/query", 401) == 1
        assert stats_count(org, "POST", "/services/Soap/u/", 200) == 2
        org.clock.advance(seconds=61)
        assert sf.Contact.describe()["name"] == "Contact"  # SFType re-logs in too
        assert stats_count(org, "POST", "/services/Soap/u/", 200) == 3


def test_soap_login_with_wrong_password_fails(org: Org) -> None:
    s = org.app.settings
    with pytest.raises(SalesforceAuthenticationFailed) as failure:
        Salesforce(username=s.username, password="guess", security_token=s.security_token,
                   session=org.session)
    assert failure.value.code == "INVALID_LOGIN"


def test_oauth_password_grant_through_simple_salesforce(org: Org) -> None:
    s = org.app.settings
    sf = Salesforce(username=s.username, password=s.password, consumer_key=s.client_id,
                    consumer_secret=s.client_secret, version=VERSION, session=org.session)
    assert sf.query("SELECT Id FROM User")["totalSize"] == 3
    with pytest.raises(SalesforceAuthenticationFailed) as failure:
        Salesforce(username=s.username, password="guess", consumer_key=s.client_id,
                   consumer_secret=s.client_secret, session=org.session)
    assert failure.value.code == "invalid_grant"


def test_jwt_bearer_grant_checks_the_signature(harness: Harness) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    def keypair() -> tuple[str, str]:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        private = key.private_bytes(serialization.Encoding.PEM,
                                    serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption()).decode()
        public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo)
        return private, public.decode()

    private, public = keypair()
    other_private, _ = keypair()
    with harness.open(jwt_public_key_pem=public) as org:
        s = org.app.settings
        sf = Salesforce(username=s.username, consumer_key=s.client_id, privatekey=private,
                        version=VERSION, session=org.session)
        assert sf.query("SELECT COUNT() FROM Account")["totalSize"] == 2
        with pytest.raises(SalesforceAuthenticationFailed) as failure:
            Salesforce(username=s.username, consumer_key=s.client_id, privatekey=other_private,
                       session=org.session)
        assert failure.value.code == "invalid_grant"
        assert failure.value.auth_message == "invalid assertion"
        with pytest.raises(SalesforceAuthenticationFailed) as failure, pytest.warns(
            UserWarning, match=r"authorize this\s+application"  # the SDK knows this message
        ):
            Salesforce(username="someone@else", consumer_key=s.client_id, privatekey=private,
                       session=org.session)
        assert failure.value.code == "invalid_grant"


def test_expired_session_raises_with_the_vendor_body(harness: Harness) -> None:
    with harness.open(access_token_ttl_seconds=30) as org:
        org.clock.advance(seconds=31)
        with pytest.raises(SalesforceExpiredSession) as failure:
            org.sf.query("SELECT Id FROM Contact")
        assert failure.value.content == [
            {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}
        ]
        raw = org.session.get(f"{org.base_url}/services/data/v62.0/limits/")
        assert raw.status_code == 401
        assert raw.headers["WWW-Authenticate"] == "Token"


# --- queries -------------------------------------------------------------------------------
def test_query_records_have_attributes_and_relationship_fields(org: Org) -> None:
    result = org.sf.query(
        "SELECT Id, FirstName, Account.Name, Owner.Email, Tags__c, Email_Opens__c "
        "FROM Contact WHERE LastName = 'o\\'brien'"
    )
    assert (result["totalSize"], result["done"]) == (1, True)
    record = result["records"][0]
    assert record["attributes"] == {
        "type": "Contact", "url": f"/services/data/v{VERSION}/sobjects/Contact/{record['Id']}"
    }
    assert record["FirstName"] == "Zoë"
    assert record["Account"]["Name"] == "Acme"
    assert record["Account"]["attributes"]["type"] == "Account"
    assert record["Owner"]["Email"] == "alan@example.com"
    assert record["Tags__c"] == "newsletter;vip"
    assert record["Email_Opens__c"] == 0.0
    assert len(record["Id"]) == 18 and record["Id"].startswith("003")


@pytest.mark.parametrize(("where", "expected"), [
    ("Email = null", 1),
    ("Email != null", 5),
    ("Email = 'PERSON3@EXAMPLE.COM'", 1),
    ("LeadSource IN ('Chat', 'Web')", 6),
    ("LeadSource NOT IN ('Chat')", 5),
    ("Email LIKE 'person_@%'", 5),
    ("FirstName LIKE 'z%'", 1),
    ("Marketing_Consent__c = false", 1),
    ("Email_Opens__c >= 4", 2),
    ("Email_Opens__c < 2.5 AND MailingCity = 'Lyon'", 3),
    ("Birthdate = 1990-05-17", 1),
    ("Birthdate > 1990-05-17", 0),
    ("SystemModstamp > 2024-03-01T12:00:03Z", 2),
    ("SystemModstamp >= 2024-03-01T13:00:03+01:00", 3),
    ("LastModifiedDate < 2024-03-01T12:00:01.000+00:00", 1),
    ("(LastName = 'Last1' OR LastName = 'Last4') AND AccountId != null", 2),
    ("NOT (LeadSource = 'Web')", 1),
    ("Account.Name = 'Globex'", 2),
    ("LastName = '[not provided]'", 1),
])
def test_soql_where_clauses(org: Org, where: str, expected: int) -> None:
    assert org.sf.query(f"SELECT Id FROM Contact WHERE {where}")["totalSize"] == expected


def test_soql_string_escapes_round_trip(org: Org) -> None:
    tricky = "Back\\slash 'quote' \"double\"\nnew line\ttab"
    created = org.sf.Contact.create({"LastName": tricky})
    found = org.sf.query(format_soql("SELECT Id, LastName FROM Contact WHERE LastName = {}",
                                     tricky))
    assert [r["Id"] for r in found["records"]] == [created["id"]]
    assert found["records"][0]["LastName"] == tricky
    like = org.sf.query(format_soql(
        "SELECT Id FROM Contact WHERE LastName LIKE '{:like}%'", "Back\\slash 'q"))
    assert like["totalSize"] == 1
    percent = org.sf.query(format_soql("SELECT Id FROM Contact WHERE LastName LIKE '{:like}'",
                                       "Last_"))
    assert percent["totalSize"] == 0  # the escaped _ is a literal underscore


def test_order_by_several_keys_directions_and_nulls(org: Org) -> None:
    records = org.sf.query(
        "SELECT Email, AccountId FROM Contact ORDER BY AccountId DESC NULLS LAST, Email DESC"
    )["records"]
    assert records[-1]["AccountId"] is None
    account_ids = [r["AccountId"] for r in records[:-1]]
    assert account_ids == sorted(account_ids, reverse=True)
    first_group = [r["Email"] for r in records if r["AccountId"] == records[0]["AccountId"]]
    assert first_group == sorted(first_group, key=lambda e: (e is not None, e), reverse=True)
    nulls_first = org.sf.query("SELECT Email FROM Contact ORDER BY Email LIMIT 2")["records"]
    assert nulls_first[0]["Email"] is None


def test_incremental_query_walks_the_systemmodstamp_index(org: Org) -> None:
    soql = ("SELECT Id, SystemModstamp FROM Contact WHERE SystemModstamp > {since} "
            "ORDER BY SystemModstamp, Id LIMIT 2")
    since = datetime(2024, 3, 1, 12, 0, 1, tzinfo=UTC)
    page = org.sf.query(format_soql(soql, since=since))["records"]
    assert [r["SystemModstamp"] for r in page] == [
        "2024-03-01T12:00:02.000+0000", "2024-03-01T12:00:03.000+0000"
    ]
    touched = page[0]["Id"]
    org.clock.advance(minutes=5)
    assert org.sf.Contact.update(touched, {"Title": "CEO"}) == 204
    latest = org.sf.query("SELECT Id, SystemModstamp, LastModifiedDate FROM Contact "
                          "ORDER BY SystemModstamp DESC LIMIT 1")["records"][0]
    assert latest["Id"] == touched
    assert latest["SystemModstamp"] == latest["LastModifiedDate"] == "2024-03-02T12:05:00.000+0000"
    again = org.sf.query(format_soql(soql, since=since))["records"]
    assert touched not in [r["Id"] for r in again]


def test_count_offset_and_fifteen_character_ids(org: Org) -> None:
    ids = org.contact_ids()
    assert org.sf.query("SELECT COUNT() FROM Contact") == {
        "totalSize": 6, "done": True, "records": []
    }
    page = org.sf.query("SELECT Id FROM Contact ORDER BY Id LIMIT 2 OFFSET 3")["records"]
    assert [r["Id"] for r in page] == ids[3:5]
    short = org.sf.query(f"SELECT Id FROM Contact WHERE Id IN ('{ids[1][:15]}', '{ids[2]}')")
    assert sorted(r["Id"] for r in short["records"]) == ids[1:3]
    assert org.sf.Contact.get(ids[0][:15])["Id"] == ids[0]


@pytest.mark.parametrize(("soql", "code"), [
    ("SELECT Id FROM Contact WHERE", "MALFORMED_QUERY"),
    ("SELECT Id FROM Contact WHERE Email = 'a' AND LastName = 'b' OR Title = 'c'",
     "MALFORMED_QUERY"),
    ("SELECT Id, Id FROM Contact", "MALFORMED_QUERY"),
    ("SELECT Id FROM Contact WHERE LastName = 'unterminated", "MALFORMED_QUERY"),
    ("SELECT Id FROM Contact WHERE LastName = 'bad \\q escape'", "MALFORMED_QUERY"),
    ("SELECT Nickname__c FROM Contact", "INVALID_FIELD"),
    ("SELECT Id FROM Contact WHERE Email_Opens__c = '3'", "INVALID_FIELD"),
    ("SELECT Id FROM Contact WHERE Tags__c LIKE '%vip%'", "INVALID_FIELD"),
    ("SELECT Id FROM Contact WHERE CreatedDate > 2024-01-01", "INVALID_FIELD"),
    ("SELECT Id FROM Lead", "INVALID_TYPE"),
])
def test_bad_soql_is_a_malformed_request(org: Org, soql: str, code: str) -> None:
    with pytest.raises(SalesforceMalformedRequest) as failure:
        org.sf.query(soql)
    assert failure.value.status == 400
    assert failure.value.content[0]["errorCode"] == code


def test_query_all_includes_deleted_rows(org: Org) -> None:
    gone = org.contact_ids()[2]
    assert org.sf.Contact.delete(gone) == 204
    live = org.sf.query_all("SELECT Id FROM Contact")["records"]
    assert gone not in [r["Id"] for r in live]
    every = org.sf.query_all("SELECT Id, IsDeleted FROM Contact", include_deleted=True)
    flags = {r["Id"]: r["IsDeleted"] for r in every["records"]}
    assert len(flags) == 6 and flags[gone] is True
    assert sum(flags.values()) == 1


def test_query_more_with_an_unknown_locator(org: Org) -> None:
    with pytest.raises(SalesforceMalformedRequest) as failure:
        org.sf.query_more("01g8d0000000999AAA-2000")
    assert failure.value.content[0]["errorCode"] == "INVALID_QUERY_LOCATOR"


def test_five_thousand_contacts_page_exactly_once(harness: Harness) -> None:
    with harness.open(make_dataset(5000)) as org:
        everything = org.sf.query_all("SELECT Id, Email FROM Contact ORDER BY Id")
        ids = [r["Id"] for r in everything["records"]]
        assert len(ids) == len(set(ids)) == 5000
        assert ids == sorted(ids)
        assert stats_count(org, "GET", "/query") == 3  # 2000 + 2000 + 1000
        first = org.sf.query("SELECT Id FROM Contact", headers={
            "Sforce-Query-Options": "batchSize=50"})  # below the minimum: 200
        assert len(first["records"]) == 200 and first["totalSize"] == 5000
        assert first["nextRecordsUrl"].startswith(f"/services/data/v{VERSION}/query/01g")
        second = org.sf.query_more(first["nextRecordsUrl"], identifier_is_url=True)
        again = org.sf.query_more(first["nextRecordsUrl"], identifier_is_url=True)
        assert second["records"] == again["records"]  # a page can be fetched again
        lazily = list(org.sf.query_all_iter(
            "SELECT Id FROM Contact WHERE SystemModstamp > 2024-03-01T12:00:00Z",
            headers={"Sforce-Query-Options": "batchSize=1000"}))
        assert len(lazily) == 4999
        assert len({r["Id"] for r in lazily}) == 4999


def test_keyset_pages_over_tied_systemmodstamps(harness: Harness) -> None:
    data = make_dataset(3)
    data.contacts.extend(
        make_contact(n, None, updated_at=BASE + timedelta(seconds=n // 50)) for n in range(3, 1000)
    )
    first = "SELECT Id, SystemModstamp FROM Contact ORDER BY SystemModstamp, Id LIMIT 150"
    after = ("SELECT Id, SystemModstamp FROM Contact WHERE SystemModstamp > {t} OR "
             "(SystemModstamp = {t} AND Id > {last}) ORDER BY SystemModstamp, Id LIMIT 150")
    with harness.open(data) as org:
        seen: list[tuple[str, str]] = []
        page = org.sf.query(first)["records"]
        while page:
            seen.extend((r["SystemModstamp"], r["Id"]) for r in page)
            stamp = datetime.strptime(seen[-1][0], "%Y-%m-%dT%H:%M:%S.%f%z")
            page = org.sf.query(format_soql(after, t=stamp, last=seen[-1][1]))["records"]
        assert len(seen) == len(set(seen)) == 1000
        assert seen == sorted(seen)


def test_open_cursor_limit_drops_the_oldest(harness: Harness) -> None:
    with harness.open(make_dataset(450), max_query_cursors=2) as org:
        header = {"Sforce-Query-Options": "batchSize=200"}
        first, second, third = (org.sf.query("SELECT Id FROM Contact", headers=header)
                                for _ in range(3))
        assert org.sf.query_more(third["nextRecordsUrl"], True)["records"]
        assert org.sf.query_more(second["nextRecordsUrl"], True)["records"]
        with pytest.raises(SalesforceMalformedRequest):
            org.sf.query_more(first["nextRecordsUrl"], True)


# --- sObjects ------------------------------------------------------------------------------
CONTACT_FIELDS = {
    "Id", "IsDeleted", "CreatedDate", "LastModifiedDate", "SystemModstamp", "OwnerId",
    "FirstName", "LastName", "Email", "Other_Emails__c", "Phone", "MobilePhone",
    "MailingStreet", "MailingCity", "MailingState", "MailingPostalCode", "MailingCountry",
    "Birthdate", "Title", "AccountId", "LeadSource", "LastActivityDate", "Last_Email_Open__c",
    "Last_Email_Click__c", "Email_Opens__c", "Email_Clicks__c", "Marketing_Consent__c",
    "HasOptedOutOfEmail", "IsEmailBounced", "NPS_Score__c", "NPS_Date__c",
    "Support_Tickets__c", "Avg_Resolution_Hours__c", "Product_Returns__c",
    "Failed_Payments__c", "Referrals__c", "Reward_Preference__c", "Disqualified__c",
    "Disqualification_Reason__c", "Retired_Reason__c", "Asked_For_Price__c",
    "Meeting_Booked__c", "Quote_Received__c", "Lifecycle_Stage__c", "Tags__c",
}


def test_describe_lists_the_catalogue_fields(org: Org) -> None:
    described = org.sf.Contact.describe()
    fields = {f["name"]: f for f in described["fields"]}
    assert set(fields) == CONTACT_FIELDS
    assert described["keyPrefix"] == "003"
    assert [p["value"] for p in fields["LeadSource"]["picklistValues"]] == [
        "Chat", "Call", "Form", "Social", "Web", "Store", "Referral"
    ]
    assert (fields["Tags__c"]["type"], fields["Tags__c"]["length"]) == ("textarea", 32768)
    assert fields["Tags__c"]["custom"] and not fields["Email"]["custom"]
    assert not fields["LastName"]["nillable"] and fields["FirstName"]["nillable"]
    assert not fields["SystemModstamp"]["updateable"]
    assert not fields["IsEmailBounced"]["createable"]
    assert fields["AccountId"]["referenceTo"] == ["Account"]
    assert fields["Reward_Preference__c"]["restrictedPicklist"]
    stages = {f["name"]: f for f in org.sf.Opportunity.describe()["fields"]}["StageName"]
    assert [p["value"] for p in stages["picklistValues"]] == [
        "Prospecting", "Qualification", "Needs Analysis", "Proposal/Price Quote",
        "Negotiation/Review", "Closed Won", "Closed Lost",
    ]
    names = {o["name"] for o in org.sf.describe()["sobjects"]}
    assert {"Contact", "Account", "Opportunity", "OpportunityContactRole", "Task", "User",
            "FieldPermissions"} <= names


def test_create_get_update_delete_a_contact(org: Org) -> None:
    contact = org.sf.Contact
    created = contact.create({"LastName": "Curie", "Email": "marie@example.com",
                              "LeadSource": "Referral"})
    assert created["success"] and created["errors"] == []
    record_id = created["id"]
    fetched = contact.get(record_id)
    assert fetched["LastName"] == "Curie"
    assert fetched["OwnerId"] == org.app.store.current_user_id
    assert fetched["CreatedDate"] == "2024-03-02T12:00:00.000+0000"
    assert fetched["Marketing_Consent__c"] is False
    org.clock.advance(hours=1)
    assert contact.update(record_id, {"Title": "Physicist", "Email": ""}) == 204
    updated = contact.get(record_id)
    assert (updated["Title"], updated["Email"]) == ("Physicist", None)
    assert updated["SystemModstamp"] == "2024-03-02T13:00:00.000+0000"
    assert contact.delete(record_id) == 204
    with pytest.raises(SalesforceResourceNotFound) as failure:
        contact.get(record_id)
    assert failure.value.content[0]["errorCode"] == "ENTITY_IS_DELETED"
    with pytest.raises(SalesforceResourceNotFound):
        contact.get("0038d00000zzzzzAAA")


@pytest.mark.parametrize(("fields", "code"), [
    ({"FirstName": "No last name"}, "REQUIRED_FIELD_MISSING"),
    ({"LastName": "x", "Reward_Preference__c": "cash"}, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"),
    ({"LastName": "x" * 81}, "STRING_TOO_LONG"),
    ({"LastName": "x", "Email": "not-an-address"}, "INVALID_EMAIL_ADDRESS"),
    ({"LastName": "x", "CreatedDate": "2020-01-01T00:00:00Z"}, "INVALID_FIELD_FOR_INSERT_UPDATE"),
    ({"LastName": "x", "AccountId": "0038d0000000001AAA"}, "MALFORMED_ID"),
    ({"LastName": "x", "AccountId": "0018d00000zzzzzAAA"}, "INVALID_CROSS_REFERENCE_KEY"),
    ({"LastName": "x", "Nickname__c": "y"}, "INVALID_FIELD"),
    ({"LastName": "x", "Email_Opens__c": "many"}, "JSON_PARSER_ERROR"),
    ({"LastName": "x", "NPS_Score__c": 100}, "NUMBER_OUTSIDE_VALID_RANGE"),
])
def test_create_errors(org: Org, fields: dict[str, Any], code: str) -> None:
    with pytest.raises(SalesforceMalformedRequest) as failure:
        org.sf.Contact.create(fields)
    assert failure.value.content[0]["errorCode"] == code


def test_upsert_and_get_by_external_id(harness: Harness) -> None:
    with harness.open(auto_grant_field_permissions=True) as org:
        org.sf.restful("tooling/sobjects/CustomField", method="POST", json={
            "FullName": "Contact.Legacy_Key__c",
            "Metadata": {"type": "Text", "label": "Legacy Key", "length": 40,
                         "externalId": True},
        })
        assert org.sf.Contact.upsert("Legacy_Key__c/K-1", {"LastName": "Upserted"}) == 201
        assert org.sf.Contact.upsert("Legacy_Key__c/k-1", {"Title": "Again"}) == 200
        found = org.sf.Contact.get_by_custom_id("Legacy_Key__c", "K-1")
        assert (found["LastName"], found["Title"], found["Legacy_Key__c"]) == (
            "Upserted", "Again", "K-1")
        twin = org.sf.Contact.create({"LastName": "Twin", "Legacy_Key__c": "K-1"})
        with pytest.raises(SalesforceMoreThanOneRecord) as failure:
            org.sf.Contact.upsert("Legacy_Key__c/K-1", {"Title": "Which one?"})
        assert any(twin["id"] in url for url in failure.value.content)
        with pytest.raises(SalesforceResourceNotFound):
            org.sf.Contact.upsert("Email/x@example.com", {"LastName": "not an external id"})


def test_deleted_and_updated_windows(org: Org) -> None:
    ids = org.contact_ids()
    org.clock.advance(minutes=10)
    org.sf.Contact.delete(ids[0])
    org.sf.Contact.update(ids[1], {"Title": "Changed"})
    now = org.clock.now
    deleted = org.sf.Contact.deleted(now - timedelta(days=1), now + timedelta(minutes=1))
    assert [d["id"] for d in deleted["deletedRecords"]] == [ids[0]]
    assert deleted["deletedRecords"][0]["deletedDate"] == "2024-03-02T12:10:00.000+0000"
    assert deleted["earliestDateAvailable"] == "2024-02-16T12:10:00.000+0000"
    assert deleted["latestDateCovered"] == "2024-03-02T12:10:00.000+0000"
    updated = org.sf.Contact.updated(now - timedelta(minutes=1), now + timedelta(minutes=1))
    assert updated["ids"] == [ids[1]]
    with pytest.raises(SalesforceMalformedRequest) as failure:
        org.sf.Contact.deleted(now - timedelta(days=16), now)
    assert failure.value.content[0]["errorCode"] == "INVALID_REPLICATION_DATE"


def test_limits_and_api_usage_header(org: Org) -> None:
    limits = org.sf.limits()
    assert limits["DailyApiRequests"] == {"Max": 100000, "Remaining": 99999}
    org.sf.query("SELECT Id FROM Account")
    assert org.sf.api_usage["api-usage"].used == 2
    assert org.sf.api_usage["api-usage"].total == 100000


def test_daily_request_limit_refuses_with_403(harness: Harness) -> None:
    with harness.open(enforce_api_limit=True, daily_api_limit=3,
                  api_limit_window_seconds=3600) as org:
        for _ in range(3):
            org.sf.query("SELECT Id FROM Account")
        with pytest.raises(SalesforceRefusedRequest) as failure:
            org.sf.query("SELECT Id FROM Account")
        assert failure.value.status == 403
        assert failure.value.content == [
            {"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}
        ]
        raw = org.session.get(f"{org.base_url}/services/data/v62.0/limits/",
                              headers=org.sf.headers)
        assert raw.headers["Sforce-Limit-Info"] == "api-usage=3/3"
        org.clock.advance(seconds=3600 + 3)  # counted per 2.5 s bucket (window / 1440)
        assert org.sf.query("SELECT Id FROM Account")["totalSize"] == 2


# --- sObject collections -------------------------------------------------------------------
def collection(org: Org, method: str, records: list[dict[str, Any]],
               all_or_none: bool = False) -> list[dict[str, Any]]:
    result = org.sf.restful("composite/sobjects", method=method,
                            json={"allOrNone": all_or_none, "records": records})
    assert isinstance(result, list)
    return result


def contact_patch(record_id: str, **fields: Any) -> dict[str, Any]:
    return {"attributes": {"type": "Contact"}, "id": record_id, **fields}


def test_collection_update_reports_each_record(org: Org) -> None:
    ids = org.contact_ids()
    org.sf.Contact.delete(ids[5])
    results = collection(org, "PATCH", [
        contact_patch(ids[0], Title="Founder", LeadSource="Store"),
        contact_patch("0038d00000zzzzzAAA", Title="x"),
        contact_patch("003-not-an-id", Title="x"),
        contact_patch(ids[5], Title="x"),
        contact_patch(ids[1], SystemModstamp="2020-01-01T00:00:00Z"),
        contact_patch(ids[2], Reward_Preference__c="cash"),
        contact_patch(ids[3], Title="t" * 129),
        contact_patch(ids[4], LastName=None),
        contact_patch(ids[1], Title="Ok"),
    ])
    codes = [r["errors"][0]["statusCode"] if r["errors"] else None for r in results]
    assert codes == [
        None, "INVALID_CROSS_REFERENCE_KEY", "MALFORMED_ID", "ENTITY_IS_DELETED",
        "INVALID_FIELD_FOR_INSERT_UPDATE", "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        "STRING_TOO_LONG", "REQUIRED_FIELD_MISSING", None,
    ]
    assert results[0] == {"id": ids[0], "success": True, "errors": []}
    assert results[6]["errors"][0]["fields"] == ["Title"]
    assert org.sf.Contact.get(ids[0])["Title"] == "Founder"
    assert org.sf.Contact.get(ids[1])["Title"] == "Ok"
    assert org.sf.Contact.get(ids[3])["Title"] is None


def test_collection_all_or_none_writes_nothing(org: Org) -> None:
    ids = org.contact_ids()
    results = collection(org, "PATCH", [
        contact_patch(ids[0], Title="Should not stick"),
        contact_patch(ids[1], LeadSource="Store", Email="bad address"),
        contact_patch(ids[2], Title="Nor this"),
    ], all_or_none=True)
    assert [r["success"] for r in results] == [False, False, False]
    assert [r["errors"][0]["statusCode"] for r in results] == [
        "ALL_OR_NONE_OPERATION_ROLLED_BACK", "INVALID_EMAIL_ADDRESS",
        "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    ]
    assert org.sf.Contact.get(ids[0])["Title"] is None
    assert org.sf.Contact.get(ids[1])["LeadSource"] == "Web"


def test_collection_create_delete_and_limits(org: Org) -> None:
    created = collection(org, "POST", [
        {"attributes": {"type": "Contact"}, "LastName": "One"},
        {"attributes": {"type": "Account"}, "Name": "New Co"},
        {"attributes": {"type": "Contact"}, "FirstName": "No last name"},
    ])
    assert [r["success"] for r in created] == [True, True, False]
    assert created[0]["id"].startswith("003") and created[1]["id"].startswith("001")
    deleted = org.sf.restful("composite/sobjects", method="DELETE",
                             params={"ids": f"{created[0]['id']},{created[1]['id']}"})
    assert deleted == [{"id": created[0]["id"], "success": True, "errors": []},
                       {"id": created[1]["id"], "success": True, "errors": []}]
    too_many = [{"attributes": {"type": "Contact"}, "LastName": f"n{i}"} for i in range(201)]
    with pytest.raises(SalesforceMalformedRequest) as failure:
        collection(org, "POST", too_many)
    assert failure.value.content[0]["errorCode"] == "EXCEEDED_ID_LIMIT"
    with pytest.raises(SalesforceMalformedRequest) as failure:
        collection(org, "PATCH", [contact_patch(created[0]["id"], Nickname__c="x")])
    assert failure.value.content[0]["errorCode"] == "INVALID_FIELD"


def test_collection_upsert_by_external_id(harness: Harness) -> None:
    with harness.open(auto_grant_field_permissions=True) as org:
        org.sf.restful("tooling/sobjects/CustomField", method="POST", json={
            "FullName": "Account.Erp_Id__c",
            "Metadata": {"type": "Text", "label": "ERP Id", "length": 20, "externalId": True},
        })
        records = [{"attributes": {"type": "Account"}, "Erp_Id__c": "E-1", "Name": "First"}]
        first = org.sf.restful("composite/sobjects/Account/Erp_Id__c", method="PATCH",
                               json={"records": records})
        again = org.sf.restful("composite/sobjects/Account/Erp_Id__c", method="PATCH",
                               json={"records": [{**records[0], "Name": "Renamed"}]})
        assert first[0]["created"] is True and again[0]["created"] is False
        assert first[0]["id"] == again[0]["id"]
        assert org.sf.Account.get(first[0]["id"])["Name"] == "Renamed"


# --- Tooling API and field-level security --------------------------------------------------
def test_new_custom_field_is_hidden_until_permissions_are_granted(org: Org) -> None:
    ids = org.contact_ids()
    created = org.sf.restful("tooling/sobjects/CustomField", method="POST", json={
        "FullName": "Contact.Segment__c",
        "Metadata": {"type": "Text", "label": "Segment", "length": 80},
    })
    assert created["success"] and created["id"].startswith("00N")
    described = {f["name"] for f in org.sf.Contact.describe()["fields"]}
    assert "Segment__c" not in described
    with pytest.raises(SalesforceMalformedRequest) as failure:
        org.sf.query("SELECT Segment__c FROM Contact")
    assert failure.value.content[0]["errorCode"] == "INVALID_FIELD"
    with pytest.raises(SalesforceMalformedRequest) as failure:
        org.sf.Contact.update(ids[0], {"Segment__c": "loyal"})
    assert failure.value.content[0]["errorCode"] == "INVALID_FIELD"

    parent = org.sf.query("SELECT Id FROM PermissionSet")["records"][0]["Id"]
    grant = org.sf.FieldPermissions.create({
        "ParentId": parent, "SobjectType": "Contact", "Field": "Contact.Segment__c",
        "PermissionsRead": True, "PermissionsEdit": False,
    })
    field = {f["name"]: f for f in org.sf.Contact.describe()["fields"]}["Segment__c"]
    assert field["custom"] and not field["updateable"]
    results = collection(org, "PATCH", [contact_patch(ids[0], Segment__c="loyal")])
    assert results[0]["errors"][0]["statusCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"

    org.sf.FieldPermissions.update(grant["id"], {"PermissionsEdit": True})
    assert org.sf.Contact.update(ids[0], {"Segment__c": "loyal"}) == 204
    rows = org.sf.query("SELECT Id, Segment__c FROM Contact WHERE Segment__c = 'loyal'")
    assert [r["Id"] for r in rows["records"]] == [ids[0]]

    with pytest.raises(SalesforceMalformedRequest) as failure:
        org.sf.FieldPermissions.create({
            "ParentId": parent, "SobjectType": "Contact", "Field": "Contact.Segment__c",
            "PermissionsRead": True,
        })
    assert failure.value.content[0]["errorCode"] == "DUPLICATE_VALUE"
    with pytest.raises(SalesforceMalformedRequest) as failure:
        org.sf.restful("tooling/sobjects/CustomField", method="POST", json={
            "FullName": "Contact.Segment__c",
            "Metadata": {"type": "Text", "label": "Segment", "length": 80},
        })
    assert failure.value.content[0]["errorCode"] == "DUPLICATE_DEVELOPER_NAME"


def test_custom_field_types(harness: Harness) -> None:
    with harness.open(auto_grant_field_permissions=True) as org:
        def create(name: str, metadata: dict[str, Any]) -> None:
            org.sf.restful("tooling/sobjects/CustomField", method="POST",
                           json={"FullName": f"Contact.{name}", "Metadata": metadata})

        values = {"valueSetDefinition": {"value": [
            {"fullName": "Gold", "default": False}, {"fullName": "Silver", "default": False}
        ]}, "restricted": True}
        create("Tier__c", {"type": "Picklist", "label": "Tier", "valueSet": values})
        create("Badges__c", {"type": "MultiselectPicklist", "label": "Badges",
                             "visibleLines": 4, "valueSet": values})
        create("Loyal__c", {"type": "Checkbox", "label": "Loyal", "defaultValue": "false"})
        create("Score__c", {"type": "Number", "label": "Score", "precision": 5, "scale": 1})
        create("Since__c", {"type": "Date", "label": "Since"})
        create("Seen__c", {"type": "DateTime", "label": "Seen"})
        create("Notes__c", {"type": "LongTextArea", "label": "Notes", "length": 5000,
                            "visibleLines": 3})
        fields = {f["name"]: f for f in org.sf.Contact.describe()["fields"]}
        assert [fields[n]["type"] for n in ("Tier__c", "Badges__c", "Loyal__c", "Score__c",
                                            "Since__c", "Seen__c", "Notes__c")] == [
            "picklist", "multipicklist", "boolean", "double", "date", "datetime", "textarea"]
        record_id = org.contact_ids()[0]
        org.sf.Contact.update(record_id, {
            "Tier__c": "Gold", "Badges__c": "Silver;Gold", "Score__c": 12.5,
            "Since__c": "2023-01-02", "Seen__c": "2024-01-01T10:00:00+02:00",
        })
        record = org.sf.Contact.get(record_id)
        assert record["Badges__c"] == "Gold;Silver"
        assert record["Seen__c"] == "2024-01-01T08:00:00.000+0000"
        assert record["Loyal__c"] is False
        assert org.sf.query("SELECT Id FROM Contact WHERE Badges__c INCLUDES ('Silver')")[
            "totalSize"] == 1
        with pytest.raises(SalesforceMalformedRequest) as failure:
            org.sf.Contact.update(record_id, {"Tier__c": "Bronze"})
        assert failure.value.content[0]["errorCode"] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
        with pytest.raises(SalesforceMalformedRequest) as failure:
            create("Bad Name", {"type": "Text", "label": "Bad", "length": 10})
        assert failure.value.content[0]["errorCode"] == "FIELD_INTEGRITY_EXCEPTION"


# --- data set loading ----------------------------------------------------------------------
def test_dataset_is_loaded_in_native_shape(org: Org) -> None:
    sf = org.sf
    users = {u["Email"]: u["Id"] for u in sf.query("SELECT Id, Email FROM User")["records"]}
    assert {"ada@example.com", "alan@example.com"} <= users.keys()
    accounts = sf.query("SELECT Id, Name, Website, Tags__c, OwnerId FROM Account ORDER BY Name")
    acme = accounts["records"][0]
    assert (acme["Name"], acme["Website"], acme["Tags__c"]) == ("Acme", "acme.example", "partner")
    assert acme["OwnerId"] == users["alan@example.com"]
    zoe = sf.query("SELECT AccountId, LeadSource, Birthdate, NPS_Score__c, Last_Email_Open__c "
                   "FROM Contact WHERE FirstName = 'Zoë'")["records"][0]
    assert zoe == {**zoe, "AccountId": acme["Id"], "LeadSource": "Chat",
                   "Birthdate": "1990-05-17", "NPS_Score__c": 9.0,
                   "Last_Email_Open__c": "2024-02-01T08:30:00.000+0000"}
    other = sf.query("SELECT Other_Emails__c FROM Contact WHERE LastName = '[not provided]'")
    assert other["records"][0]["Other_Emails__c"] == "a@x.example;b@x.example"
    deals = sf.query("SELECT Name, StageName, CurrencyIsoCode, Products__c, AccountId, "
                     "LeadSource FROM Opportunity ORDER BY CloseDate")["records"]
    assert [d["StageName"] for d in deals] == [
        "Prospecting", "Needs Analysis", "Proposal/Price Quote", "Closed Won", "Closed Lost"]
    assert {(d["CurrencyIsoCode"], d["Products__c"], d["AccountId"], d["LeadSource"])
            for d in deals} == {("EUR", "Pro Plan;Onboarding", acme["Id"], "Referral")}
    roles = sf.query("SELECT OpportunityId, Contact.FirstName, IsPrimary FROM "
                     "OpportunityContactRole ORDER BY OpportunityId, IsPrimary DESC")["records"]
    assert len(roles) == 10
    assert [(r["Contact"]["FirstName"], r["IsPrimary"]) for r in roles[:2]] == [
        ("Zoë", True), ("First1", False)]


# --- faults and inspection -----------------------------------------------------------------
@pytest.mark.parametrize(("kind", "expected"), [
    ("rate_limit", SalesforceRefusedRequest),
    ("server_error", SalesforceGeneralError),
    ("expired_token", SalesforceExpiredSession),
    ("reset", requests.exceptions.ConnectionError),
    ("truncated", ValueError),
])
def test_injected_faults_reach_the_client(harness: Harness, kind: str,
                                          expected: type[Exception]) -> None:
    with harness.open(faults=Faults({kind: 1.0})) as org, pytest.raises(expected) as failure:
        org.sf.query("SELECT Id FROM Contact")
    if kind == "rate_limit":
        content = failure.value.content  # type: ignore[attr-defined]
        assert content[0]["errorCode"] == "REQUEST_LIMIT_EXCEEDED"
    if kind == "server_error":
        assert failure.value.status >= 500  # type: ignore[attr-defined]


def test_slow_fault_delays_the_answer(harness: Harness) -> None:
    faults = Faults({"slow": 1.0}, slow_seconds=0.3)
    with harness.open(faults=faults) as org:
        started = time.perf_counter()
        assert org.sf.query("SELECT Id FROM Account")["totalSize"] == 2
        assert time.perf_counter() - started >= 0.3


def test_inspection_endpoints(org: Org) -> None:
    base = f"{org.base_url}/_sandbox"
    record_id = org.contact_ids()[0]
    org.sf.Contact.delete(record_id)
    stats = org.session.get(f"{base}/stats").json()
    assert stats["total"] == 2
    assert org.session.delete(f"{base}/stats").status_code == 204
    assert org.session.get(f"{base}/stats").json()["total"] == 0  # inspection is not counted
    dump = org.session.get(f"{base}/dump").json()
    assert len(dump["Contact"]) == 6 and len(dump["Account"]) == 2
    flagged = [c for c in dump["Contact"] if c["IsDeleted"]]
    assert [c["Id"] for c in flagged] == [record_id]
    assert org.session.put(f"{base}/faults", json={"rates": {"rate_limit": 1.0}}).status_code \
        == 204
    with pytest.raises(SalesforceRefusedRequest):
        org.sf.query("SELECT Id FROM Contact")
    org.session.put(f"{base}/faults", json={"rates": {}})
    assert org.sf.query("SELECT COUNT() FROM Contact")["totalSize"] == 5


def test_unknown_version_and_resource_are_not_found(org: Org) -> None:
    headers = org.sf.headers
    for path in ("/services/data/62.0/limits/", "/services/data/v62.0/nothing/here"):
        reply = org.session.get(org.base_url + path, headers=headers)
        assert reply.status_code == 404
        assert reply.json()[0]["errorCode"] == "NOT_FOUND"
    with pytest.raises(SalesforceResourceNotFound):
        org.sf.Lead.describe()
