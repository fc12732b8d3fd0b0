"""Shipped mappings read each CRM's native records into the common model and write changes
back in the CRM's own shapes; a mapping is checked against the CRM's field list."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from connectors.types import FieldSchema, ObjectSchema, SourceRecord
from mapping.check import check_object
from mapping.convert import CompiledMapping, ValueIssue
from mapping.model import Contact, Deal
from mapping.spec import default_mapping_path, load_mapping, parse_mapping
from mapping.yamlsource import ProblemsError

UTC = timezone.utc
MODIFIED = datetime(2024, 3, 1, 12, 30, tzinfo=UTC)


def compiled(crm: str) -> CompiledMapping:
    spec, _ = load_mapping(default_mapping_path(crm))
    return CompiledMapping(spec)


def record(object_type: str, fields: dict, associations: dict | None = None) -> SourceRecord:
    return SourceRecord(object_type, "42", fields, MODIFIED, associations=associations or {})


def test_hubspot_contact_reads_into_the_common_model() -> None:
    native = {
        "firstname": "José",
        "lastname": "Núñez",
        "email": "  Jose.Nunez@Example.COM ",
        "phone": "+34 612 34 56 78",
        "date_of_birth": "1985-07-14",
        "lastmodifieddate": "2024-03-01T12:30:00.000Z",
        "hs_email_optout": "false",
        "nps_score": "9",
        "tags": "vip;newsletter",
        "lifecyclestage": "marketingqualifiedlead",
        "hs_email_last_open_date": "1709296200000",
        "company": "",
    }
    contact = compiled("hubspot")["contact"].to_common(
        record("contacts", native, {"companies": ("7", "8")})
    )
    assert isinstance(contact, Contact)
    assert contact.email == "  Jose.Nunez@Example.COM "  # as typed: cleaning is hygiene's job
    assert contact.birth_date == date(1985, 7, 14)
    assert contact.updated_at == MODIFIED
    assert contact.last_open_at == datetime(2024, 3, 1, 12, 30, tzinfo=UTC)
    assert contact.unsubscribed is False and contact.nps_score == 9
    assert contact.tags == frozenset({"vip", "newsletter"})
    assert contact.lifecycle_stage == "LEAD"
    assert contact.company_id == "7"  # the first (primary) association
    assert contact.company_name is None  # empty string is no value
    assert contact.source is not None and contact.source.crm == "hubspot"


def test_salesforce_deal_maps_stages_and_junction_contacts() -> None:
    native = {
        "Name": "Renewal",
        "Amount": 1200.5,
        "CurrencyIsoCode": "EUR",
        "StageName": "Proposal/Price Quote",
        "CloseDate": "2024-04-30",
        "AccountId": "001A",
        "Products__c": "Pro Plan;Training",
        "SystemModstamp": "2024-03-01T12:30:00.000+0000",
    }
    deal = compiled("salesforce")["deal"].to_common(
        record("Opportunity", native, {"Contact": ("003A", "003B")})
    )
    assert isinstance(deal, Deal)
    assert deal.stage == "quote"
    assert deal.amount == Decimal("1200.5")
    assert deal.close_date == date(2024, 4, 30)
    assert deal.products == frozenset({"Pro Plan", "Training"})
    assert deal.contact_ids == ("003A", "003B") and deal.company_id == "001A"


def test_unmapped_stage_falls_back_to_open() -> None:
    deal = compiled("hubspot")["deal"].to_common(record("deals", {"dealstage": "custom_stage_9"}))
    assert deal.stage == "open"


def test_zoho_lookups_and_native_tags() -> None:
    native = {
        "Last_Name": "Peña",
        "Owner": {"id": "900", "name": "Ana"},
        "Account_Name": {"id": "555", "name": "Acme S.L."},
        "Tag": [{"name": "VIP", "id": "1"}],
        "Modified_Time": "2024-03-01T18:00:00+05:30",
        "Lead_Source": "Referral",
    }
    contact = compiled("zoho")["contact"].to_common(record("Contacts", native))
    assert contact.owner_id == "900"
    assert contact.company_id == "555" and contact.company_name == "Acme S.L."
    assert contact.tags == frozenset({"VIP"})
    assert contact.updated_at == datetime(2024, 3, 1, 12, 30, tzinfo=UTC)
    assert contact.source_channel == "referral"


@pytest.mark.parametrize(
    ("crm", "expected"),
    [
        (
            "hubspot",
            {
                "email": "ana@example.com",
                "tags": "crmsync:lead;vip",
                "lifecyclestage": "salesqualifiedlead",
            },
        ),
        (
            "salesforce",
            {
                "Email": "ana@example.com",
                "Tags__c": "crmsync:lead;vip",
                "Lifecycle_Stage__c": "QUALIFIED",
            },
        ),
        (
            "zoho",
            {
                "Email": "ana@example.com",
                "Tag": [{"name": "crmsync:lead"}, {"name": "vip"}],
                "Lifecycle_Stage": "QUALIFIED",
            },
        ),
    ],
)
def test_changes_are_written_in_the_crms_own_shape(crm: str, expected: dict) -> None:
    changes = {
        "email": "ana@example.com",
        "tags": frozenset({"vip", "crmsync:lead"}),
        "lifecycle_stage": "QUALIFIED",
    }
    assert compiled(crm)["contact"].to_native(changes) == expected


@pytest.mark.parametrize("crm", ["hubspot", "salesforce", "zoho"])
def test_written_values_read_back_unchanged(crm: str) -> None:
    """What crmsync writes and then reads again must not look like a new change."""
    converter = compiled(crm)["contact"]
    written = {
        "email": "ana@example.com",
        "tags": frozenset({"a", "b"}),
        "phone": "+34612345678",
        "lifecycle_stage": "CUSTOMER",
        "country": "ES",
    }
    native = converter.to_native(written)
    read_back = converter.to_common(record(converter.native_object, native))
    assert {name: converter.get(read_back, name) for name in written} == written


def test_only_writable_fields_can_be_written() -> None:
    with pytest.raises(PermissionError, match="nps_score is not writable"):
        compiled("hubspot")["contact"].to_native({"nps_score": 3})


def test_a_malformed_value_becomes_none_and_an_issue_not_a_crash() -> None:
    issues: list[ValueIssue] = []
    contact = compiled("hubspot")["contact"].to_common(
        record("contacts", {"nps_score": "nine", "email": "a@b.co"}), issues
    )
    assert contact.nps_score is None and contact.email == "a@b.co"
    assert [(i.field, i.native_field) for i in issues] == [("nps_score", "nps_score")]
    assert "expected a whole number" in issues[0].reason or "expected a number" in issues[0].reason


def test_native_fields_cover_every_mapped_field_and_the_cursor() -> None:
    converter = compiled("zoho")["contact"]
    fields = converter.native_fields()
    assert "Owner" in fields and "Account_Name" in fields and "Modified_Time" in fields
    assert len(fields) == len(set(fields))


def schema(*fields: FieldSchema) -> ObjectSchema:
    return ObjectSchema("hubspot", "contacts", {f.name: f for f in fields})


def test_check_reports_every_disagreement_at_once() -> None:
    spec, _ = parse_mapping(
        """
