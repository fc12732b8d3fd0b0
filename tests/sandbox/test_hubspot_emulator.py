"""The HubSpot emulator, driven over real HTTP by the real client (hubspot-api-client 12.0.0).

Plain ``requests`` only where the SDK cannot look (headers, raw bodies, inspection endpoints).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
import requests
import urllib3
from hubspot import HubSpot
from hubspot.crm.associations.v4 import (
    BatchInputPublicAssociationMultiPost,
    BatchInputPublicFetchAssociationsBatchRequest,
    PublicAssociationMultiPost,
    PublicFetchAssociationsBatchRequest,
)
from hubspot.crm.companies.exceptions import NotFoundException as CompanyNotFound
from hubspot.crm.contacts import (
    ApiException,
    BatchInputSimplePublicObjectBatchInput,
    BatchInputSimplePublicObjectBatchInputForCreate,
    BatchInputSimplePublicObjectBatchInputUpsert,
    BatchInputSimplePublicObjectId,
    BatchReadInputSimplePublicObjectId,
    PublicMergeInput,
    PublicObjectSearchRequest,
    SimplePublicObjectBatchInput,
    SimplePublicObjectBatchInputForCreate,
    SimplePublicObjectBatchInputUpsert,
    SimplePublicObjectId,
    SimplePublicObjectInput,
    SimplePublicObjectInputForCreate,
)
from hubspot.crm.contacts.exceptions import (
    NotFoundException,
    ServiceException,
    UnauthorizedException,
)
from hubspot.crm.objects.tasks import ApiException as TaskApiException
from hubspot.crm.objects.tasks import (
    AssociationSpec,
    PublicAssociationsForObject,
    PublicObjectId,
)
from hubspot.crm.objects.tasks import (
    BatchReadInputSimplePublicObjectId as TaskBatchRead,
)
from hubspot.crm.objects.tasks import (
    SimplePublicObjectId as TaskId,
)
from hubspot.crm.objects.tasks import (
    SimplePublicObjectInputForCreate as TaskInput,
)
from hubspot.crm.properties import ApiException as PropertyApiException
from hubspot.crm.properties import OptionInput, PropertyCreate, PropertyUpdate
from hubspot.oauth import ApiException as OAuthApiException

from sandbox.dataset import PRODUCTS, Company, Contact, Dataset, Deal, GroundTruth, Owner
from sandbox.http import EmulatorServer, Faults, running
from sandbox.hubspot import HubSpotApp, HubSpotSettings
from sandbox.hubspot.store import pack

T0 = datetime(2024, 1, 1, tzinfo=timezone.utc)


class FakeClock:
    """A settable clock for modified timestamps and token expiry."""

    def __init__(self, start: datetime = datetime(2025, 6, 1, tzinfo=timezone.utc)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def make_dataset(contacts: int = 30) -> Dataset:
    """A small hand-made data set: 3 owners, 4 companies, ``contacts`` contacts, 4 deals.
    Contact i was last updated at T0 + i hours (contacts 7 and 8 share a time)."""
    owners = [
        Owner(f"ow-{i}", f"Owner{i}", f"Sales{i}", f"owner{i}@sandbox.test") for i in range(3)
    ]
    companies = [
        Company(
            f"co-{i}",
            f"Company {i} S.L.",
            f"company{i}.test",
            "+34 910 000 00" + str(i),
            f"Calle {i}",
            "Madrid",
            "Madrid",
            "2800" + str(i),
            "ES",
            "Retail",
            10 * (i + 1),
            None,
            i == 3,
            f"ow-{i % 3}",
            T0,
            T0 + timedelta(days=i),
            frozenset({"VIP"}) if i % 2 else frozenset(),
        )
        for i in range(4)
    ]
    people = []
    for i in range(contacts):
        updated = T0 + timedelta(hours=i if i != 8 else 7)
        people.append(
            Contact(
                key=f"ct-{i}",
                first_name=f"Name{i}",
                last_name=f"Surname{i}",
                email=None if i == 3 else f"person{i}@example.test",
                other_emails=("alt@example.test",) if i == 2 else (),
                phone=f"+34 600 000 {i:03d}",
                mobile=None,
                street=None,
                city="Sevilla" if i % 2 else "Madrid",
                state=None,
                zip=None,
                country="ES",
                birth_date=date(1990, 5, 17) if i == 1 else None,
                job_title="Buyer" if i % 4 == 0 else None,
                company_key=f"co-{i % 4}",
                company_name=f"Company {i % 4} S.L.",
                owner_id=f"ow-{i % 3}",
                source_channel=("web", "chat", "call")[i % 3],
                created_at=T0,
                updated_at=updated,
                last_interaction_at=updated if i % 5 == 0 else None,
                last_open_at=None,
                last_click_at=None,
                email_opens=i,
                email_clicks=i // 2,
                marketing_consent=True if i % 2 else None,
                unsubscribed=i == 4,
                hard_bounce=False,
                nps_score=i % 11,
                nps_date=date(2024, 3, 1),
                support_tickets=0,
                avg_resolution_hours=12.5 if i == 1 else None,
                returns=0,
                failed_payments=0,
                referrals=0,
                reward_preference="gift" if i == 1 else None,
                disqualified=False,
                disqualified_reason=None,
                retired_reason=None,
                asked_price=i % 2 == 0,
                meeting_booked=False,
                quote_received=False,
                tags=frozenset({"newsletter", "fair-2024"}) if i % 3 == 0 else frozenset(),
            )
        )
    deals = [
        Deal(
            f"dl-{i}",
            f"Deal {i}",
            1000.0 + i,
            "EUR",
            stage,
            date(2024, 2, 1 + i),
            PRODUCTS[i : i + 2],
            f"ow-{i % 3}",
            "web",
            f"co-{i}",
            (f"ct-{i}", f"ct-{i + 4}"),
            T0,
            T0 + timedelta(days=1),
        )
        for i, stage in enumerate(("open", "meeting", "won", "lost"))
    ]
    return Dataset(1, owners, companies, people, deals, GroundTruth())


@dataclass
class Hub:
    app: HubSpotApp
    server: EmulatorServer
    client: HubSpot

    @property
    def url(self) -> str:
        return self.server.base_url

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.app.settings.private_app_token}"}

    def id_of(self, key: str) -> str:
        return str(self.app.ids[key])


class Hubs:
    """Fresh emulators on one long-lived server: each :meth:`start` installs a new app (and
    faults, and zeroed stats), so tests stay independent without a server start each."""

    def __init__(self, server: EmulatorServer) -> None:
        self.server = server

    def start(
        self, dataset: Dataset | None = None, faults: Faults | None = None, **settings: Any
    ) -> Hub:
        settings.setdefault("clock", FakeClock())
        app = HubSpotApp(
            make_dataset() if dataset is None else dataset, HubSpotSettings(**settings)
        )
        return self.install(app, faults)

    def install(self, app: HubSpotApp, faults: Faults | None = None) -> Hub:
        self.server.app = app
        self.server.faults = faults or Faults()
        self.server.stats.reset()
        token = app.credentials(self.server.base_url)["access_token"]
        return Hub(app, self.server, HubSpot(access_token=token, host=self.server.base_url))


@pytest.fixture(scope="module")
def hubs() -> Iterator[Hubs]:
    with running(HubSpotApp()) as server:
        yield Hubs(server)


@pytest.fixture
def hub(hubs: Hubs) -> Hub:
    return hubs.start()


def body_of(error: ApiException) -> dict[str, Any]:
    return json.loads(error.body)


# --- listing and reading ----------------------------------------------------------------------
def test_get_page_follows_the_after_cursor_and_get_all_reads_every_contact_once(hub: Hub) -> None:
    first = hub.client.crm.contacts.basic_api.get_page(limit=10)
    assert len(first.results) == 10
    second = hub.client.crm.contacts.basic_api.get_page(limit=10, after=first.paging.next.after)
    assert {r.id for r in first.results}.isdisjoint(r.id for r in second.results)
    everyone = hub.client.crm.contacts.get_all()
    assert sorted(r.id for r in everyone) == sorted(
        str(i) for i in (hub.app.ids[f"ct-{n}"] for n in range(30))
    )
    last = hub.client.crm.contacts.basic_api.get_page(limit=100)
    assert last.paging is None


def test_records_carry_requested_properties_in_hubspot_formats(hub: Hub) -> None:
    page = hub.client.crm.contacts.basic_api.get_page(
        limit=2,
        properties=[
            "date_of_birth",
            "marketing_consent",
            "avg_ticket_resolution_hours",
            "tags",
            "jobtitle",
            "no_such_property",
        ],
    )
    zero, one = page.results
    assert one.properties["date_of_birth"] == "1990-05-17"
    assert one.properties["marketing_consent"] == "true"
    assert one.properties["avg_ticket_resolution_hours"] == "12.5"
    assert zero.properties["tags"] == "fair-2024;newsletter"
    assert one.properties["jobtitle"] is None  # requested, no value
    assert "no_such_property" not in one.properties
    for record in (zero, one):
        assert {"hs_object_id", "createdate", "lastmodifieddate"} <= set(record.properties)
        assert record.properties["hs_object_id"] == record.id
    raw = requests.get(
        f"{hub.url}/crm/v3/objects/contacts",
        headers=hub.headers(),
        params={"limit": "1", "properties": "email,firstname"},
    ).json()
    record = raw["results"][0]
    assert record["createdAt"] == "2024-01-01T00:00:00.000Z"
    assert record["properties"]["email"] == "person0@example.test"
    assert record["archived"] is False


def test_default_properties_and_object_type_ids(hub: Hub) -> None:
    by_name = requests.get(f"{hub.url}/crm/v3/objects/deals", headers=hub.headers()).json()
    by_id = requests.get(f"{hub.url}/crm/v3/objects/0-3", headers=hub.headers()).json()
    assert by_name == by_id
    deal = by_name["results"][0]["properties"]
    assert set(deal) == {
        "hs_object_id",
        "createdate",
        "hs_lastmodifieddate",
        "amount",
        "closedate",
        "dealname",
        "dealstage",
        "pipeline",
    }
    assert deal["closedate"] == "2024-02-01T00:00:00.000Z"
    assert deal["dealstage"] in {"qualifiedtobuy", "presentationscheduled", "decisionmakerboughtin"}
    stages = [r["properties"]["dealstage"] for r in by_name["results"]]
    assert stages[1:] == ["appointmentscheduled", "closedwon", "closedlost"]


def test_list_limit_over_100_is_a_validation_error_unless_clamped(hubs: Hubs) -> None:
    hub = hubs.start()
    with pytest.raises(ApiException) as refused:
        hub.client.crm.contacts.basic_api.get_page(limit=101)
    assert refused.value.status == 400
    assert body_of(refused.value)["category"] == "VALIDATION_ERROR"
    hub = hubs.start(clamp_list_limit=True)
    assert len(hub.client.crm.contacts.basic_api.get_page(limit=500).results) == 30


def test_associations_param_lists_primary_and_unlabeled_company(hub: Hub) -> None:
    record = hub.client.crm.contacts.basic_api.get_by_id(
        hub.id_of("ct-5"), associations=["companies", "deals"]
    )
    companies = record.associations["companies"].results
    assert [(a.id, a.type) for a in companies] == [
        (hub.id_of("co-1"), "contact_to_company"),
        (hub.id_of("co-1"), "contact_to_company_unlabeled"),
    ]
    assert [a.type for a in record.associations["deals"].results] == ["contact_to_deal"]


def test_get_by_id_and_by_email_and_missing_ids(hub: Hub) -> None:
    basic = hub.client.crm.contacts.basic_api
    by_id = basic.get_by_id(hub.id_of("ct-6"), properties=["email"])
    by_email = basic.get_by_id("PERSON6@example.test", id_property="email")
    assert by_id.id == by_email.id == hub.id_of("ct-6")
    with pytest.raises(NotFoundException) as missing:
        basic.get_by_id("999")
    assert body_of(missing.value)["category"] == "OBJECT_NOT_FOUND"
    with pytest.raises(NotFoundException):
        basic.get_by_id("nobody@example.test", id_property="email")


def test_archive_hides_a_record_except_from_archived_listings(hub: Hub) -> None:
    basic = hub.client.crm.contacts.basic_api
    target = hub.id_of("ct-2")
    basic.archive(target)
    assert target not in {r.id for r in hub.client.crm.contacts.get_all()}
    archived = basic.get_page(archived=True)
    assert [r.id for r in archived.results] == [target]
    assert archived.results[0].archived is True and archived.results[0].archived_at is not None
    with pytest.raises(NotFoundException):
        basic.get_by_id(target)
    basic.archive("424242")  # HubSpot answers 204 for unknown ids too


# --- writing --------------------------------------------------------------------------------------
def test_create_update_clear_and_conflict(hubs: Hubs) -> None:
    clock = FakeClock()
    hub = hubs.start(clock=clock)
    basic = hub.client.crm.contacts.basic_api
    created = basic.create(
        SimplePublicObjectInputForCreate(
            properties={"email": "new@example.test", "firstname": "Nora", "nps_score": "9"}
        )
    )
    assert created.properties["firstname"] == "Nora"
    assert created.created_at == created.updated_at == clock.now
    clock.advance(minutes=5)
    updated = basic.update(
        created.id, SimplePublicObjectInput(properties={"firstname": "", "lifecyclestage": "lead"})
    )
    assert updated.updated_at == clock.now
    assert updated.properties["lastmodifieddate"] == "2025-06-01T00:05:00.000Z"
    again = basic.get_by_id(created.id, properties=["firstname", "lifecyclestage"])
    assert again.properties["firstname"] is None
    assert again.properties["lifecyclestage"] == "lead"
    with pytest.raises(ApiException) as clash:
        basic.create(SimplePublicObjectInputForCreate(properties={"email": "NEW@example.test"}))
    assert clash.value.status == 409
    assert body_of(clash.value)["category"] == "CONFLICT"
    assert f"Existing ID: {created.id}" in body_of(clash.value)["message"]


@pytest.mark.parametrize(
    ("properties", "code"),
    [
        ({"no_such_field": "x"}, "PROPERTY_DOESNT_EXIST"),
        ({"hs_email_open": "3"}, "READ_ONLY_VALUE"),
        ({"lifecyclestage": "prospect"}, "INVALID_OPTION"),
        ({"tags": "newsletter;unknown-tag"}, "INVALID_OPTION"),
        ({"nps_score": "1.5e3"}, "INVALID_INTEGER"),
        ({"nps_score": " 7"}, "INVALID_INTEGER"),
        ({"date_of_birth": "17/05/1990"}, "INVALID_DATE"),
        ({"marketing_consent": "yes"}, "INVALID_BOOLEAN"),
    ],
)
def test_invalid_property_values_are_refused_with_hubspot_codes(
    hub: Hub, properties: dict[str, str], code: str
) -> None:
    with pytest.raises(ApiException) as refused:
        hub.client.crm.contacts.basic_api.update(
            hub.id_of("ct-1"), SimplePublicObjectInput(properties=properties)
        )
    body = body_of(refused.value)
    assert refused.value.status == 400
    assert body["category"] == "VALIDATION_ERROR"
    assert body["message"].startswith("Property values were not valid: ")
    assert json.loads(body["message"].split(": ", 1)[1])[0]["error"] == code
    assert body["errors"][0]["code"] == code


def test_padded_values_are_trimmed_when_the_2025_rule_is_off(hubs: Hubs) -> None:
    hub = hubs.start(reject_padded_values=False)
    basic = hub.client.crm.contacts.basic_api
    basic.update(hub.id_of("ct-1"), SimplePublicObjectInput(properties={"nps_score": " 7 "}))
    assert (
        basic.get_by_id(hub.id_of("ct-1"), properties=["nps_score"]).properties["nps_score"] == "7"
    )


def test_batch_update_reports_unknown_ids_in_a_207(hub: Hub) -> None:
    inputs = [
        SimplePublicObjectBatchInput(id=hub.id_of("ct-1"), properties={"firstname": "Ana"}),
        SimplePublicObjectBatchInput(id="999999", properties={"firstname": "Ghost"}),
    ]
    batch = hub.client.crm.contacts.batch_api
    answer = batch.update(BatchInputSimplePublicObjectBatchInput(inputs))
    assert answer.num_errors == 1
    assert answer.errors[0].category == "OBJECT_NOT_FOUND"
    assert answer.errors[0].context == {"ids": ["999999"]}
    assert [r.properties["firstname"] for r in answer.results] == ["Ana"]


def test_batch_update_with_an_invalid_value_fails_whole_batch_by_default(hub: Hub) -> None:
    inputs = [
        SimplePublicObjectBatchInput(id=hub.id_of("ct-1"), properties={"firstname": "Ana"}),
        SimplePublicObjectBatchInput(id=hub.id_of("ct-2"), properties={"lifecyclestage": "x"}),
    ]
    with pytest.raises(ApiException) as refused:
        hub.client.crm.contacts.batch_api.update(BatchInputSimplePublicObjectBatchInput(inputs))
    assert refused.value.status == 400
    assert "INVALID_OPTION" in body_of(refused.value)["message"]
    unchanged = hub.client.crm.contacts.basic_api.get_by_id(hub.id_of("ct-1"))
    assert unchanged.properties["firstname"] == "Name1"


def test_batch_update_in_multi_status_mode_writes_the_valid_inputs(hubs: Hubs) -> None:
    hub = hubs.start(batch_validation="multi_status")
    answer = hub.client.crm.contacts.batch_api.update(
        BatchInputSimplePublicObjectBatchInput(
            [
                SimplePublicObjectBatchInput(id=hub.id_of("ct-1"), properties={"firstname": "Ana"}),
                SimplePublicObjectBatchInput(
                    id=hub.id_of("ct-2"), properties={"hs_email_open": "1"}
                ),
            ]
        )
    )
    assert answer.num_errors == 1
    assert answer.errors[0].category == "VALIDATION_ERROR"
    assert answer.errors[0].errors[0].code == "READ_ONLY_VALUE"
    assert answer.results[0].properties["firstname"] == "Ana"


def test_batches_over_100_inputs_and_duplicate_ids_are_refused(hub: Hub) -> None:
    too_many = [SimplePublicObjectBatchInput(id=str(i), properties={}) for i in range(101)]
    with pytest.raises(ApiException) as refused:
        hub.client.crm.contacts.batch_api.update(BatchInputSimplePublicObjectBatchInput(too_many))
    assert (refused.value.status, body_of(refused.value)["category"]) == (400, "VALIDATION_ERROR")
    twice = [SimplePublicObjectBatchInput(id=hub.id_of("ct-1"), properties={})] * 2
    with pytest.raises(ApiException, match="Duplicate IDs"):
        hub.client.crm.contacts.batch_api.update(BatchInputSimplePublicObjectBatchInput(twice))


def test_batch_upsert_by_email_creates_and_updates(hub: Hub) -> None:
    answer = hub.client.crm.contacts.batch_api.upsert(
        BatchInputSimplePublicObjectBatchInputUpsert(
            [
                SimplePublicObjectBatchInputUpsert(
                    id="fresh@example.test", id_property="email", properties={"firstname": "Fresh"}
                ),
                SimplePublicObjectBatchInputUpsert(
                    id="person7@example.test",
                    id_property="email",
                    properties={"lastname": "Updated"},
                ),
            ]
        )
    )
    by_email = {r.properties["email"]: r for r in answer.results}
    assert by_email["fresh@example.test"].new is True
    assert by_email["person7@example.test"].new is False
    assert by_email["person7@example.test"].id == hub.id_of("ct-7")
    assert by_email["person7@example.test"].properties["lastname"] == "Updated"
    wrong = [SimplePublicObjectBatchInputUpsert(id="1", id_property="hs_object_id", properties={})]
    with pytest.raises(ApiException, match="non-unique 0-1 property hs_object_id"):
        hub.client.crm.contacts.batch_api.upsert(
            BatchInputSimplePublicObjectBatchInputUpsert(wrong)
        )


def test_batch_read_create_and_archive(hub: Hub) -> None:
    batch = hub.client.crm.contacts.batch_api
    read = batch.read(
        BatchReadInputSimplePublicObjectId(
            inputs=[SimplePublicObjectId(id=hub.id_of("ct-1")), SimplePublicObjectId(id="31337")],
            properties=["email"],
            properties_with_history=[],
        )
    )
    assert read.num_errors == 1 and read.errors[0].context == {"ids": ["31337"]}
    with pytest.raises(NotFoundException):
        batch.read(
            BatchReadInputSimplePublicObjectId(
                inputs=[SimplePublicObjectId(id="31337")], properties=[], properties_with_history=[]
            )
        )
    created = batch.create(
        BatchInputSimplePublicObjectBatchInputForCreate(
            [
                SimplePublicObjectBatchInputForCreate(properties={"email": f"b{i}@example.test"})
                for i in range(2)
            ]
        )
    )
    assert len(created.results) == 2
    batch.archive(
        BatchInputSimplePublicObjectId([SimplePublicObjectId(r.id) for r in created.results])
    )
    assert len(hub.client.crm.contacts.get_all()) == 30
    with pytest.raises(ApiException) as clash:
        batch.create(
            BatchInputSimplePublicObjectBatchInputForCreate(
                [
                    SimplePublicObjectBatchInputForCreate(
                        properties={"email": "person1@example.test"}
                    )
                ]
            )
        )
    assert clash.value.status == 409


# --- search ---------------------------------------------------------------------------------------
def search(hub: Hub, **request: Any) -> Any:
    return hub.client.crm.contacts.search_api.do_search(PublicObjectSearchRequest(**request))


def since(moment: str) -> list[dict[str, Any]]:
    return [{"filters": [{"propertyName": "lastmodifieddate", "operator": "GTE", "value": moment}]}]


def test_search_modified_since_sorted_ascending_pages_with_offsets(hub: Hub) -> None:
    ascending = [{"propertyName": "lastmodifieddate", "direction": "ASCENDING"}]
    first = search(hub, filter_groups=since("2024-01-01T05:00:00Z"), sorts=ascending, limit=4)
    assert first.total == 25
    assert [r.id for r in first.results] == [hub.id_of(f"ct-{i}") for i in (5, 6, 7, 8)]
    assert first.paging.next.after == "4"
    epoch_ms = str(int((T0 + timedelta(hours=5)).timestamp() * 1000))
    second = search(hub, filter_groups=since(epoch_ms), sorts=ascending, limit=4, after="4")
    assert [r.id for r in second.results] == [hub.id_of(f"ct-{i}") for i in (9, 10, 11, 12)]
    descending = search(
        hub,
        filter_groups=since("2024-01-01T05:00:00Z"),
        sorts=["-lastmodifieddate"],
        limit=3,
        after="20",
    )
    # newest first; contacts 7 and 8 share a time and keep id order
    assert [r.id for r in descending.results] == [hub.id_of(f"ct-{i}") for i in (9, 7, 8)]


def test_search_keyset_cursor_on_modified_and_id(hub: Hub) -> None:
    seventh = "2024-01-01T07:00:00Z"
    keyset = [
        {
            "filters": [
                {"propertyName": "lastmodifieddate", "operator": "EQ", "value": seventh},
                {"propertyName": "hs_object_id", "operator": "GT", "value": hub.id_of("ct-7")},
            ]
        },
        {"filters": [{"propertyName": "lastmodifieddate", "operator": "GT", "value": seventh}]},
    ]
    found = search(hub, filter_groups=keyset, sorts=["lastmodifieddate"], limit=3)
    assert [r.id for r in found.results] == [hub.id_of(f"ct-{i}") for i in (8, 9, 10)]
    assert found.total == 22
    everything = search(hub, sorts=["lastmodifieddate"], limit=3)
    assert [r.id for r in everything.results] == [hub.id_of(f"ct-{i}") for i in (0, 1, 2)]


def test_search_stops_at_10000_results(hub: Hub) -> None:
    assert search(hub, limit=100, after="9900").results == []
    with pytest.raises(ApiException) as refused:
        search(hub, limit=100, after="9950")
    assert refused.value.status == 400
    assert body_of(refused.value)["category"] == "VALIDATION_ERROR"


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ([{"propertyName": "email", "operator": "EQ", "value": "PERSON4@example.test"}], [4]),
        (
            [
                {"propertyName": "source_channel", "operator": "IN", "values": ["chat"]},
                {
                    "propertyName": "nps_score",
                    "operator": "BETWEEN",
                    "value": "4",
                    "highValue": "8",
                },
            ],
            [4, 7, 16, 19, 28],
        ),
        ([{"propertyName": "email", "operator": "NOT_HAS_PROPERTY"}], [3]),
        (
            [
                {"propertyName": "tags", "operator": "EQ", "value": "fair-2024"},
                {"propertyName": "hs_object_id", "operator": "LT", "value": "100000008"},
            ],
            [0, 3, 6],
        ),
        (
            [
                {"propertyName": "email", "operator": "CONTAINS_TOKEN", "value": "person2*"},
                {"propertyName": "city", "operator": "NEQ", "value": "madrid"},
            ],
            [21, 23, 25, 27, 29],
        ),
        ([{"propertyName": "hs_email_optout", "operator": "EQ", "value": "true"}], [4]),
        ([{"propertyName": "date_of_birth", "operator": "HAS_PROPERTY"}], [1]),
    ],
)
def test_search_filter_operators(
    hub: Hub, filters: list[dict[str, Any]], expected: list[int]
) -> None:
    found = search(hub, filter_groups=[{"filters": filters}], limit=100)
    assert [r.id for r in found.results] == [hub.id_of(f"ct-{i}") for i in expected]
    assert found.total == len(expected)


def test_search_filter_groups_are_ored_and_limits_enforced(hub: Hub) -> None:
    group = [
        {
            "filters": [
                {"propertyName": "email", "operator": "EQ", "value": f"person{i}@example.test"}
            ]
        }
        for i in (1, 2)
    ]
    assert search(hub, filter_groups=group).total == 2
    filter_ = {"propertyName": "city", "operator": "HAS_PROPERTY"}
    for request in (
        {"filter_groups": [{"filters": [filter_]}] * 6},
        {"filter_groups": [{"filters": [filter_] * 11}]},
        {"filter_groups": [{"filters": [filter_] * 9}] * 3},
        {"limit": 201},
        {"filter_groups": [{"filters": [{"propertyName": "nope", "operator": "HAS_PROPERTY"}]}]},
    ):
        with pytest.raises(ApiException) as refused:
            search(hub, **request)
        assert refused.value.status == 400


def test_search_has_its_own_per_second_rate_limit(hubs: Hubs) -> None:
    hub = hubs.start(rate_limit=True, search_per_second=2)
    search(hub)
    search(hub)
    with pytest.raises(ApiException) as refused:
        search(hub)
    assert refused.value.status == 429
    assert body_of(refused.value)["policyName"] == "SECONDLY"
    hub.client.crm.contacts.basic_api.get_page()  # other endpoints are not held back


def test_incremental_search_stays_fast_at_200k_records(hubs: Hubs) -> None:
    app = HubSpotApp(None, HubSpotSettings())
    store = app.store("contacts")
    started = int(T0.timestamp() * 1000)
    for n in range(200_000):
        store.load(pack([f"n{n}", "", f"c{n}@example.test"]), started, started + n * 1000)
    store.finish_loading()
    hub = hubs.install(app)
    ascending = [{"propertyName": "lastmodifieddate", "direction": "ASCENDING"}]
    found = search(
        hub,
        filter_groups=since(str(started + 100_000 * 1000)),
        sorts=ascending,
        limit=200,
        after="9800",
    )
    assert found.total == 100_000
    assert found.results[0].properties["firstname"] == "n109800"
    session = requests.Session()
    body = {
        "filterGroups": since(str(started + 100_000 * 1000)),
        "sorts": ascending,
        "limit": 200,
        "after": "9800",
    }
    session.post(f"{hub.url}/crm/v3/objects/contacts/search", json=body, headers=hub.headers())
    begun = time.perf_counter()
    answer = session.post(
        f"{hub.url}/crm/v3/objects/contacts/search", json=body, headers=hub.headers()
    )
    elapsed = time.perf_counter() - begun
    assert answer.json()["total"] == 100_000
    assert elapsed < 0.25, f"an indexed search took {elapsed:.3f}s"  # a scan takes seconds


# --- properties -----------------------------------------------------------------------------------
CONTACT_FIELDS = {
    "hs_object_id",
    "firstname",
    "lastname",
    "email",
    "hs_additional_emails",
    "phone",
    "mobilephone",
    "address",
    "city",
    "state",
    "zip",
    "country",
    "date_of_birth",
    "jobtitle",
    "company",
    "hubspot_owner_id",
    "source_channel",
    "createdate",
    "lastmodifieddate",
    "notes_last_updated",
    "hs_email_last_open_date",
    "hs_email_last_click_date",
    "hs_email_open",
    "hs_email_click",
    "marketing_consent",
    "hs_email_optout",
    "email_hard_bounce",
    "nps_score",
    "nps_date",
    "support_tickets",
    "avg_ticket_resolution_hours",
    "product_returns",
    "failed_payments",
    "referrals_count",
    "reward_preference",
    "disqualified",
    "disqualification_reason",
    "retired_reason",
    "asked_for_price",
    "meeting_booked",
    "quote_received",
    "lifecyclestage",
    "tags",
}


def test_property_catalogue_matches_fields_md(hub: Hub) -> None:
    core = hub.client.crm.properties.core_api
    contacts = {p.name: p for p in core.get_all("contacts").results}
    assert set(contacts) == CONTACT_FIELDS
    assert contacts["hs_email_open"].modification_metadata.read_only_value is True
    assert contacts["email"].modification_metadata.read_only_value is False
    assert (contacts["tags"].type, contacts["tags"].field_type) == ("enumeration", "checkbox")
    assert [o.value for o in contacts["tags"].options] == ["fair-2024", "newsletter"]
    assert [o.value for o in contacts["lifecyclestage"].options][:2] == ["subscriber", "lead"]
    assert {o.label for o in contacts["hubspot_owner_id"].options} == {
        f"Owner{i} Sales{i}" for i in range(3)
    }
    deals = {p.name: p for p in core.get_all("deals").results}
    assert [o.value for o in deals["dealstage"].options] == [
        "appointmentscheduled",
        "qualifiedtobuy",
        "presentationscheduled",
        "decisionmakerboughtin",
        "contractsent",
        "closedwon",
        "closedlost",
    ]
    assert [o.value for o in deals["products"].options] == list(PRODUCTS)
    assert core.get_by_name("companies", "hs_lastmodifieddate").type == "datetime"


def test_property_create_conflict_patch_options_then_write(hub: Hub) -> None:
    core = hub.client.crm.properties.core_api
    created, status, headers = core.create_with_http_info(
        "contacts",
        PropertyCreate(
            name="crmsync_segment",
            label="Segment",
            type="enumeration",
            field_type="select",
            group_name="contactinformation",
            options=[OptionInput(label="Lead", value="LEAD", hidden=False)],
        ),
    )
    assert status == 201
    assert headers["Location"].endswith("/crm/v3/properties/0-1/crmsync_segment")
    assert created.modification_metadata.read_only_value is False
    with pytest.raises(PropertyApiException) as clash:
        core.create(
            "contacts",
            PropertyCreate(
                name="crmsync_segment", label="x", type="string", field_type="text", group_name="g"
            ),
        )
    assert clash.value.status == 409
    core.update(
        "contacts",
        "crmsync_segment",
        PropertyUpdate(
            options=[
                OptionInput(label="Lead", value="LEAD", hidden=False),
                OptionInput(label="Customer", value="CUSTOMER", hidden=False),
            ]
        ),
    )
    basic = hub.client.crm.contacts.basic_api
    basic.update(hub.id_of("ct-1"), SimplePublicObjectInput({"crmsync_segment": "CUSTOMER"}))
    assert (
        basic.get_by_id(hub.id_of("ct-1"), properties=["crmsync_segment"]).properties[
            "crmsync_segment"
        ]
        == "CUSTOMER"
    )
    missing = requests.post(
        f"{hub.url}/crm/v3/properties/contacts",
        headers=hub.headers(),
        json={"name": "x_y", "label": "X", "type": "string"},
    )
    assert missing.status_code == 400 and "fieldType" in missing.json()["message"]
    mismatched = requests.post(
        f"{hub.url}/crm/v3/properties/contacts",
        headers=hub.headers(),
        json={"name": "x_y", "label": "X", "type": "bool", "fieldType": "text", "groupName": "g"},
    )
    assert mismatched.status_code == 400


# --- associations, tasks, merge, owners -----------------------------------------------------------
def test_v4_batch_read_create_and_default_association(hub: Hub) -> None:
    v4 = hub.client.crm.associations.v4
    read = v4.batch_api.get_page(
        "contacts",
        "companies",
        BatchInputPublicFetchAssociationsBatchRequest(
            [
                PublicFetchAssociationsBatchRequest(id=hub.id_of("ct-1")),
                PublicFetchAssociationsBatchRequest(id="12345"),
            ]
        ),
    )
    assert read.num_errors == 1
    linked = read.results[0].to[0]
    assert linked.to_object_id == hub.id_of("co-1")
    assert [(t.type_id, t.label) for t in linked.association_types] == [(1, "Primary"), (279, None)]
    created = v4.batch_api.create(
        "deals",
        "contacts",
        BatchInputPublicAssociationMultiPost(
            [
                PublicAssociationMultiPost(
                    _from=PublicObjectId(hub.id_of("dl-0")),
                    to=PublicObjectId(hub.id_of("ct-9")),
                    types=[AssociationSpec("HUBSPOT_DEFINED", 3)],
                )
            ]
        ),
    )
    assert created.results[0].to_object_id == hub.id_of("ct-9")
    v4.basic_api.create_default("contacts", hub.id_of("ct-9"), "companies", hub.id_of("co-3"))
    record = hub.client.crm.contacts.basic_api.get_by_id(
        hub.id_of("ct-9"), associations=["companies", "deals"]
    )
    assert {(a.id, a.type) for a in record.associations["companies"].results} == {
        (hub.id_of("co-1"), "contact_to_company"),
        (hub.id_of("co-1"), "contact_to_company_unlabeled"),
        (hub.id_of("co-3"), "contact_to_company_unlabeled"),
    }
    assert hub.id_of("dl-0") in {a.id for a in record.associations["deals"].results}


def test_tasks_are_created_with_associations_and_read_back(hub: Hub) -> None:
    tasks = hub.client.crm.objects.tasks
    task = tasks.basic_api.create(
        TaskInput(
            properties={
                "hs_task_subject": "Call back",
                "hs_task_status": "NOT_STARTED",
                "hs_task_priority": "HIGH",
                "hs_timestamp": "2025-06-02T09:00:00Z",
            },
            associations=[
                PublicAssociationsForObject(
                    to=PublicObjectId(hub.id_of("ct-4")),
                    types=[AssociationSpec("HUBSPOT_DEFINED", 204)],
                )
            ],
        )
    )
    assert task.properties["hs_timestamp"] == "2025-06-02T09:00:00.000Z"
    assert [t.id for t in tasks.basic_api.get_page().results] == [task.id]
    fetched = tasks.basic_api.get_by_id(
        task.id, properties=["hs_task_subject"], associations=["contacts"]
    )
    assert fetched.properties["hs_task_subject"] == "Call back"
    assert fetched.associations["contacts"].results[0].type == "task_to_contact"
    batch = tasks.batch_api.read(
        TaskBatchRead(inputs=[TaskId(task.id)], properties=[], properties_with_history=[])
    )
    assert batch.results[0].id == task.id
    with pytest.raises(TaskApiException) as refused:
        tasks.basic_api.create(
            TaskInput(
                properties={},
                associations=[
                    PublicAssociationsForObject(
                        to=PublicObjectId("1"), types=[AssociationSpec("HUBSPOT_DEFINED", 204)]
                    )
                ],
            )
        )
    assert refused.value.status == 400


def test_merge_archives_the_merged_contact_and_moves_its_associations(hub: Hub) -> None:
    basic = hub.client.crm.contacts.basic_api
    primary, merged = hub.id_of("ct-1"), hub.id_of("ct-2")
    survivor = basic.merge(PublicMergeInput(object_id_to_merge=merged, primary_object_id=primary))
    assert survivor.id == primary
    read = basic.get_by_id(
        merged, properties=["hs_additional_emails"], associations=["companies", "deals"]
    )
    assert read.id == primary
    assert read.properties["hs_additional_emails"] == "person2@example.test;alt@example.test"
    assert {a.id for a in read.associations["companies"].results} == {
        hub.id_of("co-1"),
        hub.id_of("co-2"),
    }
    assert basic.get_by_id("person2@example.test", id_property="email").id == primary
    dump = requests.get(f"{hub.url}/_sandbox/dump").json()
    gone = next(r for r in dump["contacts"] if r["id"] == merged)
    assert gone["archived"] is True and gone["mergedInto"] == primary and gone["associations"] == {}


def test_merged_ids_can_answer_404_instead(hubs: Hubs) -> None:
    hub = hubs.start(merged_id_reads="not_found")
    basic = hub.client.crm.companies.basic_api
    basic.merge(
        PublicMergeInput(object_id_to_merge=hub.id_of("co-2"), primary_object_id=hub.id_of("co-0"))
    )
    with pytest.raises(CompanyNotFound):
        basic.get_by_id(hub.id_of("co-2"))


def test_owners_come_from_the_data_set(hub: Hub) -> None:
    owners = hub.client.crm.owners.owners_api.get_page(limit=2)
    assert [(o.first_name, o.email) for o in owners.results] == [
        ("Owner0", "owner0@sandbox.test"),
        ("Owner1", "owner1@sandbox.test"),
    ]
    rest = hub.client.crm.owners.owners_api.get_page(after=owners.paging.next.after)
    assert [o.last_name for o in rest.results] == ["Sales2"]
    owner_id = hub.app.owner_ids["ow-1"]
    assert hub.client.crm.owners.owners_api.get_by_id(int(owner_id)).id == owner_id
    contact = hub.client.crm.contacts.basic_api.get_by_id(
        hub.id_of("ct-1"), properties=["hubspot_owner_id"]
    )
    assert contact.properties["hubspot_owner_id"] == owner_id


# --- auth and rate limits -------------------------------------------------------------------------
def test_unknown_tokens_are_refused(hub: Hub) -> None:
    stranger = HubSpot(access_token="pat-na1-wrong", host=hub.url)
    with pytest.raises(UnauthorizedException) as refused:
        stranger.crm.contacts.basic_api.get_page()
    assert body_of(refused.value)["category"] == "INVALID_AUTHENTICATION"
    anonymous = requests.get(f"{hub.url}/crm/v3/objects/contacts")
    assert anonymous.status_code == 401


def test_oauth_tokens_expire_and_refresh_through_the_sdk(hubs: Hubs) -> None:
    clock = FakeClock()
    hub = hubs.start(clock=clock, access_token_ttl=60)
    creds = hub.app.credentials(hub.url)
    refreshed = HubSpot(host=hub.url).oauth.tokens_api.create(
        grant_type="refresh_token",
        client_id=creds["client_id"],
        client_secret=creds["client_secret"],
        refresh_token=creds["refresh_token"],
    )
    assert refreshed.expires_in == 60
    client = HubSpot(access_token=refreshed.access_token, host=hub.url)
    client.crm.contacts.basic_api.get_page()
    clock.advance(seconds=61)
    with pytest.raises(UnauthorizedException) as expired:
        client.crm.contacts.basic_api.get_page()
    body = body_of(expired.value)
    assert body["category"] == "EXPIRED_AUTHENTICATION"
    assert body["message"] == "The OAuth token used to make this call expired 1 second(s) ago."
    again = HubSpot(host=hub.url).oauth.tokens_api.create(
        grant_type="refresh_token",
        client_id=creds["client_id"],
        client_secret=creds["client_secret"],
        refresh_token=creds["refresh_token"],
    )
    client.access_token = again.access_token
    assert len(client.crm.contacts.basic_api.get_page().results) == 10
    for field, status in (
        ("client_secret", "BAD_CLIENT_SECRET"),
        ("refresh_token", "BAD_REFRESH_TOKEN"),
        ("client_id", "BAD_CLIENT_ID"),
    ):
        with pytest.raises(OAuthApiException) as refused:
            HubSpot(host=hub.url).oauth.tokens_api.create(
                grant_type="refresh_token",
                **{
                    **{k: creds[k] for k in ("client_id", "client_secret", "refresh_token")},
                    field: "wrong",
                },
            )
        assert refused.value.status == 400 and body_of(refused.value)["status"] == status


def test_rolling_window_limit_answers_429_with_policy_and_headers(hubs: Hubs) -> None:
    hub = hubs.start(rate_limit=True, max_per_10s=3, window_seconds=0.5)
    basic = hub.client.crm.contacts.basic_api
    for _ in range(3):
        basic.get_page()
    with pytest.raises(ApiException) as refused:
        basic.get_page()
    assert refused.value.status == 429
    assert body_of(refused.value) | {"correlationId": "", "requestId": ""} == {
        "status": "error",
        "message": "You have reached your ten_secondly_rolling limit.",
        "errorType": "RATE_LIMIT",
        "policyName": "TEN_SECONDLY_ROLLING",
        "correlationId": "",
        "requestId": "",
    }
    assert refused.value.headers["X-HubSpot-RateLimit-Remaining"] == "0"
    assert "Retry-After" not in refused.value.headers
    time.sleep(0.55)
    answer = requests.get(f"{hub.url}/crm/v3/objects/contacts", headers=hub.headers())
    assert answer.status_code == 200
    assert answer.headers["X-HubSpot-RateLimit-Max"] == "3"
    assert answer.headers["X-HubSpot-RateLimit-Remaining"] == "2"
    assert answer.headers["X-HubSpot-RateLimit-Interval-Milliseconds"] == "500"
    assert answer.headers["X-HubSpot-RateLimit-Daily"] == "500000"


def test_retry_after_makes_the_sdk_retry_gets_by_itself(hubs: Hubs) -> None:
    hub = hubs.start(rate_limit=True, max_per_10s=1, window_seconds=1.0, retry_after=True)
    hub.client.crm.contacts.basic_api.get_page()
    hub.client.crm.contacts.basic_api.get_page()  # 429 + Retry-After: 1, retried inside
    assert hub.server.stats.total(status=429) == 1
    assert hub.server.stats.total(status=200) == 2


def test_daily_usage_counts_requests(hubs: Hubs) -> None:
    hub = hubs.start(daily_limit=1000)
    hub.client.crm.contacts.basic_api.get_page()
    usage = requests.get(
        f"{hub.url}/account-info/v3/api-usage/daily/private-apps", headers=hub.headers()
    )
    result = usage.json()["results"][0]
    assert (result["usageLimit"], result["currentUsage"]) == (1000, 2)
    assert usage.headers["X-HubSpot-RateLimit-Daily-Remaining"] == "998"


# --- faults and inspection ------------------------------------------------------------------------
def with_fault(hubs: Hubs, kind: str, **extra: Any) -> Hub:
    return hubs.start(faults=Faults({kind: 1.0}, **extra))


def test_fault_rate_limit_gives_the_same_429(hubs: Hubs) -> None:
    hub = with_fault(hubs, "rate_limit")
    with pytest.raises(ApiException) as refused:
        hub.client.crm.contacts.basic_api.get_page()
    assert refused.value.status == 429
    assert body_of(refused.value)["policyName"] == "TEN_SECONDLY_ROLLING"
    assert refused.value.headers["X-HubSpot-RateLimit-Remaining"] == "0"


def test_fault_server_error_raises_service_exception(hubs: Hubs) -> None:
    hub = with_fault(hubs, "server_error")
    with pytest.raises(ServiceException) as failed:
        hub.client.crm.contacts.basic_api.get_page()
    assert failed.value.status in (500, 502, 503)


def test_fault_expired_token_even_for_a_private_app_token(hubs: Hubs) -> None:
    hub = with_fault(hubs, "expired_token")
    with pytest.raises(UnauthorizedException) as refused:
        hub.client.crm.contacts.basic_api.get_page()
    assert body_of(refused.value)["category"] == "EXPIRED_AUTHENTICATION"


def test_fault_slow_delays_the_answer(hubs: Hubs) -> None:
    hub = with_fault(hubs, "slow", slow_seconds=0.3)
    begun = time.perf_counter()
    hub.client.crm.contacts.basic_api.get_page()
    assert time.perf_counter() - begun >= 0.3


def test_fault_reset_breaks_the_connection(hubs: Hubs) -> None:
    hub = with_fault(hubs, "reset")
    with pytest.raises(urllib3.exceptions.HTTPError):
        search(hub)


def test_fault_truncated_body_reaches_the_sdk_as_an_empty_page(hubs: Hubs) -> None:
    hub = with_fault(hubs, "truncated")
    answer = requests.get(f"{hub.url}/crm/v3/objects/contacts", headers=hub.headers())
    with pytest.raises(ValueError):
        answer.json()
    # the SDK swallows the JSON error: a connector must treat results=None as a failed read
    page = hub.client.crm.contacts.basic_api.get_page()
    assert page.results is None and page.paging is None


def test_stats_count_requests_and_can_be_reset(hub: Hub) -> None:
    hub.client.crm.contacts.basic_api.get_page(limit=10)
    hub.client.crm.contacts.basic_api.get_page(limit=10, after="100000011")
    stats = requests.get(f"{hub.url}/_sandbox/stats").json()
    assert stats["total"] == 2
    assert stats["requests"] == [
        {"method": "GET", "endpoint": "/crm/v3/objects/contacts", "status": 200, "count": 2}
    ]
    assert requests.delete(f"{hub.url}/_sandbox/stats").status_code == 204
    hub.client.crm.contacts.basic_api.get_page(limit=10)
    counted = requests.get(f"{hub.url}/_sandbox/stats").json()["requests"]
    assert [c["count"] for c in counted if c["endpoint"] == "/crm/v3/objects/contacts"] == [1]


def test_dump_holds_every_record_with_properties_and_associations(hub: Hub) -> None:
    hub.client.crm.deals.basic_api.archive(hub.id_of("dl-3"))
    dump = requests.get(f"{hub.url}/_sandbox/dump").json()
    assert [len(dump[t]) for t in ("contacts", "companies", "deals", "tasks")] == [30, 4, 4, 0]
    deal = next(r for r in dump["deals"] if r["id"] == hub.id_of("dl-3"))
    assert deal["archived"] is True and deal["properties"]["dealstage"] == "closedlost"
    contact = next(r for r in dump["contacts"] if r["id"] == hub.id_of("ct-4"))
    assert contact["associations"]["companies"] == [{"id": hub.id_of("co-0"), "types": [1, 279]}]
    assert contact["properties"]["hs_email_optout"] == "true"


# --- bigger data ---------------------------------------------------------------------------
def test_five_thousand_contacts_page_through_exactly_once(hubs: Hubs) -> None:
    dataset = make_dataset(5000)
    hub = hubs.start(dataset)
    seen = [r.id for r in hub.client.crm.contacts.get_all(properties=["email"])]
    assert len(seen) == len(set(seen)) == 5000
    assert set(seen) == {str(hub.app.ids[c.key]) for c in dataset.contacts}
    assert hub.server.stats.total(method="GET", status=200) == 50


def test_generated_data_loads_in_native_shape(hubs: Hubs) -> None:
    generator = pytest.importorskip("sandbox.generator")
    dataset = generator.generate(300, seed=3)
    hub = hubs.start(dataset)
    contacts = {
        r.id: r
        for r in hub.client.crm.contacts.get_all(
            properties=["email", "tags", "hubspot_owner_id"], associations=["companies"]
        )
    }
    assert len(contacts) == 300
    for contact in dataset.contacts:
        native = contacts[hub.id_of(contact.key)]
        assert native.properties["email"] == (contact.email or None)
        assert native.properties["tags"] == (";".join(sorted(contact.tags)) or None)
        assert native.properties["hubspot_owner_id"] == hub.app.owner_ids.get(contact.owner_id)
        linked = native.associations["companies"].results if native.associations else []
        expected = [hub.id_of(contact.company_key)] * 2 if contact.company_key else []
        assert [a.id for a in linked] == expected
        assert native.updated_at == contact.updated_at.replace(
            microsecond=contact.updated_at.microsecond // 1000 * 1000
        )
    deals = hub.client.crm.deals.get_all(properties=["dealstage", "amount"])
    assert len(deals) == len(dataset.deals)
