"""Enrichment (playbook §4): company domain from work e-mails, country from the phone's
prefix, generation from the birth date, company fields from the associated company; never
replacing what a person entered unless configured."""

from __future__ import annotations

from datetime import date

import pytest

from mapping.model import Company
from sync.segmentation.enrichment import generation
from tests.segmentation.builders import contact, find, run, settings, value

ACME = Company.of(id="acme", name="Acme Industrias S.L.", country="ES")


# --- company domain --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("email", "domain"),
    [
        ("Ana.Garcia@Acme-Industrias.es ", "acme-industrias.es"),
        ("ana@gmail.com", None),  # a free provider names no company
        ("ana@hotmail.es", None),
        ("ana@gmial.com", None),  # nor does a misspelling of one
        ("ana@", None),
        (None, None),
    ],
)
def test_company_domain_of_a_contact_without_company(email: str | None, domain: str | None) -> None:
    result = run("company_domain", [contact("c1", email=email)])
    assert value(result, "c1", "company_domain") == domain


def test_extra_free_domains_are_configurable() -> None:
    extra = settings(enrichment={"extra_free_email_domains": ["Telecable.ES"]})
    result = run("company_domain", [contact("c1", email="ana@telecable.es")], rules=extra)
    assert result.outputs == ()


def test_a_company_without_domain_gets_the_one_most_of_its_contacts_use() -> None:
    contacts = [
        contact("c1", company_id="acme", email="ana@acme.es"),
        contact("c2", company_id="acme", email="luis@acme.es"),
        contact("c3", company_id="acme", email="eva@acme-group.com"),
        contact("c4", company_id="acme", email="eva@gmail.com"),
    ]
    result = run("company_domain", contacts, companies=[ACME])
    [output] = result.outputs
    assert (output.object_name, output.record_id, output.name, output.value) == (
        "company", "acme", "domain", "acme.es",
    )  # fmt: skip
    assert output.reason == "2 of 3 of its contacts with a work e-mail write from acme.es"


def test_a_company_domain_a_person_entered_is_kept() -> None:
    company = Company.of(id="acme", domain="acme.com")
    contacts = [contact("c1", company_id="acme", email="ana@acme.es")]
    assert run("company_domain", contacts, companies=[company]).outputs == ()
    overwrite = settings(enrichment={"overwrite_person_values": True})
    result = run("company_domain", contacts, companies=[company], rules=overwrite)
    assert [o.value for o in result.outputs] == ["acme.es"]


# --- country from the phone ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("values", "country"),
    [
        ({"mobile": "+34 612 345 678"}, "ES"),
        ({"phone": "0034 912 345 678"}, "ES"),
        ({"mobile": "(+52) 55 2388 2326"}, "MX"),
        ({"phone": "+1 (404) 783-9908"}, "US"),
        ({"phone": "912 345 678"}, None),  # a national number says nothing
        ({"phone": "+999 1234"}, None),
        ({"phone": "+34 612 345 678", "country": "España"}, None),  # a person entered one
    ],
)
def test_country_from_the_international_prefix(values: dict, country: str | None) -> None:
    result = run("country_from_phone", [contact("c1", **values)])
    assert value(result, "c1", "country") == country


def test_country_is_overwritten_only_when_configured_and_different() -> None:
    overwrite = settings(enrichment={"overwrite_person_values": True})
    contacts = [
        contact("c1", mobile="+52 55 2388 2326", country="ES"),
        contact("c2", mobile="+34 612 345 678", country="es"),
    ]
    result = run("country_from_phone", contacts, rules=overwrite)
    assert value(result, "c1", "country") == "MX"
    assert value(result, "c2", "country") is None
    assert find(result, "c1", "field", "country")[0].reason == (
        "mobile +52 55 2388 2326 has the prefix of MX"
    )


# --- generation ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("year", "name"),
    [
        (1930, "Silent"), (1945, "Silent"), (1946, "Baby boomers"), (1964, "Baby boomers"),
        (1965, "Gen X"), (1980, "Gen X"), (1981, "Millennials"), (1996, "Millennials"),
        (1997, "Gen Z"), (2012, "Gen Z"), (2013, "Gen Alpha"), (2020, "Gen Alpha"),
    ],
)  # fmt: skip
def test_generation_by_birth_year(year: int, name: str) -> None:
    assert generation(date(year, 6, 1)) == name


def test_generation_rule() -> None:
    result = run("generation", [contact("c1", birth_date="1990-04-02"), contact("c2")])
    assert value(result, "c1", "generation") == "Millennials"
    assert [o.record_id for o in result.outputs] == ["c1"]


# --- company fields --------------------------------------------------------------------------
def test_company_name_is_copied_where_the_contacts_is_empty() -> None:
    contacts = [
        contact("empty", company_id="acme"),
        contact("typed", company_id="acme", company_name="ACME"),
        contact("alone"),
    ]
    result = run("company_fields", contacts, companies=[ACME])
    assert [(o.record_id, o.name, o.value) for o in result.outputs] == [
        ("empty", "company_name", "Acme Industrias S.L.")
    ]
    overwrite = settings(enrichment={"overwrite_person_values": True})
    result = run("company_fields", contacts, companies=[ACME], rules=overwrite)
    assert value(result, "typed", "company_name") == "Acme Industrias S.L."


def test_more_company_fields_can_be_copied() -> None:
    more = settings(enrichment={"company_fields": {"company_name": "name", "country": "country"}})
    result = run("company_fields", [contact("c1", company_id="acme")], companies=[ACME], rules=more)
    assert value(result, "c1", "country") == "ES"


def test_a_phone_contradicting_a_typed_country_is_a_conflict_not_a_silent_change() -> None:
    overwrite = settings(enrichment={"overwrite_person_values": True})
    contacts = [
        contact("same", country="España", mobile="+34 612 345 678"),
        contact("other", country="España", mobile="+52 55 2388 2326"),
    ]
    result = run(["hygiene.normalise", "country_from_phone"], contacts, rules=overwrite)
    assert find(result, "same", "field", "country")[0].rule == "hygiene.normalise"
    assert [str(c) for c in result.conflicts] == [
        "contact other.country: country_from_phone wants 'MX', hygiene.normalise wants 'ES'"
    ]