crm: hubspot
objects:
  contact:
    object: contacts
    cursor: lastmodifieddate
    fields:
      email: {from: emial, writable: true}
      phone: {from: phone, writable: true}
      nps_score: {from: nps_score}
      lifecycle_stage: {from: lifecyclestage, values: {lead: LEAD, vip: CUSTOMER}}
""",
        "m.yaml",
    )
    described = schema(
        FieldSchema("email", "email", True),
        FieldSchema("phone", "phone", False),
        FieldSchema("nps_score", "bool", True),
        FieldSchema("lifecyclestage", "enum", True, options=("lead", "customer")),
    )
    messages = [str(i) for i in check_object("contact", spec.objects["contact"], described)]
    assert messages == [
        "contact.(cursor) -> lastmodifieddate: hubspot contacts has no field 'lastmodifieddate'",
        "contact.email -> emial: hubspot contacts has no field 'emial' (did you mean 'email'?)",
        "contact.phone -> phone: the mapping writes it but the CRM keeps it read-only",
        "contact.nps_score -> nps_score: a bool field cannot hold int values",
        "contact.lifecycle_stage -> lifecyclestage: values ['vip'] are not options of the field",
    ]


def test_shipped_mappings_pass_a_check_against_their_own_fields() -> None:
    converter = compiled("hubspot")["contact"]
    described = schema(
        *(FieldSchema(name, "string", True) for name in converter.native_fields()),
    )
    assert check_object("contact", converter.spec, described) == []


def test_mapping_file_errors_name_file_line_and_key() -> None:
    with pytest.raises(ProblemsError) as caught:
        parse_mapping(
            "crm: hubspot\nobjects:\n  contact:\n    object: contacts\n    cursor: x\n"
            "    fields:\n      emali: {from: email}\n      phone: {from: phone, association: x}\n",
            "bad.yaml",
        )
    assert [str(p) for p in caught.value.problems] == [
        "bad.yaml:7: objects.contact.fields.emali: contact has no field 'emali' (did you mean "
        "'email'?); name custom fields 'custom.<name>'",
        "bad.yaml:8: objects.contact.fields.phone: give exactly one of 'from' (a native field) "
        "or 'association'",
    ]
